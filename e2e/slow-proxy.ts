/**
 * A loopback TCP proxy that behaves like a slow link: every byte, in each direction, waits for the
 * link to be free (serialisation at `bytesPerSec`) and then `oneWayMs` of propagation delay.
 * Unlike Chromium's CDP network emulation, which in this Chromium delays HTTP but not WebSocket
 * frames, this slows everything, including the live connection. The way up may be slower than the
 * way down (a phone's uplink), and `cut()` drops every connection at once with whatever it still
 * carried (a bus out of coverage).
 */
import type { Socket } from 'bun';

interface Sink {
  socket: Socket<unknown> | null;
  backlog: Uint8Array[];
  ended: boolean;
}

/** One direction of the link: chunks leave in order, each no earlier than its arrival time. */
class Lane {
  private queue: { at: number; bytes: Uint8Array }[] = [];
  private freeAt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closing = false;
  private dropped = false;

  constructor(
    private sink: Sink,
    private oneWayMs: number,
    private bytesPerSec: number,
    private delivered: (n: number) => void = () => {},
  ) {}

  push(chunk: Uint8Array) {
    if (this.dropped) return;
    const now = performance.now();
    this.freeAt = Math.max(now, this.freeAt) + (chunk.byteLength / this.bytesPerSec) * 1000;
    this.queue.push({ at: this.freeAt + this.oneWayMs, bytes: chunk.slice() });
    this.pump();
  }

  /** The sending side closed: close the other end once everything queued has been delivered. */
  close() {
    this.closing = true;
    this.pump();
  }

  pump() {
    if (this.timer || this.dropped) return;
    const now = performance.now();
    while (this.queue.length && this.queue[0]!.at <= now && this.sink.socket) {
      const { bytes } = this.queue.shift()!;
      write(this.sink, bytes);
      this.delivered(bytes.byteLength);
    }
    if (this.queue.length) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, Math.max(1, this.queue[0]!.at - now));
    } else if (this.closing && this.sink.socket && !this.sink.ended) {
      this.sink.ended = true;
      if (!this.sink.backlog.length) this.sink.socket.end();
    }
  }

  /** The link is gone: what was still on its way never arrives. */
  drop() {
    this.dropped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
  }
}

function write(sink: Sink, bytes: Uint8Array) {
  if (sink.backlog.length) return void sink.backlog.push(bytes);
  const n = sink.socket!.write(bytes);
  if (n < bytes.byteLength) sink.backlog.push(bytes.subarray(Math.max(0, n)));
}

function drain(sink: Sink) {
  while (sink.backlog.length && sink.socket) {
    const b = sink.backlog[0]!;
    const n = sink.socket.write(b);
    if (n < b.byteLength) {
      sink.backlog[0] = b.subarray(Math.max(0, n));
      return;
    }
    sink.backlog.shift();
  }
  if (sink.ended && sink.socket) sink.socket.end();
}

export interface SlowProxy {
  url: string;
  stop(): void;
  /** Drops every open connection at once, with the bytes still on their way (no goodbye either way). */
  cut(): void;
  /**
   * A link gone dead without a word: every connection open now, or opened before `speak()`, carries
   * nothing more either way, for ever (TCP never says so); connections opened after `speak()` work.
   */
  silence(): void;
  speak(): void;
  /** Bytes delivered to the server so far, all connections together. */
  readonly upBytes: number;
  /** Bytes delivered to the browser so far, all connections together. */
  readonly downBytes: number;
}

/** `upBytesPerSec`: the way to the server, when slower than `bytesPerSec` (the way back). */
export function startSlowProxy(targetPort: number, opts: { oneWayMs: number; bytesPerSec: number; upBytesPerSec?: number }): SlowProxy {
  interface Live {
    client: Socket<unknown>;
    clientSink: Sink;
    upSink: Sink;
    lanes: Lane[];
    cut: boolean;
    dead: boolean;
  }
  interface Conn {
    toServer: Lane;
    toClient: Lane;
    upSink: Sink;
    upstream: Promise<Socket<unknown>>;
    entry: Live;
  }
  const live = new Set<Live>();
  let upBytes = 0;
  let downBytes = 0;
  let silent = false;
  const listener = Bun.listen<Conn>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(client) {
        const clientSink: Sink = { socket: client as Socket<unknown>, backlog: [], ended: false };
        const upSink: Sink = { socket: null, backlog: [], ended: false };
        const toClient = new Lane(clientSink, opts.oneWayMs, opts.bytesPerSec, (n) => (downBytes += n));
        const toServer = new Lane(upSink, opts.oneWayMs, opts.upBytesPerSec ?? opts.bytesPerSec, (n) => (upBytes += n));
        const entry: Live = { client: client as Socket<unknown>, clientSink, upSink, lanes: [toClient, toServer], cut: false, dead: silent };
        live.add(entry);
        if (silent) for (const lane of entry.lanes) lane.drop();
        const upstream = Bun.connect({
          hostname: '127.0.0.1',
          port: targetPort,
          socket: {
            data: (_s, chunk) => void (entry.dead || toClient.push(chunk)),
            drain: () => drain(upSink),
            close: () => toClient.close(),
            error: () => toClient.close(),
          },
        });
        upstream.then(
          (s) => {
            if (entry.cut) return void s.terminate(); // cut while connecting
            upSink.socket = s as Socket<unknown>;
            toServer.pump();
          },
          () => toClient.close(),
        );
        client.data = { toServer, toClient, upSink, upstream: upstream as Promise<Socket<unknown>>, entry };
        (client.data as Conn & { clientSink: Sink }).clientSink = clientSink;
      },
      data: (client, chunk) => void (client.data.entry.dead || client.data.toServer.push(chunk)),
      drain: (client) => drain((client.data as Conn & { clientSink: Sink }).clientSink),
      close: (client) => {
        live.delete(client.data?.entry);
        client.data?.toServer.close();
      },
      error: (client) => client.data?.toServer.close(),
    },
  });
  const cut = () => {
    for (const c of live) {
      c.cut = true;
      for (const lane of c.lanes) lane.drop();
      const sockets = [c.client, c.upSink.socket];
      c.clientSink.socket = c.upSink.socket = null;
      for (const s of sockets) s?.terminate();
    }
    live.clear();
  };
  return {
    url: `http://127.0.0.1:${listener.port}`,
    stop: () => listener.stop(true),
    cut,
    silence() {
      silent = true;
      for (const c of live) {
        c.dead = true;
        for (const lane of c.lanes) lane.drop();
      }
    },
    speak() {
      silent = false;
    },
    get upBytes() {
      return upBytes;
    },
    get downBytes() {
      return downBytes;
    },
  };
}
