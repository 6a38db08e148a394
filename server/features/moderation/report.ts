/**
 * A member reports a message to the safeguarding officers (README "Safeguarding"). The model
 * misses what it has never seen; the people in a conversation do not (the model card counts on
 * reports for what it misses). A report labels the message's open case `reported`, or opens a
 * review case so labelled (one case per message while open: reports at once are serialised, and a
 * model's review flag, which waits quietly in the queue, becomes a report like any other), and the
 * first report of a case tells the officers at once (a person saw harm). Every report is audited
 * with who made it. The message stays as it is until an officer decides; the reporter is thanked,
 * not told the outcome (the sender's privacy).
 */
import { badRequest, inMinutes, notFound, rateLimited } from '../../errors';
import { KeyedLock } from '../../lib/keyed-lock';
import type { User } from '../../store/types';
import { recordAudit } from '../audit/record';
import type { ChatContext } from '../chat/context';
import { memberRoom } from '../chat/messages';
import { minorIds } from './screen';
import { isMinor } from '../accounts/model';

export const REPORT_LABEL = 'reported';
import { CONCERN_LABEL } from './concern';
/**
 * Case "model versions" of reports. A reported file is judged by its content, which the case's text
 * (its name) does not hold: its case is left out of the training export (judged.ts).
 */
export const REPORTED = 'reported by a member';
export const REPORTED_FILE = 'reported by a member (a file)';
export const CONCERN = 'a member is worried about the writer';

/** One report at a time per message (on this node): two at once must not open two cases. */
const perMessage = new KeyedLock();

export async function reportMessage(ctx: ChatContext, user: User, input: { roomId: string; messageId: string; origin: string; concern?: boolean }): Promise<{ caseId: string; opened: boolean }> {
  const label = input.concern ? CONCERN_LABEL : REPORT_LABEL;
  const { room } = await memberRoom(ctx, user, input.roomId);
  const message = await ctx.store.messages.byId(room.id, input.messageId);
  // What the reporter cannot see (another's held message) is, to them, no message.
  if (!message || message.deletedAt || (message.held && message.senderId !== user.id)) throw notFound('No such message.');
  if (message.senderId === user.id) throw badRequest('That is your own message: you can delete it instead.');
  const wait = await ctx.reportLimiter.take(user.id);
  if (wait > 0) throw rateLimited(`You have sent many reports in the last hour. Try again in ${inMinutes(wait)}, or write to the safeguarding team.`, wait);
  return perMessage.run(message.id, async () => {
    const open = (await ctx.store.cases.list({ messageId: message.id, status: 'open', limit: 1 }))[0];
    const first = open ? await ctx.store.cases.addLabel(open.id, label) : true;
    const c =
      open ??
      (await ctx.store.cases.create({
        roomId: room.id,
        messageId: message.id,
        senderId: message.senderId,
        labels: [label],
        scores: {},
        text: message.kind === 'file' ? `File: ${message.body}` : message.body,
        modelVersion: message.kind === 'file' ? REPORTED_FILE : input.concern ? CONCERN : REPORTED,
        severity: 'review',
        towardsMinor: (await minorIds(ctx.store, room.id)).some((id) => id !== message.senderId),
      }));
    await recordAudit(ctx.store, { userId: user.id, origin: input.origin }, 'moderation.report', c.id, { roomId: room.id, messageId: message.id, senderId: message.senderId, opened: !open, first, ...(input.concern ? { concern: true } : {}) });
    // The first report of its kind tells the officers: a worry about the writer after a report of
    // harm (or the other way round) is news to them.
    if (first) {
      const writerMinor = isMinor((await ctx.store.users.byId(message.senderId)) ?? { dateOfBirth: null, minorOverride: null });
      void ctx.moderation?.notifier?.notify({
        caseId: c.id,
        kind: 'review',
        // Urgent where a minor is in the conversation, the writer included (a 16-year-old's post
        // reported in a room of adults: review s17), or for a worry about a writer's welfare; a
        // report between adults is routine (a full notice queue gives way to urgent ones: notify.ts).
        severity: c.towardsMinor || writerMinor || input.concern ? 'high' : 'medium',
        labels: [...new Set([...c.labels, label])],
        summary: input.concern
          ? `A member is worried about the welfare of a message's writer${writerMinor ? ', a student under 18' : ''}.`
          : `A member reported a message${c.towardsMinor ? ' in a conversation with a student under 18' : writerMinor ? ' written by a student under 18' : ''}.`,
        url: ctx.moderation.link(`/admin/moderation/cases/${c.id}`),
        at: Date.now(),
      });
    }
    return { caseId: c.id, opened: !open };
  });
}
