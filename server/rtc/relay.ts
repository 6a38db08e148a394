/**
 * The direct-transfer relay (README "Files → Direct transfers"): used when two browsers cannot
 * reach each other (ICE failed or took too long) or when relaying is forced. The sender's data
 * channel ends here and a second one goes to the receiver; `RelayPipe` forwards the wire protocol
 * of relay-wire.ts between them without reading file bytes beyond the 8-byte chunk header.
 *
 * Flow control is end to end: werift cannot slow down what arrives, so the relay relies on the
 * sender's window (never more than WINDOW_BYTES beyond the receiver's last ack, which the relay
 * forwards) and enforces it: a sender that runs further ahead, resends more than a window of chunks
 * the receiver already acknowledged, or sends a malformed message ends the relay, and so does more
 * than a window plus a chunk (block messages included) waiting for a receiver that does not take it.
 * What the relay holds is therefore at most one window (plus a chunk) per transfer.
 * Never imports Elysia; werift specifics stay in this file.
 */
import { RTCPeerConnection, type RTCDataChannel } from 'werift';
import type { RtcConfig } from './config';
import { announceSdp, iceOptions } from './peer';
import { limitCandidates, MAX_REMOTE_CANDIDATES } from './remote-peers';
import './sctp-guard';
import { CHUNK_BYTES, DATA_CHANNEL_LABEL, parseControl, readChunk, WINDOW_BYTES, type Control } from './relay-wire';

export type Side = 'sender' | 'receiver';

/** What the pipe needs of a data channel (werift's, or a fake in tests). */
export interface Chan {
  send(data: Uint8Array | string): void;
  bufferedAmount: number;
  close(): void;
}

/**
 * How much the pipe hands to the receiver's werift channel at a time; the rest of the window waits in
 * the pipe's own queue (same bytes, same bound) until werift's buffer drains below half of this.
 * werift keeps one pending promise per queued message and settles each of them on every SACK with an
 * O(n²) unsubscribe, so handing it the whole window (128 messages) cost a fifth of the relay's CPU.
 */
export const HANDOFF_BYTES = 128 * 1024;

/** Bytes sent by the sender beyond the receiver's last ack: what may sit in the relay. */
export class RelayWindow {
  high = 0;
  acked = 0;
  maxHeld = 0;
  /** Bytes of chunks below the last ack (resent after a redo, or in flight before it) since the ack last moved. */
  stale = 0;
  constructor(readonly window = WINDOW_BYTES) {}

  get held() {
    return Math.max(0, this.high - this.acked);
  }

  /** A chunk from the sender: null, or why it breaks the window (stale chunks: at most one window of them per ack). */
  chunk(offset: number, length: number): string | null {
    if (offset < this.acked) return (this.stale += length) <= this.window ? null : 'the sender resent more than a window of acknowledged bytes';
    this.high = Math.max(this.high, offset + length);
    this.maxHeld = Math.max(this.maxHeld, this.held);
    return this.held <= this.window + CHUNK_BYTES ? null : 'the sender ignored the window';
  }

  /** A control message from the receiver. */
  control(c: Control) {
    if (c.t === 'want') [this.acked, this.high, this.stale] = [c.from, c.from, 0];
    else if (c.t === 'ack' && c.offset > this.acked) [this.acked, this.stale] = [c.offset, 0];
  }
}

/**
 * Forwards between the two channels. `end(reason)` is called once, on a protocol violation or a
 * cancel; the owner then closes both connections.
 */
export class RelayPipe {
  readonly flow: RelayWindow;
  /** Receiver messages that arrived before the sender's channel was open (a `want`, at most a few). */
  private early: string[] = [];
  /** Sender messages (chunks and block hashes, in order) not yet handed to the receiver's channel. */
  private queue: (Uint8Array | string)[] = [];
  private head = 0;
  /** Bytes in `queue` (whole chunk frames and block messages): at most the window plus a chunk. */
  queuedBytes = 0;
  private ended = false;
  /** The receiver's `want` has been seen; it repeats it until it hears the sender (transfer-engine.ts). */
  private wanted = false;
  bytes = 0;
  maxBuffered = 0;

  constructor(private end: (reason: string) => void, window = WINDOW_BYTES) {
    this.flow = new RelayWindow(window);
  }

  sender: Chan | null = null;
  receiver: Chan | null = null;

  attachSender(ch: Chan) {
    this.sender = ch;
    for (const m of this.early.splice(0)) ch.send(m);
  }

  attachReceiver(ch: Chan) {
    this.receiver = ch;
  }

  private stop(reason: string) {
    if (this.ended) return;
    this.discard();
    this.end(reason);
  }

  /** The relay is over: forward nothing more and let go of what is queued. */
  discard() {
    this.ended = true;
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
  }

