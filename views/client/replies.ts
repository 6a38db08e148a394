/**
 * Replies on the page (the server side is server/features/chat/replies.ts):
 * - Reply on a message puts its id in the composer's hidden `replyTo` and shows "Replying to
 *   <name>: <words>" with Cancel above the composer; the send takes it (chat.ts) and clears it;
 * - a quote follows the message it answers while the page is open: a newer revision of that
 *   message updates its words, or says it was deleted. A safeguarding hide arrives as a tombstone
 *   the page may not even show (data-replace-only): quotes of it are changed all the same, so the
 *   hidden words do not stay on screen in a reply;
 * - a click on a quote whose message is in the page scrolls to it (and marks it a moment) instead
 *   of loading the page of history that the link names.
 */
import { GONE_QUOTE, quoteExcerpt } from '../quote-text';

const idOf = (art: HTMLElement) => art.id.slice(2);

/** What a message says, for a quote: its text, or a file's name. */
function wordsOf(art: HTMLElement): string {
  if (art.classList.contains('file-msg')) return `📎 ${art.querySelector('.file-link')?.textContent?.trim() || 'a file'}`;
  return art.querySelector('.body')?.textContent ?? '';
}

export function replies(openRoom: () => string | null) {
  const field = () => document.querySelector<HTMLInputElement>('#composer input[name="replyTo"]');
  const bar = () => {
    const room = openRoom();
    return room ? document.getElementById(`replying-${room}`) : null;
  };

  function start(art: HTMLElement) {
    const input = field();
    const line = bar();
    if (!input || !line) return;
    input.value = idOf(art);
    const who = art.querySelector('header .who')?.textContent ?? '';
    line.querySelector('.replying-text')!.textContent = `Replying to ${who}: ${quoteExcerpt(wordsOf(art))}`;
    line.hidden = false;
    document.querySelector<HTMLTextAreaElement>('#composer textarea')?.focus();
  }

  function clear() {
    const input = field();
    if (input) input.value = '';
    const line = bar();
    if (line) line.hidden = true;
  }

  /** Messages this page learnt were deleted or hidden, also those it never showed (a reply may quote one later). */
  const gone = new Set<string>();

  /** `q` follows `art`, the newest copy of the message it quotes, if it is newer than what `q` shows. */
  function follow(q: HTMLElement, art: HTMLElement) {
    if (Number(art.dataset.rev) <= Number(q.dataset.rev ?? 0)) return;
    if (art.classList.contains('deleted')) return q.classList.contains('gone') ? void (q.dataset.rev = art.dataset.rev!) : markGone(q, art.dataset.rev);
    // Shown again after it went (an officer released what safeguarding had hidden): the quote comes back.
    // Only a rev newer than the one it went at: a late copy from before the hide never brings its words back.
    if (q.classList.contains('gone')) {
      // Went at a rev this page does not know (a reload shows it), or still held (the writer's own copy: not released).
      if (q.dataset.rev === undefined || art.classList.contains('held')) return;
      gone.delete(idOf(art));
      q = restore(q, art);
    }
    q.dataset.rev = art.dataset.rev!;
    const text = q.querySelector('.quote-text');
    if (text) text.textContent = quoteExcerpt(wordsOf(art));
  }

  /** A gone quote as a link again (the markup of views/chat.ts quoteOf), for `art` to fill in. */
  function restore(q: HTMLElement, art: HTMLElement): HTMLElement {
    const a = document.createElement('a');
    a.className = 'quote';
    a.href = `/rooms/${openRoom() ?? ''}?before=${Number(art.dataset.seq) + 1}#${art.id}`;
    a.dataset.replyTo = idOf(art);
    const hidden = document.createElement('span');
    hidden.className = 'visually-hidden';
    hidden.textContent = 'In reply to ';
    const who = document.createElement('strong');
    who.className = 'quote-who';
    who.textContent = art.querySelector('header .who')?.textContent ?? '';
    const text = document.createElement('span');
    text.className = 'quote-text';
    a.append(hidden, who, ' ', text);
    q.replaceWith(a);
    return a;
  }

  function markGone(q: HTMLElement, rev?: string) {
    const p = document.createElement('p');
    p.className = 'quote gone';
    p.dataset.replyTo = q.dataset.replyTo!;
    if (rev !== undefined) p.dataset.rev = rev;
    p.textContent = GONE_QUOTE;
    q.replaceWith(p);
  }

  /** A revision of a message arrived (shown or not): the quotes of it, and a reply being written to it, follow. */
  function changed(art: HTMLElement) {
    const id = idOf(art);
    if (art.classList.contains('deleted')) gone.add(id);
    for (const q of document.querySelectorAll<HTMLElement>(`.quote[data-reply-to="${CSS.escape(id)}"]`)) follow(q, art);
    if (gone.has(id) && field()?.value === id) clear();
  }

  /**
   * A message was placed in the page: its own quote may be older than what the page knows of the
   * quoted message (rendered before that message was hidden, and pushed after its tombstone).
   */
  function placed(art: HTMLElement) {
    for (const q of art.querySelectorAll<HTMLElement>('.quote:not(.gone)')) {
      const id = q.dataset.replyTo!;
      const target = document.getElementById(`m-${id}`);
      if (gone.has(id)) markGone(q);
      else if (target) follow(q, target);
    }
  }

  document.addEventListener('click', (e) => {
    const t = e.target as HTMLElement;
    const b = t.closest<HTMLElement>('button[data-action="reply"], button[data-action="cancel-reply"]');
    if (b?.dataset.action === 'reply') {
      const art = b.closest<HTMLElement>('article.msg');
      if (art) start(art);
      return;
    }
    if (b) return clear();
    const quote = t.closest<HTMLAnchorElement>('a.quote');
    const target = quote && document.getElementById(`m-${quote.dataset.replyTo}`);
    if (!target) return;
    e.preventDefault();
    target.scrollIntoView({ block: 'center' });
    target.classList.add('flash');
    setTimeout(() => target.classList.remove('flash'), 1500);
  });

  return { start, clear, changed, placed, value: () => field()?.value ?? '' };
}
