import { describe, expect, test } from 'bun:test';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Room } from '../server/store/types';
import { makeUser } from '../server/testing';
import { cliWorkspace } from './test-workspace';

const w = cliWorkspace('lt-cli-rooms-');
const { cli, withStore, csvFile } = w;

const EMAILS = ['ada@unilag.edu.ng', 'bola@unilag.edu.ng', 'okafor@unilag.edu.ng'];

/** Users the member lists refer to. */
async function seedUsers() {
  await withStore(async (s) => {
    for (const e of EMAILS) await makeUser(s, e, e.startsWith('okafor') ? 'lecturer' : 'student');
  });
}

const roomByCode = (code: string) => withStore((s) => s.rooms.byCode(code));

/** email → room role, for the room's members. */
async function membersOf(room: Room | null): Promise<Record<string, string>> {
  if (!room) throw new Error('no such room');
  return withStore(async (s) => {
    const out: Record<string, string> = {};
    for (const m of await s.rooms.members(room.id)) out[(await s.users.byId(m.userId))!.email] = m.role;
    return out;
  });
}

describe('rooms create', () => {
  test('creates a course room with members from a CSV (roles default to member)', async () => {
    await seedUsers();
    const file = csvFile('m.csv', 'email,role\nada@unilag.edu.ng,\nBOLA@unilag.edu.ng,moderator\nokafor@unilag.edu.ng,Owner\n');
    const r = await cli('rooms', 'create', '--code', 'csc 101', '--name', 'Intro to Computing', '--members', file);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe('created room CSC101 "Intro to Computing" with 3 member(s)\n');
    const room = await roomByCode('CSC101');
    expect(room).toMatchObject({ kind: 'course', name: 'Intro to Computing', createdBy: null, archived: false });
    expect(await membersOf(room)).toEqual({ 'ada@unilag.edu.ng': 'member', 'bola@unilag.edu.ng': 'moderator', 'okafor@unilag.edu.ng': 'owner' });
    const audit = await withStore((s) => s.audit.list());
    expect(audit.filter((a) => a.action.startsWith('room.')).map((a) => [a.action, a.origin, a.actorId, a.target])).toEqual([
      ['room.create', 'cli', null, room!.id],
      ['room.add_members', 'cli', null, room!.id],
    ]);
  });

  test('without --members the room has no members; an email-only CSV (BOM, CRLF) works', async () => {
    await seedUsers();
    expect((await cli('rooms', 'create', '--code', 'GST111', '--name', 'Use of English')).out).toBe('created room GST111 "Use of English" with 0 member(s)\n');
    expect(await membersOf(await roomByCode('GST111'))).toEqual({});
    const file = csvFile('excel.csv', '\ufeffEmail\r\nada@unilag.edu.ng\r\n\r\nbola@unilag.edu.ng\r\n');
    const r = await cli('rooms', 'create', '--code', 'MTH101', '--name', 'Calculus', '--members', file);
    expect(r.code).toBe(0);
    expect(await membersOf(await roomByCode('MTH101'))).toEqual({ 'ada@unilag.edu.ng': 'member', 'bola@unilag.edu.ng': 'member' });
  });

  test('bad member rows: exit 1, one file:line: reason per row, and no room is created', async () => {
    await seedUsers();
    const file = csvFile(
      'bad.csv',
      'email,role\n' +
        'ada@unilag.edu.ng,member\n' + // 2 ok
        'ghost@unilag.edu.ng,member\n' + // 3 unknown email
        'bola@unilag.edu.ng,wizard\n' + // 4 bad role
        'ADA@unilag.edu.ng,owner\n' + // 5 duplicate
        ',member\n', // 6 no email
    );
    const r = await cli('rooms', 'create', '--code', 'CSC101', '--name', 'Intro', '--members', file);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.trimEnd().split('\n')).toEqual([
      `${file}:3: no user with email ghost@unilag.edu.ng`,
      `${file}:4: unknown room role "wizard" (use owner, moderator or member)`,
      `${file}:5: ADA@unilag.edu.ng is listed twice`,
      `${file}:6: email is required`,
      'error: 4 invalid row(s); nothing was written.',
    ]);
    expect(await roomByCode('CSC101')).toBeNull();
    expect((await withStore((s) => s.audit.list())).filter((a) => a.action.startsWith('room.'))).toEqual([]);
  });

  test('a duplicate or malformed code, or a missing members file, exits 1 with one line', async () => {
    await seedUsers();
    expect((await cli('rooms', 'create', '--code', 'CSC101', '--name', 'First')).code).toBe(0);
    const dup = await cli('rooms', 'create', '--code', 'csc 101', '--name', 'Second');
    expect(dup).toEqual({ code: 1, out: '', err: "error: A room with code CSC101 already exists. To start a new session's room with this code, archive the old one first.\n" });
    const bad = await cli('rooms', 'create', '--code', 'Computing', '--name', 'X');
    expect(bad).toEqual({ code: 1, out: '', err: 'error: Course code "Computing" should look like CSC101 or GST 111.\n' });
    const missing = join(w.dir, 'nope.csv');
    const nofile = await cli('rooms', 'create', '--code', 'PHY101', '--name', 'Physics', '--members', missing);
    expect(nofile).toEqual({ code: 1, out: '', err: `error: cannot read ${missing}: no such file\n` });
    expect(await roomByCode('PHY101')).toBeNull();
    expect((await withStore((s) => s.rooms.listCourses())).map((r) => r.name)).toEqual(['First']);
  });
});

