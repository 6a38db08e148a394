/**
 * Down track: one sending transceiver on a subscriber's `sub` connection. It forwards one Up
 * track (or nothing, while its transceiver waits for reuse), and for video only the layer chosen
 * for this subscriber (`setTarget`).
 *
 * Switching: a new target layer is requested with a key-frame request to the publisher; packets
 * of the old layer keep flowing until the new layer's next key frame starts, and that packet
 * opens a new rewriter epoch. Target null (audio-only) stops video at once: no packet at all.
 *
 * Every forwarded packet is a fresh copy (werift's sendRtp mutates and caches what it is given).
 * NACKs are answered from the Up track's cache through the rewriter's epoch history; werift's
 * own NACK handling for this sender is bypassed. PLIs go to the publisher (rate-limited there).
 * REMB and receiver reports from the subscriber feed its bandwidth estimate.
 */
import {
  GenericNack,
  RtcpPayloadSpecificFeedback,
  RtcpRrPacket,
  RtcpTransportLayerFeedback,
  ReceiverEstimatedMaxBitrate,
  RtpHeader,
  RtpPacket,
  type RTCRtpSender,
  type RTCRtpTransceiver,
  type RtcpPacket,
} from 'werift';
import { RtpRewriter, type OutFields } from './rewriter';
import type { CachedPacket, PacketSink, UpTrack } from './uptrack';
import { writeVp8 } from './vp8';

export interface DownFeedback {
  onRemb(bps: number): void;
  onLoss(fraction: number): void;
}

export class DownTrack implements PacketSink {
  up: UpTrack | null = null;
  /** Layer the subscriber should get, and the layer being forwarded now. */
  target: string | null = null;
  current: string | null = null;
  readonly rewriter: RtpRewriter<string>;
  sentPackets = 0;
  sentBytes = 0;
  retransmitted = 0;
  private disposers: (() => void)[] = [];

  constructor(
    readonly transceiver: RTCRtpTransceiver,
    readonly kind: 'audio' | 'video',
    private feedback: DownFeedback,
    private now: () => number,
  ) {
    this.rewriter = new RtpRewriter<string>(kind === 'audio' ? 48_000 : 90_000);
    const sender = transceiver.sender;
    // Our NACK handling replaces werift's (its cache holds packets we may have re-pointed).
    const original = sender.handleRtcpPacket.bind(sender);
    sender.handleRtcpPacket = (p: RtcpPacket) => {
      if (p instanceof RtcpTransportLayerFeedback && p.feedback instanceof GenericNack) return this.onNack(p.feedback.lost);
      if (p instanceof RtcpPayloadSpecificFeedback && p.feedback instanceof ReceiverEstimatedMaxBitrate) this.feedback.onRemb(Number(p.feedback.bitrate));
      if (p instanceof RtcpRrPacket) for (const r of p.reports) if (r.ssrc === sender.ssrc) this.feedback.onLoss(r.fractionLost / 256);
      original(p);
    };
    const pli = sender.onPictureLossIndication.subscribe(() => this.onPli());
    this.disposers.push(() => pli.unSubscribe(), () => (sender.handleRtcpPacket = original));
  }

  get sender(): RTCRtpSender {
    return this.transceiver.sender;
  }

  get mid(): string | null {
    return this.transceiver.mid;
  }

  /** Starts forwarding `up` (the transceiver must already be sendonly in the next offer). */
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
    if (out) this.send(p, out);
  }

  onPadding(layer: string, seq: number) {
    if (layer === this.current) this.rewriter.skip(seq);
  }

  private send(p: CachedPacket, out: OutFields) {
    const packet = copy(p, out);
    this.sentPackets++;
    this.sentBytes += packet.payload.length;
    void this.sender.sendRtp(packet).catch(() => {});
  }

  private onNack(lost: number[]) {
    const up = this.up;
    const transport = this.sender.dtlsTransport;
    if (!up || !transport) return;
    for (const seq of lost) {
      const hit = this.rewriter.lookup(seq);
      if (!hit || !hit.epoch.source.startsWith(`${up.id}:`)) continue;
      const layer = up.layers.get(hit.epoch.source.slice(up.id.length + 1));
      const cached = layer?.cache.get(hit.inSeq);
      if (!cached) continue;
      const packet = copy(cached, this.rewriter.apply(hit.epoch, inPacket(cached)));
      packet.header.ssrc = this.sender.ssrc;
      packet.header.payloadType = this.sender.codec?.payloadType ?? packet.header.payloadType;
      this.retransmitted++;
      void transport.sendRtp(packet.payload, packet.header).catch(() => {});
    }
  }

  private onPli() {
    const rid = this.current ?? this.target;
    if (this.up && rid) this.up.requestKeyframe(rid, this.now());
  }

  close() {
    this.detach();
    for (const d of this.disposers.splice(0)) d();
  }
}

const inPacket = (p: CachedPacket) => ({ seq: p.packet.header.sequenceNumber, ts: p.packet.header.timestamp, vp8: p.vp8 });

/** A subscriber's own copy: new header (no publisher extensions: their ids mean nothing here). */
function copy(p: CachedPacket, out: OutFields): RtpPacket {
  const h = p.packet.header;
  const header = new RtpHeader({ marker: h.marker, payloadType: h.payloadType, sequenceNumber: out.seq, timestamp: out.ts, ssrc: h.ssrc, extensions: [] });
  let payload = p.packet.payload;
  if (p.vp8 && (out.pictureId >= 0 || out.tl0PicIdx >= 0)) {
    payload = Buffer.from(payload);
    writeVp8(payload, p.vp8, out.pictureId, out.tl0PicIdx);
  }
  return new RtpPacket(header, payload);
}
