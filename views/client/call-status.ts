/**
 * A room's call status (views/calls.ts) reaches a page two ways: pushed on the chat socket at each
 * change (a call started, changed size, ended; or "fetch me again" after a reconnect), and fetched
 * (the bar once the page loads, `/rooms/:id/call`; the status alone, `/rooms/:id/call/status`).
 * A fetch's answer can be older than a push that arrives while it is on its way: the bar read
 * while a call ran lands after the "ended" push, which found no bar to swap into, and the page
 * showed "Join call" for a call that was over.
 *
 * Invariant: pushes arrive in the order the changes happened, and each says the whole state, so
 * the last push received is never older than an answer read before it arrived. A push that finds
 * no status to swap into (the bar is being fetched) is kept, and put in place of what the fetch
 * brings once it has landed. A fetch started after a push is newer than it: starting one forgets
 * what was kept. A push that does find the status swaps into it, and a fetch of that status on its
 * way (a "fetch me again") is then dropped by htmx, which swaps no answer into a target no longer
 * in the page.
 */
const PREFIXES = ['call-slot-', 'call-status-'];

declare const htmx: { process(elt: Element): void };

export interface CallStatusOrder {
  /** A `call-status-<room>` partial arrived on the socket; `target`: the page's status, if any. */
  pushed(roomId: string, partial: Element, target: Element | null): void;
}

export function callStatusOrder(): CallStatusOrder {
  const kept = new Map<string, string>();

  const roomOf = (el: Element) => {
    const p = PREFIXES.find((x) => el.id?.startsWith(x));
    return p ? el.id.slice(p.length) : null;
  };

  function landed(roomId: string) {
    const html = kept.get(roomId);
    kept.delete(roomId);
    const cur = document.getElementById(`call-status-${roomId}`);
    if (html === undefined || !cur) return;
    const tpl = document.createElement('template');
    tpl.innerHTML = html;
    const next = tpl.content.firstElementChild;
    if (!next) return;
    cur.replaceWith(next);
    htmx.process(next); // a "fetch me again" status fetches itself
  }

  document.addEventListener('htmx:before:request', (e) => {
    const el = e.target as Element;
    const roomId = roomOf(el);
    if (!roomId) return;
    kept.delete(roomId);
    // On the element itself: a status swapped with outerHTML is out of the page when this fires.
    el.addEventListener('htmx:finally:request', () => landed(roomId), { once: true });
  });

  return {
    pushed(roomId, partial, target) {
      if (target) return;
      const status = partial.querySelector('.call-status');
      if (status) kept.set(roomId, status.outerHTML);
    },
  };
}
