/**
 * A session that ends (password changed, signed out, reset from the CLI, signed out everywhere)
 * ends on the sockets opened with it too: chat, uploads, signalling. Real listening server.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { CLI_ACTOR } from '../audit/record';
import type { User } from '../../store/types';
import { Client } from '../../testing';
import { cid, closeAll, connect, isJson, openSocket, setUp, type Server } from '../chat/ws-testing';
import { sha256Hex, UploadSocket } from '../files/testing';
import { resetUser, revokeSessions, setUserStatus } from './actions';
import { sweepSockets } from './session-sweep';
import { sessionWatch } from './sessions';

afterEach(closeAll);

const PASSWORD = 'correct horse battery staple 42';
const cookieOf = (c: Client) => [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ');

/** Another device of the same user: a password is set and used to sign in there. */
async function otherDevice(s: Server, user: User) {
  await s.store.users.update(user.id, { passwordHash: await Bun.password.hash(PASSWORD) });
  const client = new Client(s.app, '10.9.9.9');
  expect((await client.signIn(user.email, PASSWORD)).status).toBe(303);
  return { client, cookie: cookieOf(client) };
}

describe('sessions that end close their sockets', () => {
  test("changing the password closes the other sessions' sockets at once; this browser keeps working", async () => {
    const { s, ada, bola, csc } = await setUp();
    const thief = await connect(s, ada.cookie); // the same cookie, stolen earlier
    const b = await connect(s, bola.cookie);
    await s.store.users.update(ada.user.id, { mustSetPassword: true }); // no current password to give
    expect((await ada.client.post('/password', { new_password: PASSWORD, confirm_password: PASSWORD })).status).toBe(303);
    expect((await thief.closed).code).toBe(4401);
    // Ada's browser, on its new session, connects and posts; Bola's socket was never touched.
    const fresh = await connect(s, cookieOf(ada.client));
    fresh.send({ type: 'send', room: csc.id, clientId: cid(), body: 'new password, same me' });
    expect(await fresh.until((f) => f.includes('"ack"'))).toBeDefined();
    expect(await b.until((f) => f.includes('new password, same me'))).toBeDefined();
  });

  test('a session revoked where no socket can be reached (the CLI): the next frame closes the socket, nothing is posted', async () => {
    const { s, ada, bola, csc } = await setUp();
    const a = await connect(s, ada.cookie);
    const b = await connect(s, bola.cookie);
    await resetUser(s.store, 'ada@unilag.edu.ng', { codeTtlMs: 60_000, actor: CLI_ACTOR }); // no `live`: another process
    a.send({ type: 'send', room: csc.id, clientId: cid(), body: 'still signed in?' });
    expect((await a.closed).code).toBe(4401);
    await b.quiet();
    expect((await s.store.rooms.byId(csc.id))!.lastSeq).toBe(0);
  });

  test("signing out closes this browser's sockets, not those of the user's other devices", async () => {
    const { s, ada } = await setUp();
    const phone = await otherDevice(s, ada.user);
    const tab1 = await connect(s, ada.cookie);
    const tab2 = await connect(s, ada.cookie);
    const onPhone = await connect(s, phone.cookie);
    expect((await ada.client.post('/logout', {})).status).toBe(303);
    expect((await tab1.closed).code).toBe(4401);
    expect((await tab2.closed).code).toBe(4401);
    await Bun.sleep(50);
    expect(onPhone.ws.readyState).toBe(WebSocket.OPEN);
  });

  test('the upload socket is closed by "sign out everywhere", and refuses to post once its session is gone', async () => {
    const { s, ada, csc } = await setUp();
    const headers = { cookie: ada.cookie, origin: s.origin };
    const url = `ws://127.0.0.1:${s.port}/upload`;
    const up = await UploadSocket.open(url, headers);
    await revokeSessions(s.store, ada.user.id, CLI_ACTOR, s.app.hub);
    for (let i = 0; i < 100 && !up.closed; i++) await Bun.sleep(10);
    expect(up.closed?.code).toBe(4401);
    // Revoked where no socket is reached: the next `begin` finds the session gone.
    const again = await otherDevice(s, ada.user);
    const up2 = await UploadSocket.open(url, { cookie: again.cookie, origin: s.origin });
    await revokeSessions(s.store, ada.user.id, CLI_ACTOR);
    const data = new TextEncoder().encode('posted after signing out');
    up2.send({ type: 'begin', room: csc.id, name: 'late.txt', size: data.byteLength, mime: 'text/plain', sha256: sha256Hex(data) });
    for (let i = 0; i < 100 && !up2.closed; i++) await Bun.sleep(10);
    expect(up2.closed?.code).toBe(4401);
    expect(up2.msgs).toEqual([]);
  });

  test('a signalling socket (calls) closes on its next message once its session is gone', async () => {
    const { s, ada, csc } = await setUp();
    const rtc = await openSocket(s, { cookie: ada.cookie, origin: s.origin }, '/rtc');
    await revokeSessions(s.store, ada.user.id, CLI_ACTOR);
    rtc.send({ type: 'join', room: csc.id });
    expect((await rtc.closed).code).toBe(4401);
  });
});

