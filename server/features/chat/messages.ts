/**
 * Message actions: send, edit, delete, typing, read markers, history and reconnect replay.
 * Each checks membership against the store (never trusting what the socket is subscribed to),
 * changes state, then publishes to an explicit audience:
 * - new/edited/deleted message → topics.room(roomId) (every member's live connections)
 * - typing → topics.room(roomId)
 * - read marker → topics.user(userId) (the reader's other tabs and devices)
 */
import { badRequest, notFound, rateLimited } from '../../errors';
import { topics } from '../../realtime/topics';
import type { AppendMessage, Membership, Message, Room, User } from '../../store/types';
import { html, type Raw } from '../../http/html';
import { historyChunk, logId, messageArticle, typingLine, type UnreadAbove } from '../../../views/chat';
import { partial } from '../../../views/partials';
import { resolveMentions } from './mentions';
import { pinnedChanged, unpinDeleted } from './pins';
import { mayModerate, roomOfMember } from './member-room';
import { sendersOf, senderOf, type ChatContext } from './context';
import { HISTORY_PAGE, MAX_MESSAGE_CHARS, normaliseBody, MAX_REPLAY, REORDER_WINDOW, TYPING_EVERY_MS } from './limits';
import { roomListUpdate } from './rooms';
import { metrics } from '../../metrics';
import { recordAudit } from '../audit/record';
import { deleteFileOf } from '../files/remove';
import { openCase, screen, screenScoped } from '../moderation/screen';
import { screenLate } from '../moderation/screen-history';
import { assertMayPost, postingRefusal } from '../moderation/restrictions';
import { isOfficer } from '../accounts/model';
import { restrictIfRepeated } from '../moderation/sanctions';
import { KeyedLock } from '../../lib/keyed-lock';
import { queueMissed } from '../mail/queue';
import { quotesFor, replyTarget } from './replies';
import { reactionsFor } from './reactions';
import { forgetPoll, talliesFor } from './polls';
import { assertMayAddTo, readerOnly } from './posting';

const CLIENT_ID_RE = /^[A-Za-z0-9_-]{8,64}$/;

/** The room and the user's membership, or 404 (non-members learn nothing, not even that it exists). */
export function memberRoom(ctx: ChatContext, user: User, roomId: string): Promise<{ room: Room; membership: Membership }> {
  return roomOfMember(ctx.store, user.id, roomId);
}

function checkBody(body: string): string {
  const text = normaliseBody(body);
  if (!text.trim()) throw badRequest('Write something before sending.');
  const n = [...text].length;
  if (n > MAX_MESSAGE_CHARS) throw badRequest(`Messages can be at most ${MAX_MESSAGE_CHARS} characters; this one has ${n}.`);
  return text;
}

/**
 * `hidden`: which of them this audience sees as tombstones (held by safeguarding, not theirs).
 * `viewerId`: the render is for this person alone (a page, a replay): reaction chips and poll
 * answers say whether they are pressed. Without it (a push to the room) each page keeps its own (views/client/reactions.ts).
 */
export async function renderMessages(ctx: ChatContext, messages: Message[], hidden: (m: Message) => boolean = () => false, opts: { viewerId?: string } = {}): Promise<Raw[]> {
  const at = Date.now();
  const [senders, quotes, reactions, polls] = await Promise.all([sendersOf(ctx.store, messages.map((m) => m.senderId)), quotesFor(ctx, messages), reactionsFor(ctx, messages, opts.viewerId), talliesFor(ctx, messages, opts.viewerId)]);
  const forViewer = opts.viewerId !== undefined;
  return messages.map((m) =>
    messageArticle(m, senders.get(m.senderId)!, ctx.tf, hidden(m), { quote: m.replyTo ? (quotes.get(m.replyTo) ?? null) : undefined, reactions: { list: reactions.get(m.id), forViewer, at }, poll: { tally: polls.get(m.id), forViewer, at, viewerId: opts.viewerId } }),
  );
}

