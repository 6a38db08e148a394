/**
 * Failure counter for sign-in: a key (account or IP) is locked once it has `max` failures inside
 * `windowMs`. In memory, per process: behind several nodes each node counts on its own, which
 * multiplies the allowance by the node count (documented in the README).
 */
export class FailureLimiter {
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

  /** Seconds until the key may try again, or 0 when it is not locked. */
  retryAfter(key: string): number {
    const list = this.recent(key);
    if (list.length < this.max) return 0;
    return Math.max(1, Math.ceil((list[list.length - this.max]! + this.windowMs - this.now()) / 1000));
  }

  fail(key: string) {
    const list = this.recent(key);
    list.push(this.now());
    this.hits.set(key, list);
    // Bound memory under a spray of distinct keys: forget the oldest keys first.
    if (this.hits.size > 100_000) for (const k of [...this.hits.keys()].slice(0, 10_000)) this.hits.delete(k);
  }

  reset(key: string) {
    this.hits.delete(key);
  }
}
