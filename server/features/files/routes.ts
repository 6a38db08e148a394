/**
 * Files over WebSocket and HTTP (README "Files").
 * - /upload: the upload socket. Upgrade needs a same-site Origin and a session (403 / 401).
 *   Text frames are JSON (`begin`, `cancel`); binary frames are chunks: 8-byte big-endian offset,
 *   4-byte big-endian CRC32 of the payload, then up to 256 KB of file bytes. Frames are handled one
 *   at a time, in order; each stored chunk is acknowledged with the new offset.
 * - GET /files/:id/:name: download for room members only (404 otherwise), with single HTTP ranges.
 * - GET /thumbs/:id: an image's preview JPEG, on the same terms.
 */
import { frameSize } from '../../http/frame-budget';
import { Elysia, t } from 'elysia';
import type { AppContext } from '../../deps';
import type { HubSocket } from '../../realtime/hub';
import { AppError, wsCloseCode } from '../../errors';
import { asyncOpen } from '../../http/async-open';
import { openedBy, upgradeGuard, type OpenedSocket, type RawSocket } from '../../http/ws-guard';
import { OffsetMismatchError, type Upload, type User } from '../../store/types';
import { viewerPlugin } from '../accounts/guard';
import { sessionUser, sessionWatch } from '../accounts/sessions';
import type { ChatContext } from '../chat/context';
import { beginUpload, CHUNK_HEADER_BYTES, ChunkCorruptError, finishUpload, MAX_CHUNK_BYTES, ownUpload, parseThumb, storeChunk } from './actions';
import { contentDisposition, fileUrl, isInline, parseRange, servedType } from './names';
import { parseUploadFrame } from './upload-frames';


/** Frames the upload socket sends (JSON text). */
export type UploadServerMsg =
  | { type: 'ready'; uploadId: string; offset: number; chunkSize: number }
  | { type: 'ack'; offset: number }
  /** The next chunk must start at `offset` (a chunk was damaged or out of order); later chunks are dropped until then. */
  | { type: 'resync'; offset: number }
  | { type: 'done'; fileId: string; messageId: string; url: string }
  | { type: 'cancelled' }
  /** `retryAfterSec` with 429 (many new files at once): the page begins again then by itself. */
  | { type: 'error'; message: string; status: number; retryAfterSec?: number };

interface Conn {
  id: string;
  userId: string;
  /** The session the socket was opened with: asked again before each action (revoked = closed). */
  session: string;
  /** The session, asked again at most every few seconds (chunks). */
  stillSignedIn: () => Promise<unknown>;
  raw: RawSocket;
  hubSocket: HubSocket;
  open: boolean;
  upload: Upload | null;
  /** The preview image the last `begin` carried (kept to the finish: the message shows it). */
  thumb: Uint8Array | null;
  /** After a resync, chunks not at the stored offset are dropped silently (they were in flight). */
  resyncing: boolean;
  queue: Promise<void>;
  /** Bytes received and not yet handled: a client that ignores acks is cut off. */
  pending: number;
}

/** A client may have this many bytes in flight (unacknowledged) before the socket is closed. */
const MAX_PENDING_BYTES = 32 * 1024 * 1024;

/**
 * Headers for bytes of a stored file (the file or its preview): never sniffed, sandboxed, private, and
 * revalidated on every use (a 304 is cheap): a deleted file or a removed member stops working at once.
 */
function storedBytesHeaders(type: string, etag: string, csp: string): Headers {
  return new Headers({ 'content-type': type, 'x-content-type-options': 'nosniff', 'content-security-policy': csp, 'cache-control': 'private, no-cache', etag });
}