describe('rooms add-members', () => {
  async function withRoom() {
    await seedUsers();
    const file = csvFile('first.csv', 'email,role\nokafor@unilag.edu.ng,owner\n');
    expect((await cli('rooms', 'create', '--code', 'CSC101', '--name', 'Intro', '--members', file)).code).toBe(0);
  }

  test('adds the listed people; existing members keep their role; the code may be typed any way', async () => {
    await withRoom();
    const file = csvFile('more.csv', 'role,email\nmember,ada@unilag.edu.ng\nmember,okafor@unilag.edu.ng\n');
    const r = await cli('rooms', 'add-members', 'csc 101', file);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe('added 1 member(s) to CSC101; 1 were already members\n');
    expect(await membersOf(await roomByCode('CSC101'))).toEqual({ 'ada@unilag.edu.ng': 'member', 'okafor@unilag.edu.ng': 'owner' });
    const again = await cli('rooms', 'add-members', 'CSC101', file);
    expect(again.out).toBe('added 0 member(s) to CSC101; 2 were already members\n');
  });

  test('bad rows (unknown email, bad role, duplicate): exit 1 with file:line: reason, and nothing is written', async () => {
    await withRoom();
    const file = csvFile(
      'bad.csv',
      'email,role\n' +
        'ada@unilag.edu.ng,member\n' + // 2 ok, but must not be added
        '"bola@unilag.edu.ng",\n' + // 3 ok
        'nobody@unilag.edu.ng,\n' + // 4
        'bola@unilag.edu.ng,admin\n' + // 5: a site role is not a room role; also listed twice
        'Ada@Unilag.edu.ng,\n', // 6
    );
    const r = await cli('rooms', 'add-members', 'CSC101', file);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.trimEnd().split('\n')).toEqual([
      `${file}:4: no user with email nobody@unilag.edu.ng`,
      `${file}:5: unknown room role "admin" (use owner, moderator or member); bola@unilag.edu.ng is listed twice`,
      `${file}:6: Ada@Unilag.edu.ng is listed twice`,
      'error: 3 invalid row(s); nothing was written.',
    ]);
    expect(await membersOf(await roomByCode('CSC101'))).toEqual({ 'okafor@unilag.edu.ng': 'owner' });
    expect((await withStore((s) => s.audit.list({ action: 'room.add_members' }))).length).toBe(1); // only the create's
  });

  test('a bad header, an unknown column, or broken CSV quoting is reported with its line', async () => {
    await withRoom();
    const noEmail = csvFile('h1.csv', 'mail,role\nada@unilag.edu.ng,member\n');
    expect((await cli('rooms', 'add-members', 'CSC101', noEmail)).err).toBe(
      `${noEmail}:1: the first row must be a header with an "email" column (and optionally "role")\nerror: 1 invalid row(s); nothing was written.\n`,
    );
    const extra = csvFile('h2.csv', 'email,role,name\nada@unilag.edu.ng,member,Ada\n');
    expect((await cli('rooms', 'add-members', 'CSC101', extra)).err).toStartWith(`${extra}:1: unknown column(s) name; allowed: email, role\n`);
    const broken = csvFile('q.csv', 'email,role\nada@unilag.edu.ng,member\n"bola@unilag.edu.ng,member\n');
    const r = await cli('rooms', 'add-members', 'CSC101', broken);
    expect(r.code).toBe(1);
    expect(r.err).toStartWith(`${broken}:3: a quoted field is never closed\n`);
    const empty = csvFile('empty.csv', '');
    expect((await cli('rooms', 'add-members', 'CSC101', empty)).code).toBe(1);
    expect(await membersOf(await roomByCode('CSC101'))).toEqual({ 'okafor@unilag.edu.ng': 'owner' });
  });

  test('cell text in errors is shown on one line, with control characters escaped', async () => {
    await withRoom();
    const file = csvFile('sneaky.csv', 'email,role\n"ada@unilag.edu.ng\nevil",member\nbola@unilag.edu.ng,"\u001b]0;owned\u0007"\n');
    const r = await cli('rooms', 'add-members', 'CSC101', file);
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split('\n')).toEqual([
      `${file}:2: no user with email ada@unilag.edu.ng\\u000aevil`,
      `${file}:4: unknown room role "\\u001b]0;owned\\u0007" (use owner, moderator or member)`,
      'error: 2 invalid row(s); nothing was written.',
    ]);
    expect(r.err).not.toContain('\u001b');
  });

  test('an unknown room or a missing file exits 1 with one line', async () => {
    await withRoom();
    const file = csvFile('m.csv', 'email\nada@unilag.edu.ng\n');
    expect(await cli('rooms', 'add-members', 'XYZ 999', file)).toEqual({ code: 1, out: '', err: 'error: no room with code XYZ999\n' });
    const missing = join(w.dir, 'missing.csv');
    expect(await cli('rooms', 'add-members', 'CSC101', missing)).toEqual({ code: 1, out: '', err: `error: cannot read ${missing}: no such file\n` });
  });
});

