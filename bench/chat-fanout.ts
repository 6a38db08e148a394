/**
 * Chat fan-out benchmark: N members of one room connected over WebSockets, M messages/s for D
 * seconds, against the real server (`bun server/main.ts`, SQLite, fresh DATA_DIR) and, in the same
 * run, against a raw Bun.serve pub/sub baseline (bench/raw-fanout-server.ts) sending same-size
 * fragments. The load runs in a separate process (bench/chat-load.ts). Prints deliveries/s, server
 * CPU per 1,000 deliveries, p50/p99 send→receive latency, rejects/errors, the load client's CPU,
 * and the server-CPU ratio against the target (app ≤ 2× baseline; reported, never fails the run).
 * Set-up signs in max(N) users through the real forms; each password change is one argon2id hash
 * (~0.1 s of server CPU), so 1,000 users take a minute or more on 2 CPUs before anything is measured.
 * Usage: bun bench/chat-fanout.ts [--n 200,1000] [--rate 20] [--seconds 10] [--senders K]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseCsv } from '../server/lib/csv';
import { createSqliteStore } from '../server/store/sqlite/sqlite';
import type { LoadConfig, LoadResult } from './chat-load';

const ROOT = resolve(import.meta.dir, '..');
const TARGET_RATIO = 2;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}
function bounded(v: number, lo: number, hi: number, what: string): number {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`--${what} must be an integer from ${lo} to ${hi}`);
  return v;
}
const ns = arg('n', '200,1000').split(',').map((s) => bounded(Number(s), 1, 5000, 'n'));
const rate = bounded(Number(arg('rate', '20')), 1, 1000, 'rate');
const seconds = bounded(Number(arg('seconds', '10')), 1, 120, 'seconds');
// The app allows 10 sends per 10 s per member and room: with 2×rate senders each sends 0.5/s,
// half the sustained limit, so a correct server rejects nothing.
const senders = bounded(Number(arg('senders', String(Math.ceil(rate * 2)))), 1, 5000, 'senders');
const sendersFor = (n: number) => Math.min(n, senders);
const maxN = Math.max(...ns);

const dir = mkdtempSync(join(tmpdir(), 'lt-bench-chat-'));
const children = new Set<Bun.Subprocess>();
const APP_VARS = ['PORT', 'HOST', 'DATA_DIR', 'MONGODB_URI', 'PUBLIC_URL', 'SECRET_KEY', 'TRUST_PROXY', 'LOG_LEVEL', 'LOGIN_CODE_TTL_DAYS', 'SESSION_IDLE_DAYS'];
const env: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !APP_VARS.includes(k)) env[k] = v;
// LOG_LEVEL=warn: at info the server logs each sign-in request and socket open (set-up only; nothing
// is logged per chat frame), which would just fill the log file.
Object.assign(env, { DATA_DIR: join(dir, 'data'), HOST: '127.0.0.1', LOG_LEVEL: 'warn' });

/** A child `bun` process, tracked so every exit path can stop it; `log` sends its output to files. */
function spawn(cmd: string[], opts: { log?: string; env?: Record<string, string> } = {}) {
  const p = Bun.spawn([process.execPath, ...cmd], {
    cwd: ROOT,
    env: { ...env, ...opts.env },
    stdout: opts.log ? Bun.file(`${opts.log}.out`) : 'pipe',
    stderr: opts.log ? Bun.file(`${opts.log}.err`) : 'inherit',
  });
  children.add(p);
  void p.exited.then(() => children.delete(p));
  return p;
}

async function stop(p: Bun.Subprocess) {
  p.kill('SIGTERM');
  if (!(await Promise.race([p.exited.then(() => true), Bun.sleep(5_000).then(() => false)]))) p.kill('SIGKILL');
  await p.exited;
}

async function cliRun(args: string[]): Promise<string> {
  const p = spawn(['cli/main.ts', ...args]);
  const [out, code] = await Promise.all([new Response(p.stdout as ReadableStream).text(), p.exited]);
  if (code !== 0) throw new Error(`letstalk ${args.join(' ')} failed (${code}): ${out}`);
  return out;
}

