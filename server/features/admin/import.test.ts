import { describe, expect, test } from 'bun:test';
import { parseCsv } from '../../lib/csv';
import { Client } from '../../testing';
import type { ImportPlan } from '../accounts/import';
import { ImportJobs } from './import-jobs';
import { adminSetup, person, asAdmin, type AdminClient } from './test-support';
import { progressPanel } from '../../../views/admin-import';

const HEADER = 'email,name,role,date_of_birth,matric_no\n';
const GOOD = `${HEADER}chidi@unilag.edu.ng,Chidi Eze,student,2004-03-01,190401002\nfunke@unilag.edu.ng,Funke Bello,,,\n`;
const BAD = `${HEADER}chidi@unilag.edu.ng,Chidi Eze,student,2004-03-01,190401002\nfunke@unilag,Funke Bello,,,\nemeka@unilag.edu.ng,Emeka,dean,,\n`;

const file = (text: string, name = 'students.csv') => new File([text], name, { type: 'text/csv' });

async function waitDone(admin: AdminClient, location: string) {
  for (let i = 0; i < 100; i++) {
    const page = await (await admin.get(location)).text();
    if (!page.includes('hx-trigger="every 500ms"')) return page;
    await Bun.sleep(20);
  }
  throw new Error('import did not finish');
}

