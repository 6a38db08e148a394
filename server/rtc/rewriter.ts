/**
 * Per-subscriber RTP rewriting. Each Down track (one sender, one SSRC towards one subscriber)
 * presents a single continuous stream even though what it forwards changes: simulcast layer
 * switches, a publisher that stops and starts again, padding that is not forwarded.
 *
 * Invariants (the decoder relies on them; werift's replaceRTP broke the last two, see README):
 * - output sequence numbers are contiguous and only move forward across switches;
 * - output timestamps keep advancing by the wall-clock time between the last packet sent and the
 *   first packet of the new source (full 32-bit offsets, never truncated);
 * - VP8 picture IDs and TL0PICIDX continue from the last values sent (+1 at a switch), so the
 *   receiver sees one picture sequence and does not wait for pictures it will never get.
 *
 * A switch ("epoch") starts at a packet the caller chose (a key frame's first packet for video).
 * Each epoch records its offsets so a NACKed output sequence number can be mapped back to the
 * source packet in the Up track's cache and rebuilt identically.
 */
import { modDiff, seqDiff, u16, u32 } from './seq';
import type { Vp8Descriptor } from './vp8';

export interface InPacket {
  seq: number;
  ts: number;
  vp8?: Vp8Descriptor | null;
}

export interface OutFields {
  seq: number;
  ts: number;
  /** Rewritten VP8 picture ID / TL0PICIDX (−1 when the packet has none). */
  pictureId: number;
  tl0PicIdx: number;
}

export interface Epoch<S> {
  source: S;
  /** First output sequence number of this epoch. */
  outStart: number;
  /** First input sequence number of this epoch: older input packets are dropped. */
  inStart: number;
  seqOffset: number;
  tsOffset: number;
  pidOffset: number;
  tl0Offset: number;
}

const MAX_EPOCHS = 32;

export class RtpRewriter<S = string> {
  private epochs: Epoch<S>[] = [];
  private lastInSeq = 0;
  private lastOutSeq = 0;
  private lastOutTs = 0;
  private lastOutPid = -1;
  private lastOutTl0 = -1;
  private lastSentAt = 0;
  /** Packets forwarded (for tests and stats). */
  forwarded = 0;

  constructor(readonly clockRate: number) {}

  get current(): Epoch<S> | undefined {
    return this.epochs[this.epochs.length - 1];
  }

  get source(): S | undefined {
    return this.current?.source;
  }

  /** Starts a new epoch: `p` (from `source`) will be sent as the next packet in order. */
  switchTo(source: S, p: InPacket, now: number) {
    const first = this.epochs.length === 0;
    const outSeq = first ? p.seq : u16(this.lastOutSeq + 1);
    const gapTs = Math.max(1, Math.round(((now - this.lastSentAt) * this.clockRate) / 1000));
    const outTs = first ? p.ts : u32(this.lastOutTs + gapTs);
    let pidOffset = 0;
    let tl0Offset = 0;
    if (p.vp8 && p.vp8.pictureIdBits && this.lastOutPid >= 0) pidOffset = this.lastOutPid + 1 - p.vp8.pictureId;
    if (p.vp8 && p.vp8.tl0PicIdx >= 0 && this.lastOutTl0 >= 0) tl0Offset = this.lastOutTl0 + 1 - p.vp8.tl0PicIdx;
    this.push({ source, outStart: outSeq, inStart: p.seq, seqOffset: u16(outSeq - p.seq), tsOffset: u32(outTs - p.ts), pidOffset, tl0Offset });
    this.lastInSeq = u16(p.seq - 1);
    if (!first) {
      // The new epoch starts right after what was sent; "last" now means "just before p".
      this.lastOutSeq = u16(outSeq - 1);
    }
  }

  /** Maps a packet of the current epoch, or null when it predates the epoch (drop it). */
  map(p: InPacket, now: number): OutFields | null {
    const e = this.current;
    if (!e || seqDiff(p.seq, e.inStart) < 0) return null;
    const out = this.apply(e, p);
    if (seqDiff(p.seq, this.lastInSeq) > 0) this.lastInSeq = p.seq;
    if (this.forwarded === 0 || seqDiff(out.seq, this.lastOutSeq) > 0) {
      this.lastOutSeq = out.seq;
      this.lastOutTs = out.ts;
      this.lastSentAt = now;
    }
    if (out.pictureId >= 0 && p.vp8 && (this.lastOutPid < 0 || modDiff(out.pictureId, this.lastOutPid, p.vp8.pictureIdBits) > 0)) this.lastOutPid = out.pictureId;
    if (out.tl0PicIdx >= 0 && (this.lastOutTl0 < 0 || modDiff(out.tl0PicIdx, this.lastOutTl0, 8) > 0)) this.lastOutTl0 = out.tl0PicIdx;
    this.forwarded++;
    return out;
  }

  /**
   * Not forwarding `seq` (padding): when it is the next packet in order, later packets move down
   * by one so the subscriber sees no gap (a gap would make it send NACKs we cannot answer).
   */
  skip(seq: number) {
    const e = this.current;
    if (!e || seq !== u16(this.lastInSeq + 1)) return;
    this.lastInSeq = seq;
    this.push({ ...e, outStart: u16(this.lastOutSeq + 1), seqOffset: u16(e.seqOffset - 1) });
  }

  /** The epoch and input sequence number that produced output `outSeq` (for NACKs), if known. */
  lookup(outSeq: number): { epoch: Epoch<S>; inSeq: number } | null {
    if (!this.forwarded || seqDiff(outSeq, this.lastOutSeq) > 0) return null;
    for (let i = this.epochs.length - 1; i >= 0; i--) {
      const e = this.epochs[i]!;
      if (seqDiff(outSeq, e.outStart) >= 0) return { epoch: e, inSeq: u16(outSeq - e.seqOffset) };
    }
    return null;
  }

  /** Output fields of `p` under epoch `e`. */
  apply(e: Epoch<S>, p: InPacket): OutFields {
    const v = p.vp8;
    const pictureId = v && v.pictureIdBits ? (((v.pictureId + e.pidOffset) % (1 << v.pictureIdBits)) + (1 << v.pictureIdBits)) % (1 << v.pictureIdBits) : -1;
    const tl0PicIdx = v && v.tl0PicIdx >= 0 ? (v.tl0PicIdx + e.tl0Offset) & 0xff : -1;
    return { seq: u16(p.seq + e.seqOffset), ts: u32(p.ts + e.tsOffset), pictureId, tl0PicIdx };
  }

  private push(e: Epoch<S>) {
    this.epochs.push(e);
    if (this.epochs.length > MAX_EPOCHS) this.epochs.shift();
  }
}
