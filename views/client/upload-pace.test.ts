/**
 * Upload chunk sizes: small first, then about CHUNK_SECONDS of the measured throughput, clamped;
 * the throughput counts only time with bytes in flight. And the bug this fixes, simulated: a
 * 293 KB file at 20 kbit/s over a link that drops every 90 s finishes, where fixed 256 KB chunks
 * (105 s each) began again from 0 at every drop and never did.
 */
import { expect, test } from 'bun:test';
import { MAX_CHUNK_BYTES } from '../../server/features/files/actions';
import { AckRate, CHUNK_SECONDS, chunkSize, FIRST_CHUNK, MAX_CHUNK, MIN_CHUNK } from './upload-pace';

const KB = 1024;

test('the first chunk is small; then a few seconds of the link, in whole KB, between the minimum and the server maximum', () => {
  expect(MAX_CHUNK).toBe(MAX_CHUNK_BYTES);
  expect(chunkSize(null)).toBe(FIRST_CHUNK);
  expect(FIRST_CHUNK).toBeLessThanOrEqual(32 * KB);
  // 20 kbit/s = 2.5 KB/s: 7 KB, under 3 s a chunk (256 KB took 105 s).
  expect(chunkSize(2500)).toBe(7 * KB);
  expect(chunkSize(2500) / 2500).toBeLessThanOrEqual(CHUNK_SECONDS);
  expect(chunkSize(12_000)).toBe(35 * KB);
  expect(chunkSize(300)).toBe(MIN_CHUNK); // GPRS at its worst
  expect(chunkSize(0)).toBe(FIRST_CHUNK); // nothing measured yet (no bytes acknowledged)
  expect(chunkSize(10_000_000)).toBe(MAX_CHUNK);
  expect(chunkSize(Infinity)).toBe(MAX_CHUNK);
  for (const r of [1000, 5000, 33_333, 70_000]) expect(chunkSize(r) % KB).toBe(0);
});

test('the server names the largest chunk in `ready`: a smaller one is kept to, anything odd falls back to 256 KB', () => {
  expect(chunkSize(10_000_000, 64 * KB)).toBe(64 * KB);
  expect(chunkSize(null, 8 * KB)).toBe(8 * KB);
  expect(chunkSize(300, 2 * KB)).toBe(2 * KB);
  for (const odd of [0, -1, NaN, 1.5, 16 * 1024 * 1024]) expect(chunkSize(10_000_000, odd)).toBe(MAX_CHUNK);
});

test('throughput from acknowledgements: pipelined acks give the link rate; time with nothing in flight is not counted', () => {
  const r = new AckRate();
  expect(r.bytesPerSec()).toBeNull();
  // 8 chunks of 10 KB sent at t=0 on a 5 KB/s link with 200 ms round trip: acks every 2 s.
  r.sent(0);
  for (let i = 1; i <= 8; i++) r.acked(10_000, 200 + i * 2000, i === 8);
  expect(r.bytesPerSec()!).toBeGreaterThan(4700);
  expect(r.bytesPerSec()!).toBeLessThanOrEqual(5000);
  const before = r.bytesPerSec()!;
  // A minute reconnecting (nothing in flight), then one chunk at the same pace: the same rate.
  r.stop();
  r.sent(60_000);
  r.acked(10_000, 62_000, true);
  expect(r.bytesPerSec()!).toBeCloseTo(before, -2);
  // An acknowledgement for a socket already given up is not counted.
  r.stop();
  r.acked(1_000_000, 63_000, true);
  expect(r.bytesPerSec()!).toBeCloseTo(before, -2);
});

test('a drop with chunks in flight counts against the rate: after wifi, a link that drops shrinks the chunks', () => {
  const r = new AckRate();
  r.sent(0);
  r.acked(256 * KB, 250, true); // 1 MB/s on wifi
  expect(chunkSize(r.bytesPerSec())).toBe(MAX_CHUNK);
  // On the bus: each 256 KB chunk is in flight 20 s when the connection drops, nothing acknowledged.
  let t = 1000;
  for (let i = 0; i < 3; i++) {
    r.sent(t);
    r.lost((t += 20_000));
    t += 5000;
  }
  expect(chunkSize(r.bytesPerSec())).toBe(MIN_CHUNK);
  // A pause is not a drop: the rate stays.
  const w = new AckRate();
  w.sent(0);
  w.acked(256 * KB, 250, false);
  w.stop();
  expect(chunkSize(w.bytesPerSec())).toBe(MAX_CHUNK);
});

test('a link that slows down is followed within a few chunks; two acks at once do not look like a fast link', () => {
  const r = new AckRate();
  r.sent(0);
  let t = 0;
  for (let i = 0; i < 20; i++) r.acked(256 * KB, (t += 2), false); // 128 MB/s on loopback
  expect(chunkSize(r.bytesPerSec())).toBe(MAX_CHUNK);
  // Out of town: 2.5 KB/s. The in-flight 256 KB chunk takes 105 s; after it, small chunks again.
  r.acked(256 * KB, (t += 105_000), false);
  for (let i = 0; i < 3; i++) r.acked(7 * KB, (t += 2900), false);
  expect(chunkSize(r.bytesPerSec())).toBeLessThanOrEqual(12 * KB);
  // The server acknowledges two chunks back to back (one was held up by a slow disk write).
  r.acked(7 * KB, (t += 5800), false);
  r.acked(7 * KB, (t += 1), false);
  expect(chunkSize(r.bytesPerSec())).toBeLessThanOrEqual(12 * KB);
});

/**
 * A link of `bytesPerSec` that drops every `upMs` (1 s to reconnect); the server keeps whole chunks
 * only. Chunks go back to back (the window keeps the link busy). Returns whether the file finished
 * within `budgetMs` and the bytes sent.
 */
function simulate(size: number, bytesPerSec: number, upMs: number, pick: (rate: AckRate) => number, budgetMs = 3_600_000) {
  const rate = new AckRate();
  let stored = 0;
  let sent = 0;
  let t = 0;
  while (t < budgetMs) {
    const dropAt = t + upMs;
    t += 300; // the handshake and `begin`
    let at = stored;
    rate.sent(t);
    while (at < size) {
      const n = Math.min(pick(rate), size - at);
      const end = t + (n / bytesPerSec) * 1000;
      if (end > dropAt) {
        sent += ((dropAt - t) / 1000) * bytesPerSec; // paid for, lost with the connection
        break;
      }
      t = end;
      sent += n;
      at += n;
      stored = at;
      rate.acked(n, t + 100, at === size);
    }
    if (stored === size) return { done: true, sent, ms: t };
    rate.lost(dropAt);
    t = dropAt + 1000;
  }
  return { done: false, sent, ms: t };
}

test('a 293 KB file at 20 kbit/s on a link that drops every 90 s: fixed 256 KB chunks never finish, paced ones do', () => {
  const size = 293 * KB;
  const fixed = simulate(size, 2500, 90_000, () => 256 * KB);
  expect(fixed.done).toBe(false);
  const paced = simulate(size, 2500, 90_000, (r) => chunkSize(r.bytesPerSec()));
  expect(paced.done).toBe(true);
  // Little more than the file itself is paid for: at most a few seconds of link time per drop.
  const drops = Math.floor(paced.ms / 91_000);
  expect(drops).toBeGreaterThan(0);
  expect(paced.sent).toBeLessThan(size + drops * (CHUNK_SECONDS + 3) * 2500);
});
