import { describe, expect, test } from 'bun:test';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsv } from '../server/lib/csv';
import { cliWorkspace } from './test-workspace';

const w = cliWorkspace('lt-cli-audit-');
const { cli, withStore } = w;

describe('audit export', () => {
  test('the matching entries as CSV, oldest first, on stdout or into a file; each export is itself audited', async () => {
    expect((await cli('users', 'create-admin', '--email', 'ada@unilag.edu.ng', '--name', 'Ada Obi')).code).toBe(0);
    expect((await cli('users', 'create-admin', '--email', 'bola@unilag.edu.ng', '--name', 'Bola Ade')).code).toBe(0);
    expect((await cli('users', 'suspend', 'ada@unilag.edu.ng', '--reason', 'shared her password')).code).toBe(0);

    const all = await cli('audit', 'export');
    expect(all.code).toBe(0);
    const rows = parseCsv(all.out).map((r) => r.fields);
    expect(rows[0]).toEqual(['seq', 'at', 'actor_id', 'actor', 'action', 'target', 'target_name', 'origin', 'details', 'hash']);
    expect(rows.slice(1).map((r) => r[4])).toEqual(['user.create', 'user.create', 'user.suspend']);
    expect(rows[3]![6]).toBe('ada@unilag.edu.ng'); // target_name: the account's email
    expect(JSON.parse(rows[3]![8]!)).toMatchObject({ reason: 'shared her password' });

    // Filtered, into a file: only Ada's entries (this export's own entry came after the first).
    const file = join(w.dir, 'ada.csv');
    const one = await cli('audit', 'export', '--target', 'ada@unilag.edu.ng', '--action', 'user.suspend', '--out', file);
    expect(one).toMatchObject({ code: 0, out: '', err: `1 entry exported to ${file}\n` });
    expect(parseCsv(readFileSync(file, 'utf8')).slice(1).map((r) => r.fields[4])).toEqual(['user.suspend']);
    expect(statSync(file).mode & 0o777).toBe(0o600); // emails and reasons: its owner's alone
    const exports = await withStore((s) => s.audit.list({ action: 'audit.export' }));
    expect(exports.map((e) => [e.origin, e.details.count, e.details.file ?? null, typeof e.details.osUser])).toEqual([
      ['cli', 3, null, 'undefined'],
      ['cli', 1, file, 'string'],
    ]);
    // Never overwritten; a file that cannot be written exports nothing and is not audited.
    const again = await cli('audit', 'export', '--out', file);
    expect(again).toMatchObject({ code: 1, err: `error: ${file} exists: choose a new file\n` });
    const nowhere = await cli('audit', 'export', '--out', join(w.dir, 'no-such-dir', 'x.csv'));
    expect(nowhere.code).toBe(1);
    expect(nowhere.err).toStartWith(`error: cannot write ${join(w.dir, 'no-such-dir', 'x.csv')}: `);
    expect(await withStore((s) => s.audit.count({ action: 'audit.export' }))).toBe(2);
  });

  test('a date it cannot read, or an unknown actor, is refused in one line; nothing is exported or audited', async () => {
    const bad = await cli('audit', 'export', '--from', '29/11/2026');
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('error: The start date must be written YYYY-MM-DD.\n');
    expect(bad.out).toBe('');
    // Not a day: it is not rolled over into March.
    expect(await cli('audit', 'export', '--to', '2026-02-30')).toMatchObject({ code: 1, err: 'error: The end date must be written YYYY-MM-DD.\n', out: '' });
    const unknown = await cli('audit', 'export', '--actor', 'nobody@unilag.edu.ng');
    expect(unknown).toMatchObject({ code: 1, err: 'error: No user with email nobody@unilag.edu.ng.\n', out: '' });
    expect(await withStore((s) => s.audit.count({ action: 'audit.export' }))).toBe(0);
  });
});
