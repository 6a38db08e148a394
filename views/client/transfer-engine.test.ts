/**
 * The transfer engines over an in-memory channel: a damaged block is re-requested and the file still
 * arrives intact, a new channel resumes from the verified offset (not from zero), the sender never
 * has more than the window unacknowledged, a lost first `want` is repeated (and repeats do not restart
 * the sender), and a file that does not match the offer's digest fails.
 */
import { expect, test } from 'bun:test';
import { BLOCK_BYTES, CHUNK_BYTES, readChunk, rootDigest, WINDOW_BYTES } from '../../server/rtc/relay-wire';
import { blockHashes, ReceiveEngine, SendEngine, type Wire } from './transfer-engine';

const MB = 1024 * 1024;
const data = new Uint8Array(9 * MB + 777);
for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(data.subarray(i, Math.min(data.length, i + 65536)));
const read = async (a: number, b: number) => data.slice(a, b);
const shas = await blockHashes(data.length, read);
const digest = await rootDigest(shas);

/**
 * Two wires delivering asynchronously; `tamper` may change or drop what the sender sends, `back` may
 * drop what the receiver sends (null) or deliver it after that many milliseconds.
 */
function link(tamper: (d: string | Uint8Array) => string | Uint8Array | null = (d) => d, back: (d: string) => number | null = () => 0) {
  const stats = { sentEnd: 0, acked: 0, maxAhead: 0, firstChunk: -1, chunks: 0, wants: 0 };
  let toReceiver: (d: string | Uint8Array) => void = () => {};
  let toSender: (d: string | Uint8Array) => void = () => {};
  let open = true;
  const senderWire: Wire = {
    send(d) {
      if (!open) return;
      if (typeof d !== 'string') {
        const c = readChunk(d)!;
        stats.chunks++;
        if (stats.firstChunk < 0) stats.firstChunk = c.offset;
        stats.sentEnd = Math.max(stats.sentEnd, c.offset + c.payload.byteLength);
        stats.maxAhead = Math.max(stats.maxAhead, stats.sentEnd - stats.acked);
      }
      const t = tamper(d);
      if (t !== null) setTimeout(() => open && toReceiver(t), 0);
    },
    buffered: () => 0,
    drained: async () => {},
  };
  const receiverWire: Wire = {
    send(d) {
      if (!open) return;
      const m = JSON.parse(d as string);
      if (m.t === 'ack') stats.acked = m.offset;
      if (m.t === 'want' && !stats.wants++) stats.acked = stats.sentEnd = m.from;
      const delay = back(d as string);
      if (delay !== null) setTimeout(() => open && toSender(d), delay);
    },
    buffered: () => 0,
    drained: async () => {},
  };
  return {
    stats,
    senderWire,
    receiverWire,
    connect(s: SendEngine, r: ReceiveEngine) {
      toSender = (d) => s.message(d);
      toReceiver = (d) => r.message(d);
    },
    cut: () => void (open = false),
  };
}

function receiver(expectDigest = digest, wantRepeatMs?: number) {
  const out: Uint8Array[] = [];
  let settle: (v: string) => void = () => {};
  const result = new Promise<string>((r) => (settle = r));
  const r = new ReceiveEngine(
    data.length,
    expectDigest,
    async (b) => void out.push(b.slice()),
    {
      progress() {},
      done: () => settle('done'),
      failed: (why) => settle(why),
      cancelled: () => settle('cancelled'),
    },
    wantRepeatMs,
  );
  const bytes = () => Buffer.concat(out);
  return { r, result, bytes };
}

const sender = (wire: Wire) => new SendEngine(wire, data.length, read, shas, { progress() {}, cancelled() {}, failed() {} });

test('a damaged chunk fails its block hash; the block is sent again and the file arrives intact', async () => {
  let damaged = false;
  const l = link((d) => {
    if (typeof d === 'string' || damaged) return d;
    const c = readChunk(d)!;
    if (c.offset !== 2 * BLOCK_BYTES + 64 * 1024) return d;
    damaged = true;
    const copy = d.slice();
    copy[100] = copy[100]! ^ 0xff;
    return copy;
  });
  const { r, result, bytes } = receiver();
  const s = sender(l.senderWire);
  l.connect(s, r);
  r.attach(l.receiverWire);
  expect(await result).toBe('done');
  expect(r.redone).toBe(1);
  expect(Buffer.compare(bytes(), Buffer.from(data))).toBe(0);
  expect(l.stats.maxAhead).toBeLessThanOrEqual(WINDOW_BYTES);
});

