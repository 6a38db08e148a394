/**
 * Files on MongoDB: metadata in `uploads` and `files`, bytes in GridFS (bucket `fs`, the file id
 * as `_id`), so every server node serves every file. While an upload is unfinished its chunks are
 * staged as small documents in `uploadChunks` (`<uploadId>:<offset>`), which makes appends at an
 * offset idempotent without transactions; completion streams them, in order, into GridFS.
 */
import { KeyedLock } from '../../lib/keyed-lock';
import { Binary, GridFSBucket, MongoServerError, type Collection, type Db } from 'mongodb';
import { isDup } from './errors';
import { NotFoundStoreError, OffsetMismatchError, type FileStore, type NewUpload, type StoredFile, type Upload } from '../types';

type UploadDoc = Omit<Upload, 'id'> & { _id: string };
type FileDoc = Omit<StoredFile, 'id'> & { _id: string };
interface ChunkDoc {
  _id: string;
  uploadId: string;
  offset: number;
  data: Binary;
}

const toUpload = ({ _id, ...rest }: UploadDoc): Upload => ({ id: _id, ...rest });
const toFile = ({ _id, ...rest }: FileDoc): StoredFile => ({ id: _id, ...rest });

/** A web stream over an async iterable of byte chunks (pulled one at a time: memory stays flat). */
function streamOf(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      const r = await it.next();
      if (r.done) c.close();
      else c.enqueue(r.value);
    },
    async cancel() {
      await it.return?.();
    },
  });
}

export class MongoFiles implements FileStore {
  private uploads: Collection<UploadDoc>;
  private files: Collection<FileDoc>;
  private chunks: Collection<ChunkDoc>;
  private thumbs: Collection<{ _id: string; bytes: Binary }>;
  private bucket: GridFSBucket;
  private lock = new KeyedLock();

  constructor(db: Db) {
    this.uploads = db.collection<UploadDoc>('uploads');
    this.files = db.collection<FileDoc>('files');
    this.chunks = db.collection<ChunkDoc>('uploadChunks');
    this.thumbs = db.collection<{ _id: string; bytes: Binary }>('fileThumbs');
    this.bucket = new GridFSBucket(db);
  }

