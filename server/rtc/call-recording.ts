/**
 * A lecture's recording, as the call runs it: a host starts and stops it; it stops by itself when
 * the lecture ends, at its size limit (the file limit, or what the host's and the room's quotas
 * leave), after MAX_RECORDING_MS, when its file cannot be written, when the host recorded is
 * removed from the lecture, and RECORDING_WAIT_MS after she left it without coming back. A reload,
 * a lost connection or a Leave pressed by mistake are all a socket closing to the server: she is
 * waited for, as the lecture waits for its last host, and the file records nothing meanwhile.
 *
 * Everyone in the call is told while a recording runs (`recording` with who records; null once it
 * stops), newcomers as they join, and the room's call bar says it (`changed`): nobody is recorded
 * without being told. One recording at a time per call. The finished files go to `saved`.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RtcConfig } from './config';
import { CallError } from './call-error';
import type { Participant } from './participant';
import type { ServerMsg } from './protocol';
import { Recording, type RecordingResult } from './recording';

/** Why a recording stopped; `interrupted`: the server stopped before it could (a crash), found at the next start. */
export type RecordingStop = 'stopped' | 'left' | 'removed' | 'ended' | 'full' | 'long' | 'failed' | 'interrupted';

export interface RecordedLecture extends RecordingResult {
  userId: string;
  /** Why it stopped. */
  reason: RecordingStop;
  /** Set by recovery: the voice-alone file of a recording whose picture file was stored before a crash. */
  soundOnly?: true;
}

export interface RecordingHooks {
  /** A message to everyone in the call. */
  tell(msg: ServerMsg): void;
  /** The call's public state changed (recording or not: the room's call bar says it). */
  changed(): void;
  /** Whether `p` is still in the call (and the call still on): a start awaited its checks. */
  present(p: Participant): boolean;
  /** Bytes the host's recording may take in the room (her and the room's quotas; the file limit is the SFU's). */
  room(userId: string): Promise<number>;
  started(userId: string): void;
  saved(r: RecordedLecture): void;
  /** A file being finished (shutdown waits for these: Sfu.drain). */
  finishing(p: Promise<void>): void;
  warn(msg: string, fields: Record<string, unknown>): void;
}

export const DEFAULT_RECORDING_BYTES = 2 ** 30;
/** As long as a lecture waits for its last host (call.ts LECTURE_HOSTLESS_MS). */
export const RECORDING_WAIT_MS = 5 * 60_000;
/** Less room than this, and Record is refused: a few minutes of voice and slides. */
export const MIN_RECORDING_BYTES = 5 * 2 ** 20;

const NOTICES: Partial<Record<RecordingStop, string>> = {
  full: 'The recording stopped: there is no more room for it. Press Record to record the rest.',
  long: 'The recording stopped after 4 hours. Press Record to record the rest.',
  failed: 'The recording stopped: the server could not write it. What was recorded is kept.',
  left: 'The recording stopped: the lecturer recorded did not come back.',
  removed: 'The recording stopped: the lecturer recorded was taken out of the lecture.',
};
export const RECORDING_FULL = NOTICES.full!;

export class CallRecorder {
  current: Recording | null = null;
  private starting = false;
  /** Stop pressed while a start was doing its checks. */
  private cancelled = false;
  /** Set while the host recorded is out of the call (RECORDING_WAIT_MS). */
  private away: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private roomId: string,
    private cfg: RtcConfig,
    private hooks: RecordingHooks,
    private now: () => number,
  ) {}

  private get dir() {
    return this.cfg.recordingDir ?? join(tmpdir(), 'letstalk-recordings');
  }

  /** What a newcomer is told (nothing while no recording runs). */
  state(): ServerMsg | null {
    return this.current ? { type: 'recording', by: this.current.name } : null;
  }

  async start(p: Participant) {
    if (this.current || this.starting) return;
    this.starting = true;
    this.cancelled = false;
    let room: number;
    try {
      [room] = await Promise.all([this.hooks.room(p.member.userId), Recording.prepare(this.dir)]);
    } finally {
      this.starting = false;
    }
    // The checks took time: the lecture may have ended, its host left or a host pressed Stop meanwhile.
    if (this.current || this.cancelled || !this.hooks.present(p)) return;
    const limit = Math.min(this.cfg.recordingMaxBytes ?? DEFAULT_RECORDING_BYTES, room);
    if (limit < MIN_RECORDING_BYTES) throw new CallError('There is no room left for a recording: your files or this room’s have used the space they have.');
    this.current = new Recording(this.roomId, p.member.userId, p.member.name, this.dir, limit, this.now);
    this.hooks.tell({ type: 'recording', by: p.member.name });
    this.hooks.changed();
    this.hooks.started(p.member.userId);
  }

  /** Stops the recording (if one runs) and hands the finished files on. */
  stop(reason: RecordingStop): Promise<void> {
    const rec = this.current;
    if (!rec) {
      if (this.starting) this.cancelled = true;
      return Promise.resolve();
    }
    this.current = null;
    this.back();
    this.hooks.tell({ type: 'recording', by: null });
    this.hooks.changed();
    const notice = NOTICES[reason];
    if (notice) this.hooks.tell({ type: 'notice', message: notice });
    const done = rec.stop().then(
      (result) => this.hooks.saved({ ...result, userId: rec.userId, reason }),
      (err) => this.hooks.warn('recording could not be finished', { path: rec.path, err }),
    );
    this.hooks.finishing(done);
    return done;
  }

  /** A participant left the call: when she is the one recorded, removed stops it, anything else waits for her. */
  left(p: Participant, reason: 'left' | 'removed' | 'replaced' | 'closed') {
    if (this.current?.userId !== p.member.userId || reason === 'replaced') return;
    if (reason === 'removed') return void this.stop('removed');
    this.away ??= setTimeout(() => void this.stop('left'), this.cfg.recordingWaitMs ?? RECORDING_WAIT_MS);
  }

  private back() {
    if (this.away) clearTimeout(this.away);
    this.away = null;
  }

  /** SFU tick: follow the recorded host's sources (her newest seat); stop at the limits. */
  tick(participants: Iterable<Participant>) {
    const rec = this.current;
    if (!rec) return;
    if (rec.failed) return void this.stop('failed');
    if (rec.full) return void this.stop('full');
    if (rec.long) return void this.stop('long');
    let seat: Participant | null = null;
    for (const p of participants) if (p.member.userId === rec.userId) seat = p;
    if (seat) this.back();
    rec.follow(seat?.ups ?? null);
  }

  /** Whether the recording takes `up`'s packets (it counts as a viewer: the publisher is asked for enough). */
  records(up: { sinks: Set<unknown> }): boolean {
    return this.current?.takes(up) ?? false;
  }
}
