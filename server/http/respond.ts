/**
 * Response helpers. Routes set status and headers through Elysia's `set` (never a raw Response
 * with its own status) so the access log sees the real status.
 */
import type { Raw } from './html';
import { contentDisposition } from '../features/files/names';

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

/** A CSV download named `name` (attachment; a name with any characters: files/names.ts contentDisposition). */
export function sendCsv(set: SetLike, name: string, body: string): string {
  set.headers['content-type'] = 'text/csv; charset=utf-8';
  set.headers['content-disposition'] = contentDisposition(name, false);
  set.headers['cache-control'] = 'no-store';
  return body;
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
