/**
 * The WebSocket endpoint on a real listening server (Bun's native pub/sub through the LocalHub),
 * with real WebSocket clients.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { createSqliteStore } from '../../store/sqlite/sqlite';
import { CLI_ACTOR } from '../audit/record';
import { MAX_FRAME_BYTES } from './limits';
import { addMembers, removeMember } from './rooms';
import { cid, closeAll, connect, isJson, openSocket, room, setUp, signedIn, start, upgradeStatus } from './ws-testing';

afterEach(closeAll);

describe('upgrade', () => {
  test('a same-origin upgrade with a session is accepted (101)', async () => {
    const { s, ada } = await setUp();
    expect(await upgradeStatus(s, { Origin: s.origin, Cookie: ada.cookie })).toBe('HTTP/1.1 101 Switching Protocols');
  });

  test('without an Origin, or with a foreign one, the upgrade is refused (403)', async () => {
    const { s, ada } = await setUp();
    expect(await upgradeStatus(s, { Cookie: ada.cookie })).toMatch(/^HTTP\/1\.1 403/);
    expect(await upgradeStatus(s, { Cookie: ada.cookie, Origin: 'https://evil.example' })).toMatch(/^HTTP\/1\.1 403/);
    expect(await upgradeStatus(s, { Cookie: ada.cookie, Origin: s.origin, 'Sec-Fetch-Site': 'cross-site' })).toMatch(/^HTTP\/1\.1 403/);
    await expect(openSocket(s, { cookie: ada.cookie, origin: 'https://evil.example' })).rejects.toThrow();
  });

  test('without a valid session the upgrade is refused (401)', async () => {
    const { s } = await setUp();
    expect(await upgradeStatus(s, { Origin: s.origin })).toMatch(/^HTTP\/1\.1 401/);
    expect(await upgradeStatus(s, { Origin: s.origin, Cookie: 'lt_session=forged-token' })).toMatch(/^HTTP\/1\.1 401/);
    await expect(openSocket(s, { origin: s.origin })).rejects.toThrow();
  });

  test('a user who has not chosen a password yet is closed with 4401 on open', async () => {
    const { s, ada } = await setUp();
    await s.store.users.update(ada.user.id, { mustSetPassword: true });
    const sock = await openSocket(s, { cookie: ada.cookie, origin: s.origin });
    expect((await sock.closed).code).toBe(4401);
  });
});

describe('a page rendered for someone else', () => {
  test("a socket naming another user than the session's (a tab left open through a sign-out) is closed with 4401; naming the right one works", async () => {
    const { s, ada, bola } = await setUp();
    const stale = await openSocket(s, { cookie: bola.cookie, origin: s.origin }, `/ws?as=${ada.user.id}`);
    const closed = await stale.closed;
    expect(closed.code).toBe(4401);
    expect(closed.reason).toBe('Someone else has signed in on this browser since this page was opened.');
    const right = await openSocket(s, { cookie: bola.cookie, origin: s.origin }, `/ws?as=${bola.user.id}`);
    right.send({ type: 'resume', rooms: {} });
    await right.until(isJson('resumed'));
  });
});

describe('messages', () => {
  test("a member's send is acked and pushed to the other members, not to non-members", async () => {
    const { s, ada, bola, cid: outsider, csc } = await setUp();
    const a = await connect(s, ada.cookie);
    const b = await connect(s, bola.cookie);
    const c = await connect(s, outsider.cookie);
    const clientId = cid();
    a.send({ type: 'send', room: csc.id, clientId, body: 'Hello <b>class</b>' });

    // The sender gets the fragment (as a room member) and the ack, in either order.
    const got = [await a.next(), await a.next()];
    const ack = got.find((f) => f.startsWith('{'))!;
    expect(JSON.parse(ack)).toEqual({ type: 'ack', room: csc.id, clientId, seq: 1 });
    const pushed = await b.next();
    expect(pushed.startsWith(`<hx-partial hx-target="#log-${csc.id}" hx-swap="beforeend"><article class="msg"`)).toBe(true);
    expect(pushed).toContain(`data-client-id="${clientId}"`);
    expect(pushed).toContain('Hello &lt;b&gt;class&lt;/b&gt;');
    expect(got).toContain(pushed);
    await c.quiet();
    await b.quiet(0);
  });

  test('resending the same clientId is acked again with the same seq and pushed to nobody', async () => {
    const { s, ada, bola, csc } = await setUp();
    const a = await connect(s, ada.cookie);
    const b = await connect(s, bola.cookie);
    const clientId = cid();
    a.send({ type: 'send', room: csc.id, clientId, body: 'once' });
    await a.until(isJson('ack'));
    await b.next();
    a.send({ type: 'send', room: csc.id, clientId, body: 'once' });
    expect(await a.nextJson()).toEqual({ type: 'ack', room: csc.id, clientId, seq: 1 });
    await b.quiet();
    expect((await s.store.rooms.byId(csc.id))!.lastSeq).toBe(1);
  });

  test("a non-member's send is rejected and nothing is pushed or stored", async () => {
    const { s, ada, cid: outsider, csc } = await setUp();
    const a = await connect(s, ada.cookie);
    const c = await connect(s, outsider.cookie);
    const clientId = cid();
    c.send({ type: 'send', room: csc.id, clientId, body: 'let me in' });
    expect(await c.nextJson()).toEqual({ type: 'reject', room: csc.id, clientId, message: 'No such room.' });
    await a.quiet();
    expect((await s.store.rooms.byId(csc.id))!.lastSeq).toBe(0);
  });

  test('the 11th quick send is rejected with retryAfterSec', async () => {
    const { s, ada, csc } = await setUp();
    const a = await connect(s, ada.cookie);
    for (let i = 0; i < 11; i++) a.send({ type: 'send', room: csc.id, clientId: cid(), body: `burst ${i}` });
    const reject = (await a.until(isJson('reject'))).at(-1)!;
    const r = JSON.parse(reject);
    expect(r.message).toMatch(/^You are sending messages too fast/);
    expect(r.retryAfterSec).toBeGreaterThanOrEqual(1);
    expect((await s.store.rooms.byId(csc.id))!.lastSeq).toBe(10);
  });

  test('edit, delete and typing reach the room; read reaches only the reader’s own sockets', async () => {
    const { s, ada, bola, cid: outsider, csc } = await setUp();
    const a = await connect(s, ada.cookie);
    const a2 = await connect(s, ada.cookie); // Ada's second tab
    const b = await connect(s, bola.cookie);
    const c = await connect(s, outsider.cookie);
    a.send({ type: 'send', room: csc.id, clientId: cid(), body: 'draft' });
    await a.until(isJson('ack'));
    await a2.next();
    const m = (await s.store.messages.history(csc.id, { limit: 1 }))[0]!;
    await b.next();

    a.send({ type: 'edit', room: csc.id, message: m.id, body: 'final' });
    const edited = await b.next();
    expect(edited).toContain(`id="m-${m.id}" data-seq="1" data-rev="2"`);
    expect(edited).toContain('final');

    a.send({ type: 'typing', room: csc.id });
    expect(await b.next()).toContain(`<hx-partial hx-target="#typing-${csc.id}" hx-swap="innerHTML">`);

    b.send({ type: 'read', room: csc.id, seq: 2 });
    const own = await b.next();
    expect(own.startsWith(`<hx-partial hx-target="#rl-${csc.id}" hx-swap="outerHTML">`)).toBe(true);

    a.send({ type: 'delete', room: csc.id, message: m.id });
    const tomb = await b.next();
    expect(tomb).toContain('This message was deleted.');
    expect(tomb).not.toContain('final');

    // Bola cannot edit Ada's message: told to Bola only, naming the edit (her page puts the text back).
    b.send({ type: 'edit', room: csc.id, message: m.id, body: 'hijack' });
    expect(JSON.parse(await b.next())).toEqual({ type: 'reject-edit', room: csc.id, id: m.id, message: 'No such message.' });
    // Nor delete another's message in a course room she does not moderate: answered to her, naming it.
    b.send({ type: 'delete', room: csc.id, message: m.id });
    expect(JSON.parse(await b.next())).toEqual({ type: 'deleted', room: csc.id, id: m.id, error: 'No such message.' });
    // The heartbeat: a ping is answered, to the sender only.
    b.send({ type: 'ping' });
    expect(JSON.parse(await b.next())).toEqual({ type: 'pong' });

    // Ada's sockets saw the edit, her own typing, the delete and its answer; never Bola's read marker.
    const seenByA = [await a.next(), await a.next(), await a.next(), await a.next()];
    expect(seenByA[0]).toContain('data-rev="2"');
    expect(seenByA[1]).toContain('typing-');
    expect(seenByA[2]).toContain('This message was deleted.');
    expect(JSON.parse(seenByA[3]!)).toEqual({ type: 'deleted', room: csc.id, id: m.id });
    await a.quiet(0);
    await c.quiet(0);
  });
});

describe('resume', () => {
  test('replays exactly the missed changes in rev order, refreshes the room list, then says resumed', async () => {
    const { s, ada, bola, csc } = await setUp();
    const b = await connect(s, bola.cookie);
    // Ada has seen messages 1 and 2, then goes offline.
    for (const body of ['one', 'two']) {
      b.send({ type: 'send', room: csc.id, clientId: cid(), body });
      await b.until(isJson('ack'));
    }
    // While she is away: two new messages, an edit of message 1, a delete of message 2.
    for (const body of ['three', 'four']) {
      b.send({ type: 'send', room: csc.id, clientId: cid(), body });
      await b.until(isJson('ack'));
    }
    const [m1, m2] = await s.store.messages.history(csc.id, { limit: 2, beforeSeq: 3 });
    b.send({ type: 'edit', room: csc.id, message: m1!.id, body: 'one (edited)' });
    b.send({ type: 'delete', room: csc.id, message: m2!.id });
    await b.next();
    await b.until((f) => f.includes('This message was deleted.'));

    const a = await openSocket(s, { cookie: ada.cookie, origin: s.origin });
    a.send({ type: 'resume', rooms: { [csc.id]: 2 } });
    const frames = await a.until(isJson('resumed'));
    expect(frames).toHaveLength(3);
    const [replayed, list, done] = frames as [string, string, string];
    expect(replayed.startsWith(`<hx-partial hx-target="#log-${csc.id}" hx-swap="beforeend">`)).toBe(true);
    const order = [...replayed.matchAll(/data-seq="(\d+)" data-rev="(\d+)"/g)].map((x) => [Number(x[1]), Number(x[2])]);
    expect(order).toEqual([
      [3, 3],
      [4, 4],
      [1, 5],
      [2, 6],
    ]);
    expect(replayed).toContain('one (edited)');
    expect(replayed).toContain('This message was deleted.');
    expect(replayed).not.toContain('>two<');
    // The room's call bar asks for its state again (a call may have started or ended meanwhile).
    expect(replayed).toContain(`<hx-partial hx-target="#call-status-${csc.id}" hx-swap="outerHTML"><span class="call-status" id="call-status-${csc.id}"`);
    expect(replayed).toContain(`hx-get="/rooms/${csc.id}/call/status" hx-trigger="load"`);
    // And the pins bar: its changes meanwhile reached nobody on this page.
    expect(replayed).toMatch(new RegExp(`<hx-partial hx-target="#pins-${csc.id}" hx-swap="outerHTML"><p class="pins-bar" id="pins-${csc.id}" data-at="\\d+" hidden></p></hx-partial>`));
    // And whether only its leaders post (views/posting.ts), changed meanwhile or not.
    expect(replayed).toMatch(new RegExp(`<hx-partial hx-target="#announce-${csc.id}" hx-swap="outerHTML"><p class="announce-bar" id="announce-${csc.id}" data-at="\\d+" hidden></p></hx-partial>$`));
    expect(list.startsWith('<hx-partial hx-target="#room-list" hx-swap="innerHTML">')).toBe(true);
    expect(list).toContain(`id="rl-${csc.id}"`);
    expect(JSON.parse(done)).toEqual({ type: 'resumed' });

    // Up to date: nothing but the call bar's refresh, the room list and "resumed".
    a.send({ type: 'resume', rooms: { [csc.id]: 6 } });
    const again = await a.until(isJson('resumed'));
    expect(again).toHaveLength(3);
    expect(again[0]!.startsWith(`<hx-partial hx-target="#call-status-${csc.id}"`)).toBe(true);
  });

  test("a room the user is not in is skipped silently: nothing of it is replayed", async () => {
    const { s, ada, cid: outsider, other } = await setUp();
    await s.store.messages.append({ roomId: other.id, senderId: outsider.user.id, clientId: cid(), kind: 'text', body: 'private words', mentions: [] });
    const a = await openSocket(s, { cookie: ada.cookie, origin: s.origin });
    a.send({ type: 'resume', rooms: { [other.id]: 0, 'no-such-room': 0 } });
    const frames = await a.until(isJson('resumed'));
    expect(frames).toHaveLength(2);
    expect(frames.join('')).not.toContain('private words');
    expect(frames.join('')).not.toContain('MTH101');
  });
});

describe('bad frames get a notice and the socket stays open', () => {
  const NOTICE = '<hx-partial hx-target="#notice" hx-swap="innerHTML"><p class="alert" role="alert">';

  test('malformed JSON, unknown type, extra properties, wrong types, binary', async () => {
    const { s, ada, csc } = await setUp();
    const a = await connect(s, ada.cookie);
    const bad: unknown[] = [
      '{not json',
      'hello',
      '42',
      'null',
      '[]',
      { type: 'shout', room: csc.id },
      { type: 'send', room: csc.id, clientId: cid(), body: 'x', admin: true },
      { type: 'typing', room: csc.id, extra: 1 },
      { type: 'read', room: csc.id, seq: -1 },
      { type: 'read', room: csc.id, seq: '3' },
      { type: 'send', room: '../etc', clientId: cid(), body: 'x' },
      { type: 'resume', rooms: { [csc.id]: 'x' } },
      { type: 'send', room: csc.id, clientId: cid() },
    ];
    for (const frame of bad) {
      a.send(frame);
      const f = await a.next();
      expect(f.startsWith(NOTICE), `${JSON.stringify(frame)} -> ${f}`).toBe(true);
      expect(f).toContain('The app sent something the server could not understand.');
    }
    a.ws.send(new Uint8Array([1, 2, 3]));
    expect((await a.next()).startsWith(NOTICE)).toBe(true);
    await a.quiet(); // one notice per bad frame, nothing else (no stray frames)

    // Still open and working.
    const clientId = cid();
    a.send({ type: 'send', room: csc.id, clientId, body: 'still here' });
    expect(JSON.parse((await a.until(isJson('ack'))).at(-1)!)).toMatchObject({ type: 'ack', clientId, seq: 1 });
    expect((await s.store.rooms.byId(csc.id))!.lastSeq).toBe(1);
  });

  test(`a frame over ${MAX_FRAME_BYTES / 1024} KB gets a "too large" notice; the socket stays open`, async () => {
    const { s, ada, csc } = await setUp();
    const a = await connect(s, ada.cookie);
    a.send({ type: 'send', room: csc.id, clientId: cid(), body: 'x'.repeat(MAX_FRAME_BYTES) });
    const f = await a.next();
    expect(f.startsWith(NOTICE)).toBe(true);
    expect(f).toContain('That was too large to send');
    expect(f).toContain('the limit is 32 KB');
    // Also as a raw (non-JSON) string.
    a.send('y'.repeat(MAX_FRAME_BYTES + 1));
    expect(await a.next()).toContain('That was too large to send');
    expect((await s.store.rooms.byId(csc.id))!.lastSeq).toBe(0);

    const clientId = cid();
    a.send({ type: 'send', room: csc.id, clientId, body: 'small' });
    expect(JSON.parse((await a.until(isJson('ack'))).at(-1)!)).toMatchObject({ type: 'ack', clientId });
  });

  test('a message of 4000 emoji fits in a frame and is accepted', async () => {
    const { s, ada, csc } = await setUp();
    const a = await connect(s, ada.cookie);
    const clientId = cid();
    a.send({ type: 'send', room: csc.id, clientId, body: '😀'.repeat(4000) });
    expect(JSON.parse((await a.until(isJson('ack'))).at(-1)!)).toMatchObject({ type: 'ack', clientId });
  });

  test('an over-long body inside a valid frame is rejected with the reason', async () => {
    const { s, ada, csc } = await setUp();
    const a = await connect(s, ada.cookie);
    const clientId = cid();
    a.send({ type: 'send', room: csc.id, clientId, body: 'z'.repeat(4001) });
    expect(await a.nextJson()).toEqual({ type: 'reject', room: csc.id, clientId, message: 'Messages can be at most 4000 characters; this one has 4001.' });
  });
});

test("a frame with htmx's `headers` field is accepted", async () => {
  const { s, ada, bola, csc } = await setUp();
  const a = await connect(s, ada.cookie);
  const b = await connect(s, bola.cookie);
  const clientId = cid();
  a.send({ type: 'send', room: csc.id, clientId, body: 'via htmx', headers: { 'HX-Request': 'true', 'HX-Trigger': 'composer', 'HX-Current-URL': `${s.origin}/rooms/${csc.id}` } });
  expect(JSON.parse((await a.until(isJson('ack'))).at(-1)!)).toEqual({ type: 'ack', room: csc.id, clientId, seq: 1 });
  expect(await b.next()).toContain('via htmx');
  a.send({ type: 'typing', room: csc.id, headers: {} });
  expect(await b.next()).toContain('is typing');
});

/** The push that makes a page's call bar fetch its state (views/calls.ts callStatusRefresh). */
const callRefresh = (roomId: string) =>
  `<hx-partial hx-target="#call-status-${roomId}" hx-swap="outerHTML"><span class="call-status" id="call-status-${roomId}" data-active="false" data-closed="true" hx-get="/rooms/${roomId}/call/status" hx-trigger="load" hx-swap="outerHTML"></span></hx-partial>`;

