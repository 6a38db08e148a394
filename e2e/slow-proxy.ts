/**
 * A loopback TCP proxy that behaves like a slow link: every byte, in each direction, waits for the
 * link to be free (serialisation at `bytesPerSec`) and then `oneWayMs` of propagation delay.
 * Unlike Chromium's CDP network emulation, which in this Chromium delays HTTP but not WebSocket
 * frames, this slows everything, including the live connection.
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

  constructor(
    private sink: Sink,
    private oneWayMs: number,
    private bytesPerSec: number,
  ) {}

  push(chunk: Uint8Array) {
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
    if (this.timer) return;
    const now = performance.now();
    while (this.queue.length && this.queue[0]!.at <= now && this.sink.socket) write(this.sink, this.queue.shift()!.bytes);
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
}

export function startSlowProxy(targetPort: number, opts: { oneWayMs: number; bytesPerSec: number }): SlowProxy {
  interface Conn {
    toServer: Lane;
    toClient: Lane;
    upSink: Sink;
    upstream: Promise<Socket<unknown>>;
  }
  const listener = Bun.listen<Conn>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(client) {
        const clientSink: Sink = { socket: client as Socket<unknown>, backlog: [], ended: false };
        const upSink: Sink = { socket: null, backlog: [], ended: false };
        const toClient = new Lane(clientSink, opts.oneWayMs, opts.bytesPerSec);
        const toServer = new Lane(upSink, opts.oneWayMs, opts.bytesPerSec);
        const upstream = Bun.connect({
          hostname: '127.0.0.1',
          port: targetPort,
          socket: {
            data: (_s, chunk) => toClient.push(chunk),
            drain: () => drain(upSink),
            close: () => toClient.close(),
            error: () => toClient.close(),
          },
        });
        upstream.then(
          (s) => {
            upSink.socket = s as Socket<unknown>;
            toServer.pump();
          },
          () => toClient.close(),
        );
        client.data = { toServer, toClient, upSink, upstream: upstream as Promise<Socket<unknown>> };
        (client.data as Conn & { clientSink: Sink }).clientSink = clientSink;
      },
      data: (client, chunk) => client.data.toServer.push(chunk),
      drain: (client) => drain((client.data as Conn & { clientSink: Sink }).clientSink),
      close: (client) => client.data?.toServer.close(),
      error: (client) => client.data?.toServer.close(),
    },
  });
  return { url: `http://127.0.0.1:${listener.port}`, stop: () => listener.stop(true) };
}
