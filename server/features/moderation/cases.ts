/**
 * Safeguarding officers' actions on moderation cases: the queue, viewing one case, deciding it.
 *
 * Invariants:
 * - An officer sees ONLY the flagged message plus a small context window (CONTEXT messages before
 *   and after it), never the whole conversation. Other held messages stay out of the window.
 * - Every case view and every decision writes an audit entry with the officer as actor.
 * - A case is decided once (the store's decide is single-shot); the message action follows the
 *   recorded decision: release → the held message is delivered to the room now; uphold → the
 *   message is hidden: a held one stays held (members never learn it existed), a delivered one
 *   becomes held (members see a tombstone). Hidden, not deleted, so that an overturned appeal
 *   can restore it (sanctions.ts).
 * - Uphold opens a 'removal' hearing for the sender, unless a block from the same case covers it.
 */
import { badRequest, conflict, forbidden, notFound } from '../../errors';
import { type CaseDecision, type CaseStatus, type Message, type ModerationCase, type Room, type RoomKind, type Sanction, type User } from '../../store/types';
import { ageOn, isMinor } from '../accounts/model';
import { recordAudit, type Actor } from '../audit/record';
import type { ChatContext } from '../chat/context';
import { publishHidden, publishVisible } from '../chat/messages';
import { blockUser, freezeRoom, inRoomLock, liftIfAllReleased, recordRemoval, type OfficerActor } from './sanctions';
import { roomParty } from './party';
import { OWN_CASE } from './hearing';
import { keptHiddenByOthers } from './hidden';
import { CONCERN_LABEL, CONCERN_NOT_COMPLAINT, isConcernOnly } from './concern';
import { isLabel, LABELS, type Label } from './model/labels';
import { queueMissed } from '../mail/queue';

export const CONTEXT = 3;
// The officer permission is an account fact (accounts/model.ts); re-exported for the moderation code.
export { isOfficer, SAFEGUARDING } from '../accounts/model';
export const MAX_REASON = 2000;

export interface Party {
  id: string;
  name: string;
  role: string;
  minor: boolean;
  /** Years, from the date of birth on the account; null when none is recorded. */
  age: number | null;
  /** How an officer reaches them to follow up (a welfare concern above all): account facts, not chat. */
  email: string;
  matricNo: string | null;
}

export interface CaseSummary {
  c: ModerationCase;
  room: { id: string; kind: RoomKind | null; name: string; members: number; minors: number };
  sender: Party | null;
  /** The other members when there are few (DMs and small groups); otherwise only the counts above. */
  others: Party[] | null;
}

const SHOW_PARTIES = 8;

const party = (u: User): Party => ({ id: u.id, name: u.name, role: u.role, minor: isMinor(u), age: u.dateOfBirth ? ageOn(u.dateOfBirth, new Date()) : null, email: u.email, matricNo: u.matricNo });

async function summarise(ctx: ChatContext, c: ModerationCase): Promise<CaseSummary> {
  const { store } = ctx;
  const [room, sender, members] = await Promise.all([store.rooms.byId(c.roomId), store.users.byId(c.senderId), store.rooms.members(c.roomId)]);
  const users = await store.users.byIds(members.map((m) => m.userId));
  const others = users.filter((u) => u.id !== c.senderId);
  return {
    c,
    room: { id: c.roomId, kind: room?.kind ?? null, name: room ? (room.code ? `${room.code} · ${room.name}` : room.name) : '(deleted room)', members: users.length, minors: users.filter((u) => isMinor(u)).length },
    sender: sender ? party(sender) : null,
    others: others.length <= SHOW_PARTIES ? others.map(party) : null,
  };
}

/**
 * The officers' queue. Open cases: held messages first (each waits for a decision before anyone sees
 * it), then the review-level ones (delivered), newest first within each, `limit` of each. Review
 * cases outnumber held ones by far (everyday messages that share words with harmful ones), and a
 * queue cut to the newest 100 of both would hide an older held message behind them. All cases:
 * newest first.
 */
