/**
 * SFU benchmark: one publisher (Chromium, fake 720p camera in three layers + microphone) to N
 * subscribers (Chromium peer connections that count what they receive without decoding), through
 * the real SFU (server/rtc) on loopback. The SFU runs in this process behind a bare signalling
 * socket (no accounts: every connection is a new member), so this process's CPU is the SFU's.
 *
 * N grows step by step (--steps) until subscribers stop receiving (fewer than 95 % get at least
 * 70 % of the frames the best-served subscriber got), or the last step.
 * Per step: forwarded packets/s, Bun CPU per forwarded packet, event-loop lag p99/max, memory per
 * peer connection, and the share of subscribers receiving well.
 * Usage: bun bench/sfu.ts [--steps 10,25,50,75,100] [--view low|auto|high] [--seconds 6] [--per-page 25]
 */
import { chromium } from 'playwright-core';
import { rtcConfigFromEnv } from '../server/rtc/config';
import { parseClientMsg } from '../server/rtc/protocol';
import { Sfu } from '../server/rtc/sfu';
import type { Call } from '../server/rtc/call';
import type { Participant } from '../server/rtc/participant';
import { benchClient } from './sfu-client';

const arg = (name: string, d: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : d;
};
const steps = arg('steps', '10,25,50,75,100,150').split(',').map(Number);
const view = arg('view', 'low');
const seconds = Number(arg('seconds', '6'));
const perPage = Number(arg('per-page', '25'));

const sfu = new Sfu(rtcConfigFromEnv({ RTC_LISTEN_IP: '127.0.0.1', RTC_MAX_PARTICIPANTS: '1000' }), { info() {}, warn: (m, f) => console.error(m, f) });
let nextUser = 0;
type Seat = { call: Call; participant: Participant } | null;
const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  fetch(req, srv) {
    if (new URL(req.url).pathname === '/rtc' && srv.upgrade(req, { data: { seat: null as Seat, n: nextUser++ } })) return;
    return new Response('<!doctype html><title>bench</title>', { headers: { 'content-type': 'text/html' } });
  },
  websocket: {
    data: {} as { seat: Seat; n: number },
    async message(ws, data) {
      const m = parseClientMsg(String(data));
      if (!m) return;
      try {
        if (m.type === 'join') {
          ws.data.seat = sfu.join({ roomId: 'bench', start: 'group', host: false, member: { userId: `u${ws.data.n}`, name: `User ${ws.data.n}` }, endpoint: { send: (x) => ws.send(JSON.stringify(x)), close: (c, r) => ws.close(c, r) } });
        } else if (ws.data.seat) await sfu.handle(ws.data.seat.call, ws.data.seat.participant, m);
      } catch (e) {
        console.error('bench signalling', e);
      }
    },
    close(ws) {
      if (ws.data.seat) void sfu.leave(ws.data.seat.call, ws.data.seat.participant);
    },
  },
});
const origin = `http://127.0.0.1:${server.port}`;
const url = `ws://127.0.0.1:${server.port}/rtc`;

// Event-loop lag: how late a 20 ms timer fires.
let lags: number[] = [];
let expected = performance.now() + 20;
const lagTimer = setInterval(() => {
  const now = performance.now();
  lags.push(Math.max(0, now - expected));
  expected = now + 20;
}, 20);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
});
const newPage = async () => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(origin);
  await page.evaluate(`(${benchClient.toString()})()`);
  return page;
};

const pub = await newPage();
await pub.evaluate((u) => (window as any).publish(u), url);
console.log(`publisher sending; subscribers ask for "${view}"; ${seconds} s per step`);
await Bun.sleep(4000);

const pages: Awaited<ReturnType<typeof newPage>>[] = [];
const counts = async () => (await Promise.all(pages.map((p) => p.evaluate(() => (window as any).counts() as [number, number][])))).flat();
let subs = 0;
const rows: Record<string, string | number>[] = [];
let failedAt: number | null = null;
const rssBase = process.memoryUsage().rss;

for (const n of steps) {
  while (subs < n) {
    if (!pages.length || subs % perPage === 0) pages.push(await newPage());
    await pages[pages.length - 1]!.evaluate(([u, v]) => (window as any).subscribe(u, v), [url, view] as const);
    subs++;
  }
  await Bun.sleep(3000); // connect and settle
  const before = await counts();
  const s0 = sfu.stats();
  const cpu0 = process.cpuUsage();
  lags = [];
  const t0 = performance.now();
  await Bun.sleep(seconds * 1000);
  const dt = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const s1 = sfu.stats();
  const after = await counts();
  const fwd = s1.forwardedPackets - s0.forwardedPackets;
  const frames = after.map((c, i) => c[1] - (before[i]?.[1] ?? 0));
  const best = Math.max(...frames);
  const healthy = frames.filter((f) => f >= 0.7 * best && f > 0).length / frames.length;
  const sorted = [...lags].sort((a, b) => a - b);
  const row = {
    subscribers: n,
    'fwd pkt/s': Math.round(fwd / dt),
    'CPU µs/pkt': fwd ? Math.round(((cpu.user + cpu.system) / fwd) * 10) / 10 : 0,
    'CPU %': Math.round(((cpu.user + cpu.system) / 1e6 / dt) * 100),
    'lag p99 ms': Math.round(sorted[Math.floor(sorted.length * 0.99)] ?? 0),
    'lag max ms': Math.round(sorted[sorted.length - 1] ?? 0),
    'MB/peer': Math.round(((process.memoryUsage().rss - rssBase) / 1e6 / (n + 1)) * 10) / 10,
    'receiving %': Math.round(healthy * 100),
    'frames/s': Math.round(best / dt),
  };
  rows.push(row);
  console.log(JSON.stringify(row));
  if (healthy < 0.95) {
    failedAt = n;
    break;
  }
}

console.table(rows);
console.log(failedAt ? `subscribers stop receiving well at N = ${failedAt}` : `no failure up to N = ${subs}`);
clearInterval(lagTimer);
await browser.close();
await sfu.close();
server.stop(true);
process.exit(0);
