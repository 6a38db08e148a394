import { describe, expect, test } from 'bun:test';
import { asyncOpen, MAX_EARLY_FRAMES } from './async-open';

/** An endpoint like ours: `open` awaits (the user check), then registers the socket. */
function endpoint() {
  const events: string[] = [];
  const conns = new Set<object>();
  let release!: (ok: boolean) => void;
  const checked = new Promise<boolean>((r) => (release = r));
  const handlers = asyncOpen({
    async open(ws: { raw: object }) {
      if (await checked) conns.add(ws.raw);
    },
    message(ws: { raw: object }, data: string) {
      if (conns.has(ws.raw)) events.push(`frame ${data}`);
    },
    close(ws: { raw: object }, code: number) {
      if (conns.delete(ws.raw)) events.push(`close ${code}`);
    },
  });
  return { events, conns, handlers, release };
}

describe('asyncOpen', () => {
  test('frames that arrive while open is still checking the user are handled after it, in order', async () => {
    const e = endpoint();
    const ws = { raw: { close() {} } };
    const opened = e.handlers.open(ws);
    e.handlers.message(ws, 'resume');
    e.handlers.message(ws, 'send');
    expect(e.events).toEqual([]);
    e.release(true);
    await opened;
    e.handlers.message(ws, 'later');
    expect(e.events).toEqual(['frame resume', 'frame send', 'frame later']);
  });

  test('a socket closed while open runs is closed after it: nothing stays registered', async () => {
    const e = endpoint();
    const ws = { raw: { close() {} } };
    const opened = e.handlers.open(ws);
    e.handlers.message(ws, 'hello');
    e.handlers.close(ws, 1001);
    e.release(true);
    await opened;
    expect(e.events).toEqual(['frame hello', 'close 1001']);
    expect(e.conns.size).toBe(0);
  });

  test('a refused open drops what came early', async () => {
    const e = endpoint();
    const ws = { raw: { close() {} } };
    const opened = e.handlers.open(ws);
    e.handlers.message(ws, 'hello');
    e.release(false);
    await opened;
    expect(e.events).toEqual([]);
  });

  test('too many frames before open settles close the socket with 4429', async () => {
    const e = endpoint();
    const closes: number[] = [];
    const ws = { raw: { close: (code: number) => void closes.push(code) } };
    const opened = e.handlers.open(ws);
    for (let i = 0; i <= MAX_EARLY_FRAMES; i++) e.handlers.message(ws, String(i));
    expect(closes).toEqual([4429]);
    e.release(true);
    await opened;
    expect(e.events.length).toBe(MAX_EARLY_FRAMES);
  });
});
