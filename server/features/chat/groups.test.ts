/**
 * Groups: members may leave one (an owner hands it on, the last one out archives it), course rooms
 * and direct conversations cannot be left, and starting conversations has a budget (a security
 * review put one student's victim in sixty groups in a burst).
 */
import { describe, expect, test } from 'bun:test';
import { expectAppError, makePerson, testApp } from '../../testing';
import { topics } from '../../realtime/topics';
import type { HubSocket } from '../../realtime/hub';
import { createChatContext } from './context';
import { createGroup, LEFT_GROUP, leaveGroup } from './groups';
import { startDm } from './rooms';

const ADULT = { dateOfBirth: '1990-05-17' };

async function setUp() {
  const t = await testApp();
  const ctx = createChatContext(t.store, t.hub, 'Africa/Lagos');
  const [ada, bola, chidi] = await Promise.all(['ada', 'bola', 'chidi'].map((n) => makePerson(t.store, `${n}@unilag.edu.ng`, n, 'student', ADULT)));
  return { ...t, ctx, ada: ada!, bola: bola!, chidi: chidi! };
}

function socketOf(userId: string) {
  const subs = new Set<string>();
  const s: HubSocket = { id: `s-${userId}`, userId, subscribe: (t) => void subs.add(t), unsubscribe: (t) => void subs.delete(t), send() {}, close() {} };
  return { s, subs };
}

describe('leaving a group', () => {
  test('a member leaves: out of its traffic and room list at once, her open pages say so, audited; the others stay', async () => {
    const { ctx, hub, store, ada, bola, chidi } = await setUp();
    const room = await createGroup(ctx, ada, { name: 'Project team', memberIds: [bola.id, chidi.id] });
    const b = socketOf(bola.id);
    hub.register(b.s);
    hub.subscribeUser(bola.id, topics.room(room.id));
    hub.log.length = 0;
    await leaveGroup(ctx, bola, room.id);
    expect(await store.rooms.membership(room.id, bola.id)).toBeNull();
    expect(b.subs.has(topics.room(room.id))).toBe(false);
    const pushed = hub.log.filter((e) => e.topic === topics.user(bola.id)).map((e) => e.data).join('');
    expect(pushed).toContain(`<hx-partial hx-target="#rl-${room.id}" hx-swap="outerHTML"></hx-partial>`);
    expect(pushed).toContain(LEFT_GROUP);
    expect(pushed).toContain('data-closed="true"');
    expect((await store.rooms.members(room.id)).map((m) => m.userId).sort()).toEqual([ada.id, chidi.id].sort());
    expect((await store.audit.list({ action: 'room.leave' }))[0]).toMatchObject({ actorId: bola.id, target: room.id, details: {} });
    // Gone for her: a second leave or a post is "No such room".
    expect((await expectAppError(leaveGroup(ctx, bola, room.id))).kind).toBe('not_found');
  });

  test('the owner leaving hands the group to the member who joined first; the last one out archives it', async () => {
    const { ctx, store, ada, bola, chidi } = await setUp();
    const room = await createGroup(ctx, ada, { name: 'Study', memberIds: [bola.id, chidi.id] });
    await leaveGroup(ctx, ada, room.id);
    const roles = Object.fromEntries((await store.rooms.members(room.id)).map((m) => [m.userId, m.role]));
    const first = (await store.rooms.members(room.id)).sort((a, b) => a.joinedAt - b.joinedAt)[0]!.userId;
    expect(roles[first]).toBe('owner');
    expect(Object.values(roles).filter((r) => r === 'owner')).toHaveLength(1);
    expect((await store.audit.list({ action: 'room.leave' }))[0]!.details).toEqual({ ownerNow: first });
    await leaveGroup(ctx, bola, room.id);
    await leaveGroup(ctx, chidi, room.id);
    expect((await store.rooms.byId(room.id))!.archived).toBe(true);
    const leaves = (await store.audit.list({ action: 'room.leave' })).sort((a, b) => a.seq - b.seq);
    expect(leaves).toHaveLength(3);
    expect(leaves[2]!.details).toEqual({ archived: true });
  });

  test('a course room or a direct conversation cannot be left', async () => {
    const { ctx, store, ada, bola } = await setUp();
    const dm = await startDm(ctx, ada, bola.id);
    const e = await expectAppError(leaveGroup(ctx, ada, dm.id));
    expect(e.message).toBe('Only groups can be left: a course room follows the class list, and a direct conversation stays between you two.');
    const course = await store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'CSC101', name: 'CSC101', topic: '', createdBy: null, dmKey: null }, [{ userId: ada.id, role: 'member' }]);
    expect((await expectAppError(leaveGroup(ctx, ada, course.id))).kind).toBe('bad_request');
    expect(await store.rooms.membership(course.id, ada.id)).not.toBeNull();
  });
});

