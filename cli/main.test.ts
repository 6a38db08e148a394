/** The CLI as a process: what it needs from the environment, and how it leaves. */
import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { jsonl, scratchDir } from './test-workspace';

const scratch = scratchDir('lt-cli-main-');
const file = scratch.file;
const cli = scratch.cli;
const BENIGN = 'The CSC 201 test has moved to Friday 10am in LT2.';


describe('the process around it', () => {
  test('needs no server setting: a bad PORT does not stop it (a command that opens the store still says so)', async () => {
    const f = file('p.jsonl', jsonl([{ text: BENIGN, labels: [] }]));
    expect((await cli(['moderation', 'eval', f, '--json'], { PORT: 'abc' })).code).toBe(0);
    expect((await cli(['moderation', 'classify', 'hello'], { PORT: 'abc' })).code).toBe(0);
    expect(await cli(['users', 'list'], { PORT: 'abc' })).toEqual({ code: 1, out: '', err: 'error: PORT must be a whole number, got "abc"\n' });
  });

  test('a large --json report reaches a slow reader whole (the process waits for the pipe before exiting)', async () => {
    // 4,000 languages: about 200 KB of JSON, three times a pipe's buffer
    const f = file('many.jsonl', jsonl(Array.from({ length: 4000 }, (_, i) => ({ text: 'hi', labels: [], lang: `lang-${i}` }))));
    const main = join(import.meta.dir, 'main.ts');
    // the reader starts a second late: the report must still be in the pipe, not cut at exit
    const p = Bun.spawn(['sh', '-c', `"$0" "$1" moderation eval "$2" --json | { sleep 1; cat; }`, process.execPath, main, f], { stdout: 'pipe', stderr: 'pipe', env: { ...process.env, DATA_DIR: scratch.path('data') } });
    const out = await new Response(p.stdout).text();
    expect(await p.exited).toBe(0);
    expect(out.length).toBeGreaterThan(150_000);
    expect(Object.keys(JSON.parse(out).languages)).toHaveLength(4000);
  }, 30_000);
});
