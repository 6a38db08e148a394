/**
 * A call: one per room, in server memory. It owns its participants, decides who receives what
 * (every participant subscribes to every other participant's Up tracks), applies the permission
 * rules to each signalling message, and ends when the last participant leaves.
 *
 * Messages arrive already validated (protocol.ts) and from an identified member (the route
 * checked the session and the membership). What the Call still refuses: publishing without
 * permission (the offer is not applied, so no track can arrive), moderation by non-hosts.
 */
import type { RtcConfig } from './config';
import type { ViewMode } from './control';
import { canModerate, canPublishAnything, canRaiseHand, defaultView, type CallMode, type Seat, type Source } from './permissions';
import { AnswerRefused, Participant, type Endpoint, type Member } from './participant';
import { CallError } from './call-error';
import { checkPubOffer, OFFER_LIMITS } from './pub-offer';
import type { ClientMsg, IceServer, RosterEntry, ServerMsg } from './protocol';
import type { UpTrack } from './uptrack';
import { CallRecorder, type RecordedLecture } from './call-recording';
import { TurnedAwayNotices } from './turned-away';

export { CallError };

export const IN_CALL_ELSEWHERE = 'You are in this call on another device or tab, so this page stays out of it.';

export interface CallHooks {
  /** The call's public state changed (participant count, started, ended). */
  changed(call: Call): void;
  ended(call: Call): void;
  /** A host started recording the lecture; a recording finished (its file is to be stored). */
  recordingStarted(call: Call, userId: string): void;
  recorded(call: Call, r: RecordedLecture): void;
  finishing(p: Promise<void>): void;
  /** Bytes a recording by `userId` may take in the call's room (quotas). */
  recordingRoom(call: Call, userId: string): Promise<number>;
  /** Someone could not get in: the call was full (a lecture's register says so). */
  turnedAway(call: Call, userId: string): void;
  log(msg: string, fields: Record<string, unknown>): void;
  warn(msg: string, fields: Record<string, unknown>): void;
}

/** Problems one participant's page may report (the rest are dropped). */
const MAX_PROBLEMS = 5;

export { OFFER_LIMITS };

/** The least time between two rosters of one call (see broadcastRoster). */
export const ROSTER_EVERY_MS = 250;

/**
 * A lecture whose last host left goes on this long, so that a lecturer who reloads or loses her
 * connection finds it again; then it ends for everyone rather than leave a hall in a lecture
 * nobody can run (no one to allow a question, nor to end it).
 */
export const LECTURE_HOSTLESS_MS = 5 * 60_000;
export const HOST_LEFT = 'The lecturer has left. The lecture ends in 5 minutes unless a host comes back.';
export const HOST_BACK = 'The lecturer is back.';
export const HOST_GONE = 'The lecture has ended: the lecturer did not come back.';
export const HOST_ENDED = 'The lecturer ended the lecture.';
/** What the host who ended it reads (QA: she was told "The lecturer ended the lecture."). */
export const YOU_ENDED = 'You ended the lecture for everyone.';

export class Call {
  readonly id = crypto.randomUUID();
  readonly participants = new Map<string, Participant>();
  /** Users a host removed: they cannot come back into this call. */
  readonly removed = new Set<string>();
  readonly startedAt: number;
  ended = false;
  private rosterSentAt = -Infinity;
  private rosterTimer: ReturnType<typeof setTimeout> | null = null;
  /** Set while a lecture has no host in it (LECTURE_HOSTLESS_MS). */
  private hostless: ReturnType<typeof setTimeout> | null = null;
  /** Who was turned away from the full call, told to its hosts (everyone in a group call). */
  private turnedAwayNotices: TurnedAwayNotices;
  readonly recorder: CallRecorder;

