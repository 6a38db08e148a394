/**
 * The store contract for files: resumable uploads, stored files, ranged reads, quotas' usage and
 * previews. Runs inside `storeContract` (contract.ts) on the store it opened.
 */
import { beforeEach, describe, expect, test } from 'bun:test';
import { OffsetMismatchError, type Store } from './types';

export function filesContract(current: () => Store) {
  describe('files', () => {
    let store: Store;
    beforeEach(() => {
      store = current();
    });

    test('files: resumable upload at the stored offset, completion, ranged reads, usage, abort, stale, previews', async () => {
      const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);
      const collect = async (st: Blob | ReadableStream<Uint8Array>) => new Uint8Array(await new Response(st).arrayBuffer());
      const base = { userId: 'u-files', roomId: 'r-files', name: 'a.bin', size: 10, type: 'application/octet-stream', sha256: 'f'.repeat(64), createdAt: 1000 };
      const up = await store.files.beginUpload({ id: crypto.randomUUID(), ...base });
      expect(up.offset).toBe(0);
      // Same (user, room, sha256, size, name): the same upload.
      expect((await store.files.beginUpload({ id: crypto.randomUUID(), ...base, createdAt: 2000 })).id).toBe(up.id);
      const data = bytes(10, 7);
      expect(await store.files.appendChunk(up.id, 0, data.subarray(0, 4), 3000)).toBe(4);
      await expect(store.files.appendChunk(up.id, 0, data.subarray(0, 4))).rejects.toBeInstanceOf(OffsetMismatchError);
      await expect(store.files.appendChunk(up.id, 8, data.subarray(8))).rejects.toMatchObject({ offset: 4 });
      await expect(store.files.appendChunk(up.id, 4, bytes(7, 1))).rejects.toBeInstanceOf(OffsetMismatchError); // past the size
      expect((await store.files.upload(up.id))).toMatchObject({ offset: 4, updatedAt: 3000 });
      expect(await collect(store.files.readUpload(up.id))).toEqual(data.subarray(0, 4));
      expect(await store.files.usage({ userId: 'u-files' })).toBe(10);
      expect((await store.files.staleUploads(3001)).map((u) => u.id)).toEqual([up.id]);
      expect(await store.files.staleUploads(3000)).toEqual([]);
      await expect(store.files.completeUpload(up.id, crypto.randomUUID())).rejects.toBeInstanceOf(OffsetMismatchError);
      expect(await store.files.appendChunk(up.id, 4, data.subarray(4))).toBe(10);
      const fileId = crypto.randomUUID();
      const file = await store.files.completeUpload(up.id, fileId, 5000);
      expect(file).toEqual({ id: fileId, roomId: 'r-files', uploaderId: 'u-files', name: 'a.bin', size: 10, type: 'application/octet-stream', sha256: 'f'.repeat(64), createdAt: 5000, messageId: null });
      expect(await store.files.byId(fileId)).toEqual(file);
      expect(await store.files.upload(up.id)).toBeNull();
      expect(await collect(await store.files.read(fileId, 0, 9))).toEqual(data);
      expect(await collect(await store.files.read(fileId, 3, 5))).toEqual(data.subarray(3, 6));
      expect(await store.files.usage({ roomId: 'r-files' })).toBe(10);
      expect(await store.files.byId('missing')).toBeNull();

      const gone = await store.files.beginUpload({ id: crypto.randomUUID(), ...base, name: 'b.bin', createdAt: 6000 });
      await store.files.appendChunk(gone.id, 0, bytes(3, 2));
      expect(await store.files.usage({ userId: 'u-files' })).toBe(20);
      await store.files.abortUpload(gone.id);
      await store.files.abortUpload(gone.id); // twice is fine
      expect(await store.files.upload(gone.id)).toBeNull();
      expect(await store.files.usage({ userId: 'u-files' })).toBe(10);

      const empty = await store.files.beginUpload({ id: crypto.randomUUID(), ...base, name: 'empty', size: 0, createdAt: 7000 });
      const emptyFile = await store.files.completeUpload(empty.id, crypto.randomUUID());
      expect(emptyFile.size).toBe(0);

      await store.files.setMessage(fileId, 'm-1');
      expect((await store.files.byId(fileId))?.messageId).toBe('m-1');
      expect(await store.files.thumb(fileId)).toBeNull();
      await store.files.setThumb(fileId, bytes(20, 3));
      await store.files.setThumb(fileId, bytes(30, 4)); // replaced
      expect(await store.files.thumb(fileId)).toEqual(bytes(30, 4));
      await store.files.remove(fileId);
      expect(await store.files.thumb(fileId)).toBeNull();
      await store.files.remove(fileId); // twice is fine
      expect(await store.files.byId(fileId)).toBeNull();
      expect(await store.files.usage({ roomId: 'r-files' })).toBe(0);
    });
  });
}
