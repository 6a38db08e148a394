import { describe, expect, test } from 'bun:test';
import { Client, makeUser } from '../../testing';
import { CLI_ACTOR } from '../audit/record';
import { addMembers, createCourseRoom } from '../chat/rooms';
import { PASSWORD, adminSetup, auditActions, fakeSocket } from './test-support';

const codeIn = (page: string) => /<code id="login-code">([^<]+)<\/code>/.exec(page)?.[1];

describe('admin portal: users', () => {
  test('search filters by text, role, status, minor flag and course', async () => {
    const t = await adminSetup();
    await t.store.users.update(t.student.id, { dateOfBirth: '2010-01-01' });
    const room = await createCourseRoom(t.app.chat, { ...CLI_ACTOR, user: null }, { code: 'MTH101', name: 'Maths' });
    await addMembers(t.app.chat, CLI_ACTOR, room.id, [{ userId: t.lecturer.id, role: 'owner' }]);
    const emails = async (q: string) => [...(await (await t.admin.get(`/admin/users${q}`)).text()).matchAll(/<td>([^<@]+@unilag\.edu\.ng)<\/td>/g)].map((m) => m[1]);
    expect(await emails('')).toEqual(['ada@unilag.edu.ng', 'admin@unilag.edu.ng', 'lect@unilag.edu.ng']);
    expect(await emails('?q=LECT')).toEqual(['lect@unilag.edu.ng']);
    expect(await emails('?role=admin')).toEqual(['admin@unilag.edu.ng']);
    expect(await emails('?minor=yes')).toEqual(['ada@unilag.edu.ng']);
    expect(await emails('?minor=no&role=student')).toEqual([]);
    expect(await emails('?course=mth101')).toEqual(['lect@unilag.edu.ng']);
    // A help desk is given a matriculation number (QA): found by it, alone or within a course.
    await t.store.users.update(t.lecturer.id, { matricNo: 'SP/190401004' });
    expect(await emails('?q=190401004')).toEqual(['lect@unilag.edu.ng']);
    expect(await emails('?q=sp/1904&course=MTH101')).toEqual(['lect@unilag.edu.ng']);
    // Who has not signed in yet (a credentials sheet lost before it was handed out: reset them).
    await t.store.users.update(t.student.id, { mustSetPassword: true });
    await t.store.users.update(t.lecturer.id, { mustSetPassword: false });
    expect(await emails('?pending=yes')).toEqual(['ada@unilag.edu.ng']);
    expect(await emails('?pending=yes&course=MTH101')).toEqual([]);
    await t.store.users.update(t.lecturer.id, { status: 'suspended' });
    expect(await emails('?status=suspended')).toEqual(['lect@unilag.edu.ng']);
    const unknown = await (await t.admin.get('/admin/users?course=XYZ999')).text();
    expect(unknown).toContain('There is no course room XYZ999.');
    expect((await t.admin.get(`/admin/users?q=${'x'.repeat(101)}`)).status).toBe(400);
  }, 30_000);

  test('create a user: the code is shown once, works once, and the audit says who and from where', async () => {
    const t = await adminSetup();
    const r = await t.admin.post('/admin/users', { email: 'Bola.Ade@unilag.edu.ng', name: 'Bola <b>Ade</b>', role: 'lecturer' });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const page = await r.text();
    expect(page).toContain('Bola &lt;b&gt;Ade&lt;/b&gt;');
    const code = codeIn(page)!;
    expect(code).toMatch(/^[A-Z0-9]{4}(-[A-Z0-9]{4}){4}$/);
    const user = (await t.store.users.byEmail('bola.ade@unilag.edu.ng'))!;
    expect(user.role).toBe('lecturer');
    // Never shown again, and not stored in clear.
    expect(await (await t.admin.get(`/admin/users/${user.id}`)).text()).not.toContain(code);
    expect(JSON.stringify(user)).not.toContain(code);
    const entry = (await t.store.audit.list({ action: 'user.create', target: user.id }))[0]!;
    expect(entry).toMatchObject({ actorId: t.admin.p.id, origin: '10.1.2.3' });
    const bola = new Client(t.app);
    expect((await bola.signIn('bola.ade@unilag.edu.ng', code)).headers.get('location')).toBe('/password');
  }, 30_000);

  test('create: bad input is refused with the reason and the form keeps what was typed', async () => {
    const t = await adminSetup();
    const users = await t.store.users.count();
    const bad = await t.admin.post('/admin/users', { email: 'not-an-email', name: 'X', role: 'student' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('&quot;not-an-email&quot; is not a valid email address');
    const dup = await t.admin.post('/admin/users', { email: 'ADA@unilag.edu.ng', name: 'Ada again', role: 'student' });
    expect(dup.status).toBe(409);
    expect(await dup.text()).toContain('value="Ada again"');
    expect((await t.admin.post('/admin/users', { email: 'a@unilag.edu.ng', name: 'A', role: 'dean' })).status).toBe(400);
    expect((await t.admin.post('/admin/users', { email: 'a@unilag.edu.ng', name: 'x'.repeat(401), role: 'student' })).status).toBe(400);
    expect(await t.store.users.count()).toBe(users);
  }, 30_000);

  test('edit name, role, date of birth and minor flag (validated, audited with the changed fields)', async () => {
    const t = await adminSetup();
    const path = `/admin/users/${t.student.id}`;
    const ok = await t.admin.post(path, { name: 'Ada N. Obi', role: 'lecturer', date_of_birth: '2009-02-03', minor: 'no' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`${path}?done=saved`);
    expect(await t.store.users.byId(t.student.id)).toMatchObject({ name: 'Ada N. Obi', role: 'lecturer', dateOfBirth: '2009-02-03', minorOverride: false });
    const entry = (await t.store.audit.list({ action: 'user.update' }))[0]!;
    expect(entry.details).toMatchObject({ changed: ['name', 'role', 'dateOfBirth', 'minorOverride'], role: { from: 'student', to: 'lecturer' } });
    expect(await (await t.admin.get(`${path}?done=saved`)).text()).toContain('Changes saved.');

    const future = await t.admin.post(path, { name: 'Ada Refused', role: 'student', date_of_birth: '2999-01-01', minor: 'yes' });
    expect(future.status).toBe(400);
    const refused = await future.text();
    expect(refused).toContain('is out of range');
    // What was typed is still in the form, beside the reason.
    expect(refused).toContain('value="Ada Refused"');
    expect(refused).toContain('value="2999-01-01"');
    expect(refused).toMatch(/<option value="student" selected>/);
    expect(refused).toMatch(/<option value="yes" selected>/);
    expect((await t.admin.post(path, { name: '  ', role: 'student', minor: 'auto' })).status).toBe(400);
    expect((await t.admin.post(path, { name: 'Ada', role: 'student', minor: 'maybe' })).status).toBe(400);
    // Clearing the date and the flag.
    expect((await t.admin.post(path, { name: 'Ada', role: 'student', date_of_birth: '', minor: 'auto' })).status).toBe(303);
    expect(await t.store.users.byId(t.student.id)).toMatchObject({ dateOfBirth: null, minorOverride: null, role: 'student' });
    // An admin cannot demote themselves (they would lock themselves out).
    const self = await t.admin.post(`/admin/users/${t.admin.p.id}`, { name: 'Admin', role: 'student', minor: 'auto' });
    expect(self.status).toBe(400);
    expect(await self.text()).toContain('You cannot remove your own administrator role.');
  }, 30_000);

  test('a member made a minor by an edit: restricted members of their rooms leave those rooms\' calls, as when a minor is added', async () => {
    const t = await adminSetup();
    const room = await t.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'BIO101', name: 'Biology', topic: '', createdBy: null, dmKey: null }, [
      { userId: t.student.id, role: 'member' },
      { userId: t.lecturer.id, role: 'member' },
    ]);
    // A DM with an adult student she shares no course with, and one with the lecturer she does.
    const peer = (await makeUser(t.store, 'peer@unilag.edu.ng', 'student')).user;
    const dm = (other: string) => t.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'dm', code: null, name: '', topic: '', createdBy: null, dmKey: [t.student.id, other].sort().join(':') }, [
      { userId: t.student.id, role: 'member' },
      { userId: other, role: 'member' },
    ]);
    const [withPeer, withLecturer] = [await dm(peer.id), await dm(t.lecturer.id)];
    const ended: { userId: string; where?: (roomId: string) => Promise<boolean> }[] = [];
    const seats: { room(roomId: string): Promise<boolean>; user(roomId: string, userId: string): Promise<boolean> }[] = [];
    t.app.chat.calls = { endUser: (userId, opts) => void ended.push({ userId, where: opts?.where }), endRoom: () => {}, endSeats: (which) => void seats.push(which) };
    const path = `/admin/users/${t.student.id}`;
    expect((await t.admin.post(path, { name: 'Ada', role: 'student', date_of_birth: '1990-01-01', minor: 'auto' })).status).toBe(303);
    expect(ended).toEqual([]); // an adult: nothing to do
    expect((await t.admin.post(path, { name: 'Ada', role: 'student', date_of_birth: '2012-01-01', minor: 'auto' })).status).toBe(303);
    // the other member of each of her rooms (the course and both DMs)
    expect(ended.map((e) => e.userId).sort()).toEqual([t.lecturer.id, t.lecturer.id, peer.id].sort());
    await t.store.sanctions.create({ kind: 'restriction', userId: t.lecturer.id, roomId: room.id, caseIds: [], clause: 'SG-1', reason: 'test', evidence: '', actorId: null, deadline: Date.now() + 1e9 });
    const lecturer = ended.filter((e) => e.userId === t.lecturer.id);
    expect(await Promise.all(lecturer.map((e) => e.where!(room.id)))).toContain(true); // restricted, in this room's call
    for (const e of lecturer) expect(await e.where!('another-room')).toBe(false);
    // Her DM with the adult student she shares no course with goes read-only: both leave its call;
    // her DM with the lecturer, and the course room, keep theirs.
    expect(seats.length).toBe(1);
    const which = seats[0]!;
    expect([await which.room(withPeer.id), await which.room(withLecturer.id), await which.room(room.id)]).toEqual([true, true, false]);
    expect([await which.user(withPeer.id, t.student.id), await which.user(withPeer.id, peer.id)]).toEqual([true, true]);
    expect([await which.user(withLecturer.id, t.student.id), await which.user(withLecturer.id, t.lecturer.id)]).toEqual([false, false]);
  }, 30_000);

  test('an edit that makes a member a minor screens her rooms\' history first (the shipped model): a hold-level message posted among adults is held', async () => {
    const t = await adminSetup();
    const room = await t.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'CHM101', name: 'Chemistry', topic: '', createdBy: null, dmKey: null }, [
      { userId: t.student.id, role: 'member' },
      { userId: t.lecturer.id, role: 'member' },
    ]);
    const secret = "come to my house alone this weekend and don't tell your parents, it's our secret";
    const { message } = await t.store.messages.append({ roomId: room.id, senderId: t.lecturer.id, clientId: 'c-among-adults-1', kind: 'text', body: secret, mentions: [] });
    const path = `/admin/users/${t.student.id}`;
    expect((await t.admin.post(path, { name: 'Ada', role: 'student', date_of_birth: '1999-01-01', minor: 'auto' })).status).toBe(303);
    expect((await t.store.messages.byId(room.id, message.id))?.held).toBe(false); // still an adult: nothing screened
    // An edit refused (a minor cannot be an administrator) screens nothing: it is checked first.
    expect((await t.admin.post(path, { name: 'Ada', role: 'admin', date_of_birth: '2012-01-01', minor: 'auto' })).status).toBe(400);
    expect((await t.store.messages.byId(room.id, message.id))?.held).toBe(false);
    expect(await t.store.cases.list()).toEqual([]);
    expect((await t.admin.post(path, { name: 'Ada', role: 'student', date_of_birth: '2012-01-01', minor: 'auto' })).status).toBe(303);
    // Done when the edit's response comes: not left to a background task she could beat with a page load.
    expect((await t.store.messages.byId(room.id, message.id))?.held).toBe(true);
    expect((await t.store.cases.list({ messageId: message.id })).map((c) => [c.severity, c.towardsMinor])).toEqual([['hold', false]]);
  }, 30_000);

  test('a lecturer made a student: their DM with a minor they share no course with leaves its call (read-only now)', async () => {
    const t = await adminSetup();
    const kid = (await makeUser(t.store, 'kid@unilag.edu.ng', 'student')).user;
    await t.store.users.update(kid.id, { dateOfBirth: '2012-01-01' });
    const dm = await t.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'dm', code: null, name: '', topic: '', createdBy: null, dmKey: [t.lecturer.id, kid.id].sort().join(':') }, [
      { userId: t.lecturer.id, role: 'member' },
      { userId: kid.id, role: 'member' },
    ]);
    const seats: { room(roomId: string): Promise<boolean>; user(roomId: string, userId: string): Promise<boolean> }[] = [];
    t.app.chat.calls = { endUser: () => {}, endRoom: () => {}, endSeats: (which) => void seats.push(which) };
    const path = `/admin/users/${t.lecturer.id}`;
    const lecturer = (await t.store.users.byId(t.lecturer.id))!;
    expect((await t.admin.post(path, { name: lecturer.name, role: 'lecturer', date_of_birth: '', minor: 'auto' })).status).toBe(303);
    expect(seats).toEqual([]); // still staff: a minor may always reach staff
    expect((await t.admin.post(path, { name: lecturer.name, role: 'student', date_of_birth: '', minor: 'auto' })).status).toBe(303);
    expect(seats.length).toBe(1);
    expect(await seats[0]!.room(dm.id)).toBe(true);
    expect([await seats[0]!.user(dm.id, t.lecturer.id), await seats[0]!.user(dm.id, kid.id)]).toEqual([true, true]);
  }, 30_000);

  test('suspend asks first, then signs the user out everywhere and closes their live connections', async () => {
    const t = await adminSetup();
    const sock = fakeSocket(t.hub, t.student.id);
    const path = `/admin/users/${t.student.id}/status`;
    const ask = await t.admin.post(path, { status: 'suspended' });
    expect(ask.status).toBe(200);
    const confirmPage = await ask.text();
    expect(confirmPage).toContain('Suspend Ada Obi?');
    expect(confirmPage).toContain('Yes, suspend');
    expect(confirmPage).toContain('name="confirm" value="yes"');
    expect(confirmPage).toContain('<label for="confirm-reason">Reason (optional; kept in the audit log)</label>');
    expect((await t.store.users.byId(t.student.id))!.status).toBe('active');
    expect(sock.closed).toEqual([]);

    const done = await t.admin.post(path, { status: 'suspended', confirm: 'yes', reason: ' Shared his password in the class group. ' });
    expect(done.headers.get('location')).toBe(`/admin/users/${t.student.id}?done=suspended`);
    expect((await t.store.users.byId(t.student.id))!.status).toBe('suspended');
    expect(sock.closed).toEqual([{ code: 4401, reason: 'Signed out' }]);
    expect(await t.store.sessions.listForUser(t.student.id)).toEqual([]);
    expect((await t.student.client.get('/')).headers.get('location')).toBe('/login');
    expect((await t.student.client.signIn(t.student.email, PASSWORD)).status).toBe(403);
    // Why, kept with the action (QA: the audit said who and when, never why).
    expect((await t.store.audit.list({ action: 'user.suspend' }))[0]!.details).toMatchObject({ reason: 'Shared his password in the class group.' });

    // Enabling needs no confirmation.
    expect((await t.admin.post(path, { status: 'active' })).status).toBe(303);
    expect((await t.store.users.byId(t.student.id))!.status).toBe('active');
    expect(await auditActions(t.store)).toEqual(expect.arrayContaining(['user.suspend', 'user.enable']));
    // Nobody can disable themselves.
    const self = await t.admin.post(`/admin/users/${t.admin.p.id}/status`, { status: 'disabled', confirm: 'yes' });
    expect(self.status).toBe(400);
    expect(await self.text()).toContain('You cannot disable or suspend your own account.');
  }, 30_000);

  test('a new login code: confirmed, shown once; the password stops working; sessions end', async () => {
    const t = await adminSetup();
    const sock = fakeSocket(t.hub, t.student.id);
    const path = `/admin/users/${t.student.id}/code`;
    const ask = await t.admin.post(path);
    expect(await ask.text()).toContain('Yes, issue a new code');
    expect(sock.closed).toEqual([]);
    const r = await t.admin.post(path, { confirm: 'yes' });
    const code = codeIn(await r.text())!;
    expect(code).toBeDefined();
    expect(sock.closed).toEqual([{ code: 4401, reason: 'Signed out' }]);
    expect((await t.student.client.get('/')).headers.get('location')).toBe('/login');
    const again = new Client(t.app, '10.9.9.9');
    expect((await again.signIn(t.student.email, PASSWORD)).status).toBe(401);
    expect((await again.signIn(t.student.email, code)).headers.get('location')).toBe('/password');
    expect((await t.store.audit.list({ action: 'user.reset' }))[0]).toMatchObject({ actorId: t.admin.p.id, target: t.student.id });
  }, 30_000);

  test('sign out everywhere: confirmed, every session and socket ends, the password still works', async () => {
    const t = await adminSetup();
    const second = new Client(t.app, '10.7.7.7');
    await second.signIn(t.student.email, PASSWORD);
    expect(await t.store.sessions.listForUser(t.student.id)).toHaveLength(2);
    const sock = fakeSocket(t.hub, t.student.id);
    const path = `/admin/users/${t.student.id}/sessions`;
    expect(await (await t.admin.post(path)).text()).toContain('Yes, sign out everywhere');
    expect(await t.store.sessions.listForUser(t.student.id)).toHaveLength(2);
    expect((await t.admin.post(path, { confirm: 'yes' })).status).toBe(303);
    expect(await t.store.sessions.listForUser(t.student.id)).toHaveLength(0);
    expect(sock.closed).toHaveLength(1);
    expect((await second.get('/')).headers.get('location')).toBe('/login');
    expect((await second.signIn(t.student.email, PASSWORD)).headers.get('location')).toBe('/');
    expect((await t.store.audit.list({ action: 'user.revoke_sessions' }))[0]!.details).toMatchObject({ sessionsRevoked: 2 });
  }, 30_000);

  test('admin pages start with a skip link to the content', async () => {
    const t = await adminSetup();
    const page = await (await t.admin.get('/admin/users')).text();
    expect(page).toContain('<a href="#main" class="skip-link">Skip to content</a>');
    expect(page).toContain('<main class="admin-main" id="main">');
  });

  test('unknown user ids are 404 for admins too', async () => {
    const t = await adminSetup();
    expect((await t.admin.get('/admin/users/nope')).status).toBe(404);
    expect((await t.admin.post('/admin/users/nope/status', { status: 'disabled', confirm: 'yes' })).status).toBe(404);
  }, 30_000);
});