export interface CaseQueue {
  rows: CaseSummary[];
  /** How many match in all (the page shows at most `limit` of each kind). */
  held: number;
  review: number;
  /** Welfare concerns among them (listed first when open). */
  concerns: number;
}

/** What waits for the officers, for the banner on every page they open (held messages and welfare concerns). */
export async function officersWaiting(store: ChatContext['store']): Promise<{ held: number; concerns: number }> {
  const [held, concerns] = await Promise.all([store.cases.count({ status: 'open', severity: 'hold' }), store.cases.count({ status: 'open', label: CONCERN_LABEL })]);
  return { held, concerns };
}

/**
 * The officers' queue. Open: held messages oldest first (each withholds a message until decided:
 * the longest waiting must never fall off the page, as they did when the newest 100 were shown
 * and no count said there were more), then review flags newest first. Otherwise newest first.
 */
export async function caseQueue(ctx: ChatContext, status: CaseStatus | undefined, limit = 100): Promise<CaseQueue> {
  const { cases } = ctx.store;
  const [list, held, review, concerns] = await Promise.all([
    status === 'open'
      ? Promise.all([
          // A worry for someone's welfare first, oldest first: it is not held, so nothing else would raise it.
          cases.list({ status, label: CONCERN_LABEL, limit, oldestFirst: true }),
          cases.list({ status, severity: 'hold', limit, oldestFirst: true }),
          cases.list({ status, severity: 'review', limit }),
        ]).then((x) => [...new Map(x.flat().map((c) => [c.id, c])).values()])
      : cases.list({ status, limit }),
    cases.count({ status, severity: 'hold' }),
    cases.count({ status, severity: 'review' }),
    cases.count({ status, label: CONCERN_LABEL }),
  ]);
  return { rows: await Promise.all(list.map((c) => summarise(ctx, c))), held, review, concerns };
}

export interface CaseView extends CaseSummary {
  message: Message | null;
  before: Message[];
  after: Message[];
  roomRecord: Room | null;
  /** Actions that cite this case as evidence (a later overturn changes what the decision did). */
  actions: Sanction[];
  /**
   * The sender's other open cases in this room (their messages stay out of the context window):
   * a conversation-level grooming alert is raised by several messages together, and the officer
   * must be able to find them.
   */
  related: ModerationCase[];
}

/** One case with its message and context window; audited as 'moderation.case_view'. */
export async function viewCase(ctx: ChatContext, actor: Actor, caseId: string): Promise<CaseView> {
  const c = await ctx.store.cases.byId(caseId);
  if (!c) throw notFound('No such case.');
  // An officer's own message: its context (a minor's replies, perhaps) is for another officer to read.
  if (c.senderId === actor.userId) throw forbidden('This case is about your own message: another officer must look at it.');
  const { store } = ctx;
  const [summary, message, roomRecord] = await Promise.all([summarise(ctx, c), store.messages.byId(c.roomId, c.messageId), store.rooms.byId(c.roomId)]);
  // No viewerId: other held messages (other cases) stay out of this window.
  const [before, after] = message
    ? await Promise.all([
        store.messages.history(c.roomId, { beforeSeq: message.seq, limit: CONTEXT }),
        store.messages.history(c.roomId, { afterSeq: message.seq, limit: CONTEXT }),
      ])
    : [[], []];
  await recordAudit(store, actor, 'moderation.case_view', c.id, { roomId: c.roomId, messageId: c.messageId, context: before.length + after.length });
  const [onSender, onRoom, senderCases] = await Promise.all([
    store.sanctions.list({ userId: c.senderId, limit: 100 }),
    store.sanctions.list({ roomId: c.roomId, kind: ['freeze'], limit: 100 }),
    store.cases.list({ senderId: c.senderId, status: 'open', limit: 50 }),
  ]);
  const actions = [...onSender, ...onRoom].filter((s) => s.caseIds.includes(c.id));
  const related = senderCases.filter((x) => x.roomId === c.roomId && x.id !== c.id);
  return { ...summary, message, before, after, roomRecord, actions, related };
}

