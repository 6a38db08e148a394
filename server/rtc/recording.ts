/**
 * Recording: a lecture written to a WebM file on the server by a receiver of the host's Up tracks,
 * like any subscriber's Down tracks (Galène's disk writer is a receiver too). Nothing is decoded
 * or re-encoded: the host's packets are rewritten into one unbroken stream per kind and muxed.
 *
 * What it holds: the microphone of the host who pressed Record, and her shared screen while she
 * shares one, else her camera (layer `m`, 640×360: a recording is downloaded on students' mobile
 * data). One audio and one video track for the whole lecture: a switch between screen and camera
 * continues the video track from a key frame (VP8 key frames carry their own size). Students'
 * voices are not in it; only the person recording is.
 *
 * Timing: both tracks are timed on one clock, the recording's own (ms since Record was pressed):
 * each track's first packet is placed at its wall-clock offset, later ones by their RTP timestamps
 * (the rewriter keeps those continuous with wall-clock time across switches and gaps). A screen
 * shared twenty minutes in is twenty minutes into the file, in step with the voice. The muxing
 * is werift's WebM writer; the pipeline is ours because werift's MediaRecorder times each track
 * from its own first packet.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RtpPacket } from 'werift';
import { DepacketizeCallback, JitterBufferCallback, RtpSourceCallback, RtpTimeCallback, WebmCallback, saveToFileSystem } from 'werift/nonstandard';
import { Forwarder } from './forwarder';
import type { Source } from './permissions';
import type { UpTrack } from './uptrack';

/** Camera layers a recording prefers, best first. */
const CAM_LAYERS = ['m', 'h', 'l', 'f'];
/** How long stop() waits for the writer to finish the file. */
const FINISH_MS = 5_000;
const DAY_MS = 24 * 3_600_000;
/**
 * The longest recording: one left running (a lecture nobody ended) must not fill the disk, and
 * werift writes the length as a 4-byte float, exact to the millisecond only up to 2^24 ms (4.66 h).
 * A lecture longer than 4 hours goes on in a second file when Record is pressed again.
 */
export const MAX_RECORDING_MS = 4 * 3_600_000;
/** WebM framing per packet, counted generously (a block's header; a frame is one or more packets). */
const FRAMING_BYTES = 24;
/** The files' headers and cues, counted generously. */
const FILE_BYTES = 64 * 1024;

const NAME_RE = /^([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{1,64})\.(\d{1,15})(\.sound)?\.webm$/;

/** `<roomId>.<userId>.<started ms>.webm`, and `….sound.webm` for the voice alone. */
export function recordingFileName(roomId: string, userId: string, startedAt: number, sound = false): string {
  return `${roomId}.${userId}.${startedAt}${sound ? '.sound' : ''}.webm`;
}

/** The room, the host and the start a recording's file name says (null: not a recording's name). */
export function parseRecordingFileName(name: string): { roomId: string; userId: string; startedAt: number; sound: boolean } | null {
  const m = NAME_RE.exec(name);
  return m ? { roomId: m[1]!, userId: m[2]!, startedAt: Number(m[3]), sound: m[4] !== undefined } : null;
}

class RecordTrack extends Forwarder {
  bytes = 0;
  delivered = 0;
  /** When the last packet came (ms since the recording started). */
  lastAt = 0;
  readonly source = new RtpSourceCallback();
  private readonly time: RtpTimeCallback;

  constructor(
    kind: 'audio' | 'video',
    now: () => number,
    private sinceStart: () => number,
  ) {
    super(kind, now);
    this.time = new RtpTimeCallback(kind === 'audio' ? 48_000 : 90_000);
  }

  /** Wires source → (jitter buffer) → time → depacketizer → `out`. */
  pipe(out: (input: never) => void) {
    const dep = this.kind === 'audio' ? new DepacketizeCallback('OPUS') : new DepacketizeCallback('VP8', { isFinalPacketInSequence: (h) => h.marker });
    if (this.kind === 'video') {
      const jitter = new JitterBufferCallback(90_000, {});
      this.source.pipe(jitter.input);
      jitter.pipe(this.time.input);
    } else this.source.pipe(this.time.input);
    this.time.pipe(dep.input);
    dep.pipe(out as never);
  }

  protected deliver(packet: RtpPacket) {
    // The first packet sets where this track starts in the file (see Timing above).
    this.lastAt = this.sinceStart();
    if (this.delivered === 0) this.time.elapsed = this.lastAt;
    this.bytes += packet.payload.length;
    this.delivered++;
    this.source.input(packet);
  }
}

/** A frame out of a depacketizer (werift's shape; `time`: ms on the recording's clock). */
interface FrameInput {
  frame?: { time: number };
}

/** How long a frame may wait for the other track's (so that both reach the writer in time order). */
const INTERLEAVE_MS = 1_000;

/**
 * Hands the voice's and the picture's frames to the writer in time order. werift's writer starts
 * a cluster at each key frame and drops any frame older than the cluster it is in: a voice frame
 * that reached it just after a key frame stamped a few tens of ms later was lost (a CI run: 16 of
 * 361 in 7 s, a click each). A frame waits until the other track has reached its time, or for
 * INTERLEAVE_MS (a track may be silent: no picture at all, a muted microphone).
 */
export class Interleave {
  private queue: { time: number; to: (f: FrameInput) => void; input: FrameInput }[] = [];
  private latest = { audio: -Infinity, video: -Infinity };

  push(kind: 'audio' | 'video', input: FrameInput, to: (f: FrameInput) => void) {
    // An end (or a loss marker): not passed on. The writers are ended by Recording.stop, after the
    // frames still waiting here: an end passed on first would close a file before them.
    if (!input.frame) return;
    const time = input.frame.time;
    this.latest[kind] = Math.max(this.latest[kind], time);
    // In order of time; equal times keep their arrival order.
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.time > time) i--;
    this.queue.splice(i, 0, { time, to, input });
    this.release(Math.max(Math.min(this.latest.audio, this.latest.video), Math.max(this.latest.audio, this.latest.video) - INTERLEAVE_MS));
  }

  /** Everything still waiting (the recording stops). */
  flush() {
    this.release(Infinity);
  }

  private release(upTo: number) {
    let n = 0;
    while (n < this.queue.length && this.queue[n]!.time <= upTo) n++;
    for (const f of this.queue.splice(0, n)) f.to(f.input);
  }
}