describe('membership changes follow live sockets', () => {
  test('a user added to a room starts receiving it at once; a removed user stops', async () => {
    const { s, ada, cid: newcomer, csc } = await setUp();
    const a = await connect(s, ada.cookie);
    const n = await connect(s, newcomer.cookie);

    await addMembers(s.app.chat, CLI_ACTOR, csc.id, [{ userId: newcomer.user.id, role: 'member' }]);
    const entry = await n.next();
    expect(entry.startsWith(`<hx-partial hx-target="#room-list" hx-swap="afterbegin"><li id="rl-${csc.id}"`)).toBe(true);
    expect(await n.next()).toBe(`<hx-partial hx-target="#posting-${csc.id}" hx-swap="innerHTML"></hx-partial>${callRefresh(csc.id)}`);

    a.send({ type: 'send', room: csc.id, clientId: cid(), body: 'welcome' });
    expect(await n.next()).toContain('welcome');

    await removeMember(s.app.chat, CLI_ACTOR, csc.id, newcomer.user.id);
    expect(await n.next()).toBe(`<hx-partial hx-target="#rl-${csc.id}" hx-swap="outerHTML"></hx-partial>`);
    // Her open page of the room says why nothing more comes, and offers no call buttons (CSS hides
    // them on data-closed): a join could only be refused.
    const removed = await n.next();
    expect(removed).toContain(`hx-target="#posting-${csc.id}"`);
    expect(removed).toEndWith(`<hx-partial hx-target="#call-status-${csc.id}" hx-swap="outerHTML"><span class="call-status" id="call-status-${csc.id}" data-active="false" data-closed="true"></span></hx-partial>`);
    await a.until(isJson('ack'));
    a.send({ type: 'send', room: csc.id, clientId: cid(), body: 'after you left' });
    await a.until(isJson('ack'));
    await n.quiet();

    // Added back: the "You were removed" line on her open page goes, her call bar asks for the
    // call's state again (its buttons come back), and messages reach her again.
    await addMembers(s.app.chat, CLI_ACTOR, csc.id, [{ userId: newcomer.user.id, role: 'member' }]);
    expect(await n.next()).toContain(`<li id="rl-${csc.id}"`);
    expect(await n.next()).toBe(`<hx-partial hx-target="#posting-${csc.id}" hx-swap="innerHTML"></hx-partial>${callRefresh(csc.id)}`);
    a.send({ type: 'send', room: csc.id, clientId: cid(), body: 'welcome back' });
    expect(await n.next()).toContain('welcome back');
  });
});

