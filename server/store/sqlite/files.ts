/**
 * Files on bun:sqlite: metadata in the `uploads` and `files` tables, bytes on disk. An unfinished
 * upload is `<dir>/uploads/<id>.part`, written with positional writes at the stored offset (so a
 * chunk torn by a crash is simply overwritten by the retry); a stored file is `<dir>/files/<id>`,
 * moved there by rename on completion. Downloads are lazy Bun.file slices (sent with sendfile); the
 * whole-file hash reads a pull stream of 256 KB reads. Memory stays flat either way.
 */
import { KeyedLock } from '../../lib/keyed-lock';
import type { Database } from 'bun:sqlite';
import { constants, mkdirSync } from 'node:fs';
import { open, rename, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundStoreError, OffsetMismatchError, type FileStore, type NewUpload, type StoredFile, type Upload } from '../types';

interface UploadRow {
  id: string;
  user_id: string;
  room_id: string;
  name: string;
  size: number;
  type: string;
  sha256: string;
  received: number;
  created_at: number;
  updated_at: number;
}

interface FileRow {
  id: string;
  room_id: string;
  uploader_id: string;
  name: string;
  size: number;
  type: string;
  sha256: string;
  created_at: number;
  message_id: string | null;
}

const toUpload = (r: UploadRow): Upload => ({
  id: r.id, userId: r.user_id, roomId: r.room_id, name: r.name, size: r.size, type: r.type, sha256: r.sha256,
  offset: r.received, createdAt: r.created_at, updatedAt: r.updated_at,
});
const toFile = (r: FileRow): StoredFile => ({
  id: r.id, roomId: r.room_id, uploaderId: r.uploader_id, name: r.name, size: r.size, type: r.type, sha256: r.sha256, createdAt: r.created_at, messageId: r.message_id,
});

const SAFE_ID = /^[A-Za-z0-9-]{1,64}$/;
const READ_BYTES = 256 * 1024;

/**
 * Bytes start..end (inclusive) of a file as a pull stream: one 256 KB read per pull, so a slow
 * reader holds one buffer, not the file (Bun.file().stream() reads ahead without bound).
 */
function fileStream(path: string, start: number, end: number): ReadableStream<Uint8Array> {
  let pos = start;
  let fh: Awaited<ReturnType<typeof open>> | null = null;
  const done = async () => {
    const h = fh;
    fh = null;
    await h?.close();
  };
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      try {
        fh ??= await open(path, 'r');
        const want = Math.min(READ_BYTES, end + 1 - pos);
        if (want <= 0) {
          await done();
          return c.close();
        }
        const buf = new Uint8Array(want);
        const { bytesRead } = await fh.read(buf, 0, want, pos);
        if (bytesRead === 0) throw new Error(`${path} is shorter than expected`);
        pos += bytesRead;
        c.enqueue(bytesRead === want ? buf : buf.subarray(0, bytesRead));
      } catch (e) {
        await done();
        c.error(e);
      }
    },
    cancel: done,
  }, { highWaterMark: 1 });
}

export class SqliteFiles implements FileStore {
  private root: string | null = null;
  /** Serialises writes per upload inside this process (two sockets resuming one upload). */
  private lock = new KeyedLock();

  /** `dir` is called (once) when the first file byte is written or read, so stores that never see a file create no directories. */
  constructor(private db: Database, private dir: () => string) {}

  private base() {
    if (this.root === null) {
      const root = this.dir();
      mkdirSync(join(root, 'uploads'), { recursive: true, mode: 0o700 });
      mkdirSync(join(root, 'files'), { recursive: true, mode: 0o700 });
      this.root = root;
    }
    return this.root;
  }

  private partPath(id: string) {
    if (!SAFE_ID.test(id)) throw new NotFoundStoreError(`upload ${id}`);
    return join(this.base(), 'uploads', `${id}.part`);
  }

  private filePath(id: string) {
    if (!SAFE_ID.test(id)) throw new NotFoundStoreError(`file ${id}`);
    return join(this.base(), 'files', id);
  }

