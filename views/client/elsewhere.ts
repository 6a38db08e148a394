/**
 * What is new in other rooms while one is open. A phone shows one room at a time (the room list is
 * hidden), so a DM or an @mention elsewhere showed nowhere: the room header's "Rooms" link now
 * carries the number of unread messages in the other rooms (with "@" when one mentions you), and
 * the tab's title starts with it. Read from the room list, which the server keeps up to date live
 * (its `rl-<id>` pushes) even while it is hidden.
 */
import { markNewBefore, showNewLine } from './unread-line';
import { mentionsMe, newFromOther } from './mentions';

const baseTitle = document.title.replace(/^\(\d+\) /, '');
/** Messages from others that came into the open room while the tab was hidden: the title counts them too. */
let missedHere = 0;

/**
 * The tab keeps its socket while hidden (network.ts keepOpenInBackground): a new message from
 * someone else in the open room is counted in the title, and the first one gets the "New" line,
 * where the log opens when she is back (as on opening a room).
 */
export function missedWhileHidden(art: HTMLElement, me: string, currentRoom: string | null) {
  if (!newFromOther(art, me)) return;
  if (missedHere === 0) markNewBefore(art);
  missedHere++;
  showElsewhere(currentRoom);
}

/** Back on the tab: the open room's count leaves the title, and the log shows the "New" line. */
export function backOnTab(currentRoom: string | null) {
  if (!missedHere) return;
  missedHere = 0;
  showElsewhere(currentRoom);
  const log = document.querySelector<HTMLElement>('.log');
  if (log) showNewLine(log);
}

export function showElsewhere(currentRoom: string | null) {
  let unread = 0;
  let mentions = 0;
  for (const li of document.querySelectorAll<HTMLElement>('#room-list li[data-room]')) {
    if (li.dataset.room === currentRoom) continue;
    unread += Number(li.querySelector('.unread-badge:not([hidden]) .n')?.textContent) || 0;
    mentions += Number(li.querySelector('.mention-badge:not([hidden]) .n')?.textContent) || 0;
  }
  const total = unread + missedHere;
  document.title = total ? `(${total}) ${baseTitle}` : baseTitle;
  const back = document.querySelector<HTMLElement>('.room-head .back');
  if (!back) return;
  let badge = back.querySelector<HTMLElement>('.elsewhere');
  if (!badge) {
    badge = document.createElement('span');
    badge.className = 'badge elsewhere';
    back.append(' ', badge);
  }
  badge.hidden = !unread && !mentions;
  badge.textContent = `${mentions ? '@ ' : ''}${unread}`;
  back.setAttribute('aria-label', unread || mentions ? `Rooms: ${unread} unread elsewhere${mentions ? `, ${mentions} mentioning you` : ''}` : 'Rooms');
}

/** `by` more (or fewer) on a room list badge (unread, or mentions with `prefix` "@"); hidden at 0. */
export function bump(badge: Element | null, prefix = '', by = 1) {
  if (!badge) return;
  const n = badge.querySelector('.n');
  const value = Math.max(0, Number((n ?? badge).textContent!.replace(/\D/g, '') || 0) + by);
  if (n) n.textContent = String(value);
  else badge.textContent = prefix + value;
  badge.toggleAttribute('hidden', value === 0);
}

/**
 * The room list's live counts for rooms not on screen: a new message from someone else, numbered
 * after the read mark, adds one (and one mention when it names `me`), and moves the room up.
 */
export function unreadCounter(me: string, openRoom: () => string | null) {
  /** Messages counted on a mention badge since the page loaded (their tombstones take them off). */
  const mentionedMe = new Set<string>();
  return function countUnread(roomId: string, art: HTMLElement) {
    const li = document.getElementById(`rl-${roomId}`);
    if (!li || art.dataset.sender === me) return;
    if (Number(art.dataset.seq) <= Number(li.dataset.lastRead ?? 0)) return;
    // An unread message deleted (or hidden) since it was counted: it is no longer there to read
    // (the badge kept counting it until a reload, which counts as the server does). A tombstone
    // names no mentions: the ones counted here are remembered.
    if (art.classList.contains('deleted')) {
      bump(li.querySelector('.unread-badge'), '', -1);
      if (mentionedMe.delete(art.id)) bump(li.querySelector('.mention-badge'), '@', -1);
      return showElsewhere(openRoom());
    }
    if (art.dataset.rev !== art.dataset.seq) return;
    bump(li.querySelector('.unread-badge'));
    if (mentionsMe(art, me)) {
      mentionedMe.add(art.id);
      bump(li.querySelector('.mention-badge'), '@');
    }
    li.parentElement?.prepend(li);
    showElsewhere(openRoom());
  };
}
