/**
 * Signalling messages of direct transfers (JSON text over the /xfer WebSocket), documented in README
 * "Files → Direct transfers". Same style as the call signalling (server/rtc/protocol.ts): every
 * message is checked against a TypeBox schema, may carry the `headers` object htmx adds and nothing
 * else unknown. Identity never comes from these fields (the socket's session says who speaks), and
 * room membership is checked against the store for every message that names a transfer or session.
 */
import { Type as T, type Static } from '@sinclair/typebox';
import type { IceServer } from '../../rtc/protocol';
import { Candidate, Id, Sdp, msg, parserFor, strict } from '../../rtc/signal-schema';

export const TransferClientMsg = T.Union([
  /** Sender: offer a file in a room (posts the offer message, or finds it again), and serve it from this socket. */
  msg('offer', {
    room: Id,
    name: T.String({ minLength: 1, maxLength: 1000 }),
    size: T.Integer({ minimum: 1, maximum: 2 ** 50 }),
    mime: T.String({ maxLength: 200 }),
    digest: T.String({ pattern: '^[0-9a-f]{64}$' }),
  }),
  /** Receiver: start (or resume) receiving an offer; `relay` asks for the server relay at once. */
  msg('request', { room: Id, transfer: Id, relay: T.Optional(T.Boolean()) }),
  /** Either side of a session: a description or candidate for the direct connection, forwarded to the other side. */
  msg('signal', {
    session: Id,
    description: T.Optional(T.Object({ type: T.Union([T.Literal('offer'), T.Literal('answer')]), sdp: Sdp }, strict)),
    candidate: T.Optional(Candidate),
  }),
  /** Either side: the direct connection failed or timed out; go through the server's relay. */
  msg('relay', { session: Id }),
  /** Answer to the relay's offer for this side. */
  msg('relay-answer', { session: Id, sdp: Sdp }),
  /** Sender: stop serving this offer from this socket; every session it serves for it ends (cancelled). */
  msg('withdraw', { transfer: Id }),
  /** Either side: stop the transfer for good. */
  msg('cancel', { session: Id }),
  /** Receiver: all bytes verified and saved. */
  msg('done', { session: Id }),
]);
export type TransferClientMsg = Static<typeof TransferClientMsg>;

/** Largest signalling message accepted (bytes of JSON). */
export const MAX_SIGNAL_BYTES = 48 * 1024;

export const parseTransferMsg = parserFor(TransferClientMsg, MAX_SIGNAL_BYTES);

export type Role = 'sender' | 'receiver';

export type TransferServerMsg =
  | { type: 'hello'; iceServers: IceServer[]; relayOnly: boolean }
  | { type: 'offered'; transfer: string; room: string; messageId: string }
  | { type: 'start'; session: string; transfer: string; role: Role; peer: string; relay: boolean; offset?: number }
  | { type: 'signal'; session: string; description?: { type: 'offer' | 'answer'; sdp: string }; candidate?: Candidate }
  | { type: 'relay-offer'; session: string; sdp: string }
  /**
   * The session is over: `cancelled` and `failed` are final; `peer-left` (the other side's socket closed) may be
   * retried; `replaced` (to the sender) means the receiver asked again, and a new `start` follows.
   */
  | { type: 'ended'; session: string; reason: 'cancelled' | 'peer-left' | 'failed' | 'done' | 'replaced'; message: string }
  | { type: 'error'; message: string; status: number; transfer?: string; session?: string };