interface WebmFile {
  webm: WebmCallback;
  /** When the writer has finished the file (its length and cues written), or failed to. */
  finished: Promise<void>;
  /** The first write that failed (a full disk): the recording stops. */
  error: Error | null;
}

function webmFile(path: string, video: boolean): WebmFile {
  const webm = new WebmCallback(
    [
      { kind: 'audio', codec: 'OPUS', clockRate: 48_000, trackNumber: 1 },
      ...(video ? [{ kind: 'video' as const, codec: 'VP8' as const, clockRate: 90_000, trackNumber: 2, width: 1280, height: 720 }] : []),
    ],
    { duration: DAY_MS },
  );
  const save = saveToFileSystem(path);
  const file: WebmFile = { webm, finished: Promise.resolve(), error: null };
  file.finished = new Promise<void>((resolve) => {
    webm.pipe(async (o) => {
      if (file.error) return;
      try {
        if (await save(o)) resolve();
      } catch (e) {
        file.error = e as Error;
        resolve();
      }
    });
  });
  return file;
}

export interface RecordingResult {
  path: string;
  /** The same voice alone (`<name>.sound.webm`): what a student on mobile data downloads (null: none). */
  soundPath: string | null;
  /** Voice bytes written (0: no voice, so no voice-alone file is worth keeping). */
  soundBytes: number;
  /** Wall-clock times (ms since the epoch); the end is the last packet's (a host waited for adds nothing). */
  startedAt: number;
  endedAt: number;
  /** Media bytes written (the file is a little larger: the WebM framing). */
  bytes: number;
  /** Whether any video reached the file (an audio-only lecture has none). */
  video: boolean;
}

export class Recording {
  readonly startedAt = Date.now();
  readonly path: string;
  private readonly audio: RecordTrack;
  private readonly video: RecordTrack;
  private readonly begun: number;
  readonly soundPath: string;
  private readonly files: WebmFile[];
  private readonly interleave = new Interleave();
  private stopping: Promise<RecordingResult> | null = null;

