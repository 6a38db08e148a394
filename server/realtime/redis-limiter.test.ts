/**
 * Rate limits shared through a real Redis (redis-server on a loopback port): two nodes count
 * together, the arithmetic matches the in-memory limiter, and an unreachable Redis falls back to
 * each node's own limit. Also end to end: wrong passwords spread over two app nodes lock the account.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { memoryLogger } from '../log';
import { createApp } from '../app';
import { loadConfig } from '../config';
import { loadAssets } from '../http/assets';
import { randomSecrets } from '../secrets';
import { createSqliteStore } from '../store/sqlite/sqlite';
import { Client, makeUser } from '../testing';
import { RedisLimiters } from './redis-limiter';
import { describeRedis, freePort, startRedis } from './redis-test-server';

describeRedis('RedisLimiters', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  const open: RedisLimiters[] = [];
  const node = async (now?: () => number, sharedClock?: 'redis' | 'node') => {
    const l = await RedisLimiters.connect(redis.url, memoryLogger(), now, sharedClock);
    open.push(l);
    return l;
  };
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => {
    for (const l of open) l.close();
    redis?.stop();
  });

  test('two nodes share one count per key; the wait is measured from the oldest counted event', async () => {
    let now = 1_000_000;
    const clock = () => now;
    const a = (await node(clock)).factory('t1', 3, 10_000);
    const b = (await node(clock)).factory('t1', 3, 10_000);
    await a.record('k');
    now += 1000;
    await b.record('k');
    expect(await a.retryAfter('k')).toBe(0);
    now += 1000;
    await a.record('k');
    // Three events in the window, from both nodes: both refuse, until the first leaves the window.
    expect(await b.retryAfter('k')).toBe(8);
    expect(await a.retryAfter('k')).toBe(8);
    expect(await a.retryAfter('other')).toBe(0);
    now += 8000;
    expect(await b.retryAfter('k')).toBe(0);
    // Another limiter name is another count.
    expect(await (await node(clock)).factory('t2', 3, 10_000).retryAfter('k')).toBe(0);
  });

  test("nodes whose clocks disagree by hours still share one window: the count runs on Redis's clock", async () => {
    const hour = 3_600_000;
    const ahead = (await node(() => Date.now() + hour, 'redis')).factory('skew', 2, 60_000);
    const behind = (await node(() => Date.now() - hour, 'redis')).factory('skew', 2, 60_000);
    expect(await ahead.take('k')).toBe(0);
    expect(await behind.take('k')).toBe(0);
    // Full for both, and the wait is within the one-minute window (node clocks would make it an hour
    // for one node and let the other's events drop out of the window at once).
    for (const l of [ahead, behind]) {
      const wait = await l.retryAfter('k');
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(60);
    }
    // The same two nodes on their own clocks disagree, as the test above would show without Redis's clock.
    const aheadOwn = (await node(() => Date.now() + hour, 'node')).factory('skew2', 2, 60_000);
    const behindOwn = (await node(() => Date.now() - hour, 'node')).factory('skew2', 2, 60_000);
    await behindOwn.take('k');
    await behindOwn.take('k');
    expect(await aheadOwn.retryAfter('k')).toBe(0);
  });

  test('take checks and records in one step; reset clears the key on every node', async () => {
    const a = (await node()).factory('t3', 2, 60_000);
    const b = (await node()).factory('t3', 2, 60_000);
    expect(await a.take('k')).toBe(0);
    expect(await b.take('k')).toBe(0);
    expect(await a.take('k')).toBeGreaterThan(0);
    expect(await b.take('k')).toBeGreaterThan(0); // refused takes are not counted
    await b.reset('k');
    expect(await a.take('k')).toBe(0);
  });

  test('without Redis each node limits on its own, and says so in the log', async () => {
    const logger = memoryLogger();
    const down = await RedisLimiters.connect(`redis://127.0.0.1:${freePort()}`, logger);
    open.push(down);
    const l = down.factory('t4', 2, 60_000);
    expect(await l.take('k')).toBe(0);
    expect(await l.take('k')).toBe(0);
    expect(await l.take('k')).toBeGreaterThan(0);
    // Once at start-up, once (not three times) for the calls.
    expect(logger.lines.filter((x) => String(x.msg).startsWith('shared rate limits unavailable'))).toHaveLength(2);
  });

  test('after Redis comes back, the nodes share their counts again', async () => {
    const own = await startRedis();
    const nodes = [await RedisLimiters.connect(own.url, memoryLogger()), await RedisLimiters.connect(own.url, memoryLogger())];
    open.push(...nodes);
    const [a, b] = nodes.map((n) => n.factory('t5', 1, 60_000));
    own.stop();
    await Bun.sleep(200);
    expect(await a!.take('x')).toBe(0); // counted on a alone
    expect(await b!.take('x')).toBe(0); // and on b alone
    const again = await startRedis(own.port);
    try {
      // Shared again once both reconnect: one take on a refuses the next on b.
      const deadline = Date.now() + 15_000;
      let shared = false;
      for (let i = 0; !shared && Date.now() < deadline; i++) {
        await b!.reset(`k${i}`);
        shared = (await a!.take(`k${i}`)) === 0 && (await b!.take(`k${i}`)) > 0;
        if (!shared) await Bun.sleep(200);
      }
      expect(shared).toBe(true);
    } finally {
      again.stop();
    }
  });

  test('a Redis that answers, but always too late, still leaves each node limiting on its own', async () => {
    const own = await startRedis();
    // A loopback proxy that holds every reply from Redis for 400 ms (over the 300 ms timeout).
    type Up = { write(b: Uint8Array): number; end(): void };
    const ups: Up[] = [];
    const proxy = Bun.listen<{ up?: Up; early: Uint8Array[] }>({
      hostname: '127.0.0.1',
      port: 0,
      socket: {
        async open(client) {
          client.data = { early: [] };
          const up = await Bun.connect({
            hostname: '127.0.0.1',
            port: own.port,
            socket: {
              data: (_, reply) => void setTimeout(() => client.write(reply), 400),
              close: () => void client.end(),
            },
          });
          ups.push(up);
          client.data.up = up;
          for (const b of client.data.early) up.write(b); // what the client sent before Redis was connected
        },
        data: (client, bytes) => {
          if (client.data.up) client.data.up.write(bytes);
          else client.data.early.push(new Uint8Array(bytes));
        },
        close: (client) => void client.data.up?.end(),
      },
    });
    try {
      const slow = await RedisLimiters.connect(`redis://127.0.0.1:${proxy.port}`, memoryLogger());
      open.push(slow);
      const l = slow.factory('slow', 3, 60_000);
      const waits: number[] = [];
      for (let i = 0; i < 5; i++) waits.push(await l.take('k'));
      // Redis ran every script (late), the node counted every event too: both refuse from the fourth.
      expect(waits.map((w) => w > 0)).toEqual([false, false, false, true, true]);
      await Bun.sleep(500);
      expect(Number(await new Bun.RedisClient(own.url).send('ZCARD', ['lt:rl:slow:k']))).toBe(3);
    } finally {
      proxy.stop(true);
      for (const up of ups) up.end();
      own.stop();
    }
  });

  test('five wrong passwords spread over two nodes lock the account on both', async () => {
    const store = createSqliteStore(null);
    const config = loadConfig({ LOG_LEVEL: 'error' });
    const secrets = randomSecrets();
    const assets = await loadAssets();
    const limiters = [await node(), await node()];
    const apps = limiters.map((l) => createApp({ config, store, logger: memoryLogger(), secrets, assets, limiters: l.factory }));
    const issued = await makeUser(store, 'ada@unilag.edu.ng');
    const clients = apps.map((app) => new Client(app));
    for (let i = 0; i < 5; i++) expect((await clients[i % 2]!.signIn('ada@unilag.edu.ng', `wrong guess ${i}`)).status).toBe(401);
    for (const c of clients) expect((await c.signIn('ada@unilag.edu.ng', issued.loginCode)).status).toBe(429);
  });
});
