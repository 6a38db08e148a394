/** `letstalk backup`: a snapshot of the SQLite store and its files that opens as a working store. */
import { describe, expect, test } from 'bun:test';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSqliteStore } from '../server/store/sqlite/sqlite';
import { runCli } from './program';
import { cliWorkspace } from './test-workspace';

const w = cliWorkspace('lt-cli-backup-');

async function storeFile(store: ReturnType<typeof createSqliteStore>, text: string) {
  const data = new TextEncoder().encode(text);
  const up = await store.files.beginUpload({ id: crypto.randomUUID(), userId: 'u1', roomId: 'r1', name: 'notes.txt', size: data.length, type: 'text/plain', sha256: 'a'.repeat(64), createdAt: 1000 });
  await store.files.appendChunk(up.id, 0, data);
  return store.files.completeUpload(up.id, crypto.randomUUID());
}

describe('letstalk backup', () => {
  test('copies a consistent database and the stored files; the copy opens as a store; the backup is audited', async () => {
    expect((await w.cli('users', 'create-admin', '--email', 'ada@unilag.edu.ng', '--name', 'Ada Obi')).code).toBe(0);
    const [kept, gone] = await w.withStore(async (s) => [await storeFile(s, 'lecture notes, week 1'), await storeFile(s, 'to be deleted')]);
    writeFileSync(join(w.dataDir, 'secrets.json'), '{"sessionKey":"k"}', { mode: 0o600 }); // as the server makes it
    const out = join(w.dir, 'backup-1');
    const r = await w.cli('backup', '--out', out);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/^backup written to .*backup-1: database \(schema \d+\), 2 file\(s\), 0\.0 MB\n$/);
    expect(JSON.parse(readFileSync(join(out, 'backup.json'), 'utf8'))).toMatchObject({ kind: 'letstalk-sqlite-backup', files: 2, missing: [] });
    expect(statSync(join(out, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(out, 'secrets.json'), 'utf8')).toBe('{"sessionKey":"k"}');

    // Restored: the backup folder is a DATA_DIR.
    const restored = createSqliteStore(out);
    try {
      expect((await restored.users.byEmail('ada@unilag.edu.ng'))?.role).toBe('admin');
      expect(await new Response(await restored.files.read(kept.id, 0, kept.size - 1)).text()).toBe('lecture notes, week 1');
    } finally {
      await restored.close();
    }
    // The live store records who took it and where.
    const entry = await w.withStore(async (s) => (await s.audit.list({})).find((e) => e.action === 'store.backup'));
    expect(entry?.details).toMatchObject({ out, files: 2, missing: 0 });

    // Never over an existing backup; a file deleted before it is copied is reported, not fatal.
    expect(await w.cli('backup', '--out', out)).toMatchObject({ code: 1, err: expect.stringContaining('is not an empty folder') });
    rmSync(join(w.dataDir, 'files', gone.id));
    const again = await w.cli('backup', '--out', join(w.dir, 'backup-2'));
    expect(again.code).toBe(0);
    expect(again.err).toContain(`1 stored file(s) were deleted while the backup ran and are not in it: ${gone.id}`);
    expect(existsSync(join(w.dir, 'backup-2', 'files', kept.id))).toBe(true);
  });

  test('with MongoDB it points to mongodump and touches nothing', async () => {
    let err = '';
    const code = await runCli(['backup', '--out', join(w.dir, 'b')], { out: () => {}, err: (s) => void (err += s), tty: false, env: { MONGODB_URI: 'mongodb://127.0.0.1:1/none' } });
    expect(code).toBe(1);
    expect(err).toContain('mongodump');
    expect(existsSync(join(w.dir, 'b'))).toBe(false);
  });

  test('a snapshot taken while another process writes messages is consistent: every number up to its last, nothing half-written', async () => {
    const { backupSqlite } = await import('../server/store/sqlite/backup');
    const { Database } = await import('bun:sqlite');
    const setup = createSqliteStore(w.dataDir);
    await setup.rooms.create({ id: 'r1', kind: 'group', code: null, name: 'G', topic: '', createdBy: null, dmKey: null }, []);
    await setup.close();
    // The server's part: another process appending as fast as it can until told to stop.
    const script = join(w.dir, 'writer.ts');
    const stop = join(w.dir, 'stop');
    writeFileSync(script, `
      import { existsSync } from 'node:fs';
      import { createSqliteStore } from ${JSON.stringify(join(import.meta.dir, '../server/store/sqlite/sqlite.ts'))};
      const s = createSqliteStore(${JSON.stringify(w.dataDir)});
      for (let i = 0; !existsSync(${JSON.stringify(stop)}); i++)
        await s.messages.append({ roomId: 'r1', senderId: 'u1', clientId: 'c-' + String(i).padStart(8, '0'), kind: 'text', body: 'message ' + i, mentions: [] });
      await s.close();
    `);
    const writer = Bun.spawn(['bun', script], { stdout: 'ignore', stderr: 'inherit' });
    const count = () => {
      const db = new Database(join(w.dataDir, 'letstalk.db'), { readonly: true });
      try {
        return (db.query("SELECT last_seq FROM rooms WHERE id = 'r1'").get() as { last_seq: number }).last_seq;
      } finally {
        db.close();
      }
    };
    while (count() < 200) await Bun.sleep(20);
    const out = join(w.dir, 'during');
    await backupSqlite(w.dataDir, out);
    const snap = new Database(join(out, 'letstalk.db'), { readonly: true });
    try {
      expect(snap.query('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
      const seqs = (snap.query("SELECT seq FROM messages WHERE room_id = 'r1' ORDER BY seq").all() as { seq: number }[]).map((r) => r.seq);
      const last = (snap.query("SELECT last_seq FROM rooms WHERE id = 'r1'").get() as { last_seq: number }).last_seq;
      expect(last).toBeGreaterThanOrEqual(200);
      expect(seqs).toEqual(Array.from({ length: last }, (_, i) => i + 1));
      // The writer goes on past the snapshot (it was writing while it was taken): waited for, not
      // assumed (a fast snapshot could end before the writer's next message).
      while (count() <= last) await Bun.sleep(10);
    } finally {
      snap.close();
      writeFileSync(stop, '');
    }
    expect(await writer.exited).toBe(0);
  }, 30_000);

  test('a wrong DATA_DIR is refused (no empty database made); the backup is private even in an existing open folder', async () => {
    let err = '';
    const elsewhere = join(w.dir, 'not-the-data');
    const code = await runCli(['backup', '--out', join(w.dir, 'x')], { out: () => {}, err: (s) => void (err += s), tty: false, env: { DATA_DIR: elsewhere } });
    expect([code, err]).toEqual([1, `error: no database at ${join(elsewhere, 'letstalk.db')}: set DATA_DIR to the server's data folder\n`]);
    expect(existsSync(join(elsewhere, 'letstalk.db'))).toBe(false);

    expect((await w.cli('users', 'create-admin', '--email', 'ada@unilag.edu.ng', '--name', 'Ada Obi')).code).toBe(0);
    await w.withStore((s) => storeFile(s, 'week 2'));
    const out = join(w.dir, 'open');
    mkdirSync(out, { mode: 0o755 });
    chmodSync(out, 0o755);
    expect((await w.cli('backup', '--out', out)).code).toBe(0);
    const mode = (p: string) => statSync(p).mode & 0o777;
    expect([mode(out), mode(join(out, 'files')), mode(join(out, 'letstalk.db')), mode(join(out, 'backup.json'))]).toEqual([0o700, 0o700, 0o600, 0o600]);
    for (const f of readdirSync(join(out, 'files'))) expect(mode(join(out, 'files', f))).toBe(0o600);
  });
});