  constructor(
    readonly roomId: string,
    readonly mode: CallMode,
    private cfg: RtcConfig,
    private hooks: CallHooks,
    private now: () => number,
  ) {
    this.startedAt = now();
    this.turnedAwayNotices = new TurnedAwayNotices(cfg.maxParticipants, (message) => {
      if (this.ended) return;
      for (const q of this.participants.values()) if (q.seat.host || this.mode === 'group') q.send({ type: 'notice', message });
    }, now);
    this.recorder = new CallRecorder(roomId, cfg, {
      tell: (m) => this.tell(m),
      // Not once the call ended (its stop is part of ending): the room's bar would show a call again.
      changed: () => {
        if (!this.ended) this.hooks.changed(this);
      },
      present: (p) => !this.ended && this.participants.get(p.id) === p,
      room: (userId) => this.hooks.recordingRoom(this, userId),
      started: (userId) => this.hooks.recordingStarted(this, userId),
      saved: (r) => this.hooks.recorded(this, r),
      finishing: (p) => this.hooks.finishing(p),
      warn: (msg, fields) => this.hooks.warn(msg, { callId: this.id, ...fields }),
    }, now);
  }

  join(member: Member, host: boolean, endpoint: Endpoint, iceServers: IceServer[], rejoin?: string): Participant {
    if (this.ended) throw new CallError('This call has ended.');
    if (this.removed.has(member.userId)) throw new CallError('A host removed you from this call.');
    // A page coming back by itself after a lost connection must not take the seat the person took
    // on another device meanwhile (the phone she moved to would be thrown out): only its own seat,
    // which the server may not have noticed was lost yet, is replaced.
    if (rejoin !== undefined && [...this.participants.values()].some((o) => o.member.userId === member.userId && o.id !== rejoin)) throw new CallError(IN_CALL_ELSEWHERE, true);
    // One seat per person: joining again (another tab, a reload) replaces the earlier one, so the
    // earlier seat does not count against the limit; nor is a lecture's host ever kept out of it
    // (a full lecture whose lecturer could not come back would end itself).
    for (const other of this.participants.values()) if (other.member.userId === member.userId) void this.leave(other, 'replaced');
    if (this.participants.size >= this.cfg.maxParticipants && !(this.mode === 'lecture' && host)) {
      this.turnedAway(member);
      throw new CallError(`This call is full (${this.cfg.maxParticipants} people).`);
    }
    const seat: Seat = { host: this.mode === 'lecture' && host, micGranted: false };
    const p = new Participant(member, seat, defaultView(this.mode, seat), endpoint, this.cfg, {
      onUpTrack: (_, up) => this.publish(up),
      onUpTrackEnded: (_, up) => this.unpublish(up),
      onBroken: (q, why) => {
        this.hooks.log('call participant broken', { callId: this.id, participantId: q.id, why });
        void this.leave(q, 'closed');
      },
      onWarn: (q, msg, fields) => this.hooks.warn(msg, { callId: this.id, participantId: q.id, ...fields }),
    }, this.now);
    this.participants.set(p.id, p);
    if (seat.host && this.hostless) {
      this.clearHostless();
      this.notice(HOST_BACK);
    }
    p.send({ type: 'joined', call: { id: this.id, room: this.roomId, mode: this.mode }, you: { id: p.id, host: seat.host, canPublish: canPublishAnything(this.mode, seat), view: p.view }, iceServers });
    const recording = this.recorder.state();
    if (recording) p.send(recording);
    for (const other of this.participants.values()) if (other !== p) for (const up of other.ups.values()) p.subscribe(up);
    this.broadcastRoster();
    this.hooks.changed(this);
    return p;
  }

  async leave(p: Participant, reason: 'left' | 'removed' | 'replaced' | 'closed') {
    if (!this.participants.delete(p.id)) return;
    if (reason !== 'left') p.send({ type: 'ended', reason });
    // The call's state changes now and the connections close after: werift's DTLS and ICE shutdown
    // takes seconds (ten at once, on a loaded machine, over half a minute), and the room's bar must
    // not wait for it, nor a call whose last close hangs stay "in progress" for ever. Decided at once,
    // a leave also cannot end a call that ended meanwhile (endAll) and tell the room "no call" over
    // the lecture that replaced it.
    const closing = p.close();
    this.recorder.left(p, reason);
    this.hooks.log('call leave', { callId: this.id, participantId: p.id, reason, left: this.participants.size });
    // A seat replaced is left inside join, which adds the person's new seat right after (this part
    // runs synchronously): the last one replaced must not end the call under it. (It did: a person
    // alone in a call who joined again, by a rejoin after a lost connection, was put in an ended
    // call nobody else could see or join.)
    if (!this.participants.size && reason === 'replaced') {
      // nothing to tell: join broadcasts the roster and the call's state
    } else if (!this.participants.size) {
      this.ended = true;
      void this.recorder.stop('ended');
      this.clearHostless();
      this.turnedAwayNotices.stop();
      this.hooks.ended(this);
    } else {
      if (p.seat.host && reason !== 'replaced' && !this.hostless && ![...this.participants.values()].some((q) => q.seat.host)) {
        this.notice(HOST_LEFT);
        this.hostless = setTimeout(() => this.endAll(HOST_GONE), this.cfg.lectureHostlessMs ?? LECTURE_HOSTLESS_MS);
      }
      this.broadcastRoster();
      this.hooks.changed(this);
    }
    await closing;
  }

