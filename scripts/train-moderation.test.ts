/** The training script's guards for --extra (they stop it before any training). */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lt-train-script-'));
  mkdirSync(join(dir, 'campus'));
  writeFileSync(join(dir, 'campus/train.jsonl'), '');
  writeFileSync(join(dir, 'judged.jsonl'), '{"text": "abeg how far", "labels": []}\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = async (...args: string[]) => {
  const p = Bun.spawn([process.execPath, 'scripts/train-moderation.ts', '--data', dir, ...args], { cwd: join(import.meta.dir, '..'), stdout: 'pipe', stderr: 'pipe' });
  const err = await new Response(p.stderr).text();
  return { code: await p.exited, err };
};

test('--extra needs --out (the shipped weights stay the project\'s) and an existing file', async () => {
  expect(await run('--extra', join(dir, 'judged.jsonl'))).toEqual({ code: 1, err: "error: --extra needs --out FILE: the shipped weights stay the project's (run the server with MODERATION_WEIGHTS=FILE)\n" });
  expect(await run('--extra', join(dir, 'missing.jsonl'), '--out', join(dir, 'w.bin'))).toEqual({ code: 1, err: `error: --extra ${join(dir, 'missing.jsonl')}: no such file\n` });
});
