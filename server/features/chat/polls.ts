/**
 * Polls: a question with 2 to 10 answers, posted as a message ("Which day for the make-up test?"),
 * that members answer with a tap, as a lecturer asks a class in BigBlueButton.
 *
 * A poll is a message of kind `poll` whose body is the question and then one answer per line (so
 * screening, search, quotes and emails read it as the text it is) and whose meta says how it is
 * voted: one answer or several, and whether the votes are anonymous. Its votes and whether it is
 * closed are in the store's polls (types-polls.ts).
 *
 * Who starts one: the people who pin (pins.ts mayPin: in a course room those who teach or run it;
 * in a group or a direct conversation any member); it is posted like a message (the posting rules,
 * the send budget, screening before anyone sees it: a held poll is its sender's alone). Who votes:
 * any member who may post there, on a poll everyone sees, until it is closed (by its writer, or by
 * those who delete others' messages). Anonymous votes are shown to nobody, its writer included. A
 * poll whose results wait for its close (a quiz) shows everyone how many voted, and the counts
 * only to its writer until it closes.
 *
 * Protocol: a vote is not a change of the message (no rev), like a reaction. A change goes to the
 * room as the poll's box alone (`poll-<id>`: counts, no one's choices), with the time the counts were
 * read, and to the voter's own pages as the box rendered for her (her choices marked, read later):
 * pages keep the newest box they have seen of a poll. A reconnecting page catches up the boxes
 * changed since the newest box time it saw, reactions' and polls' alike (`rxAt` in `resume`).
 */
import { badRequest, forbidden, notFound, rateLimited } from '../../errors';
import type { Message, PollTally, Room, User } from '../../store/types';
import { html, type Raw } from '../../http/html';
import { topics } from '../../realtime/topics';
import { partial } from '../../../views/partials';
import { countsShown, pollBox, pollBoxId, pollOf, type Poll } from '../../../views/polls';
import { assertMayPost } from '../moderation/restrictions';
import type { ChatContext } from './context';
import { mayModerate, roomOfMember } from './member-room';
import { mayPin } from './pins';
import { assertMayAddTo } from './posting';
import { groupBy } from '../../lib/group-by';
import { csvRow } from '../../lib/csv';
import { BOX_CATCH_UP, BOX_CLOCK_MARGIN_MS, normaliseBody } from './limits';
import { postScreened, takeSendSlot } from './messages';

export const MAX_OPTIONS = 10;
export const MAX_QUESTION_CHARS = 300;
export const MAX_OPTION_CHARS = 100;

export interface PollInput {
  question: string;
  /** As typed: blank ones are left out. */
  options: readonly string[];
  multiple: boolean;
  anonymous: boolean;
  /** Results when it closes: until then only its writer sees the counts. */
  hidden?: boolean;
}

const oneLine = (s: string) => normaliseBody(s).replace(/\s+/g, ' ').trim();
const length = (s: string) => [...s].length;

/** The poll as a message body and meta, or a refusal saying what to change (the form keeps what was typed). */
export function pollMessage(input: PollInput): { body: string; meta: Record<string, unknown> } {
  const question = oneLine(input.question);
  if (!question) throw badRequest('Write the question.');
  if (length(question) > MAX_QUESTION_CHARS) throw badRequest(`The question can be at most ${MAX_QUESTION_CHARS} characters; it has ${length(question)}.`);
  const options = input.options.map(oneLine).filter(Boolean);
  if (options.length < 2) throw badRequest('Give at least two answers to choose from.');
  if (options.length > MAX_OPTIONS) throw badRequest(`A poll has at most ${MAX_OPTIONS} answers.`);
  const long = options.find((o) => length(o) > MAX_OPTION_CHARS);
  if (long) throw badRequest(`An answer can be at most ${MAX_OPTION_CHARS} characters; “${[...long].slice(0, 30).join('')}…” has ${length(long)}.`);
  const seen = new Set<string>();
  for (const o of options) {
    if (seen.has(o.toLowerCase())) throw badRequest(`“${o}” is there twice.`);
    seen.add(o.toLowerCase());
  }
  return { body: [question, ...options].join('\n'), meta: { multiple: input.multiple, anonymous: input.anonymous, hidden: input.hidden === true } };
}

