/**
 * The one membership check every room read and write starts with: the room as its member sees it,
 * else 404, so a non-member learns nothing, not even that the room exists. (No imports from the
 * chat actions: pins, calls and lectures use it without pulling messages.ts in.)
 */
import { notFound } from '../../errors';
import type { Membership, Room, Store, User } from '../../store/types';

export async function roomOfMember(store: Store, userId: string, roomId: string): Promise<{ room: Room; membership: Membership }> {
  const [room, membership] = await Promise.all([store.rooms.byId(roomId), store.rooms.membership(roomId, userId)]);
  if (!room || !membership) throw notFound('No such room.');
  return { room, membership };
}

/** Deletes anyone's message in the room, closes anyone's poll: its owners and moderators, and administrators. */
export const mayModerate = (user: User, membership: Membership) => membership.role !== 'member' || user.role === 'admin';
