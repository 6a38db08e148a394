/** HTTP routes for signing in and out and setting a password. Validation → action → page. */
import { Elysia, t, type Cookie } from 'elysia';
import type { AppContext } from '../../deps';
import { AppError, httpStatus } from '../../errors';
import { requestInfo } from '../../http/context';
import { sendHtml, seeOther } from '../../http/respond';
import { layout } from '../../../views/layout';
import { loginForm, logoutForm, passwordChanged, passwordForm } from '../../../views/accounts';
import { setPassword, signIn } from './auth';
import { sessionCookieOptions, viewerPlugin } from './guard';
import { SESSION_COOKIE, endSession } from './sessions';
import { DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE_SEC, deviceEntries } from './devices';
import { NEXT_MAX, safeNext, withNext } from './next-path';

// `next`: the page to open after signing in (next-path.ts); checked again wherever it is used.
const nextField = t.Optional(t.String({ maxLength: NEXT_MAX }));
const nextQuery = t.Object({ next: nextField });

export function accountRoutes(app: AppContext) {
  // Only the sign-in form reads it (devices.ts).
  const setDeviceCookie = (cookie: Record<string, Cookie<unknown>>, value: string) =>
    cookie[DEVICE_COOKIE]!.set({ value, httpOnly: true, sameSite: 'lax', secure: app.config.secureCookies, path: '/login', maxAge: DEVICE_COOKIE_MAX_AGE_SEC });
  const page = (title: string, body: ReturnType<typeof loginForm>, scripts?: string[]) => layout({ title, body, asset: app.assets.url, scripts });
  // The sign-in page clears the last person's data kept in this browser (views/client/signed-out.ts).
  const signInPage = (form: ReturnType<typeof loginForm>) => page('Sign in', form, ['signed-out.js']);
  return new Elysia({ name: 'accounts' })
    .use(viewerPlugin(app))
    .get(
      '/login',
      async ({ query, set, viewer }) => {
        if (await viewer()) return seeOther(set, safeNext(query.next));
        return sendHtml(set, signInPage(loginForm({ next: safeNext(query.next) })));
      },
      { query: nextQuery },
    )
    .post(
      '/login',
      async ({ body, set, request, cookie, viewer }) => {
        try {
          const { token, user, deviceCookie } = await signIn(app.auth, {
            email: body.email,
            secret: body.password,
            ip: requestInfo(request).ip,
            userAgent: request.headers.get('user-agent'),
            devices: deviceEntries(request.headers.get('cookie')),
          });
          if (deviceCookie) setDeviceCookie(cookie, deviceCookie);
          // The session this browser had (perhaps another account's) ends with its sockets: the cookie is replaced.
          const earlier = await viewer();
          if (earlier) {
            await endSession(app.auth, cookie[SESSION_COOKIE]?.value as string | undefined);
            app.auth.live?.closeUser(earlier.user.id, 4401, 'Signed out', earlier.idHash);
          }
          cookie[SESSION_COOKIE]!.set({ value: token, ...sessionCookieOptions(app) });
          return seeOther(set, user.mustSetPassword ? withNext('/password', body.next) : safeNext(body.next));
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          if (e.kind === 'rate_limited') set.headers['retry-after'] = String(e.details.retryAfterSec);
          return sendHtml(set, signInPage(loginForm({ email: body.email, error: e.message, next: safeNext(body.next) })), httpStatus(e));
        }
      },
      { body: t.Object({ email: t.String({ maxLength: 320 }), password: t.String({ maxLength: 1024 }), next: nextField }) },
    )
    .get(
      '/password',
      async ({ query, set, requireUser }) => {
        const { user } = await requireUser({ allowPasswordPending: true });
        return sendHtml(set, page('Password', passwordForm({ mustSet: user.mustSetPassword, next: safeNext(query.next) })));
      },
      { query: nextQuery },
    )
    .post(
      '/password',
      async ({ body, set, request, cookie, requireUser }) => {
        const { user } = await requireUser({ allowPasswordPending: true });
        try {
          const { token, deviceCookie } = await setPassword(app.auth, user, {
            current: body.current_password,
            next: body.new_password,
            confirm: body.confirm_password,
            ip: requestInfo(request).ip,
            userAgent: request.headers.get('user-agent'),
            devices: deviceEntries(request.headers.get('cookie')),
          });
          cookie[SESSION_COOKIE]!.set({ value: token, ...sessionCookieOptions(app) });
          setDeviceCookie(cookie, deviceCookie);
          // A change from the Account menu says it worked; a first sign-in goes on to the page asked for.
          return seeOther(set, user.mustSetPassword || body.next ? safeNext(body.next) : '/password/changed');
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          return sendHtml(set, page('Password', passwordForm({ mustSet: user.mustSetPassword, error: e.message, next: safeNext(body.next) })), httpStatus(e));
        }
      },
      {
        body: t.Object({
          current_password: t.Optional(t.String({ maxLength: 1024 })),
          new_password: t.String({ maxLength: 1024 }),
          confirm_password: t.String({ maxLength: 1024 }),
          next: nextField,
        }),
      },
    )
    .get('/password/changed', async ({ set, requireUser }) => {
      await requireUser();
      return sendHtml(set, page('Password changed', passwordChanged()));
    })
    // Whether the page's person is still signed in here (204) or not (401): a socket refused at the
    // upgrade looks to a browser like a lost network, so open pages ask this before retrying for
    // ever (views/client/session-check.ts). `as`: the user id the page was rendered for.
    .get(
      '/session',
      async ({ query, set, viewer }) => {
        const v = await viewer();
        set.headers['cache-control'] = 'no-store';
        // Readable by our own pages only: another site (a sibling subdomain) must not learn from a
        // load or error event whether its visitor is signed in here, nor as whom.
        set.headers['cross-origin-resource-policy'] = 'same-origin';
        set.status = v && !v.user.mustSetPassword && (query.as === undefined || query.as === v.user.id) ? 204 : 401;
        return '';
      },
      { query: t.Object({ as: t.Optional(t.String({ maxLength: 64 })) }) },
    )
    .get('/logout', ({ set }) => sendHtml(set, page('Sign out', logoutForm())))
    .post('/logout', async ({ set, cookie, viewer }) => {
      const v = await viewer();
      await endSession(app.auth, cookie[SESSION_COOKIE]?.value as string | undefined);
      // This browser's other tabs (the same session) are signed out at once; other devices stay.
      if (v) app.auth.live?.closeUser(v.user.id, 4401, 'Signed out', v.idHash);
      cookie[SESSION_COOKIE]!.remove();
      return seeOther(set, '/login');
    });
}
