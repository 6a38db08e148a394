/**
 * The SFU's decisions, as pure code: key-frame request rate limiting, bandwidth estimation, layer
 * choice, and the packet cache that answers NACKs. Everything takes `now` (ms) from the caller.
 */
import { u16 } from './seq';

/**
 * At most one key-frame request (PLI) per interval towards a publisher's layer. A request inside
 * the interval is remembered and sent when the interval ends (`due`), unless a key frame arrived.
 */
export class KeyframeLimiter {
  private last = -Infinity;
  private pending = false;
  constructor(readonly intervalMs = 500) {}

  request(now: number): boolean {
    if (now - this.last >= this.intervalMs) {
      this.last = now;
      this.pending = false;
      return true;
    }
    this.pending = true;
    return false;
  }

  due(now: number): boolean {
    if (!this.pending || now - this.last < this.intervalMs) return false;
    this.last = now;
    this.pending = false;
    return true;
  }

  /** A key frame arrived: a deferred request is no longer needed. */
  satisfied() {
    this.pending = false;
  }
}

/**
 * A bitrate estimate for one direction of one peer (what we may send to a subscriber, or what we
 * ask a publisher to send us). Loss-based like GCC's loss controller (RFC draft-ietf-rmcat-gcc
 * §6): under 2 % loss grow 8 % per second, over 10 % cut by half the loss, in between hold.
 *
 * Delay: Chromium's REMB is its receive-side delay-based estimate (AIMD): while the path is fine
 * it climbs, lagging behind what it receives (at most 1.5× the incoming rate), and it only ever
 * falls when it detects queues building (overuse: to 85 % of the incoming rate). So a REMB that
 * fell, and is below what we send, means overuse and the estimate drops to it; a REMB that climbs
 * says nothing about spare capacity (it follows us) and does not hold the estimate down.
 */
export class BitrateEstimator {
  private estimate: number;
  private lastGrow: number | null = null;
  loss = 0;
  remb = 0;

  constructor(
    readonly min: number,
    readonly max: number,
    initial: number,
  ) {
    this.estimate = clamp(initial, min, max);
  }

  /** Fraction lost (0..1) from a receiver report. */
  onLoss(fraction: number, now: number) {
    this.loss = fraction;
    if (fraction > 0.1) {
      this.estimate = clamp(this.estimate * (1 - 0.5 * fraction), this.min, this.max);
      this.lastGrow = now;
    } else if (fraction < 0.02) {
      this.grow(now);
    } else {
      this.lastGrow = now;
    }
  }

  /** A REMB from the receiver, and what we were sending it (bps) when it came. */
  onRemb(bps: number, sending: number, now: number) {
    const fell = this.remb > 0 && bps < this.remb * 0.95;
    this.remb = bps;
    if (fell && bps < sending) {
      this.estimate = clamp(Math.min(this.estimate, bps), this.min, this.max);
      this.lastGrow = now;
    }
  }

  /** Grows with time too: on a clean path (loopback) receivers report no loss, or nothing. */
  value(now: number): number {
    this.grow(now);
    return Math.round(this.estimate);
  }

