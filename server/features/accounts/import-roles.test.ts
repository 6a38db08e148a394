/**
 * Import with --update and roles: the rules of the edit form (no self-demotion) and the last active
 * administrator, and one audit entry per created or updated user.
 */
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { createSqliteStore } from '../../store/sqlite/sqlite';
import type { Store } from '../../store/types';
import { expectAppError, makePerson } from '../../testing';
import { CLI_ACTOR, type Actor } from '../audit/record';
import { applyImport, planImport, roleChanges, validateImportCsv } from './import';
import type { Tightened } from './model';

const HEADER = 'email,name,role,date_of_birth,matric_no\n';
const TTL = 14 * 86_400_000;

let store: Store;
beforeEach(() => {
  store = createSqliteStore(null);
});
afterEach(async () => {
  await store.close();
});

function rowsOf(text: string) {
  const v = validateImportCsv(text);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return v.rows;
}

const plan = (text: string, actor?: Actor) => planImport(store, rowsOf(HEADER + text), { update: true, actor });
const apply = async (text: string, actor: Actor = CLI_ACTOR) => applyImport(store, await plan(text, actor), { codeTtlMs: TTL, actor });
const roleOf = async (email: string) => (await store.users.byEmail(email))?.role;

describe('import: no administrator under 18', () => {
  test('a new row making a minor an administrator is a bad row; an update making an admin a minor, or a minor an admin, is left out', async () => {
    const v = validateImportCsv(HEADER + 'kid@unilag.edu.ng,Kid,admin,2012-05-05,\n');
    expect(v.ok).toBe(false);
    expect(!v.ok && v.errors[0]!.reason).toContain('a person under 18 cannot be an administrator');
    await makePerson(store, 'boss@unilag.edu.ng', 'Boss', 'admin');
    await makePerson(store, 'other@unilag.edu.ng', 'Other', 'admin');
    await makePerson(store, 'teen@unilag.edu.ng', 'Teen', 'student', { dateOfBirth: '2012-05-05' });
    const p = await plan('boss@unilag.edu.ng,Boss,,2012-05-05,\nteen@unilag.edu.ng,Teen,admin,,\n');
    expect(p.refused.map((r) => [r.row.line, r.reason])).toEqual([
      [2, 'a person under 18 cannot be an administrator; this row is left out'],
      [3, 'a person under 18 cannot be an administrator; this row is left out'],
    ]);
    await applyImport(store, p, { codeTtlMs: TTL, actor: CLI_ACTOR });
    expect(await store.users.byEmail('boss@unilag.edu.ng')).toMatchObject({ role: 'admin', dateOfBirth: null });
    expect(await roleOf('teen@unilag.edu.ng')).toBe('student');
  });
});

