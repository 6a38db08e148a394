/**
 * Sends the page to sign in again, coming back to where it was (server/features/accounts/next-path.ts).
 * Nothing on the page can be saved any more, so whatever asks before leaving (an upload in progress,
 * leave-guard.ts) is told first (`lt:signed-out`): whichever socket learns of the sign-out first,
 * the person is not asked "Leave site?" about work that is lost anyway.
 */
export const SIGNED_OUT_EVENT = 'lt:signed-out';

export function toSignIn() {
  dispatchEvent(new Event(SIGNED_OUT_EVENT));
  const here = location.pathname + location.search;
  location.href = here === '/' ? '/login' : `/login?next=${encodeURIComponent(here)}`;
}
