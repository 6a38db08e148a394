/**
 * The data channel of one transfer session (README "Files → Direct transfers"). First peer to peer:
 * the sender offers, candidates are trickled through the /xfer socket. If the channel is not open
 * within DIRECT_TIMEOUT_MS or ICE fails, the receiver asks for the relay; the server then offers a
 * connection to each side (its candidates are in its SDP, ours go in the answer: no trickling), and
 * the channel is the same `xfer` channel, speaking the same protocol.
 */
import type { TransferServerMsg } from '../../server/features/files/transfer-protocol';
import { DATA_CHANNEL_LABEL } from '../../server/rtc/relay-wire';
import type { Wire } from './transfer-engine';

const DIRECT_TIMEOUT_MS = 10_000;
const GATHER_TIMEOUT_MS = 5_000;

type Signal = (m: Record<string, unknown>) => void;
type SignalMsg = Extract<TransferServerMsg, { type: 'signal' }>;

export interface LinkEvents {
  open(wire: Wire, mode: 'direct' | 'relay'): void;
  message(data: string | Uint8Array): void;
  /** The channel closed (or never opened) without us closing it. */
  lost(): void;
}

export class Link {
  private pc: RTCPeerConnection | null = null;
  private dc: RTCDataChannel | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  mode: 'direct' | 'relay' = 'direct';
  /** Test hook: incoming data is ignored while the channel stays open (a stalled peer). */
  muted = false;

  constructor(
    private role: 'sender' | 'receiver',
    private session: string,
    private signal: Signal,
    private iceServers: RTCIceServer[],
    private on: LinkEvents,
  ) {}

  /** Peer to peer; the receiver falls back to the relay when it does not open in time. */
  async direct() {
    const pc = (this.pc = new RTCPeerConnection({ iceServers: this.iceServers }));
    pc.onicecandidate = (e) => e.candidate && this.signal({ type: 'signal', session: this.session, candidate: e.candidate.toJSON() });
    pc.onconnectionstatechange = () => pc.connectionState === 'failed' && (this.dc?.readyState === 'open' ? this.lose() : this.fallBack());
    if (this.role === 'receiver') {
      pc.ondatachannel = (e) => this.use(e.channel);
      this.timer = setTimeout(() => this.fallBack(), DIRECT_TIMEOUT_MS);
      return;
    }
    this.use(pc.createDataChannel(DATA_CHANNEL_LABEL, { ordered: true }));
    await pc.setLocalDescription(await pc.createOffer());
    this.signal({ type: 'signal', session: this.session, description: { type: 'offer', sdp: pc.localDescription!.sdp } });
  }

  private fallBack() {
    if (this.closed || this.mode === 'relay' || this.dc?.readyState === 'open' || this.role !== 'receiver') return;
    this.signal({ type: 'relay', session: this.session });
  }

  async remote(m: SignalMsg) {
    const pc = this.pc;
    if (!pc || this.mode !== 'direct') return;
    if (m.description) {
      await pc.setRemoteDescription(m.description);
      if (m.description.type === 'offer') {
        await pc.setLocalDescription(await pc.createAnswer());
        this.signal({ type: 'signal', session: this.session, description: { type: 'answer', sdp: pc.localDescription!.sdp } });
      }
    }
    // A refused candidate costs one path, not the link (others may connect; the relay is the fallback),
    // but it is worth seeing when a transfer will not go direct.
    if (m.candidate) await pc.addIceCandidate(m.candidate).catch((e) => console.warn(`transfer ${this.session}: ICE candidate refused`, e));
  }

  /** The server's offer: drop the direct attempt and answer with all our candidates. */
  async relay(sdp: string) {
    if (this.closed) return;
    this.mode = 'relay';
    this.dropPc();
    const pc = (this.pc = new RTCPeerConnection({ iceServers: this.iceServers }));
    pc.ondatachannel = (e) => this.use(e.channel);
    pc.onconnectionstatechange = () => pc.connectionState === 'failed' && this.lose();
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      const t = setTimeout(resolve, GATHER_TIMEOUT_MS);
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && (clearTimeout(t), resolve());
    });
    this.signal({ type: 'relay-answer', session: this.session, sdp: pc.localDescription!.sdp });
    this.timer = setTimeout(() => this.dc?.readyState !== 'open' && this.lose(), DIRECT_TIMEOUT_MS * 2);
  }

  private use(dc: RTCDataChannel) {
    this.dc = dc;
    dc.binaryType = 'arraybuffer';
    dc.bufferedAmountLowThreshold = 256 * 1024;
    const wire: Wire = {
      send: (d) => dc.readyState === 'open' && dc.send(d as string),
      buffered: () => dc.bufferedAmount,
      drained: () =>
        new Promise<void>((resolve) => {
          if (dc.readyState !== 'open') return resolve();
          dc.addEventListener('bufferedamountlow', () => resolve(), { once: true });
          dc.addEventListener('close', () => resolve(), { once: true });
        }),
    };
    dc.onopen = () => {
      if (this.timer) clearTimeout(this.timer);
      this.on.open(wire, this.mode);
    };
    // Only the current channel speaks: a dropped direct channel's stragglers would tell the receiver's
    // engine that the relay's sender has heard its `want`.
    dc.onmessage = (e) => this.dc === dc && !this.muted && this.on.message(typeof e.data === 'string' ? e.data : new Uint8Array(e.data as ArrayBuffer));
    // 'closing' comes first when the far end (or the relay) closes; waiting for 'close' can take many seconds.
    dc.onclosing = dc.onclose = () => this.dc === dc && this.lose();
  }

  private lose() {
    if (this.closed) return;
    this.close();
    this.on.lost();
  }

  private dropPc() {
    if (this.timer) clearTimeout(this.timer);
    const [pc, dc] = [this.pc, this.dc];
    this.pc = this.dc = null;
    dc?.close();
    pc?.close();
  }

  /** Test hook and cancel: closes the channel as a network cut would. */
  cut() {
    const dc = this.dc;
    this.dc = null;
    dc?.close();
    this.lose();
  }

  /** Called once when the link is closed, for whatever reason. */
  onclose?: () => void;

  close() {
    if (!this.closed) queueMicrotask(() => this.onclose?.());
    this.closed = true;
    this.dropPc();
  }
}
