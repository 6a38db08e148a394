/**
 * Safeguarding actions on accounts and rooms, and their fair hearing (rules in hearing.ts).
 *
 * - restrictIfRepeated: automatic, after repeated held messages towards minors (policy in screen.ts):
 *   the sender cannot post where a minor is until a human decides.
 * - blockUser / freezeRoom: only an officer; from a case, so there is always evidence.
 * - submitStatement: the affected party, before the deadline, while the sanction applies.
 * - decideAppeal: an officer who did not act; overturning restores everything.
 * - liftSanction: any officer ends a sanction that is not under appeal. It only ends it: what the
 *   sanction cited stays as officers decided it (an upheld message stays hidden, an open case waits
 *   in the queue with its message held). Lifting judges no message; an overturn judges them all.
 *
 * Every action writes an audit entry, tells the affected person on their live sockets, and
 * (for what officers must look at) notifies the officers. Restoring = releasing the evidence
 * messages that are still held (they reach the room now) and the sanction no longer applying.
 */
import { badRequest, conflict, notFound } from '../../errors';
import { topics } from '../../realtime/topics';
import { DuplicateSanctionError, type ModerationCase, type NewSanction, type Sanction, type SanctionStatus, type User } from '../../store/types';
import { noticePartial } from '../../../views/partials';
import { recordAudit, SYSTEM_ACTOR, type Actor } from '../audit/record';
import type { ChatContext } from '../chat/context';
import { publishVisible } from '../chat/messages';
import { canDecideAppeal, canLift, canSubmitStatement, hidesEvidence, inForce, IN_FORCE, MAX_STATEMENT, OWN_CASE, appealOutcome, restores, type Check } from './hearing';
import { keptHiddenByOthers } from './hidden';
import { KeyedLock } from '../../lib/keyed-lock';
import { clauseById, clauseForLabels } from './policy-clauses';
import { refreshPostingBanners, roomPostingChanged } from './posting-banner';
import { DEFAULT_POLICY, roomHasMinor } from './screen';
import type { NoticeKind } from './notify';
import { affectedParty, isAffected } from './party';
import { refreshNoticeBanner } from './notices';
import { queueMissed } from '../mail/queue';

export const MAX_EXCERPT = 500;
export type OfficerActor = Actor & { userId: string };

const excerpt = (text: string) => ([...text].length > MAX_EXCERPT ? [...text].slice(0, MAX_EXCERPT).join('') + '…' : text);
const policyOf = (ctx: ChatContext) => ctx.moderation?.policy ?? DEFAULT_POLICY;
const ensure = (c: Check) => {
  if (!c.ok) throw conflict(c.reason);
};

/** Tells each person what happened, and their pages' notice link shows the notices in force now. */
async function tell(ctx: ChatContext, userIds: (string | null)[], text: string) {
  for (const id of userIds) {
    if (!id) continue;
    ctx.hub.publish(topics.user(id), noticePartial(text).value);
    await refreshNoticeBanner(ctx, id);
  }
}

function notifyOfficers(ctx: ChatContext, s: Sanction, kind: NoticeKind, summary: string, labels: string[] = []) {
  const m = ctx.moderation;
  void m?.notifier?.notify({ caseId: s.id, kind, severity: 'high', labels, summary, url: m.link(`/admin/moderation/actions/${s.id}`), at: Date.now() });
}

/**
 * One sanction of a kind in force per account (and one freeze per room). The store guarantees it
 * (a unique slot, types-cases.ts sanctionSlot), across servers too; the lock makes checks and
 * creations for one subject run one at a time in this process, so that a refused block does not
 * first decide its case. Across servers that can still happen: the case is then decided and the
 * account blocked by the other server's action.
 */
const subjectLock = new KeyedLock();

/**
 * A case decided inside its room's lock (decideCase): a freeze looks at the case and is made in
 * that lock, so a release cannot land between its look and its making on this node (review s17).
 */
export function inRoomLock<T>(roomId: string, fn: () => Promise<T>): Promise<T> {
  return subjectLock.run(`room:${roomId}`, fn);
}

/** Null when the subject already has one of this kind in force (possibly created by another server just now). */
async function create(ctx: ChatContext, actor: Actor, input: Omit<NewSanction, 'deadline' | 'actorId'>): Promise<Sanction | null> {
  if (!clauseById(input.clause)) throw badRequest('Choose the policy clause this action is based on.');
  let s: Sanction;
  try {
    s = await ctx.store.sanctions.create({ ...input, actorId: actor.userId, deadline: Date.now() + policyOf(ctx).statementMs });
  } catch (e) {
    if (e instanceof DuplicateSanctionError) return null;
    throw e;
  }
  await recordAudit(ctx.store, actor, `moderation.${s.kind}`, s.id, { userId: s.userId, roomId: s.roomId, caseIds: s.caseIds, clause: s.clause, reason: s.reason });
  return s;
}

