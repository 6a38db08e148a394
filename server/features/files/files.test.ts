/**
 * Files end to end on a real listening server: the /upload socket (resume after a cut connection,
 * integrity, limits), downloads (membership, ranges, headers), names, and the stale clean-up.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createSqliteStore } from '../../store/sqlite/sqlite';
import type { Room, Store, User } from '../../store/types';
import { Client, listeningApp, makeUser, type ListeningApp } from '../../testing';
import { cleanStaleUploads } from './actions';
import { deleteFileOf } from './remove';
import { deleteMessage } from '../chat/messages';
import { contentDisposition, parseRange, sanitizeName, sanitizeType } from './names';
import { Sha256, crc32 } from '../../../views/client/upload-hash';
import { chunkFrame, sendChunks, sha256Hex, UploadSocket } from './testing';

type Server = ListeningApp;
const servers: Server[] = [];
const sockets: UploadSocket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  for (const s of servers.splice(0)) {
    await s.app.stop(true);
    await s.store.close();
  }
});

/** The store the upload and download suites run on (SQLite, then MongoDB when MONGODB_URI is set). */
let openStore: () => Promise<Store> = async () => createSqliteStore(null);
const mongoDbs: string[] = [];

async function start(env: Record<string, string> = {}): Promise<Server> {
  const s = await listeningApp({ store: await openStore(), env });
  servers.push(s);
  return s;
}

let ipN = 0;
async function signedIn(s: Server, email: string) {
  const issued = await makeUser(s.store, email);
  const client = new Client(s.app, `10.3.0.${++ipN}`);
  expect((await client.signIn(email, issued.loginCode)).status).toBe(303);
  const user = (await s.store.users.update(issued.user.id, { mustSetPassword: false }))!;
  const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  return { user, cookie, client };
}

async function courseRoom(store: Store, members: User[]): Promise<Room> {
  return store.rooms.create(
    { id: Bun.randomUUIDv7(), kind: 'course', code: `F${Math.random().toString(36).slice(2, 7)}`, name: 'Files room', topic: '', createdBy: null, dmKey: null },
    members.map((u) => ({ userId: u.id, role: 'member' as const })),
  );
}

async function uploadSocket(s: Server, cookie: string) {
  const sock = await UploadSocket.open(`ws://127.0.0.1:${s.port}/upload`, { cookie, origin: s.origin });
  sockets.push(sock);
  return sock;
}

function randomBytes(n: number) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  return b;
}

const begin = (room: string, data: Uint8Array, name = 'notes.bin', mime = 'application/octet-stream') => ({ type: 'begin', room, name, size: data.byteLength, mime, sha256: sha256Hex(data) });

async function uploadWhole(s: Server, cookie: string, room: string, data: Uint8Array, name?: string, mime?: string) {
  const sock = await uploadSocket(s, cookie);
  sock.send(begin(room, data, name, mime));
  const ready = await sock.until('ready');
  const done = await sendChunks(sock, data, ready.offset as number);
  expect(done.type).toBe('done');
  return done as { type: 'done'; fileId: string; messageId: string; url: string };
}

const get = (s: Server, path: string, cookie: string, headers: Record<string, string> = {}) => fetch(s.origin + path, { headers: { cookie, ...headers } });

