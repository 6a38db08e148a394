/**
 * A socket refused at the upgrade (401: the session lapsed while the laptop slept, an administrator
 * reset the password) closes in the browser exactly like a lost network (1006), so an open page
 * would retry for ever behind "Reconnecting…", its messages queued for nobody. After a connection
 * fails, the page asks `/session` (at most every CHECK_MS; server/features/accounts/routes.ts):
 * signed out, or someone else signed in on this browser → the sign-in page, back here afterwards.
 * Offline or the server down: nothing is known, the page keeps retrying.
 */
import { toSignIn } from './to-sign-in';

const CHECK_MS = 15_000;
let last = -Infinity;

export function checkSession(code?: number): void {
  // A refused upgrade closes with 1006; a tab hidden (hx-ws closes its socket then) or a close the
  // page made itself needs no question, nor a request that slides the session's idle expiry.
  if ((code !== undefined && code !== 1006) || document.hidden) return;
  if (!navigator.onLine || Date.now() - last < CHECK_MS) return;
  last = Date.now();
  const me = document.querySelector<HTMLElement>('[data-me]')?.dataset.me;
  fetch(`/session${me ? `?as=${encodeURIComponent(me)}` : ''}`, { cache: 'no-store' }).then(
    (r) => void (r.status === 401 && toSignIn()),
    () => {},
  );
}
