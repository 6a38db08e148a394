/**
 * Drafts: what is typed in a room's composer and not sent yet is kept per person and room, for the
 * tab (sessionStorage `lt-draft:<userId>:<roomId>`), so switching rooms, a reload or a page the
 * phone dropped to save memory loses nothing; it is back in the box on the room's next page. Sent
 * (it is then in the outbox, which keeps it until the server has it) or emptied, it goes.
 * sessionStorage, not localStorage: two tabs of one room do not overwrite each other's draft, and a
 * tab left open through a sign-out elsewhere cannot write a draft back into the next person's
 * storage. Like the outbox its key starts with `lt-`, so the sign-in page clears it too.
 */
import { showLength } from './length';

/** Writes wait this long after the last key (a long message is not written at every key). */
const SAVE_AFTER_MS = 400;

export function keepDrafts(me: string, roomId: string | null) {
  const box = document.getElementById('message');
  if (!roomId || !(box instanceof HTMLTextAreaElement)) return { sent() {} };
  const key = `lt-draft:${me}:${roomId}`;
  const store = (text: string | null) => {
    try {
      if (text?.trim()) sessionStorage.setItem(key, text);
      else sessionStorage.removeItem(key);
    } catch {
      // storage full or disabled: the draft is only on the page
    }
  };
  let saved: string | null = null;
  try {
    saved = sessionStorage.getItem(key);
  } catch {
    /* disabled */
  }
  // Not over what is there already (a browser that kept the form's text itself).
  if (saved && !box.value) {
    box.value = saved;
    showLength(box);
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const save = () => (clearTimeout(timer), store(box.value));
  box.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(save, SAVE_AFTER_MS);
  });
  // Leaving the page (another room, a reload, the tab hidden before the phone drops it): at once.
  window.addEventListener('pagehide', save);
  document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && save());
  return {
    /** The composer's text was sent (it is in the outbox now). */
    sent() {
      clearTimeout(timer);
      store(null);
    },
  };
}
