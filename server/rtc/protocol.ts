/**
 * Call signalling messages (JSON text over the /rtc WebSocket), documented in README "Calls".
 * Identity and room membership never come from these fields: the socket's session says who is
 * speaking, and `join.room` is checked against the store before anything else happens.
 * Every client message may carry the `headers` object htmx adds, and nothing else unknown.
 */
import { Type as T, type Static } from '@sinclair/typebox';
import type { ViewMode } from './control';
import type { CallMode, Source } from './permissions';
import { Candidate, Id, Sdp, msg, parserFor } from './signal-schema';

const SourceT = T.Union([T.Literal('mic'), T.Literal('cam'), T.Literal('screen')]);
const ViewT = T.Union([T.Literal('audio-only'), T.Literal('low'), T.Literal('auto'), T.Literal('high')]);

export const ClientMsg = T.Union([
  /**
   * Join the room's call; `start` creates it (in that mode) when none is in progress. `replace`
   * (a host's "Start a lecture instead", asked to confirm): a lecture in place of a group call.
   * `rejoin` (a page back after a lost connection): the participant id it had; refused (final)
   * when the person has another seat in the call since (joined on another device meanwhile).
   */
  msg('join', { room: Id, start: T.Optional(T.Union([T.Literal('group'), T.Literal('lecture')])), replace: T.Optional(T.Boolean()), rejoin: T.Optional(Id) }),
  /** Offer for the publishing connection; `sources` says what each sending m-line (by mid) carries. */
  msg('offer', { sdp: Sdp, sources: T.Record(T.String({ maxLength: 32 }), SourceT, { maxProperties: 8 }) }),
  /** Answer to the server's offer on the receiving connection. */
  msg('answer', { sdp: Sdp }),
  msg('candidate', { pc: T.Union([T.Literal('pub'), T.Literal('sub')]), candidate: Candidate }),
  /** What this subscriber wants to receive (layer request). */
  msg('view', { mode: ViewT }),
  /** The sender muted/unmuted its own source (camera off = muted cam). */
  msg('mute', { source: SourceT, muted: T.Boolean() }),
  msg('hand', { raised: T.Boolean() }),
  /** Host only: allow or revoke a participant's microphone. */
  msg('grant', { participant: Id, mic: T.Boolean() }),
  msg('mute-all', {}),
  msg('remove', { participant: Id }),
  /** Host only: start (`on`) or stop recording the lecture (her voice and her screen or camera). */
  msg('record', { on: T.Boolean() }),
  /** Host only: end the lecture for everyone in it. */
  msg('end', {}),
  /** Network changed: restart ICE on the receiving connection (the client restarts its own). */
  msg('restart', {}),
  msg('leave', {}),
  /** The page could not apply what it got (e.g. the browser refused an offer): logged for operators. */
  msg('problem', { where: T.Union([T.Literal('pub'), T.Literal('sub'), T.Literal('other')]), message: T.String({ maxLength: 500 }) }),
]);
export type ClientMsg = Static<typeof ClientMsg>;

export const parseClientMsg = parserFor(ClientMsg);

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export interface RosterEntry {
  id: string;
  name: string;
  host: boolean;
  hand: boolean;
  micGranted: boolean;
  /** Which sources are being sent (and not muted). */
  sending: Source[];
}

export interface TrackInfo {
  mid: string;
  participant: string;
  source: Source;
}

export type ServerMsg =
  | { type: 'joined'; call: { id: string; room: string; mode: CallMode }; you: { id: string; host: boolean; canPublish: boolean; view: ViewMode }; iceServers: IceServer[] }
  | { type: 'roster'; participants: RosterEntry[] }
  | { type: 'offer'; sdp: string; tracks: TrackInfo[] }
  | { type: 'answer'; sdp: string }
  | { type: 'candidate'; pc: 'pub' | 'sub'; candidate: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null } }
  | { type: 'permission'; canPublish: boolean }
  | { type: 'muted'; source: Source }
  | { type: 'view'; mode: ViewMode }
  /** `final`: refused for good; a page back after a loss stops trying to rejoin. */
  | { type: 'error'; message: string; final?: true }
  /** A recording runs (`by`: the name of the host recorded) or stopped (null); sent to newcomers too. */
  | { type: 'recording'; by: string | null }
  /** Something everyone in the call is told (the lecturer left, is back). */
  | { type: 'notice'; message: string }
  /** `ended`: the call ended for everyone (a host ended the lecture, a lecture replaced it): `message` says why. */
  | { type: 'ended'; reason: 'left' | 'removed' | 'replaced' | 'closed' | 'ended'; message?: string };