describe('starting conversations has a budget: 20 groups and 20 new direct conversations an hour', () => {
  test('the 21st group in an hour is refused, saying when to try again', async () => {
    const { ctx, ada, bola } = await setUp();
    for (let i = 0; i < 20; i++) await createGroup(ctx, ada, { name: `Group ${i}`, memberIds: [bola.id] });
    const e = await expectAppError(createGroup(ctx, ada, { name: 'One more', memberIds: [bola.id] }));
    expect(e.kind).toBe('rate_limited');
    expect(e.message).toMatch(/^You have started, added to or tried to start many groups in a short time: try again in \d+ minutes\.$/);
  });

  test('the 21st new direct conversation is refused; one that exists still opens', async () => {
    const { store, ctx, ada, bola } = await setUp();
    const first = await startDm(ctx, ada, bola.id);
    for (let i = 0; i < 19; i++) await startDm(ctx, ada, (await makePerson(store, `p${i}@unilag.edu.ng`, `P ${i}`, 'student', ADULT)).id);
    const stranger = await makePerson(store, 'q@unilag.edu.ng', 'Q', 'student', ADULT);
    expect((await expectAppError(startDm(ctx, ada, stranger.id))).message).toMatch(/^You have started or tried to start many conversations in a short time: try again in \d+ minutes\.$/);
    expect((await startDm(ctx, ada, bola.id)).id).toBe(first.id);
  });

  // A refusal says something about the person asked for (a minor's rules): free tries, pair by pair
  // or person by person, told any adult who among her course-mates is under 18 (review s15).
  test('refused tries cost the budget too: groups whose people may not meet, and conversations the policy refuses', async () => {
    const { store, ctx, ada, bola, chidi } = await setUp();
    const minor = await makePerson(store, 'kid@unilag.edu.ng', 'Kid', 'student', { dateOfBirth: '2011-01-01' });
    // Ada shares a course with the minor, Bola does not: the two may not be put together
    await store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'CSC100', name: 'CSC100', topic: '', createdBy: null, dmKey: null }, [
      { userId: ada.id, role: 'member' },
      { userId: minor.id, role: 'member' },
    ]);
    for (let i = 0; i < 20; i++) {
      expect((await expectAppError(createGroup(ctx, ada, { name: `Try ${i}`, memberIds: [minor.id, bola.id] }))).kind).toBe('forbidden');
    }
    expect((await expectAppError(createGroup(ctx, ada, { name: 'Allowed', memberIds: [chidi.id] }))).kind).toBe('rate_limited');
    // each refused try is audited with whom it tried to bring together
    const refused = await store.audit.list({ action: 'group.members_refused' });
    expect(refused).toHaveLength(20);
    expect(refused[0]).toMatchObject({ actorId: ada.id, target: ada.id });
    expect(new Set(refused[0]!.details.memberIds as string[])).toEqual(new Set([minor.id, bola.id]));
    expect(refused[0]!.details.minorIds).toEqual([minor.id]);
    // Bola may not start a conversation with the minor: each refusal costs a try of the DM budget,
    // and is filed under the minor for the safeguarding team
    for (let i = 0; i < 20; i++) expect((await expectAppError(startDm(ctx, bola, minor.id))).kind).toBe('forbidden');
    expect((await expectAppError(startDm(ctx, bola, chidi.id))).kind).toBe('rate_limited');
    const tried = await store.audit.list({ action: 'contact.refused', target: minor.id });
    expect(tried).toHaveLength(20);
    expect(tried[0]).toMatchObject({ actorId: bola.id, details: { via: 'dm' } });
    // a group naming the minor directly is refused person by person, audited the same way
    expect((await expectAppError(createGroup(ctx, bola, { name: 'Study', memberIds: [minor.id] }))).kind).toBe('forbidden');
    expect(await store.audit.list({ action: 'contact.refused', target: minor.id })).toHaveLength(21);
    // a refusal that says nothing about a minor is not filed (Ada may not message herself)
    expect(await store.audit.list({ action: 'contact.refused', actorId: ada.id })).toEqual([]);
  });
});
