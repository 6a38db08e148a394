/**
 * The slot on a room's page that says why its viewer cannot post there (views/safeguarding.ts
 * postingBanner), and the pushes that keep it true on open pages when a sanction starts or ends.
 *
 * It shows the room's freeze, else the viewer's own block or restriction. A restriction shows the
 * same line in every room (its text is general: "you cannot post where students under 18 are"): a
 * slot that appeared only in rooms with a minor would tell the restricted account, the one person
 * who must not be helped to find them, which rooms those are. Posting itself is refused room by room
 * (restrictions.ts).
 *
 * The pushes are a courtesy: every send is checked anyway and the next page load shows the truth, so
 * their errors are logged (ctx.warn) and never fail the sanction that triggered them.
 */
import { html } from '../../http/html';
import { topics } from '../../realtime/topics';
import type { Store, User } from '../../store/types';
import { partial } from '../../../views/partials';
import { postingBannerId, postingBannerText } from '../../../views/safeguarding';
import type { ChatContext } from '../chat/context';
import { IN_FORCE } from './hearing';
import { accountLimit, isFrozen, REFUSALS } from './restrictions';

function slotText(frozen: boolean, limit: 'block' | 'restriction' | null): string | null {
  if (frozen) return REFUSALS.frozen;
  if (limit === 'block') return REFUSALS.blocked;
  if (limit === 'restriction') return REFUSALS.restricted;
  return null;
}

/** What the slot says for `user` in `roomId` now (the room page). */
export async function postingSlot(store: Store, user: Pick<User, 'id'>, roomId: string): Promise<string | null> {
  const [frozen, limit] = await Promise.all([isFrozen(store, roomId), accountLimit(store, user)]);
  return slotText(frozen, limit);
}

/**
 * Refreshes the slot of each of the user's rooms (or only `roomIds`) on their open pages: when their
 * block or restriction starts or ends. Pushed to the user alone; a page that does not show a room
 * ignores that room's part. Three reads, whatever the number of rooms.
 */
export async function refreshPostingBanners(ctx: ChatContext, userId: string, roomIds?: readonly string[]): Promise<void> {
  try {
    const [ids, limit, freezes] = await Promise.all([
      roomIds ?? ctx.store.rooms.listForUser(userId).then((list) => list.map((r) => r.room.id)),
      accountLimit(ctx.store, { id: userId }),
      ctx.store.sanctions.list({ kind: ['freeze'], status: IN_FORCE, limit: 100_000 }),
    ]);
    const frozen = new Set(freezes.map((s) => s.roomId));
    const parts = ids.map((id) => partial(postingBannerId(id), 'innerHTML', postingBannerText(slotText(frozen.has(id), limit))));
    if (parts.length) ctx.hub.publish(topics.user(userId), html`${parts}`.value);
  } catch (err) {
    ctx.warn?.('safeguarding posting line not refreshed', { err, userId });
  }
}

/**
 * A room's freeze started or ended: every member's slot says so. When it ends, members who are
 * blocked or restricted get their own line back (the room-wide push has just emptied their slot).
 */
export async function roomPostingChanged(ctx: ChatContext, roomId: string, frozen: boolean): Promise<void> {
  ctx.hub.publish(topics.room(roomId), partial(postingBannerId(roomId), 'innerHTML', postingBannerText(frozen ? REFUSALS.frozen : null)).value);
  if (frozen) return;
  try {
    const [members, sanctioned] = await Promise.all([
      ctx.store.rooms.members(roomId),
      ctx.store.sanctions.list({ kind: ['block', 'restriction'], status: IN_FORCE, limit: 100_000 }),
    ]);
    const limited = new Set(sanctioned.flatMap((x) => (x.userId ? [x.userId] : [])));
    for (const m of members) if (limited.has(m.userId)) await refreshPostingBanners(ctx, m.userId, [roomId]);
  } catch (err) {
    ctx.warn?.('safeguarding posting lines not refreshed', { err, roomId });
  }
}