  private locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return this.lock.run(id, fn);
  }

  private getUpload(id: string) {
    const r = this.db.query('SELECT * FROM uploads WHERE id = ?').get(id) as UploadRow | null;
    return r ? toUpload(r) : null;
  }

  async beginUpload(u: NewUpload) {
    const row = this.db.transaction(() => {
      const existing = this.db
        .query('SELECT * FROM uploads WHERE user_id = ? AND room_id = ? AND sha256 = ? AND size = ? AND name = ?')
        .get(u.userId, u.roomId, u.sha256, u.size, u.name) as UploadRow | null;
      if (existing) return existing;
      this.db
        .query('INSERT INTO uploads (id, user_id, room_id, name, size, type, sha256, received, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)')
        .run(u.id, u.userId, u.roomId, u.name, u.size, u.type, u.sha256, u.createdAt, u.createdAt);
      return this.db.query('SELECT * FROM uploads WHERE id = ?').get(u.id) as UploadRow;
    }).immediate();
    return toUpload(row);
  }

  async upload(id: string) {
    return this.getUpload(id);
  }

  appendChunk(id: string, offset: number, bytes: Uint8Array, now = Date.now()) {
    return this.locked(id, async () => {
      const up = this.getUpload(id);
      if (!up) throw new NotFoundStoreError(`upload ${id}`);
      if (offset !== up.offset || offset + bytes.byteLength > up.size) throw new OffsetMismatchError(up.offset);
      const fh = await open(this.partPath(id), constants.O_RDWR | constants.O_CREAT, 0o600);
      try {
        let done = 0;
        while (done < bytes.byteLength) done += (await fh.write(bytes, done, bytes.byteLength - done, offset + done)).bytesWritten;
        await fh.datasync();
      } finally {
        await fh.close();
      }
      const r = this.db.query('UPDATE uploads SET received = ?, updated_at = ? WHERE id = ? AND received = ?').run(offset + bytes.byteLength, now, id, offset);
      if (r.changes !== 1) throw new OffsetMismatchError(this.getUpload(id)?.offset ?? 0);
      return offset + bytes.byteLength;
    });
  }

  readUpload(id: string): ReadableStream<Uint8Array> {
    const up = this.getUpload(id);
    if (!up) throw new NotFoundStoreError(`upload ${id}`);
    if (up.offset === 0) return new Blob([]).stream();
    return fileStream(this.partPath(id), 0, up.offset - 1);
  }

  completeUpload(id: string, fileId: string, now = Date.now()) {
    return this.locked(id, async () => {
      const up = this.getUpload(id);
      if (!up) throw new NotFoundStoreError(`upload ${id}`);
      if (up.offset !== up.size) throw new OffsetMismatchError(up.offset);
      const part = this.partPath(id);
      if (up.size === 0) await Bun.write(part, '');
      else await truncate(part, up.size);
      await rename(part, this.filePath(fileId));
      const file: StoredFile = { id: fileId, roomId: up.roomId, uploaderId: up.userId, name: up.name, size: up.size, type: up.type, sha256: up.sha256, createdAt: now, messageId: null };
      this.db.transaction(() => {
        this.db
          .query('INSERT INTO files (id, room_id, uploader_id, name, size, type, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
          .run(file.id, file.roomId, file.uploaderId, file.name, file.size, file.type, file.sha256, file.createdAt);
        this.db.query('DELETE FROM uploads WHERE id = ?').run(id);
      }).immediate();
      return file;
    });
  }

  abortUpload(id: string) {
    return this.locked(id, async () => {
      this.db.query('DELETE FROM uploads WHERE id = ?').run(id);
      if (SAFE_ID.test(id)) await rm(this.partPath(id), { force: true });
    });
  }

  async staleUploads(before: number) {
    return (this.db.query('SELECT * FROM uploads WHERE updated_at < ? ORDER BY updated_at').all(before) as UploadRow[]).map(toUpload);
  }

  async byId(id: string) {
    const r = this.db.query('SELECT * FROM files WHERE id = ?').get(id) as FileRow | null;
    return r ? toFile(r) : null;
  }

  async setMessage(id: string, messageId: string) {
    this.db.query('UPDATE files SET message_id = ? WHERE id = ?').run(messageId, id);
  }

  async setThumb(id: string, jpeg: Uint8Array) {
    this.db.query('INSERT INTO file_thumbs (file_id, bytes) VALUES (?, ?) ON CONFLICT(file_id) DO UPDATE SET bytes = excluded.bytes').run(id, jpeg);
  }

  async thumb(id: string) {
    const r = this.db.query('SELECT bytes FROM file_thumbs WHERE file_id = ?').get(id) as { bytes: Uint8Array } | null;
    return r ? new Uint8Array(r.bytes) : null;
  }

  async remove(id: string) {
    this.db.transaction(() => {
      this.db.query('DELETE FROM files WHERE id = ?').run(id);
      this.db.query('DELETE FROM file_thumbs WHERE file_id = ?').run(id);
    })();
    if (SAFE_ID.test(id)) await rm(this.filePath(id), { force: true });
  }

  async read(id: string, start: number, end: number) {
    if (end < start) return new Blob([]);
    return Bun.file(this.filePath(id)).slice(start, end + 1);
  }

  async usage(by: { userId: string } | { roomId: string }) {
    const [col, val] = 'userId' in by ? ['uploader_id', by.userId] : ['room_id', by.roomId];
    const upCol = 'userId' in by ? 'user_id' : 'room_id';
    const f = this.db.query(`SELECT coalesce(sum(size), 0) AS n FROM files WHERE ${col} = ?`).get(val) as { n: number };
    const u = this.db.query(`SELECT coalesce(sum(size), 0) AS n FROM uploads WHERE ${upCol} = ?`).get(val) as { n: number };
    return f.n + u.n;
  }
}
