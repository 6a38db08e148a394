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

test('migration 9: held messages stored before heldRev take their rev; shown ones none', async () => {
  const { Database } = await import('bun:sqlite');
  const { MIGRATIONS } = await import('./migrations');
  const dir = mkdtempSync(join(tmpdir(), 'lt-sqlite-'));
  try {
    const old = new Database(join(dir, 'letstalk.db'), { create: true });
    for (const m of MIGRATIONS.slice(0, 8)) old.exec(m);
    old.exec('PRAGMA user_version = 8');
    old.exec(`INSERT INTO rooms (id, kind, code, name, topic, created_by, dm_key, created_at, last_seq) VALUES ('r1', 'group', NULL, 'g', '', NULL, NULL, 1, 3)`);
    const insert = old.query(`INSERT INTO messages (id, room_id, seq, rev, sender_id, client_id, kind, body, mentions, meta, created_at, held) VALUES (?, 'r1', ?, ?, 'u1', ?, 'text', 'x', '[]', NULL, 1, ?)`);
    insert.run('held', 1, 3, 'c1', 1);
    insert.run('shown', 2, 2, 'c2', 0);
    old.close();
    const store = createSqliteStore(dir);
    expect((await store.messages.byId('r1', 'held'))?.heldRev).toBe(3);
    expect((await store.messages.byId('r1', 'shown'))?.heldRev).toBeNull();
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('migration 12: rooms archived before it free their course code and still show it', async () => {
  const { Database } = await import('bun:sqlite');
  const { MIGRATIONS } = await import('./migrations');
  const dir = mkdtempSync(join(tmpdir(), 'lt-sqlite-'));
  try {
    const old = new Database(join(dir, 'letstalk.db'), { create: true });
    for (const m of MIGRATIONS.slice(0, 11)) old.exec(m);
    old.exec('PRAGMA user_version = 11');
    old.exec(`INSERT INTO rooms (id, kind, code, name, topic, created_by, dm_key, created_at, last_seq, archived) VALUES ('past', 'course', 'HED204', 'Last year', '', NULL, NULL, 1, 0, 1), ('live', 'course', 'CSC101', 'Now', '', NULL, NULL, 2, 0, 0)`);
    old.close();
    const store = createSqliteStore(dir);
    expect(await store.rooms.byId('past')).toMatchObject({ code: 'HED204', archived: true });
    expect(await store.rooms.byId('live')).toMatchObject({ code: 'CSC101', archived: false });
    const next = await store.rooms.create({ id: 'next', kind: 'course', code: 'HED204', name: 'This year', topic: '', createdBy: null, dmKey: null }, []);
    expect((await store.rooms.byCode('HED204'))?.id).toBe(next.id);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
