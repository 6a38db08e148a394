/**
 * The inbox of one signalling socket (calls, direct transfers): messages are handled one at a
 * time in arrival order (an offer and its answer must not interleave), and at most `maxPerSec`
 * are accepted per second; the caller closes a socket that floods (4429).
 */
export class SocketInbox {
  private windowStart = 0;
  private count = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly maxPerSec: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Queues a message's handling; false (and nothing queued) when it is over the rate. */
  accept(task: () => Promise<void> | void, now = Date.now()): boolean {
    if (now - this.windowStart >= 1000) [this.windowStart, this.count] = [now, 0];
    if (++this.count > this.maxPerSec) return false;
    this.after(task);
    return true;
  }

  /** Queues work after everything already queued, whatever the rate (e.g. clean-up on close). */
  after(task: () => Promise<void> | void) {
    this.queue = this.queue.then(task).catch(this.onError);
  }
}
