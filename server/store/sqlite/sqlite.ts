/**
 * The embedded default store on bun:sqlite. WAL lets the CLI write while the server runs;
 * busy_timeout makes the second writer wait instead of failing. Transactions are synchronous
 * (bun:sqlite requirement), so every atomic operation is one synchronous function.
 */
import { newerStoreMessage, StoreVersionError } from '../version';
import { Database } from 'bun:sqlite';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS } from './migrations';
import { SqliteUsers } from './users';
import { SqliteSessions } from './sessions';
import { SqliteAudit } from './audit';
import { SqliteRooms } from './rooms';
import { SqliteMessages } from './messages';
import { SqliteFiles } from './files';
import { SqliteCases } from './cases';
import { SqliteSanctions } from './sanctions';
import { SqliteMail } from './mail';
import { SqliteLectures } from './lectures';
import { SqlitePins } from './pins';
import { SqlitePolls } from './polls';
import type { Store } from '../types';

export function openSqlite(path: string): Database {
  const db = new Database(path, { create: true, strict: true });
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA foreign_keys = ON');
  migrate(db);
  return db;
}

function migrate(db: Database) {
  const version = (db.query('PRAGMA user_version').get() as { user_version: number }).user_version;
  if (version > MIGRATIONS.length) {
    throw new StoreVersionError(newerStoreMessage(version, MIGRATIONS.length));
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    // Each migration and its version bump commit together; IMMEDIATE serialises racing processes.
    db.transaction(() => {
      const now = (db.query('PRAGMA user_version').get() as { user_version: number }).user_version;
      if (now > v) return; // another process migrated meanwhile
      db.exec(MIGRATIONS[v]!);
      db.exec(`PRAGMA user_version = ${v + 1}`);
    }).immediate();
  }
}

/** `dataDir` null = a private in-memory database (tests); file bytes then go to a temporary directory (made on first use, removed on close). */
export function createSqliteStore(dataDir: string | null): Store {
  let path = ':memory:';
  let tempDir: string | null = null;
  if (dataDir !== null) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    path = join(dataDir, 'letstalk.db');
  }
  const fileDir = () => dataDir ?? (tempDir ??= mkdtempSync(join(tmpdir(), 'lt-files-')));
  const db = openSqlite(path);
  // Every conversation, password hashes and minors' dates of birth: owner-only, whatever the umask
  // or the folder's mode (a DATA_DIR made beforehand) was when the files were created.
  if (dataDir !== null) for (const f of [path, `${path}-wal`, `${path}-shm`]) try { chmodSync(f, 0o600); } catch { /* not there yet, or not ours to change */ }
  return {
    kind: 'sqlite',
    users: new SqliteUsers(db),
    sessions: new SqliteSessions(db),
    audit: new SqliteAudit(db),
    rooms: new SqliteRooms(db),
    messages: new SqliteMessages(db),
    files: new SqliteFiles(db, fileDir),
    cases: new SqliteCases(db),
    sanctions: new SqliteSanctions(db),
    mail: new SqliteMail(db),
    lectures: new SqliteLectures(db),
    pins: new SqlitePins(db),
    polls: new SqlitePolls(db),
    async ping() {
      db.query('SELECT 1').get();
    },
    async close() {
      db.close();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}