export async function createPoll(ctx: ChatContext, user: User, input: PollInput & { roomId: string; clientId: string }) {
  const { room, membership } = await roomOfMember(ctx.store, user.id, input.roomId);
  if (room.archived) throw badRequest('This room is archived: you can read it but not post.');
  await assertMayAddTo(ctx.store, user, membership, room, [input.clientId]);
  if (!mayPin(user, membership, room)) throw forbidden('In a course room only the lecturer, the room’s owners and its moderators start polls.');
  const { body, meta } = pollMessage(input);
  await assertMayPost(ctx.store, user, room);
  await takeSendSlot(ctx, user, room);
  return postScreened(ctx, user, room, { roomId: room.id, senderId: user.id, clientId: input.clientId, kind: 'poll', body, mentions: [], meta });
}

/** A poll of the room everyone may see, with its member's standing there; else 404 (held ones are their sender's alone). */
async function visiblePoll(ctx: ChatContext, user: User, roomId: string, messageId: string) {
  const { room, membership } = await roomOfMember(ctx.store, user.id, roomId);
  const message = await ctx.store.messages.byId(room.id, messageId);
  const poll = message && !message.held ? pollOf(message) : null;
  if (!message || !poll) throw notFound('No such poll.');
  if (message.deletedAt) throw badRequest('This poll was deleted.');
  return { room, membership, message, poll };
}

/**
 * Chooses an answer (`on`) or takes it back. In a one-answer poll, choosing another moves the vote.
 * The page sends what it wants (not "toggle"): a double tap on a slow line, or a frame sent again,
 * changes nothing the second time, and two devices never undo each other.
 */
export async function vote(ctx: ChatContext, user: User, input: { roomId: string; messageId: string; option: number; on: boolean }) {
  const { room, message, poll } = await visiblePoll(ctx, user, input.roomId, input.messageId);
  if (room.archived) throw badRequest('This room is archived: you can read it but not vote.');
  if (!Number.isInteger(input.option) || input.option < 0 || input.option >= poll.options.length) throw badRequest('That answer is not one of the poll’s.');
  await assertMayPost(ctx.store, user, room);
  const wait = await ctx.reactLimiter.take(`poll:${user.id}:${room.id}`);
  if (wait) throw rateLimited(`You are voting too fast. Wait ${wait} second${wait === 1 ? '' : 's'} and try again.`, wait);
  const r = await ctx.store.polls.vote({ roomId: room.id, messageId: message.id, userId: user.id, option: input.option, on: input.on, single: !poll.multiple, at: Date.now() });
  if (r === 'closed') throw badRequest('This poll is closed.');
  const now = await stillShown(ctx, message);
  // Nothing changed (her page showed a stale state): her pages get the poll as it is, for her.
  if (r === 'same') ctx.hub.publish(topics.user(user.id), (await boxesFor(ctx, [now], user.id)).value);
  else await publishPoll(ctx, now, user.id);
}

/**
 * The poll again after a write: deleted or hidden by safeguarding meanwhile, nothing of it may go
 * out (a hidden poll's answers are its sender's and the officers' only), and a vote that landed
 * after the delete's forgetPoll is forgotten too.
 */
async function stillShown(ctx: ChatContext, message: Message): Promise<Message> {
  const now = await ctx.store.messages.byId(message.roomId, message.id);
  if (!now || now.deletedAt) {
    await ctx.store.polls.remove(message.roomId, message.id);
    throw badRequest('This poll was deleted.');
  }
  if (now.held) throw notFound('No such poll.');
  return now;
}

/** Closes a poll: its writer, or those who delete others' messages in the room; in an archived room too (it changes no one's words). */
export async function closePoll(ctx: ChatContext, user: User, input: { roomId: string; messageId: string }) {
  const { room, membership, message } = await visiblePoll(ctx, user, input.roomId, input.messageId);
  if (message.senderId !== user.id && !mayModerate(user, membership)) throw forbidden('Only the poll’s writer and the room’s owners and moderators close it.');
  // Not refused in an archived room: a quiz left open when the course ended would never show its results.
  await assertMayPost(ctx.store, user, room);
  if (!(await ctx.store.polls.close(room.id, message.id, user.id, Date.now()))) throw badRequest('This poll is closed already.');
  await publishPoll(ctx, await stillShown(ctx, message));
}

/**
 * The room gets the counts (only how many voted, for a poll whose results wait for its close); the
 * voter's own pages, after them, the box with her choices; the writer's pages, the counts of a poll
 * whose results wait for its close. Each box is read after the room's, so pages keep it (data-at).
 */
async function publishPoll(ctx: ChatContext, message: Message, voterId?: string) {
  ctx.hub.publish(topics.room(message.roomId), (await boxesFor(ctx, [message])).value);
  if (voterId) ctx.hub.publish(topics.user(voterId), (await boxesFor(ctx, [message], voterId)).value);
  if (pollOf(message)?.hidden && voterId !== message.senderId) ctx.hub.publish(topics.user(message.senderId), (await boxesFor(ctx, [message], message.senderId)).value);
}

