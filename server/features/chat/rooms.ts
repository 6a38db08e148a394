/**
 * Room actions: summaries for the room list, course rooms, members, direct messages and groups.
 * Audiences: membership changes subscribe/unsubscribe the affected user's live connections and
 * push their room-list entry to topics.user(userId) — only to the users concerned.
 */
import { isLectureHost } from '../../rtc/permissions';
import { badRequest, conflict, forbidden, inMinutes, notFound, rateLimited } from '../../errors';
import { topics } from '../../realtime/topics';
import { DuplicateRoomError, ROOM_ROLES, type Membership, type Room, type RoomRole, type User } from '../../store/types';
import { html, type Raw } from '../../http/html';
import { roomListItem, type RoomSummary } from '../../../views/chat';
import { callStatusClosed, callStatusId, callStatusRefresh } from '../../../views/calls';
import { partial } from '../../../views/partials';
import { postingBannerId, postingBannerText } from '../../../views/safeguarding';
import { recordAudit, SYSTEM_ACTOR, type Actor } from '../audit/record';
import { isMinor } from '../accounts/model';
import { canStartConversation, NOT_THIS_PERSON, partyOf } from './policy';
import { accountLimit, contactFilter, contactRefusal, endLimitedCallsForMinors, isFrozen, REFUSALS, sharedCoursesEnded } from '../moderation/restrictions';
import { messageContext } from '../moderation/screen';
import { screenRoomsFor } from '../moderation/screen-history';
import { roomPostingLine } from '../moderation/posting-banner';
import { frozenRoomParty, roomPartyChanged } from '../moderation/notices';
import type { ChatContext } from './context';
import { leadChanged } from './posting';

export const COURSE_CODE_RE = /^[A-Z]{2,5} ?[0-9]{3,4}[A-Z]?$/;

/** What the room is called for this viewer: DMs are named after the other person. */
export async function roomTitle(ctx: ChatContext, room: Room, viewer: User): Promise<string> {
  if (room.kind !== 'dm') return room.name;
  const other = (await ctx.store.rooms.members(room.id)).find((m) => m.userId !== viewer.id);
  const u = other ? await ctx.store.users.byId(other.userId) : null;
  return u?.name ?? room.name;
}

async function summaryOf(ctx: ChatContext, user: User, room: Room, membership: Membership): Promise<RoomSummary> {
  const [title, unread] = await Promise.all([roomTitle(ctx, room, user), ctx.store.messages.unread(room.id, user.id, membership.lastReadSeq, membership.joinedAt)]);
  return { room, title, unread: unread.count, mentions: unread.mentions, lastReadSeq: membership.lastReadSeq, call: ctx.calls?.active?.(room.id) ?? false };
}

export async function summaries(ctx: ChatContext, user: User): Promise<RoomSummary[]> {
  const list = await ctx.store.rooms.listForUser(user.id);
  return Promise.all(list.map(({ room, membership }) => summaryOf(ctx, user, room, membership)));
}

/** One room's entry for this user (only that room is read), or null when they are not a member. */
async function summaryFor(ctx: ChatContext, user: User, roomId: string): Promise<RoomSummary | null> {
  const [room, membership] = await Promise.all([ctx.store.rooms.byId(roomId), ctx.store.rooms.membership(roomId, user.id)]);
  return room && membership ? summaryOf(ctx, user, room, membership) : null;
}

/** A push that inserts or refreshes one room's entry in this user's room list. */
export async function roomListUpdate(ctx: ChatContext, user: User, roomId: string): Promise<Raw> {
  const s = await summaryFor(ctx, user, roomId);
  if (!s) return html``;
  return partial(`rl-${roomId}`, 'outerHTML', roomListItem(s, false));
}

