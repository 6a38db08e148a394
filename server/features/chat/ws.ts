/**
 * The WebSocket endpoint (/ws): one socket per tab. Protocol (see README "WebSocket protocol"):
 * 1. Upgrade: same-site Origin and a valid session are required (403 / 401 otherwise).
 * 2. On open the socket is subscribed to the user's topic and to every room they are a member of.
 * 3. The client sends `resume` with the last rev it has per open room; the server replays what it
 *    missed (in rev order), refreshes the room list, then answers `resumed`; the client then
 *    flushes its outbox (each send carries a client id, so a resend never duplicates).
 * 4. A bad frame gets an error and the socket stays open.
 */
import { Elysia } from 'elysia';
import type { AppContext } from '../../deps';
import { AppError, wsCloseCode } from '../../errors';
import { requestInfo } from '../../http/context';
import { asyncOpen } from '../../http/async-open';
import { openedBy, upgradeGuard, type OpenedSocket } from '../../http/ws-guard';
import type { HubSocket } from '../../realtime/hub';
import { topics } from '../../realtime/topics';
import type { User } from '../../store/types';
import { noticePartial, partial } from '../../../views/partials';
import { roomListItems } from '../../../views/chat';
import { viewerPlugin } from '../accounts/guard';
import { sessionUser } from '../accounts/sessions';
import type { ChatContext } from './context';
import { callStatusId, callStatusRefresh } from '../../../views/calls';
import { parseFrame, type Frame, type ServerData } from './frames';
import { MAX_FRAME_BYTES } from './limits';
import { FrameBudget, frameSize } from '../../http/frame-budget';

/** Frames a socket may have waiting (each at most MAX_FRAME_BYTES): far above a reconnect's outbox flush. */
const MAX_WAITING_FRAMES = 500;
const MAX_WAITING_BYTES = 2 * 1024 * 1024;
import { deleteMessage, editMessage, markRead, replay, sendMessage, typing } from './messages';
import { summaries } from './rooms';
import { catchUp, react } from './reactions';
import { reportMessage } from '../moderation/report';
import { metrics } from '../../metrics';
import { pinsBarPartial } from './pins';
import { closePoll, pollCatchUp, vote } from './polls';
import { announceBar, announceBarId } from '../../../views/posting';
import { html } from '../../http/html';

interface Conn {
  id: string;
  userId: string;
  /** The session the socket was opened with: asked again on each frame (revoked = closed, 4401). */
  session: string;
  /** Client IP, for audit entries of moderation actions. */
  ip: string | null;
  hub: HubSocket;
  /** Frames waiting for their turn (http/frame-budget.ts). */
  waiting: FrameBudget;
  /** Settles once the socket is subscribed to the user's rooms; frames wait for it (see open). */
  ready: Promise<void>;
  /**
   * Frames of one socket are handled one after another, in arrival order: two sends flushed from
   * the outbox must be stored in the order they were typed, whatever the store's latency.
   */
  queue: Promise<void>;
}


