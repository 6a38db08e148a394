/**
 * A page opened without a connection (a student on a bus taps a room in her history, or reloads in
 * a dead spot) showed Chromium's own error page, and only a manual reload brought the app back.
 * GET /sw.js is a service worker for the whole site that answers a failed navigation with the
 * page of GET /offline (kept in the browser's cache with its stylesheet: nobody's data), which
 * says so and tries again every 15 s by itself (a meta refresh: no script needed); a Try again
 * link does it at once. Registered by the chat pages (views/client/offline.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Elysia } from 'elysia';
import type { AppContext } from '../../deps';
import { offlinePage } from '../../../views/offline';

const SOURCE = readFileSync(join(import.meta.dir, 'sw.js'), 'utf8');

/**
 * The worker's text for this build: a new stylesheet or a new offline page (`page`, its text) makes
 * a new worker, which replaces the cache.
 */
export function workerSource(files: string[], page: string): string {
  const version = Bun.hash(`${files.join('\n')}\n${page}`).toString(36);
  return SOURCE.replace('__FILES__', JSON.stringify(files)).replace('__VERSION__', JSON.stringify(version));
}

export function offlineRoutes(app: AppContext) {
  const page = offlinePage(app.assets.url).value;
  const sw = workerSource(['/offline', app.assets.url('app.css')], page);
  // The browser asks for the worker again at every navigation (it bypasses the HTTP cache for it):
  // with a tag, the answer is a bodiless 304 until the worker changes, not 2 KB a page.
  const etag = `"${Bun.hash(sw).toString(36)}"`;
  return new Elysia({ name: 'offline' })
    .get('/sw.js', ({ request }) => {
      const headers = { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache', etag };
      if (request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers });
      return new Response(sw, { headers });
    })
    .get('/offline', ({ set }) => {
      set.headers['cache-control'] = 'no-cache';
      set.headers['content-type'] = 'text/html; charset=utf-8';
      return page;
    });
}