/** Tells a user's live connections about a room they just joined. */
export async function announceJoin(ctx: ChatContext, userId: string, roomId: string) {
  ctx.hub.subscribeUser(userId, topics.room(roomId));
  const user = await ctx.store.users.byId(userId);
  if (!user) return;
  const s = await summaryFor(ctx, user, roomId);
  if (s) ctx.hub.publish(topics.user(userId), partial('room-list', 'afterbegin', roomListItem(s, false)).value);
}

/**
 * One spelling per course: "csc 101", "CSC101" and " Csc  101" are all CSC101, so the unique code
 * really is one room per course and the CLI finds a room whichever way the code is typed.
 */
export function normaliseCourseCode(code: string): string {
  return code.trim().toUpperCase().replace(/\s+/g, ' ').replace(/^([A-Z]+) (?=[0-9])/, '$1');
}

export async function createCourseRoom(
  ctx: ChatContext,
  actor: Actor & { user: User | null },
  input: { code: string; name: string; topic?: string },
): Promise<Room> {
  if (actor.user && actor.user.role === 'student') throw forbidden('Only lecturers and administrators can create course rooms.');
  // A blocked lecturer posts nowhere: nor does she open rooms (and claim course codes) to post in.
  if (actor.user && actor.user.role !== 'admin' && (await accountLimit(ctx.store, actor.user)) === 'block') throw forbidden(REFUSALS.blocked);
  const code = normaliseCourseCode(input.code);
  if (!COURSE_CODE_RE.test(code)) throw badRequest(`Course code "${input.code.trim()}" should look like CSC101 or GST 111.`);
  const name = input.name.trim();
  if (!name || name.length > 100) throw badRequest('Give the room a name of at most 100 characters.');
  // A lecturer's room name (and topic) is shown to every student later added, minors included.
  if (actor.user) await screenRoomName(ctx, actor.user, 'course', [name, input.topic ?? ''].join('\n'));
  try {
    const room = await ctx.store.rooms.create(
      { id: Bun.randomUUIDv7(), kind: 'course', code, name, topic: (input.topic ?? '').trim().slice(0, 300), createdBy: actor.user?.id ?? null, dmKey: null },
      actor.user ? [{ userId: actor.user.id, role: 'owner' }] : [],
    );
    await recordAudit(ctx.store, actor, 'room.create', room.id, { code, name });
    if (actor.user) await announceJoin(ctx, actor.user.id, room.id);
    return room;
  } catch (e) {
    if (e instanceof DuplicateRoomError) throw conflict(`A room with code ${code} already exists. To start a new session's room with this code, archive the old one first.`);
    throw e;
  }
}

