/**
 * Rate limits shared by every node through Redis (REDIS_URL): behind a load balancer, five wrong
 * passwords lock an account whichever nodes they reached, instead of five per node.
 *
 * Each key is a sorted set of event times (`lt:rl:<limiter>:<key>`), trimmed to the window and
 * expiring with it; one Lua script checks and records atomically, with the same arithmetic as the
 * in-memory SlidingWindowLimiter (lib/sliding-window.ts). Times come from Redis's own clock (`TIME`
 * inside the script), so nodes whose clocks drift apart still agree on one window; a node's clock is
 * used only for its own fallback count (and, in tests, can be injected for the shared count too).
 *
 * Redis unreachable or slow (over COMMAND_TIMEOUT_MS): the node falls back to its own in-memory
 * limiter for that call and logs it (at most once a minute). Sign-in must not stop working because
 * Redis is down, and each node still limits on its own meanwhile.
 */
import { RedisClient } from 'bun';
import type { Logger } from '../log';
import { withTimeout } from '../lib/timeout';
import { SlidingWindowLimiter, type LimiterFactory, type RateLimiter } from '../lib/sliding-window';

const COMMAND_TIMEOUT_MS = 300;
const CONNECT_WAIT_MS = 2000;

// ARGV: now (ms, or empty: Redis's clock), window (ms), max, mode ('check' | 'record' | 'take'),
// unique member. Returns the seconds to wait (0: under the limit; for 'record' always 0).
// (TIME in a script is allowed since Redis 5: scripts replicate their effects, not the script.)
const SCRIPT = `
local now, window, max, mode = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if mode == 'record' or (mode == 'take' and n < max) then
  redis.call('ZADD', KEYS[1], now, ARGV[5])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
if n < max then return 0 end
local oldest = redis.call('ZRANGE', KEYS[1], n - max, n - max, 'WITHSCORES')
return math.max(1, math.ceil((tonumber(oldest[2]) + window - now) / 1000))
`;

export class RedisLimiters {
  private client: RedisClient;
  private lastWarn = 0;

  private constructor(
    url: string,
    private logger: Logger,
    private now: () => number,
    /** 'node': the shared count uses `now` too (tests step time through it); 'redis': Redis's clock. */
    private sharedClock: 'redis' | 'node',
  ) {
    // No offline queue: while disconnected a command fails at once and the local limiter answers.
    this.client = new RedisClient(url, { autoReconnect: true, enableOfflineQueue: false, connectionTimeout: 2000 });
  }

  /**
   * Connects (at start-up); a Redis that is down is logged, not fatal: limits stay per node until it
   * answers. `now` (tests) is the node's clock; by default it also times the shared count, unless
   * `sharedClock` says 'redis' (what production uses: no `now`).
   */
  static async connect(url: string, logger: Logger, now?: () => number, sharedClock: 'redis' | 'node' = now ? 'node' : 'redis'): Promise<RedisLimiters> {
    const l = new RedisLimiters(url, logger, now ?? Date.now, sharedClock);
    // With autoReconnect the first connect may keep retrying: start-up waits CONNECT_WAIT_MS at most.
    await withTimeout(l.client.connect(), CONNECT_WAIT_MS, () => new Error(`no answer within ${CONNECT_WAIT_MS} ms`)).catch((err) =>
      logger.warn('shared rate limits unavailable at start-up: this node limits on its own until Redis answers', { err }),
    );
    return l;
  }

  /** The factory createApp takes (Deps.limiters). */
  readonly factory: LimiterFactory = (name, max, windowMs) => new SharedLimiter(this, `lt:rl:${name}:`, new SlidingWindowLimiter(max, windowMs, this.now));

  /** Runs the script; null when Redis did not answer in time (the caller falls back). */
  run(key: string, windowMs: number, max: number, mode: 'check' | 'record' | 'take'): Promise<number | null> {
    const now = this.sharedClock === 'node' ? String(this.now()) : '';
    return this.command('EVAL', [SCRIPT, '1', key, now, String(windowMs), String(max), mode, crypto.randomUUID()]);
  }

  /** Deletes a key (a reset); a Redis that does not answer is waited for COMMAND_TIMEOUT_MS at most. */
  async del(key: string) {
    await this.command('DEL', [key]);
  }

  private reconnecting = false;

  private async command(name: string, args: string[]): Promise<number | null> {
    // A client that gave up reconnecting (or never connected at start-up) is asked to connect again,
    // in the background: this call falls back, the next ones use Redis once it answers.
    if (!this.client.connected && !this.reconnecting && !this.closed) {
      this.reconnecting = true;
      this.client.connect().catch(() => {}).finally(() => (this.reconnecting = false));
    }
    try {
      return Number(await withTimeout(this.client.send(name, args), COMMAND_TIMEOUT_MS, () => new Error(`no answer within ${COMMAND_TIMEOUT_MS} ms`)));
    } catch (err) {
      if (this.now() - this.lastWarn > 60_000) {
        this.lastWarn = this.now();
        this.logger.warn('shared rate limits unavailable: this node limits on its own until Redis answers', { err });
      }
      return null;
    }
  }

  private closed = false;

  close() {
    this.closed = true;
    this.client.close();
  }
}

class SharedLimiter implements RateLimiter {
  constructor(
    private redis: RedisLimiters,
    private prefix: string,
    private local: SlidingWindowLimiter,
  ) {}

  get max() {
    return this.local.max;
  }

  get windowMs() {
    return this.local.windowMs;
  }

  async retryAfter(key: string) {
    return (await this.redis.run(this.prefix + key, this.windowMs, this.max, 'check')) ?? this.local.retryAfter(key);
  }

  async record(key: string) {
    if ((await this.redis.run(this.prefix + key, this.windowMs, this.max, 'record')) === null) this.local.record(key);
  }

  async take(key: string) {
    return (await this.redis.run(this.prefix + key, this.windowMs, this.max, 'take')) ?? this.local.take(key);
  }

  async reset(key: string) {
    this.local.reset(key);
    await this.redis.del(this.prefix + key);
  }
}