const checkReason = (reason: string) => {
  const why = reason.trim();
  if (!why) throw badRequest('Give a reason for the decision.');
  if ([...why].length > MAX_REASON) throw badRequest(`Keep the reason under ${MAX_REASON} characters.`);
  return why;
};

export const UPHOLD_NEEDS_LABEL = 'Tick at least one label: upholding says the message breaks a rule. Release it if it is harmless.';

/** The officer's judged labels: known labels only, each once, in the model's order ([] = harmless, so never upheld). */
export function checkJudgedLabels(labels: readonly string[], decision: CaseDecision): Label[] {
  const unknown = labels.filter((l) => !isLabel(l));
  if (unknown.length) throw badRequest(`Unknown label: ${unknown[0]!.slice(0, 40)}.`);
  const judged = LABELS.filter((l) => labels.includes(l));
  if (decision === 'uphold' && !judged.length) throw badRequest(UPHOLD_NEEDS_LABEL);
  return judged;
}

/**
 * Records the decision, then acts on the message; audited as 'moderation.release' / 'moderation.uphold'.
 * `judgedLabels`: what the officer judged the message to carry, kept with the case for retraining.
 */
export async function decideCase(
  ctx: ChatContext,
  actor: OfficerActor,
  caseId: string,
  decision: CaseDecision,
  reason: string,
  opts: { hearing?: boolean; judgedLabels?: readonly string[] | null; seenRev?: number } = {},
): Promise<ModerationCase & { stillHidden?: boolean }> {
  const why = checkReason(reason);
  const judgedLabels = opts.judgedLabels ? checkJudgedLabels(opts.judgedLabels, decision) : null;
  const existing = await ctx.store.cases.byId(caseId);
  if (!existing) throw notFound('No such case.');
  if (existing.senderId === actor.userId) throw conflict(OWN_CASE);
  // A disclosure must never be "upheld" against the person who made it (QA: a 16-year-old's message
  // about her uncle was removed and she was sent an abuse notice).
  if (decision === 'uphold' && isConcernOnly(existing)) throw badRequest(CONCERN_NOT_COMPLAINT);
  // Decided meanwhile by another officer: say so (their release or removal changed the message's rev
  // too, and "the message changed" sent a stale tab's officer to look for an edit that never was: QA).
  if (existing.status !== 'open') throw conflict(ALREADY_DECIDED);
  // The officer decides on the message as they saw it: an edit since (or any other change) is seen first.
  if (opts.seenRev !== undefined) {
    const now = await ctx.store.messages.byId(existing.roomId, existing.messageId);
    if (now && now.rev !== opts.seenRev) throw conflict(MESSAGE_CHANGED);
  }
  const decided = await inRoomLock(existing.roomId, () => ctx.store.cases.decide(caseId, { decidedBy: actor.userId, decision, reason: why, judgedLabels }));
  if (!decided) throw conflict(ALREADY_DECIDED);
  const { roomId, messageId } = decided;
  const m = await ctx.store.messages.byId(roomId, messageId);
  let changed = false;
  // A release delivers the message only if nothing else keeps it hidden: e.g. an edit whose new text
  // was held again (its own open case), or a block or removal in force that cites this case.
  const covered = decision === 'release' && m?.held ? await keptHiddenByOthers(ctx, decided) : false;
  if (m && !m.deletedAt && m.held === (decision === 'release') && !covered) {
    const next = await ctx.store.messages.setHeld(roomId, messageId, decision === 'uphold');
    if (next) await (decision === 'release' ? publishVisible(ctx, next) : publishHidden(ctx, next));
    // Delivered only now: emailed like a message just sent, to whoever has not read it (mail/queue.ts).
    if (next && decision === 'release') await queueMissed(ctx, next).catch((err) => ctx.warn?.('queueing a missed-message email failed', { err, messageId }));
    changed = next !== null;
  }
  await recordAudit(ctx.store, actor, `moderation.${decision}`, decided.id, { roomId, messageId, severity: decided.severity, reason: why, messageChanged: changed, judgedLabels, ...(covered ? { stillHidden: true } : {}) });
  if (decision === 'uphold' && opts.hearing !== false) await recordRemoval(ctx, actor, decided, why);
  if (decision === 'release') await liftIfAllReleased(ctx, actor, decided);
  return covered ? { ...decided, stillHidden: true } : decided;
}

