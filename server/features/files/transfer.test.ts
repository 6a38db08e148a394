/**
 * Direct-transfer signalling (/xfer) on a real listening server: upgrade checks, TypeBox validation
 * of every message, the offer message (rendered by the one file renderer, escaped, idempotent per
 * digest), membership of both people checked on each request and session message (404 otherwise),
 * an offline sender named, signals forwarded only between the two sockets of a session, a relay
 * started on request, cancel and the threshold.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { listeningApp, Client, makeUser, type ListeningApp } from '../../testing';
import { parseTransferMsg } from './transfer-protocol';
import { fileBody, fileMeta } from '../../../views/files';
import { removeMember } from '../chat/rooms';
import { deleteMessage, publishHidden } from '../chat/messages';
import { CLI_ACTOR } from '../audit/record';
import { MAX_RELAYS_PER_USER, MAX_REOFFERS } from './transfer';
import { createModeration, type Moderation } from '../moderation/screen';
import { fakeClassifier } from '../moderation/test-support';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

async function start(env: Record<string, string> = {}, moderation?: Moderation) {
  const s = await listeningApp({ env: { LOG_LEVEL: 'error', RTC_LISTEN_IP: '127.0.0.1', FILE_DIRECT_THRESHOLD_BYTES: '1000', ...env }, moderation });
  stops.push(async () => {
    s.app.transfers.close();
    await s.app.stop(true);
  });
  return s;
}

async function person(s: ListeningApp, email: string, name: string) {
  const issued = await makeUser(s.store, email);
  await s.store.users.update(issued.user.id, { name });
  const client = new Client(s.app);
  expect((await client.signIn(email, issued.loginCode)).status).toBe(303);
  await s.store.users.update(issued.user.id, { mustSetPassword: false });
  return { user: issued.user, cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
}

function socket(origin: string, headers: Record<string, string>) {
  const ws = new WebSocket(`${origin.replace('http', 'ws')}/xfer`, { headers } as unknown as string[]);
  const got: Record<string, any>[] = [];
  ws.addEventListener('message', (e) => got.push(JSON.parse(String(e.data))));
  const opened = new Promise<boolean>((r) => {
    ws.addEventListener('open', () => r(true));
    ws.addEventListener('close', () => r(false));
  });
  const next = async (type: string, ms = 5000) => {
    const end = Date.now() + ms;
    for (;;) {
      const i = got.findIndex((m) => m.type === type);
      if (i >= 0) return got.splice(i, 1)[0]!;
      if (Date.now() > end) throw new Error(`no ${type}; got ${JSON.stringify(got)}`);
      await Bun.sleep(10);
    }
  };
  return { ws, got, opened, next, send: (m: unknown) => ws.send(typeof m === 'string' ? m : JSON.stringify(m)) };
}

const DIGEST = 'ab'.repeat(32);
const offer = (room: string, extra: Record<string, unknown> = {}) => ({ type: 'offer', room, name: 'week <9> & "notes".mkv', size: 5000, mime: 'video/x-matroska', digest: DIGEST, ...extra });

/** Ada and Bola (a minor with `bolaPatch`), members of a new room, each with an open /xfer socket. */
async function twoMembers(s: ListeningApp, kind: 'course' | 'group' = 'course', bolaPatch: { dateOfBirth?: string } = {}) {
  const ada = await person(s, 'ada@unilag.edu.ng', 'Ada Obi');
  const bola = await person(s, 'bola@unilag.edu.ng', 'Bola Ade');
  await s.store.users.update(bola.user.id, bolaPatch);
  const room = await s.store.rooms.create({ id: Bun.randomUUIDv7(), kind, code: kind === 'course' ? 'CSC302' : null, name: 'Networks 2', topic: '', createdBy: null, dmKey: null }, [
    { userId: ada.user.id, role: 'member' },
    { userId: bola.user.id, role: 'member' },
  ]);
  const a = socket(s.origin, { cookie: ada.cookie, origin: s.origin });
  const b = socket(s.origin, { cookie: bola.cookie, origin: s.origin });
  await Promise.all([a.opened, b.opened]);
  return { ada, bola, room, a, b };
}