describe('import --update: roles', () => {
  test("an admin's own role change is refused as a row with a reason; the other rows are imported", async () => {
    const admin = await makePerson(store, 'admin@unilag.edu.ng', 'Admin', 'admin');
    await makePerson(store, 'other.admin@unilag.edu.ng', 'Other Admin', 'admin'); // not the last admin
    await makePerson(store, 'ada@unilag.edu.ng', 'Ada Obi', 'student');
    const actor = { userId: admin.id, origin: '10.0.0.1' };
    const p = await plan('admin@unilag.edu.ng,Admin Renamed,student,,\nada@unilag.edu.ng,Ada Obi,lecturer,,\n', actor);
    expect(p.refused.map((r) => [r.row.line, r.user.email])).toEqual([[2, 'admin@unilag.edu.ng']]);
    expect(p.refused[0]!.reason).toContain('you cannot change your own role');
    expect(p.update.map((u) => u.user.email)).toEqual(['ada@unilag.edu.ng']);
    await applyImport(store, p, { codeTtlMs: TTL, actor });
    expect(await store.users.byEmail('admin@unilag.edu.ng')).toMatchObject({ role: 'admin', name: 'Admin' });
    expect(await roleOf('ada@unilag.edu.ng')).toBe('lecturer');
    const summary = (await store.audit.list({ action: 'user.import' }))[0]!;
    expect(summary.details).toEqual({ created: 0, updated: 1, skipped: 0, refused: 1 });
    // Their own row without a role change (or with role admin) is fine.
    await apply('admin@unilag.edu.ng,Admin Renamed,admin,,\n', actor);
    expect(await store.users.byEmail('admin@unilag.edu.ng')).toMatchObject({ role: 'admin', name: 'Admin Renamed' });
  });

  test("a plan applied by the admin it demotes is refused whole, even if planned without them", async () => {
    const admin = await makePerson(store, 'admin@unilag.edu.ng', 'Admin', 'admin');
    await makePerson(store, 'other.admin@unilag.edu.ng', 'Other Admin', 'admin');
    const p = await plan('admin@unilag.edu.ng,Admin,student,,\n');
    const err = await expectAppError(applyImport(store, p, { codeTtlMs: TTL, actor: { userId: admin.id, origin: '10.0.0.1' } }));
    expect(err.message).toContain('line 2: you cannot change your own role');
    expect(await roleOf('admin@unilag.edu.ng')).toBe('admin');
    expect(await store.audit.list({ action: 'user.import' })).toEqual([]);
  });

  test('the CLI cannot demote the last active administrator: a clear error, nothing written', async () => {
    await makePerson(store, 'admin@unilag.edu.ng', 'Admin', 'admin');
    await makePerson(store, 'gone.admin@unilag.edu.ng', 'Gone Admin', 'admin', { status: 'disabled' }); // does not count
    await makePerson(store, 'ada@unilag.edu.ng', 'Ada Obi', 'student');
    const before = await store.audit.list();
    const err = await expectAppError(apply('admin@unilag.edu.ng,Admin,lecturer,,\nada@unilag.edu.ng,Ada Renamed,,,\n'));
    expect(err.kind).toBe('bad_request');
    expect(err.message).toBe(
      'This import would leave no active administrator: it removes the admin role from admin@unilag.edu.ng (line 2). Keep at least one active administrator; nothing was written.',
    );
    expect(await roleOf('admin@unilag.edu.ng')).toBe('admin');
    expect((await store.users.byEmail('ada@unilag.edu.ng'))!.name).toBe('Ada Obi');
    expect(await store.audit.list()).toEqual(before);
  });

  test('the last-admin rule blocks only the demotion of the last one: another active, promoted or new admin is enough', async () => {
    await apply('ada@unilag.edu.ng,Ada Obi,student,,\n'); // no admin at all yet (students before create-admin): not refused
    await makePerson(store, 'a1@unilag.edu.ng', 'A1', 'admin');
    await makePerson(store, 'a2@unilag.edu.ng', 'A2', 'admin');
    await apply('a1@unilag.edu.ng,A1,student,,\n'); // a2 remains
    expect(await expectAppError(apply('a2@unilag.edu.ng,A2,student,,\n'))).toMatchObject({ kind: 'bad_request' });
    await apply('a2@unilag.edu.ng,A2,student,,\nada@unilag.edu.ng,Ada Obi,admin,,\n'); // ada promoted
    await apply('ada@unilag.edu.ng,Ada Obi,student,,\nnew.admin@unilag.edu.ng,New Admin,admin,,\n'); // a new admin
    expect((await store.users.list({ role: 'admin' })).map((u) => u.email)).toEqual(['new.admin@unilag.edu.ng']);
  });

  test('the last-admin rule is checked again at apply time against the store as it is then', async () => {
    await makePerson(store, 'a1@unilag.edu.ng', 'A1', 'admin');
    const a2 = await makePerson(store, 'a2@unilag.edu.ng', 'A2', 'admin');
    const p = await plan('a1@unilag.edu.ng,A1,student,,\n'); // fine now: a2 remains
    await store.users.update(a2.id, { status: 'disabled' }); // meanwhile, e.g. in the portal
    const err = await expectAppError(applyImport(store, p, { codeTtlMs: TTL, actor: CLI_ACTOR }));
    expect(err.message).toContain('would leave no active administrator');
    expect(await roleOf('a1@unilag.edu.ng')).toBe('admin');
  });

  test('roleChanges lists who changes role, from and to, in file order', async () => {
    await makePerson(store, 'admin@unilag.edu.ng', 'Admin', 'admin');
    await makePerson(store, 'bola@unilag.edu.ng', 'Bola Ade', 'student');
    await makePerson(store, 'cid@unilag.edu.ng', 'Cid Eze', 'lecturer');
    const p = await plan('cid@unilag.edu.ng,Cid Eze,lecturer,,\nBOLA@unilag.edu.ng,Bola Ade,admin,,\nnew@unilag.edu.ng,New,admin,,\n');
    expect(roleChanges(p)).toEqual([{ line: 3, email: 'bola@unilag.edu.ng', from: 'student', to: 'admin' }]);
  });
});