/** Box partials for these polls of one room, rendered for `viewerId` (her choices marked), else for every member. */
async function boxesFor(ctx: ChatContext, messages: readonly Message[], viewerId?: string): Promise<Raw> {
  const at = Date.now();
  const tallies = messages.length ? await ctx.store.polls.tallies(messages[0]!.roomId, messages.map((m) => m.id), viewerId) : new Map<string, PollTally>();
  return html`${messages.flatMap((m) => {
    const poll = pollOf(m);
    return poll && !m.deletedAt && !m.held ? [partial(pollBoxId(m.id), 'outerHTML', pollBox(m, poll, { tally: tallies.get(m.id), forViewer: viewerId !== undefined, at, viewerId }))] : [];
  })}`;
}

/** For a reconnecting page: the boxes of the room's polls changed after `since`, rendered for `user`. */
export async function pollCatchUp(ctx: ChatContext, user: User, roomId: string, since: number): Promise<Raw | null> {
  const ids = await ctx.store.polls.changedSince(roomId, since - BOX_CLOCK_MARGIN_MS, BOX_CATCH_UP);
  const messages = (await Promise.all(ids.map((id) => ctx.store.messages.byId(roomId, id)))).filter((m): m is Message => m !== null);
  return messages.length ? boxesFor(ctx, messages, user.id) : null;
}

/** The tallies of the polls among these messages (per room: one store read each), `mine` for `viewerId`. */
export async function talliesFor(ctx: ChatContext, messages: readonly Message[], viewerId?: string): Promise<Map<string, PollTally>> {
  const byRoom = groupBy(messages.filter((m) => m.kind === 'poll' && !m.deletedAt), (m) => m.roomId);
  const maps = await Promise.all([...byRoom].map(([roomId, ms]) => ctx.store.polls.tallies(roomId, ms.map((m) => m.id), viewerId)));
  return new Map(maps.flatMap((m) => [...m]));
}

/** A deleted poll's votes go with it (called by deleteMessage). */
export async function forgetPoll(ctx: ChatContext, message: Message) {
  if (message.kind === 'poll') await ctx.store.polls.remove(message.roomId, message.id);
}

export interface PollResults {
  room: Room;
  message: Message;
  poll: Poll;
  tally: PollTally | undefined;
  /** Per answer, who chose it, by name (matriculation numbers for staff readers); null for an anonymous poll. */
  voters: { name: string; matricNo: string | null }[][] | null;
}

/** A poll's results (GET /rooms/:id/polls/:message, its CSV), for whoever sees its counts: who chose what unless it is anonymous. */
export async function pollResults(ctx: ChatContext, user: User, roomId: string, messageId: string): Promise<PollResults> {
  const { room, message, poll } = await visiblePoll(ctx, user, roomId, messageId);
  const tally = (await ctx.store.polls.tallies(room.id, [message.id])).get(message.id);
  if (!countsShown(message, poll, { tally, viewerId: user.id })) throw forbidden('The results of this poll are shown when it closes.');
  if (poll.anonymous) return { room, message, poll, tally, voters: null };
  const ballots = await ctx.store.polls.ballots(room.id, message.id);
  const people = new Map((await ctx.store.users.byIds([...new Set(ballots.map((b) => b.userId))])).map((u) => [u.id, u]));
  const staff = user.role !== 'student';
  const voters = poll.options.map((_, i) =>
    ballots
      .filter((b) => b.option === i)
      .map((b) => ({ name: people.get(b.userId)?.name ?? 'A former account', matricNo: staff ? (people.get(b.userId)?.matricNo ?? null) : null }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  );
  return { room, message, poll, tally, voters };
}

/** One row per choice made (`matric_no` only for staff readers), for a poll whose names are shown. */
export const POLL_CSV_COLUMNS = ['answer', 'name', 'matric_no'];
/** One row per answer, for an anonymous poll. */
export const POLL_COUNTS_CSV_COLUMNS = ['answer', 'votes'];

/** The results as CSV (a lecturer's quiz or show of hands, for her records). */
export function pollResultsCsv(r: PollResults): string {
  if (!r.voters) return csvRow(POLL_COUNTS_CSV_COLUMNS) + r.poll.options.map((o, i) => csvRow([o, String(r.tally?.counts[i] ?? 0)])).join('');
  return csvRow(POLL_CSV_COLUMNS) + r.poll.options.flatMap((o, i) => r.voters![i]!.map((v) => csvRow([o, v.name, v.matricNo ?? '']))).join('');
}
