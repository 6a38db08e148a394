/**
 * File actions, shared by the /upload socket and tests: begin (checks and limits before any byte
 * is sent), store a chunk, finish (whole-file hash, permanent storage, the room message), and the
 * clean-up of uploads that were never finished.
 */
import { assertMayPost } from '../moderation/restrictions';
import type { FileLimits } from '../../config';
import { AppError, badRequest, notFound, rateLimited } from '../../errors';
import { OffsetMismatchError, type Store, type StoredFile, type Upload, type User } from '../../store/types';
import type { ChatContext } from '../chat/context';
import { memberRoom, postScreened } from '../chat/messages';
import { assertMayAddTo } from '../chat/posting';
import { fileNameText } from '../moderation/screen';
import { fileUrl, formatBytes, isImage, MAX_THUMB_BYTES, sanitizeName, sanitizeType, tooLargeText } from './names';

/** Largest chunk payload in one binary frame. */
export const MAX_CHUNK_BYTES = 256 * 1024;
/** Binary frame header: 8-byte big-endian offset, 4-byte big-endian CRC32 of the payload. */
export const CHUNK_HEADER_BYTES = 12;

const SHA256_RE = /^[0-9a-f]{64}$/;

export interface BeginInput {
  room: string;
  name: string;
  size: number;
  mime?: string;
  sha256: string;
}

/**
 * The preview an image upload may carry in `begin` (base64 JPEG made by the uploader's browser:
 * the server decodes no images). Absent → null; anything else that is not a small JPEG → 400.
 */
export function parseThumb(b64: unknown): Uint8Array | null {
  if (b64 === undefined || b64 === null) return null;
  const bad = () => badRequest(`The preview image must be a JPEG of at most ${MAX_THUMB_BYTES / 1024} KB.`);
  if (typeof b64 !== 'string' || b64.length > Math.ceil(MAX_THUMB_BYTES / 3) * 4 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw bad();
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.byteLength < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) throw bad();
  return new Uint8Array(bytes);
}

const tooLarge = (msg: string) => new AppError('too_large', msg);

/**
 * Finds or creates the upload; every check happens here, before any byte is sent. Idempotent by
 * (user, room, sha256, size, name): after a reload the same file resumes at its stored offset.
 */
export async function beginUpload(ctx: ChatContext, limits: FileLimits, user: User, input: BeginInput, now = Date.now()): Promise<Upload> {
  if (!Number.isSafeInteger(input.size) || input.size < 0) throw badRequest('The file size is invalid.');
  if (typeof input.sha256 !== 'string' || !SHA256_RE.test(input.sha256)) throw badRequest('The file checksum is invalid.');
  const { room, membership } = await memberRoom(ctx, user, input.room);
  if (room.archived) throw badRequest('This room is archived: you can read it but not post.');
  await assertMayAddTo(ctx.store, user, membership, room);
  await assertMayPost(ctx.store, user, room);
  const name = sanitizeName(input.name ?? '');
  if (input.size > limits.maxFileBytes) {
    throw tooLarge(tooLargeText(name, input.size, limits.maxFileBytes));
  }
  const id = crypto.randomUUID();
  const up = await ctx.store.files.beginUpload({ id, userId: user.id, roomId: room.id, name, size: input.size, type: sanitizeType(input.mime), sha256: input.sha256, createdAt: now });
  if (up.id !== id) return up; // an upload admitted earlier: resume it
  // Each new file is a message in the room: without a budget, empty files (finished at once) were
  // posted as fast as a socket could send (a security review: 40 in a quarter of a second).
  const wait = await takeFileSlot(ctx, user, room.id);
  if (wait > 0) {
    await ctx.store.files.abortUpload(up.id);
    throw rateLimited(`You are sending many files to this room at once: this one starts in ${wait} s.`, wait);
  }
  // Reserve first, then check: two concurrent begins cannot both slip under the quota.
  const [mine, roomUse] = await Promise.all([ctx.store.files.usage({ userId: user.id }), ctx.store.files.usage({ roomId: room.id })]);
  if (mine > limits.userQuotaBytes) {
    await ctx.store.files.abortUpload(up.id);
    throw tooLarge(`Not enough space: you have ${formatBytes(Math.max(0, limits.userQuotaBytes - (mine - up.size)))} left of your ${formatBytes(limits.userQuotaBytes)} for files.`);
  }
  if (roomUse > limits.roomQuotaBytes) {
    await ctx.store.files.abortUpload(up.id);
    throw tooLarge(`Not enough space: this room has ${formatBytes(Math.max(0, limits.roomQuotaBytes - (roomUse - up.size)))} left of its ${formatBytes(limits.roomQuotaBytes)} for files.`);
  }
  return up;
}

