/**
 * Direct-transfer part of bench/files.ts: the same file sent between two werift peers (the page's
 * engines, bench/files-peers.ts) peer to peer — the baseline — and through the server's relay
 * (server/rtc/relay.ts) running in a child process, on loopback. Prints both rates, their ratio,
 * the relay process's CPU (share of one core and ms per MB) and its resident memory sampled during
 * the transfer, which should stay flat whatever the size (the relay holds at most one window).
 */
import { readFileSync } from 'node:fs';
import { rtcConfigFromEnv } from '../server/rtc/config';
import { Relay, type Side } from '../server/rtc/relay';
import { rootDigest, WINDOW_BYTES } from '../server/rtc/relay-wire';
import { blockHashes } from '../views/client/transfer-engine';
import { answerer, directPair, runTransfer } from './files-peers';

const MB = 1024 * 1024;

/** Child mode: one relay at a time behind a tiny HTTP API (signalling is not what is measured). */
export function serveRelay() {
  let relay: Relay | null = null;
  const cfg = rtcConfigFromEnv({ RTC_LISTEN_IP: '127.0.0.1' });
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === '/open') {
        relay?.close();
        relay = new Relay(cfg, () => {});
        const [sender, receiver] = await Promise.all([relay.offer('sender'), relay.offer('receiver')]);
        return Response.json({ sender, receiver });
      }
      if (path === '/answer') {
        const { side, sdp } = (await req.json()) as { side: Side; sdp: string };
        await relay!.answer(side, sdp);
        return Response.json({ ok: true });
      }
      if (path === '/stats') return Response.json(relay?.stats() ?? {});
      return new Response('no', { status: 404 });
    },
  });
  process.on('SIGTERM', () => process.exit(0));
  console.log(JSON.stringify({ origin: `http://127.0.0.1:${server.port}` }));
}

/** Resident memory (MB) and CPU time (ms, user + system) of another process, from /proc. */
function usage(pid: number): { rss: number; cpuMs: number } {
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { rss, cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / 100 };
}

/** CPU time (ms, user + system) this process used since `since`. */
function ownCpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

export async function benchDirect(size: number, spawnChild: (mode: string) => Promise<{ proc: Bun.Subprocess; origin: string }>) {
  const data = new Uint8Array(size);
  const block = new Uint8Array(4 * MB);
  for (let i = 0; i < block.length; i += 65536) crypto.getRandomValues(block.subarray(i, i + 65536));
  for (let o = 0; o < size; o += block.length) data.set(block.subarray(0, Math.min(block.length, size - o)), o);
  const shas = await blockHashes(size, async (a, b) => data.subarray(a, b));
  const digest = await rootDigest(shas);
  console.log(`\ndirect transfer of ${size / MB} MB between two werift peers (the page's engines), window ${WINDOW_BYTES / MB} MB`);

  const p2p = await directPair();
  let t0 = performance.now();
  let cpu0 = process.cpuUsage();
  await runTransfer(p2p.sender, p2p.receiver, data, shas, digest);
  const p2pMs = performance.now() - t0;
  const p2pCpu = ownCpuMs(cpu0);
  p2p.close();
  const rate = (ms: number) => size / MB / (ms / 1000);
  console.log(`baseline (peer to peer, no server): ${rate(p2pMs).toFixed(1)} MB/s (${(p2pMs / 1000).toFixed(1)} s); both peers (this process) ${((p2pCpu / p2pMs) * 100).toFixed(0)} % of one core`);

  const { proc, origin } = await spawnChild('--serve-relay');
  try {
    const post = (path: string, body?: unknown) => fetch(origin + path, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) }).then((r) => r.json());
    const offers = (await post('/open')) as { sender: string; receiver: string };
    const [s, r] = await Promise.all([answerer(offers.sender), answerer(offers.receiver)]);
    await post('/answer', { side: 'sender', sdp: s.answer });
    await post('/answer', { side: 'receiver', sdp: r.answer });
    const [sc, rc] = await Promise.all([s.channel, r.channel]);
    const before = usage(proc.pid!);
    const rss: number[] = [];
    const timer = setInterval(() => rss.push(usage(proc.pid!).rss), 250);
    // RSS at every tenth of the transfer: flat means it does not grow with the bytes relayed.
    const byTenth: string[] = [];
    t0 = performance.now();
    cpu0 = process.cpuUsage();
    await runTransfer(sc, rc, data, shas, digest, { onProgress: (o) => o >= ((byTenth.length + 1) * size) / 10 && byTenth.push(usage(proc.pid!).rss.toFixed(0)) });
    const ms = performance.now() - t0;
    const peersCpu = ownCpuMs(cpu0);
    clearInterval(timer);
    const after = usage(proc.pid!);
    const stats = (await fetch(origin + '/stats').then((x) => x.json())) as { maxHeld: number };
    const cpu = after.cpuMs - before.cpuMs;
    const q = (p: number) => [...rss].sort((a, b) => a - b)[Math.min(rss.length - 1, Math.floor(p * rss.length))]!.toFixed(0);
    console.log(`through the relay (werift, separate process): ${rate(ms).toFixed(1)} MB/s (${(ms / 1000).toFixed(1)} s); both peers (this process) ${((peersCpu / ms) * 100).toFixed(0)} % of one core`);
    console.log(`relay cpu: ${((cpu / ms) * 100).toFixed(0)} % of one core, ${(cpu / (size / MB)).toFixed(1)} ms per MB`);
    console.log(`relay rss: ${before.rss.toFixed(0)} MB before; during: first ${rss[0]?.toFixed(0)}, median ${q(0.5)}, max ${q(1)}, last ${rss.at(-1)?.toFixed(0)} MB; at each 10 %: ${byTenth.join(' ')} MB; most held by the relay (window accounting): ${(stats.maxHeld / MB).toFixed(1)} MB`);
    console.log(`ratio: relay ${(rate(ms) / rate(p2pMs)).toFixed(2)} of peer to peer`);
    await Promise.all([s.pc.close(), r.pc.close()]);
  } finally {
    proc.kill('SIGTERM');
    await proc.exited;
  }
}