  /**
   * Ends the call for everyone in it, each told `why` (a host ended the lecture, a lecture replaced
   * a group call, no host came back): their pages do not try to rejoin.
   */
  endAll(why: string, by?: Participant) {
    if (this.ended) return;
    this.ended = true;
    void this.recorder.stop('ended');
    this.clearHostless();
    this.turnedAwayNotices.stop();
    for (const p of [...this.participants.values()]) {
      this.participants.delete(p.id);
      const told = p === by ? YOU_ENDED : why;
      p.send({ type: 'ended', reason: 'ended', message: told });
      void p.close();
      // The page shows a close's reason (it may come before the message is handled): the same words.
      p.endpoint.close(1000, told.slice(0, 120));
    }
    this.hooks.log('call ended for everyone', { callId: this.id, why });
    this.hooks.ended(this);
  }

  private turnedAway(member: Member) {
    this.hooks.turnedAway(this, member.userId);
    this.turnedAwayNotices.add(member.name);
  }

  /** One message to everyone in the call. */
  private tell(m: ServerMsg) {
    for (const q of this.participants.values()) q.send(m);
  }

  private notice(message: string) {
    this.tell({ type: 'notice', message });
  }

  private clearHostless() {
    if (this.hostless) clearTimeout(this.hostless);
    this.hostless = null;
  }

  async handle(p: Participant, m: ClientMsg) {
    if (!this.participants.has(p.id)) return;
    switch (m.type) {
      case 'offer':
        return this.offer(p, m.sdp, m.sources);
      case 'answer':
        return this.answer(p, m.sdp);
      case 'candidate':
        p.addCandidate(m.pc, m.candidate); // not awaited: see Participant.addCandidate
        return;
      case 'view':
        return this.setView(p, m.mode);
      case 'mute': {
        p.selfMuted[m.source] = m.muted;
        const up = p.ups.get(m.source);
        if (up) up.muted = m.muted;
        return this.broadcastRoster();
      }
      case 'hand':
        if (!canRaiseHand(this.mode, p.seat)) throw new CallError('Raising a hand is for lectures.');
        p.hand = m.raised;
        return this.broadcastRoster();
      case 'grant':
        return this.grant(p, m.participant, m.mic);
      case 'mute-all':
        return this.muteAll(p);
      case 'remove': {
        this.requireHost(p);
        const q = this.participants.get(m.participant);
        if (!q || q === p) throw new CallError('That person is not in the call.');
        this.removed.add(q.member.userId);
        await this.leave(q, 'removed');
        q.endpoint.close(4403, 'Removed from the call.');
        return;
      }
      case 'restart':
        return p.requestIceRestart();
      case 'leave':
        return this.leave(p, 'left');
      case 'record':
        this.requireHost(p);
        return m.on ? this.recorder.start(p) : this.recorder.stop('stopped');
      case 'end':
        this.requireHost(p);
        return this.endAll(HOST_ENDED, p);
      case 'problem':
        // At most a few per participant: a page in a loop must not flood the log.
        if (p.problems++ < MAX_PROBLEMS) this.hooks.warn('call problem reported by a browser', { callId: this.id, participantId: p.id, where: m.where, message: m.message, lastSubOffer: p.lastSubOffer });
        return;
      case 'join':
        throw new CallError('Already in the call.');
    }
  }

  private async offer(p: Participant, sdp: string, declared: Record<string, Source>) {
    await p.acceptOffer(sdp, checkPubOffer(this.mode, p, sdp, declared, this.now()));
    this.broadcastRoster();
  }

