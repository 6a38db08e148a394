/**
 * A room's messages as they are pushed (`log-<room>` partials): told to the typing lines, desktop
 * notifications and, for a room not on screen, its unread badges; placed in the open room's log.
 * Owns the log's ordering and de-duplication (insert by seq, replace only by a newer rev), so
 * replays after a reconnect can overlap live pushes without showing anything twice, and how a
 * message is marked for this reader (hers, mentioning her).
 */
import { missedWhileHidden } from './elsewhere';
import { mentionsMe } from './mentions';
import type { Notifier } from './notify';
import type { OutboxView } from './outbox-view';
import type { typingLines } from './typing';
import type { editBoxes } from './edit-box';

declare const htmx: { process(elt: Element): void };

export interface MessageLogDeps {
  me: string;
  roomEl: () => HTMLElement | null;
  openRoom: () => string | null;
  typers: ReturnType<typeof typingLines>;
  notifier: Notifier;
  /** The room list's badges for a room not on screen (elsewhere.ts unreadCounter). */
  countUnread: (roomId: string, art: HTMLElement) => void;
  edits: ReturnType<typeof editBoxes>;
  outbox: OutboxView;
  /** Tells the server, shortly, what has been read in the open room. */
  scheduleRead: () => void;
  /** A revision of a message arrived, shown or not: quotes of it follow (replies.ts). */
  changed: (art: HTMLElement) => void;
  /** A copy of a message is about to be shown (replacing `old`, if any): its reaction chips' pressed state (reactions.ts). */
  carry: (old: HTMLElement | null, art: HTMLElement) => void;
  /** A message was placed in the page: its quote catches up with what the page knows (replies.ts). */
  placed: (art: HTMLElement) => void;
}

export function messageLog({ me, roomEl, openRoom, typers, notifier, countUnread, edits, outbox, scheduleRead, changed, carry, placed }: MessageLogDeps) {
  /** A `log-<room>` partial: `log` is that room's log on this page, if it is the open one; `reset` replaces it whole. */
  function onMessages(roomId: string, log: HTMLElement | null, partial: Element, reset: boolean) {
    const arts = Array.from(partial.querySelectorAll<HTMLElement>('article.msg'));
    // Whoever just sent a message has stopped typing it.
    for (const a of arts) if (a.dataset.rev === a.dataset.seq && a.dataset.sender) typers.stopped(roomId, a.dataset.sender);
    notifier.arrived(roomId, arts, openRoom());
    if (!log) return arts.forEach((a) => countUnread(roomId, a));
    // Before any is placed or dropped (a hidden message's tombstone may replace nothing here).
    arts.forEach(changed);
    // A page of older messages (data-history) stays the window it is: changes update what it shows.
    const fixed = roomEl()?.dataset.history !== undefined;
    if (reset && fixed) return;
    if (reset) {
      log.replaceChildren(...Array.from(partial.childNodes));
      htmx.process(log);
      log.querySelectorAll<HTMLElement>('article.msg').forEach(decorate);
    } else {
      const stick = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
      for (const a of arts) {
        const fresh = !document.getElementById(a.id);
        if (!fixed || !fresh) upsert(log, a);
        if (fresh && document.hidden && a.isConnected) missedWhileHidden(a, me, openRoom());
      }
      if (stick) log.scrollTop = log.scrollHeight;
    }
    const room = roomEl();
    if (room && room.dataset.room === roomId) {
      const maxRev = Math.max(Number(room.dataset.lastRev ?? 0), ...arts.map((a) => Number(a.dataset.rev)));
      room.dataset.lastRev = String(maxRev);
      scheduleRead();
    }
  }

  /** Insert by seq; an existing message is replaced only by a newer revision. */
  function upsert(log: HTMLElement, art: HTMLElement) {
    const old = document.getElementById(art.id);
    if (old) {
      if (Number(art.dataset.rev) > Number(old.dataset.rev)) {
        edits.answered(art.id.slice(2));
        carry(old, art);
        old.replaceWith(art);
        decorate(art);
      }
      return;
    }
    // A message hidden by safeguarding: only a copy this page shows is replaced, nothing is added.
    if (art.hasAttribute('data-replace-only')) return;
    carry(null, art);
    const seq = Number(art.dataset.seq);
    const all = log.querySelectorAll<HTMLElement>(':scope > article.msg');
    const first = all[0];
    // Older than anything loaded while more history exists: it will come with that page.
    if (first && seq < Number(first.dataset.seq) && log.querySelector(':scope > .older')) return;
    let ref: HTMLElement | null = null;
    for (let i = all.length - 1; i >= 0; i--) if (Number(all[i]!.dataset.seq) < seq) { ref = all[i]!; break; }
    if (ref) ref.after(art);
    else {
      const head = log.querySelector(':scope > .older, :scope > .start');
      if (head) head.after(art);
      else log.prepend(art);
    }
    htmx.process(art);
    decorate(art);
  }

  /** Marks a message shown on the page for this reader; her own, once it is stored, leaves the outbox. */
  function decorate(art: HTMLElement) {
    placed(art);
    const mine = art.dataset.sender === me;
    art.classList.toggle('mine', mine);
    art.classList.toggle('mentions-me', mentionsMe(art, me));
    if (mine && art.dataset.clientId) outbox.confirmed(art.dataset.clientId);
  }

  return { onMessages, decorate };
}
