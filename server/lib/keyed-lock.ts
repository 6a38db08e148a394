/**
 * Per-key limits on concurrency within one process: at most `width` calls with the same key run at
 * once (1: one after another, in call order); the rest wait their turn in call order; different keys
 * run concurrently. The map forgets a key once nothing of it runs or waits.
 */
export class KeyedLock {
  private keys = new Map<string, { running: number; waiting: (() => void)[] }>();

  constructor(private readonly width = 1) {}

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let k = this.keys.get(key);
    if (!k) this.keys.set(key, (k = { running: 0, waiting: [] }));
    if (k.running >= this.width) await new Promise<void>((r) => k!.waiting.push(r));
    else k.running++;
    try {
      return await fn();
    } finally {
      // The next waiter takes this turn over (running stays the same); otherwise one fewer runs.
      const next = k.waiting.shift();
      if (next) next();
      else if (--k.running === 0) this.keys.delete(key);
    }
  }

  get size() {
    return this.keys.size;
  }
}
