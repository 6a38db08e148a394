/**
 * How large the next upload chunk is (README "Upload protocol"). The server keeps only whole,
 * acknowledged chunks, so a chunk must cross the link well within the time the link stays up: a
 * fixed 256 KB took 105 s at 20 kbit/s, and a student on a bus whose connection dropped every 90 s
 * began again from 0 at every reconnect, paying for the same bytes over and over. Chunks are
 * sized to take a few seconds at the throughput measured from acknowledgements; on a fast link
 * they grow to the largest the server takes, where its per-chunk work (a CRC, a write and an
 * fdatasync each) stays small beside the bytes.
 */

/** The largest payload the server takes (server MAX_CHUNK_BYTES; `ready` says so as `chunkSize`). */
export const MAX_CHUNK = 256 * 1024;
/** Below this, headers and acknowledgements start to cost more than a few per cent. */
export const MIN_CHUNK = 4 * 1024;
/** Before anything is measured: about 6 s at 20 kbit/s, a moment on anything faster. */
export const FIRST_CHUNK = 16 * 1024;
/** How long one chunk should take: what a drop can cost at most, in link time. */
export const CHUNK_SECONDS = 3;
/** Older measurements fade with this time constant, so a link that slows down is followed. */
const FADE_MS = 10_000;

/**
 * The chunk for a link of `bytesPerSec` (null: not measured yet), in whole KB, between MIN_CHUNK
 * and `max` (what the server accepts; never more than MAX_CHUNK).
 */
export function chunkSize(bytesPerSec: number | null, max = MAX_CHUNK): number {
  const cap = Number.isSafeInteger(max) && max > 0 ? Math.min(max, MAX_CHUNK) : MAX_CHUNK;
  if (bytesPerSec === null || !(bytesPerSec > 0)) return Math.min(FIRST_CHUNK, cap);
  const want = Math.floor((bytesPerSec * CHUNK_SECONDS) / 1024) * 1024;
  return Math.min(cap, Math.max(MIN_CHUNK, want));
}

/**
 * Upload throughput as the server sees it: bytes acknowledged over the time bytes were outstanding.
 * Time with nothing in flight (a reconnect's back-off, a pause) is not the link's and is not
 * counted; the first chunk after a (re)connect includes a round trip, which errs on the small side.
 * Times are milliseconds (performance.now()).
 */
export class AckRate {
  private bytes = 0;
  private ms = 0;
  /** Start of the stretch not yet counted; null while nothing is outstanding. */
  private since: number | null = null;

  /** A chunk went out: the clock runs from the first one while nothing was outstanding. */
  sent(now: number) {
    this.since ??= now;
  }

  /** `bytes` newly acknowledged; `idle` when nothing is outstanding any more. */
  acked(bytes: number, now: number, idle: boolean) {
    if (this.since === null) return;
    const dt = Math.max(0, now - this.since);
    const keep = Math.exp(-dt / FADE_MS);
    this.bytes = this.bytes * keep + Math.max(0, bytes);
    this.ms = this.ms * keep + dt;
    this.since = idle ? null : now;
  }

  /** Stopped on purpose (paused, told to wait, a new socket): what was in flight is not waited for. */
  stop() {
    this.since = null;
  }

  /**
   * The connection dropped at `now`: the time since the last acknowledgement carried nothing the
   * server kept, and counts so. Else a rate measured on wifi outlived a drop (chunks stayed 256 KB
   * on the bus: review s17), and the next chunk was sized for the link that had gone.
   */
  lost(now: number) {
    this.acked(0, now, true);
  }

  /** Bytes per second, or null before the first acknowledgement. */
  bytesPerSec(): number | null {
    if (this.bytes === 0 && this.ms === 0) return null;
    return this.ms > 0 ? (this.bytes / this.ms) * 1000 : Infinity;
  }
}