export async function addMembers(ctx: ChatContext, actor: Actor, roomId: string, members: { userId: string; role: RoomRole }[]) {
  const room = await ctx.store.rooms.byId(roomId);
  if (!room) throw notFound('No such room.');
  // A past course keeps the people it had: a new student added would read last session's messages (QA).
  if (room.archived) throw badRequest(`This room is archived: nobody can be added to it.${room.code ? ` This session's class belongs in the live ${room.code} room (create it if it does not exist yet).` : ''}`);
  // Safeguarding: a minor joining reads the room's history, screened first (screen-history.ts:
  // history, then the write, then what changed meanwhile). Members already in it cost nothing.
  const minorsJoining = await Promise.all(members.map(async (m) => {
    const u = await ctx.store.users.byId(m.userId);
    return u !== null && isMinor(u) && !(await ctx.store.rooms.membership(roomId, m.userId));
  }));
  const party = await frozenRoomParty(ctx, roomId);
  let added: string[] = [];
  const write = async () => void (added = await ctx.store.rooms.addMembers(roomId, members));
  if (minorsJoining.includes(true)) await screenRoomsFor(ctx, [room], write);
  else await write();
  // Safeguarding: a minor joining puts the room's call out of bounds for restricted members.
  await endLimitedCallsForMinors(ctx, roomId, added);
  // Who, not only how many (adding a minor to a room must be traceable to the person added):
  // recorded with the write, before the courtesy pushes below.
  if (added.length) await recordAudit(ctx.store, actor, 'room.add_members', roomId, { count: added.length, userIds: added });
  await roomPartyChanged(ctx, roomId, party);
  // Added back after a removal, a page of the room left open says "You were removed": true no
  // longer (a freeze still shows). Only here: new rooms have no open page. A courtesy (the next
  // load shows the truth): its failure fails nothing.
  const line = added.length ? await isFrozen(ctx.store, roomId).then((f) => roomPostingLine(roomId, f), (err) => (ctx.warn?.('posting line not refreshed', { err, roomId }), null)) : null;
  // …and its call bar offers the call again (removal closed it).
  const bar = partial(callStatusId(roomId), 'outerHTML', callStatusRefresh(roomId)).value;
  for (const id of added) {
    await announceJoin(ctx, id, roomId);
    ctx.hub.publish(topics.user(id), (line ?? '') + bar);
  }
  return added;
}

/**
 * A member out of a room's live traffic: their sockets leave its topic (a call seat there ends:
 * calls/routes), its entry leaves their room list, and a page of it left open says `why` (its
 * composer could only be refused: "No such room") and offers no call buttons (a join would be refused).
 */
export function detachMember(ctx: ChatContext, roomId: string, userId: string, why: string) {
  ctx.hub.unsubscribeUser(userId, topics.room(roomId));
  ctx.hub.publish(topics.user(userId), partial(`rl-${roomId}`, 'outerHTML', html``).value);
  ctx.hub.publish(topics.user(userId), partial(postingBannerId(roomId), 'innerHTML', postingBannerText(why)).value + partial(callStatusId(roomId), 'outerHTML', callStatusClosed(roomId)).value);
}

export const REMOVED_FROM_ROOM = 'You were removed from this room: new messages no longer reach you here, and you cannot post.';

export async function removeMember(ctx: ChatContext, actor: Actor, roomId: string, userId: string) {
  const room = await ctx.store.rooms.byId(roomId);
  const party = await frozenRoomParty(ctx, roomId);
  const removed = await ctx.store.rooms.removeMember(roomId, userId);
  if (removed) {
    // Safeguarding: a course that ended for them may turn their conversations with a minor read-only.
    if (room?.kind === 'course') await sharedCoursesEnded(ctx, [userId]);
    detachMember(ctx, roomId, userId, REMOVED_FROM_ROOM);
    await recordAudit(ctx.store, actor, 'room.remove_member', roomId, { userId });
    await roomPartyChanged(ctx, roomId, party);
  }
  return removed;
}

/** Sets a member's room role (owner, moderator, member). */
export async function setRoomRole(ctx: ChatContext, actor: Actor, roomId: string, userId: string, role: string) {
  if (!(ROOM_ROLES as readonly string[]).includes(role)) throw badRequest(`Unknown room role "${role}" (use owner, moderator or member).`);
  const before = await ctx.store.rooms.membership(roomId, userId);
  const party = await frozenRoomParty(ctx, roomId);
  if (!before || !(await ctx.store.rooms.setRole(roomId, userId, role as RoomRole))) throw notFound('That person is not a member of this room.');
  await recordAudit(ctx.store, actor, 'room.set_role', roomId, { userId, role });
  await roomPartyChanged(ctx, roomId, party);
  await leadChanged(ctx, roomId, userId);
  // A lecture's host is decided when joining: someone who stops (or starts) being the room's owner
  // rejoins with the seat the new role gives (on this node, like every call action).
  const user = await ctx.store.users.byId(userId);
  if (user && isLectureHost(user.role, before.role) !== isLectureHost(user.role, role)) {
    ctx.calls?.endUser(userId, { where: async (r) => r === roomId, why: 'Your role in this room changed: join the call again.' });
  }
}

/**
 * Archives (or restores) a room: members keep reading it, nobody can post (sendMessage refuses).
 * Members' room lists show it as archived on their next page load. An archived course room frees
 * its code for a new room (next session's); restoring it is refused while another room has it.
 */
export async function archiveRoom(ctx: ChatContext, actor: Actor, roomId: string, archived: boolean): Promise<Room> {
  const room = await ctx.store.rooms.byId(roomId);
  if (!room) throw notFound('No such room.');
  if (room.archived === archived) return room;
  let updated: Room;
  try {
    updated = (await ctx.store.rooms.update(roomId, { archived }))!;
  } catch (e) {
    // An archived course's code is free for next session's room; restoring needs it back.
    if (e instanceof DuplicateRoomError) throw conflict(`Another room now uses the code ${room.code}: archive that one before restoring this one.`);
    throw e;
  }
  await recordAudit(ctx.store, actor, archived ? 'room.archive' : 'room.unarchive', roomId, { code: room.code });
  // An archived room is read-only: its call ends too (the call bar is gone from its page).
  if (archived) ctx.calls?.endRoom(roomId, 'This room was archived: the call has ended.');
  // An archived course is shared by nobody: conversations it allowed with a minor may go read-only.
  if (archived && room.kind === 'course') await sharedCoursesEnded(ctx, (await ctx.store.rooms.members(roomId)).map((m) => m.userId));
  return updated;
}


/** Why `from` may not start a conversation with `to`, or null. */
export async function startRefusal(ctx: ChatContext, from: User, to: User): Promise<string | null> {
  // The sender's own block or restriction first: it refuses everyone alike, so the policy's answer
  // (which depends on who `to` is) is never shown to an account suspected of targeting minors.
  const sanctioned = await contactRefusal(ctx.store, from);
  if (sanctioned) return sanctioned;
  const d = canStartConversation(partyOf(from), partyOf(to), await ctx.store.rooms.shareRoom(from.id, to.id, ['course']));
  return d.ok ? null : d.reason;
}

/**
 * Throws why `from` may not start a conversation (or a group) with `to`. A refusal because `to` is
 * under 18 is audited `contact.refused`, filed under the minor (`via`: dm or group): it names no
 * age, but tried person by person it tells who is a minor, and an adult reaching for minors they
 * share nothing with is what safeguarding officers look for. The hourly budgets, taken before this,
 * bound the entries.
 */
export async function mayStart(ctx: ChatContext, actor: Actor, from: User, to: User, via: 'dm' | 'group') {
  const why = await startRefusal(ctx, from, to);
  if (!why) return;
  if (why === NOT_THIS_PERSON && isMinor(to)) await recordAudit(ctx.store, actor, 'contact.refused', to.id, { via });
  throw forbidden(why);
}

/** Opens (or returns the existing) direct conversation between two users. */
export async function startDm(ctx: ChatContext, user: User, otherId: string, origin = 'unknown'): Promise<Room> {
  const other = await ctx.store.users.byId(otherId);
  if (!other) throw notFound('No such person.');
  const dmKey = [user.id, other.id].sort().join(':');
  const existing = await ctx.store.rooms.byDmKey(dmKey);
  if (existing) return existing;
  // A new conversation lands in the other person's room list: at most 20 an hour (a mass mailing).
  // Taken before the policy is asked: its refusal says why (a minor's rules), so tries cost too.
  const wait = await ctx.roomLimiter.take(`dm:${user.id}`);
  if (wait > 0) throw rateLimited(`You have started or tried to start many conversations in a short time: try again in ${inMinutes(wait)}.`, wait);
  await mayStart(ctx, { userId: user.id, origin }, user, other, 'dm');
  try {
    const room = await ctx.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'dm', code: null, name: `${user.name} and ${other.name}`, topic: '', createdBy: user.id, dmKey }, [
      { userId: user.id, role: 'member' },
      { userId: other.id, role: 'member' },
    ]);
    await announceJoin(ctx, user.id, room.id);
    await announceJoin(ctx, other.id, room.id);
    return room;
  } catch (e) {
    if (e instanceof DuplicateRoomError) return (await ctx.store.rooms.byDmKey(dmKey))!; // raced with the other person
    throw e;
  }
}

