/**
 * Up track: one source a publisher sends (mic, camera or screen), as it arrives on the
 * publisher's `pub` connection. A camera has up to three simulcast layers (rid l, m, h), each its
 * own werift track and SSRC; mic and screen have one layer.
 *
 * Per layer the Up track keeps: a packet cache (answers subscribers' NACKs), the measured bitrate,
 * liveness, a rate-limited key-frame requester, and loss tracking towards the publisher (our own
 * NACKs; werift's NACK generator is switched off because it mixes the layers' SSRCs).
 * Every packet is parsed once (VP8 descriptor) and handed to each Down track, which copies it.
 */
import { GenericNack, RtcpTransportLayerFeedback, type MediaStreamTrack, type RTCRtpReceiver, type RtpPacket } from 'werift';
import { KeyframeLimiter, LossTracker, PacketCache, type LayerState } from './control';
import type { Source } from './permissions';
import { parseVp8, type Vp8Descriptor } from './vp8';

/** Simulcast layers we accept, low → high. A single-layer source uses "f". */
export const SIMULCAST_RIDS = ['l', 'm', 'h'] as const;
export const SINGLE = 'f';
/** Before a bitrate is measured, layers are assumed to need this much (bps). */
const NOMINAL: Record<string, number> = { l: 150_000, m: 500_000, h: 1_500_000, f: 1_000_000 };
const LIVE_MS = 1_500;

export interface CachedPacket {
  packet: RtpPacket;
  vp8: Vp8Descriptor | null;
}

/** What an Up track needs from the Down tracks it feeds. */
export interface PacketSink {
  onPacket(layer: string, p: CachedPacket, now: number): void;
  onPadding(layer: string, seq: number): void;
}

export class UpLayer {
  readonly cache = new PacketCache<CachedPacket>(512);
  readonly keyframes = new KeyframeLimiter(500);
  readonly loss = new LossTracker();
  ssrc = 0;
  bitrate: number;
  lastPacketAt = -Infinity;
  lastKeyframeAt = -Infinity;
  /** Fraction of packets lost (publisher → SFU) in the last window. */
  lossFraction = 0;
  private bytes = 0;
  private received = 0;
  private lost = 0;
  private windowStart = 0;
  constructor(readonly rid: string) {
    this.bitrate = NOMINAL[rid] ?? 500_000;
  }

  count(n: number, lost: number, now: number) {
    this.bytes += n;
    this.received++;
    this.lost += lost;
    this.lastPacketAt = now;
  }

  /** Closes the measuring window (called every second or so). */
  measure(now: number) {
    const dt = now - this.windowStart;
    if (dt >= 900) {
      if (this.windowStart && this.bytes) this.bitrate = Math.round((this.bytes * 8 * 1000) / dt);
      this.lossFraction = this.received + this.lost ? this.lost / (this.received + this.lost) : 0;
      this.bytes = this.received = this.lost = 0;
      this.windowStart = now;
    }
  }

  state(now: number): LayerState {
    return { rid: this.rid, bitrate: this.bitrate, live: now - this.lastPacketAt < LIVE_MS };
  }
}

export class UpTrack {
  readonly layers = new Map<string, UpLayer>();
  readonly sinks = new Set<PacketSink>();
  /** Muted by its owner or by a host: nothing is forwarded. */
  muted = false;
  closed = false;
  packets = 0;
  private disposers: (() => void)[] = [];

  constructor(
    readonly id: string,
    readonly participantId: string,
    readonly source: Source,
    readonly kind: 'audio' | 'video',
    readonly receiver: RTCRtpReceiver,
    readonly clockRate: number,
  ) {}

  /** Layers in forwarding order (low → high). */
  orderedLayers(): UpLayer[] {
    return [...this.layers.values()].sort((a, b) => order(a.rid) - order(b.rid));
  }

  layerStates(now: number): LayerState[] {
    return this.orderedLayers().map((l) => l.state(now));
  }

  /** Adds a werift track (one simulcast layer, or the only one). */
  addTrack(track: MediaStreamTrack, now: () => number) {
    const rid = track.rid ?? SINGLE;
    if (this.layers.has(rid)) return;
    const layer = new UpLayer(rid);
    if (track.ssrc) layer.ssrc = track.ssrc;
    this.layers.set(rid, layer);
    const sub = track.onReceiveRtp.subscribe((packet) => this.onRtp(layer, packet, now()));
    this.disposers.push(() => sub.unSubscribe());
  }

  private onRtp(layer: UpLayer, packet: RtpPacket, now: number) {
    if (this.closed) return;
    const { header, payload } = packet;
    layer.ssrc = header.ssrc;
    const lost = this.kind === 'video' ? layer.loss.add(header.sequenceNumber) : 0;
    layer.count(payload.length + 12, lost, now);
    this.packets++;
    if (lost) this.sendNacks(layer, now);
    if (payload.length === 0) {
      // Padding (bandwidth probing): never forwarded, but Down tracks close the gap it leaves.
      for (const s of this.sinks) s.onPadding(layer.rid, header.sequenceNumber);
      return;
    }
    const vp8 = this.kind === 'video' ? parseVp8(payload) : null;
    if (vp8?.keyframe) {
      layer.lastKeyframeAt = now;
      layer.keyframes.satisfied();
    }
    const cached: CachedPacket = { packet, vp8 };
    layer.cache.put(header.sequenceNumber, cached);
    if (this.muted) return;
    for (const s of this.sinks) s.onPacket(layer.rid, cached, now);
  }

  /** Asks the publisher for a key frame on `rid` (at most one PLI per 500 ms per layer). */
  requestKeyframe(rid: string, now: number) {
    const layer = this.layers.get(rid);
    if (!layer || this.kind !== 'video') return;
    if (layer.keyframes.request(now)) this.sendPli(layer);
  }

  /** Periodic work: bitrates, deferred key-frame requests, NACK retries. */
  tick(now: number) {
    for (const layer of this.layers.values()) {
      layer.measure(now);
      if (layer.keyframes.due(now)) this.sendPli(layer);
      if (layer.loss.missing) this.sendNacks(layer, now);
    }
  }

  ssrcs(): number[] {
    return [...this.layers.values()].map((l) => l.ssrc).filter(Boolean);
  }

  close() {
    this.closed = true;
    for (const d of this.disposers.splice(0)) d();
    for (const l of this.layers.values()) l.cache.clear();
    this.sinks.clear();
  }

  private sendPli(layer: UpLayer) {
    if (layer.ssrc && !this.closed) void this.receiver.sendRtcpPLI(layer.ssrc).catch(() => {});
  }

  private sendNacks(layer: UpLayer, now: number) {
    const lost = layer.loss.due(now);
    if (!lost.length || !layer.ssrc || this.closed) return;
    const nack = new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc: this.receiver.rtcpSsrc, mediaSourceSsrc: layer.ssrc, lost }) });
    void this.receiver.dtlsTransport?.sendRtcp([nack]).catch(() => {});
  }
}

const order = (rid: string) => {
  const i = (SIMULCAST_RIDS as readonly string[]).indexOf(rid);
  return i < 0 ? 9 : i;
};
