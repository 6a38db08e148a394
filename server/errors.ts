/**
 * Typed application errors. Actions throw these; the one mapping below turns them into an HTTP
 * status (routes) or a WebSocket close code / error fragment (realtime). Messages are written for
 * the person using the product and are safe to show.
 */
export type ErrorKind =
  | 'bad_request' // 400: input failed validation
  | 'unauthenticated' // 401: not signed in / wrong credentials
  | 'forbidden' // 403: signed in but not allowed (e.g. cross-site request)
  | 'not_found' // 404: missing, or hidden from this user (non-members get 404, never 403)
  | 'conflict' // 409: duplicate or stale state
  | 'gone' // 410: existed, and was withdrawn for good
  | 'too_large' // 413
  | 'rate_limited' // 429
  | 'unavailable'; // 503

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** Extra, user-safe details (e.g. per-field problems, retry-after seconds). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const badRequest = (msg: string, details?: Record<string, unknown>) => new AppError('bad_request', msg, details);
export const unauthenticated = (msg = 'Please sign in.') => new AppError('unauthenticated', msg);
export const forbidden = (msg = 'Not allowed.') => new AppError('forbidden', msg);
export const notFound = (msg = 'Not found.') => new AppError('not_found', msg);
export const conflict = (msg: string, details?: Record<string, unknown>) => new AppError('conflict', msg, details);
export const gone = (msg: string) => new AppError('gone', msg);
export const rateLimited = (msg: string, retryAfterSec: number) => new AppError('rate_limited', msg, { retryAfterSec });

/** A wait in whole minutes, for a rate limit's message: "1 minute", "15 minutes". */
export function inMinutes(sec: number): string {
  const min = Math.ceil(sec / 60);
  return `${min} minute${min === 1 ? '' : 's'}`;
}

const HTTP_STATUS: Record<ErrorKind, number> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
};

/** WebSocket close codes in the private-use range 4000-4999 mirror the HTTP status (4000 + status - 400 + ...). */
const WS_CLOSE: Record<ErrorKind, number> = {
  bad_request: 4400,
  unauthenticated: 4401,
  forbidden: 4403,
  not_found: 4404,
  conflict: 4409,
  gone: 4410,
  too_large: 4413,
  rate_limited: 4429,
  unavailable: 4503,
};

export function httpStatus(err: AppError): number {
  return HTTP_STATUS[err.kind];
}

export function wsCloseCode(err: AppError): number {
  return WS_CLOSE[err.kind];
}
