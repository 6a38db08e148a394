/**
 * What a socket's frames waiting to be handled may hold. Frames are handled one at a time, in
 * order, each after a store round trip or more: a client that sends faster than that (a flood, or
 * large frames between cheap ones) would make the server hold everything it sent. Past the budget
 * the socket is closed with 4429; clients reconnect and resume (nothing acknowledged is lost).
 */
export class FrameBudget {
  private bytes = 0;
  private frames = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly maxFrames: number,
  ) {}

  /** Counts a frame in; false when it would go over (then nothing is counted). */
  take(size: number): boolean {
    if (this.bytes + size > this.maxBytes || this.frames + 1 > this.maxFrames) return false;
    this.bytes += size;
    this.frames += 1;
    return true;
  }

  /** The frame was handled (or failed). */
  release(size: number) {
    this.bytes -= size;
    this.frames -= 1;
  }
}

/** A frame's size as received: text length, binary bytes, or (parsed by Elysia) its JSON length. */
export function frameSize(data: unknown): number {
  return typeof data === 'string' ? data.length : data instanceof Uint8Array ? data.byteLength : data instanceof ArrayBuffer ? data.byteLength : JSON.stringify(data ?? null).length;
}
