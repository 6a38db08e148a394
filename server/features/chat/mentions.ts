/**
 * Who a message mentions: the members its @handles name, and the whole room for "@class" written by
 * someone who teaches or runs it (a lecturer or administrator, or the room's owner or moderator) in
 * a course room or a group. From anyone else "@class" is plain text: a student cannot ping 300
 * classmates at once.
 */
import type { Membership, Room, User } from '../../store/types';
import { CLASS_MENTION } from '../../store/types';
import { mentionHandles } from '../../../views/format';
import { isStaffRole } from '../accounts/model';
import type { ChatContext } from './context';
import { MAX_MENTIONS } from './limits';

/** The handle that mentions everyone (lower-cased, as mentionHandles gives it). */
const CLASS_HANDLE = CLASS_MENTION.slice(1);

export const mayMentionClass = (user: User, membership: Membership, room: Room) =>
  room.kind !== 'dm' && (isStaffRole(user.role) || membership.role === 'owner' || membership.role === 'moderator');

/** Mentioned handles (email local parts) resolved to member ids, and CLASS_MENTION when allowed. */
export async function resolveMentions(ctx: ChatContext, sender: { user: User; membership: Membership; room: Room }, body: string): Promise<string[]> {
  const handles = mentionHandles(body);
  if (!handles.length) return [];
  const everyone = handles.includes(CLASS_HANDLE) && mayMentionClass(sender.user, sender.membership, sender.room);
  // From the handles to the few accounts they name, then membership: a course room may have thousands of members.
  // "@class" is never an account's handle (class@… cannot be mentioned by it): a student's "@class" stays plain text.
  const named = await ctx.store.users.byHandles(handles.filter((h) => h !== CLASS_HANDLE).slice(0, MAX_MENTIONS));
  const members = await Promise.all(named.map(async (u) => ((await ctx.store.rooms.membership(sender.room.id, u.id)) ? u.id : null)));
  return [...(everyone ? [CLASS_MENTION] : []), ...new Set(members.filter((id): id is string => id !== null))];
}
