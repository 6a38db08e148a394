/**
 * What a socket's waiting frames may hold (http/frame-budget.ts): frames are handled one at a time,
 * each after a store round trip, so a client sending faster than that made the server hold all it
 * sent (a security review's proof: 150 MB from one socket on /ws, 100 MB of text frames on /upload).
 * Past the budget the socket is closed with 4429; an ordinary burst is not.
 */
import { afterEach, expect, test } from 'bun:test';
import { createSqliteStore } from '../../store/sqlite/sqlite';
import { closeAll, connect, isJson, openSocket, setUp } from './ws-testing';

afterEach(closeAll);

/** A store whose session reads take `ms` (MongoDB over a network): each frame waits for one. */
function slowSessions(ms: number) {
  const store = createSqliteStore(null);
  const get = store.sessions.get.bind(store.sessions);
  store.sessions.get = async (h: string) => {
    await Bun.sleep(ms);
    return get(h);
  };
  return store;
}

test('/ws: frames sent far faster than they are handled close the socket with 4429', async () => {
  const { s, ada, csc } = await setUp({ store: slowSessions(5) });
  const sock = await openSocket(s, { cookie: ada.cookie, origin: s.origin });
  // Valid frames of 30 KB (under the 32 KB frame limit): 100 of them is 3 MB waiting.
  const big = JSON.stringify({ type: 'typing', room: csc.id, headers: { pad: 'x'.repeat(30_000) } });
  for (let i = 0; i < 100; i++) sock.send(big);
  expect((await sock.closed).code).toBe(4429);
});

test('/ws: frames over the 32 KB limit are answered "too large" without being kept, and do not count', async () => {
  const { s, ada } = await setUp({ store: slowSessions(5) });
  const sock = await connect(s, ada.cookie);
  for (let i = 0; i < 40; i++) sock.send('x'.repeat(1024 * 1024 - 16)); // 40 MB of junk
  let notices = 0;
  await sock.until((f) => f.includes('That was too large to send (1024 KB; the limit is 32 KB).') && ++notices === 40, 10_000);
  // Still open and answering.
  sock.send({ type: 'resume', rooms: {} });
  await sock.until(isJson('resumed'));
});

test('/ws: an ordinary burst (an outbox of 50 long messages sent on reconnect) is answered, not closed', async () => {
  const { s, ada, csc } = await setUp({ store: slowSessions(2) });
  const sock = await connect(s, ada.cookie);
  for (let i = 0; i < 50; i++) sock.send({ type: 'send', room: csc.id, clientId: `burst-${String(i).padStart(4, '0')}`, body: 'é'.repeat(4000) });
  // Each one acknowledged, or refused by the per-room rate limit (the client retries those later).
  let answers = 0;
  await sock.until((f) => (isJson('ack')(f) || isJson('reject')(f)) && ++answers === 50, 20_000);
  expect(sock.frames.filter(isJson('ack')).length).toBe(10);
}, 30_000);

test('/upload: text frames count towards what may be in flight', async () => {
  const { s, ada } = await setUp({ store: slowSessions(5) });
  const sock = await openSocket(s, { cookie: ada.cookie, origin: s.origin }, '/upload');
  const junk = 'x'.repeat(256 * 1024);
  for (let i = 0; i < 200; i++) sock.send(junk); // 50 MB of text frames
  expect((await sock.closed).code).toBe(4429);
});

test('/ws: a ping is answered at once, ahead of a slow frame before it', async () => {
  const { s, ada, csc } = await setUp({ store: slowSessions(400) });
  const sock = await connect(s, ada.cookie);
  const from = sock.frames.length;
  sock.send({ type: 'send', room: csc.id, clientId: 'slow-0001', body: 'behind a slow store' });
  sock.send({ type: 'ping' });
  await sock.until(isJson('ack'), 5_000);
  const answers = sock.frames.slice(from).filter((f) => isJson('pong')(f) || isJson('ack')(f)).map((f) => JSON.parse(f).type);
  expect(answers).toEqual(['pong', 'ack']);
});
