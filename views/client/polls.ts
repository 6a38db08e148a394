/**
 * Polls on the page (server: server/features/chat/polls.ts; markup: views/polls.ts).
 * - An answer's button sends the vote the reader wants (`on`: chosen or taken back), over the
 *   socket; the button shows it is on its way until the poll's box comes back. Sending what she
 *   wants, not "toggle", makes a double tap on a slow line harmless. Close poll (its writer, the
 *   room's owners and moderators: CSS hides it from others) asks first.
 * - A poll's box comes with its message, or alone (`poll-<id>` partials: a vote or a close, a
 *   reconnect's catch-up). Two things in it have their own times: the counts (`data-at`: the page
 *   keeps the newest) and the reader's choices (`data-marks-at`, only on a box rendered for her:
 *   a push to the room carries no one's choices, so the page keeps its own from the box it
 *   replaces). Her own box may arrive after a newer room box: its choices still count.
 * - A poll whose results wait for its close goes to the room without counts, and to its writer
 *   with them right after: her page keeps the counts it shows rather than blink.
 * Nothing is shown as chosen before the server takes it: the push is the answer (a refusal says why).
 */
import { at, NO_CONNECTION, seen } from './reactions';

export interface PollDeps {
  openRoom: () => string | null;
  send: (frame: Record<string, unknown>) => boolean;
  roomAlert: (room: string, text: string | null) => void;
}

/** A vote not answered by then stops showing as on its way (the connection's own watch says more). */
const SENDING_MS = 15_000;
const marksAt = (box: HTMLElement) => (box.dataset.marksAt === undefined ? -1 : Number(box.dataset.marksAt));

/** Puts `from`'s choices (and their time) on `to`'s answers. */
function copyMarks(from: HTMLElement, to: HTMLElement) {
  for (const b of to.querySelectorAll<HTMLElement>('.poll-opt')) {
    const was = from.querySelector(`.poll-opt[data-option="${CSS.escape(b.dataset.option ?? '')}"]`);
    b.setAttribute('aria-pressed', was?.getAttribute('aria-pressed') === 'true' ? 'true' : 'false');
  }
  if (from.dataset.marksAt === undefined) delete to.dataset.marksAt;
  else to.dataset.marksAt = from.dataset.marksAt;
}

/** Which of the two boxes of one poll to show, each part the newest: `box` with the newest choices, or `cur` with newer choices put in. */
function merge(cur: HTMLElement, box: HTMLElement): HTMLElement {
  const newerMarks = marksAt(box) > marksAt(cur);
  // The room's count-less box of a poll whose results wait for its close, over the counts its writer sees.
  const blink = !box.hasAttribute('data-closed') && !box.querySelector('.n') && cur.querySelector('.n') !== null;
  if (at(box) >= at(cur) && !blink) {
    if (!newerMarks) copyMarks(cur, box);
    return box;
  }
  if (newerMarks) copyMarks(box, cur);
  return cur;
}

export function polls({ openRoom, send, roomAlert }: PollDeps) {
  document.addEventListener('click', (e) => {
    const b = (e.target as HTMLElement).closest<HTMLElement>('.poll button[data-action]');
    const art = b?.closest<HTMLElement>('article.msg');
    const room = openRoom();
    if (!b || !art || !room || b.hasAttribute('disabled')) return;
    const message = art.id.slice(2);
    if (b.dataset.action === 'close-poll' && !confirm('Close this poll? Nobody can vote in it after that.')) return;
    const frame = b.dataset.action === 'vote' ? { type: 'vote', room, message, option: Number(b.dataset.option), on: b.getAttribute('aria-pressed') !== 'true' } : { type: 'close-poll', room, message };
    if (!send(frame)) return roomAlert(room, NO_CONNECTION);
    roomAlert(room, null);
    if (b.dataset.action !== 'vote') return;
    b.classList.add('sending');
    setTimeout(() => b.classList.remove('sending'), SENDING_MS);
  });

  /** A `poll-<id>` partial arrived. */
  function apply(messageId: string, partial: Element) {
    const box = partial.querySelector<HTMLElement>('.poll');
    if (!box) return;
    seen(box);
    const cur = document.getElementById(`poll-${messageId}`);
    // Not on this page, or gone (a deleted or hidden poll shows no box).
    if (!cur) return;
    const shown = merge(cur, box);
    if (shown === box) cur.replaceWith(box);
    shown.querySelectorAll('.sending').forEach((b) => b.classList.remove('sending'));
  }

  /** A newer copy of a message replaces `old` (a release after a hide…): its box keeps the newest of each part. */
  function carry(old: HTMLElement | null, art: HTMLElement) {
    const box = art.querySelector<HTMLElement>('.poll');
    if (box) seen(box);
    const cur = old?.querySelector<HTMLElement>('.poll');
    if (box && cur && merge(cur, box) === cur) box.replaceWith(cur);
  }

  /** A vote or close was refused (reject-poll): the poll's buttons are no longer on their way. */
  function refused(messageId: string) {
    document.querySelectorAll(`#poll-${CSS.escape(messageId)} .sending`).forEach((b) => b.classList.remove('sending'));
  }

  return { apply, carry, refused };
}