function suites(kind: 'sqlite' | 'mongodb', open: () => Promise<Store>) {
  describe(kind, () => {
  beforeAll(() => {
    openStore = open;
  });
  describe(`upload (${kind})`, () => {
    test('20 MB: the connection is cut halfway, the upload resumes at the stored offset, the download is byte-identical', async () => {
      const s = await start();
      const ada = await signedIn(s, 'ada@unilag.edu.ng');
      const room = await courseRoom(s.store, [ada.user]);
      const data = randomBytes(20 * 1024 * 1024);

      const first = await uploadSocket(s, ada.cookie);
      first.send(begin(room.id, data, 'lecture.mp4', 'video/mp4'));
      const ready1 = await first.until('ready');
      expect(ready1.offset).toBe(0);
      await sendChunks(first, data, 0, { stopAfter: 10 * 1024 * 1024 });
      first.ws.close(); // the connection drops with chunks still in flight
      // Chunks that reached the server before the cut are still stored: wait until the offset settles
      // (unchanged for a second: one slow write on a loaded machine with FerretDB outlasted 200 ms).
      let stored = -1;
      for (let same = 0; same < 4; ) {
        await Bun.sleep(250);
        const now = (await s.store.files.upload(ready1.uploadId as string))!.offset;
        same = now === stored ? same + 1 : 0;
        stored = now;
      }
      expect(stored).toBeGreaterThanOrEqual(10 * 1024 * 1024);
      expect(stored).toBeLessThan(data.byteLength);

      const second = await uploadSocket(s, ada.cookie);
      second.send(begin(room.id, data, 'lecture.mp4', 'video/mp4'));
      const ready2 = await second.until('ready');
      expect(ready2.uploadId).toBe(ready1.uploadId); // the same upload, not a new one
      expect(ready2.offset).toBe(stored); // from the last stored byte, not from zero
      const done = await sendChunks(second, data, stored);
      expect(done.type).toBe('done');

      const res = await get(s, done.url as string, ada.cookie);
      expect(res.status).toBe(200);
      // MongoDB (GridFS) streams are sent chunked: Bun.serve drops a handler-set Content-Length on a
      // multi-chunk ReadableStream body (oven-sh/bun#10507, open in Bun 1.4.5).
      if (kind === 'sqlite') expect(res.headers.get('content-length')).toBe(String(data.byteLength));
      expect(sha256Hex(new Uint8Array(await res.arrayBuffer()))).toBe(sha256Hex(data));
      // The file is a message in the room, and the upload is gone.
      const [msg] = await s.store.messages.history(room.id, { limit: 5 });
      expect(msg).toMatchObject({ kind: 'file', body: 'lecture.mp4', senderId: ada.user.id });
      expect(msg!.meta).toMatchObject({ fileId: done.fileId, size: data.byteLength, type: 'video/mp4' });
      expect(await s.store.files.upload(ready1.uploadId as string)).toBeNull();
      const page = await (await get(s, `/rooms/${room.id}`, ada.cookie)).text();
      expect(page).toContain(`href="${done.url}"`);
      expect(page).toContain('20 MB');
    }, 60_000);

    test('malformed text frames are refused before any action: unknown fields, a size as a string, an oversize name; the socket goes on', async () => {
      const s = await start();
      const ada = await signedIn(s, 'ada@unilag.edu.ng');
      const room = await courseRoom(s.store, [ada.user]);
      const sock = await uploadSocket(s, ada.cookie);
      const data = randomBytes(10);
      for (const bad of [{ ...begin(room.id, data), extra: 'x' }, { ...begin(room.id, data), size: '10' }, begin(room.id, data, 'n'.repeat(1025))]) {
        sock.send(bad);
        expect(await sock.next()).toEqual({ type: 'error', status: 400, message: 'The upload request was incomplete or malformed.' });
      }
      sock.send({ type: 'cancel', uploadId: 7 });
      expect(await sock.next()).toEqual({ type: 'error', status: 400, message: 'The upload sent something the server could not understand.' });
      expect(await s.store.files.staleUploads(Number.MAX_SAFE_INTEGER)).toEqual([]);
      sock.send(begin(room.id, data));
      expect(await sock.next()).toMatchObject({ type: 'ready', offset: 0 });
    });

    test('a file over the limit is refused at begin, before any byte is sent; quotas likewise', async () => {
      const s = await start({ FILE_MAX_BYTES: '1000', FILE_USER_QUOTA_BYTES: '1500' });
      const ada = await signedIn(s, 'ada@unilag.edu.ng');
      const room = await courseRoom(s.store, [ada.user]);
      const sock = await uploadSocket(s, ada.cookie);
      sock.send({ type: 'begin', room: room.id, name: 'big.iso', size: 2000, sha256: 'a'.repeat(64) });
      const err = await sock.next();
      expect(err).toMatchObject({ type: 'error', status: 413 });
      expect(String(err.message)).toContain('at most 1000 B');
      expect(await s.store.files.staleUploads(Number.MAX_SAFE_INTEGER)).toEqual([]);
      // Quota: 900 stored + 900 more > 1500.
      await uploadWhole(s, ada.cookie, room.id, randomBytes(900), 'a.bin');
      sock.send({ type: 'begin', room: room.id, name: 'b.bin', size: 900, sha256: 'b'.repeat(64) });
      const q = await sock.next();
      expect(q).toMatchObject({ type: 'error', status: 413 });
      expect(String(q.message)).toContain('Not enough space');
      expect(await s.store.files.staleUploads(Number.MAX_SAFE_INTEGER)).toEqual([]);
    });

    test('a zero-byte file is stored and downloads empty', async () => {
      const s = await start();
      const ada = await signedIn(s, 'ada@unilag.edu.ng');
      const room = await courseRoom(s.store, [ada.user]);
      const done = await uploadWhole(s, ada.cookie, room.id, new Uint8Array(0), 'empty.txt', 'text/plain');
      const res = await get(s, done.url, ada.cookie);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe('0');
      expect((await res.arrayBuffer()).byteLength).toBe(0);
    });

    test('a damaged chunk is refused and resent; a wrong whole-file hash deletes the upload', async () => {
      const s = await start();
      const ada = await signedIn(s, 'ada@unilag.edu.ng');
      const room = await courseRoom(s.store, [ada.user]);
      const data = randomBytes(1000);
      const sock = await uploadSocket(s, ada.cookie);
      sock.send(begin(room.id, data));
      const ready = await sock.until('ready');
      sock.send(chunkFrame(0, data, 12345)); // wrong CRC
      expect(await sock.next()).toEqual({ type: 'resync', offset: 0 });
      sock.send(chunkFrame(500, data.subarray(500))); // in flight before the resync: dropped silently
      sock.send(chunkFrame(0, data));
      expect(await sock.next()).toEqual({ type: 'ack', offset: 1000 });
      expect((await sock.next()).type).toBe('done');

      const other = randomBytes(100);
      sock.send({ ...begin(room.id, other, 'x.bin'), sha256: sha256Hex(data) }); // declared hash is not this file's
      const r2 = await sock.until('ready');
      expect(r2.uploadId).not.toBe(ready.uploadId);
      sock.send(chunkFrame(0, other));
      await sock.until('ack');
      const err = await sock.next();
      expect(err).toMatchObject({ type: 'error', status: 400 });
      expect(String(err.message)).toContain('checksum');
      expect(await s.store.files.upload(r2.uploadId as string)).toBeNull();
    });

    test('non-members cannot upload to a room; cross-site upgrades are refused', async () => {
      const s = await start();
      const ada = await signedIn(s, 'ada@unilag.edu.ng');
      const eve = await signedIn(s, 'eve@unilag.edu.ng');
      const room = await courseRoom(s.store, [ada.user]);
      const sock = await uploadSocket(s, eve.cookie);
      sock.send(begin(room.id, new Uint8Array(10)));
      expect(await sock.next()).toMatchObject({ type: 'error', status: 404 });
      await expect(UploadSocket.open(`ws://127.0.0.1:${s.port}/upload`, { cookie: ada.cookie, origin: 'https://evil.example' })).rejects.toThrow();
      await expect(UploadSocket.open(`ws://127.0.0.1:${s.port}/upload`, { origin: s.origin })).rejects.toThrow();
    });

    test('stale unfinished uploads are cleaned up with their bytes', async () => {
      const s = await start();
      const ada = await signedIn(s, 'ada@unilag.edu.ng');
      const room = await courseRoom(s.store, [ada.user]);
      const data = randomBytes(300_000);
      const sock = await uploadSocket(s, ada.cookie);
      sock.send(begin(room.id, data));
      const ready = await sock.until('ready');
      await sendChunks(sock, data, 0, { stopAfter: 1, window: 1 });
      sock.close();
      expect(await cleanStaleUploads(s.store, 60_000)).toBe(0); // still fresh
      expect(await cleanStaleUploads(s.store, 60_000, Date.now() + 120_000)).toBe(1);
      expect(await s.store.files.upload(ready.uploadId as string)).toBeNull();
      expect(await s.store.files.usage({ userId: ada.user.id })).toBe(0);
    });
  });

  describe(`download (${kind})`, () => {
    test('an image may bring a preview: shown in its message, served to members only; a bad preview is refused', async () => {
      const s = await start();
      const ada = await signedIn(s, 'ada@unilag.edu.ng');
      const eve = await signedIn(s, 'eve@unilag.edu.ng');
      const room = await courseRoom(s.store, [ada.user]);
      const photo = randomBytes(300_000);
      const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, ...randomBytes(2000), 0xff, 0xd9]);

      const bad = await uploadSocket(s, ada.cookie);
      for (const thumb of ['not base64!', Buffer.from('GIF89a....').toString('base64'), Buffer.alloc(60 * 1024, 0xff).toString('base64'), 42]) {
        bad.send({ ...begin(room.id, photo, 'board.jpg', 'image/jpeg'), thumb });
        expect(await bad.next()).toMatchObject({ type: 'error', status: 400, message: 'The preview image must be a JPEG of at most 48 KB.' });
      }

      const sock = await uploadSocket(s, ada.cookie);
      sock.send({ ...begin(room.id, photo, 'board.jpg', 'image/jpeg'), thumb: Buffer.from(jpeg).toString('base64') });
      const done = (await sendChunks(sock, photo, (await sock.until('ready')).offset as number)) as unknown as { fileId: string; messageId: string };
      expect((await s.store.messages.byId(room.id, done.messageId))?.meta).toMatchObject({ fileId: done.fileId, thumb: true });
      const res = await get(s, `/thumbs/${done.fileId}`, ada.cookie);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(jpeg);
      expect((await get(s, `/thumbs/${done.fileId}`, ada.cookie, { 'if-none-match': res.headers.get('etag')! })).status).toBe(304);
      expect((await get(s, `/thumbs/${done.fileId}`, eve.cookie)).status).toBe(404);

      // Not an image: the preview is not kept.
      const doc = randomBytes(1000);
      const other = await uploadSocket(s, ada.cookie);
      other.send({ ...begin(room.id, doc, 'notes.pdf', 'application/pdf'), thumb: Buffer.from(jpeg).toString('base64') });
      const pdf = (await sendChunks(other, doc, (await other.until('ready')).offset as number)) as unknown as { fileId: string; messageId: string };
      expect((await s.store.messages.byId(room.id, pdf.messageId))?.meta).not.toHaveProperty('thumb');
      expect((await get(s, `/thumbs/${pdf.fileId}`, ada.cookie)).status).toBe(404);
    });

    test('members only (404 otherwise), HTTP ranges, safe headers', async () => {
      const s = await start();
      const ada = await signedIn(s, 'ada@unilag.edu.ng');
      const eve = await signedIn(s, 'eve@unilag.edu.ng');
      const room = await courseRoom(s.store, [ada.user]);
      const data = randomBytes(1000);
      const done = await uploadWhole(s, ada.cookie, room.id, data, 'photo.png', 'image/png');

      expect((await get(s, done.url, eve.cookie)).status).toBe(404);
      expect((await get(s, `/files/${crypto.randomUUID()}/x`, ada.cookie)).status).toBe(404);
      // The same page either way: a non-member cannot tell an existing file id from a made-up one.
      const body = async (url: string) => (await (await get(s, url, eve.cookie, { accept: 'text/html' })).text()).replace(/\/assets\/[^"]+/g, '');
      expect(await body(done.url)).toBe(await body(`/files/${crypto.randomUUID()}/x`));
      expect((await fetch(s.origin + done.url, { redirect: 'manual' })).status).toBe(303); // signed out → login

      const full = await get(s, done.url, ada.cookie);
      expect(full.headers.get('x-content-type-options')).toBe('nosniff');
      expect(full.headers.get('content-type')).toBe('image/png');
      expect(full.headers.get('content-disposition')).toStartWith('inline; filename="photo.png"');
      expect(full.headers.get('accept-ranges')).toBe('bytes');
      expect(full.headers.get('cache-control')).toBe('private, no-cache');
      expect((await get(s, done.url, ada.cookie, { 'if-none-match': full.headers.get('etag')! })).status).toBe(304);
      expect((await get(s, done.url, eve.cookie, { 'if-none-match': full.headers.get('etag')! })).status).toBe(404);

      const part = async (range: string) => {
        const r = await get(s, done.url, ada.cookie, { range });
        return { status: r.status, cr: r.headers.get('content-range'), body: new Uint8Array(await r.arrayBuffer()) };
      };
      const a = await part('bytes=0-99');
      expect([a.status, a.cr]).toEqual([206, 'bytes 0-99/1000']);
      expect(a.body).toEqual(data.subarray(0, 100));
      const b = await part('bytes=900-');
      expect([b.status, b.cr]).toEqual([206, 'bytes 900-999/1000']);
      expect(b.body).toEqual(data.subarray(900));
      const c = await part('bytes=-10');
      expect([c.status, c.cr]).toEqual([206, 'bytes 990-999/1000']);
      expect(c.body).toEqual(data.subarray(990));
      const d = await part('bytes=500-5000');
      expect([d.status, d.cr]).toEqual([206, 'bytes 500-999/1000']);
      expect((await part('bytes=1000-')).status).toBe(416);
      expect((await part('bytes=0-1,5-6')).status).toBe(200); // multi-range: the whole file
      // A backwards range is invalid, and an invalid Range is ignored (RFC 9110 §14.2): the whole file.
      const backwards = await part('bytes=5-3');
      expect([backwards.status, backwards.cr, backwards.body.byteLength]).toEqual([200, null, 1000]);

      // Deleting the file message makes the download a 404 and removes the stored bytes.
      const msg = (await s.store.messages.byId(room.id, done.messageId))!;
      await deleteMessage(s.app.chat, ada.user, { roomId: room.id, messageId: msg.id });
      expect((await get(s, done.url, ada.cookie)).status).toBe(404);
      expect(await s.store.files.byId(done.fileId)).toBeNull();
      expect(await deleteFileOf(s.store, { kind: 'text', meta: null })).toBe(false);
      expect(await s.store.files.usage({ roomId: room.id })).toBe(0);
    });

    test('HTML and SVG are never inline; hostile names are sanitised and escaped', async () => {
      const s = await start();
      const ada = await signedIn(s, 'ada@unilag.edu.ng');
      const room = await courseRoom(s.store, [ada.user]);
      for (const [name, mime] of [['page.html', 'text/html'], ['logo.svg', 'image/svg+xml']] as const) {
        const done = await uploadWhole(s, ada.cookie, room.id, new TextEncoder().encode('<script>alert(1)</script>'), name, mime);
        const r = await get(s, done.url, ada.cookie);
        expect(r.headers.get('content-type')).toBe('application/octet-stream');
        expect(r.headers.get('content-disposition')).toStartWith('attachment;');
        expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      }
      const evil = '../../etc/<img src=x onerror=alert(1)>\u202Egpj.exe\n.txt';
      const done = await uploadWhole(s, ada.cookie, room.id, randomBytes(10), evil);
      const file = (await s.store.files.byId(done.fileId))!;
      expect(file.name).toBe('_img src=x onerror=alert(1)_gpj.exe.txt');
      const page = await (await get(s, `/rooms/${room.id}`, ada.cookie)).text();
      expect(page).not.toContain('<img src=x');
      expect(page).toContain('>_img src=x onerror=alert(1)_gpj.exe.txt</a>');
      const amp = await uploadWhole(s, ada.cookie, room.id, randomBytes(10), 'Tom & Jerry\'s notes.txt');
      const page2 = await (await get(s, `/rooms/${room.id}`, ada.cookie)).text();
      expect(page2).toContain('>Tom &amp; Jerry&#39;s notes.txt</a>');
      expect(page2).toContain(`href="/files/${amp.fileId}/Tom%20%26%20Jerry&#39;s%20notes.txt"`);
    });
  });
  });
}

