/** Start-up: MODERATION_WEIGHTS, what stops a start (one line each), the data files' modes, shutdown. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_WEIGHTS_PATH, loadModel } from './features/moderation/model';
import { testApp } from './testing';
import { startupFailure } from './main';
import { createSqliteStore } from './store/sqlite/sqlite';
import { MIGRATIONS } from './store/sqlite/migrations';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lt-main-'));
  writeFileSync(join(dir, 'broken.bin'), 'not a model');
  copyFileSync(DEFAULT_WEIGHTS_PATH, join(dir, 'retrained.bin'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs server/main.ts until it logs `until` or exits; returns its exit code (null: still running, killed) and stderr+stdout. */
/** Runs the server until its output has `until`, then stops it with `signal`. */
async function start(env: Record<string, string>, until: string, signal: NodeJS.Signals = 'SIGTERM') {
  const proc = Bun.spawn([process.execPath, 'server/main.ts'], {
    cwd: join(import.meta.dir, '..'),
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', DATA_DIR: join(dir, 'data'), ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let out = '';
  const read = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s) {
      out += new TextDecoder().decode(chunk);
      if (out.includes(until)) proc.kill(signal);
    }
  };
  const timer = setTimeout(() => proc.kill(), 20_000);
  await Promise.all([read(proc.stdout), read(proc.stderr)]);
  const code = await proc.exited;
  clearTimeout(timer);
  return { code: proc.signalCode ? null : code, out };
}

describe('MODERATION_WEIGHTS', () => {
  test('a missing or damaged weights file stops the server at start-up with the reason', async () => {
    const missing = await start({ MODERATION_WEIGHTS: join(dir, 'nope.bin') }, '"listening"');
    expect(missing.code).toBe(1);
    expect(missing.out).toContain(`MODERATION_WEIGHTS=${join(dir, 'nope.bin')}: no such file`);
    const broken = await start({ MODERATION_WEIGHTS: join(dir, 'broken.bin') }, '"listening"');
    expect(broken.code).toBe(1);
    expect(broken.out).toContain(`MODERATION_WEIGHTS=${join(dir, 'broken.bin')}: `);
    expect(broken.out).not.toContain('"listening"');
  }, 30_000);

  test('a good file is loaded before listening and its version logged', async () => {
    const r = await start({ MODERATION_WEIGHTS: join(dir, 'retrained.bin') }, '"listening"');
    // Still running when told to stop: killed by the signal, or (handlers installed by then) a clean exit.
    expect([null, 0]).toContain(r.code);
    const line = r.out.split('\n').find((l) => l.includes('"moderation model"'))!;
    expect(JSON.parse(line)).toMatchObject({ weights: join(dir, 'retrained.bin'), version: loadModel().version });
  }, 30_000);

  test('the app screens with the configured file', async () => {
    const t = await testApp({ MODERATION_WEIGHTS: join(dir, 'retrained.bin') });
    expect(t.app.chat.moderation!.classifier()).toBe(loadModel(join(dir, 'retrained.bin')));
    expect(t.app.chat.moderation!.classifier()).not.toBe(loadModel());
  });
});

describe('what stops a start is one line for the operator', () => {
  /** The start-up failure line's reason (and stack, if any). */
  const failure = (out: string) => {
    const { error, stack } = JSON.parse(out.split('\n').find((l) => l.includes('"start-up failed"'))!) as { error: string; stack?: string };
    return stack === undefined ? { error } : { error, stack };
  };

  test('a database from a newer Lets Talk (a rollback after an upgrade) is refused, untouched', async () => {
    const data = join(dir, 'data-newer');
    await createSqliteStore(data).close();
    const db = new Database(join(data, 'letstalk.db'));
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length + 3}`);
    db.close();
    const r = await start({ DATA_DIR: data }, '"listening"');
    expect(r.code).toBe(1);
    expect(failure(r.out)).toEqual({ error: `the database is at schema version ${MIGRATIONS.length + 3}, newer than this Lets Talk knows (${MIGRATIONS.length}): it was upgraded by a newer version; run that version, or restore the backup taken before the upgrade` });
  }, 30_000);

  test('a port in use, a damaged secrets.json: the reason without a stack', async () => {
    const busy = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') });
    try {
      const r = await start({ PORT: String(busy.port), DATA_DIR: join(dir, 'data-port') }, '"listening"');
      expect(r.code).toBe(1);
      const f = failure(r.out);
      expect(f.error).toContain(String(busy.port));
      expect(f.stack).toBeUndefined();
    } finally {
      busy.stop(true);
    }
    const data = join(dir, 'data-secrets');
    mkdirSync(data);
    writeFileSync(join(data, 'secrets.json'), '{not json');
    const r = await start({ DATA_DIR: data }, '"listening"');
    expect(failure(r.out)).toEqual({ error: `${join(data, 'secrets.json')} is damaged; delete it to generate new secrets (this signs everyone out)` });
  }, 30_000);

  test('a DATA_DIR the server may not write (a folder made by root, the service running as its own user): one line, at once', async () => {
    // sysfs takes no new files, even from root: the same EACCES as a root-owned /var/lib/letstalk.
    const started = Date.now();
    const r = await start({ DATA_DIR: '/sys/kernel' }, '"listening"');
    expect(r.code).toBe(1);
    expect(failure(r.out)).toEqual({ error: "cannot write /sys/kernel/secrets.json (EACCES): DATA_DIR must be writable by the server's user" });
    expect(Date.now() - started).toBeLessThan(15_000); // it spun at full CPU for ever, silent
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const onFile = await start({ DATA_DIR: file }, '"listening"');
    expect(failure(onFile.out)).toEqual({ error: `DATA_DIR ${file} cannot be used as the data folder (EEXIST): it must be a folder the server's user can write, or a path where one can be made` });
  }, 30_000);

  test('what looks like a bug keeps its stack', () => {
    const bug = new TypeError('x is undefined');
    expect(startupFailure(bug)).toEqual({ error: 'x is undefined', stack: bug.stack });
    expect(startupFailure(Object.assign(new Error('mkdir failed'), { code: 'EEXIST' }))).toEqual({ error: 'EEXIST: mkdir failed' });
  });
});