/** Called after a hold-level case is opened: restricts the sender when holds towards minors repeat. */
export async function restrictIfRepeated(ctx: ChatContext, c: ModerationCase): Promise<Sanction | null> {
  if (c.severity !== 'hold' || !c.towardsMinor) return null;
  // A lecturer's (or staff member's) post to her course: held like any message, but it does not set
  // off the automatic restriction, which would stop her teaching the course, and end a lecture she
  // is giving, on the classifier's word. Child-protection teaching quotes groomers ("this is our
  // secret, don't tell your parents"): QA saw two such slides restrict a lecturer. Officers still
  // get the case; a DM or group she sends a minor counts as before.
  if (await staffCoursePost(ctx, c)) return null;
  const policy = policyOf(ctx);
  const since = Date.now() - policy.restrictWindowMs;
  if ((await ctx.store.cases.countHolds(c.senderId, since)) < policy.restrictAfter) return null;
  return subjectLock.run(`user:${c.senderId}`, () => restrictLocked(ctx, c, since));
}

async function staffCoursePost(ctx: ChatContext, c: ModerationCase): Promise<boolean> {
  const [room, sender] = await Promise.all([ctx.store.rooms.byId(c.roomId), ctx.store.users.byId(c.senderId)]);
  return room?.kind === 'course' && sender !== null && sender.role !== 'student';
}

/**
 * A case was released (judged harmless): an automatic restriction that every one of its held
 * messages has now been released from ends, lifted in the releasing officer's name (QA: a lecturer
 * stayed restricted after both her messages were released, until someone found the action).
 */
export async function liftIfAllReleased(ctx: ChatContext, actor: OfficerActor, released: ModerationCase): Promise<Sanction | null> {
  const restrictions = await ctx.store.sanctions.list({ userId: released.senderId, kind: ['restriction'], status: ['active', 'appealed', 'upheld'], limit: 5 });
  const automatic = restrictions.find((s) => s.actorId === null && s.caseIds.includes(released.id));
  if (!automatic) return null;
  for (const id of automatic.caseIds) if ((await ctx.store.cases.byId(id))?.decision !== 'release') return null;
  return finish(ctx, actor, automatic, ['active', 'appealed', 'upheld'], 'lifted', 'Every held message this restriction rested on was released: an officer judged them harmless.', 'moderation.lift');
}

async function restrictLocked(ctx: ChatContext, c: ModerationCase, since: number): Promise<Sanction | null> {
  const existing = await ctx.store.sanctions.list({ userId: c.senderId, kind: ['restriction', 'block'], status: IN_FORCE, limit: 1 });
  if (existing.length) return null;
  const holds = (await ctx.store.cases.list({ senderId: c.senderId, since, limit: 50 })).filter((x) => x.severity === 'hold' && x.towardsMinor);
  const s = await create(ctx, SYSTEM_ACTOR, {
    kind: 'restriction',
    userId: c.senderId,
    roomId: c.roomId,
    caseIds: holds.map((x) => x.id),
    clause: clauseForLabels(c.labels).id,
    reason: `${holds.length} of your messages to students under 18 were held for review. Until a safeguarding officer has looked at them, you cannot post where a student under 18 is.`,
    evidence: excerpt(c.text),
  });
  // Another server restricted the account at the same moment: that restriction stands.
  if (!s) return null;
  await tell(ctx, [c.senderId], 'Your account has been restricted while safeguarding officers review held messages. See your notices at /safeguarding.');
  await refreshPostingBanners(ctx, c.senderId);
  // A restricted account may not be in a call where a minor is, including one it is in already.
  ctx.calls?.endUser(c.senderId, { where: (roomId) => roomHasMinor(ctx.store, roomId, c.senderId), why: 'Your account was restricted by the safeguarding team.' });
  notifyOfficers(ctx, s, 'restriction', `An account was restricted automatically after ${holds.length} held messages towards students under 18.`, c.labels);
  return s;
}

/**
 * Blocks the sender of a case's message. `before` runs inside the subject lock once the checks have
 * passed (actOnCase decides the case there: a refused block changes nothing).
 */