  private async answer(p: Participant, sdp: string) {
    try {
      await p.acceptAnswer(sdp);
    } catch (e) {
      if (!(e instanceof AnswerRefused)) throw e;
      this.hooks.warn('call answer refused', { callId: this.id, participantId: p.id, message: e.message, err: e.cause === undefined ? undefined : String(e.cause) });
      throw new CallError(e.message);
    }
  }

  private setView(p: Participant, mode: ViewMode) {
    p.view = mode;
    p.selectLayers();
    p.send({ type: 'view', mode });
  }

  private requireHost(p: Participant) {
    if (!canModerate(this.mode, p.seat)) throw new CallError('Only the lecturer can do that.');
  }

  private async grant(p: Participant, targetId: string, mic: boolean) {
    this.requireHost(p);
    const q = this.participants.get(targetId);
    if (!q || q.seat.host) throw new CallError('That person is not a student in the call.');
    q.seat = { ...q.seat, micGranted: mic };
    // Allowed to speak (again), a student starts unmuted, as her page does: a "Mute all" before must
    // not leave her new microphone track muted here (the lecturer would not hear the question).
    if (mic) {
      q.hand = false;
      q.selfMuted.mic = false;
    }
    else await q.closePub(); // enforced here, whatever the browser does next
    q.send({ type: 'permission', canPublish: canPublishAnything(this.mode, q.seat) });
    this.broadcastRoster();
  }

  private muteAll(p: Participant) {
    this.requireHost(p);
    for (const q of this.participants.values()) {
      if (q.seat.host) continue;
      const mic = q.ups.get('mic');
      q.selfMuted.mic = true;
      if (mic) mic.muted = true;
      q.send({ type: 'muted', source: 'mic' });
    }
    this.broadcastRoster();
  }

  private publish(up: UpTrack) {
    for (const q of this.participants.values()) if (q.id !== up.participantId) q.subscribe(up);
    this.broadcastRoster();
  }

  private unpublish(up: UpTrack) {
    for (const q of this.participants.values()) q.unsubscribe(up);
    if (!this.ended) this.broadcastRoster();
  }

  roster(): RosterEntry[] {
    return [...this.participants.values()].map((p) => ({
      id: p.id,
      name: p.member.name,
      host: p.seat.host,
      hand: p.hand,
      micGranted: p.seat.micGranted,
      sending: [...p.ups.values()].filter((u) => !u.muted).map((u) => u.source),
    }));
  }

  /**
   * Rosters go out at most once per ROSTER_EVERY_MS per call: the first at once, the changes after
   * it together when the interval is up. A roster is the whole list sent to everyone (about 30 KB
   * for 300 students, to each of them), so a burst of joins, or one client toggling its hand 60
   * times a second, would otherwise multiply into megabytes a second on students' mobile data.
   */
  private broadcastRoster() {
    if (this.rosterTimer) return; // the one already due carries this change too
    const wait = this.rosterSentAt + ROSTER_EVERY_MS - Date.now();
    if (wait <= 0) return this.sendRoster();
    this.rosterTimer = setTimeout(() => {
      this.rosterTimer = null;
      if (!this.ended) this.sendRoster();
    }, wait);
  }

  private sendRoster() {
    this.rosterSentAt = Date.now();
    this.tell({ type: 'roster', participants: this.roster() });
  }

  /** Periodic work (SFU tick): Up track upkeep, layer choice, REMB to publishers. */
  tick(now: number, layers: boolean, remb: boolean) {
    this.recorder.tick(this.participants.values());
    for (const p of this.participants.values()) {
      for (const up of p.ups.values()) up.tick(now);
      if (layers) p.selectLayers();
    }
    if (remb) {
      for (const p of this.participants.values()) {
        p.measure(now);
        p.sendRemb(this.wantedFrom(p));
      }
    }
  }

  /** How much video anyone wants from `p` (bps): the cap while someone watches, a trickle otherwise. */
  private wantedFrom(p: Participant): number {
    let wanted = 100_000;
    for (const up of p.ups.values()) {
      if (up.kind !== 'video') continue;
      let watched = this.recorder.records(up);
      for (const q of this.participants.values()) if (q.downs.some((d) => d.up === up && d.target)) watched = true;
      wanted += watched ? (up.source === 'screen' ? 2_500_000 : this.cfg.maxBitrate) : 200_000;
    }
    return wanted;
  }

  async close() {
    for (const p of [...this.participants.values()]) await this.leave(p, 'closed');
  }
}