async function publishMessages(ctx: ChatContext, roomId: string, messages: Message[], hidden?: (m: Message) => boolean) {
  const articles = await renderMessages(ctx, messages, hidden);
  ctx.hub.publish(topics.room(roomId), partial(logId(roomId), 'beforeend', html`${articles}`).value);
}

/**
 * Publishes a change to the audience allowed to see it: a held message goes only to its sender's
 * own sockets (never the room topic), anything else to the room.
 */
export async function publishVisible(ctx: ChatContext, message: Message) {
  // A change of a message already there (an edit, a release) may change what the pins bar counts.
  if (message.rev !== message.seq) await pinnedChanged(ctx, message);
  if (!message.held) return publishMessages(ctx, message.roomId, [message]);
  const articles = await renderMessages(ctx, [message], undefined, { viewerId: message.senderId });
  ctx.hub.publish(topics.user(message.senderId), partial(logId(message.roomId), 'beforeend', html`${articles}`).value);
}

/**
 * A delivered message hidden by safeguarding: its sender sees it held, everyone else a tombstone.
 * Both carry the same rev and the sender's own topic goes first, so the sender's client keeps
 * the held version (it replaces a message only by a newer rev).
 */
export async function publishHidden(ctx: ChatContext, message: Message) {
  ctx.offers?.gone(message.id);
  await publishVisible(ctx, message);
  await publishMessages(ctx, message.roomId, [message], () => true);
}

/**
 * Posts something new in a room (a text, a stored file, a direct-transfer offer): screens `text`
 * (the body, or a file's name as words) before the message exists for anyone else, stores it held
 * if the verdict says so, opens its case, and publishes it to whoever may see it. A resend of the
 * same clientId creates nothing; if it is held it goes back to the sender only, like the first time.
 * `screenText` turns a body into what is screened (a file's name → its words).
 */
export async function postScreened(ctx: ChatContext, user: User, room: Room, input: Omit<AppendMessage, 'held'>, screenText: (body: string) => string = (b) => b) {
  const { verdict, scoped } = await screenScoped(ctx.store, ctx.moderation, room, user, screenText(input.body));
  const stored = await ctx.store.messages.append({ ...input, held: verdict?.severity === 'hold' });
  let { message } = stored;
  const { created } = stored;
  if (created) {
    metrics.messageSent(room.id);
    typingEnded(ctx, user.id, room.id);
    if (verdict) await restrictIfRepeated(ctx, await openCase(ctx.store, ctx.moderation, message, verdict));
  } else if (message.held) await openMissingCase(ctx, user, room, message, screenText);
  // Out of scope when screened: a minor may have joined before it was stored; screened before
  // anyone is shown it (screen-history.ts), also on a resend (the first attempt may have failed there).
  if (!scoped && !message.held && (await screenLate(ctx, room, message))) message = (await ctx.store.messages.byId(room.id, message.id)) ?? message;
  if (created || message.held) await publishVisible(ctx, message);
  // The message is sent whatever happens to the email about it (an error is logged). A resend too:
  // its first attempt may have stopped before this (the queue keeps one entry per person and room).
  await queueMissed(ctx, message, room).catch((err) => ctx.warn?.('queueing a missed-message email failed', { err, roomId: room.id, messageId: message.id }));
  return { message, created };
}

const caseOpening = new KeyedLock();

/**
 * A resend found its message stored held, but the server may have stopped between storing it and
 * opening its case: a held message with no case would wait for a review nobody was asked for. The
 * stored text is screened again (not the resent one, which may differ) and the case opened once
 * (one check-and-open at a time per message on this node).
 */
function openMissingCase(ctx: ChatContext, user: User, room: Room, message: Message, screenText: (body: string) => string) {
  return caseOpening.run(message.id, async () => {
    if ((await ctx.store.cases.list({ messageId: message.id, limit: 1 })).length) return;
    const verdict = await screen(ctx.store, ctx.moderation, room, user, screenText(message.body));
    if (verdict) await restrictIfRepeated(ctx, await openCase(ctx.store, ctx.moderation, message, verdict));
  });
}

