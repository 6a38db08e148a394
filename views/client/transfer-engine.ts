/**
 * Both ends of the direct-transfer wire protocol (server/rtc/relay-wire.ts), independent of how the
 * data channel was made (peer to peer or through the relay) and of the page: the browser client
 * (transfer.ts) and the benchmark (bench/files-relay.ts, on werift channels) run the same code.
 *
 * Sender: answers `want` by sending from that block, keeps at most WINDOW_BYTES beyond the last
 * `ack` and waits for the channel's own buffer to drain, and sends each block's SHA-256 after its
 * last chunk. Receiver: accepts only the chunk at the next expected offset, verifies each block
 * against the sender's hash, writes it (waiting for the sink), then acks; a bad block is re-requested
 * (`redo`); at the end, the digest over its own block hashes must equal the offer's digest.
 *
 * The receiver's first message on a channel, `want`, may be lost. The receiver's channel is always
 * one the other end created (the sender's peer to peer, the relay's through the server), and Chrome
 * fires `open` on such a channel before its network thread has opened it: a send in that gap is
 * dropped without any error to the page (Chrome logs "Send failedINVALID_STATE"), and the sender,
 * which waits for `want`, would never start. So the receiver repeats `want` until anything arrives
 * on the channel; the sender (and the relay) act on the first one and ignore the repeats.
 */
import { BLOCK_BYTES, chunkFrame, CHUNK_BYTES, hex, parseControl, readChunk, rootDigest, WINDOW_BYTES, type Control } from '../../server/rtc/relay-wire';

export interface Wire {
  send(data: string | Uint8Array): void;
  /** Bytes queued in the channel and not yet on the network. */
  buffered(): number;
  /** Resolves when the channel's queue is low again. */
  drained(): Promise<void>;
}

const sha256 = async (b: Uint8Array) => hex(await crypto.subtle.digest('SHA-256', b as Uint8Array<ArrayBuffer>));
const CHANNEL_HIGH_WATER = 1024 * 1024;
/** How often the receiver repeats `want` while nothing has arrived on a new channel (see above). */
const WANT_REPEAT_MS = 1000;

/** SHA-256 of every block of a file (read with `read`), for the offer digest and the sender. */
export async function blockHashes(size: number, read: (start: number, end: number) => Promise<Uint8Array>, progress?: (done: number) => void): Promise<string[]> {
  const out: string[] = [];
  for (let o = 0; o < size; o += BLOCK_BYTES) {
    out.push(await sha256(await read(o, Math.min(size, o + BLOCK_BYTES))));
    progress?.(Math.min(size, o + BLOCK_BYTES));
  }
  return out;
}

export class SendEngine {
  acked = 0;
  next = 0;
  private gen = 0;
  private pumping = false;
  /** This channel's `want` has come; later ones are the receiver repeating it before it heard us. */
  private wanted = false;
  stopped = false;

  constructor(
    private wire: Wire,
    private size: number,
    private read: (start: number, end: number) => Promise<Uint8Array>,
    private shas: string[],
    private on: { progress(acked: number): void; cancelled(): void; failed(why: string): void },
    private window = WINDOW_BYTES,
  ) {}

  message(data: string | Uint8Array) {
    const c = typeof data === 'string' ? parseControl(data) : null;
    if (!c || c.t === 'block') return this.fail('The receiver sent something unexpected.');
    this.control(c);
  }

  private control(c: Exclude<Control, { t: 'block' }>) {
    if (c.t === 'cancel') {
      this.stopped = true;
      return this.on.cancelled();
    }
    if (c.t === 'ack') {
      if (c.offset > this.size) return this.fail('The receiver acknowledged bytes that were never sent.');
      this.acked = Math.max(this.acked, c.offset);
      this.on.progress(this.acked);
    } else {
      if (c.t === 'want' && this.wanted) return; // a repeat: already sending from there
      if (c.t === 'want') this.wanted = true;
      // want (a new channel: resume) or redo (a damaged block): restart at that block.
      const from = Math.min(c.from - (c.from % BLOCK_BYTES), this.size);
      this.acked = Math.min(Math.max(c.t === 'want' ? from : this.acked, 0), from);
      this.next = from;
      this.gen++;
      this.on.progress(this.acked);
    }
    void this.pump();
  }

  private fail(why: string) {
    this.stopped = true;
    this.on.failed(why);
  }

  private async pump() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.stopped && this.next < this.size && this.next - this.acked < this.window) {
        const gen = this.gen;
        const start = this.next;
        const end = Math.min(this.size, start + BLOCK_BYTES);
        const block = await this.read(start, end);
        for (let o = 0; o < block.byteLength; o += CHUNK_BYTES) {
          if (this.wire.buffered() > CHANNEL_HIGH_WATER) await this.wire.drained();
          if (gen !== this.gen || this.stopped) break;
          this.wire.send(chunkFrame(start + o, block.subarray(o, Math.min(block.byteLength, o + CHUNK_BYTES))));
        }
        if (gen !== this.gen || this.stopped) continue; // a want/redo moved us
        const i = start / BLOCK_BYTES;
        this.wire.send(JSON.stringify({ t: 'block', i, sha: this.shas[i] }));
        this.next = end;
      }
    } catch (e) {
      this.fail(`Reading the file failed: ${(e as Error).message}`);
    } finally {
      this.pumping = false;
    }
  }
}

