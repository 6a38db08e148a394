import { describe, expect, test } from 'bun:test';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsv } from '../server/lib/csv';
import { hashLoginCode, normaliseLoginCode } from '../server/features/accounts/codes';
import { cliWorkspace, runCaptured } from './test-workspace';

const REPO_ROOT = join(import.meta.dir, '..');
const HEADER = 'email,name,role,date_of_birth,matric_no\n';

const w = cliWorkspace('lt-cli-');
const { cli, withStore, csvFile } = w;

const userCount = () => withStore((s) => s.users.count());
const user = (email: string) => withStore((s) => s.users.byEmail(email));

/** Files in `w.dir` other than the data directory (credentials, temp files). */
const strayFiles = (...expected: string[]) => readdirSync(w.dir).filter((f) => f !== 'data' && !expected.includes(f));

function codeFrom(out: string) {
  const m = /login code: (\S+)/.exec(out);
  if (!m) throw new Error(`no login code in output: ${out}`);
  return m[1]!;
}

const codeHash = (code: string) => hashLoginCode(normaliseLoginCode(code)!);

async function addSession(userId: string, idHash: string) {
  const now = Date.now();
  await withStore((s) => s.sessions.create({ idHash, userId, createdAt: now, lastSeenAt: now, expiresAt: now + 86_400_000, ip: '127.0.0.1', userAgent: 'test' }));
}

