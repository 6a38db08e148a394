/**
 * Loading older messages (the `.older` sentinel at the top of a room's log, views/chat.ts
 * olderSentinel; htmx fetches a page of history when it scrolls into view and swaps it in for the
 * sentinel, with the next sentinel on top).
 *
 * - The reader keeps her place: the first message on screen stays where it was when older ones
 *   are put above it. Without this the log stayed scrolled to the very top, the new sentinel was
 *   in view at once and loaded the next page, and the next, to the first message ever sent: a
 *   course room's whole history on paid mobile data, and the reader lost.
 * - A failed load is not swapped into the log (htmx 4 swaps error responses: a whole "Not found"
 *   page appeared among the messages). The sentinel says what went wrong; after a network
 *   failure or a server error it offers to try again (an `intersect once` trigger never fires
 *   again by itself); a 404/403 (no longer a member) says so and stops.
 */
import { toSignIn } from './to-sign-in';

declare const htmx: { process(elt: Element): void };

/** `added`: called for each message article an older page puts in the log (the page marks its own, `.mine`). */
export function keepOlderLoading(log: HTMLElement, added: (article: HTMLElement) => void) {
  let anchor: { el: Element; top: number } | null = null;
  log.addEventListener('htmx:before:swap', (e) => {
    const sentinel = e.target as HTMLElement;
    if (!sentinel.classList?.contains('older')) return;
    const response = (e as CustomEvent).detail?.ctx?.response;
    const status = response?.status ?? 0;
    // The session lapsed: the request was sent on to the sign-in page, which is no page of messages.
    if (response?.raw?.redirected) {
      e.preventDefault();
      toSignIn();
      return;
    }
    if (status >= 400) {
      e.preventDefault();
      return failed(sentinel, status);
    }
    const first = sentinel.nextElementSibling;
    anchor = first ? { el: first, top: first.getBoundingClientRect().top } : null;
  });
  // Runs after the swap's DOM change and before the page is painted.
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) if (n instanceof HTMLElement && n.matches('article.msg')) added(n);
    if (!anchor) return;
    if (anchor.el.isConnected) log.scrollTop += anchor.el.getBoundingClientRect().top - anchor.top;
    anchor = null;
  }).observe(log, { childList: true });
  log.addEventListener('htmx:error', (e) => {
    const sentinel = e.target as HTMLElement;
    if (sentinel.classList?.contains('older')) failed(sentinel, 0);
  });
}

function failed(sentinel: HTMLElement, status: number) {
  const again = sentinel.cloneNode(true) as HTMLElement;
  const p = document.createElement('p');
  p.setAttribute('role', 'status');
  sentinel.replaceChildren(p);
  // Keep it from being processed as a trigger again: htmx has already spent its `once`.
  if (status === 404 || status === 403) {
    p.textContent = 'Older messages cannot be loaded: you are no longer a member of this room.';
    return;
  }
  p.textContent = status ? 'Older messages could not be loaded. ' : 'Older messages could not be loaded (no connection). ';
  const retry = document.createElement('button');
  retry.type = 'button';
  retry.textContent = 'Try again';
  retry.addEventListener('click', () => {
    sentinel.replaceWith(again);
    htmx.process(again);
  });
  p.append(retry);
}
