import { describe, expect, test } from 'bun:test';
import { topics } from '../../realtime/topics';
import { adminSetup, auditActions } from './test-support';

const roomIdFrom = (location: string | null) => /^\/admin\/rooms\/([^?]+)\?done=created$/.exec(location ?? '')?.[1];

describe('admin portal: course rooms', () => {
  test('create, add members (form and CSV), set a moderator, remove, archive: same actions, all audited', async () => {
    const t = await adminSetup();
    const created = await t.admin.post('/admin/rooms', { code: 'csc 201', name: 'Data Structures' });
    expect(created.status).toBe(303);
    const id = roomIdFrom(created.headers.get('location'))!;
    const room = (await t.store.rooms.byId(id))!;
    expect(room).toMatchObject({ code: 'CSC201', kind: 'course', archived: false });
    // The admin does not become a member (as with the CLI).
    expect(await t.store.rooms.members(id)).toEqual([]);
    expect(await (await t.admin.get('/admin/rooms')).text()).toContain('Data Structures');
    const dup = await t.admin.post('/admin/rooms', { code: 'CSC201', name: 'Again' });
    expect(dup.status).toBe(409);
    expect(await dup.text()).toContain('A room with code CSC201 already exists.');

    const add = await t.admin.post(`/admin/rooms/${id}/members`, { email: 'LECT@unilag.edu.ng', role: 'owner' });
    expect(add.status).toBe(303); // post/redirect/get: a reload does not add again
    expect(await (await t.admin.get(add.headers.get('location')!)).text()).toContain('added as owner.');
    const again = await t.admin.post(`/admin/rooms/${id}/members`, { email: 'lect@unilag.edu.ng', role: 'member' });
    expect(await (await t.admin.get(again.headers.get('location')!)).text()).toContain('is already a member (their role is unchanged).');
    expect((await t.store.rooms.membership(id, t.lecturer.id))!.role).toBe('owner');
    const nobody = await t.admin.post(`/admin/rooms/${id}/members`, { email: 'nobody@unilag.edu.ng', role: 'member' });
    expect(nobody.status).toBe(400);
    expect(await nobody.text()).toContain('There is no user with email nobody@unilag.edu.ng.');

    const badCsv = await t.admin.upload(`/admin/rooms/${id}/members/csv`, { file: new File(['email,role\nada@unilag.edu.ng,member\nghost@unilag.edu.ng,member\nada@unilag.edu.ng,TA\n'], 'm.csv') });
    expect(badCsv.status).toBe(400);
    const report = await badCsv.text();
    expect(report).toContain('line 3:</span> no user with email ghost@unilag.edu.ng');
    expect(report).toContain('line 4:</span> unknown room role &quot;TA&quot;'); // as written in the file
    expect(await t.store.rooms.membership(id, t.student.id)).toBeNull();
    const csv = await t.admin.upload(`/admin/rooms/${id}/members/csv`, { file: new File(['email\nada@unilag.edu.ng\nlect@unilag.edu.ng\n'], 'm.csv') });
    // Post/redirect/get: a reload of the result does not post the file again.
    expect(csv.status).toBe(303);
    expect(csv.headers.get('location')).toBe(`/admin/rooms/${id}?done=csv&added=1&already=1`);
    expect(await (await t.admin.get(csv.headers.get('location')!)).text()).toContain('Added 1 member; 1 was already a member.');
    // The new member's live connections hear about the room.
    expect(t.hub.topicsPublished()).toContain(topics.user(t.student.id));

    expect((await t.admin.post(`/admin/rooms/${id}/members/${t.student.id}/role`, { role: 'moderator' })).status).toBe(303);
    expect((await t.store.rooms.membership(id, t.student.id))!.role).toBe('moderator');
    expect((await t.admin.post(`/admin/rooms/${id}/members/${t.student.id}/role`, { role: 'king' })).status).toBe(400);

    const ask = await t.admin.post(`/admin/rooms/${id}/members/${t.student.id}/remove`);
    expect(await ask.text()).toContain('Remove Ada Obi from CSC201?');
    expect(await t.store.rooms.membership(id, t.student.id)).not.toBeNull();
    expect((await t.admin.post(`/admin/rooms/${id}/members/${t.student.id}/remove`, { confirm: 'yes' })).status).toBe(303);
    expect(await t.store.rooms.membership(id, t.student.id)).toBeNull();
    expect((await t.admin.post(`/admin/rooms/${id}/members/${t.student.id}/remove`, { confirm: 'yes' })).status).toBe(404);

    const askArchive = await t.admin.post(`/admin/rooms/${id}/archive`, { archived: 'yes' });
    expect(await askArchive.text()).toContain('Yes, archive');
    expect((await t.store.rooms.byId(id))!.archived).toBe(false);
    expect((await t.admin.post(`/admin/rooms/${id}/archive`, { archived: 'yes', confirm: 'yes' })).status).toBe(303);
    expect((await t.store.rooms.byId(id))!.archived).toBe(true);
    expect(await (await t.admin.get('/admin/rooms')).text()).not.toContain('Data Structures');
    expect(await (await t.admin.get('/admin/rooms?archived=yes')).text()).toContain('Data Structures');
    expect((await t.admin.post(`/admin/rooms/${id}/archive`, { archived: 'no' })).status).toBe(303);
    expect((await t.store.rooms.byId(id))!.archived).toBe(false);

    const entries = (await t.store.audit.list({ target: id })).map((e) => [e.action, e.actorId]);
    expect(entries.map((e) => e[0])).toEqual(['room.create', 'room.add_members', 'room.add_members', 'room.set_role', 'room.remove_member', 'room.archive', 'room.unarchive']);
    expect(new Set(entries.map((e) => e[1]))).toEqual(new Set([t.admin.p.id]));
    expect(await auditActions(t.store)).toContain('room.archive');
  }, 30_000);

  test("a new session's room takes an archived room's code; restoring the old one is then refused on its page", async () => {
    const t = await adminSetup();
    const first = await t.admin.post('/admin/rooms', { code: 'HED204', name: 'Health Ed 2025/26' });
    const oldId = first.headers.get('location')!.replace(/^\/admin\/rooms\/([^?]+).*$/, '$1');
    const ask = await (await t.admin.post(`/admin/rooms/${oldId}/archive`, { archived: 'yes' })).text();
    expect(ask).toContain("Its code HED204 is then free for a new room (next session&#39;s).");
    await t.admin.post(`/admin/rooms/${oldId}/archive`, { archived: 'yes', confirm: 'yes' });
    expect((await t.admin.post('/admin/rooms', { code: 'HED204', name: 'Health Ed 2026/27' })).status).toBe(303);
    const restore = await t.admin.post(`/admin/rooms/${oldId}/archive`, { archived: 'no' });
    expect(restore.status).toBe(409);
    expect(await restore.text()).toContain('Another room now uses the code HED204: archive that one before restoring this one.');
    expect((await t.store.rooms.byId(oldId))!.archived).toBe(true);
    // Last session's room takes nobody new (they would read its history): the page offers no add form.
    expect(await (await t.admin.get(`/admin/rooms/${oldId}`)).text()).toContain('An archived room takes no new members');
    const late = await t.admin.post(`/admin/rooms/${oldId}/members`, { email: t.admin.p.email, role: 'member' });
    expect(late.status).toBe(400);
    expect(await late.text()).toContain('This room is archived: nobody can be added to it.');
    expect(await t.store.rooms.members(oldId)).toEqual([]);
    const list = await (await t.admin.get('/admin/rooms?archived=yes')).text();
    expect(list).toContain('Health Ed 2025/26');
    expect(list).toContain('Health Ed 2026/27');
  });

  test('direct messages and groups are not shown in the portal', async () => {
    const t = await adminSetup();
    const dm = await t.store.rooms.create({ id: 'dm-1', kind: 'dm', code: null, name: 'x', topic: '', createdBy: null, dmKey: 'a:b' }, []);
    expect((await t.admin.get(`/admin/rooms/${dm.id}`)).status).toBe(404);
    expect((await t.admin.post(`/admin/rooms/${dm.id}/archive`, { archived: 'yes', confirm: 'yes' })).status).toBe(404);
  }, 30_000);

  test("an administrator downloads a room's attendance register without being a member; each download is audited", async () => {
    const t = await adminSetup();
    const created = await t.admin.post('/admin/rooms', { code: 'CSC301', name: 'Compilers' });
    const id = roomIdFrom(created.headers.get('location'))!;
    await t.admin.post(`/admin/rooms/${id}/members`, { email: 'ada@unilag.edu.ng', role: 'member' });
    await t.admin.post(`/admin/rooms/${id}/members`, { email: 'lect@unilag.edu.ng', role: 'owner' });
    await t.store.lectures.save({ id: 'L1', roomId: id, startedBy: t.lecturer.id, startedAt: 0, lastAt: 3_600_000, endedAt: 3_600_000 });
    await t.store.lectures.seat({ lectureId: 'L1', seatId: 's1', userId: t.student.id, from: 0, to: 2_700_000 });
    const page = await (await t.admin.get(`/admin/rooms/${id}`)).text();
    expect(page).toContain(`<form method="post" action="/admin/rooms/${id}/register.csv"`);
    // A plain link (a GET) writes nothing, nor does a POST without the form's token.
    expect((await t.admin.get(`/admin/rooms/${id}/register.csv`)).status).toBe(404);
    expect((await t.admin.p.client.post(`/admin/rooms/${id}/register.csv`, [])).status).not.toBe(200);
    const res = await t.admin.post(`/admin/rooms/${id}/register.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="CSC301 register \d{4}-\d\d-\d\d\.csv"/);
    const rows = (await res.text()).split('\r\n');
    expect(rows[0]).toBe('name,matric_no,email,lectures_attended,lectures_held,minutes_present,share_percent,lectures_turned_away');
    expect(rows).toContainEqual(expect.stringMatching(/,ada@unilag\.edu\.ng,1,1,45,75,0$/));
    expect(rows).toContainEqual(expect.stringMatching(/,lect@unilag\.edu\.ng,0,1,0,0,0$/));
    const entries = (await t.store.audit.list()).filter((a) => a.action === 'room.register_exported');
    expect(entries.map((a) => [a.actorId, a.target, a.origin, a.details])).toEqual([[t.admin.p.id, id, '10.1.2.3', { lectures: 1, people: 2 }]]);
    // Only administrators: the portal's guard.
    expect((await t.student.client.post(`/admin/rooms/${id}/register.csv`, [['_csrf', t.admin.csrf]])).status).not.toBe(200);
    expect((await t.admin.post('/admin/rooms/nope/register.csv')).status).toBe(404);
  });

  test('announcements only, member or not: the portal turns it on and off with the form’s token; audited; every member’s page gets the bar', async () => {
    const t = await adminSetup();
    const id = roomIdFrom((await t.admin.post('/admin/rooms', { code: 'GST101', name: 'Use of English' })).headers.get('location'))!;
    await t.admin.post(`/admin/rooms/${id}/members`, { email: 'ada@unilag.edu.ng', role: 'member' });
    expect(await (await t.admin.get(`/admin/rooms/${id}`)).text()).toContain(`<form method="post" action="/admin/rooms/${id}/announcements"`);
    // Without the form's token, nothing changes.
    expect((await t.admin.p.client.post(`/admin/rooms/${id}/announcements`, [['on', 'yes']])).status).not.toBe(303);
    expect((await t.store.rooms.byId(id))!.announcementsOnly).toBe(false);
    const mark = t.hub.log.length;
    const on = await t.admin.post(`/admin/rooms/${id}/announcements`, { on: 'yes' });
    expect(on.headers.get('location')).toBe(`/admin/rooms/${id}?done=announce`);
    expect((await t.store.rooms.byId(id))!.announcementsOnly).toBe(true);
    expect(t.hub.log.slice(mark).filter((p) => p.topic === topics.room(id) && p.data.includes('class="notice announce-bar"'))).toHaveLength(1);
    expect(await (await t.admin.get(on.headers.get('location')!)).text()).toContain('<strong>announcements only</strong>');
    await t.admin.post(`/admin/rooms/${id}/announcements`, { on: 'no' });
    expect((await t.store.rooms.byId(id))!.announcementsOnly).toBe(false);
    expect((await t.store.audit.list({ action: 'room.announcements_only' })).map((a) => [a.actorId, a.target, a.details])).toEqual([
      [t.admin.p.id, id, { on: true }],
      [t.admin.p.id, id, { on: false }],
    ]);
    // Only administrators: the portal's guard.
    expect((await t.student.client.post(`/admin/rooms/${id}/announcements`, [['_csrf', t.admin.csrf], ['on', 'yes']])).status).not.toBe(303);
    expect((await t.store.rooms.byId(id))!.announcementsOnly).toBe(false);
  });
});