export function fileRoutes(app: AppContext, chat: ChatContext) {
  const conns = new WeakMap<object, Conn>();
  const log = app.logger;
  const limits = app.config.files;
  const send = (c: Conn, m: UploadServerMsg) => {
    if (c.open) c.raw.send(JSON.stringify(m));
  };
  const activeUser = async (c: Conn) => {
    const v = await sessionUser(app.auth, c.session);
    if (!v) {
      c.raw.close(4401, 'Please sign in.');
      return null;
    }
    return v.user;
  };

  /** The stored file if `user` may see it; 404 otherwise (not a member, message deleted or never posted, held for someone else). */
  async function visibleFile(user: User, id: string) {
    const file = await app.store.files.byId(id);
    if (!file) throw new AppError('not_found', 'There is nothing at this address.');
    // 404 for non-members, in the same words as for no file: which ids exist is nobody's business.
    if (!(await app.store.rooms.membership(file.roomId, user.id))) throw new AppError('not_found', 'There is nothing at this address.');
    const message = file.messageId ? await app.store.messages.byId(file.roomId, file.messageId) : null;
    if (!message || message.deletedAt) throw new AppError('not_found', 'There is nothing at this address.');
    // A held file (its name was flagged, or an officer upheld its case) is its sender's only.
    if (message.held && message.senderId !== user.id) throw new AppError('not_found', 'There is nothing at this address.');
    return file;
  }

  async function onText(c: Conn, msg: unknown) {
    const user = await activeUser(c);
    if (!user) return;
    const m = parseUploadFrame(msg);
    if (!m) {
      const begin = typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === 'begin';
      return send(c, { type: 'error', message: begin ? 'The upload request was incomplete or malformed.' : 'The upload sent something the server could not understand.', status: 400 });
    }
    if (m.type === 'begin') {
      const thumb = parseThumb(m.thumb);
      const up = await beginUpload(chat, limits, user, { room: m.room, name: m.name, size: m.size, sha256: m.sha256, mime: m.mime });
      c.upload = up;
      c.thumb = thumb;
      c.resyncing = false;
      send(c, { type: 'ready', uploadId: up.id, offset: up.offset, chunkSize: MAX_CHUNK_BYTES });
      log.info('upload begin', { connId: c.id, userId: c.userId, uploadId: up.id, size: up.size, offset: up.offset });
      if (up.offset === up.size) await finish(c);
      return;
    }
    const id = m.uploadId ?? c.upload?.id;
    if (id) {
      await ownUpload(app.store, user, id);
      await app.store.files.abortUpload(id);
    }
    if (c.upload?.id === id) c.upload = null;
    send(c, { type: 'cancelled' });
  }

  async function finish(c: Conn) {
    const user = await activeUser(c);
    if (!user || !c.upload) return;
    const id = c.upload.id;
    c.upload = null;
    const { file, messageId } = await finishUpload(chat, user, id, c.thumb);
    c.thumb = null;
    send(c, { type: 'done', fileId: file.id, messageId, url: fileUrl(file.id, file.name) });
    log.info('upload done', { connId: c.id, userId: c.userId, fileId: file.id, size: file.size });
  }

  async function onChunk(c: Conn, data: Uint8Array) {
    // Chunks are many: the session is asked again at most every few seconds (sessionWatch).
    if (!(await c.stillSignedIn())) return c.raw.close(4401, 'Please sign in.');
    const up = c.upload;
    if (!up) return send(c, { type: 'error', message: 'Start the upload first.', status: 400 });
    if (data.byteLength <= CHUNK_HEADER_BYTES) return send(c, { type: 'error', message: 'The chunk was empty.', status: 400 });
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const offset = Number(view.getBigUint64(0));
    const crc = view.getUint32(8);
    const payload = data.subarray(CHUNK_HEADER_BYTES);
    if (c.resyncing && offset !== up.offset) return; // in flight before the resync: dropped
    try {
      up.offset = await storeChunk(app.store, up, offset, payload, crc);
      c.resyncing = false;
      send(c, { type: 'ack', offset: up.offset });
      if (up.offset === up.size) await finish(c);
    } catch (e) {
      if (e instanceof OffsetMismatchError || e instanceof ChunkCorruptError) {
        if (e instanceof OffsetMismatchError) up.offset = e.offset;
        c.resyncing = true;
        return send(c, { type: 'resync', offset: up.offset });
      }
      throw e;
    }
  }

  async function handle(c: Conn, data: unknown) {
    try {
      if (data instanceof Uint8Array) await onChunk(c, data);
      else if (data instanceof ArrayBuffer) await onChunk(c, new Uint8Array(data));
      else await onText(c, data);
    } catch (e) {
      if (e instanceof AppError) {
        if (e.kind === 'unauthenticated') return c.raw.close(wsCloseCode(e), e.message);
        c.upload = null;
        const status = { bad_request: 400, not_found: 404, too_large: 413, rate_limited: 429 }[e.kind as string] ?? 400;
        const retryAfterSec = e.kind === 'rate_limited' ? (e.details.retryAfterSec as number | undefined) : undefined;
        return send(c, { type: 'error', message: e.message, status, ...(retryAfterSec ? { retryAfterSec } : {}) });
      }
      log.error('upload handler failed', { connId: c.id, userId: c.userId, err: e });
      c.upload = null;
      send(c, { type: 'error', message: 'Something went wrong on our side. Please try again.', status: 500 });
    }
  }

  return new Elysia({ name: 'files' })
    .use(viewerPlugin(app))
    .get(
      '/files/:id/:name',
      async ({ request, params, requireUser }) => {
        const { user } = await requireUser();
        const file = await visibleFile(user, params.id);
        const inline = isInline(file.type);
        const headers = storedBytesHeaders(servedType(file.type), `"${file.sha256}"`, "default-src 'none'; style-src 'unsafe-inline'; sandbox");
        headers.set('content-disposition', contentDisposition(file.name, inline));
        headers.set('accept-ranges', 'bytes');
        const ifRange = request.headers.get('if-range');
        const range = ifRange && ifRange !== `"${file.sha256}"` ? null : parseRange(request.headers.get('range'), file.size);
        if (range === 'unsatisfiable') {
          headers.set('content-range', `bytes */${file.size}`);
          return new Response(null, { status: 416, headers });
        }
        if (request.headers.get('if-none-match') === `"${file.sha256}"` && !range) return new Response(null, { status: 304, headers });
        const { start, end } = range ?? { start: 0, end: file.size - 1 };
        headers.set('content-length', String(end - start + 1));
        if (range) headers.set('content-range', `bytes ${start}-${end}/${file.size}`);
        const body = file.size === 0 || request.method === 'HEAD' ? null : await app.store.files.read(file.id, start, end);
        return new Response(body, { status: range ? 206 : 200, headers });
      },
      { params: t.Object({ id: t.String({ maxLength: 64 }), name: t.String({ maxLength: 2000 }) }) },
    )
    // An image's preview (made by the uploader's browser at upload time), on the same terms as the file.
    .get(
      '/thumbs/:id',
      async ({ request, params, requireUser }) => {
        const { user } = await requireUser();
        const file = await visibleFile(user, params.id);
        const jpeg = await app.store.files.thumb(file.id);
        if (!jpeg) throw new AppError('not_found', 'There is nothing at this address.');
        const headers = storedBytesHeaders('image/jpeg', `"t-${file.sha256}"`, "default-src 'none'; sandbox");
        if (request.headers.get('if-none-match') === headers.get('etag')) return new Response(null, { status: 304, headers });
        return new Response(jpeg as Uint8Array<ArrayBuffer>, { headers });
      },
      { params: t.Object({ id: t.String({ maxLength: 64 }) }) },
    )
    .ws('/upload', {
      // A chunk frame: header + 256 KB, with room to spare.
      maxPayloadLength: MAX_CHUNK_BYTES + 4096,
      idleTimeout: 120,
      beforeHandle: upgradeGuard(app.config),
      ...asyncOpen<OpenedSocket>({
        async open(ws) {
          const who = await openedBy(ws);
          if (!who) return;
          const { raw } = who;
          // Registered with the hub only so that signing out (everywhere) closes it; it carries no pushes.
          const hubSocket: HubSocket = { id: `upload-${who.connId}`, userId: who.user.id, session: who.session, subscribe() {}, unsubscribe() {}, send() {}, close: (code, reason) => raw.close(code, reason) };
          conns.set(ws.raw, { id: who.connId, userId: who.user.id, session: who.session, stillSignedIn: sessionWatch(app.auth, who.session), raw, hubSocket, open: true, upload: null, thumb: null, resyncing: false, queue: Promise.resolve(), pending: 0 });
          chat.hub.register(hubSocket);
        },
        message(ws, data) {
          const c = conns.get(ws.raw);
          if (!c) return;
          // Text frames count too: they also wait (for a session check each), and may be 260 KB.
          const size = frameSize(data);
          c.pending += size;
          if (c.pending > MAX_PENDING_BYTES) return c.raw.close(4429, 'Too much data in flight.');
          c.queue = c.queue
            .then(() => handle(c, data))
            .catch((e) => log.error('upload queue failed', { connId: c.id, err: e }))
            .finally(() => void (c.pending -= size));
        },
        close(ws, code) {
          const c = conns.get(ws.raw);
          if (!c) return;
          c.open = false;
          conns.delete(ws.raw);
          chat.hub.unregister(c.hubSocket);
          // The upload stays: the client resumes it with the same `begin` on a new socket.
          log.info('upload socket close', { connId: c.id, userId: c.userId, code, uploadId: c.upload?.id });
        },
      }),
    });
}
