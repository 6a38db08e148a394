/**
 * Chat limits. Message length is counted in characters (code points), not bytes, so Yoruba tone
 * marks or emoji do not shorten the limit unfairly.
 */
export const MAX_MESSAGE_CHARS = 4000;

/** A message's text as stored and counted: CRLF as LF, leading blank lines and trailing whitespace gone (the page counts the same). */
export function normaliseBody(body: string): string {
  return body.replace(/\r\n?/g, '\n').replace(/^\s+\n|\s+$/g, '');
}
/** A WebSocket text frame larger than this is refused with an error (the socket stays open). */
export const MAX_FRAME_BYTES = 32 * 1024;
export const HISTORY_PAGE = 50;
/** Reconnect replay limit per room: beyond it the client gets the latest page instead. */
export const MAX_REPLAY = 500;
export const TYPING_EVERY_MS = 3000;
/**
 * On MongoDB a change can become visible after a higher-numbered one (store/mongo/messages.ts), so
 * a page holding rev n+1 may lack n. On reconnect the page lists the revs it holds among the last
 * REORDER_WINDOW numbers below its rev, and the replay adds whatever in that window it lacks.
 */
export const REORDER_WINDOW = 32;
/** Distinct @handles in one message that notify (mention counts); more are shown but notify nobody. */
export const MAX_MENTIONS = 50;

/** Boxes (a message's reactions, a poll's counts) sent at most per room and kind when a page reconnects (`rxAt` in `resume`). */
export const BOX_CATCH_UP = 200;
/** Clocks of several nodes differ a little: a box catch-up starts this much before the page's newest box time. */
export const BOX_CLOCK_MARGIN_MS = 5_000;
