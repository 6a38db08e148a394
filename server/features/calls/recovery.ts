/**
 * Recordings a crash or a kill left unfinished (server/rtc/recording.ts writes as it goes): found
 * at start in the recordings folder by their names (`<roomId>.<userId>.<started ms>[.sound].webm`),
 * their length set from their last frame, and stored like a recording that stopped ("interrupted").
 * A voice-alone file goes with its recording; alone (the recording was stored, then the crash), it
 * is stored as the voice alone. A file that cannot be read is moved to `failed/`, which is not looked in.
 */
import { mkdir, open, readdir, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../../log';
import { parseRecordingFileName, recordingFileName } from '../../rtc/recording';
import type { RecordingEvent } from '../../rtc/sfu';
import { readWebmFile } from '../../rtc/webm-read';

type Saved = Extract<RecordingEvent, { type: 'saved' }>;

/** Where werift's WebM writer puts the length element (its DurationPosition): ID 0x4489, size 4, a float32. */
const DURATION_AT = 83;

export async function recoverRecordings(dir: string, store: (e: Saved) => Promise<void>, logger: Logger): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  /** The file's length set and what it holds; null when it cannot be read (moved to `failed/`, not tried at every start). */
  const readable = async (path: string) => {
    try {
      return await finishInterrupted(path);
    } catch (err) {
      logger.error('an interrupted recording could not be read: moved aside', { path: (await moveAside(path)) ?? path, err });
      return null;
    }
  };
  let n = 0;
  for (const name of names) {
    const found = parseRecordingFileName(name);
    if (!found) continue;
    const { sound, ...who } = found;
    const soundName = recordingFileName(who.roomId, who.userId, who.startedAt, true);
    if (sound && names.includes(recordingFileName(who.roomId, who.userId, who.startedAt))) continue;
    const path = join(dir, name);
    const soundPath = join(dir, soundName);
    const info = await readable(path);
    const voice = !sound && names.includes(soundName) ? await readable(soundPath) : null;
    // The recording unreadable, its voice alone is still worth having; the voice unreadable, the recording goes without it.
    const [main, alone] = info ? [path, sound] : voice ? [soundPath, true] : [null, false];
    const what = info ?? voice;
    if (!main || !what) continue;
    logger.warn('recording interrupted by a stop of the server: storing what was written', { path: main, roomId: who.roomId, userId: who.userId });
    await store({
      type: 'saved',
      callId: 'interrupted',
      ...who,
      path: main,
      soundPath: info && voice ? soundPath : null,
      soundBytes: voice?.frames ?? 0,
      endedAt: who.startedAt + what.length,
      bytes: what.frames ? Bun.file(main).size : 0,
      video: info?.video ?? false,
      reason: 'interrupted',
      ...(alone ? { soundOnly: true as const } : {}),
    });
    n++;
  }
  return n;
}

/** Moves a recording's file into `failed/` beside it (kept for an administrator, never looked in again); its new path, or null when it could not be moved. */
export async function moveAside(path: string): Promise<string | null> {
  const kept = join(dirname(path), 'failed', basename(path));
  return mkdir(dirname(kept), { recursive: true })
    .then(() => rename(path, kept))
    .then(() => kept, () => null);
}

/**
 * A file whose writer never finished claims the day-long length it starts with: its length is set
 * to its last frame's time. A file laid out otherwise than werift's is left as it is.
 */
export async function finishInterrupted(path: string): Promise<{ length: number; frames: number; video: boolean }> {
  const info = readWebmFile(path);
  const spans = [...info.tracks.values()];
  const length = Math.round(Math.max(0, ...spans.map((t) => t.last)));
  const frames = spans.reduce((a, t) => a + t.frames, 0);
  const fh = await open(path, 'r+');
  try {
    const head = new Uint8Array(3);
    await fh.read(head, 0, 3, DURATION_AT);
    if (head[0] === 0x44 && head[1] === 0x89 && head[2] === 0x84) {
      const f = Buffer.alloc(4);
      f.writeFloatBE(length);
      await fh.write(f, 0, 4, DURATION_AT + 3);
    }
  } finally {
    await fh.close();
  }
  return { length, frames, video: (info.tracks.get(2)?.frames ?? 0) > 0 };
}
