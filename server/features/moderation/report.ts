/**
 * A member reports a message to the safeguarding officers (README "Safeguarding"). The model
 * misses what it has never seen; the people in a conversation do not (the model card counts on
 * reports for what it misses). A report opens a review case on the message, labelled `reported`
 * (one while it is open: a second report is audited, not a second case), tells the officers at once
 * (a person saw harm), and is audited with who reported it. The message stays as it is until an
 * officer decides; the reporter is thanked, not told the outcome (the sender's privacy).
 */
import { badRequest, notFound, rateLimited } from '../../errors';
import { SlidingWindowLimiter } from '../../lib/sliding-window';
import type { User } from '../../store/types';
import { recordAudit } from '../audit/record';
import type { ChatContext } from '../chat/context';
import { memberRoom } from '../chat/messages';
import { minorIds } from './screen';

export const REPORT_LABEL = 'reported';
/** At most this many reports per person per hour (per node): enough for a bad day, not for flooding the queue. */
const REPORTS_PER_HOUR = 20;
const limiters = new WeakMap<ChatContext, SlidingWindowLimiter>();

export async function reportMessage(ctx: ChatContext, user: User, input: { roomId: string; messageId: string; origin: string }): Promise<{ caseId: string; opened: boolean }> {
  const { room } = await memberRoom(ctx, user, input.roomId);
  const message = await ctx.store.messages.byId(room.id, input.messageId);
  // What the reporter cannot see (another's held message) is, to them, no message.
  if (!message || message.deletedAt || (message.held && message.senderId !== user.id)) throw notFound('No such message.');
  if (message.senderId === user.id) throw badRequest('That is your own message: you can delete it instead.');
  let limiter = limiters.get(ctx);
  if (!limiter) limiters.set(ctx, (limiter = new SlidingWindowLimiter(REPORTS_PER_HOUR, 3_600_000)));
  const wait = limiter.take(user.id);
  if (wait > 0) throw rateLimited(`You have sent many reports in the last hour. Try again in ${Math.ceil(wait / 60)} minutes, or write to the safeguarding team.`, wait);
  const open = (await ctx.store.cases.list({ messageId: message.id, status: 'open', limit: 1 }))[0];
  const c =
    open ??
    (await ctx.store.cases.create({
      roomId: room.id,
      messageId: message.id,
      senderId: message.senderId,
      labels: [REPORT_LABEL],
      scores: {},
      text: message.body,
      modelVersion: 'reported by a member',
      severity: 'review',
      towardsMinor: (await minorIds(ctx.store, room.id)).some((id) => id !== message.senderId),
    }));
  await recordAudit(ctx.store, { userId: user.id, origin: input.origin }, 'moderation.report', c.id, { roomId: room.id, messageId: message.id, senderId: message.senderId, opened: !open });
  if (!open) {
    void ctx.moderation?.notifier?.notify({
      caseId: c.id,
      kind: 'review',
      severity: 'high',
      labels: [REPORT_LABEL],
      summary: `A member reported a message${c.towardsMinor ? ' in a conversation with a student under 18' : ''}.`,
      url: ctx.moderation.link(`/admin/moderation/cases/${c.id}`),
      at: c.createdAt,
    });
  }
  return { caseId: c.id, opened: !open };
}
