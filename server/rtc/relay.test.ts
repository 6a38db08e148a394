/**
 * The relay: window accounting and enforcement with fake channels (the relay never holds more than
 * the window plus a chunk, a sender that ignores acks is cut off, malformed messages end it, the
 * receiver's repeated `want` reaches the sender once), and
 * a real transfer between two werift peers through the werift relay, byte-for-byte verified, with
 * werift handed at most HANDOFF_BYTES at a time.
 */
import { describe, expect, test } from 'bun:test';
import { answerer, runTransfer } from '../../bench/files-peers';
import { blockHashes } from '../../views/client/transfer-engine';
import { rtcConfigFromEnv } from './config';
import { HANDOFF_BYTES, Relay, RelayPipe, type Chan } from './relay';
import { BLOCK_BYTES, chunkFrame, CHUNK_BYTES, parseControl, readChunk, rootDigest, WINDOW_BYTES } from './relay-wire';

const fake = (): Chan & { got: (string | Uint8Array)[] } => {
  const got: (string | Uint8Array)[] = [];
  return { got, bufferedAmount: 0, send: (d) => void got.push(d), close() {} };
};
const chunk = (offset: number) => chunkFrame(offset, new Uint8Array(CHUNK_BYTES));

describe('wire', () => {
  test('control messages are validated', () => {
    expect(parseControl('{"t":"ack","offset":1048576}')).toEqual({ t: 'ack', offset: 1048576 });
    expect(parseControl('{"t":"ack","offset":-1}')).toBeNull();
    expect(parseControl('{"t":"block","i":0,"sha":"xyz"}')).toBeNull();
    expect(parseControl('{"t":"nope"}')).toBeNull();
    expect(parseControl('not json')).toBeNull();
    expect(parseControl(`{"t":"want","from":0,"pad":"${'x'.repeat(300)}"}`)).toBeNull();
  });

  test('chunk frames round-trip, including offsets above 4 GB; oversize frames are refused', () => {
    const f = chunkFrame(5 * 2 ** 32 + 7, new Uint8Array([1, 2, 3]));
    expect(readChunk(f)).toEqual({ offset: 5 * 2 ** 32 + 7, payload: new Uint8Array([1, 2, 3]) });
    expect(readChunk(new Uint8Array(8))).toBeNull();
    expect(readChunk(new Uint8Array(8 + CHUNK_BYTES + 1))).toBeNull();
  });
});

