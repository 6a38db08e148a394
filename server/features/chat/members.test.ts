import { describe, expect, test } from 'bun:test';
import { signedInClient as signedIn, testApp, type TestApp } from '../../testing';
import type { Room, RoomRole, User } from '../../store/types';
import { newUser } from '../../store/contract';

const ADULT_DOB = '1990-05-17';
const MINOR_DOB = `${new Date().getUTCFullYear() - 12}-01-01`;

async function course(t: TestApp, code: string, members: [User, RoomRole][]): Promise<Room> {
  return t.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code, name: `${code} <Intro>`, topic: '', createdBy: null, dmKey: null }, members.map(([u, role]) => ({ userId: u.id, role })));
}

async function setUp() {
  const t = await testApp();
  const okafor = await signedIn(t, 'okafor@unilag.edu.ng', 'Dr Okafor', 'lecturer');
  const ada = await signedIn(t, 'ada@unilag.edu.ng', 'Ada <b>Obi</b>', 'student', { dateOfBirth: ADULT_DOB });
  const bola = await signedIn(t, 'bola@unilag.edu.ng', 'Bola Ade', 'student', { dateOfBirth: ADULT_DOB });
  const tobi = await signedIn(t, 'tobi@unilag.edu.ng', 'Tobi Young', 'student', { dateOfBirth: MINOR_DOB });
  const csc = await course(t, 'CSC101', [[okafor.user, 'owner'], [ada.user, 'member'], [bola.user, 'member']]);
  return { t, okafor, ada, bola, tobi, csc };
}

const names = (page: string) => [...page.matchAll(/<li><span><strong>(.*?)<\/strong>/g)].map((m) => m[1]);

describe('GET /rooms/:id/members', () => {
  test('members see who is in the room, owner and moderators first, names escaped, no emails; others get 404', async () => {
    const { t, okafor, ada, bola, tobi, csc } = await setUp();
    await t.store.rooms.setRole(csc.id, bola.user.id, 'moderator');
    const room = await ada.client.get(`/rooms/${csc.id}`);
    expect(await room.text()).toContain(`<a class="hint members-link" href="/rooms/${csc.id}/members">3 members</a>`);
    const r = await ada.client.get(`/rooms/${csc.id}/members`);
    expect(r.status).toBe(200);
    const page = await r.text();
    expect(names(page)).toEqual(['Dr Okafor', 'Bola Ade', 'Ada &lt;b&gt;Obi&lt;/b&gt;']);
    expect(page).toContain('<h1>People in CSC101 &lt;Intro&gt;</h1>');
    expect(page).toContain('<span class="role-tag">Owner</span>');
    expect(page).toContain('<span class="role-tag">Moderator</span>');
    expect(page).toContain('(you)');
    expect(page).not.toContain('@unilag.edu.ng');
    // A student may message the others from here, but not appoint anyone.
    expect(page).toContain(`<input type="hidden" name="user" value="${okafor.user.id}">`);
    expect(page).not.toContain(`<input type="hidden" name="user" value="${ada.user.id}">`);
    expect(page).not.toContain('Make moderator');
    // Three people need no search box (a class does, below).
    expect(page).not.toContain('Find a member by name');
    expect((await tobi.client.get(`/rooms/${csc.id}/members`)).status).toBe(404);
    // Filter by name; a bad offset is refused.
    expect(names(await (await ada.client.get(`/rooms/${csc.id}/members?q=BOLA`)).text())).toEqual(['Bola Ade']);
    expect((await ada.client.get(`/rooms/${csc.id}/members?offset=-1`)).status).toBe(400);
  });

  test('a class of 250 is shown 100 at a time with next and previous links', async () => {
    const { t, okafor, csc } = await setUp();
    const made = Array.from({ length: 250 }, (_, i) => newUser({ email: `s${i}@unilag.edu.ng`, name: `Student ${String(i).padStart(3, '0')}`, dateOfBirth: ADULT_DOB }));
    await t.store.users.importBatch({ create: made, update: [] });
    const ids = made.map((u) => u.id);
    await t.store.rooms.addMembers(csc.id, ids.map((userId) => ({ userId, role: 'member' as const })));
    const first = await (await okafor.client.get(`/rooms/${csc.id}/members`)).text();
    expect(names(first)).toHaveLength(100);
    expect(first).toContain('Find a member by name');
    expect(first).toContain('253 members, 1–100 shown.');
    expect(first).toContain(`href="/rooms/${csc.id}/members?offset=100" rel="next"`);
    const last = await (await okafor.client.get(`/rooms/${csc.id}/members?offset=200`)).text();
    expect(names(last)).toHaveLength(53);
    expect(last).not.toContain('rel="next"');
    expect(last).toContain(`href="/rooms/${csc.id}/members?offset=100" rel="prev"`);
  });
});

