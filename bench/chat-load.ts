/**
 * Load client for bench/chat-fanout.ts, run as its own process so its CPU is separate from the
 * server's (and measured: the report shows it was not the bottleneck). Opens N WebSockets to one
 * room, lets a subset of members send M messages/s for D seconds round-robin, and times each
 * pushed message fragment against its send time. Works against the app (cookies from the setup)
 * and against bench/raw-fanout-server.ts (no cookies); the wire protocol is the same.
 * Usage: bun bench/chat-load.ts '<LoadConfig JSON>'; prints one JSON result line on stdout.
 */
import { readFileSync } from 'node:fs';

export interface LoadConfig {
  url: string; // http://127.0.0.1:PORT
  cookiesFile: string | null; // JSON array of `lt_session=…`, one per member; null for the baseline
  room: string;
  n: number;
  rate: number;
  seconds: number;
  senders: number;
  serverPid: number;
}

export interface LoadResult {
  opened: number;
  warmReached: number;
  sent: number;
  acks: number;
  rejects: number;
  errors: number;
  errorSamples: string[];
  delivered: number;
  expected: number;
  windowSec: number;
  deliveriesPerSec: number;
  serverCpuSec: number;
  clientCpuSec: number;
  /** CPU the rest of the machine used in the window: on a shared box, what skews the latencies. */
  otherCpuSec: number;
  p50: number;
  p99: number;
  max: number;
  fragmentBytes: number;
}

const cfg = JSON.parse(process.argv[2]!) as LoadConfig;
const TCK = Number(Bun.spawnSync(['getconf', 'CLK_TCK']).stdout.toString().trim()) || 100;
// Hard stop so a hung server can never keep the bench running.
setTimeout(() => (console.error('chat-load: timed out'), process.exit(2)), (cfg.seconds + 150) * 1000);

/** utime + stime of a whole process (all threads) in seconds, from /proc/<pid>/stat fields 14–15. */
function cpuSec(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
  return (Number(f[11]) + Number(f[12])) / TCK;
}

/** Busy CPU time of the whole machine (all CPUs) in seconds, from the first line of /proc/stat. */
function machineBusySec(): number {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / TCK;
}

const cookies: (string | null)[] = cfg.cookiesFile ? JSON.parse(readFileSync(cfg.cookiesFile, 'utf8')) : [];
const wsUrl = `${cfg.url.replace(/^http/, 'ws')}/ws`;
const total = Math.round(cfg.rate * cfg.seconds);
const WARM = 50;

// Per-message state in typed arrays: at N=1000 the client handles ~20k deliveries/s, so the
// receive path must be a regex and a few array writes, no allocation per delivery beyond the string.
const sendAt = new Float64Array(total);
const lat = new Float64Array(total * cfg.n);
let delivered = 0;
let warmDelivered = 0;
let lastDeliveryAt = 0;
let acks = 0;
let rejects = 0;
let errors = 0;
let fragBytes = 0;
const errorSamples: string[] = [];
const resumed = new Uint8Array(cfg.n);
const CID_RE = /data-client-id="([wm])(\d+)-bench"/;

function error(msg: string) {
  errors++;
  if (errorSamples.length < 5) errorSamples.push(msg.slice(0, 200));
}

function onMessage(idx: number, data: unknown) {
  const now = performance.now();
  if (typeof data !== 'string') return error('binary frame');
  if (data.charCodeAt(0) === 123 /* { */) {
    const f = JSON.parse(data) as { type: string; message?: string };
    if (f.type === 'ack') acks++;
    else if (f.type === 'reject') (rejects++, errorSamples.length < 5 && errorSamples.push(`reject: ${f.message}`));
    else if (f.type === 'resumed') resumed[idx] = 1;
    return;
  }
  const m = CID_RE.exec(data);
  if (m) {
    const i = Number(m[2]);
    if (m[1] === 'w') return void warmDelivered++;
    if (delivered >= lat.length) return error(`more deliveries than sent × N (duplicate of m${i})`);
    if (fragBytes === 0) fragBytes = Buffer.byteLength(data);
    lat[delivered++] = now - sendAt[i]!;
    lastDeliveryAt = now;
    return;
  }
  // The app's error notices (bad frame, handler failure) target #notice; room-list refreshes and
  // typing lines are expected noise.
  if (data.includes('hx-target="#notice"')) error(`notice: ${data.replace(/<[^>]+>/g, ' ').trim()}`);
}

// Bun's client accepts headers (browsers do not): the app needs Origin and the session cookie.
// The DOM lib's constructor type (url, protocols) hides Bun's overload, hence the cast.
const BunWebSocket = WebSocket as unknown as new (url: string, options: Bun.WebSocketOptions) => WebSocket;

