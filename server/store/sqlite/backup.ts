/**
 * An online backup of the SQLite store, safe while the server runs: the database is copied with
 * `VACUUM INTO` (one consistent snapshot, taken in a read transaction, so writers go on), then the
 * stored files that snapshot refers to are copied (a file's bytes never change once stored: its id
 * names them). A file deleted between the snapshot and its copy is listed as missing, not an
 * error: the restored room shows it as gone, as it is now. `secrets.json` goes too, so restored
 * sessions and signed links keep working (the backup is as confidential as DATA_DIR).
 *
 * Restore = stop the server, put the folder's contents in DATA_DIR, start it (README "Storage").
 */
import { Database } from 'bun:sqlite';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface BackupResult {
  /** `PRAGMA user_version` of the snapshot (migrations applied). */
  schema: number;
  files: number;
  bytes: number;
  /** Stored files the snapshot lists that were gone (or a different size) when copied. */
  missing: string[];
}

export class BackupError extends Error {
  override name = 'BackupError';
}

export async function backupSqlite(dataDir: string, outDir: string, now = Date.now()): Promise<BackupResult> {
  const source = join(dataDir, 'letstalk.db');
  if (!existsSync(source)) throw new BackupError(`no database at ${source}: set DATA_DIR to the server's data folder`);
  if (existsSync(outDir) && (!statSync(outDir).isDirectory() || readdirSync(outDir).length)) throw new BackupError(`${outDir} exists and is not an empty folder: choose a new one (a backup never overwrites)`);
  // As private as DATA_DIR: every conversation is in it. An existing empty folder keeps its own mode
  // unless told, and VACUUM INTO and Bun.write create files with the umask's.
  mkdirSync(join(outDir, 'files'), { recursive: true, mode: 0o700 });
  chmodSync(outDir, 0o700);
  chmodSync(join(outDir, 'files'), 0o700);

  const target = join(outDir, 'letstalk.db');
  const db = new Database(source, { readonly: true });
  let rows: { id: string; size: number }[];
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    db.query('VACUUM INTO ?').run(target);
  } finally {
    db.close();
  }
  chmodSync(target, 0o600);
  // Read the list from the snapshot, not the live database: exactly what the backup refers to.
  const snap = new Database(target, { readonly: true });
  let schema: number;
  try {
    schema = (snap.query('PRAGMA user_version').get() as { user_version: number }).user_version;
    rows = snap.query('SELECT id, size FROM files').all() as { id: string; size: number }[];
  } finally {
    snap.close();
  }

  const missing: string[] = [];
  let bytes = 0;
  for (const r of rows) {
    const from = Bun.file(join(dataDir, 'files', r.id));
    if (!(await from.exists()) || from.size !== r.size) {
      missing.push(r.id);
      continue;
    }
    await Bun.write(join(outDir, 'files', r.id), from, { mode: 0o600 });
    chmodSync(join(outDir, 'files', r.id), 0o600);
    bytes += r.size;
  }
  const secrets = Bun.file(join(dataDir, 'secrets.json'));
  if (await secrets.exists()) {
    await Bun.write(join(outDir, 'secrets.json'), secrets, { mode: 0o600 });
    chmodSync(join(outDir, 'secrets.json'), 0o600);
  }
  const manifest = { kind: 'letstalk-sqlite-backup', createdAt: new Date(now).toISOString(), schema, files: rows.length - missing.length, bytes, missing };
  // Written last: a folder without it is an interrupted backup (README).
  await Bun.write(join(outDir, 'backup.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  chmodSync(join(outDir, 'backup.json'), 0o600);
  return { schema, files: manifest.files, bytes, missing };
}
