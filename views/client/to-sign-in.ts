/** Sends the page to sign in again, coming back to where it was (server/features/accounts/next-path.ts). */
export function toSignIn() {
  const here = location.pathname + location.search;
  location.href = here === '/' ? '/login' : `/login?next=${encodeURIComponent(here)}`;
}