describe('users import', () => {
  test('creates the users and writes their codes to a private credentials file', async () => {
    const file = csvFile('students.csv', HEADER + 'ada@unilag.edu.ng,Ada Obi,student,2005-04-01,190401001\nbola@unilag.edu.ng,Bola Ade,lecturer,,\n');
    const creds = join(w.dir, 'codes.csv');
    const r = await cli('users', 'import', file, '--credentials', creds);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(`created 2, updated 0, skipped 0, invalid 0. Login codes: ${creds}\n`);

    expect(statSync(creds).mode & 0o777).toBe(0o600);
    const [header, ...rows] = parseCsv(readFileSync(creds, 'utf8'));
    expect(header!.fields).toEqual(['email', 'name', 'login_code', 'expires_at']);
    expect(rows.map((r) => r.fields.slice(0, 2))).toEqual([
      ['ada@unilag.edu.ng', 'Ada Obi'],
      ['bola@unilag.edu.ng', 'Bola Ade'],
    ]);
    for (const row of rows) {
      const [email, , code, expires] = row.fields as [string, string, string, string];
      const u = (await user(email))!;
      expect(u.mustSetPassword).toBe(true);
      expect(u.loginCodeHash).toBe(codeHash(code)); // the code in the file signs this user in
      expect(new Date(expires).getTime()).toBe(u.loginCodeExpiresAt!);
      // default LOGIN_CODE_TTL_DAYS is 14
      expect(u.loginCodeExpiresAt! - Date.now()).toBeGreaterThan(13.9 * 86_400_000);
      expect(u.loginCodeExpiresAt! - Date.now()).toBeLessThanOrEqual(14 * 86_400_000);
    }
    expect(await user('bola@unilag.edu.ng')).toMatchObject({ role: 'lecturer', name: 'Bola Ade' });
    expect(strayFiles('students.csv', 'codes.csv')).toEqual([]); // no temp file left behind
  });

  test('a file with bad rows exits 1, lists every bad row as file:line: reason, and writes nothing', async () => {
    const file = csvFile(
      'bad.csv',
      HEADER +
        'ada@unilag.edu.ng,Ada Obi,,,\n' + // 2 ok
        'not-an-email,Bad,,,\n' + // 3
        'bola@unilag.edu.ng,Bola,wizard,,\n' + // 4
        'cid@unilag.edu.ng,Cid,,2010-02-30,\n' + // 5
        'ADA@unilag.edu.ng,Ada Twice,,,\n', // 6
    );
    const creds = join(w.dir, 'codes.csv');
    const r = await cli('users', 'import', file, '--credentials', creds);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    const lines = r.err.trimEnd().split('\n');
    expect(lines).toEqual([
      `${file}:3: "not-an-email" is not a valid email address`,
      `${file}:4: unknown role "wizard" (use student, lecturer or admin)`,
      `${file}:5: date of birth "2010-02-30" is not a real date`,
      `${file}:6: duplicate email ADA@unilag.edu.ng (also on line 2)`,
      'error: 4 invalid row(s); nothing was written. Fix them and run the import again.',
    ]);
    expect(existsSync(creds)).toBe(false);
    expect(strayFiles('bad.csv')).toEqual([]);
    expect(await userCount()).toBe(0);
  });

  test('cell text is shown on one line per bad row, with control characters escaped', async () => {
    const file = csvFile('sneaky.csv', HEADER + 'ada@unilag.edu.ng,Ada Obi,"admin\nnext line",,\nbola@unilag.edu.ng,Bola,"\u001b]0;owned\u0007",,\n');
    const r = await cli('users', 'import', file, '--credentials', join(w.dir, 'codes.csv'));
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split('\n')).toEqual([
      `${file}:2: unknown role "admin\\u000anext line" (use student, lecturer or admin)`,
      `${file}:4: unknown role "\\u001b]0;owned\\u0007" (use student, lecturer or admin)`,
      'error: 2 invalid row(s); nothing was written. Fix them and run the import again.',
    ]);
    expect(r.err).not.toContain('\u001b');
  });

  test('a credentials file that cannot be written means no user is created', async () => {
    const file = csvFile('students.csv', HEADER + 'ada@unilag.edu.ng,Ada Obi,,2000-01-01,\n');
    const r = await cli('users', 'import', file, '--credentials', join(w.dir, 'no-such-w.dir', 'codes.csv'));
    expect(r.code).toBe(1);
    expect(r.err).toStartWith('error: ');
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(await userCount()).toBe(0);
    expect(await withStore((s) => s.audit.list())).toEqual([]);
  });

  test('malformed CSV (an unclosed quote) is reported with its line and nothing is written', async () => {
    const file = csvFile('broken.csv', HEADER + 'ada@unilag.edu.ng,Ada Obi,,,\nbola@unilag.edu.ng,"Bola,,,\n');
    const r = await cli('users', 'import', file, '--credentials', join(w.dir, 'codes.csv'));
    expect(r.code).toBe(1);
    expect(r.err).toStartWith(`${file}:3: a quoted field is never closed\n`);
    expect(existsSync(join(w.dir, 'codes.csv'))).toBe(false);
    expect(await userCount()).toBe(0);
  });

  test('accepts an Excel "CSV UTF-8" file (BOM, CRLF) and rejects a file that is not UTF-8', async () => {
    const good = csvFile('excel.csv', '\uFEFFemail,name\r\nada@unilag.edu.ng,Adé Obi\r\n');
    expect((await cli('users', 'import', good, '--credentials', join(w.dir, 'a.csv'))).code).toBe(0);
    expect((await user('ada@unilag.edu.ng'))!.name).toBe('Adé Obi');

    const latin1 = join(w.dir, 'latin1.csv');
    writeFileSync(latin1, Buffer.from('email,name\nbola@unilag.edu.ng,Ad\xe9\n', 'latin1'));
    const r = await cli('users', 'import', latin1, '--credentials', join(w.dir, 'b.csv'));
    expect(r.code).toBe(1);
    expect(r.err).toBe(`error: ${latin1} is not UTF-8 text; save it as "CSV UTF-8"\n`);
    expect(existsSync(join(w.dir, 'b.csv'))).toBe(false);
  });

  test('refuses to overwrite an existing credentials file and writes nothing', async () => {
    const file = csvFile('students.csv', HEADER + 'ada@unilag.edu.ng,Ada Obi,,,\n');
    const creds = csvFile('codes.csv', 'earlier codes\n');
    const r = await cli('users', 'import', file, '--credentials', creds);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`error: ${creds} already exists; choose a new file so earlier codes are not lost\n`);
    expect(readFileSync(creds, 'utf8')).toBe('earlier codes\n');
    expect(await userCount()).toBe(0);
  });

  test('--dry-run reports what would happen and writes nothing', async () => {
    await cli('users', 'create-admin', '--email', 'ada@unilag.edu.ng', '--name', 'Ada Obi');
    const file = csvFile('students.csv', HEADER + 'ada@unilag.edu.ng,Ada Obi,,,\nbola@unilag.edu.ng,Bola Ade,,,\ncid@unilag.edu.ng,Cid Eze,,,\n');
    const r = await cli('users', 'import', file, '--dry-run');
    expect(r.code).toBe(0);
    expect(r.out).toBe('dry run: 3 valid row(s): would create 2, update 0, skip 1; invalid 0. Nothing was written.\n');
    expect(r.err).toContain('ada@unilag.edu.ng');
    expect(await userCount()).toBe(1);
    expect(strayFiles('students.csv')).toEqual([]);
    expect(await withStore((s) => s.audit.list({ action: 'user.import' }))).toEqual([]);
  });

  test('names who the import makes a minor or an adult, and warns of students without a date of birth (treated as adults)', async () => {
    const kid = new Date().getFullYear() - 15;
    const file = csvFile('students.csv', HEADER + `kid@unilag.edu.ng,Kid One,student,${kid}-01-01,\nnodob@unilag.edu.ng,No Date,student,,\ndr@unilag.edu.ng,Dr Eze,lecturer,,\n`);
    const r = await cli('users', 'import', file, '--dry-run');
    expect(r.code).toBe(0);
    expect(r.err).toContain('under 18: 1 new user(s)\n');
    expect(r.err).toContain('warning: 1 student(s) without a date of birth, treated as adults: nodob@unilag.edu.ng\n');
    expect(r.err).not.toContain('dr@unilag.edu.ng');
  });

  test('--dry-run with --credentials does not create the credentials file', async () => {
    const file = csvFile('students.csv', HEADER + 'ada@unilag.edu.ng,Ada Obi,,,\n');
    const r = await cli('users', 'import', file, '--dry-run', '--credentials', join(w.dir, 'codes.csv'));
    expect(r.code).toBe(0);
    expect(existsSync(join(w.dir, 'codes.csv'))).toBe(false);
    expect(await userCount()).toBe(0);
  });

  test('re-importing skips existing emails, reports them, and does not change their codes', async () => {
    const file = csvFile('students.csv', HEADER + 'ada@unilag.edu.ng,Ada Obi,,,\nbola@unilag.edu.ng,Bola Ade,,,\n');
    expect((await cli('users', 'import', file, '--credentials', join(w.dir, 'first.csv'))).code).toBe(0);
    const before = (await user('ada@unilag.edu.ng'))!;

    const again = csvFile('again.csv', HEADER + 'ADA@unilag.edu.ng,Ada Changed,lecturer,,\nbola@unilag.edu.ng,Bola Ade,,,\ncid@unilag.edu.ng,Cid Eze,,2000-01-01,\n');
    const r = await cli('users', 'import', again, '--credentials', join(w.dir, 'second.csv'));
    expect(r.code).toBe(0);
    expect(r.err).toBe('skipped (already exist; use --update to change them): ADA@unilag.edu.ng, bola@unilag.edu.ng\n');
    expect(r.out).toBe(`created 1, updated 0, skipped 2, invalid 0. Login codes: ${join(w.dir, 'second.csv')}\n`);
    expect(await user('ada@unilag.edu.ng')).toEqual(before);
    const rows = parseCsv(readFileSync(join(w.dir, 'second.csv'), 'utf8')).slice(1);
    expect(rows.map((r) => r.fields[0])).toEqual(['cid@unilag.edu.ng']);
    expect(await userCount()).toBe(3);
  });

  test('an import with no new users writes no credentials file and says so; cleared spreadsheet rows are skipped', async () => {
    const file = csvFile('students.csv', HEADER + 'ada@unilag.edu.ng,Ada Obi,,,\n,,,,\n');
    expect((await cli('users', 'import', file, '--credentials', join(w.dir, 'first.csv'))).code).toBe(0);
    const r = await cli('users', 'import', file, '--credentials', join(w.dir, 'second.csv'));
    expect(r.code).toBe(0);
    expect(r.out).toBe('created 0, updated 0, skipped 1, invalid 0. No new users, so no credentials file was written.\n');
    expect(existsSync(join(w.dir, 'second.csv'))).toBe(false);
    expect(await userCount()).toBe(1);
  });

  test('--update changes existing users, keeps values for blank cells, and issues them no new code', async () => {
    const file = csvFile('students.csv', HEADER + 'ada@unilag.edu.ng,Ada Obi,student,2005-04-01,190401001\n');
    expect((await cli('users', 'import', file, '--credentials', join(w.dir, 'first.csv'))).code).toBe(0);
    const before = (await user('ada@unilag.edu.ng'))!;

    const upd = csvFile('update.csv', HEADER + 'ada@unilag.edu.ng,Ada Obi-Eze,lecturer,,\nbola@unilag.edu.ng,Bola Ade,,,\n');
    const r = await cli('users', 'import', upd, '--update', '--credentials', join(w.dir, 'second.csv'));
    expect(r.code).toBe(0);
    expect(r.out).toBe(`created 1, updated 1, skipped 0, invalid 0. Login codes: ${join(w.dir, 'second.csv')}\n`);
    const after = (await user('ada@unilag.edu.ng'))!;
    expect(after).toMatchObject({ name: 'Ada Obi-Eze', role: 'lecturer', dateOfBirth: '2005-04-01', matricNo: '190401001' });
    expect(after.loginCodeHash).toBe(before.loginCodeHash);
    const rows = parseCsv(readFileSync(join(w.dir, 'second.csv'), 'utf8')).slice(1);
    expect(rows.map((r) => r.fields[0])).toEqual(['bola@unilag.edu.ng']);
  });

  test('--update that makes someone a minor screens the history of her rooms (the shipped model), as the portal does', async () => {
    const file = csvFile('adults.csv', HEADER + 'ada@unilag.edu.ng,Ada Obi,student,2000-04-01,\nbola@unilag.edu.ng,Bola Ade,student,2001-01-01,\n');
    expect((await cli('users', 'import', file, '--credentials', join(w.dir, 'first.csv'))).code).toBe(0);
    const members = csvFile('members.csv', 'email\nada@unilag.edu.ng\nbola@unilag.edu.ng\n');
    expect((await cli('rooms', 'create', '--code', 'BIO101', '--name', 'Biology', '--members', members)).code).toBe(0);
    // Posted while both were adults: not screened (held by the shipped model as a student's course-room post).
    const secret = "come to my house alone this weekend and don't tell your parents, it's our secret";
    const m = await withStore(async (s) => {
      const room = (await s.rooms.byCode('BIO101'))!;
      const ada = (await s.users.byEmail('ada@unilag.edu.ng'))!;
      return (await s.messages.append({ roomId: room.id, senderId: ada.id, clientId: 'c-before-minor-1', kind: 'text', body: secret, mentions: [] })).message;
    });
    const upd = csvFile('update.csv', HEADER + 'bola@unilag.edu.ng,Bola Ade,,2012-02-02,\n');
    const r = await cli('users', 'import', upd, '--update', '--credentials', join(w.dir, 'second.csv'));
    // No officer address in this shell (the test's, like a cron job's): said, not silently dropped.
    expect(r).toMatchObject({ code: 0, err: 'now under 18: bola@unilag.edu.ng\nwarning: 1 safeguarding notice(s) were not sent: SMTP_URL/SAFEGUARDING_WEBHOOK_URL are not set in this shell (set the server\'s values); officers see the cases in Admin → Safeguarding\n' });
    await withStore(async (s) => {
      expect((await s.messages.byId(m.roomId, m.id))?.held).toBe(true);
      expect((await s.cases.list({ messageId: m.id })).map((c) => [c.severity, c.towardsMinor])).toEqual([['hold', false]]);
    });
  });

  test('records a user.import audit entry from the CLI', async () => {
    const file = csvFile('students.csv', HEADER + 'ada@unilag.edu.ng,Ada Obi,,,\n');
    await cli('users', 'import', file, '--credentials', join(w.dir, 'codes.csv'));
    const entries = await withStore((s) => s.audit.list({ action: 'user.import' }));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ origin: 'cli', actorId: null, details: { created: 1, updated: 0, skipped: 0 } });
  });

  test('without --credentials (and no --dry-run) exits 1 and writes nothing', async () => {
    const file = csvFile('students.csv', HEADER + 'ada@unilag.edu.ng,Ada Obi,,,\n');
    const r = await cli('users', 'import', file);
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: --credentials <out.csv> is required (or use --dry-run)\n');
    expect(await userCount()).toBe(0);
  });

  test('a missing input file exits 1 with one line', async () => {
    const r = await cli('users', 'import', join(w.dir, 'nope.csv'), '--credentials', join(w.dir, 'codes.csv'));
    expect(r.code).toBe(1);
    expect(r.err).toBe(`error: cannot read ${join(w.dir, 'nope.csv')}: no such file\n`);
  });
});