export function wsRoutes(app: AppContext, chat: ChatContext) {
  const conns = new WeakMap<object, Conn>();
  const log = app.logger;
  const sendData = (c: Conn, d: ServerData) => c.hub.send(JSON.stringify(d));

  async function handle(conn: Conn, user: User, frame: Frame) {
    switch (frame.type) {
      case 'send': {
        try {
          const { message } = await sendMessage(chat, user, { roomId: frame.room, clientId: frame.clientId, body: frame.body, replyTo: frame.replyTo });
          sendData(conn, { type: 'ack', room: frame.room, clientId: frame.clientId, seq: message.seq });
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          const retry = e.kind === 'rate_limited' ? (e.details.retryAfterSec as number) : undefined;
          sendData(conn, { type: 'reject', room: frame.room, clientId: frame.clientId, message: e.message, ...(retry ? { retryAfterSec: retry } : {}) });
        }
        return;
      }
      case 'edit':
        try {
          await editMessage(chat, user, { roomId: frame.room, messageId: frame.message, body: frame.body });
        } catch (e) {
          // Edits have no outbox: the page keeps the text until this says whether it was refused.
          if (!(e instanceof AppError) || e.kind === 'unauthenticated') throw e;
          sendData(conn, { type: 'reject-edit', room: frame.room, id: frame.message, message: e.message });
        }
        return;
      case 'delete':
        try {
          await deleteMessage(chat, user, { roomId: frame.room, messageId: frame.message, origin: conn.ip ?? 'unknown' });
          sendData(conn, { type: 'deleted', room: frame.room, id: frame.message });
        } catch (e) {
          if (!(e instanceof AppError) || e.kind === 'unauthenticated') throw e;
          sendData(conn, { type: 'deleted', room: frame.room, id: frame.message, error: e.message });
        }
        return;
      case 'ping': // answered before the queue (message, below)
        return;
      case 'react':
        try {
          // Nothing changed: the page showed a stale state; it gets the box as it is, for it alone.
          const mine = await react(chat, user, { roomId: frame.room, messageId: frame.message, emoji: frame.emoji, on: frame.on });
          if (mine) conn.hub.send(mine.value);
        } catch (e) {
          if (!(e instanceof AppError) || e.kind === 'unauthenticated') throw e;
          sendData(conn, { type: 'reject-react', room: frame.room, id: frame.message, message: e.message });
        }
        return;
      case 'vote':
      case 'close-poll':
        try {
          const input = { roomId: frame.room, messageId: frame.message };
          await (frame.type === 'vote' ? vote(chat, user, { ...input, option: frame.option, on: frame.on }) : closePoll(chat, user, input));
        } catch (e) {
          if (!(e instanceof AppError) || e.kind === 'unauthenticated') throw e;
          sendData(conn, { type: 'reject-poll', room: frame.room, id: frame.message, message: e.message });
        }
        return;
      case 'report':
        try {
          await reportMessage(chat, user, { roomId: frame.room, messageId: frame.message, origin: conn.ip ?? 'unknown', concern: frame.concern === true });
          sendData(conn, { type: 'reported', room: frame.room, id: frame.message });
        } catch (e) {
          if (!(e instanceof AppError) || e.kind === 'unauthenticated') throw e;
          sendData(conn, { type: 'reported', room: frame.room, id: frame.message, error: e.message });
        }
        return;
      case 'typing':
        await typing(chat, user, frame.room);
        return;
      case 'read':
        await markRead(chat, user, frame.room, frame.seq);
        return;
      case 'resume': {
        for (const [roomId, rev] of Object.entries(frame.rooms)) {
          try {
            const fragment = await replay(chat, user, roomId, rev, frame.have?.[roomId]);
            const rxAt = frame.rxAt?.[roomId];
            const boxes = rxAt === undefined ? null : html`${await catchUp(chat, user, roomId, rxAt)}${await pollCatchUp(chat, user, roomId, rxAt)}`;
            // The call bar too: a call that started or ended while the socket was down was pushed
            // to nobody on this page (a member still: replay refuses a room they left).
            // And the pins bar: its changes meanwhile went to nobody on this page.
            // And whether only its leaders post (views/posting.ts): changed meanwhile, also pushed to nobody here.
            const readAt = Date.now();
            const room = await chat.store.rooms.byId(roomId);
            const announce = room ? partial(announceBarId(roomId), 'outerHTML', announceBar(room, readAt)).value : '';
            conn.hub.send((fragment?.value ?? '') + (boxes?.value ?? '') + partial(callStatusId(roomId), 'outerHTML', callStatusRefresh(roomId)).value + (await pinsBarPartial(chat, roomId)).value + announce);
          } catch (e) {
            if (!(e instanceof AppError)) throw e; // a room the user left meanwhile: nothing to replay
          }
        }
        conn.hub.send(partial('room-list', 'innerHTML', roomListItems(await summaries(chat, user), null)).value);
        sendData(conn, { type: 'resumed' });
        return;
      }
    }
  }

  /** One frame: size and shape checks, the user still active, then the action. Never throws. */
  async function onFrame(conn: Conn, data: unknown) {
    try {
      await conn.ready;
      const frame = parseFrame(data);
      if (!frame) {
        log.warn('ws bad frame', { connId: conn.id, userId: conn.userId });
        return conn.hub.send(noticePartial('The app sent something the server could not understand. Reload the page if this keeps happening.').value);
      }
      const v = await sessionUser(app.auth, conn.session);
      if (!v) return conn.hub.close(4401, 'Please sign in.');
      await handle(conn, v.user, frame);
    } catch (e) {
      if (e instanceof AppError) {
        if (e.kind === 'unauthenticated') return conn.hub.close(wsCloseCode(e), e.message);
        return conn.hub.send(noticePartial(e.message).value);
      }
      log.error('ws handler failed', { connId: conn.id, userId: conn.userId, err: e });
      conn.hub.send(noticePartial('Something went wrong on our side. Please try again.').value);
    }
  }

  return new Elysia({ name: 'chat-ws' }).use(viewerPlugin(app)).ws('/ws', {
    // Large enough for any valid frame; bigger frames are answered with an error, not a close.
    maxPayloadLength: 1024 * 1024,
    idleTimeout: 60,
    beforeHandle: upgradeGuard(app.config),
    ...asyncOpen<OpenedSocket>({
      async open(ws) {
        const who = await openedBy(ws);
        if (!who) return;
        const { raw, user } = who;
        const conn: Conn = {
          id: who.connId,
          userId: user.id,
          session: who.session,
          ip: requestInfo(ws.data.request).ip,
          hub: {
            id: String(ws.id),
            userId: user.id,
            session: who.session,
            resumes: true,
            subscribe: (t) => raw.subscribe(t),
            unsubscribe: (t) => raw.unsubscribe(t),
            // void: raw.send returns a byte count, and Elysia sends whatever a handler returns as a frame.
            send: (d) => void raw.send(d),
            close: (c, r) => raw.close(c, r),
          },
          waiting: new FrameBudget(MAX_WAITING_BYTES, MAX_WAITING_FRAMES),
          ready: Promise.resolve(),
          queue: Promise.resolve(),
        };
        conns.set(ws.raw, conn);
        chat.hub.register(conn.hub);
        metrics.wsOpen();
        // The client sends `resume` as soon as the socket opens. Answering it before the room
        // subscriptions exist would lose every message published in between, so frames wait.
        conn.ready = app.store.rooms.listForUser(user.id).then((list) => {
          for (const { room } of list) raw.subscribe(topics.room(room.id));
        });
        await conn.ready;
        log.info('ws open', { connId: conn.id, userId: conn.userId });
      },
      message(ws, data) {
        const conn = conns.get(ws.raw);
        if (!conn) return;
        metrics.wsFrame();
        const size = frameSize(data);
        // Too large: answered in its turn without keeping it (frames up to 1 MB arrive, 32 KB are valid).
        if (size > MAX_FRAME_BYTES) {
          conn.queue = conn.queue.then(() => void conn.hub.send(noticePartial(`That was too large to send (${Math.round(size / 1024)} KB; the limit is ${MAX_FRAME_BYTES / 1024} KB).`).value));
          return;
        }
        // The heartbeat is answered at once, not in its turn: behind a slow frame (a resume's long
        // replay) the page would take a live socket for dead and replace it.
        if ((data as { type?: unknown } | null)?.type === 'ping' && parseFrame(data)) return void sendData(conn, { type: 'pong' });
        if (!conn.waiting.take(size)) {
          log.warn('ws flood closed', { connId: conn.id, userId: conn.userId });
          return conn.hub.close(4429, 'Too many messages at once.');
        }
        conn.queue = conn.queue.then(() => onFrame(conn, data)).finally(() => conn.waiting.release(size));
      },
      close(ws, code) {
        const conn = conns.get(ws.raw);
        if (!conn) return;
        chat.hub.unregister(conn.hub);
        metrics.wsClose();
        conns.delete(ws.raw);
        log.info('ws close', { connId: conn.id, userId: conn.userId, code });
      },
    }),
  });
}
