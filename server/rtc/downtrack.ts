/**
 * Down track: one sending transceiver on a subscriber's `sub` connection, forwarding one Up track
 * (or nothing, while its transceiver waits for reuse); for video only the layer chosen for this
 * subscriber. Layer switching and rewriting are the Forwarder's (forwarder.ts).
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
  type RtpPacket,
  type RTCRtpSender,
  type RTCRtpTransceiver,
  type RtcpPacket,
} from 'werift';
import { copy, Forwarder, inPacket } from './forwarder';

export interface DownFeedback {
  onRemb(bps: number): void;
  onLoss(fraction: number): void;
}

export class DownTrack extends Forwarder {
  sentPackets = 0;
  sentBytes = 0;
  retransmitted = 0;
  private disposers: (() => void)[] = [];

  constructor(
    readonly transceiver: RTCRtpTransceiver,
    kind: 'audio' | 'video',
    private feedback: DownFeedback,
    now: () => number,
  ) {
    super(kind, now);
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

  protected deliver(packet: RtpPacket) {
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
