/**
 * Test support for CLI tests: a fresh temporary folder per test (with DATA_DIR inside it), the
 * CLI run in-process against it, and the same store opened directly to check what it wrote.
 */
import { afterEach, beforeEach } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../server/store/sqlite/sqlite';
import type { Store } from '../server/store/types';
import { runCli } from './program';

export function cliWorkspace(prefix: string) {
  const w = {
    dir: '',
    dataDir: '',
    /** Runs the CLI in-process against the temp DATA_DIR; returns exit code and captured output. */
    async cli(...argv: string[]) {
      let out = '';
      let err = '';
      const code = await runCli(argv, { out: (s) => void (out += s), err: (s) => void (err += s), tty: false, env: { DATA_DIR: w.dataDir } });
      return { code, out, err };
    },
    /** Opens the same store the CLI uses, runs `fn`, closes it. */
    async withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
      const store = createSqliteStore(w.dataDir);
      try {
        return await fn(store);
      } finally {
        await store.close();
      }
    },
    csvFile(name: string, text: string) {
      const p = join(w.dir, name);
      writeFileSync(p, text);
      return p;
    },
  };
  beforeEach(() => {
    w.dir = mkdtempSync(join(tmpdir(), prefix));
    w.dataDir = join(w.dir, 'data');
    // As the server makes it on its first start (the CLI refuses a DATA_DIR without a database).
    void createSqliteStore(w.dataDir).close();
  });
  afterEach(() => rmSync(w.dir, { recursive: true, force: true }));
  return w;
}
