/**
 * Groups: small conversations anyone may start with people they may message (policy.ts), which
 * their members may leave. A course room follows the class list (administrators) and a direct
 * conversation stays between its two people, so neither can be left.
 */
import { badRequest, forbidden, inMinutes, notFound, rateLimited } from '../../errors';
import type { Room, User } from '../../store/types';
import { recordAudit, SYSTEM_ACTOR, type Actor } from '../audit/record';
import { isMinor } from '../accounts/model';
import { assertMayPost, contactRefusal } from '../moderation/restrictions';
import type { ChatContext } from './context';
import { memberRoom } from './messages';
import { MAX_GROUP_MEMBERS, mayStillTalk, NOT_THIS_PERSON, partyOf } from './policy';
import { addMembers, announceJoin, detachMember, mayStart, removeMember, screenRoomName, startRefusal } from './rooms';
import { KeyedLock } from '../../lib/keyed-lock';
import { frozenRoomParty, roomPartyChanged } from '../moderation/notices';

/** A small group conversation; the creator must be allowed to start a conversation with each member. */
export async function createGroup(ctx: ChatContext, user: User, input: { name: string; memberIds: string[] }, origin = 'unknown'): Promise<Room> {
  const name = input.name.trim();
  if (!name || name.length > 100) throw badRequest('Give the group a name of at most 100 characters.');
  const ids = [...new Set(input.memberIds.filter((id) => id !== user.id))];
  if (!ids.length) throw badRequest('Add at least one other person.');
  if (ids.length + 1 > MAX_GROUP_MEMBERS) throw badRequest(`Groups can have at most ${MAX_GROUP_MEMBERS} people.`);
  const others = await Promise.all(ids.map((id) => ctx.store.users.byId(id)));
  if (others.some((o) => !o)) throw notFound('No such person.');
  // Each group lands in every member's room list at once, and stays: without a budget one person
  // could put another in sixty groups in a burst (a security review's proof). Taken before the
  // policy is asked, so a refusal costs a try too (see mayMeet).
  await takeGroupBudget(ctx, user);
  for (const o of others as User[]) await mayStart(ctx, { userId: user.id, origin }, user, o, 'group');
  await mayMeet(ctx, { userId: user.id, origin }, user.id, others as User[]);
  await screenRoomName(ctx, user, 'group', name);
  const room = await ctx.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'group', code: null, name, topic: '', createdBy: user.id, dmKey: null }, [
    { userId: user.id, role: 'owner' },
    ...ids.map((userId) => ({ userId, role: 'member' as const })),
  ]);
  for (const id of [user.id, ...ids]) await announceJoin(ctx, id, room.id);
  return room;
}

/**
 * A group puts its members in contact with each other, not only with its creator: every two of them
 * where one is a minor must be allowed to talk (policy.ts mayStillTalk: either could start a
 * conversation with the other, as for an existing conversation), and neither may be barred from
 * contact with minors (a restriction or block). Otherwise a course-mate of a minor could introduce
 * her to an adult student who shares nothing with her (staff she may message anyway). The refusal
 * names nobody (it would tell the creator who is a minor).
 */
async function mayMeet(ctx: ChatContext, actor: Actor, target: string, members: User[]) {
  for (let i = 0; i < members.length; i++) {
    for (let j = i + 1; j < members.length; j++) {
      const [a, b] = [members[i]!, members[j]!];
      if (!isMinor(a) && !isMinor(b)) continue;
      const ok = mayStillTalk(partyOf(a), partyOf(b), await ctx.store.rooms.shareRoom(a.id, b.id, ['course']));
      if (!ok || (await contactRefusal(ctx.store, a)) || (await contactRefusal(ctx.store, b))) {
        // Even naming nobody, the refusal says "a minor is among these people": tried pair by pair,
        // it tells who. So each try costs the group budget (taken before this) and is audited with
        // whom it tried to bring together, for the safeguarding team to see such probing.
        await recordAudit(ctx.store, actor, 'group.members_refused', target, { memberIds: members.map((m) => m.id), minorIds: members.filter((m) => isMinor(m)).map((m) => m.id) });
        throw forbidden('Some of these people cannot be in a group together. A group can bring together only people who may message each other.');
      }
    }
  }
}