describe('relay pipe', () => {
  test('forwards chunks and acks, and holds at most the window', () => {
    const ends: string[] = [];
    const pipe = new RelayPipe((r) => ends.push(r), 4 * CHUNK_BYTES);
    const s = fake(), r = fake();
    pipe.attachReceiver(r);
    pipe.fromReceiver('{"t":"want","from":0}'); // before the sender is there: kept, then delivered
    pipe.attachSender(s);
    expect(s.got).toEqual(['{"t":"want","from":0}']);
    for (let i = 0; i < 4; i++) pipe.fromSender(chunk(i * CHUNK_BYTES));
    expect(pipe.flow.held).toBe(4 * CHUNK_BYTES);
    pipe.fromReceiver(`{"t":"ack","offset":${2 * CHUNK_BYTES}}`);
    expect(pipe.flow.held).toBe(2 * CHUNK_BYTES);
    for (let i = 4; i < 7; i++) pipe.fromSender(chunk(i * CHUNK_BYTES));
    expect(r.got.length).toBe(7);
    expect(pipe.flow.maxHeld).toBeLessThanOrEqual(5 * CHUNK_BYTES);
    expect(ends).toEqual([]);
  });

  test("hands werift at most HANDOFF_BYTES at a time, the rest waits in order until the receiver's buffer drains", () => {
    const ends: string[] = [];
    const pipe = new RelayPipe((r) => ends.push(r), 16 * CHUNK_BYTES);
    const s = fake(), r = fake();
    const sent = () => r.got.length;
    r.send = (d) => {
      r.got.push(d);
      r.bufferedAmount += typeof d === 'string' ? d.length : d.byteLength;
    };
    pipe.attachReceiver(r);
    pipe.attachSender(s);
    pipe.fromReceiver('{"t":"want","from":0}');
    const perHandoff = Math.ceil(HANDOFF_BYTES / (CHUNK_BYTES + 8));
    const sha = `{"t":"block","i":0,"sha":"${'a'.repeat(64)}"}`;
    for (let i = 0; i < 12; i++) pipe.fromSender(chunk(i * CHUNK_BYTES));
    pipe.fromSender(sha);
    expect(sent()).toBe(perHandoff);
    expect(pipe.queued).toBe(13 - perHandoff);
    r.bufferedAmount = 0; // werift sent what it had: bufferedAmountLow
    pipe.pump();
    expect(sent()).toBe(Math.min(13, 2 * perHandoff));
    while (pipe.queued) {
      r.bufferedAmount = 0;
      pipe.pump();
    }
    expect(r.got.slice(0, 12).map((d) => readChunk(d as Uint8Array)!.offset)).toEqual([...Array(12).keys()].map((i) => i * CHUNK_BYTES));
    expect(r.got[12]).toBe(sha);
    expect(pipe.flow.maxHeld).toBe(12 * CHUNK_BYTES);
    expect(ends).toEqual([]);
  });

  test("the receiver's repeated wants reach the sender once, whenever it connects, without counting as a flood", () => {
    const ends: string[] = [];
    const pipe = new RelayPipe((r) => ends.push(r), 4 * CHUNK_BYTES);
    const s = fake(), r = fake();
    pipe.attachReceiver(r);
    for (let i = 0; i < 6; i++) pipe.fromReceiver('{"t":"want","from":0}'); // the sender is slow to connect
    pipe.attachSender(s);
    for (let i = 0; i < 4; i++) pipe.fromSender(chunk(i * CHUNK_BYTES));
    pipe.fromReceiver('{"t":"want","from":0}'); // sent before the first chunk reached the receiver
    pipe.fromReceiver(`{"t":"ack","offset":${2 * CHUNK_BYTES}}`);
    expect(s.got).toEqual(['{"t":"want","from":0}', `{"t":"ack","offset":${2 * CHUNK_BYTES}}`]);
    expect(r.got.length).toBe(4);
    expect(pipe.flow.held).toBe(2 * CHUNK_BYTES);
    expect(ends).toEqual([]);
  });

  test('a sender that runs past the window is cut off', () => {
    const ends: string[] = [];
    const pipe = new RelayPipe((r) => ends.push(r), 4 * CHUNK_BYTES);
    const s = fake(), r = fake();
    pipe.attachReceiver(r);
    pipe.attachSender(s);
    pipe.fromReceiver('{"t":"want","from":0}');
    for (let i = 0; i < 10; i++) pipe.fromSender(chunk(i * CHUNK_BYTES));
    expect(ends).toEqual(['the sender ignored the window']);
    expect(r.got.length).toBe(5); // window + one chunk of slack, then nothing more
  });

  test('what waits for a stalled receiver is bounded: block messages count, and more than a window plus a chunk ends the relay', () => {
    const ends: string[] = [];
    const window = 8 * CHUNK_BYTES;
    const pipe = new RelayPipe((r) => ends.push(r), window);
    const s = fake(), r = fake();
    pipe.attachReceiver(r);
    pipe.attachSender(s);
    pipe.fromReceiver('{"t":"want","from":0}');
    r.bufferedAmount = HANDOFF_BYTES; // the receiver's channel is full and stays so
    const sha = (i: number) => JSON.stringify({ t: 'block', i, sha: '0'.repeat(64) });
    for (let i = 0; i < 8; i++) pipe.fromSender(chunk(i * CHUNK_BYTES)); // a whole window: allowed
    pipe.fromSender(sha(0));
    expect(pipe.queuedBytes).toBe(8 * (CHUNK_BYTES + 8) + sha(0).length);
    expect(ends).toEqual([]);
    // Block messages alone (not file bytes, so not in the window) fill the rest and then end it.
    let n = 0;
    while (!ends.length && n < 10_000) pipe.fromSender(sha(++n));
    expect(ends).toEqual(['more than a window is waiting for the receiver']);
    expect(n).toBeLessThan(Math.ceil(CHUNK_BYTES / sha(1).length) + 2);
    expect(pipe.queued).toBe(0); // let go
    expect(pipe.queuedBytes).toBe(0);
    expect(r.got).toEqual([]);
  });

  test('chunks the receiver already acknowledged: at most one window of them per ack, and they count while queued', () => {
    // The audit's case: the receiver stalls and the sender resends an acknowledged chunk (4,000 times: 125 MB).
    const ends: string[] = [];
    const pipe = new RelayPipe((r) => ends.push(r));
    const s = fake(), r = fake();
    pipe.attachReceiver(r);
    pipe.fromReceiver('{"t":"want","from":0}');
    pipe.attachSender(s);
    pipe.fromSender(chunk(0));
    pipe.fromReceiver(`{"t":"ack","offset":${CHUNK_BYTES}}`);
    r.bufferedAmount = HANDOFF_BYTES;
    let sent = 0;
    while (!ends.length && sent < 4000) (pipe.fromSender(chunk(0)), sent++);
    expect(ends.length).toBe(1);
    expect(sent).toBeLessThanOrEqual(WINDOW_BYTES / CHUNK_BYTES + 1);
    expect(pipe.queued).toBe(0);

    // Receiving normally, the same resends are forwarded (the receiver drops them) up to one window per ack.
    const ends2: string[] = [];
    const pipe2 = new RelayPipe((x) => ends2.push(x), 4 * CHUNK_BYTES);
    const r2 = fake();
    pipe2.attachReceiver(r2);
    pipe2.attachSender(fake());
    pipe2.fromReceiver('{"t":"want","from":0}');
    for (let i = 0; i < 4; i++) pipe2.fromSender(chunk(i * CHUNK_BYTES));
    pipe2.fromReceiver(`{"t":"ack","offset":${4 * CHUNK_BYTES}}`);
    for (let i = 0; i < 4; i++) pipe2.fromSender(chunk(i * CHUNK_BYTES)); // in flight before a redo: tolerated
    expect(ends2).toEqual([]);
    pipe2.fromSender(chunk(0));
    expect(ends2).toEqual(['the sender resent more than a window of acknowledged bytes']);
    expect(r2.got.length).toBe(8);
  });

  test('malformed messages end the relay', () => {
    for (const [side, data] of [['sender', '{"t":"ack","offset":1}'], ['sender', new Uint8Array(4)], ['receiver', '{"t":"block","i":0,"sha":"' + '0'.repeat(64) + '"}'], ['receiver', chunk(0)]] as const) {
      const ends: string[] = [];
      const pipe = new RelayPipe((r) => ends.push(r));
      pipe.attachReceiver(fake());
      pipe.attachSender(fake());
      side === 'sender' ? pipe.fromSender(data) : pipe.fromReceiver(data);
      expect(ends.length).toBe(1);
    }
  });
});

