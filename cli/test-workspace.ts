/**
 * Test support for CLI tests: a fresh temporary folder per test (with DATA_DIR inside it), the
 * CLI run in-process against it, and the same store opened directly to check what it wrote.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../server/store/sqlite/sqlite';
import type { Store } from '../server/store/types';
import { runCli } from './program';

/** Runs the CLI in-process with `env`; returns its exit code and what it wrote. */
export async function runCaptured(argv: string[], env: Record<string, string>) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (s) => void (out += s), err: (s) => void (err += s), tty: false, env });
  return { code, out, err };
}

/** One JSON object a line, as the moderation files are. */
export const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/**
 * A temporary folder for a whole test file (made before its tests, removed after): files for the
 * CLI to read, and a DATA_DIR inside that nothing creates (commands that need no store).
 */
export function scratchDir(prefix: string) {
  const s = {
    dir: '',
    path: (name: string) => join(s.dir, name),
    file(name: string, text: string) {
      writeFileSync(s.path(name), text);
      return s.path(name);
    },
    cli: (argv: string[], env: Record<string, string> = {}) => runCaptured(argv, { DATA_DIR: s.path('data'), ...env }),
  };
  beforeAll(() => {
    s.dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => rmSync(s.dir, { recursive: true, force: true }));
  return s;
}

export function cliWorkspace(prefix: string) {
  const w = {
    dir: '',
    dataDir: '',
    /** Runs the CLI in-process against the temp DATA_DIR; returns exit code and captured output. */
    cli: (...argv: string[]) => runCaptured(argv, { DATA_DIR: w.dataDir }),
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