/** One try from the hourly budget that new groups and adds to a group share. */
async function takeGroupBudget(ctx: ChatContext, user: User) {
  const wait = await ctx.roomLimiter.take(`group:${user.id}`);
  if (wait > 0) throw rateLimited(`You have started, added to or tried to start many groups in a short time: try again in ${inMinutes(wait)}.`, wait);
}

/**
 * People named by email (one per line, or separated by commas, semicolons or spaces) whom `user`
 * may start a conversation with. An address nobody has, a suspended account's and a minor's the
 * policy keeps from `user` get one and the same answer: "you may not message this person" next to
 * "no such account" told any adult which typed addresses (easy to guess from matriculation numbers)
 * belong to students under 18 (review s15). Where every student has an account "no such account"
 * says it all the same, so each address refused also costs a try of the group budget (whatever the
 * reason: the cost says nothing either), and a minor refused is audited `contact.refused` (via group),
 * filed under her, as a refused conversation is (rooms.ts mayStart; review s16). Oneself passes
 * (a group's creator is left out of its members; an owner is already in the group).
 */
export async function contactsByEmails(ctx: ChatContext, actor: Actor & { user: User }, text: string): Promise<User[]> {
  const user = actor.user;
  const emails = [...new Set(text.split(/[\s,;]+/).filter(Boolean).map((e) => e.toLowerCase()))];
  if (emails.length > 50) throw badRequest('Too many emails.');
  const malformed = emails.filter((e) => !/^[^@]+@[^@]+\.[^@]+$/.test(e));
  if (malformed.length) throw badRequest(`Not an email address: ${malformed.join(', ')}.`);
  // A block or restriction refuses everyone alike, before any address is looked at (rooms.ts mayStart).
  const sanctioned = await contactRefusal(ctx.store, user);
  if (sanctioned) throw forbidden(sanctioned);
  const users = await ctx.store.users.byEmails(emails);
  const unreachable: string[] = [];
  const minors: string[] = [];
  for (const e of emails) {
    const u = users.find((x) => x.emailLower === e);
    const why = u && u.id !== user.id ? await startRefusal(ctx, user, u) : null;
    if (!u || why) unreachable.push(e);
    if (u && why === NOT_THIS_PERSON && isMinor(u)) minors.push(u.id);
  }
  if (!unreachable.length) return users;
  // Every refused address costs a try, taken before any is named or audited: one try for the whole
  // list sorted 50 guessed addresses a time, 1,000 an hour (review s17). Out of tries, the answer
  // names none, and audits stay within the budget (at most one entry per try).
  for (let i = 0; i < unreachable.length; i++) await takeGroupBudget(ctx, user);
  for (const id of minors) await recordAudit(ctx.store, actor, 'contact.refused', id, { via: 'group' });
  throw badRequest(unreachableText(unreachable));
}

export const unreachableText = (emails: string[]) =>
  emails.length === 1
    ? `You cannot add ${emails[0]}: no account with that address is someone you can message.`
    : `You cannot add ${emails.join(', ')}: no accounts with those addresses are people you can message.`;

/**
 * The group's owner adds people, on the rules a new group has: the owner may start a conversation
 * with each (policy, sanctions), all the members may be together (mayMeet, the old ones included:
 * a newcomer may be the minor), at most MAX_GROUP_MEMBERS, and the same hourly budget as new
 * groups (an add lands in the person's room list like a new group). A minor who joins reads the
 * history screened first (addMembers). Returns the names of those added.
 */
export async function addToGroup(ctx: ChatContext, actor: Actor & { user: User }, roomId: string, people: User[]): Promise<string[]> {
  // One add per group at a time (on this node): each add checks "may all these people be together"
  // against the members it read, so two adds at once (a minor in one, an adult who may not contact
  // her in the other) each passed alone and both landed (review s14). Across nodes, see the re-check.
  let lock = groupAdds.get(ctx);
  if (!lock) groupAdds.set(ctx, (lock = new KeyedLock()));
  return lock.run(roomId, () => addToGroupLocked(ctx, actor, roomId, people));
}

