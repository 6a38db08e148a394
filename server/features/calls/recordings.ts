/**
 * Lecture recordings, kept: a finished recording (server/rtc/recording.ts) becomes a file in its
 * room, posted by the host recorded, through the same steps as her upload would take (the file
 * limits and quotas, the room's rules for posting, screening of its name, the room's push). A
 * recording that cannot be stored stays on the server's disk, named in the log and the audit
 * entry, for an administrator to keep: a lecture is not lost to a full quota.
 */
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { FileLimits } from '../../config';
import type { Logger } from '../../log';
import type { RecordingEvent, Sfu } from '../../rtc/sfu';
import { parseRecordingFileName, recordingFileName } from '../../rtc/recording';
import { readWebm } from '../../rtc/webm-read';
import { recordAudit } from '../audit/record';
import type { ChatContext } from '../chat/context';
import { beginUpload, finishUpload, MAX_CHUNK_BYTES } from '../files/actions';

type Saved = Extract<RecordingEvent, { type: 'saved' }>;

/** "Recording of Compilers, 29 Nov 2026, 16.40 (52 min).webm" in the server's time zone; "…, sound only.webm" for the voice alone. */
export function recordingName(roomName: string, r: { startedAt: number; endedAt: number }, timeZone: string, sound = false): string {
  const when = new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(r.startedAt).replace(':', '.');
  const minutes = Math.max(1, Math.round((r.endedAt - r.startedAt) / 60_000));
  return `Recording of ${roomName}, ${when} (${minutes} min)${sound ? ', sound only' : ''}.webm`;
}

async function sha256Of(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher('sha256');
  for await (const chunk of Bun.file(path).stream()) hasher.update(chunk);
  return hasher.digest('hex');
}

/**
 * Stores one file of a recording (`path`: the recording, or its voice alone) as a file message of
 * the host recorded. Throws what refused it.
 */
export async function storeRecording(ctx: ChatContext, limits: FileLimits, timeZone: string, r: Saved, path: string, sound: boolean): Promise<{ messageId: string; fileId: string }> {
  const [user, room] = await Promise.all([ctx.store.users.byId(r.userId), ctx.store.rooms.byId(r.roomId)]);
  if (!user || !room) throw new Error('the host or the room no longer exists');
  const file = Bun.file(path);
  const size = file.size;
  const up = await beginUpload(ctx, limits, user, { room: room.id, name: recordingName(room.name, r, timeZone, sound), size, mime: r.video && !sound ? 'video/webm' : 'audio/webm', sha256: await sha256Of(path) });
  for (let offset = up.offset; offset < size; ) {
    const chunk = new Uint8Array(await file.slice(offset, Math.min(size, offset + MAX_CHUNK_BYTES)).arrayBuffer());
    offset = await ctx.store.files.appendChunk(up.id, offset, chunk);
  }
  const done = await finishUpload(ctx, user, up.id);
  return { messageId: done.messageId, fileId: done.file.id };
}

/** Finished recordings still being stored (shutdown waits for them: `drain`). */
export interface KeptRecordings {
  drain(): Promise<void>;
  /** Stores what a crash left in `dir` (files named by recordingFileName; `failed/` is not looked in). */
  recover(dir: string): Promise<number>;
}

/**
 * Audits recordings as they start and stores each one that finishes (the SFU's events). One that
 * cannot be stored moves to `failed/` beside it, named in the log and the audit entry.
 */
