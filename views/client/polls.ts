/**
 * Polls on the page (server: server/features/chat/polls.ts; markup: views/polls.ts).
 * - An answer's button sends a vote over the socket (pressed again, it takes it back); Close poll
 *   (its writer, the room's owners and moderators: CSS hides it from others) asks first.
 * - A poll's box comes with its message, or alone (`poll-<id>` partials: a vote or a close, a
 *   reconnect's catch-up). The page keeps the newest box it has seen of each poll (`data-at`).
 * - Which answers are pressed is the reader's: a box pushed to the room carries none (no one's
 *   choices go to everyone), so the page keeps its own from the box it replaces; her own vote
 *   comes back to her pages as the box rendered for her, read after the room's.
 * Nothing is shown before the server takes it: the push is the answer (a refusal says why).
 */
import { at, seen } from './reactions';

export interface PollDeps {
  openRoom: () => string | null;
  send: (frame: Record<string, unknown>) => boolean;
  roomAlert: (room: string, text: string | null) => void;
}

const NO_CONNECTION = 'Not sent: there is no connection. Try again when it is back.';

export function polls({ openRoom, send, roomAlert }: PollDeps) {
  document.addEventListener('click', (e) => {
    const b = (e.target as HTMLElement).closest<HTMLElement>('.poll button[data-action]');
    const art = b?.closest<HTMLElement>('article.msg');
    const room = openRoom();
    if (!b || !art || !room) return;
    const message = art.id.slice(2);
    if (b.dataset.action === 'close-poll' && !confirm('Close this poll? Nobody can vote in it after that.')) return;
    const frame = b.dataset.action === 'vote' ? { type: 'vote', room, message, option: Number(b.dataset.option) } : { type: 'close-poll', room, message };
    roomAlert(room, send(frame) ? null : NO_CONNECTION);
  });

  /** A `poll-<id>` partial arrived. */
  function apply(messageId: string, partial: Element) {
    const box = partial.querySelector<HTMLElement>('.poll');
    if (!box) return;
    seen(box);
    const cur = document.getElementById(`poll-${messageId}`);
    // Not on this page, or gone (a deleted or hidden poll shows no box).
    if (!cur || at(cur) > at(box)) return;
    for (const b of box.querySelectorAll<HTMLElement>('.poll-opt:not([aria-pressed])')) {
      const before = cur.querySelector(`.poll-opt[data-option="${CSS.escape(b.dataset.option ?? '')}"]`);
      b.setAttribute('aria-pressed', before?.getAttribute('aria-pressed') === 'true' ? 'true' : 'false');
    }
    cur.replaceWith(box);
  }

  return { apply };
}
