/**
 * Where the reader left off: on opening a room, a "New" line goes before the first message she had
 * not read (`data-read-before` on the room: her read mark before this page marked everything
 * read), and the log opens there instead of at the bottom when more than a screen follows it
 * (returns whether it did).
 * Her own messages are not "new". Older unread messages than the page are offered by the server
 * (views/chat.ts unreadAboveBar).
 */
export function markWhereLeftOff(room: HTMLElement, log: HTMLElement, me: string): boolean {
  const before = room.dataset.readBefore;
  // Never opened (read mark 0): a new member starts at the latest messages, with no line.
  if (!Number(before) || room.hasAttribute('data-history')) return false;
  const first = [...log.querySelectorAll<HTMLElement>(':scope > article.msg')].find((a) => Number(a.dataset.seq) > Number(before) && a.dataset.sender !== me);
  if (!first) return false;
  markNewBefore(first);
  return showNewLine(log);
}

/** The "New" line before `art`, the only one in its log. */
export function markNewBefore(art: HTMLElement) {
  art.parentElement?.querySelectorAll(':scope > .new-line').forEach((l) => l.remove());
  const line = document.createElement('div');
  line.className = 'new-line';
  line.setAttribute('role', 'separator');
  line.setAttribute('aria-label', 'New messages');
  line.textContent = 'New';
  art.before(line);
}

/**
 * Scrolls the log to its "New" line when more than a screen follows it (returns whether it did);
 * else the log stays where it is (at the bottom, as usual).
 */
export function showNewLine(log: HTMLElement): boolean {
  const line = log.querySelector<HTMLElement>(':scope > .new-line');
  if (!line) return false;
  const y = line.offsetTop - log.offsetTop;
  if (log.scrollHeight - y <= log.clientHeight) return false;
  log.scrollTop = y - 8;
  return true;
}
