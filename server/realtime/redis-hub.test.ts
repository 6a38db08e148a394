/**
 * Two nodes relaying through a real Redis (Debian's redis-server on a loopback port). Skipped
 * locally when redis-server is missing; under CI=true that is a failure.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { LocalHub, type HubSocket } from './hub';
import { FANOUT_CHANNEL, RedisHub } from './redis-hub';
import { memoryLogger } from '../log';
import { describeRedis, startRedis } from './redis-test-server';

function fakeSocket(id: string, userId: string, resumes = false) {
  const topics = new Set<string>();
  const closed: number[] = [];
  const s: HubSocket = { id, userId, resumes, subscribe: (t) => topics.add(t), unsubscribe: (t) => topics.delete(t), send() {}, close: (c) => closed.push(c) };
  return { s, topics, closed };
}

async function until(cond: () => boolean, ms = 3000) {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await Bun.sleep(10);
  return cond();
}

describeRedis('RedisHub', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let url: string;
  beforeAll(async () => {
    redis = await startRedis();
    url = redis.url;
  });
  afterAll(() => redis?.stop());

  test('a publish, a subscription and a close on one node reach the other node', async () => {
    const seenA: string[] = [];
    const seenB: string[] = [];
    const a = await RedisHub.connect(new LocalHub(() => ({ publish: (t, d) => void seenA.push(`${t} ${d}`) })), url, memoryLogger());
    const b = await RedisHub.connect(new LocalHub(() => ({ publish: (t, d) => void seenB.push(`${t} ${d}`) })), url, memoryLogger());
    const onB = fakeSocket('s1', 'user-1');
    b.register(onB.s);

    a.publish('room:r1', '<hx-partial>hi</hx-partial>');
    expect(await until(() => seenB.length === 1)).toBe(true);
    expect(seenB).toEqual(['room:r1 <hx-partial>hi</hx-partial>']);
    expect(seenA).toEqual(['room:r1 <hx-partial>hi</hx-partial>']); // applied once locally, not echoed back

    a.subscribeUser('user-1', 'room:r2');
    expect(await until(() => onB.topics.has('room:r2'))).toBe(true);
    a.unsubscribeUser('user-1', 'room:r2');
    expect(await until(() => !onB.topics.has('room:r2'))).toBe(true);
    a.closeUser('user-1', 4401, 'Signed out');
    expect(await until(() => onB.closed.length === 1)).toBe(true);
    expect(onB.closed).toEqual([4401]);
    expect(b.stats().relayed).toBe(4);
    await a.close();
    await b.close();
  });

  test('after a Redis outage each node comes back with one subscription: one delivery per publish, a few log lines, a few connections', async () => {
    const own = await startRedis();
    const seenB: string[] = [];
    const logB = memoryLogger();
    const a = await RedisHub.connect(new LocalHub(() => ({ publish() {} })), own.url, memoryLogger());
    const b = await RedisHub.connect(new LocalHub(() => ({ publish: (t, d) => void seenB.push(`${t} ${d}`) })), own.url, logB);
    own.stop();
    await Bun.sleep(4000); // several failed tries
    const again = await startRedis(own.port);
    try {
      // Back once a publish on a reaches b again.
      const deadline = Date.now() + 20_000;
      for (let i = 0; !seenB.length && Date.now() < deadline; i++) {
        a.publish('room:r', `probe ${i}`);
        await Bun.sleep(250);
      }
      expect(seenB.length).toBeGreaterThan(0);
      seenB.length = 0;
      a.publish('room:r', 'once');
      expect(await until(() => seenB.length > 0)).toBe(true);
      await Bun.sleep(300);
      expect(seenB).toEqual(['room:r once']);
      const lines = logB.lines.map((x) => String(x.msg)).filter((m) => m.startsWith('redis fan-out'));
      expect(lines).toEqual(['redis fan-out connection lost; reconnecting', 'redis fan-out reconnected']);
      // Two nodes: a publisher and a subscriber each, and the probe of this test's Redis client.
      const probe = new Bun.RedisClient(again.url);
      const clients = String(await probe.send('CLIENT', ['LIST'])).trim().split('\n').length;
      probe.close();
      expect(clients).toBeLessThanOrEqual(5);
    } finally {
      await a.close();
      await b.close();
      again.stop();
    }
  }, 40_000);

  test("another node's `r` (its publishes failed meanwhile) closes this node's resumable sockets with 1012, once each", async () => {
    const local = new LocalHub(() => ({ publish() {} }));
    const b = await RedisHub.connect(local, url, memoryLogger());
    const chat = fakeSocket('chat', 'u1', true);
    const upload = fakeSocket('upload', 'u1');
    b.register(chat.s);
    b.register(upload.s);
    const probe = new Bun.RedisClient(url);
    try {
      await probe.publish(FANOUT_CHANNEL, JSON.stringify({ o: 'another-node', k: 'r' }));
      await probe.publish(FANOUT_CHANNEL, JSON.stringify({ o: 'a-third-node', k: 'r' }));
      expect(await until(() => chat.closed.length > 0, 3000)).toBe(true);
      await Bun.sleep(300);
      expect(chat.closed).toEqual([1012]);
      expect(upload.closed).toEqual([]);
    } finally {
      probe.close();
      await b.close();
    }
  });

  test('a publisher Bun gave up on (an outage longer than its retries) is rebuilt: publishes reach the other node again, which is told to catch up', async () => {
    const own = await startRedis();
    const seenB: string[] = [];
    const logA = memoryLogger();
    const a = await RedisHub.connect(new LocalHub(() => ({ publish() {} })), own.url, logA, 10_000, { maxRetries: 1 });
    const b = await RedisHub.connect(new LocalHub(() => ({ publish: (t, d) => void seenB.push(`${t} ${d}`) })), own.url, memoryLogger());
    const tab = fakeSocket('tab', 'u2', true);
    b.register(tab.s);
    own.stop();
    // Long enough for a's publisher to run out of retries; a message sent meanwhile is lost for b.
    await Bun.sleep(3000);
    a.publish('room:r', 'during the outage');
    await Bun.sleep(500);
    const again = await startRedis(own.port);
    try {
      const deadline = Date.now() + 25_000;
      for (let i = 0; !seenB.some((x) => x.includes('probe')) && Date.now() < deadline; i++) {
        a.publish('room:r', `probe ${i}`);
        await Bun.sleep(250);
      }
      expect(seenB.some((x) => x.includes('probe'))).toBe(true);
      expect(logA.lines.map((x) => String(x.msg))).toContain('redis fan-out publisher reconnected');
      // b's tab is sent to reconnect and replay (b's own subscription dropped too, and a said `r`).
      expect(await until(() => tab.closed.length > 0, 5000)).toBe(true);
      expect(tab.closed).toEqual([1012]);
    } finally {
      await a.close();
      await b.close();
      again.stop();
    }
  }, 45_000);
});