describe('import: audit entries per user', () => {
  test('user.create for each new lecturer or administrator, user.update for each role or date of birth changed, then the summary', async () => {
    const admin = await makePerson(store, 'admin@unilag.edu.ng', 'Admin', 'admin');
    const bola = await makePerson(store, 'bola@unilag.edu.ng', 'Bola Ade', 'student', { matricNo: 'B1' });
    const cid = await makePerson(store, 'cid@unilag.edu.ng', 'Cid Eze', 'lecturer');
    const actor = { userId: admin.id, origin: '10.0.0.1' };
    const seq = (await store.audit.list()).length;
    await apply(
      'new@unilag.edu.ng,New Person,lecturer,,\n' +
        'stu@unilag.edu.ng,New Student,student,,\n' + // counted in the summary only
        'bola@unilag.edu.ng,Bola Adeyemi,admin,2001-02-03,B1\n' + // name, role and date of birth change
        'cid@unilag.edu.ng,Cid Eze,,,\n', // nothing changes: no entry
      actor,
    );
    const entries = (await store.audit.list()).slice(seq);
    const created = (await store.users.byEmail('new@unilag.edu.ng'))!;
    expect(entries.map((e) => [e.action, e.target, e.actorId, e.origin, e.details])).toEqual([
      ['user.create', created.id, admin.id, '10.0.0.1', { email: 'new@unilag.edu.ng', role: 'lecturer' }],
      ['user.update', bola.id, admin.id, '10.0.0.1', { email: 'bola@unilag.edu.ng', changed: ['name', 'role', 'dateOfBirth'], role: { from: 'student', to: 'admin' } }],
      ['user.import', null, admin.id, '10.0.0.1', { created: 2, updated: 2, skipped: 0, refused: 0 }],
    ]);
    expect(entries.some((e) => e.target === cid.id)).toBe(false);
  });
});

describe('import: someone made a minor, or no longer staff', () => {
  test('is reported after the write (the portal ends calls the safeguarding rules no longer allow)', async () => {
    await makePerson(store, 'ada@unilag.edu.ng', 'Ada', 'student', { dateOfBirth: '1999-01-01' });
    const teen = await makePerson(store, 'teen@unilag.edu.ng', 'Teen', 'student', { dateOfBirth: '1999-01-01' });
    const lect = await makePerson(store, 'lect@unilag.edu.ng', 'Lect', 'lecturer');
    await makePerson(store, 'prof@unilag.edu.ng', 'Prof', 'lecturer');
    const reported: Tightened[] = [];
    await applyImport(store, await plan('ada@unilag.edu.ng,Ada,,1998-01-01,\nteen@unilag.edu.ng,Teen,,2012-05-05,\nnew@unilag.edu.ng,New,student,2012-05-05,\nlect@unilag.edu.ng,Lect,student,,\nprof@unilag.edu.ng,Prof,admin,,\n'), {
      codeTtlMs: TTL,
      actor: CLI_ACTOR,
      tightened: async (c) => void reported.push(c),
    });
    // not the adult, nor a new account (no room yet), nor a lecturer made an admin
    expect(reported).toEqual([{ minors: [teen.id], leftStaff: [lect.id] }]);
  });
});
