/**
 * What sanctions in force stop someone doing. Checked by every path that lets a user put
 * something in front of others: sending and editing messages, uploading files, joining calls,
 * starting conversations. Reading is never stopped (read-only access during a hearing).
 *
 * - block: the account posts nowhere.
 * - restriction: the account posts nowhere a minor (other than itself) is a member, and starts
 *   no conversation with a minor.
 * - freeze: nobody posts in the room.
 *
 * A room's page says why its viewer cannot post there: posting-banner.ts.
 */
import { forbidden } from '../../errors';
import type { Room, Store, User } from '../../store/types';
import { isMinor, type Tightened } from '../accounts/model';
import { IN_FORCE } from './hearing';
import { minorIds, roomHasMinor } from './screen';
import type { ChatContext } from '../chat/context';
import { mayStillTalk, partyOf } from '../chat/policy';

export const REFUSALS = {
  frozen: 'This room is frozen by the safeguarding team: you can read it but not post.',
  blocked: 'Your account is blocked by the safeguarding team: you can read but not post. See your notice at /safeguarding.',
  restricted: 'Your account is restricted: you cannot post where students under 18 are until a safeguarding officer has reviewed it. See /safeguarding.',
  restrictedContact: 'Your account is restricted: you cannot start new conversations until a safeguarding officer has reviewed it. See /safeguarding.',
  noCourse: 'This conversation is read-only for you: you no longer share a course with someone in it, and one of you is under 18.',
} as const;

/** Whether the room is frozen now. */
export async function isFrozen(store: Store, roomId: string): Promise<boolean> {
  return (await store.sanctions.list({ roomId, kind: ['freeze'], status: IN_FORCE, limit: 1 })).length > 0;
}

/**
 * Why `user` may not post in `room` now, or null. `conversation: false` leaves out a conversation
 * gone read-only for want of a shared course (deleting one's own words is still allowed there).
 */
export async function postingRefusal(store: Store, user: Pick<User, 'id'>, room: Pick<Room, 'id'>, opts: { conversation?: boolean } = {}): Promise<string | null> {
  const [frozen, limit] = await Promise.all([isFrozen(store, room.id), accountLimit(store, user)]);
  if (frozen) return REFUSALS.frozen;
  if (limit === 'block') return REFUSALS.blocked;
  if (limit && (await roomHasMinor(store, room.id, user.id))) return REFUSALS.restricted;
  return opts.conversation === false ? null : conversationRefusal(store, user, room);
}

/**
 * A DM or group is read-only for a member who, with another member where one of the two is a minor,
 * could no longer start it (policy.ts mayStillTalk): the course they shared ended for one of them.
 * Course rooms are the course itself: never.
 */
export async function conversationRefusal(store: Store, user: Pick<User, 'id'>, room: Pick<Room, 'id'> & Partial<Pick<Room, 'kind'>>): Promise<string | null> {
  const kind = room.kind ?? (await store.rooms.byId(room.id))?.kind;
  if (kind !== 'dm' && kind !== 'group') return null;
  // Read in parallel (a post waits for this): the members' accounts, then the courses of the pairs with a minor.
  const [me, members] = await Promise.all([store.users.byId(user.id), store.rooms.members(room.id)]);
  if (!me) return null;
  const others = await store.users.byIds(members.filter((m) => m.userId !== me.id).map((m) => m.userId));
  const pairs = others.filter((o) => isMinor(me) || isMinor(o));
  const shared = await Promise.all(pairs.map((o) => store.rooms.shareRoom(me.id, o.id, ['course'])));
  return pairs.some((o, i) => !mayStillTalk(partyOf(me), partyOf(o), shared[i]!)) ? REFUSALS.noCourse : null;
}

export async function assertMayPost(store: Store, user: Pick<User, 'id'>, room: Pick<Room, 'id'>, opts: { conversation?: boolean } = {}): Promise<void> {
  const why = await postingRefusal(store, user, room, opts);
  if (why) throw forbidden(why);
}

/** The user's own block or restriction in force, if any (a block wins). */
export async function accountLimit(store: Store, user: Pick<User, 'id'>): Promise<'block' | 'restriction' | null> {
  const mine = await store.sanctions.list({ userId: user.id, kind: ['block', 'restriction'], status: IN_FORCE, limit: 10 });
  return mine.some((s) => s.kind === 'block') ? 'block' : mine.length ? 'restriction' : null;
}

/**
 * Members were just added to a room. When one of them is a minor, the room's call (on this node)
 * loses every member under a block or restriction, as when a restriction is imposed: a restricted
 * account is in no call where a minor (other than itself) is; joining again is refused (assertMayPost).
 * The store is asked only about those actually in the room's call.
 */