export async function blockUser(ctx: ChatContext, actor: OfficerActor, c: ModerationCase, clause: string, reason: string, before: () => Promise<ModerationCase> = async () => c): Promise<Sanction> {
  if (!clauseById(clause)) throw badRequest('Choose the policy clause this action is based on.');
  if (c.senderId === actor.userId) throw conflict(OWN_CASE);
  return subjectLock.run(`user:${c.senderId}`, async () => {
    const existing = await ctx.store.sanctions.list({ userId: c.senderId, kind: ['block'], status: IN_FORCE, limit: 1 });
    if (existing.length) throw conflict('This account is already blocked.');
    const decided = await before();
    const s = await create(ctx, actor, { kind: 'block', userId: c.senderId, roomId: c.roomId, caseIds: [decided.id], clause, reason, evidence: excerpt(c.text) });
    if (!s) throw conflict('This account is already blocked.');
    await tell(ctx, [c.senderId], 'Your account has been blocked by the safeguarding team: you can read but not post. See the notice at /safeguarding: you can respond to it.');
    await refreshPostingBanners(ctx, c.senderId);
    ctx.calls?.endUser(c.senderId);
    return s;
  });
}

/** Freezes the case's room: read-only for everyone; the owners get the hearing. */
/** `before`: a last check inside the lock, just before the freeze is made (as blockUser's). */
export async function freezeRoom(ctx: ChatContext, actor: OfficerActor, c: ModerationCase, clause: string, reason: string, shown: boolean, before: () => Promise<void> = async () => {}): Promise<Sanction> {
  if (!clauseById(clause)) throw badRequest('Choose the policy clause this action is based on.');
  return inRoomLock(c.roomId, async () => {
    const existing = await ctx.store.sanctions.list({ roomId: c.roomId, kind: ['freeze'], status: IN_FORCE, limit: 1 });
    if (existing.length) throw conflict('This room is already frozen.');
    await before();
    // Owners see the evidence only if the room saw it (a held or deleted message reached no one, or no longer exists).
    const evidence = shown ? excerpt(c.text) : '(A message the room never saw, or that was deleted; its text is not shown.)';
    const s = await create(ctx, actor, { kind: 'freeze', userId: null, roomId: c.roomId, caseIds: [c.id], clause, reason, evidence });
    if (!s) throw conflict('This room is already frozen.');
    ctx.hub.publish(topics.room(c.roomId), noticePartial('This room has been frozen by the safeguarding team: you can read it but not post.').value);
    roomPostingChanged(ctx, c.roomId, true);
    await tell(ctx, await affectedParty(ctx, s), 'A room you answer for has been frozen. See the notice at /safeguarding: you can respond to it.');
    ctx.calls?.endRoom(c.roomId);
    return s;
  });
}

/** The removal hearing: an officer upheld a flagged message (called by decideCase). */
export async function recordRemoval(ctx: ChatContext, actor: OfficerActor, c: ModerationCase, reason: string): Promise<Sanction> {
  // The officer's judgement names the rule broken when she gave one (a report has no model label;
  // the model may have been wrong): else the labels the case was opened with.
  const labels = c.judgedLabels?.length ? c.judgedLabels : c.labels;
  const s = await create(ctx, actor, { kind: 'removal', userId: c.senderId, roomId: c.roomId, caseIds: [c.id], clause: clauseForLabels(labels).id, reason, evidence: excerpt(c.text) });
  if (!s) throw new Error('removals hold no slot'); // unreachable: see sanctionSlot
  await tell(ctx, [c.senderId], 'A safeguarding officer removed one of your messages. See the notice at /safeguarding: you can respond to it.');
  return s;
}

export async function submitStatement(ctx: ChatContext, user: User, sanctionId: string, text: string): Promise<Sanction> {
  const statement = text.trim();
  if (!statement) throw badRequest('Write your statement before sending it.');
  if ([...statement].length > MAX_STATEMENT) throw badRequest(`Keep your statement under ${MAX_STATEMENT} characters.`);
  const s = await ctx.store.sanctions.byId(sanctionId);
  const affected = s ? await isAffected(ctx, s, user) : false;
  // Someone it is not about learns nothing, not even that it exists.
  if (!s || !affected) throw notFound('No such notice.');
  ensure(canSubmitStatement(s, { affected, now: Date.now() }));
  const appealed = await ctx.store.sanctions.transition(s.id, ['active'], { status: 'appealed', statement, statementBy: user.id, statementAt: Date.now() });
  if (!appealed) throw conflict('This decision changed in the meantime; reload the page.');
  await recordAudit(ctx.store, { userId: user.id, origin: 'web' }, 'moderation.statement', s.id, { kind: s.kind, chars: [...statement].length });
  notifyOfficers(ctx, appealed, 'appeal', `A statement was submitted against a ${s.kind}; a reviewer who did not act must decide it.`);
  return appealed;
}

