/**
 * The check every WebSocket endpoint makes at upgrade: a same-site Origin (browsers always send
 * one on WebSocket upgrades, so a missing Origin is not a browser of ours) and a session. Refusals
 * are plain HTTP answers: 403 or 401. A user who still has to choose a password is let through and
 * closed with 4401 on open, which our clients answer by going to the sign-in page.
 */
import type { Config } from '../config';
import type { Viewer } from '../features/accounts/guard';
import { isCrossSite, requestInfo } from './context';

interface UpgradeContext {
  request: Request;
  set: { status?: number | string };
  viewer: () => Promise<Viewer | null>;
}

export function upgradeGuard(config: Config) {
  return async ({ request, set, viewer }: UpgradeContext) => {
    if (isCrossSite(config, request) || !request.headers.get('origin')) {
      set.status = 403;
      return 'Cross-site WebSocket refused.';
    }
    if (!(await viewer())) {
      set.status = 401;
      return 'Please sign in.';
    }
  };
}

/** What our handlers use of Bun's ServerWebSocket (`ws.raw`). */
export type RawSocket = {
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  send(data: string | Uint8Array): unknown;
  close(code?: number, reason?: string): void;
};

/** What `open` handlers use of Elysia's socket. */
export interface OpenedSocket {
  id: string;
  raw: object;
  data: { request: Request; viewer: () => Promise<Viewer | null> };
}

/**
 * The second half of the upgrade check, in `open`: the signed-in user, their session (its hash:
 * each message asks again whether it still stands, `sessionUser`) and the connection id, or
 * null after closing the socket with 4401 (no session any more, a password still to choose, or
 * another person's session than the `as` the page names).
 */
export async function openedBy(ws: OpenedSocket): Promise<{ user: Viewer['user']; session: string; raw: RawSocket; connId: string } | null> {
  const v = await ws.data.viewer();
  const raw = ws.raw as RawSocket;
  if (!v || v.user.mustSetPassword) {
    raw.close(4401, 'Please sign in.');
    return null;
  }
  // The page names whom it was rendered for (views/client/socket-url.ts): a tab left open through a
  // sign-out must not carry on as the next person signed in on this browser.
  const as = new URL(ws.data.request.url).searchParams.get('as');
  if (as !== null && as !== v.user.id) {
    raw.close(4401, 'Someone else has signed in on this browser since this page was opened.');
    return null;
  }
  return { user: v.user, session: v.idHash, raw, connId: requestInfo(ws.data.request).id };
}
