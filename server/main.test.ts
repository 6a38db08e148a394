/** Start-up with MODERATION_WEIGHTS: a retrained model is used, and a bad file stops the server at once. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_WEIGHTS_PATH, loadModel } from './features/moderation/model';
import { testApp } from './testing';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lt-main-'));
  writeFileSync(join(dir, 'broken.bin'), 'not a model');
  copyFileSync(DEFAULT_WEIGHTS_PATH, join(dir, 'retrained.bin'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs server/main.ts until it logs `until` or exits; returns its exit code (null: still running, killed) and stderr+stdout. */
async function start(env: Record<string, string>, until: string) {
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
      if (out.includes(until)) proc.kill();
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