test('after a cut, a new channel resumes from the verified offset', async () => {
  const first = link();
  const { r, result, bytes } = receiver();
  first.connect(sender(first.senderWire), r);
  r.attach(first.receiverWire);
  while (r.offset < 3 * MB) await Bun.sleep(1);
  first.cut();
  r.detach();
  const resumedAt = r.offset;
  const second = link();
  second.connect(sender(second.senderWire), r);
  r.attach(second.receiverWire);
  expect(await result).toBe('done');
  expect(resumedAt).toBeGreaterThanOrEqual(3 * MB);
  expect(second.stats.firstChunk).toBe(resumedAt);
  expect(Buffer.compare(bytes(), Buffer.from(data))).toBe(0);
});

test('bytes that do not match the offer digest fail clearly', async () => {
  const l = link();
  const { r, result } = receiver('00'.repeat(32));
  l.connect(sender(l.senderWire), r);
  r.attach(l.receiverWire);
  expect(await result).toBe('The file arrived damaged (its digest does not match the offer).');
});

test("the receiver's first want is lost (Chrome drops a send on a channel that has just opened): it is repeated, and the file arrives", async () => {
  let first = true;
  const l = link(undefined, (d) => (first && JSON.parse(d).t === 'want' ? ((first = false), null) : 0));
  const { r, result, bytes } = receiver(digest, 20);
  l.connect(sender(l.senderWire), r);
  r.attach(l.receiverWire);
  // Without the repeat, nothing ever moves (the browser's watchdog would resume after 30 s).
  expect(await Promise.race([result, Bun.sleep(3000).then(() => 'stalled')])).toBe('done');
  expect(Buffer.compare(bytes(), Buffer.from(data))).toBe(0);
});

test('repeated wants (the sender slow to answer) neither restart the sender nor stop the repeating late', async () => {
  // Every want is still on its way when the next one is sent (every 10 ms): 100 ms on the way leaves
  // room for several even when a loaded machine runs the timers late (60 ms once gave only two).
  const l = link(undefined, () => 100);
  const { r, result, bytes } = receiver(digest, 10);
  l.connect(sender(l.senderWire), r);
  r.attach(l.receiverWire);
  expect(await result).toBe('done');
  expect(l.stats.wants).toBeGreaterThan(2);
  expect(l.stats.wants).toBeLessThan(20); // stopped at the first chunk, not at the end
  expect(l.stats.chunks).toBe(Math.ceil(BLOCK_BYTES / CHUNK_BYTES) * Math.floor(data.length / BLOCK_BYTES) + 1); // each chunk once
  expect(Buffer.compare(bytes(), Buffer.from(data))).toBe(0);
});

test('the receiver hears of every chunk as it arrives, before its block is checked (a slow link is alive)', async () => {
  const l = link();
  const arrived: number[] = [];
  const verified: number[] = [];
  let settle: (v: string) => void = () => {};
  const result = new Promise<string>((res) => (settle = res));
  const r = new ReceiveEngine(data.length, digest, async () => {}, {
    progress: (n) => void verified.push(n),
    done: () => settle('done'),
    failed: (why) => settle(why),
    cancelled: () => settle('cancelled'),
    arriving: (pos) => void arrived.push(pos),
  });
  const s = sender(l.senderWire);
  l.connect(s, r);
  r.attach(l.receiverWire);
  expect(await result).toBe('done');
  // One call per chunk, at the position reached, growing: the first long before the first block is checked.
  expect(arrived).toHaveLength(l.stats.chunks);
  expect(arrived[0]).toBe(CHUNK_BYTES);
  expect(arrived.every((p, i) => i === 0 || p > arrived[i - 1]!)).toBe(true);
  expect(arrived.at(-1)).toBe(data.length);
  expect(verified[0]).toBe(BLOCK_BYTES);
});