export async function sendMessage(ctx: ChatContext, user: User, input: { roomId: string; clientId: string; body: string; replyTo?: string }) {
  if (!CLIENT_ID_RE.test(input.clientId)) throw badRequest('The message id is malformed.');
  const { room, membership } = await memberRoom(ctx, user, input.roomId);
  if (room.archived) throw badRequest('This room is archived: you can read it but not post.');
  await assertMayAddTo(ctx.store, user, membership, room, [input.clientId]);
  const body = checkBody(input.body);
  // Blocks, restrictions and freezes (features/moderation/restrictions.ts) before anything is stored.
  await assertMayPost(ctx.store, user, room);
  await takeSendSlot(ctx, user, room);
  const [mentions, replyTo] = await Promise.all([resolveMentions(ctx, { user, membership, room }, body), replyTarget(ctx, room, input.replyTo)]);
  return postScreened(ctx, user, room, { roomId: room.id, senderId: user.id, clientId: input.clientId, kind: 'text', body, mentions, replyTo });
}

/** One send or edit (or new poll) against the per-user, per-room budget. A client that hits the limit keeps the message in its outbox and retries after `wait`. */
export async function takeSendSlot(ctx: ChatContext, user: User, room: Room) {
  const wait = await ctx.sendLimiter.take(`${user.id}:${room.id}`);
  if (wait) throw rateLimited(`You are sending messages too fast. Wait ${wait} second${wait === 1 ? '' : 's'} and try again.`, wait);
}

async function ownMessage(ctx: ChatContext, user: User, roomId: string, messageId: string) {
  const { room, membership } = await memberRoom(ctx, user, roomId);
  const message = await ctx.store.messages.byId(room.id, messageId);
  if (!message) throw notFound('No such message.');
  return { room, membership, message };
}

export async function editMessage(ctx: ChatContext, user: User, input: { roomId: string; messageId: string; body: string }) {
  const { room, membership, message } = await ownMessage(ctx, user, input.roomId, input.messageId);
  if (message.senderId !== user.id) throw notFound('No such message.');
  if (message.deletedAt) throw badRequest('This message was deleted.');
  if (message.kind !== 'text') throw badRequest('Only text messages can be edited.');
  if (room.archived) throw badRequest('This room is archived: you can read it but not post.');
  const body = checkBody(input.body);
  await assertMayPost(ctx.store, user, room);
  // An edit costs what a send costs (screening, the search index, a push to every member): same budget.
  await takeSendSlot(ctx, user, room);
  const { verdict, scoped } = await screenScoped(ctx.store, ctx.moderation, room, user, body);
  // Held in the same write as the new text: never visible unheld, even if an officer releases the
  // message meanwhile. The new text goes to the sender only; a message shown until now is taken
  // off the others' pages (a tombstone, as a reload or a reconnect shows it: gone).
  let edited = await ctx.store.messages.edit(room.id, message.id, body, await resolveMentions(ctx, { user, membership, room }, body), undefined, { hold: verdict?.severity === 'hold' });
  if (!edited) throw notFound('No such message.');
  // Out of scope when screened: a minor may have joined before it was stored (screen-history.ts).
  if (!scoped && (await screenLate(ctx, room, edited))) edited = (await ctx.store.messages.byId(room.id, message.id)) ?? edited;
  if (verdict) await restrictIfRepeated(ctx, await openCase(ctx.store, ctx.moderation, edited, verdict));
  if (edited.held && edited.heldRev === edited.rev) await publishHidden(ctx, edited);
  else await publishVisible(ctx, edited);
  return edited;
}

