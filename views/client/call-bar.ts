/**
 * The room's call bar on every page, before and after call.js (on-demand.ts) is there:
 * - a press of Start call, Start lecture, Start a lecture instead or Join call (a tap, or Enter or
 *   Space on it) loads call.js and is then handed to it (CALL_PRESS), so the first press still
 *   starts or joins; while call.js loads on a slow link the bar says so;
 * - the keyboard focus stays on the bar when a pushed status hides the focused button, which also
 *   happens on pages that never loaded call.js.
 */
import { CALL_PRESS } from './demand-events';
import { UPDATED, type OnDemand } from './on-demand';

const LOADING = 'Getting the call ready…';

export function callBar(scripts: OnDemand) {
  const noteOf = (button: HTMLElement) => document.getElementById(`call-note-${button.closest<HTMLElement>('.call-bar')?.dataset.room}`);
  const press = (button: HTMLElement) => button.dispatchEvent(new CustomEvent(CALL_PRESS, { bubbles: true }));
  // While call.js loads only the last press counts: two taps are not two joins, nor two confirmations.
  let pressed: HTMLElement | null = null;
  document.addEventListener('click', (e) => {
    const button = (e.target as Element).closest?.<HTMLElement>('.call-bar [data-call]');
    if (!button) return;
    if (scripts.has('call')) return void press(button);
    const first = !pressed;
    pressed = button;
    const note = noteOf(button);
    if (note) note.textContent = LOADING;
    if (!first) return;
    scripts.need(
      'call',
      () => {
        const b = pressed!;
        pressed = null;
        const n = noteOf(b);
        if (n?.textContent === LOADING) n.textContent = '';
        press(b);
      },
      () => {
        const n = noteOf(pressed!);
        pressed = null;
        if (n) n.textContent = `The call could not be loaded. Check your connection and press the button again. ${UPDATED}`;
      },
    );
  });

  // The bar's buttons follow the call's state (CSS on the pushed status): a pushed status can hide
  // the button that has the keyboard focus (Join call once the call ends, Start call once one
  // starts), which drops the focus to the page's body. It goes to the bar's button now shown instead.
  let lastFocus: Element | null = null;
  document.addEventListener('focusin', (e) => (lastFocus = e.target as Element));
  new MutationObserver(() => {
    const bar = lastFocus?.closest<HTMLElement>('.call-bar');
    const active = document.activeElement as HTMLElement | null;
    // Lost now, or about to be: a focused element hidden keeps the focus until the next rendering.
    const lost = !active || active === document.body || (bar?.contains(active) && active.offsetParent === null);
    if (!bar || !lost || bar.hasAttribute('data-in-call')) return;
    [...bar.querySelectorAll<HTMLElement>('button')].find((b) => b.offsetParent !== null)?.focus();
  }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-active', 'data-in-call', 'data-closed'] });
}