/** Per chat context, i.e. per node (a test builds two contexts on one store to play two nodes). */
const groupAdds = new WeakMap<ChatContext, KeyedLock>();

async function addToGroupLocked(ctx: ChatContext, actor: Actor & { user: User }, roomId: string, people: User[]): Promise<string[]> {
  const user = actor.user;
  const { room, membership } = await memberRoom(ctx, user, roomId);
  if (room.kind !== 'group') throw badRequest('Only groups take new members this way: a course room follows the class list.');
  if (room.archived || membership.role !== 'owner') throw forbidden("Only the group's owner can add people.");
  await assertMayPost(ctx.store, user, room);
  const current = await ctx.store.rooms.members(room.id);
  const fresh = people.filter((p) => !current.some((m) => m.userId === p.id));
  if (!fresh.length) throw badRequest(people.length ? 'They are already in this group.' : 'Add at least one person.');
  if (current.length + fresh.length > MAX_GROUP_MEMBERS) throw badRequest(`Groups can have at most ${MAX_GROUP_MEMBERS} people; this one has ${current.length}.`);
  // Leaving is for good: the leave page promises nobody can add you back (a student leaving to get
  // away from someone was added back at once: QA). Someone who left can join a new group.
  for (const p of fresh) {
    if ((await ctx.store.audit.list({ action: 'room.leave', target: room.id, actorId: p.id, limit: 1 })).length) {
      throw forbidden(`${p.name} left this group and cannot be added back. You can start a new group with them.`);
    }
  }
  await takeGroupBudget(ctx, user);
  for (const p of fresh) await mayStart(ctx, actor, user, p, 'group');
  const old = await ctx.store.users.byIds(current.map((m) => m.userId));
  await mayMeet(ctx, actor, room.id, [...old, ...fresh]);
  const added = new Set(await addMembers(ctx, actor, room.id, fresh.map((p) => ({ userId: p.id, role: 'member' as const }))));
  // Another node may have added someone meanwhile (its lock is not ours): checked again against who
  // is in the group now, and on a clash this add is taken back (audited removals). Both crossing adds
  // may be taken back: the safe side. The window is the time between the two writes.
  try {
    // Refused, it is the owner's try that is audited (group.members_refused); the taking back is the system's.
    await mayMeet(ctx, actor, room.id, await ctx.store.users.byIds((await ctx.store.rooms.members(room.id)).map((m) => m.userId)));
  } catch (e) {
    for (const id of added) await removeMember(ctx, SYSTEM_ACTOR, room.id, id);
    throw e;
  }
  return fresh.filter((p) => added.has(p.id)).map((p) => p.name);
}

export const LEFT_GROUP = 'You left this group: new messages no longer reach you here.';

/**
 * The member leaves the group: out of its live traffic at once (detachMember; her other open pages
 * of it say so), audited (who was in a conversation with whom matters to safeguarding). An owner
 * who leaves hands the group to the member who joined it first; the last one out archives it.
 */
export async function leaveGroup(ctx: ChatContext, user: User, roomId: string, origin = 'unknown'): Promise<void> {
  const { room, membership } = await memberRoom(ctx, user, roomId);
  if (room.kind !== 'group') throw badRequest('Only groups can be left: a course room follows the class list, and a direct conversation stays between you two.');
  const party = await frozenRoomParty(ctx, room.id);
  if (!(await ctx.store.rooms.removeMember(room.id, user.id))) return; // left meanwhile (another tab)
  detachMember(ctx, room.id, user.id, LEFT_GROUP);
  const rest = (await ctx.store.rooms.members(room.id)).sort((a, b) => a.joinedAt - b.joinedAt);
  let owner: string | null = null;
  if (membership.role === 'owner' && rest.length && !rest.some((m) => m.role === 'owner')) await ctx.store.rooms.setRole(room.id, (owner = rest[0]!.userId), 'owner');
  if (!rest.length) await ctx.store.rooms.update(room.id, { archived: true });
  await recordAudit(ctx.store, { userId: user.id, origin }, 'room.leave', room.id, { ...(owner ? { ownerNow: owner } : {}), ...(rest.length ? {} : { archived: true }) });
  await roomPartyChanged(ctx, room.id, party);
}
