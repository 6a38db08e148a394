/**
 * Response compression for pages and fragments: students pay for every byte. Text responses over
 * 1 KB are gzip-compressed when the browser accepts it (assets are pre-compressed separately).
 */
import { Elysia } from 'elysia';

const MIN_BYTES = 1024;

export function compression() {
  return new Elysia({ name: 'compression' }).mapResponse({ as: 'global' }, ({ request, responseValue, set }) => {
    if (typeof responseValue !== 'string') return;
    // Always answer strings with a Response: Elysia 1.4 drops the body of an error response when
    // a mapResponse hook returns nothing.
    const type = String(set.headers['content-type'] ?? '');
    const compress = responseValue.length >= MIN_BYTES && /^(text\/|application\/json)/.test(type) && /\bgzip\b/.test(request.headers.get('accept-encoding') ?? '');
    if (!compress) return new Response(responseValue);
    set.headers['content-encoding'] = 'gzip';
    set.headers['vary'] = 'accept-encoding';
    return new Response(Bun.gzipSync(new TextEncoder().encode(responseValue), { level: 6 }));
  });
}
