/**
 * Bun calls a WebSocket's `message` and `close` handlers without waiting for an async `open`:
 * a frame that arrives while `open` is still checking the user finds no connection record and is
 * lost, and a socket that closes in that gap is registered afterwards and never unregistered.
 *
 * `asyncOpen` wraps an endpoint's handlers so that they see the socket's events in order:
 * while `open` runs, frames are kept (at most MAX_EARLY_FRAMES; more closes the socket with 4429)
 * and a close is remembered; when `open` settles, the kept frames go to `message` and then the
 * close to `close`, as if they had arrived just after it. The wrapped handlers keep their own
 * rule for a socket `open` refused (no record: they ignore its frames and its close).
 */

export const MAX_EARLY_FRAMES = 16;

interface Keyed {
  raw: object;
}

export interface SocketHandlers<W extends Keyed, D = unknown> {
  open(ws: W): Promise<void>;
  message(ws: W, data: D): void;
  close(ws: W, code: number, reason?: string): void;
}

export function asyncOpen<W extends Keyed, D = unknown>(h: SocketHandlers<W, D>): SocketHandlers<W, D> {
  const opening = new WeakMap<object, { frames: D[]; closed?: [number, string?] }>();
  return {
    async open(ws: W) {
      const key = ws.raw;
      const early: { frames: D[]; closed?: [number, string?] } = { frames: [] };
      opening.set(key, early);
      try {
        await h.open(ws);
      } finally {
        opening.delete(key);
        for (const data of early.frames) h.message(ws, data);
        if (early.closed) h.close(ws, ...early.closed);
      }
    },
    message(ws: W, data: D) {
      const early = opening.get(ws.raw);
      if (!early) return h.message(ws, data);
      if (early.frames.length >= MAX_EARLY_FRAMES) return (ws.raw as { close(code: number, reason: string): void }).close(4429, 'Too many messages before the connection was ready.');
      early.frames.push(data);
    },
    close(ws: W, code: number, reason?: string) {
      const early = opening.get(ws.raw);
      if (!early) return h.close(ws, code, reason);
      early.closed = [code, reason];
    },
  };
}