describe('moderators', () => {
  test("the room's owner makes a member a moderator and back (audited); a moderator can then delete others' messages", async () => {
    const { t, okafor, ada, bola, csc } = await setUp();
    const page = await (await okafor.client.get(`/rooms/${csc.id}/members`)).text();
    expect(page).toContain(`aria-label="Make moderator: Bola Ade"`);
    const r = await okafor.client.post(`/rooms/${csc.id}/members/${bola.user.id}/role`, { role: 'moderator' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(`/rooms/${csc.id}/members?done=moderator&user=${bola.user.id}`);
    expect(await (await okafor.client.get(r.headers.get('location')!)).text()).toContain('Bola Ade is now a moderator of this room.');
    expect((await t.store.rooms.membership(csc.id, bola.user.id))!.role).toBe('moderator');
    expect((await t.store.audit.list({ action: 'room.set_role' }))[0]).toMatchObject({ actorId: okafor.user.id, target: csc.id, details: { userId: bola.user.id, role: 'moderator' } });
    // The new moderator's room page lets them remove messages.
    expect(await (await bola.client.get(`/rooms/${csc.id}`)).text()).toContain('data-can-moderate="true"');
    expect(await (await okafor.client.post(`/rooms/${csc.id}/members/${bola.user.id}/role`, { role: 'member' })).headers.get('location')).toBe(`/rooms/${csc.id}/members?done=member&user=${bola.user.id}`);
    expect((await t.store.rooms.membership(csc.id, bola.user.id))!.role).toBe('member');
    void ada;
  });

  test('refused: a student appointing, an owner demoted here, a non-member, a bad role, an archived room', async () => {
    const { t, okafor, ada, bola, tobi, csc } = await setUp();
    const student = await ada.client.post(`/rooms/${csc.id}/members/${bola.user.id}/role`, { role: 'moderator' });
    expect(student.status).toBe(403);
    expect(await student.text()).toContain("Only the room&#39;s owner can choose its moderators.");
    expect((await t.store.rooms.membership(csc.id, bola.user.id))!.role).toBe('member');
    await t.store.rooms.setRole(csc.id, ada.user.id, 'owner');
    const owner = await okafor.client.post(`/rooms/${csc.id}/members/${ada.user.id}/role`, { role: 'member' });
    expect(owner.status).toBe(400);
    expect((await t.store.rooms.membership(csc.id, ada.user.id))!.role).toBe('owner');
    expect((await okafor.client.post(`/rooms/${csc.id}/members/${tobi.user.id}/role`, { role: 'moderator' })).status).toBe(404);
    expect((await okafor.client.post(`/rooms/${csc.id}/members/${bola.user.id}/role`, { role: 'owner' })).status).toBe(400);
    expect((await tobi.client.post(`/rooms/${csc.id}/members/${bola.user.id}/role`, { role: 'moderator' })).status).toBe(404);
    await t.store.rooms.update(csc.id, { archived: true });
    expect((await okafor.client.post(`/rooms/${csc.id}/members/${bola.user.id}/role`, { role: 'moderator' })).status).toBe(403);
    expect(await t.store.audit.list({ action: 'room.set_role' })).toEqual([]);
  });
});

describe('groups: the owner adds and removes people', () => {
  async function group(s: Awaited<ReturnType<typeof setUp>>) {
    const made = await s.ada.client.post('/groups', { name: 'Project', emails: s.bola.user.email });
    return made.headers.get('location')!.replace('/rooms/', '');
  }

  test('adds by email (audited, in the new member’s room list), removes a member; only the owner sees the controls', async () => {
    const s = await setUp();
    const { t, ada, bola, okafor } = s;
    const id = await group(s);
    const page = await (await ada.client.get(`/rooms/${id}/members`)).text();
    expect(page).toContain('Add to group');
    expect(page).toContain(`aria-label="Remove Bola Ade from the group"`);
    expect(await (await bola.client.get(`/rooms/${id}/members`)).text()).not.toContain('Add to group');
    const r = await ada.client.post(`/rooms/${id}/members`, { emails: `${okafor.user.email.toUpperCase()}, ${bola.user.email}` });
    expect(r.headers.get('location')).toBe(`/rooms/${id}/members?done=added&n=1`);
    expect(await (await ada.client.get(r.headers.get('location')!)).text()).toContain('One person was added to the group.');
    expect((await t.store.rooms.listForUser(okafor.user.id)).map((x) => x.room.id)).toContain(id);
    expect((await t.store.audit.list({ action: 'room.add_members' }))[0]).toMatchObject({ actorId: ada.user.id, target: id, details: { userIds: [okafor.user.id] } });
    // Already in: said so, nothing added.
    const again = await ada.client.post(`/rooms/${id}/members`, { emails: bola.user.email });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('They are already in this group.');
    // A member (not the owner) cannot add or remove.
    expect((await bola.client.post(`/rooms/${id}/members`, { emails: okafor.user.email })).status).toBe(403);
    expect((await bola.client.post(`/rooms/${id}/members/${okafor.user.id}/remove`, { confirm: 'yes' })).status).toBe(403);
    // Asked first; nothing happens until confirmed.
    const ask = await ada.client.post(`/rooms/${id}/members/${bola.user.id}/remove`, { confirm: 'no' });
    expect(ask.status).toBe(200);
    expect(await ask.text()).toContain('<h1>Remove Bola Ade from Project?</h1>');
    expect(await t.store.rooms.membership(id, bola.user.id)).not.toBeNull();
    const removed = await ada.client.post(`/rooms/${id}/members/${bola.user.id}/remove`, { confirm: 'yes' });
    expect(removed.headers.get('location')).toBe(`/rooms/${id}/members?done=removed`);
    expect(await t.store.rooms.membership(id, bola.user.id)).toBeNull();
    expect((await bola.client.get(`/rooms/${id}/members`)).status).toBe(404);
    expect((await t.store.audit.list({ action: 'room.remove_member' }))[0]).toMatchObject({ actorId: ada.user.id, details: { userId: bola.user.id } });
    const self = await ada.client.post(`/rooms/${id}/members/${ada.user.id}/remove`, { confirm: 'yes' });
    expect(self.status).toBe(400);
  });

  test('safeguarding: a minor cannot be added where a member may not talk to them; unknown emails are named; course rooms take no adds', async () => {
    const s = await setUp();
    const { t, ada, tobi, csc } = s;
    const id = await group(s);
    const minor = await ada.client.post(`/rooms/${id}/members`, { emails: tobi.user.email });
    expect(minor.status).toBe(400);
    expect(await minor.text()).toContain(`You cannot add ${tobi.user.email}: no account with that address is someone you can message.`);
    expect(await t.store.rooms.membership(id, tobi.user.id)).toBeNull();
    // Ada shares a course with Tobi and may message her; Bola, in the group, may not: still refused.
    await course(t, 'BIO101', [[ada.user, 'member'], [tobi.user, 'member']]);
    const introduced = await ada.client.post(`/rooms/${id}/members`, { emails: tobi.user.email });
    expect(introduced.status).toBe(403);
    expect(await introduced.text()).toContain('Some of these people cannot be in a group together.');
    expect(await t.store.rooms.membership(id, tobi.user.id)).toBeNull();
    // the try is audited against the group, with everyone it would have brought together
    const tried = await t.store.audit.list({ action: 'group.members_refused' });
    expect(tried).toHaveLength(1);
    expect(tried[0]).toMatchObject({ actorId: ada.user.id, target: id });
    expect(tried[0]!.details.memberIds).toContain(tobi.user.id);
    const ghost = await ada.client.post(`/rooms/${id}/members`, { emails: 'ghost@unilag.edu.ng' });
    expect(ghost.status).toBe(400);
    expect(await ghost.text()).toContain('You cannot add ghost@unilag.edu.ng: no account with that address is someone you can message.');
    await t.store.rooms.setRole(csc.id, ada.user.id, 'owner');
    expect((await ada.client.post(`/rooms/${csc.id}/members`, { emails: tobi.user.email })).status).toBe(400);
    expect(await t.store.rooms.membership(csc.id, tobi.user.id)).toBeNull();
  });

  test('someone who left cannot be added back (the leave page promises it); a refused add keeps what was typed; a malformed address is named as such', async () => {
    const s = await setUp();
    const { t, ada, bola, okafor } = s;
    const id = await group(s);
    await bola.client.post(`/rooms/${id}/leave`, {});
    const back = await ada.client.post(`/rooms/${id}/members`, { emails: `${bola.user.email}\n${okafor.user.email}` });
    expect(back.status).toBe(403);
    const page = await back.text();
    expect(page).toContain('Bola Ade left this group and cannot be added back. You can start a new group with them.');
    expect(page).toContain(`>${bola.user.email}\n${okafor.user.email}</textarea>`);
    expect(await t.store.rooms.membership(id, bola.user.id)).toBeNull();
    expect(await t.store.rooms.membership(id, okafor.user.id)).toBeNull();
    const typo = await ada.client.post(`/rooms/${id}/members`, { emails: 'typo@@unilag, okafor@unilag' });
    expect(typo.status).toBe(400);
    expect(await typo.text()).toContain('Not an email address: typo@@unilag, okafor@unilag.');
  });

  test('a group holds at most 20 people', async () => {
    const s = await setUp();
    const id = await group(s);
    const emails = [];
    for (let i = 0; i < 19; i++) emails.push((await s.t.store.users.create(newUser({ email: `g${i}@unilag.edu.ng`, dateOfBirth: ADULT_DOB }))).email);
    const r = await s.ada.client.post(`/rooms/${id}/members`, { emails: emails.join('\n') });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain('Groups can have at most 20 people; this one has 2.');
    expect(await s.t.store.rooms.members(id)).toHaveLength(2);
  });
});