export async function endLimitedCallsForMinors(ctx: Pick<ChatContext, 'store' | 'calls'>, roomId: string, added: string[]): Promise<void> {
  const calls = ctx.calls;
  if (!calls || !added.length) return;
  const minors = await minorIds(ctx.store, roomId);
  if (!added.some((id) => minors.includes(id))) return;
  for (const m of await ctx.store.rooms.members(roomId)) {
    if (!minors.some((id) => id !== m.userId)) continue;
    calls.endUser(m.userId, {
      where: async (callRoom) => callRoom === roomId && (await accountLimit(ctx.store, { id: m.userId })) !== null,
      why: 'Your account is restricted: a student under 18 is now in this room.',
    });
  }
}

/**
 * Accounts just made minors (an admin's edit, an import): in each of their rooms, as if they had just
 * been added; and their conversations that a minor could not have started leave the call. (Their
 * rooms' history was screened before the write that made them minors: screen-history.ts.)
 */
export async function becameMinors(ctx: Pick<ChatContext, 'store' | 'calls'>, userIds: readonly string[]): Promise<void> {
  if (!ctx.calls) return;
  for (const id of userIds) for (const { room } of await ctx.store.rooms.listForUser(id)) await endLimitedCallsForMinors(ctx, room.id, [id]);
  // An adult's conversation with a course-mate could go on; with a minor, only while they share a course.
  await sharedCoursesEnded(ctx, userIds);
}

/**
 * A course these users shared with others ended for them (removed from it, the course archived, or
 * one of them became a minor): each DM or group of theirs in a call on this node loses the seats
 * of members it went read-only for (conversationRefusal), as joining it is now refused.
 */
export async function sharedCoursesEnded(ctx: Pick<ChatContext, 'store' | 'calls'>, userIds: readonly string[]): Promise<void> {
  if (!ctx.calls || !userIds.length) return;
  const store = ctx.store;
  ctx.calls.endSeats(
    {
      room: async (roomId) => {
        const room = await store.rooms.byId(roomId);
        if (room?.kind !== 'dm' && room?.kind !== 'group') return false;
        const members = await store.rooms.members(roomId);
        return members.some((m) => userIds.includes(m.userId));
      },
      user: async (roomId, userId) => (await conversationRefusal(store, { id: userId }, { id: roomId })) !== null,
    },
    REFUSALS.noCourse,
  );
}

/**
 * An admin's edit or an import tightened these accounts' contact rules: calls in rooms they are in
 * end for whoever may no longer be there (becameMinors), and their conversations that went
 * read-only (a demoted lecturer and a minor sharing no course) lose those seats.
 */
export async function contactTightened(ctx: Pick<ChatContext, 'store' | 'calls'>, c: Tightened): Promise<void> {
  if (c.minors.length) await becameMinors(ctx, c.minors);
  const rest = c.leftStaff.filter((id) => !c.minors.includes(id));
  if (rest.length) await sharedCoursesEnded(ctx, rest);
}

/** What an account limit says wherever it applies (a restriction: where a minor is). */
export const limitRefusal = (limit: 'block' | 'restriction' | null): string | null => (limit === 'block' ? REFUSALS.blocked : limit === 'restriction' ? REFUSALS.restricted : null);

/**
 * Why `user` may not start a conversation with anyone, or null. A restricted account starts none,
 * with anyone: refusing only minors (or leaving them out of people search) would tell the one
 * account suspected of targeting minors which students are under 18 (QA: "Message" on a course
 * room's people page was refused for exactly its minors). Its existing conversations go on under
 * the posting rules (postingRefusal).
 */
export async function contactRefusal(store: Store, user: Pick<User, 'id'>): Promise<string | null> {
  return limitContactRefusal(await accountLimit(store, user));
}

/**
 * Whom people search may offer to `user`: nobody while blocked or restricted (`refusal` says why;
 * see contactRefusal). Offering a "Message" button that can only be refused is a broken promise.
 */
export async function contactFilter(store: Store, user: Pick<User, 'id'>): Promise<{ refusal: string | null; allows: (u: User) => boolean }> {
  const refusal = limitContactRefusal(await accountLimit(store, user));
  return refusal ? { refusal, allows: () => false } : { refusal: null, allows: () => true };
}

const limitContactRefusal = (limit: 'block' | 'restriction' | null): string | null => (limit === 'block' ? REFUSALS.blocked : limit === 'restriction' ? REFUSALS.restrictedContact : null);
