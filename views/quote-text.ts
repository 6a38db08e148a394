/** A reply's quote in words: shared by the server's renderer (views/chat.ts) and the page (views/client/replies.ts). */

/** At most this many characters of the answered message, on one line. */
export const QUOTE_CHARS = 140;
/** What a quote says once the answered message is deleted (or hidden by safeguarding, which says no more). */
export const GONE_QUOTE = 'In reply to a deleted message';

export function quoteExcerpt(text: string): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length > QUOTE_CHARS ? `${chars.slice(0, QUOTE_CHARS - 1).join('')}…` : chars.join('');
}