export const ALREADY_DECIDED = 'This case has already been decided.';
export const DECIDED_SINCE = 'This case has been decided since you opened it: check it again before acting.';
export const MESSAGE_CHANGED = 'The message changed since you opened this case (edited, deleted or hidden): check it again before deciding.';

/**
 * Block the sender, or freeze the room, on the evidence of a case. A block also decides an open
 * case as upheld (the message stays hidden; the block's hearing covers it).
 */
/**
 * What the officer's page showed: the message's `rev`, and whether the case was `open` then. Both
 * optional (an API caller may send neither); the portal's form sends both.
 */
export interface SeenCase {
  rev?: number;
  open?: boolean;
}

export async function actOnCase(ctx: ChatContext, actor: OfficerActor, caseId: string, action: 'block' | 'freeze', clause: string, reason: string, seen: SeenCase = {}): Promise<Sanction> {
  const why = checkReason(reason);
  const c = await ctx.store.cases.byId(caseId);
  if (!c) throw notFound('No such case.');
  if (c.senderId === actor.userId) throw conflict(OWN_CASE);
  // Nor does a worry for the writer block them or freeze their room.
  if (isConcernOnly(c)) throw badRequest(CONCERN_NOT_COMPLAINT);
  const m = await ctx.store.messages.byId(c.roomId, c.messageId);
  // Decided by another officer since this officer's page showed it open: they see that decision first,
  // whether or not it changed the message (releasing a delivered message changes nothing in it, and
  // a block went ahead on a case just judged harmless: review s15). Said before any edit, which
  // "edited, deleted or hidden" would send a stale tab looking for (as decideCase).
  const decidedSince = c.status !== 'open' && (seen.open ?? true);
  const changed = seen.rev !== undefined && m !== null && m.rev !== seen.rev;
  if (decidedSince && (seen.open || changed)) throw conflict(DECIDED_SINCE);
  // Acting on a message that changed since the officer opened it (a block upholds it): see it first.
  if (changed) throw conflict(MESSAGE_CHANGED);
  if (action === 'block') {
    // The case is decided only once the block's checks have passed (inside its lock); decided meanwhile
    // by another officer, decideCase refuses (ALREADY_DECIDED).
    return blockUser(ctx, actor, c, clause, why, async () => (c.status === 'open' ? decideCase(ctx, actor, caseId, 'uphold', why, { hearing: false, seenRev: seen.rev }) : c));
  }
  // Nobody acts about themselves: an officer who answers for the room (its owner) does not freeze it.
  if ((await roomParty(ctx, c.roomId)).includes(actor.userId)) throw conflict(OWN_CASE);
  // The owners see the evidence only if the room saw that very text: not a held one (even if an
  // edit of it was released since), not a deleted one.
  const shown = m !== null && !m.held && !m.deletedAt && m.body === c.text;
  // Decided by another officer while this request ran: a block's decideCase refuses then (inside
  // its lock); a freeze looks again just before it is made, in the room's lock, which decisions
  // take too (inRoomLock). (Across nodes a window stays, between this read and the write.)
  return freezeRoom(ctx, actor, c, clause, why, shown, async () => {
    if (seen.open && (await ctx.store.cases.byId(caseId))?.status !== 'open') throw conflict(DECIDED_SINCE);
  });
}
