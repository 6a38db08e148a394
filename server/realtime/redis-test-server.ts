/**
 * A throw-away Redis for tests (Debian's redis-server on a free loopback port, no persistence).
 * `redisAvailable` is false when the binary is missing: tests skip locally, and fail under CI=true
 * (CI installs redis-server; see describeRedis).
 */
import { describe, test } from 'bun:test';
import { existsSync } from 'node:fs';

const BIN = '/usr/bin/redis-server';

export function freePort(): number {
  const s = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const p = s.port;
  s.stop(true);
  return p;
}

/** `describe` when redis-server exists; otherwise a skip note, or a failing test under CI. */
export function describeRedis(name: string, fn: () => void) {
  if (existsSync(BIN)) return describe(name, fn);
  if (process.env.CI === 'true') return test(name, () => { throw new Error(`${BIN} not found: CI must install redis-server`); });
  console.warn(`${name}: skipped, ${BIN} not found`);
}

/** Starts redis-server (on `port`, or a free one) and waits until it answers; `stop` kills it. */
export async function startRedis(port = freePort()): Promise<{ url: string; port: number; stop: () => void }> {
  const proc = Bun.spawn([BIN, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdout: 'ignore', stderr: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const c = new Bun.RedisClient(url);
  for (let i = 0; i < 50; i++) {
    try {
      await c.connect();
      break;
    } catch {
      await Bun.sleep(100);
    }
  }
  c.close();
  return { url, port, stop: () => proc.kill() };
}