describe('rooms remove-members, archive, unarchive', () => {
  test("a class list's drops leave the room (audited one by one); the end of term archives it, reopened on request", async () => {
    await seedUsers();
    const all = csvFile('all.csv', 'email,role\nada@unilag.edu.ng,member\nbola@unilag.edu.ng,member\nokafor@unilag.edu.ng,owner\n');
    expect((await cli('rooms', 'create', '--code', 'CSC101', '--name', 'Intro', '--members', all)).code).toBe(0);
    const drops = csvFile('drops.csv', 'email\nada@unilag.edu.ng\nbola@unilag.edu.ng\n');
    const r = await cli('rooms', 'remove-members', 'csc 101', drops);
    expect(r).toEqual({ code: 0, out: 'removed 2 member(s) from CSC101; 0 were not members\n', err: '' });
    expect(await membersOf(await roomByCode('CSC101'))).toEqual({ 'okafor@unilag.edu.ng': 'owner' });
    expect((await withStore((s) => s.audit.list({ action: 'room.remove_member' }))).length).toBe(2);
    expect((await cli('rooms', 'remove-members', 'CSC101', drops)).out).toBe('removed 0 member(s) from CSC101; 2 were not members\n');
    // A bad row writes nothing, as for adding.
    const bad = csvFile('bad.csv', 'email\nnobody@unilag.edu.ng\n');
    expect((await cli('rooms', 'remove-members', 'CSC101', bad)).code).toBe(1);

    expect(await cli('rooms', 'archive', 'CSC101')).toEqual({ code: 0, out: 'archived CSC101\n', err: '' });
    expect((await roomByCode('CSC101'))!.archived).toBe(true);
    expect((await cli('rooms', 'archive', 'CSC101')).out).toBe('CSC101 is already archived\n');
    expect(await cli('rooms', 'unarchive', 'CSC101')).toEqual({ code: 0, out: 'reopened CSC101\n', err: '' });
    expect((await roomByCode('CSC101'))!.archived).toBe(false);
    expect((await withStore((s) => s.audit.list({}))).map((e) => e.action)).toEqual(expect.arrayContaining(['room.archive', 'room.unarchive']));
    expect(await cli('rooms', 'archive', 'XYZ999')).toEqual({ code: 1, out: '', err: 'error: no room with code XYZ999\n' });
  });

  test("an older session's archived room, whose code the newer rooms took, is named by its id", async () => {
    await seedUsers();
    const all = csvFile('all.csv', 'email\nada@unilag.edu.ng\nbola@unilag.edu.ng\n');
    const drops = csvFile('drops.csv', 'email\nada@unilag.edu.ng\n');
    await cli('rooms', 'create', '--code', 'CSC101', '--name', 'Intro 2024', '--members', all);
    const oldest = (await roomByCode('CSC101'))!;
    await cli('rooms', 'archive', 'CSC101');
    await cli('rooms', 'create', '--code', 'CSC101', '--name', 'Intro 2025', '--members', all);
    await cli('rooms', 'archive', 'CSC101');
    await cli('rooms', 'create', '--code', 'CSC101', '--name', 'Intro 2026', '--members', all);
    // the code names the live room; the id, the oldest record (Ada is taken out of it only)
    expect((await cli('rooms', 'remove-members', oldest.id, drops)).out).toBe('removed 1 member(s) from CSC101; 0 were not members\n');
    expect(Object.keys(await membersOf(oldest))).toEqual(['bola@unilag.edu.ng']);
    expect(Object.keys(await membersOf((await roomByCode('CSC101'))!)).sort()).toEqual(['ada@unilag.edu.ng', 'bola@unilag.edu.ng']);
    expect((await cli('rooms', 'list', '--archived')).out).toContain(`Intro 2024 (archived; id ${oldest.id})`);
    // reopening it is refused while the live room has the code, as from the portal
    const reopen = await cli('rooms', 'unarchive', oldest.id.toUpperCase());
    expect(reopen.code).toBe(1);
    expect(reopen.err).toContain('Another room now uses the code CSC101');
    expect(await cli('rooms', 'archive', '01234567-89ab-cdef-0123-456789abcdef')).toEqual({ code: 1, out: '', err: 'error: no course room with id 01234567-89ab-cdef-0123-456789abcdef\n' });
  });
});