/**
 * A room's name is shown to every member like a message, and stays when members are added later or
 * one turns out to be a minor: every group's and every lecturer's course room's name is screened,
 * whoever is in it (refusing only where a minor is would also tell the creator who is one). A name at
 * a hold threshold is refused, never stored (there is no message to hold), and the refusal is audited
 * with its labels, not its text.
 */
export async function screenRoomName(ctx: ChatContext, user: User, kind: 'group' | 'course', name: string) {
  const m = ctx.moderation;
  if (!m) return;
  // scored as a message sent in that room would be
  const held = m.classifier().classify(name, messageContext({ kind }, user)).hold;
  if (!held.length) return;
  await recordAudit(ctx.store, SYSTEM_ACTOR, 'moderation.name_refused', user.id, { kind, labels: held });
  throw badRequest(`This name cannot be used for a ${kind === 'group' ? 'group' : 'room'}: choose another.`);
}

const PEOPLE_PAGE = 50;
const PEOPLE_SCAN = 500;
const PEOPLE_SHOWN = 20;

/**
 * Active people matching `query` (at most 20) for `user` to message. A minor is offered only those
 * she may start a conversation with (staff, and students sharing a course: nothing about their
 * ages). An adult is offered everyone active, minors too, and the conversation's own check decides
 * (refused, budgeted and audited: startDm): leaving out the minors they share no course with told
 * any adult, free and unseen, who is under 18 (search a name seen on a members page: review s16).
 * A blocked or restricted user gets the refusal as an error (contactFilter).
 */