interface Pending {
  buf: Uint8Array;
  fill: number;
}

export class ReceiveEngine {
  /** Bytes verified and written: where a resume starts. */
  offset = 0;
  /** Next byte expected on the channel. */
  private pos = 0;
  private blocks = new Map<number, Pending>();
  private expected = new Map<number, string>();
  private mine: string[] = [];
  private queue: Promise<void> = Promise.resolve();
  private wire: Wire | null = null;
  /** Something arrived on the attached channel: the sender has our `want`. */
  private heard = false;
  private repeat: ReturnType<typeof setTimeout> | null = null;
  redone = 0;
  finished = false;

  constructor(
    private size: number,
    private digest: string,
    private write: (block: Uint8Array) => Promise<void>,
    /**
     * `arriving`: bytes came in (`pos`, verified or not): a sign of life on a link too slow to fill a
     * block in the stall watchdog's time, and what the receiver shows before the first block is checked.
     */
    private on: { progress(offset: number): void; done(): void; failed(why: string): void; cancelled(): void; arriving?(pos: number): void },
    private wantRepeatMs = WANT_REPEAT_MS,
  ) {}

  /** A (new) channel is open: ask for everything from the verified offset, until the sender answers. */
  attach(wire: Wire) {
    this.stopRepeat();
    this.wire = wire;
    this.pos = this.offset;
    this.blocks.clear();
    this.heard = false;
    this.want(wire);
  }

  /** Sends `want`, and again every wantRepeatMs while this channel is attached and silent. */
  private want(wire: Wire) {
    this.repeat = null;
    if (this.wire !== wire || this.heard || this.finished) return;
    wire.send(JSON.stringify({ t: 'want', from: this.offset }));
    this.repeat = setTimeout(() => this.want(wire), this.wantRepeatMs);
  }

  private stopRepeat() {
    if (this.repeat) clearTimeout(this.repeat);
    this.repeat = null;
  }

  detach() {
    this.stopRepeat();
    this.wire = null;
  }

  cancel() {
    this.wire?.send(JSON.stringify({ t: 'cancel' }));
    this.finished = true;
    this.stopRepeat();
  }

  message(data: string | Uint8Array) {
    if (this.finished) return;
    if (!this.heard) {
      this.heard = true;
      this.stopRepeat();
    }
    if (typeof data === 'string') {
      const c = parseControl(data);
      if (c?.t === 'block') {
        this.expected.set(c.i, c.sha);
        return this.check(c.i);
      }
      return this.fail('The sender sent something unexpected.');
    }
    const chunk = readChunk(data);
    if (!chunk) return this.fail('The sender sent a malformed chunk.');
    if (chunk.offset !== this.pos) return; // in flight before a redo or a resume: dropped
    const i = Math.floor(chunk.offset / BLOCK_BYTES);
    const blockLen = Math.min(BLOCK_BYTES, this.size - i * BLOCK_BYTES);
    if (chunk.offset + chunk.payload.byteLength > Math.min(this.size, (i + 1) * BLOCK_BYTES)) return this.fail('A chunk crossed a block boundary.');
    let b = this.blocks.get(i);
    if (!b) this.blocks.set(i, (b = { buf: new Uint8Array(blockLen), fill: 0 }));
    b.buf.set(chunk.payload, chunk.offset - i * BLOCK_BYTES);
    b.fill += chunk.payload.byteLength;
    this.pos += chunk.payload.byteLength;
    this.on.arriving?.(this.pos);
    this.check(i);
  }

  private fail(why: string) {
    if (this.finished) return;
    this.finished = true;
    this.stopRepeat();
    this.on.failed(why);
  }

  /** Verifies and writes block i once all its bytes and its hash are here; blocks are handled in order. */
  private check(i: number) {
    const b = this.blocks.get(i);
    const want = this.expected.get(i);
    if (!b || b.fill !== b.buf.byteLength || !want) return;
    this.blocks.delete(i);
    this.queue = this.queue.then(async () => {
      if (this.finished || i * BLOCK_BYTES !== this.offset) return;
      const got = await sha256(b.buf);
      if (got !== want) {
        // Damaged on the way: ask again from this block; everything after it is dropped.
        this.redone++;
        this.pos = this.offset;
        this.blocks.clear();
        this.wire?.send(JSON.stringify({ t: 'redo', from: this.offset }));
        return;
      }
      const n = b.buf.byteLength; // write may transfer the buffer away
      await this.write(b.buf);
      this.mine[i] = got;
      this.offset += n;
      this.wire?.send(JSON.stringify({ t: 'ack', offset: this.offset }));
      this.on.progress(this.offset);
      if (this.offset === this.size) {
        this.finished = true;
        if ((await rootDigest(this.mine)) !== this.digest) return this.on.failed('The file arrived damaged (its digest does not match the offer).');
        this.on.done();
      }
    });
  }
}