/** One new file (an upload begun, a direct offer) against the per-user, per-room budget; seconds to wait, or 0. */
export async function takeFileSlot(ctx: ChatContext, user: User, roomId: string): Promise<number> {
  return ctx.fileLimiter.take(`${user.id}:${roomId}`);
}

/** The upload of this user, or 404. */
export async function ownUpload(store: Store, user: User, uploadId: string): Promise<Upload> {
  const up = await store.files.upload(uploadId);
  if (!up || up.userId !== user.id) throw notFound('No such upload.');
  return up;
}

/** Stores one chunk; returns the new offset. A chunk at the wrong offset throws OffsetMismatchError. */
export async function storeChunk(store: Store, upload: Upload, offset: number, payload: Uint8Array, crc: number): Promise<number> {
  if (payload.byteLength === 0 || payload.byteLength > MAX_CHUNK_BYTES) throw badRequest(`A chunk must be 1 byte to ${MAX_CHUNK_BYTES / 1024} KB.`);
  if ((Bun.hash.crc32(payload) >>> 0) !== crc >>> 0) throw new ChunkCorruptError();
  return store.files.appendChunk(upload.id, offset, payload);
}

export class ChunkCorruptError extends Error {
  override name = 'ChunkCorruptError';
}

/** SHA-256 (hex) of the stored bytes of an upload, streamed. */
export async function hashStored(store: Store, uploadId: string): Promise<string> {
  const hasher = new Bun.CryptoHasher('sha256');
  for await (const chunk of store.files.readUpload(uploadId)) hasher.update(chunk);
  return hasher.digest('hex');
}

/**
 * Completes an upload whose bytes are all stored: checks the whole-file hash (a mismatch deletes
 * the upload), moves it to permanent storage, keeps an image's preview, and posts the file message.
 */
export async function finishUpload(ctx: ChatContext, user: User, uploadId: string, thumb: Uint8Array | null = null): Promise<{ file: StoredFile; messageId: string }> {
  const up = await ownUpload(ctx.store, user, uploadId);
  if (up.offset !== up.size) throw badRequest('The upload is not complete yet.');
  const { room, membership } = await memberRoom(ctx, user, up.roomId);
  if (room.archived) throw badRequest('This room is archived: you can read it but not post.');
  // Begun before the room became announcements-only: not posted (the upload stays, to resume if it changes back).
  await assertMayAddTo(ctx.store, user, membership, room);
  await assertMayPost(ctx.store, user, room);
  const sha = await hashStored(ctx.store, up.id);
  if (sha !== up.sha256) {
    await ctx.store.files.abortUpload(up.id);
    throw badRequest(`“${up.name}” arrived damaged (checksum mismatch). Please send it again.`);
  }
  const file = await ctx.store.files.completeUpload(up.id, crypto.randomUUID());
  const withThumb = thumb !== null && isImage(file.type);
  if (withThumb) await ctx.store.files.setThumb(file.id, thumb);
  // The name is what the room reads: it is screened like a message (a held file reaches only its sender).
  const { message } = await postScreened(
    ctx,
    user,
    room,
    { roomId: room.id, senderId: user.id, clientId: `file-${file.id}`, kind: 'file', body: file.name, mentions: [], meta: { fileId: file.id, name: file.name, size: file.size, type: file.type, ...(withThumb ? { thumb: true } : {}) } },
    fileNameText,
  );
  await ctx.store.files.setMessage(file.id, message.id);
  return { file, messageId: message.id };
}

export { fileUrl, OffsetMismatchError };

/** Deletes unfinished uploads untouched for `expireMs`. Called periodically by main.ts. */
export async function cleanStaleUploads(store: Store, expireMs: number, now = Date.now()): Promise<number> {
  const stale = await store.files.staleUploads(now - expireMs);
  for (const u of stale) await store.files.abortUpload(u.id);
  return stale.length;
}
