/**
 * The WebSocket handlers both signalling endpoints share (/rtc calls, /xfer direct transfers):
 * - upgrade: same-site Origin and a session (ws-guard.ts), then the user checked again on open;
 * - one connection record per socket, registered with the hub only so that hub.closeUser
 *   (suspend, disable, sign out everywhere) closes it, and so that the endpoint hears when the
 *   user stops being a member of a room (`unsubscribed`); signalling never carries hub pushes;
 * - frames and a close that arrive while `open` still checks the user wait for it (async-open.ts);
 * - messages handled one at a time in arrival order (SocketInbox); more than `maxPerSec` a second
 *   closes the socket with 4429;
 * - on close, the endpoint's clean-up runs after every message already accepted.
 */
import type { AppContext } from '../deps';
import type { Hub, HubSocket } from '../realtime/hub';
import type { User } from '../store/types';
import { sessionWatch } from '../features/accounts/sessions';
import { asyncOpen } from './async-open';
import { SocketInbox } from './socket-inbox';
import { openedBy, upgradeGuard, type OpenedSocket, type RawSocket } from './ws-guard';

export interface SignalConn {
  /** The connection id (logs). */
  id: string;
  userId: string;
  /** The session the socket was opened with: asked again before each message (revoked = closed, 4401). */
  session: string;
  raw: RawSocket;
  /** False once closed: nothing more is sent. */
  open: boolean;
  inbox: SocketInbox;
  hubSocket: HubSocket;
}

export interface SignallingOptions<C extends SignalConn> {
  name: string;
  maxPayloadLength: number;
  idleTimeout: number;
  maxPerSec: number;
  /** Adds the endpoint's own fields to `base` (Object.assign: the record must stay the same object) and says hello. */
  opened(base: SignalConn): C;
  /** The hub unsubscribed the user from `topic` (they are no longer a member of that room). */
  unsubscribed?(c: C, topic: string): void;
  /** One message, from a user whose session still stands. */
  handle(c: C, data: unknown, user: User): Promise<void>;
  closed(c: C): Promise<void> | void;
}

export function signallingSocket<C extends SignalConn>(app: AppContext, hub: Hub, o: SignallingOptions<C>) {
  const conns = new WeakMap<object, C>();
  // Signalling is busy (candidates, offers): the session is asked again at most every few seconds.
  const checks = new WeakMap<C, ReturnType<typeof sessionWatch>>();
  const log = app.logger;
  return {
    maxPayloadLength: o.maxPayloadLength,
    idleTimeout: o.idleTimeout,
    beforeHandle: upgradeGuard(app.config),
    ...asyncOpen<OpenedSocket>({
      async open(ws) {
        const who = await openedBy(ws);
        if (!who) return;
        const { raw, user, connId, session } = who;
        let c: C | null = null;
        const hubSocket: HubSocket = {
          id: `${o.name}-${connId}`,
          userId: user.id,
          session,
          subscribe() {},
          unsubscribe: (topic) => c && o.unsubscribed?.(c, topic),
          send() {},
          close: (code, reason) => raw.close(code, reason),
        };
        const inbox = new SocketInbox(o.maxPerSec, (e) => log.error(`${o.name} queue failed`, { connId, err: e }));
        c = o.opened({ id: connId, userId: user.id, session, raw, open: true, inbox, hubSocket });
        conns.set(ws.raw, c);
        checks.set(c, sessionWatch(app.auth, session));
        hub.register(hubSocket);
      },
      message(ws, data) {
        const c = conns.get(ws.raw);
        if (!c) return;
        const run = async () => {
          const v = await checks.get(c)!();
          if (!v) return c.raw.close(4401, 'Please sign in.');
          await o.handle(c, data, v.user);
        };
        if (!c.inbox.accept(run)) c.raw.close(4429, 'Too many messages.');
      },
      close(ws, code) {
        const c = conns.get(ws.raw);
        if (!c) return;
        c.open = false;
        conns.delete(ws.raw);
        hub.unregister(c.hubSocket);
        c.inbox.after(() => o.closed(c));
        log.info(`${o.name} close`, { connId: c.id, userId: c.userId, code });
      },
    }),
  };
}