describe('the session sweep (sessions ended where no socket is reached)', () => {
  test("sockets that send nothing are closed once their session ends in the CLI or expires; other sockets, and the sessions' expiry, are left alone", async () => {
    const { s, ada, bola, cid: cidUser } = await setUp();
    const tab = await connect(s, ada.cookie); // a background tab: it sends nothing more
    const upload = await UploadSocket.open(`ws://127.0.0.1:${s.port}/upload`, { cookie: ada.cookie, origin: s.origin });
    const rtc = await openSocket(s, { cookie: ada.cookie, origin: s.origin }, '/rtc');
    const b = await connect(s, bola.cookie);
    const c = await connect(s, cidUser.cookie);
    // Last used two minutes ago: a use now would push its expiry ahead (sessions.ts touches after a minute).
    const [first] = await s.store.sessions.listForUser(bola.user.id);
    await s.store.sessions.touch(first!.idHash, Date.now() - 120_000, first!.expiresAt);
    const [bolaSession] = await s.store.sessions.listForUser(bola.user.id);
    const [cidSession] = await s.store.sessions.listForUser(cidUser.user.id);
    expect(await sweepSockets(s.app.hub, s.store.sessions)).toBe(0);
    // The sweep reads; it does not push a session's expiry ahead (a tab left open would keep it alive).
    expect((await s.store.sessions.listForUser(bola.user.id))[0]).toEqual(bolaSession!);

    await setUserStatus(s.store, 'ada@unilag.edu.ng', 'suspended', CLI_ACTOR); // no `live`: another process
    // Bola's session expires (idle) without anyone asking for it.
    await s.store.sessions.touch(bolaSession!.idHash, bolaSession!.lastSeenAt, Date.now() - 1);
    c.send({ type: 'resume', rooms: {} });
    expect(await sweepSockets(s.app.hub, s.store.sessions)).toBe(4);
    expect((await tab.closed).code).toBe(4401);
    expect((await rtc.closed).code).toBe(4401);
    expect((await b.closed).code).toBe(4401);
    for (let i = 0; i < 100 && !upload.closed; i++) await Bun.sleep(10);
    expect(upload.closed?.code).toBe(4401);
    // Cid's socket and session are untouched.
    await c.until(isJson('resumed'));
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    expect((await s.store.sessions.listForUser(cidUser.user.id))[0]).toEqual(cidSession!);
    expect(await sweepSockets(s.app.hub, s.store.sessions)).toBe(0);
    // SESSION_MAX_DAYS lowered below the age of Cid's session since it began: its socket goes too.
    expect(await sweepSockets(s.app.hub, s.store.sessions, 24 * 3_600_000, cidSession!.createdAt + 25 * 3_600_000)).toBe(1);
    expect((await c.closed).code).toBe(4401);
  });
});

describe('sessionWatch', () => {
  test('asks the store again only after everyMs; a refusal is not remembered', async () => {
    const { s, ada } = await setUp();
    const idHash = (await s.store.sessions.listForUser(ada.user.id))[0]!.idHash;
    const watch = sessionWatch({ store: s.store, sessionKey: 'unused', idleMs: 3_600_000 }, idHash, 200);
    expect((await watch())?.user.id).toBe(ada.user.id);
    await s.store.sessions.delete(idHash);
    expect((await watch())?.user.id).toBe(ada.user.id); // within the interval: remembered
    await Bun.sleep(220);
    expect(await watch()).toBeNull();
  });
});