function freePort(): number {
  const s = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

async function startApp(): Promise<{ url: string; proc: Bun.Subprocess }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = spawn(['server/main.ts'], { log: join(dir, 'server'), env: { PORT: String(port) } });
    for (let i = 0; i < 150 && proc.exitCode === null; i++) {
      const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
      if (ok) return { url, proc };
      await Bun.sleep(100);
    }
    await stop(proc); // port race lost or start-up failed: try another port
  }
  throw new Error(`server did not start:\n${readFileSync(join(dir, 'server.err'), 'utf8').slice(-2000)}`);
}

/** Code sign-in, then the required password change; returns the session cookie of the second. */
async function signIn(url: string, email: string, code: string, i: number): Promise<string> {
  const post = async (path: string, form: Record<string, string>, cookie?: string) => {
    const r = await fetch(`${url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: url, 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
      body: new URLSearchParams(form),
    });
    const c = r.headers.getSetCookie().find((h) => h.startsWith('lt_session='));
    if (r.status !== 303 || !c) throw new Error(`POST ${path} for ${email}: ${r.status} ${(await r.text()).slice(0, 200)}`);
    return c.split(';')[0]!;
  };
  const first = await post('/login', { email, password: code });
  const pw = `bench-pass-${i}-fanout`;
  return post('/password', { new_password: pw, confirm_password: pw }, first);
}

async function load(cfg: LoadConfig): Promise<LoadResult> {
  const p = spawn(['bench/chat-load.ts', JSON.stringify(cfg)]);
  const [out, code] = await Promise.all([new Response(p.stdout as ReadableStream).text(), p.exited]);
  if (code !== 0) throw new Error(`load client failed (${code}): ${out}`);
  return JSON.parse(out.trim().split('\n').pop()!);
}

async function startRaw(fragmentBytes: number): Promise<{ url: string; proc: Bun.Subprocess }> {
  const proc = spawn(['bench/raw-fanout-server.ts', String(fragmentBytes)]);
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  const first = await Promise.race([reader.read(), Bun.sleep(10_000).then(() => null)]);
  const m = first?.value && /listening (\d+)/.exec(new TextDecoder().decode(first.value));
  if (!m) throw new Error('raw baseline server did not start');
  reader.releaseLock();
  void (proc.stdout as ReadableStream).pipeTo(new WritableStream()); // keep draining
  return { url: `http://127.0.0.1:${m[1]}`, proc };
}

const f = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '–');
// One table for both servers; the legend is printed once, before the first table.
const COLS: [string, number, (r: LoadResult) => string][] = [
  ['deliv/s', 9, (r) => f(r.deliveriesPerSec, 0)],
  ['cpu s/1k', 10, (r) => f((r.serverCpuSec / r.delivered) * 1000, 4)],
  ['cpu s', 7, (r) => f(r.serverCpuSec, 2)],
  ['p50 ms', 8, (r) => f(r.p50)],
  ['p99 ms', 8, (r) => f(r.p99)],
  ['max ms', 8, (r) => f(r.max)],
  ['rejects', 8, (r) => String(r.rejects)],
  ['errors', 7, (r) => String(r.errors)],
  ['missing', 8, (r) => String(r.expected - r.delivered - r.rejects * r.opened)],
  ['load cpu s', 11, (r) => f(r.clientCpuSec, 2)],
  ['other cpu s', 12, (r) => f(r.otherCpuSec, 2)],
];
const LEGEND = `deliv/s: fragments received per second by all members; cpu s/1k: server CPU seconds per 1,000 deliveries;
cpu s: server CPU in the window; p50/p99/max: send → receive latency over all deliveries; missing: expected
deliveries that never arrived; load cpu s: the load client's CPU; other cpu s: CPU used by every other process
on the machine in the window (if high, the latencies measure the machine, not the server).`;

function row(label: string, r: LoadResult, n: number) {
  console.log(`  ${label.padEnd(28)}${COLS.map(([, w, v]) => v(r).padStart(w)).join('')}`);
  if (r.opened < n || r.warmReached < r.opened) console.log(`    note: ${r.opened} of ${n} sockets opened, warm-up reached ${r.warmReached}`);
  for (const s of r.errorSamples) console.log(`    sample: ${s}`);
  return r.serverCpuSec / r.delivered;
}

let app: { url: string; proc: Bun.Subprocess } | null = null;
process.on('SIGINT', () => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  process.exit(130);
});
try {
  // Set-up (not measured): maxN users and one room per N, written by the real CLI before the
  // server starts; every N reuses the same signed-in users, each in its own room.
  let csv = 'email,name,role\n';
  for (let i = 0; i < maxN; i++) csv += `bench${i}@example.edu,Bench User ${i},student\n`;
  writeFileSync(join(dir, 'users.csv'), csv);
  await createSqliteStore(join(dir, 'data')).close(); // the database, as the server's first start makes it
  await cliRun(['users', 'import', join(dir, 'users.csv'), '--credentials', join(dir, 'creds.csv')]);
  const creds = parseCsv(readFileSync(join(dir, 'creds.csv'), 'utf8')).slice(1).map((r) => ({ email: r.fields[0]!, code: r.fields[2]! }));
  const emails = Array.from({ length: maxN }, (_, i) => `bench${i}@example.edu`);
  const codeOf = new Map(creds.map((c) => [c.email, c.code]));
  const rooms: string[] = [];
  for (const [k, n] of ns.entries()) {
    writeFileSync(join(dir, `members${k}.csv`), `email\n${emails.slice(0, n).join('\n')}\n`);
    await cliRun(['rooms', 'create', '--code', `BCH${1000 + k}`, '--name', `Bench fan-out ${n}`, '--members', join(dir, `members${k}.csv`)]);
  }
  const listed = JSON.parse(await cliRun(['rooms', 'list', '--json'])) as { code: string; id: string }[];
  for (const k of ns.keys()) rooms.push(listed.find((r) => r.code === `BCH${1000 + k}`)!.id);

  app = await startApp();
  // Each password change is one argon2id hash on the server; a few in flight keep both its
  // thread pool and the event loop busy without queueing hundreds of requests.
  const t = performance.now();
  const cookies: string[] = new Array(maxN);
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let i = next++; i < maxN; i = next++) {
      cookies[i] = await signIn(app!.url, emails[i]!, codeOf.get(emails[i]!)!, i);
      if ((i + 1) % 100 === 0) console.error(`set-up: ${i + 1} of ${maxN} users signed in`);
    }
  }));
  writeFileSync(join(dir, 'cookies.json'), JSON.stringify(cookies));
  console.error(`set-up: ${maxN} users signed in and passwords set in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  console.log(`chat fan-out: one room, ${rate} msg/s for ${seconds} s, loopback, ${availableParallelism()} CPUs, Bun ${Bun.version}`);
  console.log(LEGEND);
  for (const [k, n] of ns.entries()) {
    const senders = sendersFor(n);
    const base: Omit<LoadConfig, 'url' | 'cookiesFile' | 'serverPid'> = { room: rooms[k]!, n, rate, seconds, senders };
    const a = await load({ ...base, url: app.url, cookiesFile: join(dir, 'cookies.json'), serverPid: app.proc.pid });
    const raw = await startRaw(a.fragmentBytes || 600);
    let b: LoadResult;
    try {
      b = await load({ ...base, url: raw.url, cookiesFile: null, serverPid: raw.proc.pid });
    } finally {
      await stop(raw.proc);
    }
    console.log(`\nN=${n} members, ${senders} senders, ${a.sent} messages, fragment ${a.fragmentBytes} B`);
    console.log(`  ${''.padEnd(28)}${COLS.map(([h, w]) => h.padStart(w)).join('')}`);
    const pa = row('letstalk (Elysia + SQLite)', a, n);
    const pb = row('baseline: raw Bun publish', b, n);
    const ratio = pa / pb;
    // /proc CPU times count clock ticks (10 ms at CLK_TCK=100): a few ticks make a ratio noise.
    const coarse = Math.min(a.serverCpuSec, b.serverCpuSec) < 0.2 ? ' (imprecise: under 0.2 CPU-s measured; raise --seconds or --rate)' : '';
    console.log(`  server CPU per delivery, letstalk / baseline: ${f(ratio, 2)}× — target ≤ ${TARGET_RATIO}×: ${ratio <= TARGET_RATIO ? 'met' : 'NOT met'}${coarse}`);
  }
} finally {
  if (app) await stop(app.proc);
  for (const c of children) await stop(c);
  rmSync(dir, { recursive: true, force: true });
}