describe('rooms list', () => {
  test('a table sorted by code with member counts; --archived includes archived rooms; --json', async () => {
    await seedUsers();
    const file = csvFile('m.csv', 'email\nada@unilag.edu.ng\nbola@unilag.edu.ng\n');
    await cli('rooms', 'create', '--code', 'MTH101', '--name', 'Calculus', '--members', file);
    await cli('rooms', 'create', '--code', 'CSC101', '--name', 'Intro to Computing');
    await cli('rooms', 'create', '--code', 'GST111', '--name', 'Use of English');
    const gst = (await roomByCode('GST111'))!;
    await withStore((s) => s.rooms.update(gst.id, { archived: true }));

    const table = await cli('rooms', 'list');
    expect(table.code).toBe(0);
    expect(table.out).toBe('CSC101          0 members  Intro to Computing\nMTH101          2 members  Calculus\n2 room(s)\n');

    const all = await cli('rooms', 'list', '--archived');
    expect(all.out.split('\n')).toContain(`GST111          0 members  Use of English (archived; id ${gst.id})`);
    expect(all.out).toEndWith('3 room(s)\n');

    const json = JSON.parse((await cli('rooms', 'list', '--json', '--archived')).out);
    expect(json.map((r: { code: string; members: number; archived: boolean }) => [r.code, r.members, r.archived])).toEqual([
      ['CSC101', 0, false],
      ['GST111', 0, true],
      ['MTH101', 2, false],
    ]);
    expect(json[1].id).toBe(gst.id);
  });

  test('direct messages and groups are not course rooms and are not listed', async () => {
    await seedUsers();
    await withStore(async (s) => {
      const [a, b] = await Promise.all(EMAILS.slice(0, 2).map((e) => s.users.byEmail(e)));
      await s.rooms.create({ id: 'dm-1', kind: 'dm', code: null, name: 'dm', topic: '', createdBy: a!.id, dmKey: [a!.id, b!.id].sort().join(':') }, []);
      await s.rooms.create({ id: 'group-1', kind: 'group', code: null, name: 'group', topic: '', createdBy: a!.id, dmKey: null }, []);
    });
    expect(await cli('rooms', 'list')).toEqual({ code: 0, out: '0 room(s)\n', err: '' });
  });
});