function open(idx: number): Promise<WebSocket | null> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { origin: cfg.url };
    if (cookies[idx]) headers.cookie = cookies[idx]!;
    const ws = new BunWebSocket(wsUrl, { headers });
    let done = false;
    const finish = (v: WebSocket | null) => {
      if (!done) (done = true), clearTimeout(t), resolve(v);
    };
    const t = setTimeout(() => (error(`socket ${idx}: open timed out`), ws.close(), finish(null)), 10_000);
    ws.onopen = () => finish(ws);
    ws.onmessage = (e) => onMessage(idx, e.data);
    ws.onerror = () => (done ? error(`socket ${idx}: error`) : (error(`socket ${idx}: upgrade failed`), finish(null)));
    ws.onclose = (e) => {
      if (!done) finish(null);
      else if (!closing) error(`socket ${idx}: closed ${e.code} ${e.reason}`);
    };
  });
}

async function until(cond: () => boolean, ms: number) {
  const end = performance.now() + ms;
  while (!cond() && performance.now() < end) await Bun.sleep(10);
  return cond();
}

let closing = false;
const socks: (WebSocket | null)[] = [];
// Connect in batches: the app's open() runs a sign-in lookup and a store read per socket.
for (let i = 0; i < cfg.n; i += 50) {
  const batch = await Promise.all(Array.from({ length: Math.min(50, cfg.n - i) }, (_, k) => open(i + k)));
  socks.push(...batch);
}
const opened = socks.filter(Boolean).length;

// `resume` → `resumed` proves the server finished open() for the socket. A frame that arrives
// before the app has registered the socket (open() awaits the session lookup first) is dropped,
// so resend until answered.
for (let round = 0; round < 10 && !resumed.every((r, i) => r || !socks[i]); round++) {
  socks.forEach((s, i) => !resumed[i] && s?.send(JSON.stringify({ type: 'resume', rooms: {} })));
  await until(() => resumed.every((r, i) => r || !socks[i]), 1000);
}

const frame = (tag: string, i: number, at: number) =>
  JSON.stringify({ type: 'send', room: cfg.room, clientId: `${tag}${i}-bench`, body: `bench message ${i} from the load client, sent at t=${at.toFixed(3)} ms` });

// Warm-up (not measured): WARM messages at the target rate from members counted backwards from
// the last (outside the sender set when N allows; the rate limit still holds), then wait until every
// socket got all of them. The window starts with all N subscribed and both sides past JIT warm-up:
// with 5 warm-up messages the app's first window at N=200 measured 2.0× the baseline, later ones 1.3–1.8×.
for (let w = 0; w < WARM; w++) {
  socks[(cfg.n - 1 - (w % cfg.n) + cfg.n) % cfg.n]?.send(frame('w', w, performance.now()));
  await Bun.sleep(1000 / cfg.rate);
}
await until(() => warmDelivered >= WARM * opened, 15_000);
const warmReached = Math.floor(warmDelivered / WARM);
await Bun.sleep(300);
// A full collection now rather than inside the window: this client allocates a string per delivery.
Bun.gc(true);

// Measured window: send on a fixed schedule (catching up if a timer fires late, never bursting
// ahead), then wait until every expected delivery arrived or 10 s passed.
const senderOf = (i: number) => Math.floor(((i % cfg.senders) * cfg.n) / cfg.senders);
const cpu0 = cpuSec(cfg.serverPid);
const self0 = cpuSec(process.pid);
const busy0 = machineBusySec();
const t0 = performance.now();
for (let i = 0; i < total; i++) {
  const wait = t0 + (i * 1000) / cfg.rate - performance.now();
  if (wait > 0) await Bun.sleep(wait);
  const s = socks[senderOf(i)];
  if (!s) continue;
  sendAt[i] = performance.now();
  s.send(frame('m', i, sendAt[i]!));
}
const lastSend = performance.now();
await until(() => delivered + rejects * opened >= total * opened, 10_000);
const cpu1 = cpuSec(cfg.serverPid);
const self1 = cpuSec(process.pid);
const busy1 = machineBusySec();
const windowMs = Math.max(lastDeliveryAt, lastSend) - t0;

closing = true;
for (const s of socks) s?.close();

const sorted = lat.subarray(0, delivered).sort();
const pct = (p: number) => (delivered ? sorted[Math.min(delivered - 1, Math.floor((p / 100) * delivered))]! : NaN);
const result: LoadResult = {
  opened,
  warmReached,
  sent: total,
  acks,
  rejects,
  errors,
  errorSamples,
  delivered,
  expected: total * opened,
  windowSec: windowMs / 1000,
  deliveriesPerSec: delivered / (windowMs / 1000),
  serverCpuSec: cpu1 - cpu0,
  clientCpuSec: self1 - self0,
  otherCpuSec: Math.max(0, busy1 - busy0 - (cpu1 - cpu0) - (self1 - self0)),
  p50: pct(50),
  p99: pct(99),
  max: delivered ? sorted[delivered - 1]! : NaN,
  fragmentBytes: fragBytes,
};
console.log(JSON.stringify(result));
process.exit(0);
