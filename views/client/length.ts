/**
 * Message length in the browser, counted as the server counts it (characters: code points, limits.ts).
 * The boxes have no `maxlength`: it counts UTF-16 units (an emoji is two) and silently cuts what is
 * pasted, so a 4,670-character announcement went out without its last line ("venue changed to
 * LT2") and 3,000 emoji were cut to 2,000. Instead a counter shows from 90% of the limit, a text
 * over it is refused before sending with how much to cut, and nothing typed is lost.
 */
import { MAX_MESSAGE_CHARS, normaliseBody } from '../../server/features/chat/limits';

const fmt = (n: number) => n.toLocaleString('en');

function chars(s: string) {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Why `text` cannot be sent (too long, and by how much), or null. */
export function tooLong(text: string): string | null {
  const n = chars(normaliseBody(text));
  if (n <= MAX_MESSAGE_CHARS) return null;
  return `Too long: ${fmt(n)} characters; the most is ${fmt(MAX_MESSAGE_CHARS)}. Shorten it by ${fmt(n - MAX_MESSAGE_CHARS)}.`;
}

/** The counter beside every box marked `data-max-chars` (the composer, edit boxes), kept up to date. */
export function watchLengths() {
  document.addEventListener('input', (e) => {
    const ta = e.target;
    if (ta instanceof HTMLTextAreaElement && ta.hasAttribute('data-max-chars')) showLength(ta);
  });
}

export function showLength(ta: HTMLTextAreaElement) {
  const n = chars(normaliseBody(ta.value));
  let out = ta.nextElementSibling as HTMLElement | null;
  if (!out?.classList.contains('char-count')) {
    out = document.createElement('span');
    out.className = 'char-count';
    out.setAttribute('aria-live', 'polite');
    ta.after(out);
  }
  const problem = tooLong(ta.value);
  out.hidden = n < MAX_MESSAGE_CHARS * 0.9;
  out.classList.toggle('over', problem !== null);
  out.textContent = problem ?? `${fmt(n)} / ${fmt(MAX_MESSAGE_CHARS)}`;
}
