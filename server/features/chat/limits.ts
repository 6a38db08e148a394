/**
 * Chat limits. Message length is counted in characters (code points), not bytes, so Yoruba tone
 * marks or emoji do not shorten the limit unfairly.
 */
export const MAX_MESSAGE_CHARS = 4000;
/** A WebSocket text frame larger than this is refused with an error (the socket stays open). */
export const MAX_FRAME_BYTES = 32 * 1024;
export const HISTORY_PAGE = 50;
/** Reconnect replay limit per room: beyond it the client gets the latest page instead. */
export const MAX_REPLAY = 500;
export const TYPING_EVERY_MS = 3000;

/** Sliding-window limit of sends per key (user+room): `max` in `windowMs`. */
export class SendLimiter {
  private hits = new Map<string, number[]>();
  constructor(
    readonly max: number,
    readonly windowMs: number,
    private now: () => number = Date.now,
  ) {}

  /** Records a send and returns 0, or returns the seconds to wait (and records nothing). */
  take(key: string): number {
    const now = this.now();
    const list = (this.hits.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length >= this.max) {
      this.hits.set(key, list);
      return Math.max(1, Math.ceil((list[0]! + this.windowMs - now) / 1000));
    }
    list.push(now);
    this.hits.set(key, list);
    if (this.hits.size > 50_000) for (const k of [...this.hits.keys()].slice(0, 5_000)) this.hits.delete(k);
    return 0;
  }
}
