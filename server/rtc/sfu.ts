/**
 * The SFU: calls by room, in this process's memory (one node). It never sees HTTP or sessions:
 * the signalling route (server/features/calls) authenticates the socket, checks room membership,
 * and then calls `join` with who the person is.
 *
 * One periodic timer (100 ms) runs only while a call exists: Up track upkeep (bitrates, deferred
 * key-frame requests, NACK retries) every tick, layer choice every 500 ms, REMB every second.
 */
import { Call, CallError, type CallHooks } from './call';
import { iceServersFor, type RtcConfig } from './config';
import type { CallMode } from './permissions';
import type { Endpoint, Member, Participant } from './participant';
import type { ClientMsg } from './protocol';
import type { RecordedLecture } from './call-recording';
import { Pending } from '../lib/pending';

export { CallError };

/** Calls one person may be in at once (other tabs, other rooms). */
export const MAX_CALLS_PER_PERSON = 3;

export const LECTURE_REPLACES_CALL = 'The lecturer started a lecture in this room: press Join call to listen.';

export interface CallState {
  roomId: string;
  mode: CallMode;
  participants: number;
  startedAt: number;
  /** A lecture being recorded: the room's call bar says so before anyone joins. */
  recording: boolean;
}

export type RecordingEvent = { type: 'started'; roomId: string; callId: string; userId: string } | ({ type: 'saved'; roomId: string; callId: string } & RecordedLecture);

/**
 * What a lecture's register is kept from (features/calls/attendance.ts): who is in it now, at each
 * join and leave (`seats` empty once it `ended`); someone turned away because it was full.
 */
export type LectureEvent =
  | { type: 'seats'; callId: string; roomId: string; seats: { seatId: string; userId: string; host: boolean }[]; ended: boolean }
  | { type: 'full'; callId: string; roomId: string; userId: string };

export interface SfuLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface SfuStats {
  calls: number;
  participants: number;
  upTracks: number;
  downTracks: number;
  forwardedPackets: number;
  retransmittedPackets: number;
}

const TICK_MS = 100;

export class Sfu {
  private calls = new Map<string, Call>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private ticks = 0;
  /** Recordings being finished (Call → CallRecorder.stop): shutdown waits for them (drain). */
  private finishing = new Pending();
  /** Lectures that take a register (course rooms'): their ids, until they end. */
  private registers = new Set<string>();
  /** Called when a room's call starts, changes size, or ends (null). */
  onChange: (roomId: string, state: CallState | null) => void = () => {};
  /** A host started recording a lecture; a recording finished (to be stored as a file in the room). */
  onRecording: (e: RecordingEvent) => void = () => {};
  /** A lecture that takes a register (join's `register`) started, someone joined, left or was turned away, it ended. */
  onLecture: (e: LectureEvent) => void = () => {};
  /** Bytes a host's recording may take in a room (what her and the room's quotas leave); unlimited until set. */
  recordingRoom: (roomId: string, userId: string) => Promise<number> = async () => Infinity;

  constructor(
    readonly config: RtcConfig,
    private log: SfuLogger,
    private now: () => number = () => performance.now(),
  ) {}

  state(roomId: string): CallState | null {
    const c = this.calls.get(roomId);
    return c && !c.ended ? { roomId, mode: c.mode, participants: c.participants.size, startedAt: c.startedAt, recording: c.recorder.current !== null } : null;
  }

  /**
   * Puts a member into the room's call. `start` creates the call when none is in progress
   * (a lecture only when `host`; one that keeps a register when `register`, a course room's). The
   * caller has verified identity and membership.
   */
  join(opts: { roomId: string; member: Member; host: boolean; start?: CallMode; replace?: boolean; rejoin?: string; register?: boolean; endpoint: Endpoint }): { call: Call; participant: Participant } {
    // Each seat holds one or two UDP ports and the connections' state: one account in every call of
    // its rooms at once could use up the port range for everyone (RTC_PORT_MIN/MAX). A seat in this
    // room's call does not count: joining again replaces it.
    const elsewhere = [...this.calls.values()].filter((c) => !c.ended && c.roomId !== opts.roomId && [...c.participants.values()].some((p) => p.member.userId === opts.member.userId)).length;
    if (elsewhere >= MAX_CALLS_PER_PERSON) throw new CallError(`You are in ${MAX_CALLS_PER_PERSON} other calls already: leave one to join this one.`);
    let call = this.calls.get(opts.roomId);
    // A lecture takes the room from a group call (students who started one before class must not
    // keep the lecturer from teaching, nor make her hold the lecture as a call everyone speaks in):
    // that call ends for everyone in it, told why. Only when asked for (`replace`: a plain "Start
    // lecture" from a bar not yet updated, or a rejoin, joins the call as it is).
    if (call && !call.ended && call.mode === 'group' && opts.start === 'lecture' && opts.replace && opts.host) call.endAll(LECTURE_REPLACES_CALL);
    if (!call || call.ended) {
      if (!opts.start) throw new CallError('There is no call in this room right now.');
      if (opts.start === 'lecture' && !opts.host) throw new CallError('Only the lecturer or the room owner can start a lecture.');
      call = new Call(opts.roomId, opts.start, this.config, this.hooks(), this.now);
      this.calls.set(opts.roomId, call);
      if (opts.start === 'lecture' && opts.register) this.registers.add(call.id);
      this.log.info('call started', { callId: call.id, roomId: opts.roomId, mode: opts.start });
      this.startTimer();
    }
    const participant = call.join(opts.member, opts.host, opts.endpoint, iceServersFor(this.config, opts.member.userId, Date.now()), opts.rejoin);
    return { call, participant };
  }