test('a 6 MB file goes through the werift relay between two werift peers, verified', async () => {
  const data = new Uint8Array(6 * BLOCK_BYTES + 12345);
  for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(data.subarray(i, Math.min(data.length, i + 65536)));
  const shas = await blockHashes(data.length, async (a, b) => data.subarray(a, b));
  const ends: string[] = [];
  const relay = new Relay(rtcConfigFromEnv({ RTC_LISTEN_IP: '127.0.0.1' }), (r) => ends.push(r), 2 * BLOCK_BYTES);
  const [so, ro] = await Promise.all([relay.offer('sender'), relay.offer('receiver')]);
  const [s, r] = await Promise.all([answerer(so), answerer(ro)]);
  await relay.answer('sender', s.answer);
  await relay.answer('receiver', r.answer);
  const [sc, rc] = await Promise.all([s.channel, r.channel]);
  const out = await runTransfer(sc, rc, data, shas, await rootDigest(shas));
  expect(out.offset).toBe(data.length);
  expect(relay.stats().bytes).toBeGreaterThanOrEqual(data.length);
  expect(relay.stats().maxHeld).toBeLessThanOrEqual(2 * BLOCK_BYTES + CHUNK_BYTES);
  expect(relay.stats().maxBuffered).toBeLessThan(HANDOFF_BYTES + CHUNK_BYTES + 8 + 1); // werift got the window piecemeal
  relay.close('done');
  await Promise.all([s.pc.close(), r.pc.close()]);
  expect(ends).toEqual(['done']);
}, 30_000);