describe('connection set-up', () => {
  test('a resume sent right after open is answered only once the socket is subscribed to its rooms', async () => {
    // A slow store (MongoDB under load): the room lookup in `open` takes a while.
    const store = createSqliteStore(null);
    const listForUser = store.rooms.listForUser.bind(store.rooms);
    let slowNext = 0;
    Object.assign(store.rooms, {
      listForUser: async (userId: string) => {
        const ms = slowNext;
        slowNext = 0;
        if (ms) await Bun.sleep(ms);
        return listForUser(userId);
      },
    });
    const { s, ada, bola, csc } = await setUp({ store });
    const b = await connect(s, bola.cookie);
    slowNext = 300; // only the next lookup (Ada's socket opening) is slow
    const a = await openSocket(s, { cookie: ada.cookie, origin: s.origin });
    a.send({ type: 'resume', rooms: { [csc.id]: 0 } });
    await a.until(isJson('resumed'));
    // The client now trusts that it will see every new message live.
    b.send({ type: 'send', room: csc.id, clientId: cid(), body: 'right after you resumed' });
    await b.until(isJson('ack'));
    expect(await a.next(1000)).toContain('right after you resumed');
  });
});

describe('ordering', () => {
  test('frames of one socket are handled in arrival order even when the store is slow for the first', async () => {
    // The outbox flushes several sends back to back; a slow store call for the first must not let
    // the second overtake it (seen on MongoDB after a server restart).
    const store = createSqliteStore(null);
    const append = store.messages.append.bind(store.messages);
    Object.assign(store.messages, {
      append: async (m: Parameters<typeof append>[0]) => {
        if (m.body === 'first') await Bun.sleep(200);
        return append(m);
      },
    });
    const { s, ada, csc } = await setUp({ store });
    const a = await connect(s, ada.cookie);
    a.send({ type: 'send', room: csc.id, clientId: cid(), body: 'first' });
    a.send({ type: 'send', room: csc.id, clientId: cid(), body: 'second' });
    await a.until(isJson('ack'));
    await a.until(isJson('ack'));
    const history = await store.messages.history(csc.id, { limit: 10 });
    expect(history.map((m) => m.body)).toEqual(['first', 'second']);
  });
});

