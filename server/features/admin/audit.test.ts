import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsv } from '../../lib/csv';
import { createSqliteStore } from '../../store/sqlite/sqlite';
import { runCli } from '../../../cli/program';
import { CLI_ACTOR, recordAudit } from '../audit/record';
import { addMembers, createCourseRoom } from '../chat/rooms';
import { deleteMessage, sendMessage } from '../chat/messages';
import { adminSetup, adminSetupOnFile } from './test-support';
import { AuditChecker, startOfDay, verifyAudit } from './audit';
import { auditHash, GENESIS_HASH } from '../../store/audit-chain';

let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'lt-audit-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function cliVerify(dataDir: string, ...args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['audit', 'verify', ...args], { out: (s) => void (out += s), err: (s) => void (err += s), tty: false, env: { DATA_DIR: dataDir } });
  return { code, out, err };
}

describe('audit log in the portal', () => {
  test('a room filled from a class list names everyone added: the first ten on the page, all in the export', async () => {
    const t = await adminSetup();
    const actor = { userId: t.admin.p.id, origin: '10.1.2.3' };
    const ids = Array.from({ length: 25 }, (_, i) => `student-${i}`);
    await recordAudit(t.store, actor, 'room.add_members', 'room-1', { count: 25, userIds: ids });
    const html = await (await t.admin.get('/admin/audit?action=room.add_members')).text();
    const cell = /<td class="details">([^<]*)<\/td>/.exec(html)![1]!.replaceAll('&quot;', '"');
    expect(JSON.parse(cell)).toEqual({ count: 25, userIds: [...ids.slice(0, 10), '… and 15 more (all in the export)'] });
    const csv = await (await t.admin.post('/admin/audit/export', { action: 'room.add_members' })).text();
    for (const id of ids) expect(csv).toContain(id);
  });

  test('filters by action, actor, target and dates; pages newest first', async () => {
    const t = await adminSetup();
    const actor = { userId: t.admin.p.id, origin: '10.1.2.3' };
    for (let i = 0; i < 120; i++) await recordAudit(t.store, actor, 'test.bulk', t.student.id, { i });
    const page = async (q: string) => (await t.admin.get(`/admin/audit${q}`)).text();
    const first = await page('?action=test.bulk');
    expect(first).toContain('120 matching entries');
    const details = (html: string) => [...html.matchAll(/<td class="details">\{&quot;i&quot;:(\d+)\}<\/td>/g)].map((m) => Number(m[1]));
    expect(details(first)).toEqual(Array.from({ length: 50 }, (_, i) => 119 - i));
    const older = /href="([^"]+)" rel="next">Older entries/.exec(first)![1]!.replace(/&amp;/g, '&');
    const second = await page(older.slice('/admin/audit'.length));
    expect(details(second)).toEqual(Array.from({ length: 50 }, (_, i) => 69 - i));
    expect(second).toContain('Newer entries');
    const link = (html: string, rel: string, text: string) => new RegExp(`href="([^"]+)" rel="${rel}">${text}`).exec(html)![1]!.replace(/&amp;/g, '&').slice('/admin/audit'.length);
    const third = await page(link(second, 'next', 'Older entries'));
    expect(details(third)).toEqual(Array.from({ length: 20 }, (_, i) => 19 - i));
    expect(third).not.toContain('Older entries');
    // Back: the newer page of the third is the second, and the newer page of the second the first.
    expect(details(await page(link(third, 'prev', 'Newer entries')))).toEqual(details(second));
    expect(details(await page(link(second, 'prev', 'Newer entries')))).toEqual(details(first));
    // An old link below the oldest match: an empty page, and the way back to the latest.
    const stale = await page('?action=test.bulk&before=1');
    expect(details(stale)).toEqual([]);
    expect(stale).toContain('Newer entries');

    expect(await page(`?action=test.bulk&actor=${encodeURIComponent(t.student.email)}`)).toContain('0 matching entries');
    expect(await page(`?actor=nobody%40unilag.edu.ng`)).toContain('No user with email nobody@unilag.edu.ng.');
    expect(await page(`?action=test.bulk&target=${encodeURIComponent(t.student.email)}`)).toContain('120 matching entries');
    expect(await page(`?action=test.bulk&target=${encodeURIComponent(t.lecturer.email)}`)).toContain('0 matching entries');
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: t.config.timeZone }).format(new Date());
    expect(await page(`?action=test.bulk&from=${today}&to=${today}`)).toContain('120 matching entries');
    expect(await page(`?action=test.bulk&to=2000-01-01`)).toContain('0 matching entries');
    expect(await page('?from=01/02/2024')).toContain('The start date must be written YYYY-MM-DD.');
    expect(await page('?action=Test.Bulk')).toContain('120 matching entries');
    expect(await page(`?action=test.bulk&from=${today}&to=2000-01-01`)).toContain('The start date is after the end date: nothing can match.');
    // Names, not ids, and the origin.
    expect(first).toContain('<td>admin@unilag.edu.ng</td><td><code>test.bulk</code></td><td>ada@unilag.edu.ng</td><td>10.1.2.3</td>');
  }, 30_000);

  test('CSV export: the filtered entries, formula-safe, and the export itself is audited', async () => {
    const t = await adminSetup();
    await recordAudit(t.store, { userId: t.admin.p.id, origin: '10.1.2.3' }, 'test.export', '=HYPERLINK("x")', { note: '=1+1' });
    const r = await t.admin.post('/admin/audit/export', { action: 'test.export' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-\d{4}-\d{2}-\d{2}\.csv"$/);
    const [header, ...rows] = parseCsv(await r.text()).map((x) => x.fields);
    expect(header).toEqual(['seq', 'at', 'actor_id', 'actor', 'action', 'target', 'target_name', 'origin', 'details', 'hash']);
    expect(rows).toHaveLength(1);
    expect(rows[0]![3]).toBe('admin@unilag.edu.ng');
    expect(rows[0]![5]).toBe(`'=HYPERLINK("x")`);
    const exported = await t.store.audit.list({ action: 'audit.export' });
    expect(exported).toHaveLength(1);
    expect(exported[0]).toMatchObject({ actorId: t.admin.p.id, origin: '10.1.2.3', details: { count: 1, filter: { action: 'test.export' } } });
    // Everything: the file holds exactly the entries its own audit entry counts (not that entry).
    const all = parseCsv(await (await t.admin.post('/admin/audit/export', {})).text()).slice(1);
    const last = (await t.store.audit.list({ action: 'audit.export' })).at(-1)!;
    expect(all).toHaveLength(last.details.count as number);
    expect(all.map((x) => Number(x.fields[0]))).not.toContain(last.seq);
  }, 30_000);

  test('the portal checks only what was added since its last check, the whole chain when asked (the audit page), and lets other requests run meanwhile', async () => {
    const store = createSqliteStore(dir);
    const path = join(dir, 'letstalk.db');
    for (let i = 0; i < 2_500; i++) await recordAudit(store, { userId: null, origin: 'system' }, 'test.many', null, { i });
    // Other work runs between batches (SQLite reads are synchronous: without that, this waited for all of it).
    const first = await Promise.race([verifyAudit(store).then(() => 'verification'), new Promise((r) => setImmediate(() => r('other request')))]);
    expect(first).toBe('other request');
    const checker = new AuditChecker(store);
    expect(await checker.check()).toMatchObject({ ok: true, count: 2_500 });
    // Someone edits an entry already checked: the incremental check does not read it again …
    const db = new Database(path);
    db.query("UPDATE audit SET origin = 'cli' WHERE seq = 10").run();
    db.close();
    await recordAudit(store, { userId: null, origin: 'system' }, 'test.more', null, {});
    expect(await checker.check()).toMatchObject({ ok: true, count: 2_501 });
    // … the audit page's full check does, and the status page keeps saying so until it is repaired.
    expect(await checker.check(true)).toMatchObject({ ok: false, brokenAt: 10 });
    expect(await checker.check()).toMatchObject({ ok: false, brokenAt: 10 });
    // Two at once share one run.
    const [a, b] = [checker.check(true), checker.check(true)];
    expect(a).toBe(b);
    await a;
    await store.close();
  }, 30_000);

  test('verification pages through long chains', async () => {
    const store = createSqliteStore(null);
    for (let i = 0; i < 2_345; i++) await recordAudit(store, { userId: null, origin: 'system' }, 'test.many', null, { i });
    expect(await verifyAudit(store)).toMatchObject({ ok: true, count: 2_345, lastSeq: 2_345 });
  }, 30_000);

  test('an entry altered directly in the store: the portal and `audit verify` both say the chain is broken', async () => {
    const t = await adminSetupOnFile(dir);
    // Some real admin actions to tamper with.
    await t.admin.post(`/admin/users/${t.student.id}/status`, { status: 'suspended', confirm: 'yes' });
    await t.admin.post(`/admin/users/${t.student.id}/status`, { status: 'active' });
    const n = (await t.store.audit.list({ limit: 10_000 })).length;
    const ok = await (await t.admin.get('/admin/audit')).text();
    expect(ok).toContain(`Tamper check passed: all ${n} entries link up and match their hashes.`);
    const newest = (await t.store.audit.list({ afterSeq: n - 1, limit: 1 }))[0]!;
    expect(await cliVerify(dir)).toEqual({ code: 0, out: `audit chain OK: ${n} entries\nnewest: ${n}:${newest.hash} (keep this line elsewhere; audit verify --expect ${n}:${newest.hash} checks it later)\n`, err: '' });
    expect((await cliVerify(dir, '--expect', `${n}:${newest.hash}`)).code).toBe(0);

    // Someone with database access rewrites who suspended the student.
    const suspend = (await t.store.audit.list({ action: 'user.suspend' }))[0]!;
    const db = new Database(t.dbPath);
    db.query('UPDATE audit SET origin = ? WHERE seq = ?').run('cli', suspend.seq);
    db.close();

    const broken = await (await t.admin.get('/admin/audit')).text();
    expect(broken).toContain(`Tamper check FAILED at entry ${suspend.seq}:</strong> entry content does not match its hash`);
    expect(await (await t.admin.get('/admin/status')).text()).toContain(`Tamper check FAILED at entry ${suspend.seq}`);
    const cli = await cliVerify(dir);
    expect(cli).toEqual({ code: 1, out: '', err: `error: audit chain BROKEN at entry ${suspend.seq}: entry content does not match its hash\n` });

    // Deleting an entry in the middle breaks the chain too.
    const db2 = new Database(t.dbPath);
    db2.query('UPDATE audit SET origin = ? WHERE seq = ?').run(suspend.origin, suspend.seq);
    db2.query('DELETE FROM audit WHERE seq = ?').run(2);
    db2.close();
    expect(await cliVerify(dir)).toMatchObject({ code: 1, err: 'error: audit chain BROKEN at entry 3: expected entry 2, found 3\n' });
    await t.store.close();
  }, 30_000);

  test('a chain rewritten with its hashes recomputed passes verify, but not --expect with the newest hash kept from before', async () => {
    const t = await adminSetupOnFile(dir);
    await t.admin.post(`/admin/users/${t.student.id}/status`, { status: 'suspended', confirm: 'yes' });
    const all = await t.store.audit.list({ afterSeq: 0, limit: 10_000 });
    const kept = `${all.at(-1)!.seq}:${all.at(-1)!.hash}`;
    await t.store.close();
    // Someone with database access changes the suspension's origin and recomputes every hash after it.
    const db = new Database(join(dir, 'letstalk.db'));
    let prev = GENESIS_HASH;
    for (const e of all) {
      const edited = e.action === 'user.suspend' ? { ...e, origin: 'cli' } : e;
      const hash = auditHash(e.seq, prev, edited);
      db.query('UPDATE audit SET origin = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(edited.origin, prev, hash, e.seq);
      prev = hash;
    }
    db.close();
    expect((await cliVerify(dir)).code).toBe(0);
    expect(await cliVerify(dir, '--expect', kept)).toMatchObject({ code: 1, err: `error: audit chain REWRITTEN: entry ${kept.split(':')[0]} no longer has the hash kept from an earlier check\n` });
    expect(await cliVerify(dir, '--expect', '12')).toMatchObject({ code: 1 });
  }, 30_000);
});

test('startOfDay uses the configured time zone', () => {
  expect(new Date(startOfDay('2025-03-10', 'Africa/Lagos')!).toISOString()).toBe('2025-03-09T23:00:00.000Z');
  expect(new Date(startOfDay('2025-03-10', 'UTC', 1)!).toISOString()).toBe('2025-03-11T00:00:00.000Z');
  expect(startOfDay('10/03/2025', 'UTC')).toBeNull();
});

test('a moderator deleting someone else’s message is audited; deleting one’s own is not', async () => {
  const t = await adminSetup();
  const chat = t.app.chat;
  const room = await createCourseRoom(chat, { ...CLI_ACTOR, user: null }, { code: 'BIO101', name: 'Biology' });
  await addMembers(chat, CLI_ACTOR, room.id, [
    { userId: t.student.id, role: 'member' },
    { userId: t.lecturer.id, role: 'moderator' },
  ]);
  const [student, lecturer] = [(await t.store.users.byId(t.student.id))!, (await t.store.users.byId(t.lecturer.id))!];
  const a = await sendMessage(chat, student, { roomId: room.id, clientId: 'client-000001', body: 'hello' });
  const b = await sendMessage(chat, student, { roomId: room.id, clientId: 'client-000002', body: 'oops' });
  await deleteMessage(chat, student, { roomId: room.id, messageId: b.message.id, origin: '10.0.0.9' });
  await deleteMessage(chat, lecturer, { roomId: room.id, messageId: a.message.id, origin: '10.4.4.4' });
  const entries = await t.store.audit.list({ action: 'message.moderator_delete' });
  expect(entries).toHaveLength(1);
  expect(entries[0]).toMatchObject({ actorId: t.lecturer.id, target: room.id, origin: '10.4.4.4', details: { messageId: a.message.id, senderId: t.student.id } });
}, 30_000);
