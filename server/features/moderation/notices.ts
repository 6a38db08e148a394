/**
 * What a person is told of the safeguarding sanctions about them (the fair hearing's notices): the
 * list at /safeguarding, the count on every page's "You have a safeguarding notice" link, and the
 * pushes that keep that link true on open pages: when a sanction starts or ends (sanctions.ts tell)
 * and when who answers for a frozen room changes (an owner leaves, a role changes: party.ts).
 */
import { topics } from '../../realtime/topics';
import type { Sanction, SanctionStatus, User } from '../../store/types';
import { partial } from '../../../views/partials';
import { NOTICE_BANNER_ID, noticeBannerText } from '../../../views/safeguarding';
import type { ChatContext } from '../chat/context';
import { IN_FORCE } from './hearing';
import { isFrozen } from './restrictions';
import { isAffected, roomParty } from './party';

const FREEZES_READ = 500;

/**
 * Frozen rooms this person answers for (see affectedParty). In force (the banner, every page load):
 * freezes in force are few, so this reads them (one query) and checks membership only for those;
 * should there ever be FREEZES_READ of them, and always for the /safeguarding page (history
 * included), it reads the freezes of the person's own rooms instead, however many the campus has.
 */
async function freezesFor(ctx: ChatContext, user: User, status?: SanctionStatus[]): Promise<Sanction[]> {
  let found = status ? await ctx.store.sanctions.list({ kind: ['freeze'], status, limit: FREEZES_READ }) : [];
  if (!status || found.length >= FREEZES_READ) {
    const roomIds = (await ctx.store.rooms.listForUser(user.id)).map((r) => r.room.id);
    found = await ctx.store.sanctions.list({ kind: ['freeze'], status, roomIds, limit: FREEZES_READ });
  }
  const mine: Sanction[] = [];
  for (const s of found) if (await isAffected(ctx, s, user)) mine.push(s);
  return mine;
}

/** Everything a person is shown at /safeguarding: sanctions on their account and freezes of rooms they answer for. */
export async function noticesFor(ctx: ChatContext, user: User): Promise<{ s: Sanction; roomName: string | null }[]> {
  const [own, freezes] = await Promise.all([ctx.store.sanctions.list({ userId: user.id, limit: 50 }), freezesFor(ctx, user)]);
  const all = [...own, ...freezes].sort((a, b) => b.createdAt - a.createdAt);
  return Promise.all(
    all.map(async (s) => {
      const room = s.roomId ? await ctx.store.rooms.byId(s.roomId) : null;
      // A DM's "name" is internal; say what it is instead.
      const roomName = room ? (room.kind === 'dm' ? 'a direct conversation' : room.code ? `${room.code} · ${room.name}` : room.name) : null;
      return { s, roomName };
    }),
  );
}

/** How many notices still need the person's attention (in force), for the banner. */
export async function openNoticeCount(ctx: ChatContext, user: User): Promise<number> {
  const [own, freezes] = await Promise.all([ctx.store.sanctions.list({ userId: user.id, status: IN_FORCE, limit: 20 }), freezesFor(ctx, user, IN_FORCE)]);
  return own.length + freezes.length;
}

/** A courtesy to open pages (the next load shows the truth): its failure undoes nothing. */
export async function refreshNoticeBanner(ctx: ChatContext, userId: string) {
  try {
    const user = await ctx.store.users.byId(userId);
    if (user) ctx.hub.publish(topics.user(userId), partial(NOTICE_BANNER_ID, 'innerHTML', noticeBannerText(await openNoticeCount(ctx, user))).value);
  } catch (err) {
    ctx.warn?.('safeguarding notice link not refreshed', { err, userId });
  }
}

/** Who answers for the room now if it is frozen, else null: read before a change of its members or roles. */
export async function frozenRoomParty(ctx: ChatContext, roomId: string): Promise<string[] | null> {
  try {
    return (await isFrozen(ctx.store, roomId)) ? await roomParty(ctx, roomId) : null;
  } catch (err) {
    ctx.warn?.('safeguarding notice link not refreshed', { err, roomId });
    return null;
  }
}

/**
 * After a change of a frozen room's members or roles: whoever started or stopped answering for its
 * freeze (an owner left and the group passed to a member, a moderator was named) has the notice link
 * of their open pages refreshed; it said the old party's count until their next page load. `before`
 * is frozenRoomParty's answer from before the change (null: the room was not frozen).
 */
export async function roomPartyChanged(ctx: ChatContext, roomId: string, before: string[] | null): Promise<void> {
  if (!before) return;
  let after: string[];
  try {
    after = await roomParty(ctx, roomId);
  } catch (err) {
    ctx.warn?.('safeguarding notice link not refreshed', { err, roomId });
    return;
  }
  const changed = [...before.filter((id) => !after.includes(id)), ...after.filter((id) => !before.includes(id))];
  for (const id of changed) await refreshNoticeBanner(ctx, id);
}