describe('start-up warnings', () => {
  test('FILE_MAX_BYTES lowered alone: the middle sizes are refused, larger files sent directly; said once at start', async () => {
    const r = await start({ DATA_DIR: join(dir, 'data-warn'), FILE_MAX_BYTES: '25000000' }, '"listening"');
    const line = r.out.split('\n').find((l) => l.includes('FILE_DIRECT_THRESHOLD_BYTES'));
    expect(JSON.parse(line!)).toMatchObject({ level: 'warn', maxFileBytes: 25_000_000, directThresholdBytes: 1024 ** 3 });
    const both = await start({ DATA_DIR: join(dir, 'data-warn'), FILE_MAX_BYTES: '25000000', FILE_DIRECT_THRESHOLD_BYTES: '25000000' }, '"listening"');
    expect(both.out).not.toContain('are refused, larger ones are sent directly');
  }, 30_000);
  test('SMTP settings that cannot work are said at start (the officers would otherwise learn it from a missing email)', async () => {
    const r = await start({ DATA_DIR: join(dir, 'data-warn'), SMTP_URL: 'smtps://u:p@127.0.0.1:587', SMTP_FROM: 'noreply@unilag.test', SAFEGUARDING_EMAILS: 'officer@unilag.test' }, '"listening"');
    const line = r.out.split('\n').find((l) => l.includes('SMTP_URL is smtps://'));
    expect(JSON.parse(line!)).toMatchObject({ level: 'warn' });
  }, 30_000);
});

describe("the data files are the server's alone", () => {
  test('even in a DATA_DIR made beforehand with 0755 and an old 0644 database', async () => {
    const data = join(dir, 'data-modes');
    mkdirSync(data, { mode: 0o755 });
    await createSqliteStore(data).close();
    const db = join(data, 'letstalk.db');
    Bun.spawnSync(['chmod', '644', db]);
    // Killed outright: a graceful stop (when its SIGTERM came after the handlers were installed, i.e.
    // on a busy machine) closes the database, and SQLite then removes the -wal file this checks.
    const r = await start({ DATA_DIR: data }, '"listening"', 'SIGKILL');
    expect([null, 0]).toContain(r.code);
    for (const f of ['letstalk.db', 'letstalk.db-wal', 'secrets.json']) expect((statSync(join(data, f)).mode & 0o777).toString(8)).toBe('600');
  }, 30_000);
});

describe('shutdown', () => {
  test('SIGTERM closes the safeguarding notifier (undelivered notices are logged) before the process exits', async () => {
    const proc = Bun.spawn([process.execPath, 'server/main.ts'], {
      cwd: join(import.meta.dir, '..'),
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', DATA_DIR: join(dir, 'data-shutdown'), SAFEGUARDING_WEBHOOK_URL: 'http://127.0.0.1:9/hook', SAFEGUARDING_WEBHOOK_SECRET: 'x'.repeat(20) },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    let out = '';
    let signalled = false;
    const read = async (s: ReadableStream<Uint8Array>) => {
      for await (const chunk of s) {
        out += new TextDecoder().decode(chunk);
        // Logged on an empty store just before the signal handlers are installed; Bun installs them
        // a moment later, so the signal is sent after a short pause.
        if (!signalled && out.includes('no users yet')) {
          signalled = true;
          setTimeout(() => proc.kill('SIGTERM'), 500);
        }
      }
    };
    const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    await Promise.all([read(proc.stdout), read(proc.stderr)]);
    const code = await proc.exited;
    clearTimeout(timer);
    expect(signalled).toBe(true);
    expect(code).toBe(0);
    const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const at = (msg: string) => lines.findIndex((l) => l.msg === msg);
    expect(at('shutting down')).toBeGreaterThan(-1);
    expect(lines[at('safeguarding notifications stopped')]).toMatchObject({ component: 'safeguarding-notify', undelivered: 0 });
    expect(at('safeguarding notifications stopped')).toBeGreaterThan(at('shutting down'));
  }, 30_000);
});

describe('a stray rejection does not end the server', () => {
  test('it is logged at error level, with its stack, and the process goes on (Bun ends it otherwise)', () => {
    const script = `
      import { logStrayRejections } from './server/main';
      import { createLogger } from './server/log';
      logStrayRejections(createLogger('info'));
      Promise.reject(new Error('werift timer failed'));
      setTimeout(() => console.log('still serving'), 50);`;
    const run = (code: string) => Bun.spawnSync([process.execPath, '-e', code], { cwd: join(import.meta.dir, '..'), env: { PATH: process.env.PATH ?? '' } });
    const r = run(script);
    const out = r.stdout.toString();
    expect(r.exitCode).toBe(0);
    const line = JSON.parse(out.split('\n').find((l) => l.includes('unhandled rejection'))!);
    expect(line).toMatchObject({ level: 'error', msg: 'unhandled rejection' });
    expect(JSON.stringify(line)).toContain('werift timer failed');
    expect(out).toContain('still serving');
    // Without it: the process ends (what the guard is for).
    expect(run(script.replace('logStrayRejections(createLogger(\'info\'));', '')).exitCode).not.toBe(0);
  });
});