  private grow(now: number) {
    if (this.loss >= 0.02) return;
    if (this.lastGrow === null) {
      this.lastGrow = now;
      return;
    }
    const dt = Math.min(1, (now - this.lastGrow) / 1000);
    if (dt <= 0) return;
    this.estimate = clamp(this.estimate * Math.pow(1.08, dt), this.min, this.max);
    this.lastGrow = now;
  }
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** What a subscriber asks to receive: no video, the lowest layer, the best that fits, the best. */
export type ViewMode = 'audio-only' | 'low' | 'auto' | 'high';

export interface LayerState {
  rid: string;
  /** Measured bitrate (bps) over the last second, or a nominal value before any is measured. */
  bitrate: number;
  /** Packets arrived recently (a publisher may stop sending a layer when its uplink is poor). */
  live: boolean;
}

/** Upgrades need this much headroom over the layer's bitrate (avoids flapping at the edge). */
export const UPGRADE_HEADROOM = 1.25;

/**
 * The layer to forward to one subscriber, `layers` ordered low → high. null = no video.
 * `auto` takes the highest live layer the budget carries, keeps the current layer while it still
 * fits, and falls back to the lowest live layer when nothing fits (video beats a frozen tile).
 */
export function pickLayer(mode: ViewMode, layers: LayerState[], budget: number, current: string | null): string | null {
  if (mode === 'audio-only') return null;
  const live = layers.filter((l) => l.live);
  if (!live.length) return current;
  if (mode === 'low') return live[0]!.rid;
  if (mode === 'high') return live[live.length - 1]!.rid;
  const currentIndex = live.findIndex((l) => l.rid === current);
  for (let i = live.length - 1; i >= 0; i--) {
    const l = live[i]!;
    const need = currentIndex >= 0 && i > currentIndex ? l.bitrate * UPGRADE_HEADROOM : l.bitrate;
    if (need <= budget) return l.rid;
  }
  return live[0]!.rid;
}

/**
 * Splits a subscriber's estimate between the video tracks it receives: audio first (it is small
 * and matters most), then screen shares (one layer each), the rest shared by cameras.
 */
export function videoBudgets(estimate: number, audioTracks: number, screens: number[], cameras: number): { screen: number; camera: number } {
  let left = Math.max(0, estimate - audioTracks * 40_000);
  const screenNeed = screens.reduce((a, b) => a + b, 0);
  left = Math.max(0, left - screenNeed);
  return { screen: screenNeed, camera: cameras ? left / cameras : 0 };
}

/**
 * The last `size` packets of one Up track layer, by sequence number: answers subscribers' NACKs
 * without asking the publisher (a retransmission from the publisher would come too late).
 */
export class PacketCache<P> {
  private seqs: Int32Array;
  private items: (P | undefined)[];
  constructor(readonly size = 512) {
    this.seqs = new Int32Array(size).fill(-1);
    this.items = new Array(size);
  }

  put(seq: number, item: P) {
    const i = seq % this.size;
    this.seqs[i] = seq;
    this.items[i] = item;
  }

  get(seq: number): P | undefined {
    const i = u16(seq) % this.size;
    return this.seqs[i] === u16(seq) ? this.items[i] : undefined;
  }

  clear() {
    this.seqs.fill(-1);
    this.items = new Array(this.size);
  }
}

/**
 * Loss detection on one incoming stream (publisher → SFU), for NACKs to the publisher. Gaps are
 * remembered (at most `maxPending`), asked for again at most `maxTries` times, `retryMs` apart.
 * No timers: the caller asks `due(now)` when packets arrive or on its periodic tick.
 */
export class LossTracker {
  private highest = -1;
  private pending = new Map<number, { tries: number; at: number }>();
  constructor(
    readonly maxPending = 64,
    readonly maxTries = 3,
    readonly retryMs = 40,
  ) {}

  /** Records an arrival; returns how many packets this arrival revealed as missing. */
  add(seq: number): number {
    if (this.highest < 0) {
      this.highest = seq;
      return 0;
    }
    const d = ((seq - this.highest) & 0xffff) >= 0x8000 ? ((seq - this.highest) & 0xffff) - 0x10000 : (seq - this.highest) & 0xffff;
    if (d <= 0) {
      this.pending.delete(seq);
      return 0;
    }
    if (d > 1 && d <= this.maxPending) for (let s = 1; s < d; s++) this.pending.set(u16(this.highest + s), { tries: 0, at: -Infinity });
    this.highest = seq;
    if (this.pending.size > this.maxPending) {
      const drop = this.pending.size - this.maxPending;
      let n = 0;
      for (const k of this.pending.keys()) {
        if (n++ >= drop) break;
        this.pending.delete(k);
      }
    }
    return d - 1;
  }

  /** Sequence numbers to NACK now. */
  due(now: number): number[] {
    const out: number[] = [];
    for (const [seq, p] of this.pending) {
      if (now - p.at < this.retryMs) continue;
      if (p.tries >= this.maxTries) {
        this.pending.delete(seq);
        continue;
      }
      p.tries++;
      p.at = now;
      out.push(seq);
    }
    return out;
  }

  get missing(): number {
    return this.pending.size;
  }
}
