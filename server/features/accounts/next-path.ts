/**
 * Where to go after signing in: the page a signed-out person asked for (a room link shared on
 * WhatsApp, a file), carried as `next` through /login and /password. It ends up in a Location
 * header, so only a path on this site is accepted: anything else would make the sign-in page an
 * open redirect (a phishing link that really starts on our domain).
 */

/** Longest `next` kept (schemas refuse longer; the guard drops longer paths instead of sending one). */
export const NEXT_MAX = 2048;

/**
 * `raw` if it is a same-site path, else `/`. A path starts with exactly one `/`: `//host` and `/\host`
 * (browsers read `\` as `/`) name another host, and a scheme (`https:`, `javascript:`) cannot come
 * first. Only printable ASCII: browsers drop tabs and newlines inside URLs (`/\t/evil.example` would
 * become `//evil.example`), and the guard's paths are already percent-encoded.
 */
export function safeNext(raw: string | null | undefined): string {
  if (!raw || raw.length > NEXT_MAX) return '/';
  if (!/^\/(?![/\\])[\x21-\x7e]*$/.test(raw) || raw.includes('\\')) return '/';
  return raw;
}

/** `path` with `?next=` when there is somewhere other than home to come back to. */
export function withNext(path: string, next: string | null | undefined): string {
  const n = safeNext(next);
  // Slashes left readable in the address bar: `/login?next=/rooms/abc`.
  return n === '/' ? path : `${path}?next=${encodeURIComponent(n).replace(/%2F/g, '/')}`;
}

/**
 * The page this request opened, to come back to after signing in; null for anything else: only a
 * page a person opened keeps its address (a GET asking for HTML, not an htmx fragment or a script's
 * fetch, where landing after sign-in would show a bare fragment).
 */
export function requestedPage(request: Request): string | null {
  if (request.method !== 'GET' || request.headers.has('hx-request') || !(request.headers.get('accept') ?? '').includes('text/html')) return null;
  const url = new URL(request.url);
  return url.pathname + url.search;
}

/** The sign-in address for a request that needs a session. */
export const loginRedirect = (request: Request) => withNext('/login', requestedPage(request));