describe('transfer protocol', () => {
  test('messages are validated: unknown fields, oversize values and bad types are refused', () => {
    expect(parseTransferMsg(JSON.stringify(offer('r1')))).not.toBeNull();
    expect(parseTransferMsg({ ...offer('r1'), headers: { 'HX-Request': 'true' } })).not.toBeNull();
    expect(parseTransferMsg({ ...offer('r1'), sender: 'someone-else' })).toBeNull(); // identity is never taken from the body
    expect(parseTransferMsg(offer('r1', { digest: 'xyz' }))).toBeNull();
    expect(parseTransferMsg(offer('r1', { size: -1 }))).toBeNull();
    expect(parseTransferMsg(offer('../etc'))).toBeNull();
    expect(parseTransferMsg({ type: 'signal', session: 's1', description: { type: 'offer', sdp: 'x'.repeat(40_000) } })).toBeNull();
    expect(parseTransferMsg('x'.repeat(60_000))).toBeNull();
    expect(parseTransferMsg('{not json')).toBeNull();
  });
});

describe('/xfer', () => {
  test('upgrade needs a same-site Origin and a session', async () => {
    const s = await start();
    const ada = await person(s, 'ada@unilag.edu.ng', 'Ada Obi');
    expect(await socket(s.origin, { cookie: ada.cookie, origin: 'https://evil.example' }).opened).toBe(false);
    expect(await socket(s.origin, { origin: s.origin }).opened).toBe(false);
    const ok = socket(s.origin, { cookie: ada.cookie, origin: s.origin });
    expect(await ok.opened).toBe(true);
    expect(await ok.next('hello')).toMatchObject({ relayOnly: false, iceServers: [] });
    ok.ws.close();
  });

  test('offer, request, signalling between the two sockets only, relay, cancel; non-members and offline senders', async () => {
    const s = await start();
    const ada = await person(s, 'ada@unilag.edu.ng', 'Ada Obi');
    const bola = await person(s, 'bola@unilag.edu.ng', 'Bola Ade');
    const chidi = await person(s, 'chidi@unilag.edu.ng', 'Chidi Eze');
    const room = await s.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'CSC301', name: 'Networks', topic: '', createdBy: null, dmKey: null }, [
      { userId: ada.user.id, role: 'member' },
      { userId: bola.user.id, role: 'member' },
    ]);
    const a = socket(s.origin, { cookie: ada.cookie, origin: s.origin });
    const b = socket(s.origin, { cookie: bola.cookie, origin: s.origin });
    const c = socket(s.origin, { cookie: chidi.cookie, origin: s.origin });
    await Promise.all([a.opened, b.opened, c.opened]);

    a.send({ type: 'nonsense' });
    expect(await a.next('error')).toMatchObject({ status: 400 });
    a.send(offer(room.id, { size: 1000 }));
    expect((await a.next('error')).message).toContain('sent through the server');

    a.send(offer(room.id));
    const offered = await a.next('offered');
    const transfer = offered.transfer as string;
    const msg = await s.store.messages.byId(room.id, transfer);
    expect(msg).toMatchObject({ kind: 'file', senderId: ada.user.id, meta: { direct: true, size: 5000, digest: DIGEST, from: 'Ada Obi' } });
    // Offering the same file again (a reload) finds the same message.
    a.send(offer(room.id));
    expect((await a.next('offered')).transfer).toBe(transfer);
    // The room page renders it with the one file renderer, escaped.
    const body = fileBody(fileMeta(msg!.meta)!).value;
    expect(body).toContain('week _9_ &amp; _notes_.mkv'); // sanitised like stored files, then escaped
    expect(body).toContain('Sent directly from Ada Obi; available while they are online.');
    expect(body).toContain('<button type="button" class="xfer-receive">Receive</button>');

    // A non-member learns nothing: 404, for the request and for a guessed session.
    c.send({ type: 'request', room: room.id, transfer });
    expect(await c.next('error')).toMatchObject({ status: 404, message: 'No such room.' });
    c.send({ type: 'signal', session: 'guessed-session', description: { type: 'offer', sdp: 'v=0' } });
    expect(await c.next('error')).toMatchObject({ status: 404 });

    b.send({ type: 'request', room: room.id, transfer });
    const [sa, sb] = await Promise.all([a.next('start'), b.next('start')]);
    expect(sa).toMatchObject({ role: 'sender', peer: 'Bola Ade', relay: false });
    expect(sb).toMatchObject({ role: 'receiver', peer: 'Ada Obi', relay: false, session: sa.session });
    a.send({ type: 'signal', session: sa.session, description: { type: 'offer', sdp: 'v=0 ada' } });
    expect(await b.next('signal')).toMatchObject({ session: sa.session, description: { type: 'offer', sdp: 'v=0 ada' } });
    // A third socket cannot join someone else's session.
    c.send({ type: 'signal', session: sa.session, candidate: { candidate: 'x' } });
    expect(await c.next('error')).toMatchObject({ status: 404 });
    expect(a.got.filter((m) => m.type === 'signal')).toEqual([]);

    // Relay on request: the server offers a connection to both sides.
    b.send({ type: 'relay', session: sa.session });
    const [ra, rb] = await Promise.all([a.next('relay-offer'), b.next('relay-offer')]);
    expect(ra.sdp).toContain('webrtc-datachannel');
    expect(rb.sdp).toContain('a=candidate:');
    expect(s.app.transfers.stats()).toMatchObject({ sessions: 1, relays: 1 });

    // The relay ending by itself (here: closed as a broken pipe would) ends the session for both sides at once.
    const relayEnded = s.app.transfers.relayOf(sa.session)!;
    relayEnded.close('test: pipe broke');
    for (const x of [a, b]) expect(await x.next('ended')).toMatchObject({ session: sa.session, reason: 'peer-left' });
    expect(s.app.transfers.stats()).toMatchObject({ sessions: 0, relays: 0 });
    b.send({ type: 'request', room: room.id, transfer });
    const [sa1] = await Promise.all([a.next('start'), b.next('start')]);

    // Asking again (a resume) replaces the session: the sender is told, then gets the new start.
    b.send({ type: 'request', room: room.id, transfer });
    expect(await a.next('ended')).toMatchObject({ session: sa1.session, reason: 'replaced' });
    const [sa2] = await Promise.all([a.next('start'), b.next('start')]);
    expect(sa2.session).not.toBe(sa1.session);
    expect(b.got.filter((m) => m.type === 'ended')).toEqual([]);

    // Bola is removed from the room: the session ends on his next message, with a 404, and Ada is told.
    await s.store.rooms.removeMember(room.id, bola.user.id);
    b.send({ type: 'signal', session: sa2.session, candidate: { candidate: 'y' } });
    expect(await b.next('error')).toMatchObject({ status: 404 });
    expect(await a.next('ended')).toMatchObject({ session: sa2.session, reason: 'failed', message: 'This transfer is no longer allowed.' });
    expect(s.app.transfers.stats()).toMatchObject({ sessions: 0, relays: 0 });
    await s.store.rooms.addMembers(room.id, [{ userId: bola.user.id, role: 'member' }]);

    // Cancel reaches the other side.
    b.send({ type: 'request', room: room.id, transfer });
    const s2 = await b.next('start');
    await a.next('start');
    a.send({ type: 'cancel', session: s2.session });
    expect(await b.next('ended')).toMatchObject({ reason: 'cancelled', message: 'Ada Obi cancelled the transfer.' });

    // Stop offering ends every session it serves, and nobody can start another from that socket.
    b.send({ type: 'request', room: room.id, transfer });
    const s3 = await b.next('start');
    await a.next('start');
    // Ada's second page serves it too: the first page stopping sends its receiver to the second (peer-left).
    const a2 = socket(s.origin, { cookie: ada.cookie, origin: s.origin });
    await a2.opened;
    a2.send(offer(room.id));
    await a2.next('offered');
    a.send({ type: 'withdraw', transfer });
    expect(await b.next('ended')).toMatchObject({ session: s3.session, reason: 'peer-left' });
    b.send({ type: 'request', room: room.id, transfer });
    const [s4] = await Promise.all([a2.next('start'), b.next('start')]);
    a.send(offer(room.id)); // the first page offers again…
    await a.next('offered');
    a2.ws.close(); // …and the second goes away (its session ends as peer-left)
    expect(await b.next('ended')).toMatchObject({ session: s4.session, reason: 'peer-left' });
    b.send({ type: 'request', room: room.id, transfer });
    const s5 = await b.next('start');
    await a.next('start');

    c.send({ type: 'withdraw', transfer }); // a socket that does not serve it changes nothing
    a.send({ type: 'withdraw', transfer });
    expect(await b.next('ended')).toMatchObject({ session: s5.session, reason: 'cancelled', message: 'Ada Obi stopped offering this file.' });
    expect(c.got.filter((m) => m.type !== 'hello')).toEqual([]);
    // A later request (a receiver resuming) is told it was withdrawn, not that Ada is offline.
    b.send({ type: 'request', room: room.id, transfer });
    expect(await b.next('error')).toMatchObject({ status: 410, message: 'Ada Obi stopped offering this file.' });
    expect(s.app.transfers.stats()).toMatchObject({ serving: 0, sessions: 0 });
    a.send(offer(room.id)); // offered again from the same page

    // The sender's page goes away: a request names them.
    await a.next('offered');
    a.ws.close();
    await Bun.sleep(100);
    b.send({ type: 'request', room: room.id, transfer });
    expect(await b.next('error')).toMatchObject({ status: 503, message: 'Ada Obi is not offering this file right now (their page was closed or reloaded): ask them to open this room and press Offer again.' });
  });

  test('safeguarding: a blocked sender can neither offer a file nor serve an earlier offer', async () => {
    const s = await start();
    const { ada, room, a, b } = await twoMembers(s);
    a.send(offer(room.id));
    const transfer = (await a.next('offered')).transfer as string;
    await s.store.sanctions.create({ kind: 'block', userId: ada.user.id, roomId: room.id, caseIds: [], clause: 'SG-1', reason: 'test', evidence: '', actorId: null, deadline: Date.now() + 1e6 });
    b.send({ type: 'request', room: room.id, transfer });
    expect(await b.next('error')).toMatchObject({ status: 403, message: 'This file cannot be sent at the moment.' });
    a.send(offer(room.id, { digest: 'cd'.repeat(32) }));
    expect((await a.next('error')).message).toContain('Your account is blocked');
  });

  test('safeguarding: an offer whose name is flagged in a room with a minor is held: its sender sees it, nobody can request it', async () => {
    const s = await start({}, createModeration('minors', () => fakeClassifier));
    const { ada, bola, room, a, b: k } = await twoMembers(s, 'group', { dateOfBirth: '2012-05-05' });
    // They share a course (a group with a minor stays open only while they do).
    await s.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'CSC101', name: 'Intro', topic: '', createdBy: null, dmKey: null }, [
      { userId: ada.user.id, role: 'member' },
      { userId: bola.user.id, role: 'member' },
    ]);
    a.send(offer(room.id, { name: 'HOLDME_private.mkv' }));
    const transfer = (await a.next('offered')).transfer as string;
    const message = (await s.store.messages.byId(room.id, transfer))!;
    expect(message.held).toBe(true);
    expect(await s.store.cases.list()).toMatchObject([{ messageId: transfer, severity: 'hold', text: 'HOLDME_private.mkv', towardsMinor: true }]);
    k.send({ type: 'request', room: room.id, transfer });
    expect(await k.next('error')).toMatchObject({ status: 404, message: 'No such file offer.' });
    expect(a.got.some((m) => m.type === 'start')).toBe(false);
    // A plain name in the same room is offered to everyone as usual.
    a.send(offer(room.id, { name: 'week-9 lecture.mkv', digest: 'cd'.repeat(32) }));
    const plain = (await a.next('offered')).transfer as string;
    expect((await s.store.messages.byId(room.id, plain))!.held).toBe(false);
    k.send({ type: 'request', room: room.id, transfer: plain });
    expect((await k.next('start')).role).toBe('receiver');
  });

  test('removing a member ends their transfers in that room at once, both sides told; their offers there are no longer served', async () => {
    const s = await start();
    const { ada, bola, room, a, b } = await twoMembers(s);
    const other = await s.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'group', code: null, name: 'Study group', topic: '', createdBy: null, dmKey: null }, [
      { userId: ada.user.id, role: 'member' },
      { userId: bola.user.id, role: 'member' },
    ]);
    a.send(offer(room.id));
    const t1 = (await a.next('offered')).transfer as string;
    a.send(offer(other.id));
    const t2 = (await a.next('offered')).transfer as string;
    // Room 1: relayed (once it flows, the relay needs no more signalling); room 2: direct.
    b.send({ type: 'request', room: room.id, transfer: t1, relay: true });
    const s1 = await b.next('start');
    await a.next('start');
    await Promise.all([a.next('relay-offer'), b.next('relay-offer')]);
    b.send({ type: 'request', room: other.id, transfer: t2 });
    const s2 = await b.next('start');
    await a.next('start');
    expect(s.app.transfers.stats()).toMatchObject({ serving: 2, sessions: 2, relays: 1 });

    // Bola is removed from room 1 (the admin portal's path): without waiting for anyone's next message.
    await removeMember(s.app.chat, CLI_ACTOR, room.id, bola.user.id);
    expect(await b.next('ended')).toEqual({ type: 'ended', session: s1.session, reason: 'failed', message: 'You are no longer a member of this room; the transfer has ended.' });
    expect(await a.next('ended')).toEqual({ type: 'ended', session: s1.session, reason: 'failed', message: 'Bola Ade is no longer a member of this room; the transfer has ended.' });
    expect(s.app.transfers.relayOf(s1.session)).toBeNull();
    // The session in the other room goes on, and Ada still serves both offers.
    expect(s.app.transfers.stats()).toMatchObject({ serving: 2, sessions: 1, relays: 0 });
    a.send({ type: 'signal', session: s2.session, candidate: { candidate: 'z' } });
    expect(await b.next('signal')).toMatchObject({ session: s2.session });

    // The sender is removed from room 2: her session there ends for both, and she no longer serves its offer.
    await removeMember(s.app.chat, CLI_ACTOR, other.id, ada.user.id);
    expect(await a.next('ended')).toMatchObject({ session: s2.session, reason: 'failed', message: 'You are no longer a member of this room; the transfer has ended.' });
    expect(await b.next('ended')).toMatchObject({ session: s2.session, reason: 'failed', message: 'Ada Obi is no longer a member of this room; the transfer has ended.' });
    expect(s.app.transfers.stats()).toMatchObject({ serving: 1, sessions: 0 });
    await s.store.rooms.addMembers(other.id, [{ userId: ada.user.id, role: 'member' }]);
    b.send({ type: 'request', room: other.id, transfer: t2 });
    expect(await b.next('error')).toMatchObject({ status: 503 }); // back in the room, but her page must offer it again
    expect([...a.got, ...b.got].filter((m) => m.type === 'ended')).toEqual([]);
  });

  test('an offer deleted (or hidden by safeguarding) ends its transfers at once, both sides told; it is no longer served', async () => {
    const s = await start();
    const { ada, room, a, b } = await twoMembers(s);
    a.send(offer(room.id));
    const t = (await a.next('offered')).transfer as string;
    b.send({ type: 'request', room: room.id, transfer: t, relay: true });
    const started = await b.next('start');
    await a.next('start');
    await Promise.all([a.next('relay-offer'), b.next('relay-offer')]);
    await deleteMessage(s.app.chat, ada.user, { roomId: room.id, messageId: t });
    const ended = { type: 'ended', session: started.session, reason: 'failed', message: 'This file offer was removed from the room; the transfer has ended.' };
    expect(await a.next('ended')).toEqual(ended);
    expect(await b.next('ended')).toEqual(ended);
    expect(s.app.transfers.stats()).toMatchObject({ serving: 0, sessions: 0, relays: 0 });
    // Hidden (an officer upheld its name, or blocked its sender): the same.
    a.send(offer(room.id, { name: 'notes.zip' }));
    const t2 = (await a.next('offered')).transfer as string;
    b.send({ type: 'request', room: room.id, transfer: t2 });
    const s2 = await b.next('start');
    await a.next('start');
    await publishHidden(s.app.chat, (await s.store.messages.setHeld(room.id, t2, true))!);
    expect(await b.next('ended')).toEqual({ ...ended, session: s2.session });
    expect(s.app.transfers.stats()).toMatchObject({ serving: 0, sessions: 0 });
  });

  test('a deleted offer can be offered again, under any name, and the new offer is the one found again', async () => {
    const s = await start();
    const { ada, room, a, b } = await twoMembers(s);
    a.send(offer(room.id, { name: 'lecture.mp4' }));
    const first = (await a.next('offered')).transfer as string;
    await deleteMessage(s.app.chat, ada.user, { roomId: room.id, messageId: first }); // posted by mistake
    a.send(offer(room.id, { name: 'lecture-week3.mp4' }));
    const second = (await a.next('offered')).transfer as string;
    expect(second).not.toBe(first);
    expect(await s.store.messages.byId(room.id, second)).toMatchObject({ deletedAt: null, meta: { name: 'lecture-week3.mp4', digest: DIGEST } });
    a.send(offer(room.id, { name: 'lecture-week3.mp4' })); // a reload's "Offer again" finds it
    expect((await a.next('offered')).transfer).toBe(second);
    b.send({ type: 'request', room: room.id, transfer: first });
    expect(await b.next('error')).toMatchObject({ status: 404 });
    b.send({ type: 'request', room: room.id, transfer: second });
    expect(await b.next('start')).toMatchObject({ role: 'receiver', transfer: second });
    // Deleted again: the same name works too.
    await deleteMessage(s.app.chat, ada.user, { roomId: room.id, messageId: second });
    a.send(offer(room.id, { name: 'lecture-week3.mp4' }));
    const third = (await a.next('offered')).transfer as string;
    expect(new Set([first, second, third]).size).toBe(3);
  });

  test('re-offering after deletion has a limit, and says so', async () => {
    const s = await start();
    const { ada, room } = await twoMembers(s);
    const sent: Record<string, any>[] = [];
    const peer = { connId: 'c1', userId: ada.user.id, send: (m: Record<string, any>) => sent.push(m) };
    const input = { type: 'offer' as const, room: room.id, name: 'lecture.mp4', size: 5000, mime: 'video/mp4', digest: 'cd'.repeat(32) };
    for (let i = 0; i <= MAX_REOFFERS; i++) {
      await s.app.transfers.offer(ada.user, peer, input);
      await deleteMessage(s.app.chat, ada.user, { roomId: room.id, messageId: sent.pop()!.transfer });
    }
    await expect(s.app.transfers.offer(ada.user, peer, input)).rejects.toThrow('This file was offered and deleted too many times in this room; it cannot be offered here again.');
  });

  test('FILE_TRANSFER_RELAY_ONLY: clients are told, and every session starts on the relay', async () => {
    const s = await start({ FILE_TRANSFER_RELAY_ONLY: '1' });
    const { room, a, b } = await twoMembers(s);
    expect(await b.next('hello')).toMatchObject({ relayOnly: true });
    a.send(offer(room.id));
    const { transfer } = await a.next('offered');
    b.send({ type: 'request', room: room.id, transfer });
    expect(await b.next('start')).toMatchObject({ role: 'receiver', relay: true });
    expect(await a.next('start')).toMatchObject({ role: 'sender', relay: true });
    await Promise.all([a.next('relay-offer'), b.next('relay-offer')]);
    expect(s.app.transfers.stats()).toMatchObject({ sessions: 1, relays: 1 });
  });

  test(`one person receives through at most ${MAX_RELAYS_PER_USER} relays at once (two accounts could hold every relay of the server); a sender may serve more`, async () => {
    const s = await start();
    const { room, a, b } = await twoMembers(s);
    const transfers: string[] = [];
    for (let i = 0; i < 3; i++) {
      a.send(offer(room.id, { digest: String(i).repeat(64), name: `lecture ${i}.mkv` }));
      transfers.push((await a.next('offered')).transfer as string);
    }
    for (const t of transfers.slice(0, 2)) {
      b.send({ type: 'request', room: room.id, transfer: t, relay: true });
      await b.next('start');
      await a.next('start');
    }
    expect(s.app.transfers.stats()).toMatchObject({ relays: 2 });
    b.send({ type: 'request', room: room.id, transfer: transfers[2], relay: true });
    expect(await b.next('error')).toMatchObject({ status: 503, message: 'At most 2 files per person come through the server at once; this one can start when one of them has arrived.' });
    expect(s.app.transfers.stats()).toMatchObject({ relays: 2 });
    // Another receiver of the same sender is served through a third relay.
    const chidi = await person(s, 'chidi@unilag.edu.ng', 'Chidi Eze');
    await s.store.rooms.addMembers(room.id, [{ userId: chidi.user.id, role: 'member' }]);
    const c = socket(s.origin, { cookie: chidi.cookie, origin: s.origin });
    await c.opened;
    c.send({ type: 'request', room: room.id, transfer: transfers[2], relay: true });
    await c.next('start');
    expect(s.app.transfers.stats()).toMatchObject({ relays: 3 });
  });
});
