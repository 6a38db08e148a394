/**
 * The slots on a room's page that say why its viewer cannot post there (views/safeguarding.ts
 * postingBanner), and the pushes that keep them true on open pages when a sanction starts or ends.
 *
 * Two slots, each pushed by one kind of change: the room's freeze (to the room's members when it
 * starts or ends) and the viewer's own block or restriction (to that account alone, read back after
 * the change). One slot for both let a refresh of the account line, read before a freeze and pushed
 * after it, empty the "frozen" line. Two changes of one account close together can still arrive out
 * of order and leave a stale account line until the next page load: harmless, every send is checked.
 *
 * A restriction shows the same line in every room (its text is general: "you cannot post where
 * students under 18 are"): a line that appeared only in rooms with a minor would tell the restricted
 * account, the one person who must not be helped to find them, which rooms those are. Posting itself
 * is refused room by room (restrictions.ts).
 *
 * The pushes are a courtesy: every send is checked anyway and the next page load shows the truth, so
 * their errors are logged (ctx.warn) and never fail the sanction that triggered them.
 */
import { topics } from '../../realtime/topics';
import type { Store, User } from '../../store/types';
import { partial } from '../../../views/partials';
import { ACCOUNT_POSTING_ID, postingBannerId, postingBannerText } from '../../../views/safeguarding';
import type { ChatContext } from '../chat/context';
import { accountLimit, conversationRefusal, isFrozen, limitRefusal, REFUSALS } from './restrictions';


/**
 * What the two slots say for `user` in `roomId` now (the room page). A conversation that became
 * read-only for them (restrictions.ts conversationRefusal) is said in the room slot: it is pushed only
 * when a freeze starts or ends, which leaves such a line stale until the next load (rare, harmless).
 */
export async function postingSlot(store: Store, user: Pick<User, 'id'>, roomId: string): Promise<{ frozen: string | null; account: string | null }> {
  const [frozen, limit, readOnly] = await Promise.all([isFrozen(store, roomId), accountLimit(store, user), conversationRefusal(store, user, { id: roomId })]);
  return { frozen: frozen ? REFUSALS.frozen : readOnly, account: limitRefusal(limit) };
}

/** The user's block or restriction started or ended: the account slot of their open room pages says so. */
export async function refreshPostingBanners(ctx: ChatContext, userId: string): Promise<void> {
  try {
    const limit = await accountLimit(ctx.store, { id: userId });
    ctx.hub.publish(topics.user(userId), partial(ACCOUNT_POSTING_ID, 'innerHTML', postingBannerText(limitRefusal(limit))).value);
  } catch (err) {
    ctx.warn?.('safeguarding posting line not refreshed', { err, userId });
  }
}

/** A room's freeze started or ended: every member's freeze slot says so (their account slot is untouched). */
export function roomPostingChanged(ctx: ChatContext, roomId: string, frozen: boolean): void {
  ctx.hub.publish(topics.room(roomId), roomPostingLine(roomId, frozen));
}

/** The push that sets a room page's freeze slot: "frozen", or nothing. */
export function roomPostingLine(roomId: string, frozen: boolean): string {
  return partial(postingBannerId(roomId), 'innerHTML', postingBannerText(frozen ? REFUSALS.frozen : null)).value;
}
