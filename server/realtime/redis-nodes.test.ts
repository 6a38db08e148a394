/**
 * Two app nodes on one store, relaying through a real Redis (Debian's redis-server on a loopback
 * port), with real WebSocket clients. Skipped locally when redis-server is missing; under CI=true
 * that is a failure.
 */
import { afterEach, expect, test } from 'bun:test';
import { createSqliteStore } from '../store/sqlite/sqlite';
import { cid, closeAll, connect, isJson, room, signedIn, start } from '../features/chat/ws-testing';
import { CATCH_UP_REASON } from './redis-hub';
import { describeRedis, startRedis } from './redis-test-server';

afterEach(closeAll);

describeRedis('two nodes through Redis', () => {
  test('a message sent on one node while Redis is down reaches the other node\'s open tab: its socket is closed (1012) once Redis is back, and its resume replays the message', async () => {
    let redis = await startRedis();
    try {
      const store = createSqliteStore(null);
      const nodeA = await start({ store, redisUrl: redis.url });
      const nodeB = await start({ store, redisUrl: redis.url });
      const ada = await signedIn(nodeA, 'ada@unilag.edu.ng', 'Ada Obi');
      const bola = await signedIn(nodeB, 'bola@unilag.edu.ng', 'Bola Ade');
      const csc = await room(store, 'CSC101', [[ada.user, 'member'], [bola.user, 'member']]);
      const a = await connect(nodeA, ada.cookie);
      const b = await connect(nodeB, bola.cookie);
      b.send({ type: 'send', room: csc.id, clientId: cid(), body: 'before the outage' });
      await a.until((f) => f.includes('before the outage'));
      const rev = (await store.rooms.byId(csc.id))!.lastSeq;

      redis.stop();
      await Bun.sleep(300);
      b.send({ type: 'send', room: csc.id, clientId: cid(), body: 'during the outage' });
      await b.until(isJson('ack'));
      // Stored on node B, pushed on node B; the relay to node A was lost.
      await a.quiet(500);

      redis = await startRedis(redis.port);
      // Node A's subscription comes back (back-off: at most a few seconds here), then its tab is
      // closed within the spread (1 s for one socket), like a server restart: the page reconnects.
      const closed = await Promise.race([a.closed, Bun.sleep(20_000).then(() => null)]);
      expect(closed).toEqual({ code: 1012, reason: CATCH_UP_REASON });
      const again = await connect(nodeA, ada.cookie, { [csc.id]: rev });
      expect(again.frames.some((f) => f.includes('during the outage'))).toBe(true);
      // Node B lost Redis too: its tab is closed the same way. Then the relay works again.
      expect((await Promise.race([b.closed, Bun.sleep(20_000).then(() => null)]))?.code).toBe(1012);
      const b2 = await connect(nodeB, bola.cookie);
      b2.send({ type: 'send', room: csc.id, clientId: cid(), body: 'after the outage' });
      await again.until((f) => f.includes('after the outage'));
    } finally {
      redis.stop();
    }
  }, 40_000);
});
