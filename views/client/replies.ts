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

  /** A revision of a message arrived (shown or not): the quotes of it, and a reply being written to it, follow. */
  function changed(art: HTMLElement) {
    const id = idOf(art);
    const rev = Number(art.dataset.rev);
    const gone = art.classList.contains('deleted');
    for (const q of document.querySelectorAll<HTMLElement>(`.quote[data-reply-to="${CSS.escape(id)}"]`)) {
      if (q.classList.contains('gone') || rev <= Number(q.dataset.rev ?? 0)) continue;
      if (gone) {
        const p = document.createElement('p');
        p.className = 'quote gone';
        p.dataset.replyTo = id;
        p.textContent = GONE_QUOTE;
        q.replaceWith(p);
      } else {
        q.dataset.rev = String(rev);
        const text = q.querySelector('.quote-text');
        if (text) text.textContent = quoteExcerpt(wordsOf(art));
      }
    }
    if (gone && field()?.value === id) clear();
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

  return { start, clear, changed, value: () => field()?.value ?? '' };
}
