/**
 * call.js and upload.js are fetched on first use, not with every page: together about 17 KB
 * compressed, nearly a third of a first room visit, for calls and files most visits never use (many
 * students pay for their mobile data). The URLs are the content-hashed ones, built into app.js by
 * server/http/assets.ts, so each is cached for a year like any asset and a new call.js comes with a
 * new app.js. A script element with a same-origin src is what the Content-Security-Policy allows
 * (script-src 'self'); nothing inline.
 */
export type Lazy = 'call' | 'upload';

/**
 * Said when a script could not be had: a tab left open across an upgrade asks for a script name
 * the new server no longer has, and only a reload fixes that (a failed load cannot tell why).
 */
export const UPDATED = 'If it keeps failing, reload the page: Lets Talk may have been updated since it opened.';

export interface OnDemand {
  /** Whether `name` has run. */
  has(name: Lazy): boolean;
  /**
   * Runs `then` once `name` has run: at once when it has (still inside the press that asked, so
   * the browser counts it as the person's action), else after one load shared by every caller.
   * `failed` when it could not be had; the next call tries again.
   */
  need(name: Lazy, then: () => void, failed?: () => void): void;
}

export function onDemand(urls: Record<Lazy, string>, insert: (src: string, done: (ok: boolean) => void) => void = insertScript): OnDemand {
  const ran = new Set<Lazy>();
  const waiting = new Map<Lazy, { then: () => void; failed?: () => void }[]>();
  return {
    has: (name) => ran.has(name),
    need(name, then, failed) {
      if (ran.has(name)) return then();
      const queue = waiting.get(name);
      if (queue) return void queue.push({ then, failed });
      waiting.set(name, [{ then, failed }]);
      insert(urls[name], (ok) => {
        const callers = waiting.get(name) ?? [];
        waiting.delete(name);
        if (ok) ran.add(name);
        for (const c of callers) ok ? c.then() : c.failed?.();
      });
    },
  };
}

function insertScript(src: string, done: (ok: boolean) => void) {
  const s = document.createElement('script');
  s.src = src;
  s.onload = () => done(true);
  s.onerror = () => {
    s.remove();
    done(false);
  };
  document.head.append(s);
}