/** The officers who took part in the decision under appeal (they may not decide the appeal). */
async function actedBy(ctx: ChatContext, s: Sanction): Promise<(string | null)[]> {
  const cases = await Promise.all(s.caseIds.map((id) => ctx.store.cases.byId(id)));
  return [s.actorId, ...cases.map((c) => c?.decidedBy ?? null)].filter((x) => x !== null);
}

export async function reviewCheck(ctx: ChatContext, s: Sanction, reviewerId: string): Promise<Check> {
  return canDecideAppeal(s, reviewerId, await actedBy(ctx, s), await affectedParty(ctx, s));
}

/**
 * Undoes what `s` hid: for each evidence case that nothing else still covers, an open case is
 * decided as released and a held message is delivered. A case someone decides in the meantime is
 * left to that decision. A freeze hid nothing: it only reopens the room.
 */
async function restore(ctx: ChatContext, actor: OfficerActor, s: Sanction, reason: string) {
  // Members with the room open are told, and the room's pages stop saying it is frozen.
  if (s.kind === 'freeze' && s.roomId) {
    ctx.hub.publish(topics.room(s.roomId), noticePartial('This room is open again: the safeguarding freeze was lifted.').value);
    roomPostingChanged(ctx, s.roomId, false);
  }
  if (s.userId) await refreshPostingBanners(ctx, s.userId);
  if (!hidesEvidence(s) || !restores(s.status)) return;
  for (const id of s.caseIds) {
    let c = await ctx.store.cases.byId(id);
    if (!c || (await keptHiddenByOthers(ctx, c, { sanctionId: s.id, caseIds: s.caseIds }))) continue;
    if (c.status === 'open') {
      const open = c;
      c = await inRoomLock(open.roomId, () => ctx.store.cases.decide(open.id, { decidedBy: actor.userId, decision: 'release', reason }));
      if (!c) continue; // decided by someone else in the meantime: their decision stands
    }
    const m = await ctx.store.messages.byId(c.roomId, c.messageId);
    if (m?.held && !m.deletedAt) {
      const released = await ctx.store.messages.setHeld(c.roomId, c.messageId, false);
      if (released) await publishVisible(ctx, released);
      if (released) await queueMissed(ctx, released).catch((err) => ctx.warn?.('queueing a missed-message email failed', { err, messageId: released.id }));
    }
  }
}

async function finish(ctx: ChatContext, actor: OfficerActor, s: Sanction, from: SanctionStatus[], to: SanctionStatus, reason: string, action: string) {
  const why = reason.trim();
  if (!why) throw badRequest('Give a reason for the decision.');
  if ([...why].length > MAX_STATEMENT) throw badRequest(`Keep the reason under ${MAX_STATEMENT} characters.`);
  const done = await ctx.store.sanctions.transition(s.id, from, { status: to, decidedBy: actor.userId, decidedAt: Date.now(), decisionReason: why });
  if (!done) throw conflict('This was decided in the meantime; reload the page.');
  // Audited before restoring: the decision is on record even if restoring fails half-way.
  await recordAudit(ctx.store, actor, action, s.id, { kind: s.kind, userId: s.userId, roomId: s.roomId, outcome: to, reason: why });
  if (!inForce(done)) await restore(ctx, actor, done, why);
  const outcome = to === 'upheld' ? 'the decision stands' : to === 'lifted' ? 'the action was lifted' : 'the decision was reversed: the action has ended, and messages it alone kept hidden are shown again';
  await tell(ctx, await affectedParty(ctx, done), `Your safeguarding notice was reviewed: ${outcome}. See /safeguarding.`);
  return done;
}

export async function decideAppeal(ctx: ChatContext, actor: OfficerActor, sanctionId: string, overturn: boolean, reason: string): Promise<Sanction> {
  const s = await ctx.store.sanctions.byId(sanctionId);
  if (!s) throw notFound('No such action.');
  ensure(await reviewCheck(ctx, s, actor.userId));
  return finish(ctx, actor, s, ['appealed'], appealOutcome(overturn), reason, overturn ? 'moderation.appeal_overturned' : 'moderation.appeal_upheld');
}

export async function liftSanction(ctx: ChatContext, actor: OfficerActor, sanctionId: string, reason: string): Promise<Sanction> {
  const s = await ctx.store.sanctions.byId(sanctionId);
  if (!s) throw notFound('No such action.');
  ensure(canLift(s, actor.userId, await affectedParty(ctx, s)));
  return finish(ctx, actor, s, ['active', 'upheld'], 'lifted', reason, 'moderation.lift');
}