suites('sqlite', async () => createSqliteStore(null));
const mongoUri = process.env.MONGODB_URI;
if (mongoUri) {
  suites('mongodb', async () => {
    const { createMongoStore } = await import('../../store/mongo/mongo');
    const name = `lt_files_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
    mongoDbs.push(name);
    return createMongoStore(mongoUri, name);
  });
  afterAll(async () => {
    const { MongoClient } = await import('mongodb');
    const client = await new MongoClient(mongoUri).connect();
    for (const d of mongoDbs) await client.db(d).dropDatabase();
    await client.close();
  });
}

describe('names', () => {
  test('sanitizeName keeps one safe component', () => {
    expect(sanitizeName('a/b/c.txt')).toBe('c.txt');
    expect(sanitizeName('C:\\Users\\ada\\report.pdf')).toBe('report.pdf');
    expect(sanitizeName('..')).toBe('file');
    expect(sanitizeName('')).toBe('file');
    expect(sanitizeName('a\u0000b\u0007c\r\n.txt')).toBe('abc.txt');
    expect(sanitizeName('CON.txt')).toBe('_CON.txt');
    expect(sanitizeName('  .hidden  ')).toBe('hidden');
    const long = sanitizeName('x'.repeat(1000) + '.pdf');
    expect([...long].length).toBe(200);
    expect(long.endsWith('.pdf')).toBe(true);
    expect([...sanitizeName('é'.repeat(500))].length).toBe(200);
  });

  test('types, dispositions and ranges', () => {
    expect(sanitizeType('IMAGE/PNG; charset=x')).toBe('image/png');
    expect(sanitizeType('not a type')).toBe('application/octet-stream');
    // a well-formed type is still the uploader's words, shown to the room unscreened: only known types stay
    expect(sanitizeType('send.me.nudes.tonight/dont.tell.your.parents')).toBe('application/octet-stream');
    expect(sanitizeType('application/send.me.your.pics')).toBe('application/octet-stream');
    expect(sanitizeType('application/vnd.openxmlformats-officedocument.presentationml.presentation')).toBe('application/vnd.openxmlformats-officedocument.presentationml.presentation');
    expect(sanitizeType('video/x-matroska')).toBe('video/x-matroska');
    expect(sanitizeType(undefined)).toBe('application/octet-stream');
    expect(contentDisposition('résumé "1".pdf', false)).toBe(`attachment; filename="r_sum_ _1_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%221%22.pdf`);
    expect(parseRange(null, 10)).toBeNull();
    expect(parseRange('bytes=2-4', 10)).toEqual({ start: 2, end: 4 });
    expect(parseRange('bytes=-0', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
    expect(parseRange('items=0-1', 10)).toBeNull();
    expect(parseRange('bytes=5-3', 10)).toBeNull(); // invalid (last before first): ignored, not 416
    expect(parseRange('bytes=20-10', 10)).toBeNull(); // invalid before unsatisfiable
    expect(parseRange('bytes=3-3', 10)).toEqual({ start: 3, end: 3 });
    expect(parseRange('bytes=10-12', 10)).toBe('unsatisfiable');
  });
});

test('the temporary file directory of an in-memory store is made on first use and goes away on close', async () => {
  const store = createSqliteStore(null);
  const files = store.files as unknown as { root: string | null };
  expect(files.root).toBeNull();
  await store.files.beginUpload({ id: 'x1', userId: 'u', roomId: 'r', name: 'n', size: 1, type: 't/t', sha256: 'a'.repeat(64), createdAt: 1 });
  await store.files.appendChunk('x1', 0, new Uint8Array([1]));
  const dir = files.root!;
  expect(readdirSync(join(dir, 'uploads'))).toEqual(['x1.part']);
  await store.close();
  expect(existsSync(dir)).toBe(false);
});

test('the browser client computes the same SHA-256 and CRC32 as the server', () => {
  for (const n of [0, 1, 55, 56, 63, 64, 65, 1000, 300_000]) {
    const d = Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 255);
    const h = new Sha256();
    h.update(d.subarray(0, n >> 1)).update(d.subarray(n >> 1));
    expect(h.hex()).toBe(sha256Hex(d));
    expect(crc32(d)).toBe(Bun.hash.crc32(d) >>> 0);
  }
});
