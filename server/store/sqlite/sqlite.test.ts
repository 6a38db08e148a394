import { storeContract } from '../contract';
import { createSqliteStore } from './sqlite';
import { expect, test } from 'bun:test';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

storeContract('sqlite (memory)', async () => createSqliteStore(null));

test('a file database uses WAL and is shared by two connections (server and CLI)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lt-sqlite-'));
  try {
    const a = createSqliteStore(dir);
    const b = createSqliteStore(dir);
    await a.users.create({ id: 'x', email: 'x@x.ng', name: 'X', role: 'student', dateOfBirth: null, minorOverride: null, matricNo: null, status: 'active', passwordHash: null, mustSetPassword: false, loginCodeHash: null, loginCodeExpiresAt: null, permissions: [] });
    expect((await b.users.byEmail('X@x.ng'))?.id).toBe('x');
    expect(statSync(join(dir, 'letstalk.db-wal')).isFile()).toBe(true);
    await a.close();
    await b.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('migration 6: sanctions in force take their slot (the newest of duplicates), and the index then holds', async () => {
  const { Database } = await import('bun:sqlite');
  const { MIGRATIONS } = await import('./migrations');
  const { DuplicateSanctionError } = await import('../types');
  const dir = mkdtempSync(join(tmpdir(), 'lt-sqlite-'));
  try {
    // A database at version 5 where two processes had each blocked the same account.
    const old = new Database(join(dir, 'letstalk.db'), { create: true });
    for (const m of MIGRATIONS.slice(0, 5)) old.exec(m);
    old.exec('PRAGMA user_version = 5');
    const insert = old.query(`INSERT INTO sanctions (id, kind, user_id, room_id, case_ids, clause, reason, evidence, actor_id, created_at, deadline, status) VALUES (?, ?, ?, 'r1', '[]', 'SG-2', 'r', 'e', 'o', ?, 9000, ?)`);
    insert.run('older', 'block', 'u1', 1000, 'active');
    insert.run('newer', 'block', 'u1', 2000, 'appealed');
    insert.run('done', 'block', 'u2', 1000, 'lifted');
    old.close();
    const store = createSqliteStore(dir);
    await expect(store.sanctions.create({ kind: 'block', userId: 'u1', roomId: 'r1', caseIds: [], clause: 'SG-2', reason: 'r', evidence: 'e', actorId: 'o', deadline: 9000 })).rejects.toBeInstanceOf(DuplicateSanctionError);
    // Lifting the newer one frees the slot (the older duplicate never held it).
    await store.sanctions.transition('newer', ['appealed'], { status: 'lifted' });
    expect((await store.sanctions.create({ kind: 'block', userId: 'u1', roomId: 'r1', caseIds: [], clause: 'SG-2', reason: 'r', evidence: 'e', actorId: 'o', deadline: 9000 })).status).toBe('active');
    expect((await store.sanctions.create({ kind: 'block', userId: 'u2', roomId: 'r1', caseIds: [], clause: 'SG-2', reason: 'r', evidence: 'e', actorId: 'o', deadline: 9000 })).status).toBe('active');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
