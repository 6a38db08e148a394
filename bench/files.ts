/**
 * Upload throughput over the /upload WebSocket on loopback (the real app on a disk-backed SQLite
 * store in a temporary DATA_DIR: CRC check, positional write + fdatasync per chunk, whole-file
 * SHA-256, completion) against a baseline: a bare Bun WebSocket server that receives the same
 * frames and acknowledges each without storing anything. Prints both rates, their ratio, and the
 * server process's resident memory, which should stay flat whatever the size.
 *
 * Then the direct-transfer part (bench/files-relay.ts): peer to peer as the baseline, through the
 * relay, the relay's CPU and its memory during the transfer.
 *
 *   bun bench/files.ts            # 256 MB upload, 500 MB direct transfer
 *   BENCH_MB=1024 BENCH_DIRECT_MB=100 bun bench/files.ts
 *   bun bench/files.ts --direct-only | --upload-only
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../server/app';
import { loadConfig } from '../server/config';
import { loadAssets } from '../server/http/assets';
import { memoryLogger } from '../server/log';
import { randomSecrets } from '../server/secrets';
import { createSqliteStore } from '../server/store/sqlite/sqlite';
import { CHUNK_HEADER_BYTES } from '../server/features/files/actions';
import { sendChunks, sha256Hex, UploadSocket } from '../server/features/files/testing';
import { Client, makeUser } from '../server/testing';
import { benchDirect, serveRelay } from './files-relay';

const MB = 1024 * 1024;
const size = Number(process.env.BENCH_MB ?? 256) * MB;

const serverMode = process.argv.some((a) => a.startsWith('--serve'));
// The same bytes for both runs: a 4 MB random block repeated (generation is not what we measure).
const block = new Uint8Array(4 * MB);
for (let i = 0; i < block.length; i += 65536) crypto.getRandomValues(block.subarray(i, i + 65536));
const data = new Uint8Array(serverMode || process.argv.includes('--direct-only') ? 0 : size);
for (let o = 0; o < data.length; o += block.length) data.set(block.subarray(0, Math.min(block.length, size - o)), o);
const digest = sha256Hex(data);

/** Baseline server mode (a child process): acknowledges each chunk frame, stores nothing. */
function serveBaseline() {
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: (req, srv) => (srv.upgrade(req) ? undefined : new Response('no', { status: 400 })),
    websocket: {
      maxPayloadLength: 1024 * 1024,
      message(ws, msg) {
        if (typeof msg === 'string') return void ws.send(JSON.stringify({ type: 'ready', uploadId: 'x', offset: 0 }));
        const v = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
        const end = Number(v.getBigUint64(0)) + msg.byteLength - CHUNK_HEADER_BYTES;
        ws.send(JSON.stringify(end === size ? { type: 'done' } : { type: 'ack', offset: end }));
      },
    },
  });
  process.on('SIGTERM', () => process.exit(0));
  console.log(JSON.stringify({ origin: `http://127.0.0.1:${server.port}`, cookie: '', room: '' }));
}

/** Starts this script in `mode` as a child process and reads the one JSON line it prints. */
async function child(mode: string) {
  // BENCH_PROFILE_DIR=<dir>: the relay child writes a CPU profile (markdown) there when it exits.
  const prof = mode === '--serve-relay' && process.env.BENCH_PROFILE_DIR ? ['--cpu-prof-md', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const proc = Bun.spawn([process.execPath, ...prof, import.meta.path, mode], { env: { ...process.env }, stdout: 'pipe', stderr: 'inherit' });
  const reader = proc.stdout.getReader();
  let text = '';
  while (!text.includes('\n')) {
    const r = await reader.read();
    if (r.done) throw new Error(`${mode} child exited`);
    text += new TextDecoder().decode(r.value);
  }
  const info = JSON.parse(text.split('\n')[0]!) as { origin: string; cookie: string; room: string };
  return { proc, ...info };
}

/** One upload of `data` to a child server; returns the time and the child's memory. */
async function run(mode: string): Promise<{ ms: number; rssStart: number; rssPeak: number }> {
  const { proc, origin, cookie, room } = await child(mode);
  try {
    const sock = await UploadSocket.open(`${origin.replace('http', 'ws')}/upload`, { cookie, origin });
    const rssStart = rssOf(proc.pid);
    let rssPeak = rssStart;
    const timer = setInterval(() => (rssPeak = Math.max(rssPeak, rssOf(proc.pid))), 25);
    const t0 = performance.now();
    sock.send({ type: 'begin', room, name: 'bench.bin', size, mime: 'application/octet-stream', sha256: digest });
    await sock.until('ready');
    const last = await sendChunks(sock, data, 0);
    const ms = performance.now() - t0;
    clearInterval(timer);
    if (last.type !== 'done') throw new Error(`upload ended with ${JSON.stringify(last)}`);
    sock.close();
    return { ms, rssStart, rssPeak };
  } finally {
    proc.kill('SIGTERM');
    await proc.exited;
  }
}

/** Server mode (a child process): the app on a temporary DATA_DIR; prints how to reach it, then serves until killed. */
async function serve() {
  const dir = mkdtempSync(join(tmpdir(), 'lt-bench-files-'));
  const config = loadConfig({ LOG_LEVEL: 'error', DATA_DIR: dir, FILE_MAX_BYTES: String(size), FILE_USER_QUOTA_BYTES: String(size), FILE_ROOM_QUOTA_BYTES: String(size) });
  const store = createSqliteStore(dir);
  const server = createApp({ config, store, logger: memoryLogger(), secrets: randomSecrets(), assets: await loadAssets() });
  server.listen({ port: 0, hostname: '127.0.0.1' });
  const issued = await makeUser(store, 'bench@unilag.edu.ng');
  const client = new Client(server);
  await client.signIn('bench@unilag.edu.ng', issued.loginCode);
  await store.users.update(issued.user.id, { mustSetPassword: false });
  const room = await store.rooms.create({ id: crypto.randomUUID(), kind: 'course', code: 'BENCH1', name: 'Bench', topic: '', createdBy: null, dmKey: null }, [{ userId: issued.user.id, role: 'owner' }]);
  const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const stop = () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  console.log(JSON.stringify({ origin: `http://127.0.0.1:${server.server!.port}`, cookie, room: room.id }));
}

/** Resident memory of another process in MB (Linux /proc), or NaN. */
function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

const rate = (ms: number) => size / MB / (ms / 1000);
if (process.argv.includes('--serve')) await serve();
else if (process.argv.includes('--serve-baseline')) serveBaseline();
else if (process.argv.includes('--serve-relay')) serveRelay();
else if (!process.argv.includes('--direct-only')) {
  console.log(`uploading ${size / MB} MB in 256 KB chunks, window 8 (client and server in separate processes)`);
  const base = (await run('--serve-baseline')).ms;
  console.log(`baseline (bare Bun WebSocket, ack only): ${rate(base).toFixed(0)} MB/s (${(base / 1000).toFixed(2)} s)`);
  const real = await run('--serve');
  console.log(`lets talk /upload (disk, CRC32, fdatasync per chunk, SHA-256, message): ${rate(real.ms).toFixed(0)} MB/s (${(real.ms / 1000).toFixed(2)} s)`);
  console.log(`server rss: ${real.rssStart} MB before, ${real.rssPeak} MB peak during the upload`);
  console.log(`ratio: ${(rate(real.ms) / rate(base)).toFixed(2)} of the baseline`);
}
if (!serverMode && !process.argv.includes('--upload-only')) {
  await benchDirect(Number(process.env.BENCH_DIRECT_MB ?? 500) * MB, child);
  process.exit(0);
}
