/**
 * Where received bytes go. Preferably a streaming download: the service worker (transfer-sw.js,
 * scope /transfers/dl/) answers a download URL with a stream this page feeds block by block, so the
 * file goes to disk as it arrives and memory stays flat. Without a service worker (unsupported,
 * private mode, or not a secure context) the blocks are kept as a Blob and saved at the end; the
 * caller tells the person so, because a very large file then needs that much memory or disk cache.
 */
export interface Sink {
  kind: 'stream' | 'memory';
  write(block: Uint8Array): Promise<void>;
  close(): void;
  abort(message: string): void;
  /** Called when the person cancels the download in the browser. */
  oncancel?: () => void;
}

let worker: Promise<ServiceWorker | null> | null = null;

function serviceWorker(): Promise<ServiceWorker | null> {
  return (worker ??= (async () => {
    if (!('serviceWorker' in navigator)) return null;
    try {
      const reg = await navigator.serviceWorker.register('/transfer-sw.js', { scope: '/transfers/dl/' });
      const w = reg.active ?? reg.waiting ?? reg.installing;
      if (!w) return null;
      if (w.state !== 'activated') {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error('service worker did not activate')), 10_000);
          w.addEventListener('statechange', () => {
            if (w.state === 'activated') clearTimeout(t), resolve();
            if (w.state === 'redundant') clearTimeout(t), reject(new Error('service worker failed'));
          });
        });
      }
      return w;
    } catch {
      return null;
    }
  })());
}

function streamSink(w: ServiceWorker, id: string, name: string, size: number): Promise<Sink> {
  const ch = new MessageChannel();
  let credit: (() => void) | null = null;
  let more = true;
  const sink: Sink = {
    kind: 'stream',
    async write(block) {
      if (!more) await new Promise<void>((r) => (credit = r));
      more = false;
      ch.port1.postMessage({ t: 'data', buf: block.buffer }, [block.buffer as ArrayBuffer]);
    },
    close: () => ch.port1.postMessage({ t: 'end' }),
    abort: (message) => ch.port1.postMessage({ t: 'error', message }),
  };
  return new Promise((resolve) => {
    ch.port1.onmessage = (e) => {
      const t = (e.data as { t: string }).t;
      if (t === 'ready') {
        const frame = document.createElement('iframe');
        frame.hidden = true;
        frame.src = `/transfers/dl/${id}/${encodeURIComponent(name)}`;
        document.body.append(frame);
        setTimeout(() => frame.remove(), 60_000);
        resolve(sink);
      } else if (t === 'more') {
        more = true;
        credit?.();
        credit = null;
      } else if (t === 'cancelled') sink.oncancel?.();
    };
    w.postMessage({ t: 'open', id, name, size }, [ch.port2]);
  });
}

function memorySink(name: string, type: string): Sink {
  const parts: Blob[] = [];
  return {
    kind: 'memory',
    write: async (block) => void parts.push(new Blob([block as Uint8Array<ArrayBuffer>])),
    close() {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob(parts, { type }));
      a.download = name;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
    },
    abort: () => void parts.splice(0),
  };
}

export async function openSink(id: string, name: string, size: number, type: string): Promise<Sink> {
  const w = await serviceWorker();
  return w ? streamSink(w, id, name, size) : memorySink(name, type);
}
