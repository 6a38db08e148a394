/** Store types for stored files and uploads (re-exported by types.ts). */
// ---------------------------------------------------------------------------------------------
// Files: resumable uploads and stored files. Metadata lives in the store; bytes live on disk
// under DATA_DIR (SQLite) or in GridFS (MongoDB), so every node of a MongoDB deployment sees the
// same files. Bytes always stream in and out: no method holds a whole file in memory.
// ---------------------------------------------------------------------------------------------

export interface Upload {
  id: string;
  userId: string;
  roomId: string;
  /** Sanitised file name. */
  name: string;
  /** Declared size in bytes. */
  size: number;
  /** Declared (sanitised) media type. */
  type: string;
  /** Declared SHA-256 (hex) of the whole file; checked on completion. */
  sha256: string;
  /** Bytes stored so far: the next chunk must start here. */
  offset: number;
  createdAt: number;
  updatedAt: number;
}

export type NewUpload = Omit<Upload, 'offset' | 'updatedAt'>;

export interface StoredFile {
  id: string;
  roomId: string;
  uploaderId: string;
  name: string;
  size: number;
  type: string;
  sha256: string;
  createdAt: number;
  /** The room message that shows the file; null until it is posted. */
  messageId: string | null;
}

export interface FileStore {
  /** Creates an upload at offset 0, or returns the unfinished one with the same (user, room, sha256, size, name). */
  beginUpload(u: NewUpload): Promise<Upload>;
  upload(id: string): Promise<Upload | null>;
  /**
   * Stores `bytes` at `offset`, which must equal the upload's current offset (else throws
   * `OffsetMismatchError` carrying the stored offset and writes nothing visible). Returns the new
   * offset; durable when the promise resolves.
   */
  appendChunk(id: string, offset: number, bytes: Uint8Array, now?: number): Promise<number>;
  /** The stored bytes of an unfinished upload, streamed from the start. */
  readUpload(id: string): ReadableStream<Uint8Array>;
  /** Moves a finished upload (offset = size) to permanent storage as file `fileId`; the upload is gone afterwards. */
  completeUpload(id: string, fileId: string, now?: number): Promise<StoredFile>;
  /** Removes an unfinished upload and its bytes (no error when missing). */
  abortUpload(id: string): Promise<void>;
  /** Unfinished uploads last written before `before`. */
  staleUploads(before: number): Promise<Upload[]>;
  byId(id: string): Promise<StoredFile | null>;
  /** Links the file to the message that shows it. */
  setMessage(id: string, messageId: string): Promise<void>;
  /** Stores (or replaces) the small preview image of a stored file (a JPEG made by the uploader's browser). */
  setThumb(id: string, jpeg: Uint8Array): Promise<void>;
  /** The preview image, or null. */
  thumb(id: string): Promise<Uint8Array | null>;
  /** Deletes a stored file, its bytes and its preview (no error when missing). */
  remove(id: string): Promise<void>;
  /**
   * Bytes start..end (inclusive) of a stored file, for a Response body: a lazy Blob where the
   * bytes are a local file (Bun then sends it with sendfile, with a Content-Length), else a stream.
   */
  read(id: string, start: number, end: number): Promise<Blob | ReadableStream<Uint8Array>>;
  /** Bytes stored and reserved by unfinished uploads, of one uploader (all rooms) or in one room. */
  usage(by: { userId: string } | { roomId: string }): Promise<number>;
}

export class OffsetMismatchError extends Error {
  override name = 'OffsetMismatchError';
  constructor(readonly offset: number) {
    super(`upload is at offset ${offset}`);
  }
}