  /**
   * `userId`: the host recorded (her seat may change: a reload rejoins the call). The file is named
   * `<roomId>.<userId>.<started ms>.webm` (recordingFileName): a file a crash left behind says whose
   * and where it is (features/calls/recordings.ts recovers it at the next start).
   */
  constructor(
    roomId: string,
    readonly userId: string,
    readonly name: string,
    dir: string,
    private maxBytes: number,
    private now: () => number,
  ) {
    this.path = join(dir, recordingFileName(roomId, userId, this.startedAt));
    this.soundPath = join(dir, recordingFileName(roomId, userId, this.startedAt, true));
    this.begun = now();
    const sinceStart = () => Math.max(0, Math.round(this.now() - this.begun));
    this.audio = new RecordTrack('audio', now, sinceStart);
    this.video = new RecordTrack('video', now, sinceStart);
    const [main, sound] = (this.files = [webmFile(this.path, true), webmFile(this.soundPath, false)]);
    // Each voice frame goes to both files (the writers only read it), in time order with the picture's.
    this.audio.pipe(((frame: FrameInput) =>
      this.interleave.push('audio', frame, (f) => {
        main!.webm.inputAudio(f as never);
        sound!.webm.inputAudio(f as never);
      })) as never);
    this.video.pipe(((frame: FrameInput) => this.interleave.push('video', frame, (f) => main!.webm.inputVideo(f as never))) as never);
  }

  /** Makes the directory the file goes in (call before the first packet can arrive). */
  static async prepare(dir: string) {
    await mkdir(dir, { recursive: true });
  }

  /** Media bytes taken in (RTP payloads). */
  get bytes(): number {
    return this.audio.bytes + this.video.bytes;
  }

  /** Both files' size, counted generously (the voice is in both; framing and cues on top). */
  get size(): number {
    return 2 * this.audio.bytes + this.video.bytes + FRAMING_BYTES * (2 * this.audio.delivered + this.video.delivered) + 2 * FILE_BYTES;
  }

  /** Whether the files reached their limit (the call then stops it): they must still fit where they go. */
  get full(): boolean {
    return this.size >= this.maxBytes;
  }

  /** A write failed (the disk): the call stops it. */
  get failed(): Error | null {
    return this.files.find((f) => f.error)?.error ?? null;
  }

  /** Whether `up` is being recorded. */
  takes(up: unknown): boolean {
    return this.audio.up === up || this.video.up === up;
  }

  /** Whether it has run for MAX_RECORDING_MS (the call then stops it). */
  get long(): boolean {
    return this.now() - this.begun >= MAX_RECORDING_MS;
  }

  /**
   * Follows the host's sources as they are now (called on every SFU tick): her microphone, her
   * screen or else her camera. `ups` null: she is not in the call (the file waits for her).
   */
  follow(ups: Map<Source, UpTrack> | null) {
    if (this.stopping) return;
    const mic = ups?.get('mic') ?? null;
    if (this.audio.up !== mic) mic ? this.audio.attach(mic) : this.audio.detach();
    const screen = ups?.get('screen');
    const source = screen && screen.layers.size ? screen : ups?.get('cam') ?? null;
    if (this.video.up !== source) source ? this.video.attach(source) : this.video.detach();
    if (source) {
      // A layer the publisher is sending (a browser pauses layers nobody needs); the first choice when none is yet.
      const live = new Set(source.layerStates(this.now()).filter((l) => l.live).map((l) => l.rid));
      const layer = CAM_LAYERS.find((rid) => live.has(rid)) ?? CAM_LAYERS.find((rid) => source.layers.has(rid)) ?? [...source.layers.keys()][0] ?? null;
      // Only a move to a live layer: a layer gone quiet keeps what is being recorded until another is live.
      if (this.video.target === null || live.has(layer ?? '')) this.video.setTarget(layer);
    }
  }

  /** Stops and finishes the file (idempotent: every caller gets the one result). */
  stop(): Promise<RecordingResult> {
    this.stopping ??= (async () => {
      this.audio.detach();
      this.video.detach();
      await Promise.all([this.audio.source.stop(), this.video.source.stop()]);
      this.interleave.flush();
      // The writer is ended directly: it ends by itself only once both tracks' ends came through
      // its stages, and a video track without a key frame (an audio-only lecture) never passes its
      // end on, so the file kept the day-long length it starts with and had no cues.
      for (const f of this.files) f.webm.stop();
      await Promise.race([Promise.all(this.files.map((f) => f.finished)), Bun.sleep(FINISH_MS)]);
      const heard = Math.max(this.audio.lastAt, this.video.lastAt);
      return { path: this.path, soundPath: this.soundPath, soundBytes: this.audio.bytes, startedAt: this.startedAt, endedAt: this.bytes ? this.startedAt + heard : Date.now(), bytes: this.bytes, video: this.video.delivered > 0 };
    })();
    return this.stopping;
  }
}
