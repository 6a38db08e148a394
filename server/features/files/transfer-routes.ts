/**
 * Direct transfers over HTTP and WebSocket (README "Files → Direct transfers").
 * - GET /transfers/config: the threshold above which "Attach file" offers instead of uploading.
 * - GET /transfer-sw.js: the service worker that turns a page-fed stream into a download.
 * - /xfer: the signalling socket. Upgrade needs a same-site Origin and a session (403 / 401), like
 *   /rtc and /upload. Messages are TypeBox-checked (transfer-protocol.ts); a bad one gets an `error`
 *   and the socket stays open; more than 60 messages a second closes it (4429). A member removed
 *   from a room has their transfers there ended at once (`unsubscribed`).
 */
import { Elysia } from 'elysia';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { User } from '../../store/types';
import type { AppContext } from '../../deps';
import { AppError, httpStatus } from '../../errors';
import { signallingSocket, type SignalConn } from '../../http/signalling-socket';
import type { Hub } from '../../realtime/hub';
import { topics } from '../../realtime/topics';
import { viewerPlugin } from '../accounts/guard';
import type { ChatContext } from '../chat/context';
import { Transfers, type Peer } from './transfer';
import { MAX_SIGNAL_BYTES, parseTransferMsg, type TransferServerMsg } from './transfer-protocol';

interface Conn extends SignalConn {
  peer: Peer;
}

const MAX_MSGS_PER_SEC = 60;
const ROOM_TOPIC = topics.room('');
const SW_SOURCE = readFileSync(join(import.meta.dir, '../../../views/client/transfer-sw.js'), 'utf8');

export function createTransfers(app: AppContext, chat: ChatContext): Transfers {
  return new Transfers(chat, app.config, app.logger.child({ component: 'transfers' }));
}

export function transferRoutes(app: AppContext, transfers: Transfers, hub: Hub) {
  const log = app.logger;

  async function handle(c: Conn, data: unknown, user: User) {
    const msg = parseTransferMsg(data);
    if (!msg) return c.peer.send({ type: 'error', message: 'The transfer sent something the server could not understand.', status: 400 });
    const session = 'session' in msg ? msg.session : undefined;
    const transfer = 'transfer' in msg ? msg.transfer : undefined;
    try {
      await transfers.handle(user, c.peer, msg);
    } catch (e) {
      if (e instanceof AppError) return c.peer.send({ type: 'error', message: e.message, status: httpStatus(e), session, transfer });
      log.error('transfer handler failed', { connId: c.peer.connId, type: msg.type, err: e });
      c.peer.send({ type: 'error', message: 'Something went wrong on our side. Please try again.', status: 500, session, transfer });
    }
  }

  return new Elysia({ name: 'transfers' })
    .use(viewerPlugin(app))
    .get('/transfers/config', async ({ requireUser }) => {
      await requireUser();
      return { thresholdBytes: app.config.files.directThresholdBytes, maxFileBytes: app.config.files.maxFileBytes, relayOnly: app.config.files.relayOnly };
    })
    .get('/transfer-sw.js', () => new Response(SW_SOURCE, { headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' } }))
    .ws(
      '/xfer',
      signallingSocket<Conn>(app, hub, {
        name: 'xfer',
        maxPayloadLength: MAX_SIGNAL_BYTES,
        idleTimeout: 120,
        maxPerSec: MAX_MSGS_PER_SEC,
        opened(base) {
          const c: Conn = Object.assign(base, { peer: { connId: base.id, userId: base.userId, send: (m: TransferServerMsg) => c.open && void c.raw.send(JSON.stringify(m)) } });
          transfers.hello(c.peer);
          return c;
        },
        // Removed from a room: their transfers there end at once, both sides told (a relayed one would flow on).
        unsubscribed(c, topic) {
          if (topic.startsWith(ROOM_TOPIC)) transfers.left(c.peer, topic.slice(ROOM_TOPIC.length));
        },
        handle,
        closed: (c) => transfers.closed(c.peer),
      }),
    );
}
