/**
 * Open sockets whose session has ended are closed (4401, the page goes to sign-in) within one
 * sweep period.
 *
 * Why: a socket asks for its session again at each frame it sends, and an ending made in this
 * process (the portal's suspend, a sign-out) closes its sockets through the hub at once. An ending
 * made elsewhere does not: `users suspend`/`disable` in the CLI (another process), a session that
 * expires, a session deleted on another node without Redis. A tab that sends nothing (a background
 * tab, a lecture listener) kept receiving its rooms' messages until it did.
 *
 * Invariants: one store read per 500 distinct sessions per sweep, never a write; no session is
 * touched, so a tab left open does not keep its session alive by being swept.
 */
import type { Logger } from '../../log';
import type { Hub } from '../../realtime/hub';
import type { SessionStore } from '../../store/types';

export const SESSION_SWEEP_MS = 30_000;

/** Closes this node's sockets whose session no longer lives; returns how many were closed. */
export async function sweepSockets(hub: Hub, sessions: SessionStore, maxMs?: number, now = Date.now()): Promise<number> {
  const sockets = hub.localSockets().filter((s) => s.session !== undefined);
  if (!sockets.length) return 0;
  const live = await sessions.live([...new Set(sockets.map((s) => s.session!))], now, maxMs === undefined ? undefined : now - maxMs);
  let closed = 0;
  for (const s of sockets) {
    if (live.has(s.session!)) continue;
    s.close(4401, 'Please sign in.');
    closed++;
  }
  return closed;
}

/** Sweeps every `everyMs` until the returned function is called; one sweep at a time. */
export function startSessionSweep(hub: Hub, sessions: SessionStore, logger: Logger, maxMs?: number, everyMs = SESSION_SWEEP_MS): () => void {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      const closed = await sweepSockets(hub, sessions, maxMs);
      if (closed) logger.info('sockets of ended sessions closed', { count: closed });
    } catch (err) {
      logger.error('session sweep failed', { err });
    } finally {
      running = false;
    }
  }, everyMs);
  return () => clearInterval(timer);
}
