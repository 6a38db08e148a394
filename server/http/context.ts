/**
 * Per-request plumbing shared by every route: request id, client IP, structured access log,
 * security headers, and the cross-site check for unsafe methods. Registered once, globally,
 * before any feature routes.
 */
import { isIP } from 'node:net';
import { Elysia } from 'elysia';
import type { Config } from '../config';
import type { Logger } from '../log';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'permissions-policy': 'camera=(self), microphone=(self), display-capture=(self), geolocation=()',
};

export interface RequestInfo {
  id: string;
  start: number;
  ip: string | null;
  userId?: string;
}

/** Request → info, for the access log and for routes (WeakMap: freed with the request). */
const infos = new WeakMap<Request, RequestInfo>();

export function requestInfo(request: Request): RequestInfo {
  let info = infos.get(request);
  if (!info) infos.set(request, (info = { id: Bun.randomUUIDv7(), start: performance.now(), ip: null }));
  return info;
}

/** The origin browsers use for this server: PUBLIC_URL, or what the Host header says. */
export function expectedOrigin(config: Config, request: Request): string {
  if (config.publicUrl) return config.publicUrl;
  const url = new URL(request.url);
  const host = request.headers.get('host') ?? url.host;
  return `${url.protocol}//${host}`;
}

/**
 * True when a browser says the request comes from another site. Sec-Fetch-Site is trusted when
 * present (all current browsers send it); otherwise Origin must match. Requests with neither
 * header are not from a browser's cross-site form or fetch, so they cannot carry a victim's cookie
 * by accident.
 */
export function isCrossSite(config: Config, request: Request): boolean {
  const site = request.headers.get('sec-fetch-site');
  if (site) return site !== 'same-origin' && site !== 'none';
  const origin = request.headers.get('origin');
  if (origin === null) return false;
  return origin !== expectedOrigin(config, request);
}

/**
 * The client's address. Behind N proxies of ours (TRUST_PROXY), the Nth X-Forwarded-For entry from
 * the right: each proxy appends the peer it saw (nginx's $proxy_add_x_forwarded_for), so entries to
 * the left of those are whatever the client sent and prove nothing. A list shorter than N came
 * through fewer proxies: its leftmost entry is then the one our outermost proxy wrote.
 */
export function clientIp(config: Pick<Config, 'trustProxyHops'>, request: Request, server: { requestIP(r: Request): { address: string } | null } | null): string | null {
  if (config.trustProxyHops > 0) {
    const xff = request.headers.get('x-forwarded-for');
    if (xff) {
      const hops = xff.split(',');
      // Some proxies write the port too (`203.0.113.7:5123`, `[2001:db8::7]:5123`): the address is kept.
      const ip = hops[Math.max(0, hops.length - config.trustProxyHops)]!.trim().replace(/^\[(.*)\](:\d+)?$/, '$1').replace(/^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/, '$1');
      // Only an address: it keys the sign-in limit and goes into the audit and the logs (a proxy
      // passing on whatever a client wrote there gives the proxy's own address instead).
      if (isIP(ip)) return ip;
    }
  }
  return server?.requestIP(request)?.address ?? null;
}

export function requestContext(config: Config, logger: Logger) {
  return new Elysia({ name: 'request-context' })
    .onRequest(({ request, set, server }) => {
      const info = requestInfo(request);
      info.ip = clientIp(config, request, server);
      // Behind our own proxies (TRUST_PROXY), their request id is kept (nginx: proxy_set_header
      // X-Request-Id $request_id), so that their logs and ours can be matched; a client's is not.
      const given = config.trustProxyHops > 0 ? request.headers.get('x-request-id') : null;
      if (given && /^[A-Za-z0-9._:-]{8,64}$/.test(given)) info.id = given;
      set.headers['x-request-id'] = info.id;
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) set.headers[k] = v;
      if (!SAFE_METHODS.has(request.method) && isCrossSite(config, request)) {
        logger.warn('cross-site request refused', { reqId: info.id, method: request.method, path: new URL(request.url).pathname, origin: request.headers.get('origin') });
        return new Response('Cross-site request refused.', { status: 403, headers: { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS } });
      }
    })
    .onAfterResponse({ as: 'global' }, ({ request, set }) => {
      const info = requestInfo(request);
      logger.info('request', {
        reqId: info.id,
        method: request.method,
        path: new URL(request.url).pathname,
        status: typeof set.status === 'number' ? set.status : 200,
        ms: Math.round((performance.now() - info.start) * 10) / 10,
        ip: info.ip,
        userId: info.userId,
      });
    });
}
