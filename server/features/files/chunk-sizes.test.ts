/**
 * What the browser's paced chunks (views/client/upload-pace.ts) rely on: the server takes chunks of
 * any size from 1 byte to MAX_CHUNK_BYTES, of changing sizes and at unaligned offsets, and a resume
 * goes on from whatever offset was stored. Larger is refused.
 */
import { expect, test } from 'bun:test';
import { createSqliteStore } from '../../store/sqlite/sqlite';
import { AppError } from '../../errors';
import { hashStored, MAX_CHUNK_BYTES, OffsetMismatchError, storeChunk } from './actions';
import { sha256Hex } from './testing';

const KB = 1024;

test('chunks of changing, unaligned sizes are stored in order; a resume continues at the odd offset; over 256 KB is refused', async () => {
  const store = createSqliteStore(null);
  try {
    const sizes = [16 * KB, 7 * KB, 35 * KB + 3, 1, MAX_CHUNK_BYTES, 4 * KB];
    const data = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
    crypto.getRandomValues(data.subarray(0, 65536));
    data.subarray(65536).fill(7);
    const up = await store.files.beginUpload({ id: 'u1', userId: 'ada', roomId: 'r', name: 'n.bin', size: data.length, type: 'application/octet-stream', sha256: sha256Hex(data), createdAt: 1 });
    const crc = (b: Uint8Array) => Bun.hash.crc32(b) >>> 0;
    let at = 0;
    for (const n of sizes.slice(0, 3)) {
      const part = data.subarray(at, at + n);
      at = await storeChunk(store, up, at, part, crc(part));
    }
    // The connection dropped; the new socket's chunks are sized afresh, from the stored offset.
    expect((await store.files.upload('u1'))!.offset).toBe(58 * KB + 3);
    const big = data.subarray(at, at + MAX_CHUNK_BYTES + 1);
    await expect(storeChunk(store, up, at, big, crc(big))).rejects.toBeInstanceOf(AppError);
    await expect(storeChunk(store, up, at + 1, data.subarray(at + 1, at + 2), crc(data.subarray(at + 1, at + 2)))).rejects.toBeInstanceOf(OffsetMismatchError);
    for (const n of sizes.slice(3)) {
      const part = data.subarray(at, at + n);
      at = await storeChunk(store, up, at, part, crc(part));
    }
    expect(at).toBe(data.length);
    expect(await hashStored(store, 'u1')).toBe(sha256Hex(data));
  } finally {
    await store.close();
  }
});