describe('admin portal: bulk import', () => {
  test('bad rows are reported by line and block the import; the fixed file imports; the sheet downloads once', async () => {
    const t = await adminSetup();
    const users = await t.store.users.count();
    const bad = await t.admin.upload('/admin/import', { file: file(BAD) });
    expect(bad.status).toBe(400);
    const report = await bad.text();
    expect(report).toContain('2 rows of students.csv have problems. Nothing was written.');
    expect(report).toContain('<span class="line">line 3:</span> &quot;funke@unilag&quot; is not a valid email address');
    expect(report).toContain('<span class="line">line 4:</span> unknown role &quot;dean&quot;');
    expect(await t.store.users.count()).toBe(users);

    const ok = await t.admin.upload('/admin/import', { file: file(GOOD) });
    expect(ok.status).toBe(303);
    const location = ok.headers.get('location')!;
    expect(location).toMatch(/^\/admin\/import\/[A-Za-z0-9_-]{32}$/);
    const plan = await (await t.admin.get(location)).text();
    expect(plan).toContain('<dd id="plan-create">2</dd>');
    expect(plan).toContain('Confirm import');
    // Chidi is an adult by date of birth; Funke, a student with no date, would count as one: named
    expect(plan).toContain('<p id="plan-minors">No new user is under 18.</p>');
    expect(plan).toContain('<strong>1 student has no date of birth</strong> and will be treated as an adult');
    expect(plan).toContain('<ul class="plain" id="plan-no-birth-date"><li>funke@unilag.edu.ng</li></ul>');
    expect(await t.store.users.count()).toBe(users); // still nothing written

    const confirm = await t.admin.post(`${location}/confirm`);
    expect(confirm.headers.get('location')).toBe(location);
    const done = await waitDone(t.admin, location);
    expect(done).toContain('Import complete: created 2, updated 0, skipped 0.');
    expect(await t.store.users.count()).toBe(users + 2);
    // Confirming again does nothing.
    await t.admin.post(`${location}/confirm`);
    expect(await t.store.users.count()).toBe(users + 2);

    const dl = /action="(\/admin\/import\/download\/[^"]+)"/.exec(done)![1]!;
    const sheet = await t.admin.post(dl);
    expect(sheet.status).toBe(200);
    expect(sheet.headers.get('content-disposition')).toMatch(/^attachment; filename="credentials-\d{8}-\d{4}\.csv"$/);
    expect(sheet.headers.get('cache-control')).toBe('no-store');
    const [header, ...rows] = parseCsv(await sheet.text()).map((r) => r.fields);
    expect(header).toEqual(['email', 'name', 'login_code', 'expires_at']);
    expect(rows.map((r) => r[0])).toEqual(['chidi@unilag.edu.ng', 'funke@unilag.edu.ng']);
    // Once only.
    expect((await t.admin.post(dl)).status).toBe(404);
    expect(await (await t.admin.get(location)).text()).toContain('has been downloaded (or has expired)');

    const actions = (await t.store.audit.list({ limit: 1000 })).filter((e) => e.action.startsWith('user.import'));
    expect(actions.map((e) => [e.action, e.actorId, e.details])).toEqual([
      ['user.import', t.admin.p.id, { created: 2, updated: 0, skipped: 0, refused: 0 }],
      ['user.import.credentials_downloaded', t.admin.p.id, { count: 2 }],
    ]);
    // A code from the sheet signs the student in.
    const chidi = new Client(t.app, '10.3.3.3');
    expect((await chidi.signIn('chidi@unilag.edu.ng', rows[0]![2]!)).headers.get('location')).toBe('/password');
  }, 30_000);

  test('pasted CSV, existing users skipped or updated; another admin cannot see the plan', async () => {
    const t = await adminSetup();
    const text = `${HEADER}ada@unilag.edu.ng,Ada Renamed,,,\nnew@unilag.edu.ng,New Person,,,\n`;
    const skip = await t.admin.upload('/admin/import', { text });
    const loc = skip.headers.get('location')!;
    const plan = await (await t.admin.get(loc)).text();
    expect(plan).toContain('<dd id="plan-skip">1</dd>');
    expect(plan).toContain('ada@unilag.edu.ng');
    const other = await asAdmin(await person(t, 'other.admin@unilag.edu.ng', 'admin'));
    expect((await other.get(loc)).status).toBe(404);
    expect((await other.post(`${loc}/confirm`)).status).toBe(404);

    const upd = await t.admin.upload('/admin/import', { text, update: 'yes' });
    const uloc = upd.headers.get('location')!;
    expect(await (await t.admin.get(uloc)).text()).toContain('<dd id="plan-update">1</dd>');
    await t.admin.post(`${uloc}/confirm`);
    await waitDone(t.admin, uloc);
    expect((await t.store.users.byEmail('ada@unilag.edu.ng'))!.name).toBe('Ada Renamed');
    expect(await t.store.users.byEmail('new@unilag.edu.ng')).not.toBeNull();
  }, 30_000);

  test("--update: the admin's own demotion is left out with a reason, role changes are listed (escaped) before confirming, each user is audited", async () => {
    const t = await adminSetup();
    const odd = await person(t, "o'brien&co@unilag.edu.ng", 'lecturer');
    const csv = `${HEADER}admin@unilag.edu.ng,Admin,student,,\nada@unilag.edu.ng,Ada Obi,admin,,\n"o'brien&co@unilag.edu.ng",O Brien,student,,\nlect@unilag.edu.ng,Lect Renamed,,,\n`;
    const up = await t.admin.upload('/admin/import', { text: csv, update: 'yes' });
    expect(up.status).toBe(303);
    const loc = up.headers.get('location')!;
    const plan = await (await t.admin.get(loc)).text();
    expect(plan).toContain('<dd id="plan-update">3</dd>');
    expect(plan).toContain('<dt>Rows left out</dt><dd id="plan-refused">1</dd>');
    expect(plan).toContain('<span class="line">line 2:</span> admin@unilag.edu.ng: you cannot change your own role');
    const roles = plan.slice(plan.indexOf('<section id="plan-roles"'), plan.indexOf('</section>', plan.indexOf('<section id="plan-roles"')));
    expect(roles).toContain('This import changes the role of 2 existing users:');
    expect(roles).toContain('<tr><td>3</td><td>ada@unilag.edu.ng</td><td>student</td><td><strong>admin</strong></td></tr>');
    expect(roles).toContain('<tr><td>4</td><td>o&#39;brien&amp;co@unilag.edu.ng</td><td>lecturer</td><td>student</td></tr>');
    expect(roles).not.toContain('admin@unilag.edu.ng</td>'); // refused, so not a change
    expect(roles).not.toContain('lect@unilag.edu.ng'); // blank role: unchanged

    expect((await t.admin.post(`${loc}/confirm`)).status).toBe(303);
    expect(await waitDone(t.admin, loc)).toContain('Import complete: created 0, updated 3, skipped 0, left out 1.');
    expect((await t.store.users.byId(t.admin.p.id))!.role).toBe('admin');
    expect((await t.admin.get('/admin/users')).status).toBe(200);
    expect((await t.store.users.byId(t.student.id))!.role).toBe('admin');
    const entries = (await t.store.audit.list({ limit: 1000, actorId: t.admin.p.id })).filter((e) => e.action === 'user.update' || e.action === 'user.import');
    expect(entries.map((e) => [e.action, e.target, e.details])).toEqual([
      ['user.update', t.student.id, { email: 'ada@unilag.edu.ng', changed: ['role'], role: { from: 'student', to: 'admin' } }],
      ['user.update', odd.id, { email: "o'brien&co@unilag.edu.ng", changed: ['name', 'role'], role: { from: 'lecturer', to: 'student' } }],
      ['user.import', null, { created: 0, updated: 3, skipped: 0, refused: 1 }],
    ]);
  }, 30_000);

  test('new administrators are named on the plan page; each new lecturer or administrator is audited, new students in the summary', async () => {
    const t = await adminSetup();
    const up = await t.admin.upload('/admin/import', { text: `${HEADER}boss@unilag.edu.ng,New Boss,admin,,\nchidi@unilag.edu.ng,Chidi Eze,,,\n` });
    const loc = up.headers.get('location')!;
    const plan = await (await t.admin.get(loc)).text();
    expect(plan).toContain('New users who will be <strong>administrators</strong> (1):</p><ul class="plain" id="plan-new-admins"><li>boss@unilag.edu.ng</li></ul>');
    await t.admin.post(`${loc}/confirm`);
    await waitDone(t.admin, loc);
    const created = (await t.store.audit.list({ action: 'user.create', actorId: t.admin.p.id })).map((e) => e.details);
    expect(created).toEqual([{ email: 'boss@unilag.edu.ng', role: 'admin' }]);
  }, 30_000);

  test('an import that makes a member a minor: restricted members of their rooms leave those rooms\' calls', async () => {
    const t = await adminSetup();
    const room = await t.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'BIO102', name: 'Biology', topic: '', createdBy: null, dmKey: null }, [
      { userId: t.student.id, role: 'member' },
      { userId: t.lecturer.id, role: 'member' },
    ]);
    const ended: string[] = [];
    t.app.chat.calls = { endUser: (userId, opts) => void (opts?.where?.(room.id) ?? Promise.resolve(true)).then((yes) => yes && ended.push(userId)), endRoom: () => {}, endSeats: () => {} };
    await t.store.sanctions.create({ kind: 'restriction', userId: t.lecturer.id, roomId: room.id, caseIds: [], clause: 'SG-1', reason: 'test', evidence: '', actorId: null, deadline: Date.now() + 1e9 });
    // Posted while she was an adult (the shipped model holds it as a lecturer's course-room post).
    const secret = "come to my house alone this weekend and don't tell your parents, it's our secret";
    const { message } = await t.store.messages.append({ roomId: room.id, senderId: t.lecturer.id, clientId: 'c-before-import-1', kind: 'text', body: secret, mentions: [] });
    const up = await t.admin.upload('/admin/import', { text: `${HEADER}ada@unilag.edu.ng,Ada Obi,,2012-05-05,\n`, update: 'yes' });
    const loc = up.headers.get('location')!;
    expect((await t.admin.post(`${loc}/confirm`)).status).toBe(303);
    await waitDone(t.admin, loc);
    for (let i = 0; i < 50 && !ended.length; i++) await Bun.sleep(10);
    expect(ended).toEqual([t.lecturer.id]);
    // Her room's history was screened around the import's write: the message is held for an officer.
    expect((await t.store.messages.byId(room.id, message.id))?.held).toBe(true);
    expect((await t.store.cases.list({ messageId: message.id })).map((c) => c.towardsMinor)).toEqual([false]);
  }, 30_000);

  test('empty, non-UTF-8 and header-only uploads are refused with a reason', async () => {
    const t = await adminSetup();
    const none = await t.admin.upload('/admin/import', { file: new File([], '') });
    expect(none.status).toBe(400);
    expect(await none.text()).toContain('Choose a CSV file');
    const latin1 = await t.admin.upload('/admin/import', { file: new File([new Uint8Array([0x65, 0x6d, 0x61, 0x69, 0x6c, 0xe9, 0x0a])], 'x.csv') });
    expect(latin1.status).toBe(400);
    expect(await latin1.text()).toContain('is not UTF-8 text');
    const cols = await t.admin.upload('/admin/import', { file: file('mail,name\n') });
    expect(await cols.text()).toContain('line 1:</span> unknown column(s) &quot;mail&quot;');
    expect((await t.admin.get('/admin/import/not-a-token')).status).toBe(404);
  }, 30_000);
});