  private locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return this.lock.run(id, fn);
  }

  async beginUpload(u: NewUpload) {
    const key = { userId: u.userId, roomId: u.roomId, sha256: u.sha256, size: u.size, name: u.name };
    const existing = await this.uploads.findOne(key);
    if (existing) return toUpload(existing);
    const doc: UploadDoc = { _id: u.id, ...key, type: u.type, offset: 0, createdAt: u.createdAt, updatedAt: u.createdAt };
    try {
      await this.uploads.insertOne(doc);
    } catch (e) {
      if (isDup(e)) {
        const winner = await this.uploads.findOne(key);
        if (winner) return toUpload(winner);
      }
      throw e;
    }
    return toUpload(doc);
  }

  async upload(id: string) {
    const d = await this.uploads.findOne({ _id: id });
    return d ? toUpload(d) : null;
  }

  appendChunk(id: string, offset: number, bytes: Uint8Array, now = Date.now()) {
    return this.locked(id, async () => {
      const up = await this.uploads.findOne({ _id: id });
      if (!up) throw new NotFoundStoreError(`upload ${id}`);
      if (offset !== up.offset || offset + bytes.byteLength > up.size) throw new OffsetMismatchError(up.offset);
      // A retry after a torn write finds its own earlier chunk doc: replace it.
      await this.chunks.replaceOne({ _id: `${id}:${offset}` }, { uploadId: id, offset, data: new Binary(bytes) }, { upsert: true });
      const end = offset + bytes.byteLength;
      const r = await this.uploads.updateOne({ _id: id, offset }, { $set: { offset: end, updatedAt: now } });
      if (r.matchedCount !== 1) throw new OffsetMismatchError((await this.upload(id))?.offset ?? 0);
      return end;
    });
  }

  private async *staged(id: string, upTo: number): AsyncGenerator<Uint8Array> {
    // One chunk document per appended frame; sorted by offset, limited to the acknowledged prefix.
    const cursor = this.chunks.find({ uploadId: id, offset: { $lt: upTo } }).sort({ offset: 1 }).batchSize(16);
    try {
      for await (const c of cursor) {
        const b = c.data.buffer;
        const room = upTo - c.offset;
        yield b.byteLength > room ? b.subarray(0, room) : b;
      }
    } finally {
      await cursor.close();
    }
  }

  readUpload(id: string): ReadableStream<Uint8Array> {
    const self = this;
    return streamOf(
      (async function* () {
        const up = await self.uploads.findOne({ _id: id });
        if (!up) throw new NotFoundStoreError(`upload ${id}`);
        yield* self.staged(id, up.offset);
      })(),
    );
  }

  completeUpload(id: string, fileId: string, now = Date.now()) {
    return this.locked(id, async () => {
      const up = await this.uploads.findOne({ _id: id });
      if (!up) throw new NotFoundStoreError(`upload ${id}`);
      if (up.offset !== up.size) throw new OffsetMismatchError(up.offset);
      const out = this.bucket.openUploadStreamWithId(fileId as never, up.name, { metadata: { roomId: up.roomId, contentType: up.type } });
      const finished = new Promise<void>((resolve, reject) => {
        out.once('finish', () => resolve());
        out.once('error', reject);
      });
      for await (const chunk of this.staged(id, up.size)) {
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
      out.end();
      await finished;
      const file: StoredFile = { id: fileId, roomId: up.roomId, uploaderId: up.userId, name: up.name, size: up.size, type: up.type, sha256: up.sha256, createdAt: now, messageId: null };
      const { id: _, ...rest } = file;
      await this.files.insertOne({ _id: fileId, ...rest });
      await this.uploads.deleteOne({ _id: id });
      await this.chunks.deleteMany({ uploadId: id });
      return file;
    });
  }

  abortUpload(id: string) {
    return this.locked(id, async () => {
      await this.uploads.deleteOne({ _id: id });
      await this.chunks.deleteMany({ uploadId: id });
    });
  }

  async staleUploads(before: number) {
    return (await this.uploads.find({ updatedAt: { $lt: before } }).sort({ updatedAt: 1 }).toArray()).map(toUpload);
  }

  async byId(id: string) {
    const d = await this.files.findOne({ _id: id });
    return d ? toFile(d) : null;
  }

  async setMessage(id: string, messageId: string) {
    await this.files.updateOne({ _id: id }, { $set: { messageId } });
  }

  async setThumb(id: string, jpeg: Uint8Array) {
    await this.thumbs.updateOne({ _id: id }, { $set: { bytes: new Binary(jpeg) } }, { upsert: true });
  }

  async thumb(id: string) {
    const d = await this.thumbs.findOne({ _id: id });
    return d ? new Uint8Array(d.bytes.buffer) : null;
  }

  async remove(id: string) {
    await this.files.deleteOne({ _id: id });
    await this.thumbs.deleteOne({ _id: id });
    try {
      await this.bucket.delete(id as never);
    } catch (e) {
      if (!/not found/i.test(String((e as Error).message))) throw e;
    }
  }

  async read(id: string, start: number, end: number) {
    if (end < start) return new Blob([]).stream();
    const src = this.bucket.openDownloadStream(id as never, { start, end: end + 1 });
    return streamOf(src as AsyncIterable<Uint8Array>);
  }

  async usage(by: { userId: string } | { roomId: string }) {
    const [fq, uq] = 'userId' in by ? [{ uploaderId: by.userId }, { userId: by.userId }] : [{ roomId: by.roomId }, { roomId: by.roomId }];
    let total = 0;
    for (const f of await this.files.find(fq, { projection: { size: 1 } }).toArray()) total += f.size;
    for (const u of await this.uploads.find(uq, { projection: { size: 1 } }).toArray()) total += u.size;
    return total;
  }
}
