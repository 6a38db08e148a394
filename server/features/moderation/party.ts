/**
 * Who a safeguarding sanction is about, and so who may answer it (the fair hearing's other side):
 * the sanctioned account, or for a frozen room the people who answer for it.
 */
import type { Sanction, User } from '../../store/types';
import { isMinor, isStaffRole } from '../accounts/model';
import type { ChatContext } from '../chat/context';

/**
 * The people a sanction is about: the account; for a frozen room, those who answer for it
 * (roomParty: a group's adult members; a room's adult owners, moderators, staff or members; its
 * minors only when it has no adult): someone must always be able to respond, and a minor is not
 * made to answer for a conversation with adults.
 */
export async function affectedParty(ctx: ChatContext, s: Sanction): Promise<string[]> {
  if (s.userId) return [s.userId];
  if (!s.roomId) return [];
  return roomParty(ctx, s.roomId);
}

/**
 * Who answers for a room (a freeze's hearing), among its active members. A group (a few people,
 * none of them staff by office): all its adult members, whoever owns it; only in a group with no
 * adult, all its minors. (Its owner alone, unless a minor, told the other adults who received the
 * notice that the owner is under 18, the moment the group passed to one: review s16.) A course
 * room or a conversation: the adult owners, else the adult moderators, else the staff, else the
 * adult members; only in a room with no adult, its minors (owners, else moderators, else all). A
 * minor is never made to answer for a room with adults in it. Owners' and moderators' accounts are
 * read first: usually that settles it.
 */
export async function roomParty(ctx: ChatContext, roomId: string): Promise<string[]> {
  const members = await ctx.store.rooms.members(roomId);
  const read = async (ms: typeof members) => (await ctx.store.users.byIds(ms.map((m) => m.userId))).filter((u) => u.status === 'active');
  const ids = (us: User[]) => us.map((u) => u.id);
  if ((await ctx.store.rooms.byId(roomId))?.kind === 'group') {
    const users = await read(members);
    const adults = users.filter((u) => !isMinor(u));
    return ids(adults.length ? adults : users);
  }
  const ranked = { owner: await read(members.filter((m) => m.role === 'owner')), moderator: [] as User[] };
  if (ranked.owner.some((u) => !isMinor(u))) return ids(ranked.owner.filter((u) => !isMinor(u)));
  ranked.moderator = await read(members.filter((m) => m.role === 'moderator'));
  if (ranked.moderator.some((u) => !isMinor(u))) return ids(ranked.moderator.filter((u) => !isMinor(u)));
  const users = await read(members);
  const staff = users.filter((u) => isStaffRole(u.role));
  const adults = users.filter((u) => !isMinor(u));
  if (staff.length) return ids(staff);
  if (adults.length) return ids(adults);
  return ids(ranked.owner.length ? ranked.owner : ranked.moderator.length ? ranked.moderator : users);
}

/**
 * Whether `user` answers for `s` (affectedParty's rule). This runs on page loads (the banner): an
 * active adult owner is settled without reading anyone else (in a group every adult answers, the
 * owner too), others by roomParty (which reads the owners' and moderators' accounts first).
 */
export async function isAffected(ctx: ChatContext, s: Sanction, user: User): Promise<boolean> {
  if (s.userId) return s.userId === user.id;
  if (!s.roomId) return false;
  const mine = await ctx.store.rooms.membership(s.roomId, user.id);
  if (!mine) return false;
  if (mine.role === 'owner' && user.status === 'active' && !isMinor(user)) return true;
  return (await roomParty(ctx, s.roomId)).includes(user.id);
}