export function keepRecordings(sfu: Sfu, ctx: ChatContext, limits: FileLimits, timeZone: string, logger: Logger): KeptRecordings {
  const pending = new Set<Promise<void>>();
  const keep = async (e: Saved) => {
    const actor = { userId: e.userId, origin: 'system' };
    const seconds = Math.round((e.endedAt - e.startedAt) / 1000);
    // The voice alone is a second file only beside a picture: without one the recording is that already.
    const withSound = e.video && e.soundPath !== null && (await Bun.file(e.soundPath).exists());
    if (!withSound && e.soundPath) await unlink(e.soundPath).catch(() => {});
    if (e.bytes === 0) {
      // Nothing reached it (the host sent no media): no empty file in the room.
      await unlink(e.path).catch(() => {});
      await recordAudit(ctx.store, actor, 'call.recording_empty', e.roomId, { callId: e.callId, seconds, reason: e.reason });
      return;
    }
    let left = withSound ? [e.path, e.soundPath!] : [e.path];
    try {
      const { messageId, fileId } = await storeRecording(ctx, limits, timeZone, e, e.path, false);
      await unlink(e.path).catch(() => {});
      left = left.slice(1);
      const sound = withSound ? await storeRecording(ctx, limits, timeZone, e, e.soundPath!, true) : null;
      if (sound) await unlink(e.soundPath!).catch(() => {});
      left = [];
      await recordAudit(ctx.store, actor, 'call.recording_saved', e.roomId, { callId: e.callId, fileId, messageId, ...(sound ? { soundFileId: sound.fileId } : {}), seconds, reason: e.reason });
      logger.info('recording stored', { roomId: e.roomId, userId: e.userId, fileId, seconds, reason: e.reason });
    } catch (err) {
      const kept: string[] = [];
      for (const path of left) {
        const to = join(dirname(path), 'failed', basename(path));
        await mkdir(dirname(to), { recursive: true });
        await rename(path, to);
        kept.push(to);
      }
      logger.error('recording not stored: the file is kept on disk', { paths: kept, roomId: e.roomId, userId: e.userId, err });
      await recordAudit(ctx.store, actor, 'call.recording_failed', e.roomId, { callId: e.callId, paths: kept, seconds, error: String((err as Error)?.message ?? err).slice(0, 300) });
    }
  };
  const run = (e: Saved) => {
    const p = keep(e).catch((err) => logger.error('recording event failed', { err }));
    pending.add(p);
    void p.finally(() => pending.delete(p));
    return p;
  };
  sfu.onRecording = (e) => {
    if (e.type === 'saved') return void run(e);
    // Starting is the host's own act (on her call socket); what follows is the server's.
    void recordAudit(ctx.store, { userId: e.userId, origin: 'web' }, 'call.recording_started', e.roomId, { callId: e.callId }).catch((err) => logger.error('audit failed', { err }));
  };
  return {
    async drain() {
      while (pending.size) await Promise.all([...pending]);
    },
    async recover(dir) {
      const names = await readdir(dir).catch(() => [] as string[]);
      let n = 0;
      for (const name of names) {
        const found = parseRecordingFileName(name);
        if (!found) continue;
        const { sound, ...who } = found;
        const path = join(dir, name);
        const soundPath = join(dir, recordingFileName(who.roomId, who.userId, who.startedAt, true));
        // A voice-alone file goes with its recording; alone (the recording stored, then a crash), it is the recording.
        if (sound && names.includes(recordingFileName(who.roomId, who.userId, who.startedAt))) continue;
        const info = await finishInterrupted(path);
        if (!sound && names.includes(basename(soundPath))) await finishInterrupted(soundPath);
        logger.warn('recording interrupted by a stop of the server: storing what was written', { path, roomId: who.roomId, userId: who.userId });
        await run({ type: 'saved', callId: 'interrupted', ...who, path, soundPath: sound ? null : soundPath, endedAt: who.startedAt + info.length, bytes: info.frames ? Bun.file(path).size : 0, video: info.video, reason: 'interrupted' });
        n++;
      }
      return n;
    },
  };
}

/**
 * A file whose writer never finished (the server stopped mid-lecture) claims the day-long length
 * it starts with: its length is set to its last frame's time. The length element is werift's, a
 * 4-byte float at DURATION_AT (see MAX_RECORDING_MS); a file laid out otherwise is left as it is.
 */
async function finishInterrupted(path: string): Promise<{ length: number; frames: number; video: boolean }> {
  const bytes = new Uint8Array(await Bun.file(path).arrayBuffer());
  const info = readWebm(bytes);
  const spans = [...info.tracks.values()];
  const length = Math.round(Math.max(0, ...spans.map((t) => t.last)));
  const frames = spans.reduce((a, t) => a + t.frames, 0);
  if (bytes[DURATION_AT] === 0x44 && bytes[DURATION_AT + 1] === 0x89 && bytes[DURATION_AT + 2] === 0x84) {
    const f = Buffer.alloc(4);
    f.writeFloatBE(length);
    const fh = await open(path, 'r+');
    try {
      await fh.write(f, 0, 4, DURATION_AT + 3);
    } finally {
      await fh.close();
    }
  }
  return { length, frames, video: (info.tracks.get(2)?.frames ?? 0) > 0 };
}

/** Where werift's WebM writer puts the length element (its DurationPosition). */
const DURATION_AT = 83;
