/**
 * Who is signing this request: resolves the session cookie once per request (lazily, so asset
 * requests never touch the store) and offers the guards routes call.
 */
import { Elysia } from 'elysia';
import type { AppContext } from '../../deps';
import { RedirectError } from '../../http/respond';
import { requestInfo } from '../../http/context';
import type { User } from '../../store/types';
import { SESSION_COOKIE, resolveSession } from './sessions';
import { loginRedirect, requestedPage, withNext } from './next-path';

export interface Viewer {
  user: User;
  idHash: string;
}

export function sessionCookieOptions(app: AppContext) {
  return {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: app.config.secureCookies,
    path: '/',
    // The server enforces the sliding expiry; the cookie just has to outlive it.
    maxAge: Math.floor(app.config.sessionIdleMs / 1000),
  };
}

export function viewerPlugin(app: AppContext) {
  return new Elysia({ name: 'viewer' }).derive({ as: 'global' }, ({ request, cookie }) => {
    let cached: Promise<Viewer | null> | undefined;
    const viewer = () =>
      (cached ??= resolveSession(app.auth, cookie[SESSION_COOKIE]?.value as string | undefined).then((v) => {
        if (v) requestInfo(request).userId = v.user.id;
        return v;
      }));
    /**
     * The signed-in user, or a redirect to /login (remembering the page asked for, next-path.ts).
     * Users who signed in with a one-time code are sent to /password until they choose one (unless
     * `allowPasswordPending`), and on to that page after.
     */
    const requireUser = async (opts: { allowPasswordPending?: boolean } = {}): Promise<Viewer> => {
      const v = await viewer();
      if (!v) throw new RedirectError(loginRedirect(request));
      if (v.user.mustSetPassword && !opts.allowPasswordPending) throw new RedirectError(withNext('/password', requestedPage(request)));
      return v;
    };
    return { viewer, requireUser };
  });
}
