/**
 * Reactions on the page (server: server/features/chat/reactions.ts; the set: views/reaction-set.ts).
 * - A chip (👍 3) toggles one's own reaction; React opens a small menu of the set.
 * - Whether a chip is pressed is the viewer's: a page and a replay are rendered for her (aria-pressed
 *   set), but a push to the room serves every member, so it carries no pressed state, only who
 *   changed what (data-actor…). `carry` keeps the page's own pressed chips from the copy it replaces
 *   and applies the change when the actor is this page's person (her other tab or device).
 * Nothing is shown before the server takes it: the message's push is the answer (a refusal says why).
 */
import { REACTIONS } from '../reaction-set';

export interface ReactionDeps {
  me: string;
  openRoom: () => string | null;
  send: (frame: Record<string, unknown>) => boolean;
  roomAlert: (room: string, text: string | null) => void;
}

const NO_CONNECTION = 'Not sent: there is no connection. Try again when it is back.';

export function reactions({ me, openRoom, send, roomAlert }: ReactionDeps) {
  /** Pressed state for a copy of a message that came without it (a push to the room). */
  function carry(old: HTMLElement | null, art: HTMLElement) {
    const box = art.querySelector<HTMLElement>('.reactions');
    if (!box) return;
    for (const chip of box.querySelectorAll<HTMLElement>('.rx:not([aria-pressed])')) {
      const before = old?.querySelector<HTMLElement>(`.rx[data-emoji="${CSS.escape(chip.dataset.emoji!)}"]`);
      chip.setAttribute('aria-pressed', before?.getAttribute('aria-pressed') === 'true' ? 'true' : 'false');
    }
    if (box.dataset.actor === me) box.querySelector(`.rx[data-emoji="${CSS.escape(box.dataset.actorEmoji ?? '')}"]`)?.setAttribute('aria-pressed', box.dataset.actorOn === '1' ? 'true' : 'false');
  }

  function toggle(art: HTMLElement, emoji: string) {
    const room = openRoom();
    if (!room) return;
    const pressed = art.querySelector(`.rx[data-emoji="${CSS.escape(emoji)}"]`)?.getAttribute('aria-pressed') === 'true';
    if (send({ type: 'react', room, message: art.id.slice(2), emoji, on: !pressed })) roomAlert(room, null);
    else roomAlert(room, NO_CONNECTION);
  }

  function closeMenus(except?: Element) {
    document.querySelectorAll('.rx-menu').forEach((m) => m !== except && m.remove());
  }

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
      b.setAttribute('aria-pressed', art.querySelector(`.rx[data-emoji="${CSS.escape(r.emoji)}"]`)?.getAttribute('aria-pressed') === 'true' ? 'true' : 'false');
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

  return { carry };
}
