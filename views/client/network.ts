/**
 * The chat socket and the network coming and going (views/client/chat.ts): hx-ws reconnects by
 * itself after a close, with back-off; these listeners make it prompt and keep it to one socket.
 */

/** What this module uses of hx-ws's connection: its socket, its scheduled reconnect, its visibility handler. */
export interface WsConnection {
  socket: WebSocket | null;
  /** hx-ws's back-off timer (never cleared by hx-ws after it fires). */
  timer: ReturnType<typeof setTimeout> | null;
  /** hx-ws's handler for a tab shown again: opens a socket when it sees none (or a CLOSED one). */
  visibilityHandler?: () => void;
  /** hx-ws's options for this connection, read again at every close. */
  config?: { pauseOnBackground?: boolean };
}

/** What this app uses of the detail of hx-ws's events (`htmx:ws:…`). */
export interface WsDetail {
  connection: WsConnection;
  message: { data: unknown; values?: Record<string, unknown> };
  cancelled: boolean;
  code?: number | null;
}

const kept = new WeakSet<WsConnection>();

/**
 * Keeps the chat socket open while the tab is hidden, so a DM or a mention reaches a background tab
 * (the title's count, a desktop notification: notify.ts). hx-ws closes it there (its
 * pauseOnBackground, on by default), but its visibility handler is also the one thing that opens a
 * socket at once (used for 'online' and for dead sockets below), and turning the option off makes
 * none. So the handler is kept and wrapped to act only on a tab shown again, and this connection's
 * copy of the option is turned off, which hx-ws reads at every close: a socket lost in a hidden tab
 * is reconnected with back-off like any other. Call once the connection exists (idempotent).
 */
export function keepOpenInBackground(c: WsConnection) {
  const handler = c.visibilityHandler;
  if (!handler || kept.has(c)) return;
  kept.add(c);
  if (c.config) c.config.pauseOnBackground = false;
  document.removeEventListener('visibilitychange', handler);
  c.visibilityHandler = () => {
    if (document.hidden) return;
    // Given up while hidden (replaceSocket) and still finishing its close: replaced now.
    if (c.socket?.readyState === WebSocket.CLOSING) return replaceSocket(c);
    handler();
  };
  document.addEventListener('visibilitychange', c.visibilityHandler);
}

/**
 * Replaces at once a socket that stopped answering (heartbeat.ts). Its close() starts a closing
 * handshake that a dead link never completes, and Chromium waits up to a minute before 'close',
 * so hx-ws's own reconnect would wait as long. With no socket, hx-ws's visibility handler opens a
 * new one (dropping the old one's listeners: no 'close' event comes from it). Relies on hx-ws 4's connection object,
 * as watchNetwork does.
 */
export function replaceSocket(c: WsConnection) {
  const old = c.socket;
  // In a hidden tab the handler opens nothing: the socket is left to finish its close, on which
  // hx-ws reconnects (keepOpenInBackground); the tab shown before that replaces it at once.
  if (document.hidden) {
    try {
      old?.close(4000, 'no answer');
    } catch {
      /* already closing */
    }
    return;
  }
  c.socket = null;
  try {
    old?.close(4000, 'no answer');
  } catch {
    /* already closing */
  }
  if (c.timer) clearTimeout(c.timer);
  c.visibilityHandler?.();
}

/**
 * `current()`: the chat's connection and the socket it uses now; `changed()`: the status line again.
 * - offline: an emulated or real loss of network may leave a dead socket open: it is dropped so
 *   that messages queue instead;
 * - online: hx-ws is asked to reconnect now rather than after its back-off (its visibility handler
 *   opens a socket when the last one is CLOSED);
 * - that handler (a tab shown again, or 'online') leaves hx-ws's back-off timer running, which
 *   seconds later opened another socket and closed this one (a Delete pressed in between was refused
 *   as "no connection"). Captured on window, the listener below runs before hx-ws's on document and
 *   cancels that timer; it is pending only after a close, so the handler then always opens the
 *   socket that replaces it.
 */
export function watchNetwork(current: () => { connection: WsConnection | null; socket: WebSocket | null }, changed: () => void) {
  addEventListener('offline', () => {
    current().socket?.close(4000, 'offline');
    changed();
  });
  addEventListener('online', () => {
    changed();
    document.dispatchEvent(new Event('visibilitychange'));
  });
  addEventListener(
    'visibilitychange',
    () => {
      const c = current().connection;
      const s = c?.socket;
      if (!document.hidden && c?.timer && (!s || s.readyState === WebSocket.CLOSED)) clearTimeout(c.timer);
    },
    true,
  );
}
