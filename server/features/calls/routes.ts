/**
 * Calls over HTTP and WebSocket.
 * - GET /rooms/:id/call: the call bar for this member (loaded by the room page).
 * - /rtc: the signalling socket (README "Calls"). Upgrade needs a same-site Origin and a session
 *   (403 / 401). The first message must be `join`; membership is checked against the store then
 *   (a non-member's socket is closed with 4404). One socket is one participant; closing the socket
 *   leaves the call. Bad messages get an `error` message and the socket stays open; a socket that
 *   floods is closed (4429).
 */
import { Elysia, t } from 'elysia';
import type { User } from '../../store/types';
import type { AppContext } from '../../deps';
import { AppError, wsCloseCode } from '../../errors';
import { signallingSocket, type SignalConn } from '../../http/signalling-socket';
import type { Hub } from '../../realtime/hub';
import { topics } from '../../realtime/topics';
import { sendHtml } from '../../http/respond';
import { CallError, type Sfu } from '../../rtc/sfu';
import type { Call } from '../../rtc/call';
import type { Participant } from '../../rtc/participant';
import { parseClientMsg, type ServerMsg } from '../../rtc/protocol';
import { callBar, callStatus, callStatusClosed } from '../../../views/calls';
import { viewerPlugin } from '../accounts/guard';
import { barState, callSeat } from './actions';
import { assertMayPost, postingRefusal } from '../moderation/restrictions';


interface Conn extends SignalConn {
  call: Call | null;
  participant: Participant | null;
  /**
   * The room of a join in progress (its store reads take time), and whether its user stopped being
   * a member meanwhile: `unsubscribed` cannot end a seat that does not exist yet, so the join does.
   */
  joining: string | null;
  joinLost: boolean;
  /** Closed because its user left the room: the seat is removed, not left (a recording of her stops at once). */
  removed: boolean;
}

const MAX_MSGS_PER_SEC = 60;

export function callRoutes(app: AppContext, sfu: Sfu, hub: Hub) {
  const log = app.logger;
  const send = (c: Conn, m: ServerMsg) => {
    if (c.open) c.raw.send(JSON.stringify(m));
  };

  async function handle(c: Conn, data: unknown, user: User) {
    // The socket closed: what it still had queued is dropped, so `closed` (queued after it) leaves the call at once.
    if (!c.open) return;
    const msg = parseClientMsg(data);
    if (!msg) return send(c, { type: 'error', message: 'The call sent something the server could not understand.' });
    try {
      if (msg.type === 'join') {
        if (c.participant) return send(c, { type: 'error', message: 'Already in the call.' });
        [c.joining, c.joinLost] = [msg.room, false];
        const seat = await callSeat(app.store, user, msg.room);
        if (seat.archived) return send(c, { type: 'error', message: 'This room is archived.' });
        // A call puts voice and video in front of the room: the same sanctions as posting apply
        // (the call bar still shows; only joining is refused).
        await assertMayPost(app.store, user, { id: seat.roomId });
        const { call, participant } = sfu.join({
          roomId: seat.roomId,
          member: { userId: user.id, name: user.name },
          host: seat.host,
          start: msg.start,
          replace: msg.replace === true,
          register: seat.course,
          ...(msg.rejoin !== undefined ? { rejoin: msg.rejoin } : {}),
          endpoint: { send: (m) => send(c, m), close: (code, reason) => {
              if (c.open) c.raw.close(code, reason);
            },
          },
        });
        c.call = call;
        c.participant = participant;
        c.joining = null;
        // Removed from the room, or blocked or restricted, while the join's reads were in flight.
        if (c.joinLost) return c.raw.close(4404, 'You are no longer a member of this room.');
        const refusal = await postingRefusal(app.store, user, { id: seat.roomId });
        if (refusal) {
          await sfu.leave(call, participant);
          c.call = c.participant = null;
          return c.raw.close(4403, refusal);
        }
        log.info('call join', { connId: c.id, userId: c.userId, callId: call.id, participantId: participant.id });
        return;
      }
      if (!c.call || !c.participant) return send(c, { type: 'error', message: 'Join the call first.' });
      await sfu.handle(c.call, c.participant, msg);
      if (msg.type === 'leave') c.call = c.participant = null;
    } catch (e) {
      if (e instanceof CallError) return send(c, { type: 'error', message: e.message, ...(e.final ? { final: true as const } : {}) });
      if (e instanceof AppError) {
        if (e.kind === 'not_found' || e.kind === 'unauthenticated') return c.raw.close(wsCloseCode(e), e.message);
        return send(c, { type: 'error', message: e.message });
      }
      log.error('rtc handler failed', { connId: c.id, userId: c.userId, type: msg.type, err: e });
      send(c, { type: 'error', message: 'Something went wrong on our side. Please try again.' });
    }
  }

  return new Elysia({ name: 'calls' })
    .use(viewerPlugin(app))
    .get(
      '/rooms/:id/call',
      async ({ set, params, requireUser }) => {
        const { user } = await requireUser();
        const seat = await callSeat(app.store, user, params.id);
        return sendHtml(set, callBar(seat.roomId, barState(sfu.state(seat.roomId)), { canLecture: seat.host, archived: seat.archived }));
      },
      { params: t.Object({ id: t.String({ maxLength: 64 }) }) },
    )
    // The status alone (views/calls.ts callStatusRefresh): a member's page asks when its bar may be stale.
    .get(
      '/rooms/:id/call/status',
      async ({ set, params, requireUser }) => {
        const { user } = await requireUser();
        const seat = await callSeat(app.store, user, params.id);
        return sendHtml(set, seat.archived ? callStatusClosed(seat.roomId) : callStatus(seat.roomId, barState(sfu.state(seat.roomId))));
      },
      { params: t.Object({ id: t.String({ maxLength: 64 }) }) },
    )
    .ws(
      '/rtc',
      signallingSocket<Conn>(app, hub, {
        name: 'rtc',
        maxPayloadLength: 64 * 1024,
        idleTimeout: 60,
        maxPerSec: MAX_MSGS_PER_SEC,
        opened: (base) => Object.assign(base, { call: null, participant: null, joining: null, joinLost: false, removed: false }),
        // Removed from the call's room: they leave the call too (a join in progress finds out when it ends).
        unsubscribed(c, topic) {
          if (c.joining && topic === topics.room(c.joining)) c.joinLost = true;
          if (c.call && topic === topics.room(c.call.roomId)) {
            c.removed = true;
            c.raw.close(4404, 'You are no longer a member of this room.');
          }
        },
        handle,
        // Disconnecting is leaving: every resource of the participant is released.
        async closed(c) {
          if (c.call && c.participant) await sfu.leave(c.call, c.participant, c.removed ? 'removed' : 'left');
        },
      }),
    );
}