/**
 * Whose email address the people search shows `viewer` (ids): staff's (lecturers' and admins'
 * addresses are the university's directory), and students' she shares a course with (classmates,
 * whose addresses a group needs), all of them to an administrator. Any other student is shown by
 * name and role: with every active person offered to adults, the page listed any minor's
 * university address to any adult, a way to reach her around screening (review s17). The rule
 * does not depend on anyone's age, so what is shown says nothing of it.
 */
export async function emailsShown(ctx: ChatContext, viewer: User, people: User[]): Promise<Set<string>> {
  const shown = new Set<string>();
  for (const u of people) {
    if (viewer.role === 'admin' || u.role !== 'student' || (await ctx.store.rooms.shareRoom(viewer.id, u.id, ['course']))) shown.add(u.id);
  }
  return shown;
}

export async function findPeople(ctx: ChatContext, user: User, query: string) {
  const q = query.trim();
  if (q.length < 2) return [];
  const { refusal, allows } = await contactFilter(ctx.store, user);
  if (refusal) throw forbidden(refusal);
  const out: User[] = [];
  // Pages of matches until 20 may be messaged: on a big campus the first page can be all people the
  // policy refuses (minors without a shared course), with allowed ones further on. Bounded work.
  for (let offset = 0; offset < PEOPLE_SCAN && out.length < PEOPLE_SHOWN; offset += PEOPLE_PAGE) {
    const found = await ctx.store.users.list({ query: q, status: 'active', limit: PEOPLE_PAGE, offset });
    for (const u of found) {
      if (u.id === user.id || out.length >= PEOPLE_SHOWN || !allows(u)) continue;
      if (!isMinor(user)) {
        out.push(u);
        continue;
      }
      // The shared-course query only where the answer depends on it.
      const [from, to] = [partyOf(user), partyOf(u)];
      const allowed = canStartConversation(from, to, false).ok || (canStartConversation(from, to, true).ok && (await ctx.store.rooms.shareRoom(user.id, u.id, ['course'])));
      if (allowed) out.push(u);
    }
    if (found.length < PEOPLE_PAGE) break;
  }
  return out;
}
