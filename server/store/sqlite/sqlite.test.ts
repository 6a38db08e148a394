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
