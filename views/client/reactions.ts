/**
 * Reactions on the page (server: server/features/chat/reactions.ts; the set: views/reaction-set.ts).
 * - A chip (👍 3) toggles one's own reaction; React opens a small menu of the set.
 * - A message's reaction box comes with the message, or alone (`rx-<id>` partials: a change, a
 *   reconnect's catch-up, or the answer to a change that changed nothing). Each box says when its
 *   counts were read (`data-at`): the page keeps the newest it has seen of each message, whatever
 *   order pushes arrive in, and remembers the newest time of the room for its next catch-up.
 * - Whether a chip is pressed is the viewer's: a page, a replay or an answer is rendered for her
 *   (aria-pressed set), but a push to the room serves every member, so it carries none, only who
 *   changed what (data-actor…): the page keeps its own pressed chips from the box it replaces and
 *   applies the change when the actor is its own person (her other tab or device).
 * Nothing is shown before the server takes it: the push is the answer (a refusal says why).
 */
import { REACTIONS } from '../reaction-set';

export interface ReactionDeps {
  me: string;
  openRoom: () => string | null;
  send: (frame: Record<string, unknown>) => boolean;
  roomAlert: (room: string, text: string | null) => void;
}

/** Said when a reaction or a vote cannot go (no socket): neither has an outbox. */
export const NO_CONNECTION = 'Not sent: there is no connection. Try again when it is back.';
/** When a box's counts were read (a reaction or poll box's `data-at`). */
export const at = (box: Element | null | undefined) => Number((box as HTMLElement | null)?.dataset.at ?? 0);

/** The room's newest box time seen, reactions' and polls' (the next catch-up starts there: `rxAt` in `resume`). */
export function seen(box: HTMLElement) {
  const room = document.querySelector<HTMLElement>('main.room[data-room]');
  if (room && at(box) > Number(room.dataset.rxAt ?? 0)) room.dataset.rxAt = String(at(box));
}

export function reactions({ me, openRoom, send, roomAlert }: ReactionDeps) {
  /** Pressed state for a box that came without it (a push to the room), from the box it replaces. */
  function settle(cur: Element | null, box: HTMLElement) {
    for (const chip of box.querySelectorAll<HTMLElement>('.rx:not([aria-pressed])')) {
      const before = cur?.querySelector(`.rx[data-emoji="${CSS.escape(chip.dataset.emoji!)}"]`);
      chip.setAttribute('aria-pressed', before?.getAttribute('aria-pressed') === 'true' ? 'true' : 'false');
    }
    if (box.dataset.actor === me) box.querySelector(`.rx[data-emoji="${CSS.escape(box.dataset.actorEmoji ?? '')}"]`)?.setAttribute('aria-pressed', box.dataset.actorOn === '1' ? 'true' : 'false');
  }

  /** Puts `box` into `art` in place of its box, or where a box goes (before "Sent" and the actions). */
  function place(art: HTMLElement, box: HTMLElement) {
    const cur = art.querySelector(':scope > .reactions');
    if (cur) return void cur.replaceWith(box);
    art.insertBefore(box, art.querySelector(':scope > .state, :scope > .actions'));
  }

  /** An `rx-<id>` partial arrived. */
  function apply(messageId: string, partial: Element) {
    const box = partial.querySelector<HTMLElement>('.reactions');
    if (!box) return;
    seen(box);
    const art = document.getElementById(`m-${messageId}`);
    // Not on this page, or gone (a deleted or hidden message shows no reactions).
    if (!art || art.classList.contains('deleted')) return;
    const cur = art.querySelector(':scope > .reactions');
    if (cur && at(cur) > at(box)) return;
    settle(cur, box);
    place(art, box);
  }

  /** A newer copy of a message replaces `old` (an edit, a hide…): its box is the newer of the two. */
  function carry(old: HTMLElement | null, art: HTMLElement) {
    const box = art.querySelector<HTMLElement>(':scope > .reactions');
    const cur = old?.querySelector<HTMLElement>(':scope > .reactions') ?? null;
    if (box) seen(box);
    if (art.classList.contains('deleted')) return;
    if (cur && at(cur) > at(box)) return place(art, cur);
    if (box) settle(cur, box);
  }

  function toggle(art: HTMLElement, emoji: string) {
    const room = openRoom();
    if (!room) return;
    const pressed = art.querySelector(`.reactions .rx[data-emoji="${CSS.escape(emoji)}"]`)?.getAttribute('aria-pressed') === 'true';
    if (send({ type: 'react', room, message: art.id.slice(2), emoji, on: !pressed })) roomAlert(room, null);
    else roomAlert(room, NO_CONNECTION);
  }

  const closeMenus = () => document.querySelectorAll('.rx-menu').forEach((m) => m.remove());

  function openMenu(art: HTMLElement, opener: HTMLElement) {
    const open = art.querySelector('.rx-menu');
    closeMenus();
    if (open) return; // a second press closes it
    const menu = document.createElement('div');
    menu.className = 'rx-menu';
    menu.setAttribute('role', 'group');
    menu.setAttribute('aria-label', opener.getAttribute('aria-label') ?? 'React');
    for (const r of REACTIONS) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'rx-pick';
      b.dataset.emoji = r.emoji;
      b.textContent = r.emoji;
      b.setAttribute('aria-label', r.name);
      b.setAttribute('aria-pressed', art.querySelector(`.reactions .rx[data-emoji="${CSS.escape(r.emoji)}"]`)?.getAttribute('aria-pressed') === 'true' ? 'true' : 'false');
      menu.append(b);
    }
    art.append(menu);
    menu.querySelector<HTMLElement>('button')?.focus();
  }

  document.addEventListener('click', (e) => {
    const t = e.target as HTMLElement;
    const art = t.closest<HTMLElement>('article.msg');
    const chip = t.closest<HTMLElement>('button.rx, button.rx-pick');
    if (art && chip) {
      closeMenus();
      return toggle(art, chip.dataset.emoji!);
    }
    const opener = t.closest<HTMLElement>('button[data-action="react"]');
    if (art && opener) return openMenu(art, opener);
    if (!t.closest('.rx-menu')) closeMenus();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    const menu = (e.target as HTMLElement).closest?.('.rx-menu');
    if (!menu) return;
    menu.closest('article.msg')?.querySelector<HTMLElement>('button[data-action="react"]')?.focus();
    menu.remove();
  });

  return { apply, carry };
}