describe('usage errors exit 2', () => {
  test('unknown subcommand or option', async () => {
    const sub = await cli('rooms', 'bogus');
    expect(sub.code).toBe(2);
    expect(sub.err).toContain("unknown command 'bogus'");
    const opt = await cli('rooms', 'list', '--colour');
    expect(opt.code).toBe(2);
    expect(opt.err).toContain("unknown option '--colour'");
  });

  test('missing required options or arguments write nothing', async () => {
    const noCode = await cli('rooms', 'create', '--name', 'Intro');
    expect(noCode.code).toBe(2);
    expect(noCode.err).toContain("required option '--code <code>' not specified");
    const noName = await cli('rooms', 'create', '--code', 'CSC101');
    expect(noName.code).toBe(2);
    expect(noName.err).toContain("required option '--name <name>' not specified");
    const noFile = await cli('rooms', 'add-members', 'CSC101');
    expect(noFile.code).toBe(2);
    expect(noFile.err).toContain("missing required argument 'file.csv'");
    const nothing = await cli('rooms', 'add-members');
    expect(nothing.code).toBe(2);
    expect(await roomByCode('CSC101')).toBeNull();
  });

  test('--help exits 0 and prints usage on stdout', async () => {
    const r = await cli('rooms', 'create', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('--members <file.csv>');
  });
});

describe('rooms register', () => {
  test("prints a course room's attendance, or writes it to a new private file; each export is audited", async () => {
    await seedUsers();
    const file = csvFile('m.csv', 'email\nada@unilag.edu.ng\nbola@unilag.edu.ng\nokafor@unilag.edu.ng\n');
    expect((await cli('rooms', 'create', '--code', 'CSC205', '--name', 'Data Structures', '--members', file)).code).toBe(0);
    const room = (await roomByCode('CSC205'))!;
    const ids = await withStore(async (s) => Object.fromEntries(await Promise.all(EMAILS.map(async (e) => [e.split('@')[0], (await s.users.byEmail(e))!.id]))));
    const MIN = 60_000;
    await withStore(async (s) => {
      await s.users.update(ids.ada!, { name: 'Ada Obi', matricNo: '190805001' });
      await s.users.update(ids.bola!, { name: 'Bola Ade' });
      await s.users.update(ids.okafor!, { name: 'Dr Okafor' });
      // Two lectures of an hour: Ada in the first for 45 minutes (two devices overlapping), and the second whole; Bola in neither.
      await s.lectures.save({ id: 'L1', roomId: room.id, startedBy: ids.okafor!, startedAt: 0, lastAt: 60 * MIN, endedAt: 60 * MIN });
      await s.lectures.save({ id: 'L2', roomId: room.id, startedBy: ids.okafor!, startedAt: 100 * MIN, lastAt: 160 * MIN, endedAt: 160 * MIN });
      await s.lectures.seat({ lectureId: 'L1', seatId: 'a', userId: ids.ada!, from: 0, to: 30 * MIN });
      await s.lectures.seat({ lectureId: 'L1', seatId: 'b', userId: ids.ada!, from: 15 * MIN, to: 45 * MIN });
      await s.lectures.seat({ lectureId: 'L2', seatId: 'c', userId: ids.ada!, from: 100 * MIN, to: 160 * MIN });
      await s.lectures.seat({ lectureId: 'L1', seatId: 'd', userId: ids.okafor!, from: 0, to: 60 * MIN });
      // Bola could not get into the second: it was full.
      await s.lectures.turnedAway({ lectureId: 'L2', userId: ids.bola!, at: 101 * MIN });
    });
    const r = await cli('rooms', 'register', 'csc205');
    expect(r.code).toBe(0);
    expect(r.out.split('\r\n')).toEqual([
      'name,matric_no,email,lectures_attended,lectures_held,minutes_present,share_percent,lectures_turned_away',
      'Ada Obi,190805001,ada@unilag.edu.ng,2,2,105,88,0',
      'Bola Ade,,bola@unilag.edu.ng,0,2,0,0,1',
      'Dr Okafor,,okafor@unilag.edu.ng,1,2,60,50,0',
      '',
    ]);
    const out = join(w.dir, 'register.csv');
    const written = await cli('rooms', 'register', 'CSC205', '--out', out);
    expect(written.err).toBe('3 people, 2 lecture(s) of CSC205 written to ' + out + '\n');
    expect(await Bun.file(out).text()).toBe(r.out);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const again = await cli('rooms', 'register', 'CSC205', '--out', out);
    expect(again.code).toBe(1);
    expect(again.err).toContain('exists: choose a new file');
    const audit = (await withStore((s) => s.audit.list())).filter((a) => a.action === 'room.register_exported');
    expect(audit.map((a) => [a.origin, a.target, a.details.lectures, a.details.people, a.details.file, typeof a.details.osUser])).toEqual([
      ['cli', room.id, 2, 3, null, 'string'],
      ['cli', room.id, 2, 3, out, 'string'],
    ]);
    expect((await cli('rooms', 'register', 'NOPE101')).err).toContain('no room with code NOPE101');
  });
});
