/**
 * Announcements-only rooms (WhatsApp's "only admins can send messages", which class reps and
 * lecturers use for a class of 300): only the room's leaders post (its owners and moderators,
 * administrators, and in a course room its lecturers); everyone else still reads, reacts, votes
 * in polls, downloads and joins calls. Set by those who appoint moderators (members.ts
 * mayAppoint: the room's owners, administrators), audited `room.announcements_only`.
 *
 * Posting means anything new in the room: a message or reply, a file (stored or sent directly),
 * a poll. Edits and deletes of what one wrote before stay allowed (they add nothing new), as do
 * reactions and votes (the point of an announcement is that it is read and answered that way).
 *
 * Audience: the room's bar saying so (views/posting.ts) is pushed to every member (the same for
 * all); each page hides its composer by CSS when its reader may not post (its lead mark), and a
 * change of someone's role pushes her own mark to her alone.
 */
import { badRequest, forbidden } from '../../errors';
import type { Membership, Room, Store, User } from '../../store/types';
import { topics } from '../../realtime/topics';
import { partial } from '../../../views/partials';
import { announceBar, announceBarId, leadMark, leadMarkId } from '../../../views/posting';
import { isStaffRole } from '../accounts/model';
import { recordAudit, type Actor } from '../audit/record';
import { assertMayPost } from '../moderation/restrictions';
import type { ChatContext } from './context';
import { mayAppoint } from './members';
import { mayModerate, roomOfMember } from './member-room';

/** Posts in an announcements-only room: those who moderate it (owners, moderators, administrators), and a course room's lecturers. */
export const mayLead = (user: User, membership: Membership, room: Room) => mayModerate(user, membership) || (room.kind === 'course' && isStaffRole(user.role));

/** A reader here: the room is announcements-only and she does not lead it (nothing new from her). */
export const readerOnly = (user: User, membership: Membership, room: Room) => room.announcementsOnly && !mayLead(user, membership, room);

export const announcementsRefusal = (room: Room) => (room.kind === 'course' ? 'Only the lecturer and the room’s moderators post here: it is for announcements.' : 'Only the group’s owners and moderators post here: it is for announcements.');

/**
 * Refuses something new from a reader of an announcements-only room. `resendOf`: the client ids it
 * would be stored under: a resend of what she stored before the room changed (its answer lost, a
 * file offer served again after a reconnect) is not new, and goes on as a resend.
 */
export async function assertMayAddTo(store: Store, user: User, membership: Membership, room: Room, resendOf: readonly string[] = []) {
  if (!readerOnly(user, membership, room)) return;
  for (const clientId of resendOf) {
    const stored = await store.messages.byClientId(room.id, user.id, clientId);
    if (stored && !stored.deletedAt) return;
  }
  throw forbidden(announcementsRefusal(room));
}

/** A room's owner (or an administrator who is a member) turns announcements-only on or off from its people page; whether that changed anything. */
export async function setAnnouncementsOnly(ctx: ChatContext, actor: Actor & { user: User }, roomId: string, on: boolean): Promise<boolean> {
  const { room, membership } = await roomOfMember(ctx.store, actor.user.id, roomId);
  if (!mayAppoint(actor.user, room, membership)) throw forbidden(room.archived ? 'This room is archived: it can no longer change.' : 'Only the room’s owners choose who posts here.');
  // A blocked or restricted owner, or anyone in a frozen room, changes nothing (as for moderators).
  await assertMayPost(ctx.store, actor.user, room);
  return applyAnnouncementsOnly(ctx, actor, room, on);
}

/**
 * The change itself, for a room its caller may change (the people page above; the admin portal,
 * member or not): written, audited, and the bar pushed to every member.
 */
export async function applyAnnouncementsOnly(ctx: ChatContext, actor: Actor, room: Room, on: boolean): Promise<boolean> {
  if (room.kind === 'dm') throw badRequest('A direct conversation is for both of you.');
  if (room.archived) throw badRequest('This room is archived: it can no longer change.');
  if (room.announcementsOnly === on) return false;
  if (!(await ctx.store.rooms.update(room.id, { announcementsOnly: on }))) return false;
  await recordAudit(ctx.store, actor, 'room.announcements_only', room.id, { on });
  // From a read after the write, timed before it: of two changes at once, pages keep the bar read last.
  const at = Date.now();
  const now = await ctx.store.rooms.byId(room.id);
  if (now) ctx.hub.publish(topics.room(room.id), partial(announceBarId(room.id), 'outerHTML', announceBar(now, at)).value);
  return true;
}

/** Someone's role in the room changed (rooms.ts setRoomRole): her open pages learn whether she posts there now. */
export async function leadChanged(ctx: ChatContext, roomId: string, userId: string) {
  const [room, membership, user] = await Promise.all([ctx.store.rooms.byId(roomId), ctx.store.rooms.membership(roomId, userId), ctx.store.users.byId(userId)]);
  if (!room || !membership || !user) return;
  ctx.hub.publish(topics.user(userId), partial(leadMarkId(roomId), 'outerHTML', leadMark(roomId, mayLead(user, membership, room))).value);
}
