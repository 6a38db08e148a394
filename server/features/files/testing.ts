/**
 * A non-browser upload client for tests and the benchmark: speaks the /upload protocol with a
 * window of unacknowledged chunks, like views/client/upload.ts does in the page.
 */
import { CHUNK_HEADER_BYTES, MAX_CHUNK_BYTES } from './actions';

export type Msg = Record<string, unknown> & { type: string };

export function chunkFrame(offset: number, payload: Uint8Array, crc = Bun.hash.crc32(payload) >>> 0): Uint8Array {
  const frame = new Uint8Array(CHUNK_HEADER_BYTES + payload.byteLength);
  const v = new DataView(frame.buffer);
  v.setBigUint64(0, BigInt(offset));
  v.setUint32(8, crc);
  frame.set(payload, CHUNK_HEADER_BYTES);
  return frame;
}

export const sha256Hex = (b: Uint8Array) => new Bun.CryptoHasher('sha256').update(b).digest('hex');

/** A socket that queues JSON messages. */
export class UploadSocket {
  readonly msgs: Msg[] = [];
  private cursor = 0;
  private wake: (() => void) | null = null;
  closed: { code: number; reason: string } | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.binaryType = 'arraybuffer';
    ws.addEventListener('message', (e) => {
      this.msgs.push(JSON.parse(String(e.data)));
      this.wake?.();
    });
    ws.addEventListener('close', (e) => {
      this.closed = { code: e.code, reason: e.reason };
      this.wake?.();
    });
  }

  static open(url: string, headers: Record<string, string>): Promise<UploadSocket> {
    const ws = new WebSocket(url, { headers } as unknown as string[]);
    const s = new UploadSocket(ws);
    return new Promise((resolve, reject) => {
      ws.addEventListener('open', () => resolve(s));
      ws.addEventListener('error', () => reject(new Error('websocket error')));
      ws.addEventListener('close', (e) => reject(new Error(`closed before open: ${e.code}`)));
    });
  }

  send(m: unknown) {
    this.ws.send(m instanceof Uint8Array ? (m as Uint8Array<ArrayBuffer>) : JSON.stringify(m));
  }

  async next(ms = 5000): Promise<Msg> {
    const deadline = Date.now() + ms;
    while (this.cursor >= this.msgs.length) {
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message within ${ms} ms; got ${JSON.stringify(this.msgs.slice(-5))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.wake = () => (clearTimeout(t), r());
      });
      this.wake = null;
    }
    return this.msgs[this.cursor++]!;
  }

  async until(type: string, ms?: number): Promise<Msg> {
    for (;;) {
      const m = await this.next(ms);
      if (m.type === type) return m;
      if (m.type === 'error') throw new Error(`upload error: ${m.message}`);
    }
  }

  close() {
    this.ws.close();
  }
}

/**
 * Sends `data` from `ready.offset`, keeping up to `window` chunks unacknowledged. Stops (without
 * waiting for `done`) once `stopAfter` bytes are acknowledged, if given. Returns the last message.
 */
export async function sendChunks(sock: UploadSocket, data: Uint8Array, from: number, opts: { window?: number; chunk?: number; stopAfter?: number } = {}): Promise<Msg> {
  const chunk = opts.chunk ?? MAX_CHUNK_BYTES;
  const window = opts.window ?? 8;
  let next = from;
  let acked = from;
  const pump = () => {
    while (next < data.byteLength && next - acked < window * chunk) {
      const end = Math.min(next + chunk, data.byteLength);
      sock.send(chunkFrame(next, data.subarray(next, end)));
      next = end;
    }
  };
  pump();
  for (;;) {
    const m = await sock.next(30_000);
    if (m.type === 'ack') {
      acked = m.offset as number;
      if (opts.stopAfter !== undefined && acked >= opts.stopAfter) return m;
      pump();
    } else if (m.type === 'resync') {
      next = acked = m.offset as number;
      pump();
    } else if (m.type === 'done' || m.type === 'error') return m;
  }
}
