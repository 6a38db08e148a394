/**
 * Lecture recordings, kept: a finished recording (server/rtc/recording.ts) becomes a file in its
 * room, posted by the host recorded, through the same steps as her upload would take (the file
 * limits and quotas, the room's rules for posting, screening of its name, the room's push). A
 * recording that cannot be stored stays on the server's disk, named in the log and the audit
 * entry, for an administrator to keep: a lecture is not lost to a full quota.
 */
import { unlink } from 'node:fs/promises';
import type { FileLimits } from '../../config';
import type { Logger } from '../../log';
import type { RecordingEvent, Sfu } from '../../rtc/sfu';
import { finishInterrupted, moveAside, recoverRecordings } from './recovery';
import { recordAudit } from '../audit/record';
import { Pending } from '../../lib/pending';
import type { ChatContext } from '../chat/context';
import type { TimeFormat } from '../../../views/chat';
import { beginUpload, finishUpload, MAX_CHUNK_BYTES } from '../files/actions';

type Saved = Extract<RecordingEvent, { type: 'saved' }>;

/**
 * "Recording of Compilers, 29 Nov 2026, 16.40 (52 min).webm", the start as messages show times
 * (`tf`, the server's time zone) with a dot for the colon file systems refuse; "…, sound only.webm"
 * for the voice alone.
 */
export function recordingName(roomName: string, r: { startedAt: number; endedAt: number }, tf: TimeFormat, sound = false): string {
  const when = tf.dateTime(r.startedAt).replace(':', '.');
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
export async function storeRecording(ctx: ChatContext, limits: FileLimits, r: Saved, path: string, sound: boolean): Promise<{ messageId: string; fileId: string }> {
  const [user, room] = await Promise.all([ctx.store.users.byId(r.userId), ctx.store.rooms.byId(r.roomId)]);
  if (!user || !room) throw new Error('the host or the room no longer exists');
  const file = Bun.file(path);
  const size = file.size;
  const up = await beginUpload(ctx, limits, user, { room: room.id, name: recordingName(room.name, r, ctx.tf, sound), size, mime: r.video && !sound ? 'video/webm' : 'audio/webm', sha256: await sha256Of(path) });
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
  /** Stores what a crash left in `dir` (recovery.ts; `failed/` is not looked in). */
  recover(dir: string): Promise<number>;
}

/**
 * Audits recordings as they start and stores each one that finishes (the SFU's events): the
 * recording, then its voice alone (tried even when the recording could not be stored: a quota too
 * full for the picture may take the voice). A file that cannot be stored moves to `failed/` beside
 * it, named in the log and the audit entry. Also gives the SFU what a recording may take (quotas).
 */
export function keepRecordings(sfu: Sfu, ctx: ChatContext, limits: FileLimits, logger: Logger): KeptRecordings {
  const pending = new Pending();
  // Bytes of finished recordings not stored yet, per user and per room: the store's usage counts them
  // only once their upload begins (after a hash of the whole file), and a host told "Press Record to
  // record the rest" may press it at once.
  const unstored = new Map<string, number>();
  const add = (keys: string[], n: number) => {
    for (const k of keys) unstored.set(k, (unstored.get(k) ?? 0) + n);
    for (const k of keys) if (!unstored.get(k)) unstored.delete(k);
  };
  sfu.recordingRoom = async (roomId, userId) => {
    const [mine, room] = await Promise.all([ctx.store.files.usage({ userId }), ctx.store.files.usage({ roomId })]);
    return Math.min(limits.userQuotaBytes - mine - (unstored.get(`u:${userId}`) ?? 0), limits.roomQuotaBytes - room - (unstored.get(`r:${roomId}`) ?? 0));
  };
  const storeOne = async (e: Saved, path: string, sound: boolean, seconds: number) => {
    const actor = { userId: e.userId, origin: 'system' };
    const what = { callId: e.callId, ...(sound ? { sound: true } : {}), seconds, reason: e.reason };
    let stored: { messageId: string; fileId: string };
    try {
      stored = await storeRecording(ctx, limits, e, path, sound);
    } catch (err) {
      const kept = (await moveAside(path)) ?? path;
      logger.error('recording not stored: the file is kept on disk', { path: kept, roomId: e.roomId, userId: e.userId, err });
      await recordAudit(ctx.store, actor, 'call.recording_failed', e.roomId, { ...what, path: kept, error: String((err as Error)?.message ?? err).slice(0, 300) }).catch((err2) => logger.error('audit failed', { err: err2 }));
      return;
    }
    await unlink(path).catch(() => {});
    await recordAudit(ctx.store, actor, 'call.recording_saved', e.roomId, { ...what, ...stored }).catch((err) => logger.error('audit failed', { err }));
    logger.info('recording stored', { roomId: e.roomId, userId: e.userId, fileId: stored.fileId, ...what });
  };
  const keep = async (e: Saved) => {
    const seconds = Math.round((e.endedAt - e.startedAt) / 1000);
    // A file whose writing failed (a full disk) never got its length written: set it as recovery does.
    if (e.reason === 'failed') for (const path of [e.path, e.soundPath]) if (path && (await Bun.file(path).exists())) await finishInterrupted(path).catch(() => undefined);
    // The voice alone is a second file only beside a picture (without one the recording is that
    // already), and only with a voice in it.
    const withSound = e.video && e.soundBytes > 0 && e.soundPath !== null && (await Bun.file(e.soundPath).exists());
    if (!withSound && e.soundPath) await unlink(e.soundPath).catch(() => {});
    if (e.bytes === 0) {
      // Nothing reached it (the host sent no media): no empty file in the room.
      await unlink(e.path).catch(() => {});
      await recordAudit(ctx.store, { userId: e.userId, origin: 'system' }, 'call.recording_empty', e.roomId, { callId: e.callId, seconds, reason: e.reason });
      return;
    }
    await storeOne(e, e.path, e.soundOnly === true, seconds);
    if (withSound) await storeOne(e, e.soundPath!, true, seconds);
  };
  const run = (e: Saved) => {
    const keys = [`u:${e.userId}`, `r:${e.roomId}`];
    const bytes = Bun.file(e.path).size + (e.soundPath ? Bun.file(e.soundPath).size : 0);
    add(keys, bytes);
    return pending.add(
      keep(e)
        .catch((err) => logger.error('recording event failed', { err }))
        .finally(() => add(keys, -bytes)),
    );
  };
  sfu.onRecording = (e) => {
    if (e.type === 'saved') return void run(e);
    // Starting is the host's own act (on her call socket); what follows is the server's.
    void recordAudit(ctx.store, { userId: e.userId, origin: 'web' }, 'call.recording_started', e.roomId, { callId: e.callId }).catch((err) => logger.error('audit failed', { err }));
  };
  return {
    drain: () => pending.drain(),
    recover: (dir) => recoverRecordings(dir, run, logger),
  };
}
