/*
 * Lets Talk direct-transfer downloads (README "Files → Direct transfers"). Registered by
 * views/client/transfer-sink.ts with scope /transfers/dl/. The page opens a stream with
 * {t:'open', id, name, size} and a MessagePort; it then posts {t:'data', buf} (verified blocks),
 * {t:'end'} or {t:'error', message}. A navigation to /transfers/dl/<id>/<name> is answered with a
 * download whose body is that stream, so the file goes to disk as it arrives instead of into memory.
 * Backpressure: after each block the worker answers {t:'more'} only while its queue has room
 * (4 MB), otherwise when the download pulls; the page waits for it before acknowledging the block.
 */
const HIGH_WATER = 4 * 1024 * 1024;
const streams = new Map();

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

self.addEventListener('message', (e) => {
  const m = e.data;
  const port = e.ports[0];
  if (!m || m.t !== 'open' || !port || typeof m.id !== 'string') return;
  let ctrl;
  let owed = false;
  const stream = new ReadableStream(
    {
      start(c) {
        ctrl = c;
      },
      pull() {
        if (owed) {
          owed = false;
          port.postMessage({ t: 'more' });
        }
      },
      cancel() {
        port.postMessage({ t: 'cancelled' });
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: HIGH_WATER }),
  );
  port.onmessage = (ev) => {
    const d = ev.data;
    if (d.t === 'data') {
      ctrl.enqueue(new Uint8Array(d.buf));
      if (ctrl.desiredSize > 0) port.postMessage({ t: 'more' });
      else owed = true;
    } else if (d.t === 'end') ctrl.close();
    else if (d.t === 'error') ctrl.error(new Error(String(d.message)));
  };
  streams.set(m.id, { stream, name: String(m.name), size: Number(m.size) });
  port.postMessage({ t: 'ready' });
});

self.addEventListener('fetch', (e) => {
  const match = /^\/transfers\/dl\/([A-Za-z0-9-]+)\//.exec(new URL(e.request.url).pathname);
  if (!match) return;
  const s = streams.get(match[1]);
  if (!s) return e.respondWith(new Response('This download is no longer available.', { status: 404 }));
  streams.delete(match[1]);
  const ascii = s.name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  e.respondWith(
    new Response(s.stream, {
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(s.size),
        'content-disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(s.name)}`,
        'x-content-type-options': 'nosniff',
      },
    }),
  );
});
