/**
 * Request-body size limits, checked when the request arrives, before any route parses a body.
 * Every form of ours is small (the largest fields: a 4,000-character statement or message, a
 * 5,000-character list of emails), so 64 KB is the cap everywhere except the two CSV uploads of
 * the admin portal, which keep their own larger cap (their routes then check the file itself).
 * File uploads do not come over HTTP: they use the /upload WebSocket, with its own frame limit.
 *
 * With Content-Length the check costs nothing and the body is never read. Without it (a chunked
 * body) the body is read here up to the cap from a copy (`clone()`), and refused as soon as it goes
 * over; the route then reads the original, which holds at most the cap. `MAX_REQUEST_BODY_BYTES` is
 * also Bun's own limit (server/main.ts `maxRequestBodySize`), for both kinds.
 */
import { Elysia } from 'elysia';
import { AppError, badRequest } from '../errors';
import { MAX_IMPORT_BYTES } from '../features/admin/import-routes';
import { MAX_MEMBER_CSV_BYTES } from '../features/admin/rooms-routes';

const KB = 1024;
const MB = 1024 * KB;

/** Every route but those below. */
export const DEFAULT_BODY_BYTES = 64 * KB;

/** Multipart framing and the form's other fields, on top of the file a route accepts. */
const FORM_OVERHEAD = 1 * MB;

interface LargeBodyRoute {
  path: RegExp;
  max: number;
  /** Shown with the 413. */
  tooLarge: string;
}

const LARGE_BODY_ROUTES: LargeBodyRoute[] = [
  { path: /^\/admin\/import$/, max: MAX_IMPORT_BYTES + FORM_OVERHEAD, tooLarge: 'The CSV file is larger than 50 MB; split it into smaller files.' },
  { path: /^\/admin\/rooms\/[^/]+\/members\/csv$/, max: MAX_MEMBER_CSV_BYTES + FORM_OVERHEAD, tooLarge: 'The members file is larger than 5 MB; split it.' },
];

/** The largest body any route takes: Bun's `maxRequestBodySize`. */
export const MAX_REQUEST_BODY_BYTES = Math.max(DEFAULT_BODY_BYTES, ...LARGE_BODY_ROUTES.map((r) => r.max));

const DEFAULT_TOO_LARGE = `This request is too large: forms here take at most ${DEFAULT_BODY_BYTES / KB} KB. Shorten the text and try again.`;

/** The cap for a request, and what to say when it is over. */
export function bodyCap(request: Request): { max: number; tooLarge: string } {
  if (request.method === 'POST') {
    const path = new URL(request.url).pathname;
    const route = LARGE_BODY_ROUTES.find((r) => r.path.test(path));
    if (route) return route;
  }
  return { max: DEFAULT_BODY_BYTES, tooLarge: DEFAULT_TOO_LARGE };
}

const tooLarge = (message: string) => new AppError('too_large', message);

/** Refuses (413, through the app's error handler) a body over the request's cap. */
export function bodyLimit() {
  return new Elysia({ name: 'body-limit' }).onRequest(async ({ request }) => {
    if (!request.body) return;
    const cap = bodyCap(request);
    const declared = request.headers.get('content-length');
    if (declared !== null) {
      if (!/^\d+$/.test(declared.trim())) throw badRequest('The request has an invalid Content-Length.');
      if (Number(declared) > cap.max) throw tooLarge(cap.tooLarge);
      return;
    }
    // No Content-Length (chunked, or a Request built in a test): count what arrives, up to the cap.
    const reader = request.clone().body!.getReader();
    let read = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
      if (read > cap.max) {
        void reader.cancel().catch(() => {});
        throw tooLarge(cap.tooLarge);
      }
    }
  });
}