  handle(call: Call, p: Participant, msg: ClientMsg): Promise<void> {
    return call.handle(p, msg);
  }

  /** `removed`: taken out of the room (not a leave the person may come back from). */
  leave(call: Call, p: Participant, reason: 'left' | 'removed' = 'left'): Promise<void> {
    return call.leave(p, reason);
  }

  /**
   * Removes a user from every call on this node (a safeguarding block), or from the calls in rooms
   * `where` accepts (a restriction: rooms with a minor); their sockets get 4403. `where` is asked
   * only about calls the user is in.
   */
  async endUser(userId: string, why = 'Removed from the call.', where?: (roomId: string) => Promise<boolean>) {
    const inCall = (roomId: string) => [...(this.calls.get(roomId)?.participants.values() ?? [])].some((p) => p.member.userId === userId);
    await this.endSeats({ room: async (roomId) => inCall(roomId) && (!where || (await where(roomId))), user: async (_, id) => id === userId }, why);
  }

  /**
   * Removes from calls on this node every participant `which` names: `which.room` is asked once per
   * call, `which.user` once per user in the calls it accepts; their sockets get 4403. A conversation
   * gone read-only for some of its members (a shared course ended) loses their seats, not the call.
   */
  async endSeats(which: { room(roomId: string): Promise<boolean>; user(roomId: string, userId: string): Promise<boolean> }, why: string) {
    for (const [roomId, call] of [...this.calls.entries()]) {
      if (!(await which.room(roomId))) continue;
      for (const userId of new Set([...call.participants.values()].map((p) => p.member.userId))) {
        if (await which.user(roomId, userId)) await this.remove(call, (p) => p.member.userId === userId, why);
      }
    }
  }

  /** Ends the room's call on this node (a safeguarding freeze); every socket gets 4403. */
  async endRoom(roomId: string, why = 'The call was ended.') {
    const call = this.calls.get(roomId);
    if (call) await this.remove(call, () => true, why);
  }

  /** Takes the participants `which` names out of `call`, closing their sockets with 4403 and `why`. */
  private async remove(call: Call, which: (p: Participant) => boolean, why: string) {
    for (const p of [...call.participants.values()]) {
      if (!which(p)) continue;
      await call.leave(p, 'removed');
      p.endpoint.close(4403, why);
    }
  }

  stats(): SfuStats {
    const s: SfuStats = { calls: 0, participants: 0, upTracks: 0, downTracks: 0, forwardedPackets: 0, retransmittedPackets: 0 };
    for (const c of this.calls.values()) {
      s.calls++;
      for (const p of c.participants.values()) {
        s.participants++;
        s.upTracks += p.ups.size;
        for (const d of p.downs) {
          if (d.up) s.downTracks++;
          s.forwardedPackets += d.sentPackets;
          s.retransmittedPackets += d.retransmitted;
        }
      }
    }
    return s;
  }

  /** Ends every call (shutdown, tests). */
  async close() {
    await Promise.all([...this.calls.values()].map((c) => c.close()));
    this.stopTimer();
  }

  /** Waits until every recording stopped so far is finished and handed to `onRecording` (shutdown). */
  drain(): Promise<void> {
    return this.finishing.drain();
  }

  private hooks(): CallHooks {
    return {
      changed: (c) => {
        this.onChange(c.roomId, this.state(c.roomId));
        this.lectureChanged(c);
      },
      ended: (c) => {
        this.lectureChanged(c);
        if (this.calls.get(c.roomId) === c) this.calls.delete(c.roomId);
        this.log.info('call ended', { callId: c.id, roomId: c.roomId });
        if (!this.calls.size) this.stopTimer();
        // The room's state now: another call may already be in it (a lecture that replaced this one).
        this.onChange(c.roomId, this.state(c.roomId));
      },
      recordingStarted: (c, userId) => this.onRecording({ type: 'started', roomId: c.roomId, callId: c.id, userId }),
      recorded: (c, r) => this.onRecording({ type: 'saved', roomId: c.roomId, callId: c.id, ...r }),
      recordingRoom: (c, userId) => this.recordingRoom(c.roomId, userId),
      turnedAway: (c, userId) => {
        if (this.registers.has(c.id)) this.onLecture({ type: 'full', callId: c.id, roomId: c.roomId, userId });
      },
      finishing: (p) => void this.finishing.add(p),
      log: (msg, fields) => this.log.info(msg, fields),
      warn: (msg, fields) => this.log.warn(msg, fields),
    };
  }

  private lectureChanged(c: Call) {
    if (!this.registers.has(c.id)) return;
    if (c.ended) this.registers.delete(c.id);
    const seats = c.ended ? [] : [...c.participants.values()].map((p) => ({ seatId: p.id, userId: p.member.userId, host: p.seat.host }));
    this.onLecture({ type: 'seats', callId: c.id, roomId: c.roomId, seats, ended: c.ended });
  }

  private startTimer() {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  private stopTimer() {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick() {
    const now = this.now();
    this.ticks++;
    for (const c of this.calls.values()) {
      try {
        c.tick(now, this.ticks % 5 === 0, this.ticks % 10 === 0);
      } catch (e) {
        this.log.warn('sfu tick failed', { callId: c.id, err: e });
      }
    }
  }
}