/** Senders delete their own messages; room owners and moderators, and admins, delete any. */
export async function deleteMessage(ctx: ChatContext, user: User, input: { roomId: string; messageId: string; origin?: string }) {
  const { room, membership, message } = await ownMessage(ctx, user, input.roomId, input.messageId);
  if (message.senderId !== user.id && !mayModerate(user, membership)) throw notFound('No such message.');
  // A held message is under review: only its sender and officers see it, so only they remove it
  // (a room owner who learnt its id must not erase what officers are looking at).
  if (message.held && message.senderId !== user.id && !isOfficer(user)) throw notFound('No such message.');
  if (message.deletedAt) return message;
  // An archived room is the course's kept record: only officers and administrators remove from it.
  if (room.archived && !isOfficer(user)) throw badRequest('This room is archived: you can read it but not change it.');
  // Read-only means no deleting either: a blocked or restricted account, or anyone in a frozen room,
  // would otherwise erase what officers are looking at. Administrators and safeguarding officers
  // still can (a moderator delete, audited below): there is no other way to remove something harmful
  // nobody flagged from a frozen room.
  // A conversation gone read-only for want of a shared course still lets its members remove their
  // words (a minor her phone number): deleting shows nothing new to anyone.
  if (!isOfficer(user)) await assertMayPost(ctx.store, user, room, { conversation: false });
  const deleted = await ctx.store.messages.delete(room.id, message.id, user.id);
  if (!deleted) return message;
  // A deleted file message takes its stored bytes with it; a direct offer, its transfers; a pinned one, its pin; a poll, its votes.
  await deleteFileOf(ctx.store, message);
  await unpinDeleted(ctx, message);
  await forgetPoll(ctx, message);
  ctx.offers?.gone(message.id);
  // Deleting someone else's message is a moderation action: it goes in the audit log.
  if (message.senderId !== user.id) {
    await recordAudit(ctx.store, { userId: user.id, origin: input.origin ?? 'unknown' }, 'message.moderator_delete', room.id, { messageId: message.id, senderId: message.senderId });
  }
  await publishVisible(ctx, deleted);
  return deleted;
}

const lastTyping = new WeakMap<ChatContext, Map<string, number>>();

/**
 * A message ended what its sender was typing (pages drop them from the typing line when it
 * arrives): typing the next one shows at once, not only TYPING_EVERY_MS after the last push.
 */
function typingEnded(ctx: ChatContext, userId: string, roomId: string) {
  lastTyping.get(ctx)?.delete(`${userId}:${roomId}`);
}

/** Ephemeral and throttled: at most one broadcast per user and room every TYPING_EVERY_MS. */
export async function typing(ctx: ChatContext, user: User, roomId: string) {
  const { room, membership } = await memberRoom(ctx, user, roomId);
  if (room.archived || readerOnly(user, membership, room)) return false;
  let seen = lastTyping.get(ctx);
  if (!seen) lastTyping.set(ctx, (seen = new Map()));
  const key = `${user.id}:${roomId}`;
  const now = Date.now();
  if (now - (seen.get(key) ?? 0) < TYPING_EVERY_MS) return false;
  seen.set(key, now);
  if (seen.size > 50_000) seen.clear();
  // Someone who may not post here does not show as typing either (checked after the throttle: cheap).
  if (await postingRefusal(ctx.store, user, room)) return false;
  ctx.hub.publish(topics.room(roomId), partial(`typing-${roomId}`, 'innerHTML', typingLine(roomId, senderOf(user))).value);
  return true;
}

export async function markRead(ctx: ChatContext, user: User, roomId: string, seq: number) {
  const { room } = await memberRoom(ctx, user, roomId);
  const upTo = Math.min(seq, room.lastSeq);
  const now = await ctx.store.rooms.markRead(room.id, user.id, upTo);
  if (now === null) throw notFound('No such room.');
  ctx.hub.publish(topics.user(user.id), (await roomListUpdate(ctx, user, room.id)).value);
  return now;
}