  fromSender(data: Uint8Array | string) {
    if (this.ended || !this.receiver) return this.stop('sender spoke before the receiver was connected');
    if (typeof data === 'string') {
      const c = parseControl(data);
      if (!c || c.t !== 'block') return this.stop('invalid message from the sender');
    } else {
      const chunk = readChunk(data);
      if (!chunk) return this.stop('invalid chunk from the sender');
      const broken = this.flow.chunk(chunk.offset, chunk.payload.byteLength);
      if (broken) return this.stop(broken);
      this.bytes += chunk.payload.byteLength;
    }
    this.queue.push(data);
    this.queuedBytes += size(data);
    this.pump();
    // What waits for a receiver that does not take it (resent chunks, block messages, …) is bounded too.
    if (this.queuedBytes > this.flow.window + CHUNK_BYTES) this.stop('more than a window is waiting for the receiver');
  }

  /** Hands queued sender messages to the receiver's channel while its buffer is below HANDOFF_BYTES. */
  pump() {
    const r = this.receiver;
    if (this.ended || !r) return;
    while (this.head < this.queue.length && r.bufferedAmount < HANDOFF_BYTES) {
      const m = this.queue[this.head]!;
      this.queue[this.head++] = '';
      this.queuedBytes -= size(m);
      r.send(m);
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.maxBuffered = Math.max(this.maxBuffered, r.bufferedAmount);
  }

  /** Messages waiting in the pipe (not yet in werift's buffer). */
  get queued() {
    return this.queue.length - this.head;
  }

  fromReceiver(data: Uint8Array | string) {
    if (this.ended) return;
    const c = typeof data === 'string' ? parseControl(data) : null;
    if (!c || c.t === 'block') return this.stop('invalid message from the receiver');
    // Only the first `want` counts: the sender's channel from here delivers it (werift sends only once
    // the browser has acknowledged the channel), and repeats must not fill `early` or reset the window.
    if (c.t === 'want' && this.wanted) return;
    if (c.t === 'want') this.wanted = true;
    this.flow.control(c);
    if (this.sender) this.sender.send(data as string);
    else if (this.early.length < 4) this.early.push(data as string);
    else return this.stop('the receiver flooded before the sender was connected');
    if (c.t === 'cancel') this.stop('cancelled');
  }
}

const size = (m: Uint8Array | string) => (typeof m === 'string' ? m.length : m.byteLength);

const OPEN_TIMEOUT_MS = 20_000;

/** One relayed transfer: two werift peer connections (the server offers both) and the pipe. */
export class Relay {
  readonly pipe: RelayPipe;
  private pcs: Record<Side, RTCPeerConnection>;
  private closed = false;
  private timer: ReturnType<typeof setTimeout>;
  readonly startedAt = Date.now();

  constructor(private cfg: RtcConfig, private onEnd: (reason: string) => void, window = WINDOW_BYTES) {
    this.pipe = new RelayPipe((r) => this.close(r), window);
    this.pcs = { sender: this.peer('sender'), receiver: this.peer('receiver') };
    this.timer = setTimeout(() => {
      if (!this.pipe.sender || !this.pipe.receiver) this.close('the relay could not connect in time');
    }, OPEN_TIMEOUT_MS);
  }

  private peer(side: Side): RTCPeerConnection {
    const pc = new RTCPeerConnection(iceOptions(this.cfg));
    const dc: RTCDataChannel = pc.createDataChannel(DATA_CHANNEL_LABEL, { ordered: true });
    if (side === 'receiver') {
      dc.bufferedAmountLowThreshold = HANDOFF_BYTES / 2;
      dc.bufferedAmountLow.subscribe(() => this.pipe.pump());
    }
    const chan: Chan = {
      send: (d) => dc.send(typeof d === 'string' ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength)),
      get bufferedAmount() {
        return dc.bufferedAmount;
      },
      close: () => dc.close(),
    };
    dc.stateChanged.subscribe((state) => {
      if (state === 'open') side === 'sender' ? this.pipe.attachSender(chan) : this.pipe.attachReceiver(chan);
      else if (state === 'closed') this.close(`${side} channel closed`);
    });
    dc.onMessage.subscribe((data) => {
      const d = typeof data === 'string' ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      side === 'sender' ? this.pipe.fromSender(d) : this.pipe.fromReceiver(d);
    });
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed' || state === 'closed') this.close(`${side} connection ${state}`);
    });
    return pc;
  }

  /** The server's offer for one side (all its candidates are in it: no trickling). */
  async offer(side: Side): Promise<string> {
    const pc = this.pcs[side];
    await pc.setLocalDescription(await pc.createOffer());
    return announceSdp(this.cfg, pc.localDescription!.sdp);
  }

  async answer(side: Side, sdp: string) {
    await this.pcs[side].setRemoteDescription({ type: 'answer', sdp: limitCandidates(this.cfg, sdp, MAX_REMOTE_CANDIDATES).sdp });
  }

  stats() {
    return { bytes: this.pipe.bytes, held: this.pipe.flow.held, maxHeld: this.pipe.flow.maxHeld, maxBuffered: this.pipe.maxBuffered };
  }

  close(reason = 'closed') {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.pipe.discard();
    for (const pc of Object.values(this.pcs)) void pc.close().catch(() => {});
    this.onEnd(reason);
  }
}
