/**
 * The one gate in front of every /admin URL, run before routing and body parsing (onRequest), so
 * it covers GET and POST, known and unknown paths alike: signed out → 303 /login (a page opened is
 * kept as `next`, e.g. a case link from a safeguarding e-mail); signed in but not an administrator
 * → the same 404 page as any unknown address (except /admin/moderation, which safeguarding
 * officers may also use). Admin forms also carry a per-session CSRF token (defence in depth on top of the app-wide cross-site check in http/context.ts).
 */
import { Elysia, NotFoundError } from 'elysia';
import type { AppContext } from '../../deps';
import { forbidden } from '../../errors';
import { requestInfo } from '../../http/context';
import { RedirectError } from '../../http/respond';
import { timingSafeEqual } from 'node:crypto';
import type { User } from '../../store/types';
import { isOfficer } from '../accounts/model';
import { SESSION_COOKIE, digestToken, resolveSession } from '../accounts/sessions';
import { loginRedirect, requestedPage, withNext } from '../accounts/next-path';
import type { Actor } from '../audit/record';

export interface AdminViewer {
  user: User;
  /** The session's CSRF token, put in every admin form as `_csrf`. */
  csrf: string;
}

const admins = new WeakMap<Request, AdminViewer>();

export const isAdminPath = (pathname: string) => pathname === '/admin' || pathname.startsWith('/admin/');
export const isModerationPath = (pathname: string) => pathname === '/admin/moderation' || pathname.startsWith('/admin/moderation/');

function cookieValue(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Bound to the session (an HMAC of its id digest): a new sign-in gets a new token. */
export function csrfToken(sessionKey: string, sessionIdHash: string): string {
  return digestToken(sessionKey, `csrf:${sessionIdHash}`);
}

export function adminGuard(app: AppContext) {
  return new Elysia({ name: 'admin-guard' }).onRequest(async ({ request }) => {
    const pathname = new URL(request.url).pathname;
    if (!isAdminPath(pathname)) return;
    const v = await resolveSession(app.auth, cookieValue(request, SESSION_COOKIE));
    if (!v) throw new RedirectError(loginRedirect(request));
    requestInfo(request).userId = v.user.id;
    // Safeguarding officers (permission, not role) get the moderation pages and nothing else.
    const officerHere = isModerationPath(pathname) && isOfficer(v.user);
    if (v.user.role !== 'admin' && !officerHere) throw new NotFoundError();
    if (v.user.mustSetPassword) throw new RedirectError(withNext('/password', requestedPage(request)));
    admins.set(request, { user: v.user, csrf: csrfToken(app.auth.sessionKey, v.idHash) });
  });
}

/** The administrator behind this /admin request (the guard has checked). */
export function adminOf(request: Request): AdminViewer {
  const a = admins.get(request);
  if (!a) throw new NotFoundError();
  return a;
}

export function actorOf(request: Request): Actor {
  return { userId: adminOf(request).user.id, origin: requestInfo(request).ip ?? 'unknown' };
}

/** beforeHandle for admin routes: unsafe methods must carry the session's token in `_csrf`. */
export function checkCsrf({ request, body }: { request: Request; body: unknown }) {
  if (request.method === 'GET' || request.method === 'HEAD') return;
  const given = (body as { _csrf?: unknown } | null)?._csrf;
  const expected = adminOf(request).csrf;
  if (typeof given !== 'string' || given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
    throw forbidden('This form has expired. Go back, reload the page and try again.');
  }
}