describe('import jobs (memory only)', () => {
  const plan = (n: number): ImportPlan => ({
    create: Array.from({ length: n }, (_, i) => ({ line: i + 2, email: `s${i}@unilag.edu.ng`, name: `S ${i}`, role: 'student' as const, dateOfBirth: null, matricNo: null, roleGiven: false })),
    update: [],
    skip: [],
    refused: [],
  });

  test('plans and sheets expire after 15 minutes', async () => {
    let now = 1_000_000;
    const jobs = new ImportJobs(() => now);
    const job = jobs.add('admin-1', plan(1), { fileName: 'a.csv', update: false });
    expect(jobs.get(job.token, 'admin-1')).toBe(job);
    expect(jobs.get(job.token, 'admin-2')).toBeNull();
    now += 15 * 60_000;
    expect(jobs.get(job.token, 'admin-1')).toBeNull();
  }, 30_000);

  test('the progress panel is a progressbar while running and polls until done', async () => {
    const jobs = new ImportJobs();
    const job = jobs.add('admin-1', plan(3), { fileName: 'a.csv', update: false });
    job.state = 'running';
    job.progress = 50;
    const v = { user: {} as never, csrf: 'c', asset: () => '', dateTime: String };
    const running = progressPanel(v, job, false).value;
    expect(running).toContain('<progress aria-label="Import progress" max="100" value="50">');
    expect(running).toContain('hx-get="/admin/import/');
    job.state = 'done';
    expect(progressPanel(v, job, false).value).not.toContain('hx-get');
  }, 30_000);
});