describe('account changes', () => {
  test("a disabled user's next frame closes the socket with 4401", async () => {
    const { s, ada, bola, csc } = await setUp();
    const a = await connect(s, ada.cookie);
    const b = await connect(s, bola.cookie);
    await s.store.users.update(ada.user.id, { status: 'disabled' });
    a.send({ type: 'send', room: csc.id, clientId: cid(), body: 'am I still here?' });
    const closed = await a.closed;
    expect(closed.code).toBe(4401);
    expect(closed.reason).toBe('Please sign in.');
    await b.quiet();
    expect((await s.store.rooms.byId(csc.id))!.lastSeq).toBe(0);
    // And it cannot reconnect.
    expect(await upgradeStatus(s, { Origin: s.origin, Cookie: ada.cookie })).toMatch(/^HTTP\/1\.1 401/);
  });

  test('hub.closeUser closes every socket of that user only', async () => {
    const { s, ada, bola } = await setUp();
    const a1 = await connect(s, ada.cookie);
    const a2 = await connect(s, ada.cookie);
    const b = await connect(s, bola.cookie);
    s.app.hub.closeUser(ada.user.id, 4401, 'Please sign in.');
    expect((await a1.closed).code).toBe(4401);
    expect((await a2.closed).code).toBe(4401);
    expect(b.ws.readyState).toBe(WebSocket.OPEN);
    await Bun.sleep(50);
    expect(s.app.hub.stats()).toMatchObject({ connections: 1, users: 1 });
  });
});
