import { describe, expect, test } from 'bun:test';
import { signedInClient as signedIn, testApp, type TestApp } from '../../testing';
import type { Room, RoomRole, User } from '../../store/types';
import { createChatContext } from './context';
import { addToGroup } from './groups';

const ADULT_DOB = '1990-05-17';
const MINOR_DOB = `${new Date().getUTCFullYear() - 12}-01-01`;

async function course(t: TestApp, code: string, members: [User, RoomRole][]): Promise<Room> {
  return t.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code, name: code, topic: '', createdBy: null, dmKey: null }, members.map(([u, role]) => ({ userId: u.id, role })));
}

async function setUp() {
  const t = await testApp();
  const okafor = await signedIn(t, 'okafor@unilag.edu.ng', 'Dr Okafor', 'lecturer');
  const ada = await signedIn(t, 'ada@unilag.edu.ng', 'Ada Obi', 'student', { dateOfBirth: ADULT_DOB });
  const bola = await signedIn(t, 'bola@unilag.edu.ng', 'Bola Ade', 'student', { dateOfBirth: ADULT_DOB });
  const tobi = await signedIn(t, 'tobi@unilag.edu.ng', 'Tobi Young', 'student', { dateOfBirth: MINOR_DOB });
  return { t, okafor, ada, bola, tobi };
}

const sanction = (t: TestApp, kind: 'block' | 'restriction' | 'freeze', target: { userId?: string; roomId?: string }) =>
  t.store.sanctions.create({ kind, userId: target.userId ?? null, roomId: target.roomId ?? null, caseIds: [], clause: 'SG-1', reason: 'test', evidence: '', actorId: null, deadline: Date.now() + 1e9 });

describe('people in a room: safeguarding and privacy', () => {
  test('two adds at once to one group are checked one after the other: a minor never lands beside an adult who may not contact her', async () => {
    const { t, okafor, ada, bola, tobi } = await setUp();
    // Ada shares a course with Tobi (a minor); Bola shares nothing with Tobi.
    await course(t, 'BIO101', [[ada.user, 'member'], [tobi.user, 'member']]);
    const made = await ada.client.post('/groups', { name: 'Project', emails: okafor.user.email });
    const id = made.headers.get('location')!.replace('/rooms/', '');
    // One at a time, the second add is refused (the group test in members.test.ts).
    const [a, b] = await Promise.all([
      ada.client.post(`/rooms/${id}/members`, { emails: tobi.user.email }),
      ada.client.post(`/rooms/${id}/members`, { emails: bola.user.email }),
    ]);
    const inGroup = (await t.store.rooms.members(id)).map((m) => m.userId);
    expect([a.status, b.status].filter((s) => s === 303).length).toBeLessThanOrEqual(1);
    expect(inGroup.includes(tobi.user.id) && inGroup.includes(bola.user.id)).toBe(false);
  });

  test('two nodes adding at once (their locks apart): the check again after the write takes a clashing add back', async () => {
    const { t, okafor, ada, bola, tobi } = await setUp();
    await course(t, 'BIO101', [[ada.user, 'member'], [tobi.user, 'member']]);
    const made = await ada.client.post('/groups', { name: 'Project', emails: okafor.user.email });
    const id = made.headers.get('location')!.replace('/rooms/', '');
    const other = createChatContext(t.store, t.hub, 'Africa/Lagos');
    const actor = { userId: ada.user.id, origin: '10.0.0.1', user: ada.user };
    const r = await Promise.allSettled([addToGroup(t.app.chat, actor, id, [tobi.user]), addToGroup(other, actor, id, [bola.user])]);
    const inGroup = (await t.store.rooms.members(id)).map((m) => m.userId);
    expect(inGroup.includes(tobi.user.id) && inGroup.includes(bola.user.id)).toBe(false);
    expect(r.filter((x) => x.status === 'rejected').length).toBeGreaterThanOrEqual(1);
  });

  test('the owner of a frozen group cannot remove members', async () => {
    const { t, okafor, ada, bola } = await setUp();
    const made = await ada.client.post('/groups', { name: 'Project', emails: `${okafor.user.email} ${bola.user.email}` });
    const id = made.headers.get('location')!.replace('/rooms/', '');
    await sanction(t, 'freeze', { roomId: id });
    const frozen = await ada.client.post(`/rooms/${id}/members/${bola.user.id}/remove`, { confirm: 'yes' });
    expect(frozen.status).toBe(403); // adding and appointing are refused in a frozen room; so should removing be
    expect(await t.store.rooms.membership(id, bola.user.id)).not.toBeNull();
  });

  test('a blocked group owner cannot remove members', async () => {
    const { t, okafor, ada, bola } = await setUp();
    const made = await ada.client.post('/groups', { name: 'Project', emails: `${okafor.user.email} ${bola.user.email}` });
    const id = made.headers.get('location')!.replace('/rooms/', '');
    await sanction(t, 'block', { userId: ada.user.id });
    const blocked = await ada.client.post(`/rooms/${id}/members/${bola.user.id}/remove`, { confirm: 'yes' });
    expect(blocked.status).toBe(403);
    expect(await t.store.rooms.membership(id, bola.user.id)).not.toBeNull();
  });

  test('the people page looks the same for a suspended classmate (Message is offered to all)', async () => {
    const { t, okafor, ada, bola } = await setUp();
    const csc = await course(t, 'CSC101', [[okafor.user, 'owner'], [ada.user, 'member'], [bola.user, 'member']]);
    const before = await (await ada.client.get(`/rooms/${csc.id}/members`)).text();
    expect(before).toContain(`aria-label="Message Bola Ade"`);
    await t.store.users.update(bola.user.id, { status: 'suspended' });
    const after = await (await ada.client.get(`/rooms/${csc.id}/members`)).text();
    // The page must look the same for a suspended classmate (members.ts: "a room must not tell a classmate who is ... suspended").
    expect(after).toContain(`aria-label="Message Bola Ade"`);
  });
});

describe('the people page\'s "done" line', () => {
  test('a done code that is an Object.prototype name (?done=__proto__, constructor, valueOf) is not treated as a message', async () => {
    const { t, okafor, ada } = await setUp();
    const csc = await course(t, 'CSC102', [[okafor.user, 'owner'], [ada.user, 'member']]);
    const statuses: Record<string, number> = {};
    const bodies: Record<string, string> = {};
    for (const done of ['__proto__', 'constructor', 'valueOf', 'toString']) {
      const r = await ada.client.get(`/rooms/${csc.id}/members?done=${done}&n=5`);
      statuses[done] = r.status;
      bodies[done] = await r.text();
    }
    expect(statuses).toEqual({ __proto__: 200, constructor: 200, valueOf: 200, toString: 200 } as Record<string, number>);
    for (const b of Object.values(bodies)) expect(b).not.toContain('<p class="notice" role="status">');
  });

  test('names only a member of the room: the page is no id-to-name lookup', async () => {
    const t = await testApp();
    const ada = await signedIn(t, 'ada@unilag.edu.ng', 'Ada Obi', 'student', { dateOfBirth: '1990-05-17' });
    const secret = await signedIn(t, 'kid@unilag.edu.ng', 'Kemi Secret', 'student', { dateOfBirth: '2014-01-01' });
    const room = await t.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'CSC101', name: 'CSC101', topic: '', createdBy: null, dmKey: null }, [{ userId: ada.user.id, role: 'member' }]);
    const page = await (await ada.client.get(`/rooms/${room.id}/members?done=removed&user=${secret.user.id}`)).text();
    expect(page).not.toContain('Kemi Secret');
  });
});
