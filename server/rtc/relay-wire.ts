/**
 * The direct-transfer wire protocol (README "Files → Direct transfers"), spoken on one ordered,
 * reliable data channel labelled `xfer` — the same whether the channel goes browser to browser or
 * through the server's relay (server/rtc/relay.ts), which only forwards it. Used by the relay, the
 * browser client (views/client/transfer*.ts) and the benchmark; it has no dependencies.
 *
 * Sender → receiver
 *   binary  8-byte big-endian offset, then 1 to CHUNK_BYTES file bytes
 *   text    {"t":"block","i":n,"sha":"<hex>"}  SHA-256 of block n (bytes n·BLOCK … ), sent after its last chunk
 * Receiver → sender
 *   text    {"t":"want","from":o}   first message on every channel: send from offset o (resume); repeated
 *                                   until anything arrives (a browser may drop it, transfer-engine.ts),
 *                                   the sender and the relay act on the first and ignore repeats
 *           {"t":"ack","offset":o}  bytes before o are verified and written (always a block boundary or the size)
 *           {"t":"redo","from":o}   block at o failed its hash: send again from o (later chunks in flight are dropped)
 *           {"t":"cancel"}          the receiver gave up
 * The sender never has more than WINDOW_BYTES sent beyond the last ack, so whatever sits between the
 * two ends (the relay's buffers) is bounded by the window.
 */
export const CHUNK_BYTES = 32 * 1024;
export const BLOCK_BYTES = 1024 * 1024;
export const WINDOW_BYTES = 4 * 1024 * 1024;
export const HEADER_BYTES = 8;
export const DATA_CHANNEL_LABEL = 'xfer';

export type Control =
  | { t: 'block'; i: number; sha: string }
  | { t: 'want'; from: number }
  | { t: 'ack'; offset: number }
  | { t: 'redo'; from: number }
  | { t: 'cancel' };

const isOffset = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** A control message, or null when the text is not one (the receiving side then ends the transfer). */
export function parseControl(text: string): Control | null {
  if (text.length > 200) return null;
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(text);
  } catch {
    return null;
  }
  if (!m || typeof m !== 'object') return null;
  switch (m.t) {
    case 'block':
      return isOffset(m.i) && typeof m.sha === 'string' && /^[0-9a-f]{64}$/.test(m.sha) ? { t: 'block', i: m.i, sha: m.sha } : null;
    case 'want':
      return isOffset(m.from) ? { t: 'want', from: m.from } : null;
    case 'ack':
      return isOffset(m.offset) ? { t: 'ack', offset: m.offset } : null;
    case 'redo':
      return isOffset(m.from) ? { t: 'redo', from: m.from } : null;
    case 'cancel':
      return { t: 'cancel' };
  }
  return null;
}

export function chunkFrame(offset: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(HEADER_BYTES + payload.byteLength);
  const v = new DataView(frame.buffer);
  v.setUint32(0, Math.floor(offset / 2 ** 32));
  v.setUint32(4, offset >>> 0);
  frame.set(payload, HEADER_BYTES);
  return frame;
}

/** Offset and payload of a chunk frame, or null when it is too short or too long. */
export function readChunk(frame: Uint8Array): { offset: number; payload: Uint8Array } | null {
  if (frame.byteLength <= HEADER_BYTES || frame.byteLength > HEADER_BYTES + CHUNK_BYTES) return null;
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  return { offset: v.getUint32(0) * 2 ** 32 + v.getUint32(4), payload: frame.subarray(HEADER_BYTES) };
}

export const hex = (b: ArrayBuffer | Uint8Array) => Array.from(b instanceof Uint8Array ? b : new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');

/** The file digest of an offer: SHA-256 over the concatenated 32-byte SHA-256 of every block (hex). */
export async function rootDigest(blockShas: string[]): Promise<string> {
  const all = new Uint8Array(blockShas.length * 32);
  blockShas.forEach((h, i) => {
    for (let j = 0; j < 32; j++) all[i * 32 + j] = parseInt(h.slice(j * 2, j * 2 + 2), 16);
  });
  return hex(await crypto.subtle.digest('SHA-256', all));
}