/** One page of history (oldest first) ending before `beforeSeq`, rendered with its "older" sentinel. */
export async function historyPage(ctx: ChatContext, user: User, roomId: string, beforeSeq?: number) {
  const { room } = await memberRoom(ctx, user, roomId);
  // viewerId: held messages appear only in their sender's own history.
  const page = await ctx.store.messages.history(room.id, { beforeSeq, limit: HISTORY_PAGE + 1, viewerId: user.id });
  const more = page.length > HISTORY_PAGE;
  const messages = more ? page.slice(1) : page;
  const articles = await renderMessages(ctx, messages, undefined, { viewerId: user.id });
  return { room, messages, articles, more, oldestSeq: messages[0]?.seq ?? null, chunk: historyChunk(room.id, articles, messages[0]?.seq ?? null, more) };
}

/**
 * The user's unread messages older than the page opened (numbered after `lastReadSeq`, before
 * `oldestSeq`): how many, how many mention them, and where the first one is (to open the room's
 * history there). Null when there are none (the page shows every unread message), and for a room
 * never opened (a new member of a course room wants its latest messages, not 300 "unread" ones).
 */
export async function unreadAbove(ctx: ChatContext, user: User, membership: Membership, oldestSeq: number | null): Promise<UnreadAbove | null> {
  const { roomId, lastReadSeq, joinedAt } = membership;
  if (lastReadSeq === 0 || oldestSeq === null || oldestSeq <= lastReadSeq + 1) return null;
  const [all, fromPage] = await Promise.all([ctx.store.messages.unread(roomId, user.id, lastReadSeq, joinedAt), ctx.store.messages.unread(roomId, user.id, oldestSeq - 1, joinedAt)]);
  const count = all.count - fromPage.count;
  if (count <= 0) return null;
  // The first of them: the page of history that starts with it (and the message to scroll to).
  const window = await ctx.store.messages.history(roomId, { beforeSeq: lastReadSeq + 1 + HISTORY_PAGE, limit: HISTORY_PAGE, viewerId: user.id });
  const first = window.find((m) => m.seq > lastReadSeq && m.senderId !== user.id && !m.deletedAt && !m.held);
  return { count, mentions: all.mentions - fromPage.mentions, before: lastReadSeq + 1 + HISTORY_PAGE, firstId: first?.id ?? null };
}

/**
 * Reconnect replay for one room: everything that changed after `rev`, in rev order, as one
 * fragment; with `have` (the revs the page holds among the REORDER_WINDOW numbers below `rev`),
 * also what in that window the page lacks (a change that became visible late, see limits.ts).
 * Too many changes (a long absence) → the latest page replaces the log instead.
 */
export async function replay(ctx: ChatContext, user: User, roomId: string, rev: number, have?: readonly number[]): Promise<Raw | null> {
  const { room } = await memberRoom(ctx, user, roomId);
  const from = have ? Math.max(0, rev - REORDER_WINDOW) : rev;
  if (from >= room.lastSeq) return null;
  const held = new Set(have);
  // Others' held messages come too, as tombstones, only where this client may show one: shown
  // before being hidden (heldRev > seq), numbered before what it has seen, and hidden after it
  // (heldRev > rev: while it was offline) or by a change in the window that it lacks. One held from
  // the start (edited or not), or numbered later, never reached it and stays unknown.
  const limit = MAX_REPLAY + 1 + (rev - from);
  const fetched = await ctx.store.messages.changesSince(room.id, from, limit, user.id, { withHeld: true });
  const missedHide = (m: Message, hr: number) => m.seq <= rev && hr > m.seq && (hr > rev || (have !== undefined && hr > from && !held.has(hr)));
  const changes = fetched.filter((m) => m.rev > rev || !held.has(m.rev)).filter((m) => !m.held || m.senderId === user.id || missedHide(m, m.heldRev ?? m.rev));
  // Too many is judged on what the store returned: rows left out above must not hide a cut-off list.
  if (fetched.length >= limit) {
    const page = await historyPage(ctx, user, roomId);
    return partial(logId(room.id), 'innerHTML', page.chunk);
  }
  if (!changes.length) return null;
  return partial(logId(room.id), 'beforeend', html`${await renderMessages(ctx, changes, (m) => m.held && m.senderId !== user.id, { viewerId: user.id })}`);
}
