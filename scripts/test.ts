/**
 * The whole test suite: unit, integration, store contract (SQLite always; MongoDB when reachable)
 * and real-browser e2e. `bun run test` runs this.
 *
 * MongoDB: uses MONGODB_URI when set; otherwise, if a FerretDB v1 binary is found (FERRETDB_BIN,
 * or ~/go/bin/ferretdb as built by .ci/build-ferretdb.sh), starts it on a free loopback port with a
 * throw-away SQLite directory for the duration of the run. Suites that cannot run say why; under
 * CI=true they fail instead (see e2e/harness.ts and server/store/mongo/mongo.test.ts).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

const env: Record<string, string | undefined> = { ...process.env };

// Types first: a type error fails the suite like a failing test.
const tsc = Bun.spawnSync(['bun', 'x', 'tsc', '--noEmit', '-p', '.'], { stdout: 'inherit', stderr: 'inherit' });
if (tsc.exitCode !== 0) {
  console.log('\ntests: 0 passed, 1 failed (type check)');
  process.exit(1);
}
let ferret: ReturnType<typeof Bun.spawn> | undefined;
let ferretDir: string | undefined;

function freePort(): number {
  const s = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const p = s.port;
  s.stop(true);
  return p;
}

async function waitForPort(port: number, ms: number) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const sock = await Bun.connect({ hostname: '127.0.0.1', port, socket: { data() {} } });
      sock.end();
      return true;
    } catch {
      await Bun.sleep(100);
    }
  }
  return false;
}

if (!env.MONGODB_URI) {
  const bin = env.FERRETDB_BIN ?? join(homedir(), 'go/bin/ferretdb');
  if (existsSync(bin)) {
    ferretDir = mkdtempSync(join(tmpdir(), 'lt-ferret-'));
    const port = freePort();
    ferret = Bun.spawn(
      [bin, '--handler=sqlite', `--sqlite-url=file:${ferretDir}/`, `--listen-addr=127.0.0.1:${port}`, `--state-dir=${ferretDir}`, '--telemetry=disable', '--debug-addr=-', '--log-level=error'],
      { stdout: 'ignore', stderr: 'inherit' },
    );
    if (await waitForPort(port, 15_000)) {
      env.MONGODB_URI = `mongodb://127.0.0.1:${port}/`;
      console.log(`MongoDB suites: FerretDB on 127.0.0.1:${port}`);
    } else console.log('MongoDB suites: FerretDB did not start');
  } else console.log(`MongoDB suites: no MONGODB_URI and no FerretDB at ${bin} (.ci/build-ferretdb.sh builds it)`);
}

/**
 * Each failed test's own output (its error, expected and received, the server's last lines): bun
 * prints it above the test's "(fail)" line, somewhere in an output of thousands of lines, and CI
 * may keep only the end. It is printed again at the end of the run.
 */
const failures: string[] = [];

/** Runs `bun test` with these arguments and environment, echoing its output; returns its counts. */
async function run(args: string[], runEnv: Record<string, string | undefined>) {
  const proc = Bun.spawn(['bun', 'test', '--timeout', '60000', ...args], { env: runEnv, stdout: 'pipe', stderr: 'pipe' });
  let tail = '';
  // Lines since the last test's result line, per stream (bun writes results and errors to stderr).
  // bun's closing recap ("N tests failed:", then the (fail) lines again) is not a new failure; a
  // timeout's reason ("  ^ this test timed out…") comes after its (fail) line and belongs to it.
  const pending = new Map<ReadableStream<Uint8Array>, { part: string; block: string[]; recap: boolean; last: number }>();
  const collect = (stream: ReadableStream<Uint8Array>, s: string) => {
    const p = pending.get(stream) ?? { part: '', block: [], recap: false, last: -1 };
    pending.set(stream, p);
    const lines = (p.part + s).split('\n');
    p.part = lines.pop()!;
    for (const line of lines) {
      if (p.recap) continue;
      if (/^\d+ tests? failed:$/.test(line.trim())) p.recap = true;
      else if (/^\((pass|skip|todo)\) /.test(line)) (p.block = []), (p.last = -1);
      else if (line.startsWith('(fail) ')) {
        p.last = failures.push([...p.block.slice(-80), line].join('\n')) - 1;
        p.block = [];
      } else if (line.startsWith('  ^ ') && p.last >= 0) failures[p.last] += `\n${line}`;
      else if (p.block.push(line) > 400) p.block.splice(0, 320); // output no test claims (stdout) is not kept
    }
  };
  async function pump(stream: ReadableStream<Uint8Array>, out: NodeJS.WriteStream) {
    const dec = new TextDecoder();
    for await (const chunk of stream) {
      const s = dec.decode(chunk, { stream: true });
      out.write(s);
      tail = (tail + s).slice(-4000);
      collect(stream, s);
    }
  }
  await Promise.all([pump(proc.stdout, process.stdout), pump(proc.stderr, process.stderr)]);
  const code = await proc.exited;
  const num = (re: RegExp) => Number(re.exec(tail)?.[1] ?? 0);
  return { code, passed: num(/^\s*(\d+) pass$/m), failed: num(/^\s*(\d+) fail$/m), skipped: num(/^\s*(\d+) skip$/m) };
}

const args = process.argv.slice(2);
const results = [await run(args, env)];
// The whole suite runs the browser tests on SQLite; the sign-in, chat, file, admin, moderation, safeguarding browser tests run a
// second time on MongoDB (FerretDB in CI), so both stores are proven in the browser.
if (!args.length && env.MONGODB_URI) {
  console.log('\nBrowser tests again on MongoDB (E2E_STORE=mongodb):');
  results.push(await run(['e2e/login.e2e.test.ts', 'e2e/chat.e2e.test.ts', 'e2e/chat-network.e2e.test.ts', 'e2e/files.e2e.test.ts', 'e2e/admin.e2e.test.ts', 'e2e/moderation.e2e.test.ts', 'e2e/safeguarding-appeal.e2e.test.ts', 'e2e/safeguarding-restriction.e2e.test.ts', 'e2e/safeguarding-freeze.e2e.test.ts', 'e2e/files-webrtc.e2e.test.ts', 'e2e/mail.e2e.test.ts', 'e2e/calls-recording.e2e.test.ts', 'e2e/calls-attendance.e2e.test.ts', 'e2e/chat-polls.e2e.test.ts'], { ...env, E2E_STORE: 'mongodb' }));
}
ferret?.kill();
await ferret?.exited;
if (ferretDir) rmSync(ferretDir, { recursive: true, force: true });

// The first ten: more than that is one cause, seen in the first ones.
if (failures.length) console.log(`\nWhat the first ${Math.min(failures.length, 10)} of ${failures.length} failed test(s) printed:\n\n${failures.slice(0, 10).join('\n\n')}`);
// One plain summary line for CI: "N passed, N failed, N skipped".
const sum = (k: 'passed' | 'failed' | 'skipped') => results.reduce((n, r) => n + r[k], 0);
console.log(`\ntests: ${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped`);
const failedRun = results.find((r) => r.code !== 0);
process.exit(failedRun ? failedRun.code : sum('passed') === 0 ? 1 : 0);
