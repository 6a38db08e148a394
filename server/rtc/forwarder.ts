/**
 * Forwarder: what every receiver of an Up track shares, a subscriber's Down track and a lecture's
 * recording alike. It follows one Up track (or none) and, for video, one layer of it (`setTarget`),
 * and hands each packet on with its sequence numbers and timestamps rewritten into one unbroken
 * stream (`deliver`), whatever layer or Up track it came from before.
 *
 * Switching: a new target layer is requested with a key-frame request to the publisher; packets
 * of the old layer keep flowing until the new layer's next key frame starts, and that packet
 * opens a new rewriter epoch. Target null (audio-only) stops video at once: no packet at all.
 */
import { RtpHeader, RtpPacket } from 'werift';
import { RtpRewriter, type OutFields } from './rewriter';
import type { CachedPacket, PacketSink, UpTrack } from './uptrack';
import { writeVp8 } from './vp8';

export abstract class Forwarder implements PacketSink {
  up: UpTrack | null = null;
  /** Layer that should be forwarded, and the layer being forwarded now. */
  target: string | null = null;
  current: string | null = null;
  readonly rewriter: RtpRewriter<string>;

  constructor(
    readonly kind: 'audio' | 'video',
    protected now: () => number,
  ) {
    this.rewriter = new RtpRewriter<string>(kind === 'audio' ? 48_000 : 90_000);
  }

  /** One packet, already rewritten (a fresh copy: the receiver may keep or change it). */
  protected abstract deliver(packet: RtpPacket): void;

  /** Starts forwarding `up`. Audio (one layer) starts at once; video waits for `setTarget`. */
  attach(up: UpTrack) {
    this.detach();
    this.up = up;
    this.target = up.kind === 'audio' ? [...up.layers.keys()][0] ?? 'f' : null;
    this.current = null;
    up.sinks.add(this);
  }

  detach() {
    this.up?.sinks.delete(this);
    this.up = null;
    this.target = null;
    this.current = null;
  }

  /** Chooses the layer to forward (null: none). Video switches wait for a key frame. */
  setTarget(rid: string | null) {
    if (!this.up || rid === this.target) return;
    this.target = rid;
    if (rid === null) {
      this.current = null;
      return;
    }
    if (rid !== this.current) this.up.requestKeyframe(rid, this.now());
  }

  onPacket(layer: string, p: CachedPacket, now: number) {
    const up = this.up;
    if (!up) return;
    if (up.kind === 'audio') {
      if (this.current !== layer) {
        this.current = layer;
        this.rewriter.switchTo(`${up.id}:${layer}`, inPacket(p), now);
      }
    } else if (layer !== this.current) {
      if (layer !== this.target) return;
      if (!p.vp8?.keyframe) {
        // No key frame yet on the new layer: keep the old one (or nothing) and keep asking.
        up.requestKeyframe(layer, now);
        return;
      }
      this.current = layer;
      this.rewriter.switchTo(`${up.id}:${layer}`, inPacket(p), now);
    }
    const out = this.rewriter.map(inPacket(p), now);
    if (out) this.deliver(copy(p, out));
  }

  onPadding(layer: string, seq: number) {
    if (layer === this.current) this.rewriter.skip(seq);
  }
}

export const inPacket = (p: CachedPacket) => ({ seq: p.packet.header.sequenceNumber, ts: p.packet.header.timestamp, vp8: p.vp8 });

/** A receiver's own copy: new header (no publisher extensions: their ids mean nothing here). */
export function copy(p: CachedPacket, out: OutFields): RtpPacket {
  const h = p.packet.header;
  const header = new RtpHeader({ marker: h.marker, payloadType: h.payloadType, sequenceNumber: out.seq, timestamp: out.ts, ssrc: h.ssrc, extensions: [] });
  let payload = p.packet.payload;
  if (p.vp8 && (out.pictureId >= 0 || out.tl0PicIdx >= 0)) {
    payload = Buffer.from(payload);
    writeVp8(payload, p.vp8, out.pictureId, out.tl0PicIdx);
  }
  return new RtpPacket(header, payload);
}
