/**
 * A lecture's recording, as the call runs it: a host starts and stops it; it stops by itself
 * when the host recorded leaves the lecture (Leave, or removed), when the lecture ends, and when
 * the file reaches its size limit. A host whose connection drops is waited for (the lecture
 * itself waits LECTURE_HOSTLESS_MS for her): the file records nothing meanwhile.
 *
 * Everyone in the call is told while a recording runs (`recording` with who records; null once it
 * stops), newcomers as they join: nobody is recorded without being told.
 * One recording at a time per call. The finished file goes to `saved`, which stores it in the room.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RtcConfig } from './config';
import type { Participant } from './participant';
import type { ServerMsg } from './protocol';
import { Recording, type RecordingResult } from './recording';

/** Why a recording stopped; `interrupted`: the server stopped before it could (a crash), found at the next start. */
export type RecordingStop = 'stopped' | 'left' | 'ended' | 'full' | 'long' | 'interrupted';

export interface RecordedLecture extends RecordingResult {
  userId: string;
  /** Why it stopped. */
  reason: RecordingStop;
}

export interface RecordingHooks {
  /** A message to everyone in the call. */
  tell(msg: ServerMsg): void;
  /** The call's public state changed (recording or not: the room's call bar says it). */
  changed(): void;
  started(userId: string): void;
  saved(r: RecordedLecture): void;
  /** A file being finished (shutdown waits for these: Sfu.drain). */
  finishing(p: Promise<void>): void;
  warn(msg: string, fields: Record<string, unknown>): void;
}

export const DEFAULT_RECORDING_BYTES = 2 ** 30;
export const RECORDING_FULL = 'The recording stopped: it reached the largest file size. Press Record to record the rest.';
export const RECORDING_LONG = 'The recording stopped after 4 hours. Press Record to record the rest.';

export class CallRecorder {
  current: Recording | null = null;
  private starting = false;

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
    try {
      await Recording.prepare(this.dir);
      this.current = new Recording(this.roomId, p.member.userId, p.member.name, this.dir, this.cfg.recordingMaxBytes ?? DEFAULT_RECORDING_BYTES, this.now);
    } finally {
      this.starting = false;
    }
    this.hooks.tell({ type: 'recording', by: p.member.name });
    this.hooks.changed();
    this.hooks.started(p.member.userId);
  }

  /** Stops the recording (if one runs) and hands the finished file on. */
  stop(reason: RecordingStop): Promise<void> {
    const rec = this.current;
    if (!rec) return Promise.resolve();
    this.current = null;
    this.hooks.tell({ type: 'recording', by: null });
    this.hooks.changed();
    if (reason === 'full' || reason === 'long') this.hooks.tell({ type: 'notice', message: reason === 'full' ? RECORDING_FULL : RECORDING_LONG });
    const done = rec.stop().then(
      (result) => this.hooks.saved({ ...result, userId: rec.userId, reason }),
      (err) => this.hooks.warn('recording could not be finished', { path: rec.path, err }),
    );
    this.hooks.finishing(done);
    return done;
  }

  /** A participant left the call: the recording stops when she is the one recorded and left for good. */
  left(p: Participant, reason: 'left' | 'removed' | 'replaced' | 'closed') {
    if (this.current?.userId === p.member.userId && (reason === 'left' || reason === 'removed')) void this.stop('left');
  }

  /** SFU tick: follow the recorded host's sources (her newest seat), and stop at the size limit. */
  tick(participants: Iterable<Participant>) {
    const rec = this.current;
    if (!rec) return;
    if (rec.full) return void this.stop('full');
    if (rec.long) return void this.stop('long');
    let seat: Participant | null = null;
    for (const p of participants) if (p.member.userId === rec.userId) seat = p;
    rec.follow(seat?.ups ?? null);
  }
}
