/**
 * New files are messages in a room: 30 a minute per person and room, whichever way they come (an
 * upload begun, a direct-transfer offer). Without it, empty uploads (finished at once) and offers
 * with made-up digests were posted as fast as a socket could send (a security review: 40 in a
 * quarter of a second, each screened and pushed to every member).
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { Client, listeningApp, makeUser, type ListeningApp } from '../../testing';
import { UploadSocket } from './testing';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

async function start() {
  const s = await listeningApp({ env: { LOG_LEVEL: 'error', RTC_LISTEN_IP: '127.0.0.1', FILE_DIRECT_THRESHOLD_BYTES: '1000' } });
  stops.push(async () => {
    s.app.transfers.close();
    await s.app.stop(true);
  });
  const ada = await person(s, 'ada@unilag.edu.ng');
  const bola = await person(s, 'bola@unilag.edu.ng');
  const room = await s.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'CSC399', name: 'Flood', topic: '', createdBy: null, dmKey: null }, [ada, bola].map((p) => ({ userId: p.user.id, role: 'member' as const })));
  const posted = async () => (await s.store.messages.history(room.id, { limit: 100 })).filter((m) => m.senderId === ada.user.id).length;
  return { s, ada, room, posted };
}

async function person(s: ListeningApp, email: string) {
  const issued = await makeUser(s.store, email);
  const client = new Client(s.app, `10.9.0.${Math.floor(Math.random() * 200) + 1}`);
  expect((await client.signIn(email, issued.loginCode)).status).toBe(303);
  await s.store.users.update(issued.user.id, { mustSetPassword: false });
  return { user: issued.user, cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
}

const EMPTY_SHA = new Bun.CryptoHasher('sha256').update(new Uint8Array(0)).digest('hex');
const digestOf = (i: number) => new Bun.CryptoHasher('sha256').update(String(i)).digest('hex');

describe('new files per person and room: 30 a minute', () => {
  test('uploads: the 31st new file in a minute waits (429 with the seconds), an upload resumed does not count', async () => {
    const { s, ada, room, posted } = await start();
    const sock = await UploadSocket.open(`ws://127.0.0.1:${s.port}/upload`, { cookie: ada.cookie, origin: s.origin });
    // One real file begun (counted), then 40 empty ones.
    const big = { type: 'begin', room: room.id, name: 'slides.pdf', size: 10, sha256: digestOf(99), mime: 'application/pdf' };
    sock.send(big);
    while (!sock.msgs.some((m) => m.type === 'ready')) await Bun.sleep(10);
    for (let i = 0; i < 40; i++) sock.send({ type: 'begin', room: room.id, name: `notes ${i}.txt`, size: 0, sha256: EMPTY_SHA, mime: 'text/plain' });
    const end = Date.now() + 5000;
    while (sock.msgs.filter((m) => m.type === 'done' || m.type === 'error').length < 40 && Date.now() < end) await Bun.sleep(20);
    expect(await posted()).toBe(29);
    const refused = sock.msgs.filter((m) => m.type === 'error');
    expect(refused).toHaveLength(11);
    expect(refused[0]).toMatchObject({ status: 429, message: expect.stringMatching(/^You are sending many files to this room at once: this one starts in \d+ s\.$/) });
    expect((refused[0] as unknown as { retryAfterSec: number }).retryAfterSec).toBeGreaterThan(50);
    // Nothing of the refused ones is kept (no upload row waiting).
    expect(await s.store.files.usage({ roomId: room.id })).toBe(10);
    // The real file's upload, begun again (a reconnect), resumes: it is not a new file.
    const before = sock.msgs.length;
    sock.send(big);
    while (sock.msgs.length === before) await Bun.sleep(10);
    expect(sock.msgs.at(-1)).toMatchObject({ type: 'ready', offset: 0 });
    sock.close();
  });

  test('direct-transfer offers count against the same budget', async () => {
    const { s, ada, room, posted } = await start();
    const ws = new WebSocket(`${s.origin.replace('http', 'ws')}/xfer`, { headers: { cookie: ada.cookie, origin: s.origin } } as unknown as string[]);
    const got: { type: string; status?: number; message?: string }[] = [];
    ws.addEventListener('message', (e) => got.push(JSON.parse(String(e.data))));
    await new Promise((r) => ws.addEventListener('open', r));
    for (let i = 0; i < 40; i++) ws.send(JSON.stringify({ type: 'offer', room: room.id, name: `lecture ${i}.mkv`, size: 5000, mime: 'video/x-matroska', digest: digestOf(i) }));
    const end = Date.now() + 5000;
    while (got.filter((m) => m.type === 'offered' || m.type === 'error').length < 40 && Date.now() < end) await Bun.sleep(20);
    ws.close();
    expect(await posted()).toBe(30);
    expect(got.filter((m) => m.type === 'error')).toHaveLength(10);
    expect(got.find((m) => m.type === 'error')).toMatchObject({ status: 429, message: expect.stringMatching(/^You are offering many files to this room at once: try again in \d+ s\.$/) });
  });
});
