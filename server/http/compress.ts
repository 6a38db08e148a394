/**
 * Response compression for pages and fragments: students pay for every byte. Text responses over
 * 1 KB are gzip-compressed when the browser accepts it (assets are pre-compressed separately).
 */
import { Elysia } from 'elysia';

const MIN_BYTES = 1024;

export function compression() {
  return new Elysia({ name: 'compression' }).mapResponse({ as: 'global' }, ({ request, responseValue, set }) => {
    if (typeof responseValue !== 'string' || responseValue.length < MIN_BYTES) return;
    const type = String(set.headers['content-type'] ?? '');
    if (!/^(text\/|application\/json)/.test(type)) return;
    if (!/\bgzip\b/.test(request.headers.get('accept-encoding') ?? '')) return;
    set.headers['content-encoding'] = 'gzip';
    set.headers['vary'] = 'accept-encoding';
    return new Response(Bun.gzipSync(new TextEncoder().encode(responseValue), { level: 6 }));
  });
}
