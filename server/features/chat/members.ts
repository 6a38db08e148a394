/**
 * Who is in a room, for its members (GET /rooms/:id/members), and what a room's owner may change
 * there: making a member a moderator (a course's teaching assistant: moderators remove messages)
 * or a member again, and, in a group, removing someone. Administrators keep the course class list
 * (admin portal, CLI); groups take new members through groups.ts addToGroup.
 *
 * Privacy: members see each other's names and roles only (no emails, ages or account states: a
 * room must not tell a classmate who is under 18 or suspended). Every change is audited by the
 * actions it calls (rooms.ts).
 */
import { badRequest, forbidden, notFound } from '../../errors';
import type { Membership, Room, RoomRole, User } from '../../store/types';
import type { Actor } from '../audit/record';
import { assertMayPost } from '../moderation/restrictions';
import type { ChatContext } from './context';
import { memberRoom } from './messages';
import { removeMember, setRoomRole } from './rooms';

export const MEMBERS_PAGE = 100;

export interface MemberRow {
  id: string;
  name: string;
  accountRole: User['role'];
  roomRole: RoomRole;
  you: boolean;
}

export interface MemberList {
  room: Room;
  /** Members matching the filter (all of them without one). */
  total: number;
  rows: MemberRow[];
  offset: number;
  more: boolean;
  /** The viewer may make members moderators (the room's owner, or an administrator). */
  canAppoint: boolean;
  /** The viewer may add people and remove members (a group's owner). */
  canManageGroup: boolean;
}

const RANK: Record<string, number> = { owner: 0, moderator: 1, member: 2 };

/** The room's owners may appoint (administrators too: they keep every room); not in an archived room. */
export function mayAppoint(viewer: User, room: Room, mine: Membership): boolean {
  return !room.archived && room.kind !== 'dm' && (mine.role === 'owner' || viewer.role === 'admin');
}

export function mayManageGroup(room: Room, mine: Membership): boolean {
  return !room.archived && room.kind === 'group' && mine.role === 'owner';
}

/**
 * Owners first, then moderators, then everyone else, each by name: a student looks for the
 * lecturer and the assistants first. `q` filters by name (case-insensitive substring).
 */
export async function listMembers(ctx: ChatContext, viewer: User, roomId: string, opts: { q?: string; offset?: number } = {}): Promise<MemberList> {
  const { room, membership } = await memberRoom(ctx, viewer, roomId);
  const members = await ctx.store.rooms.members(room.id);
  const users = new Map((await ctx.store.users.byIds(members.map((m) => m.userId))).map((u) => [u.id, u]));
  const q = (opts.q ?? '').trim().toLowerCase();
  const all = members
    .flatMap((m) => {
      const u = users.get(m.userId);
      // Every account alike, whatever its state: the page must not tell who is suspended (Message is
      // offered to all; the DM route decides).
      return u ? [{ id: u.id, name: u.name, accountRole: u.role, roomRole: m.role, you: u.id === viewer.id }] : [];
    })
    .filter((r) => !q || r.name.toLowerCase().includes(q))
    .sort((a, b) => (RANK[a.roomRole] ?? 3) - (RANK[b.roomRole] ?? 3) || a.name.localeCompare(b.name, 'en') || a.id.localeCompare(b.id));
  const offset = Math.max(0, Math.min(opts.offset ?? 0, all.length));
  return {
    room,
    total: all.length,
    rows: all.slice(offset, offset + MEMBERS_PAGE),
    offset,
    more: offset + MEMBERS_PAGE < all.length,
    canAppoint: mayAppoint(viewer, room, membership),
    canManageGroup: mayManageGroup(room, membership),
  };
}

/** Makes a member a moderator, or a moderator a member again. Owners are changed by administrators (portal). */
export async function appointModerator(ctx: ChatContext, actor: Actor & { user: User }, roomId: string, userId: string, role: 'moderator' | 'member'): Promise<void> {
  const { room, membership } = await memberRoom(ctx, actor.user, roomId);
  if (!mayAppoint(actor.user, room, membership)) throw forbidden(room.archived ? 'This room is archived: its members can no longer change.' : "Only the room's owner can choose its moderators.");
  // A restricted or blocked owner (or one in a frozen room) cannot hand out the power to remove messages.
  await assertMayPost(ctx.store, actor.user, room);
  const target = await ctx.store.rooms.membership(room.id, userId);
  if (!target) throw notFound('That person is not a member of this room.');
  if (target.role === 'owner') throw badRequest("An owner stays an owner here: the university's administrators change owners.");
  if (target.role === role) return;
  await setRoomRole(ctx, actor, room.id, userId, role);
}

/** A group's owner removes a member (not themselves: they leave instead). */
export async function removeFromGroup(ctx: ChatContext, actor: Actor & { user: User }, roomId: string, userId: string): Promise<void> {
  const { room, membership } = await memberRoom(ctx, actor.user, roomId);
  if (!mayManageGroup(room, membership)) throw forbidden("Only the group's owner can remove people from it.");
  if (userId === actor.user.id) throw badRequest('To leave the group yourself, use "Leave group".');
  // As for adding people and choosing moderators: a blocked or restricted owner, or anyone in a frozen
  // group, changes nothing (removing the member who reported them would cut her off from the evidence).
  // A group gone read-only for want of a shared course may still lose a member.
  await assertMayPost(ctx.store, actor.user, room, { conversation: false });
  await removeMember(ctx, actor, room.id, userId);
}