describe('usage errors exit 2', () => {
  test('unknown command', async () => {
    const r = await cli('bogus');
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'bogus'");
    const sub = await cli('users', 'bogus');
    expect(sub.code).toBe(2);
    expect(sub.err).toContain("unknown command 'bogus'");
  });

  test('missing required option or argument', async () => {
    const r = await cli('users', 'create-admin', '--email', 'ada@unilag.edu.ng');
    expect(r.code).toBe(2);
    expect(r.err).toContain("required option '--name <name>' not specified");
    expect(await userCount()).toBe(0);
    const noFile = await cli('users', 'import');
    expect(noFile.code).toBe(2);
    expect(noFile.err).toContain("missing required argument 'file'");
  });

  test('a --role that is not a role', async () => {
    const r = await cli('users', 'list', '--role', 'wizard');
    expect(r.code).toBe(2);
    expect(r.err).toContain('Allowed choices are student, lecturer, admin');
  });

  test('an unknown option', async () => {
    const r = await cli('users', 'list', '--colour');
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown option '--colour'");
  });

  test('--help exits 0 and prints usage on stdout', async () => {
    const r = await cli('users', 'import', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('--credentials <out>');
  });
});

describe('a DATA_DIR without a database (mistyped, or the CLI run from another folder)', () => {
  test('is refused with its path and nothing is made there; create-admin makes it and says so', async () => {
    const elsewhere = join(w.dir, 'typo');
    const run = (...argv: string[]) => runCaptured(argv, { DATA_DIR: elsewhere });
    const list = await run('users', 'list', '--json');
    expect(list.code).toBe(1);
    expect(list.out).toBe('');
    expect(list.err).toBe(`error: no database at ${join(elsewhere, 'letstalk.db')}: set DATA_DIR to the server's data folder (the server makes the database on its first start)\n`);
    expect(existsSync(join(elsewhere, 'letstalk.db'))).toBe(false);
    const admin = await run('users', 'create-admin', '--email', 'admin@unilag.edu.ng', '--name', 'Ada Admin');
    expect(admin.code).toBe(0);
    expect(admin.err).toContain(`note: no database at ${join(elsewhere, 'letstalk.db')}: a new one is made there`);
    expect((await run('users', 'list')).code).toBe(0);
  });
});

describe('create-admin, reset, disable, enable', () => {
  test('create-admin prints a login code that matches the stored hash', async () => {
    const r = await cli('users', 'create-admin', '--email', 'Admin@unilag.edu.ng', '--name', 'Ada Admin');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^created admin Admin@unilag\.edu\.ng\nlogin code: [2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){4}\nexpires: \d{4}-\d\d-\d\dT[\d:.]+Z\n$/);
    const u = (await user('admin@unilag.edu.ng'))!;
    expect(u).toMatchObject({ role: 'admin', name: 'Ada Admin', mustSetPassword: true, status: 'active', passwordHash: null });
    expect(u.loginCodeHash).toBe(codeHash(codeFrom(r.out)));
    // as typed by a person: lower case, spaces instead of dashes
    expect(u.loginCodeHash).toBe(codeHash(codeFrom(r.out).toLowerCase().replace(/-/g, ' ')));
  });

  test('create-admin with an existing email or a bad email exits 1 with one line', async () => {
    await cli('users', 'create-admin', '--email', 'admin@unilag.edu.ng', '--name', 'Ada Admin');
    const dup = await cli('users', 'create-admin', '--email', 'ADMIN@unilag.edu.ng', '--name', 'Other');
    expect(dup.code).toBe(1);
    expect(dup.err).toBe('error: a user with email ADMIN@unilag.edu.ng already exists\n');
    const bad = await cli('users', 'create-admin', '--email', 'admin.unilag.edu.ng', '--name', 'Other');
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('error: "admin.unilag.edu.ng" is not a valid email address\n');
    expect(await userCount()).toBe(1);
  });

  test('reset issues a new code, clears the password and revokes every session', async () => {
    const created = await cli('users', 'create-admin', '--email', 'admin@unilag.edu.ng', '--name', 'Ada Admin');
    const oldCode = codeFrom(created.out);
    const u = (await user('admin@unilag.edu.ng'))!;
    await withStore((s) => s.users.update(u.id, { passwordHash: 'argon2-hash', mustSetPassword: false }));
    await addSession(u.id, 'session-a');
    await addSession(u.id, 'session-b');

    const r = await cli('users', 'reset', 'ADMIN@unilag.edu.ng');
    expect(r.code).toBe(0);
    expect(r.out).toStartWith('reset admin@unilag.edu.ng\nlogin code: ');
    const newCode = codeFrom(r.out);
    expect(newCode).not.toBe(oldCode);
    const after = (await user('admin@unilag.edu.ng'))!;
    expect(after.loginCodeHash).toBe(codeHash(newCode));
    expect(after).toMatchObject({ passwordHash: null, mustSetPassword: true });
    expect(await withStore((s) => s.sessions.listForUser(u.id))).toEqual([]);
    const audit = await withStore((s) => s.audit.list({ action: 'user.reset' }));
    expect(audit[0]).toMatchObject({ target: u.id, details: { sessionsRevoked: 2 } });
  });

  test('disable signs the user out everywhere; enable makes the account active again', async () => {
    await cli('users', 'create-admin', '--email', 'admin@unilag.edu.ng', '--name', 'Ada Admin');
    const other = await cli('users', 'create-admin', '--email', 'other@unilag.edu.ng', '--name', 'Other Admin');
    expect(other.code).toBe(0);
    const u = (await user('admin@unilag.edu.ng'))!;
    const o = (await user('other@unilag.edu.ng'))!;
    await addSession(u.id, 'session-a');
    await addSession(o.id, 'session-other');

    const d = await cli('users', 'disable', 'admin@unilag.edu.ng');
    expect(d.code).toBe(0);
    expect(d.out).toBe('admin@unilag.edu.ng is now disabled\n');
    expect((await user('admin@unilag.edu.ng'))!.status).toBe('disabled');
    expect(await withStore((s) => s.sessions.listForUser(u.id))).toEqual([]);
    expect(await withStore((s) => s.sessions.listForUser(o.id))).toHaveLength(1); // only that user's sessions

    const e = await cli('users', 'enable', 'admin@unilag.edu.ng');
    expect(e.code).toBe(0);
    expect(e.out).toBe('admin@unilag.edu.ng is now active\n');
    expect((await user('admin@unilag.edu.ng'))!.status).toBe('active');
    const actions = (await withStore((s) => s.audit.list())).map((a) => a.action);
    expect(actions).toEqual(['user.create', 'user.create', 'user.disable', 'user.enable']);

    await addSession(u.id, 'session-b');
    const s = await cli('users', 'suspend', 'admin@unilag.edu.ng', '--reason', 'laptop stolen');
    expect(s).toMatchObject({ code: 0, out: 'admin@unilag.edu.ng is now suspended\n' });
    expect(await withStore((st) => st.sessions.listForUser(u.id))).toEqual([]);
    expect((await withStore((st) => st.audit.list({ action: 'user.suspend' })))[0]!.details).toMatchObject({ reason: 'laptop stolen' });
    expect((await cli('users', 'enable', 'admin@unilag.edu.ng')).out).toBe('admin@unilag.edu.ng is now active\n');
  });

  test('an unknown email exits 1 with a one-line error', async () => {
    for (const cmd of ['reset', 'disable', 'suspend', 'enable']) {
      const r = await cli('users', cmd, 'nobody@unilag.edu.ng');
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toBe('error: no user with email nobody@unilag.edu.ng\n');
    }
  });
});

