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
import { recordAudit } from '../audit/record';
import type { ChatContext } from '../chat/context';
import { beginUpload, finishUpload, MAX_CHUNK_BYTES } from '../files/actions';

type Saved = Extract<RecordingEvent, { type: 'saved' }>;

/** "Recording of Compilers, 29 Nov 2026, 16.40 (52 min).webm" in the server's time zone. */
export function recordingName(roomName: string, r: { startedAt: number; endedAt: number }, timeZone: string): string {
  const when = new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(r.startedAt).replace(':', '.');
  const minutes = Math.max(1, Math.round((r.endedAt - r.startedAt) / 60_000));
  return `Recording of ${roomName}, ${when} (${minutes} min).webm`;
}

async function sha256Of(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher('sha256');
  for await (const chunk of Bun.file(path).stream()) hasher.update(chunk);
  return hasher.digest('hex');
}

/** Stores the recording as a file message of the host recorded; returns the message id. Throws what refused it. */
export async function storeRecording(ctx: ChatContext, limits: FileLimits, timeZone: string, r: Saved): Promise<{ messageId: string; fileId: string }> {
  const [user, room] = await Promise.all([ctx.store.users.byId(r.userId), ctx.store.rooms.byId(r.roomId)]);
  if (!user || !room) throw new Error('the host or the room no longer exists');
  const file = Bun.file(r.path);
  const size = file.size;
  const up = await beginUpload(ctx, limits, user, { room: room.id, name: recordingName(room.name, r, timeZone), size, mime: r.video ? 'video/webm' : 'audio/webm', sha256: await sha256Of(r.path) });
  for (let offset = up.offset; offset < size; ) {
    const chunk = new Uint8Array(await file.slice(offset, Math.min(size, offset + MAX_CHUNK_BYTES)).arrayBuffer());
    offset = await ctx.store.files.appendChunk(up.id, offset, chunk);
  }
  const done = await finishUpload(ctx, user, up.id);
  return { messageId: done.messageId, fileId: done.file.id };
}

/** Audits recordings as they start and stores each one that finishes (the SFU's events). */
export function keepRecordings(sfu: Sfu, ctx: ChatContext, limits: FileLimits, timeZone: string, logger: Logger) {
  sfu.onRecording = (e) => {
    // Starting is the host's own act (on her call socket); what follows is the server's.
    const actor = { userId: e.userId, origin: e.type === 'started' ? 'web' : 'system' };
    if (e.type === 'started') {
      void recordAudit(ctx.store, actor, 'call.recording_started', e.roomId, { callId: e.callId }).catch((err) => logger.error('audit failed', { err }));
      return;
    }
    const seconds = Math.round((e.endedAt - e.startedAt) / 1000);
    void (async () => {
      if (e.bytes === 0) {
        // Nothing reached it (the host sent no media): no empty file in the room.
        await unlink(e.path).catch(() => {});
        await recordAudit(ctx.store, actor, 'call.recording_empty', e.roomId, { callId: e.callId, seconds, reason: e.reason });
        return;
      }
      try {
        const { messageId, fileId } = await storeRecording(ctx, limits, timeZone, e);
        await unlink(e.path).catch(() => {});
        await recordAudit(ctx.store, actor, 'call.recording_saved', e.roomId, { callId: e.callId, fileId, messageId, seconds, reason: e.reason });
      } catch (err) {
        logger.error('recording not stored: the file is kept on disk', { path: e.path, roomId: e.roomId, userId: e.userId, err });
        await recordAudit(ctx.store, actor, 'call.recording_failed', e.roomId, { callId: e.callId, path: e.path, seconds, error: String((err as Error)?.message ?? err).slice(0, 300) });
      }
    })().catch((err) => logger.error('recording event failed', { err }));
  };
}
