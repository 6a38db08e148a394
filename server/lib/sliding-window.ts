/**
 * A sliding-window limit per key: at most `max` events inside `windowMs`. Used for sign-in
 * failures (record only failures, check before trying) and for chat sends (`take`: check and
 * record in one step). Callers await every method: the same limits are shared by every node
 * through Redis when REDIS_URL is set (realtime/redis-limiter.ts); this in-memory one counts for
 * one process (a single node, tests, and the fallback while Redis is unreachable).
 */
export interface RateLimiter {
  readonly max: number;
  readonly windowMs: number;
  /** Seconds until the key may act again, or 0 when it is under the limit. */
  retryAfter(key: string): number | Promise<number>;
  /** Counts one event for the key. */
  record(key: string): void | Promise<void>;
  /** Records an event and returns 0, or returns the seconds to wait (and records nothing). */
  take(key: string): number | Promise<number>;
  reset(key: string): void | Promise<void>;
}

/** Makes the limiter called `name` (a key prefix where limits are shared). */
export type LimiterFactory = (name: string, max: number, windowMs: number) => RateLimiter;

export const memoryLimiters: LimiterFactory = (_name, max, windowMs) => new SlidingWindowLimiter(max, windowMs);

export class SlidingWindowLimiter implements RateLimiter {
  private hits = new Map<string, number[]>();
  constructor(
    readonly max: number,
    readonly windowMs: number,
    private now: () => number = Date.now,
  ) {}

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const list = (this.hits.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) this.hits.set(key, list);
    else this.hits.delete(key);
    return list;
  }

  /** Seconds until the key may act again, or 0 when it is under the limit. */
  retryAfter(key: string): number {
    const list = this.recent(key);
    if (list.length < this.max) return 0;
    return Math.max(1, Math.ceil((list[list.length - this.max]! + this.windowMs - this.now()) / 1000));
  }

  /** Counts one event for the key. */
  record(key: string) {
    const list = this.recent(key);
    list.push(this.now());
    this.hits.set(key, list);
    // Bound memory under a spray of distinct keys: forget the oldest keys first.
    if (this.hits.size > 100_000) for (const k of [...this.hits.keys()].slice(0, 10_000)) this.hits.delete(k);
  }

  /** Records an event and returns 0, or returns the seconds to wait (and records nothing). */
  take(key: string): number {
    const wait = this.retryAfter(key);
    if (!wait) this.record(key);
    return wait;
  }

  reset(key: string) {
    this.hits.delete(key);
  }
}
