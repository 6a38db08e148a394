/** A reply's quote in words: shared by the server's renderer (views/chat.ts) and the page (views/client/replies.ts). */

/** At most this many characters of the answered message, on one line. */
export const QUOTE_CHARS = 140;
/** What a quote says once the answered message is deleted (or hidden by safeguarding, which says no more). */
export const GONE_QUOTE = 'In reply to a deleted message';

/** `line` cut to at most `max` characters (code points, an emoji is one), an ellipsis in the last one when cut. */
export function cutLine(line: string, max: number): string {
  const chars = [...line];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : line;
}

export const quoteExcerpt = (text: string) => cutLine(text.replace(/\s+/g, ' ').trim(), QUOTE_CHARS);
