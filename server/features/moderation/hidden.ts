/**
 * One rule for "does anything else keep this message hidden?", asked when a case is released and
 * when a sanction ends (lifted or overturned): the message is delivered only if the answer is no.
 *
 * A message stays hidden while
 * - another open hold-level case is on it (an edit whose new text was held again); a review-level
 *   case never hid anything, or
 * - a block or removal in force cites any case on it: those are a human's judgement of the message.
 *
 * Restrictions and freezes do not keep a message hidden: a restriction is the automatic response to
 * a pattern (it judges no single message) and a freeze only stops posting in a room. The case that
 * held the message, and the sanction being ended, are what is being undone, so they are left out.
 */
import { SANCTION_IN_FORCE, type ModerationCase } from '../../store/types';
import type { ChatContext } from '../chat/context';

export interface Undoing {
  /** The sanction being ended, if any. */
  sanctionId?: string;
  /** Cases released together with this one (the ended sanction's evidence): they no longer hold. */
  caseIds?: readonly string[];
}

export async function keptHiddenByOthers(ctx: ChatContext, c: ModerationCase, undoing: Undoing = {}): Promise<boolean> {
  const [sameMessage, onSender] = await Promise.all([
    ctx.store.cases.list({ messageId: c.messageId, limit: 50 }),
    ctx.store.sanctions.list({ userId: c.senderId, kind: ['block', 'removal'], status: [...SANCTION_IN_FORCE], limit: 100 }),
  ]);
  const together = new Set([c.id, ...(undoing.caseIds ?? [])]);
  if (sameMessage.some((x) => !together.has(x.id) && x.status === 'open' && x.severity === 'hold')) return true;
  const ofMessage = new Set([c.id, ...sameMessage.map((x) => x.id)]);
  return onSender.some((s) => s.id !== undoing.sanctionId && s.caseIds.some((id) => ofMessage.has(id)));
}