describe('users list', () => {
  async function seed() {
    await cli('users', 'create-admin', '--email', 'admin@unilag.edu.ng', '--name', 'Ada Admin');
    const file = csvFile('students.csv', HEADER + 'kid@unilag.edu.ng,Young Student,student,2015-01-01,S1\nbola@unilag.edu.ng,Bola Lecturer,lecturer,,\n');
    expect((await cli('users', 'import', file, '--credentials', join(w.dir, 'codes.csv'))).code).toBe(0);
  }

  test('--json prints the users sorted by email, without any password or code hashes', async () => {
    await seed();
    const u = (await user('admin@unilag.edu.ng'))!;
    await withStore((s) => s.users.update(u.id, { passwordHash: '$argon2id$v=19$secret' }));
    const r = await cli('users', 'list', '--json');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.out);
    expect(list).toEqual([
      { email: 'admin@unilag.edu.ng', name: 'Ada Admin', role: 'admin', status: 'active', minor: false, matricNo: null, mustSetPassword: true },
      { email: 'bola@unilag.edu.ng', name: 'Bola Lecturer', role: 'lecturer', status: 'active', minor: false, matricNo: null, mustSetPassword: true },
      { email: 'kid@unilag.edu.ng', name: 'Young Student', role: 'student', status: 'active', minor: true, matricNo: 'S1', mustSetPassword: true },
    ]);
    expect(r.out).not.toMatch(/passwordHash|loginCodeHash|argon2/);
    const hashes = (await withStore((s) => s.users.list())).map((x) => x.loginCodeHash!);
    for (const h of hashes) expect(r.out).not.toContain(h);
  });

  test('--role filters; the table shows one line per user and a count', async () => {
    await seed();
    const json = await cli('users', 'list', '--json', '--role', 'student');
    expect(JSON.parse(json.out).map((x: { email: string }) => x.email)).toEqual(['kid@unilag.edu.ng']);
    const table = await cli('users', 'list');
    expect(table.code).toBe(0);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^EMAIL\s+ROLE\s+STATUS\s+MINOR\s+NAME$/);
    expect(lines[3]).toMatch(/^kid@unilag\.edu\.ng\s+student\s+active\s+yes\s+Young Student$/);
    expect(lines.at(-1)).toBe('3 user(s)');
    const empty = await cli('users', 'list', '--json', '--role', 'lecturer');
    expect(JSON.parse(empty.out)).toHaveLength(1);
  });

  test('an empty store lists nothing', async () => {
    expect(JSON.parse((await cli('users', 'list', '--json')).out)).toEqual([]);
    expect((await cli('users', 'list')).out).toEndWith('0 user(s)\n');
  });
});

test('bad configuration exits 1 with one line', async () => {
  const { code, err } = await runCaptured(['users', 'list'], { DATA_DIR: w.dataDir, LOGIN_CODE_TTL_DAYS: 'soon' });
  expect(code).toBe(1);
  expect(err).toBe('error: LOGIN_CODE_TTL_DAYS must be a whole number, got "soon"\n');
});

test('cli/main.ts runs as a real process', async () => {
  const proc = Bun.spawn(['bun', 'cli/main.ts', 'users', 'list'], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATA_DIR: w.dataDir, MONGODB_URI: '' },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [code, out] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
  expect(code).toBe(0);
  expect(out).toEndWith('0 user(s)\n');
});
