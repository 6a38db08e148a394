/**
 * Response helpers. Routes set status and headers through Elysia's `set` (never a raw Response
 * with its own status) so the access log sees the real status.
 */
import type { Raw } from './html';

export interface SetLike {
  status?: number | string;
  headers: Record<string, string | number>;
}

export function sendHtml(set: SetLike, body: Raw, status = 200): string {
  set.status = status;
  set.headers['content-type'] = 'text/html; charset=utf-8';
  set.headers['cache-control'] = 'no-store';
  return body.value;
}

/** 303 See Other: after a form POST the browser GETs the new page. */
export function seeOther(set: SetLike, location: string): string {
  set.status = 303;
  set.headers.location = location;
  return '';
}

/** Thrown by guards (e.g. "not signed in") and turned into a 303 by the error mapping. */
export class RedirectError extends Error {
  override name = 'RedirectError';
  constructor(readonly location: string) {
    super(`redirect to ${location}`);
  }
}
