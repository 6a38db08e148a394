/**
 * Recordings kept: a finished recording becomes the host's file message in the room (audited, the
 * file on disk removed); one that cannot be stored is kept aside and audited; an empty one leaves
 * nothing; a file a crash left behind is stored at the next start with its length set.
 */
import { describe, expect, test } from 'bun:test';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RtpHeader, RtpPacket, type RTCRtpReceiver } from 'werift';
import { makePerson, testApp } from '../../testing';
import { addMembers, archiveRoom, createCourseRoom } from '../chat/rooms';
import { historyPage } from '../chat/messages';
import { CLI_ACTOR } from '../audit/record';
import { Recording, recordingFileName } from '../../rtc/recording';
import { UpLayer, UpTrack } from '../../rtc/uptrack';
import { readWebm } from '../../rtc/webm-read';
import { recordingName } from './recordings';
import { timeFormat } from '../../../views/chat';

const ADULT = { dateOfBirth: '1980-02-01' };
const START = Date.UTC(2026, 10, 29, 15, 40);

async function setUp(env: Record<string, string> = {}) {
  const t = await testApp({ TIME_ZONE: 'Africa/Lagos', ...env });
  const ctx = t.app.chat;
  const lecturer = await makePerson(t.store, 'okafor.recs@unilag.edu.ng', 'Dr Okafor', 'lecturer', ADULT);
  const ada = await makePerson(t.store, 'ada.recs@unilag.edu.ng', 'Ada Obi', 'student', ADULT);
  const room = await createCourseRoom(ctx, { ...CLI_ACTOR, user: null }, { code: 'CSC401', name: 'Compilers' });
  await addMembers(ctx, CLI_ACTOR, room.id, [{ userId: lecturer.id, role: 'member' as const }, { userId: ada.id, role: 'member' as const }]);
  const dir = mkdtempSync(join(tmpdir(), 'recs-'));
  const audit = async (action: string) => (await t.store.audit.list({ limit: 100 })).filter((a) => a.action === action);
  const files = async () => (await historyPage(ctx, ada, room.id)).articles.map((a) => a.value).filter((h) => h.includes('file-link'));
  const read = async (fileId: string) => {
    const f = (await t.store.files.byId(fileId))!;
    return new Uint8Array(await new Response(await t.store.files.read(fileId, 0, f.size - 1)).arrayBuffer());
  };
  return { ...t, ctx, lecturer, ada, room, dir, audit, files, read };
}

/** A recording of `packets` × 20 ms of voice (a microphone fed by hand), not stopped. */
async function speak(t: { room: { id: string }; lecturer: { id: string }; dir: string }, packets: number): Promise<Recording> {
  let now = 0;
  const rec = new Recording(t.room.id, t.lecturer.id, 'Dr Okafor', t.dir, 1e9, () => now);
  const mic = new UpTrack('m', 'p', 'mic', 'audio', { sendRtcpPLI: async () => {} } as unknown as RTCRtpReceiver, 48_000);
  mic.layers.set('f', new UpLayer('f'));
  rec.follow(new Map([['mic', mic]]));
  for (let i = 0; i < packets; i++) {
    now = i * 20;
    const p = new RtpPacket(new RtpHeader({ payloadType: 111, sequenceNumber: i & 0xffff, timestamp: (i * 960) >>> 0, ssrc: 3, marker: true }), Buffer.alloc(60, 1));
    (mic as unknown as { onRtp(l: UpLayer, p: RtpPacket, now: number): void }).onRtp(mic.layers.get('f')!, p, now);
  }
  return rec;
}

describe('recordings kept', () => {
  test('the name says the room, when (the server’s time zone) and how long', () => {
    expect(recordingName('Compilers', { startedAt: START, endedAt: START + 52 * 60_000 + 20_000 }, timeFormat('Africa/Lagos'))).toBe('Recording of Compilers, 29 Nov 2026, 16.40 (52 min).webm');
    expect(recordingName('Compilers', { startedAt: START, endedAt: START + 5_000 }, timeFormat('UTC'))).toBe('Recording of Compilers, 29 Nov 2026, 15.40 (1 min).webm');
  });

  test("a finished recording is the host's file message in the room, byte for byte, then its voice alone; audited; the files on disk go", async () => {
    const t = await setUp();
    const path = join(t.dir, recordingFileName(t.room.id, t.lecturer.id, START));
    const soundPath = join(t.dir, recordingFileName(t.room.id, t.lecturer.id, START, true));
    const [bytes, sound] = [crypto.getRandomValues(new Uint8Array(600_000)), crypto.getRandomValues(new Uint8Array(30_000))];
    writeFileSync(path, bytes);
    writeFileSync(soundPath, sound);
    t.app.sfu.onRecording({ type: 'saved', roomId: t.room.id, callId: 'c1', userId: t.lecturer.id, path, soundPath, soundBytes: 29_000, startedAt: START, endedAt: START + 3 * 60_000, bytes: 599_000, video: true, reason: 'stopped' });
    await t.app.recordings.drain();
    const [html, soundHtml] = await t.files();
    expect(html).toContain('Recording of Compilers, 29 Nov 2026, 16.40 (3 min).webm');
    expect(html).toContain('Dr Okafor');
    expect(html).toContain('Video (WEBM)');
    expect(soundHtml).toContain('Recording of Compilers, 29 Nov 2026, 16.40 (3 min), sound only.webm');
    expect(soundHtml).toContain('Audio (WEBM)');
    const [saved, savedSound] = await t.audit('call.recording_saved');
    expect(saved!).toMatchObject({ actorId: t.lecturer.id, target: t.room.id, details: { callId: 'c1', seconds: 180, reason: 'stopped' } });
    expect(saved!.details.sound).toBeUndefined();
    expect(savedSound!.details).toMatchObject({ callId: 'c1', sound: true });
    const fileId = saved!.details.fileId as string;
    const soundFileId = savedSound!.details.fileId as string;
    expect(await t.store.files.byId(fileId)).toMatchObject({ size: 600_000, type: 'video/webm', roomId: t.room.id });
    expect(Buffer.from(await t.read(fileId)).equals(Buffer.from(bytes))).toBe(true);
    expect(await t.store.files.byId(soundFileId)).toMatchObject({ size: 30_000, type: 'audio/webm', roomId: t.room.id });
    expect(Buffer.from(await t.read(soundFileId)).equals(Buffer.from(sound))).toBe(true);
    expect(existsSync(path) || existsSync(soundPath)).toBe(false);
  });

  test('a recording without a picture is one file: its voice alone would be the same', async () => {
    const t = await setUp();
    const path = join(t.dir, recordingFileName(t.room.id, t.lecturer.id, START));
    const soundPath = join(t.dir, recordingFileName(t.room.id, t.lecturer.id, START, true));
    writeFileSync(path, new Uint8Array(5_000));
    writeFileSync(soundPath, new Uint8Array(4_000));
    t.app.sfu.onRecording({ type: 'saved', roomId: t.room.id, callId: 'c4', userId: t.lecturer.id, path, soundPath, soundBytes: 3_500, startedAt: START, endedAt: START + 60_000, bytes: 4_000, video: false, reason: 'left' });
    await t.app.recordings.drain();
    const files = await t.files();
    expect(files.length).toBe(1);
    expect(files[0]).toContain('(1 min).webm');
    expect(files[0]).toContain('Audio (WEBM)');
    expect(existsSync(soundPath)).toBe(false);
  });

  test('one that cannot be stored (the room was archived meanwhile) is kept aside, named in the audit; an empty one leaves nothing', async () => {
    const t = await setUp();
    await archiveRoom(t.ctx, CLI_ACTOR, t.room.id, true);
    const path = join(t.dir, recordingFileName(t.room.id, t.lecturer.id, START));
    const soundPath = join(t.dir, recordingFileName(t.room.id, t.lecturer.id, START, true));
    writeFileSync(path, new Uint8Array(1_000));
    writeFileSync(soundPath, new Uint8Array(300));
    t.app.sfu.onRecording({ type: 'saved', roomId: t.room.id, callId: 'c2', userId: t.lecturer.id, path, soundPath, soundBytes: 200, startedAt: START, endedAt: START + 60_000, bytes: 900, video: true, reason: 'ended' });
    const empty = join(t.dir, 'empty.webm');
    const emptySound = join(t.dir, 'empty.sound.webm');
    writeFileSync(empty, new Uint8Array(200));
    writeFileSync(emptySound, new Uint8Array(200));
    t.app.sfu.onRecording({ type: 'saved', roomId: t.room.id, callId: 'c3', userId: t.lecturer.id, path: empty, soundPath: emptySound, soundBytes: 0, startedAt: START, endedAt: START + 60_000, bytes: 0, video: false, reason: 'stopped' });
    await t.app.recordings.drain();
    const kept = [path, soundPath].map((p) => join(t.dir, 'failed', p.slice(t.dir.length + 1)));
    expect(existsSync(path) || existsSync(soundPath)).toBe(false);
    expect(kept.map((p) => existsSync(p))).toEqual([true, true]);
    // Each file tried on its own (the voice might have fitted where the picture did not), each kept aside.
    const failed = await t.audit('call.recording_failed');
    expect(failed.map((f) => f.details)).toEqual([
      { callId: 'c2', seconds: 60, reason: 'ended', path: kept[0], error: expect.stringContaining('archived') },
      { callId: 'c2', sound: true, seconds: 60, reason: 'ended', path: kept[1], error: expect.stringContaining('archived') },
    ]);
    expect(existsSync(empty) || existsSync(emptySound)).toBe(false);
    expect((await t.audit('call.recording_empty')).map((a) => a.details.callId)).toEqual(['c3']);
    expect(await t.files()).toEqual([]);
    // Kept aside means not tried again at the next start.
    expect(await t.app.recordings.recover(t.dir)).toBe(0);
  });

  test('what a recording may take: what the host’s and the room’s quotas leave', async () => {
    const t = await setUp({ FILE_USER_QUOTA_BYTES: String(50 * 2 ** 20), FILE_ROOM_QUOTA_BYTES: String(80 * 2 ** 20) });
    expect(await t.app.sfu.recordingRoom(t.room.id, t.lecturer.id)).toBe(50 * 2 ** 20);
    const path = join(t.dir, recordingFileName(t.room.id, t.ada.id, START));
    writeFileSync(path, new Uint8Array(40 * 2 ** 20));
    t.app.sfu.onRecording({ type: 'saved', roomId: t.room.id, callId: 'q', userId: t.ada.id, path, soundPath: null, soundBytes: 0, startedAt: START, endedAt: START + 60_000, bytes: 1, video: false, reason: 'stopped' });
    // Counted from the moment it stopped (a host told "Press Record to record the rest" may press at once), while it is being stored…
    expect(await t.app.sfu.recordingRoom(t.room.id, t.lecturer.id)).toBe(40 * 2 ** 20);
    expect(await t.app.sfu.recordingRoom(t.room.id, t.ada.id)).toBe(10 * 2 ** 20);
    await t.app.recordings.drain();
    // …and once stored: the room holds Ada's 40 MB, 40 left in it, less than the lecturer's own 50.
    expect(await t.app.sfu.recordingRoom(t.room.id, t.lecturer.id)).toBe(40 * 2 ** 20);
    expect(await t.app.sfu.recordingRoom(t.room.id, t.ada.id)).toBe(10 * 2 ** 20);
  });

  test('recovery: a voice-alone file left alone is stored as the voice alone; a file it cannot read does not stop the others', async () => {
    const t = await setUp();
    // Something named like a recording that cannot be read (a folder), and a voice-alone file whose recording was stored before the crash.
    mkdirSync(join(t.dir, recordingFileName(t.room.id, t.lecturer.id, START - 1)));
    const rec = await speak(t, 50);
    const r = await rec.stop();
    rmSync(r.path);
    expect(await t.app.recordings.recover(t.dir)).toBe(1);
    await t.app.recordings.drain();
    const files = await t.files();
    expect(files.length).toBe(1);
    expect(files[0]).toMatch(/Recording of Compilers, .* \(1 min\), sound only\.webm/);
    expect(t.logger.lines.some((l) => l.msg === 'an interrupted recording could not be read: moved aside')).toBe(true);
    // Moved aside: not read again at every start.
    expect(existsSync(join(t.dir, 'failed', recordingFileName(t.room.id, t.lecturer.id, START - 1)))).toBe(true);
    expect(await t.app.recordings.recover(t.dir)).toBe(0);
  });

  test('a recording stopped because its file could not be written is stored with its length set (the writer never wrote it)', async () => {
    const t = await setUp();
    const rec = await speak(t, 500);
    await Bun.sleep(300);
    t.app.sfu.onRecording({ type: 'saved', roomId: t.room.id, callId: 'w', userId: t.lecturer.id, path: rec.path, soundPath: null, soundBytes: 0, startedAt: START, endedAt: START + 10_000, bytes: 30_000, video: false, reason: 'failed' });
    await t.app.recordings.drain();
    const [saved] = await t.audit('call.recording_saved');
    const w = readWebm(await t.read(saved!.details.fileId as string));
    // (The last second waits to be interleaved with a picture, recording.ts Interleave: a crash loses it.)
    expect(w.duration!).toBeGreaterThan(8_500);
    expect(w.duration!).toBeLessThan(10_100);
  });

  test('a recording a crash left unfinished is stored at the next start, with its length set from its last frame', async () => {
    const t = await setUp();
    // 40 s of voice, the writer never finished (no stop: the process died).
    const rec = await speak(t, 2_000);
    await Bun.sleep(300); // the writer's queue reaches the disk
    expect(readWebm(new Uint8Array(await Bun.file(rec.path).arrayBuffer())).duration).toBe(24 * 3_600_000);
    expect(await t.app.recordings.recover(t.dir)).toBe(1);
    await t.app.recordings.drain();
    const [saved] = await t.audit('call.recording_saved');
    expect(saved!.details).toMatchObject({ callId: 'interrupted', reason: 'interrupted' });
    const fileId = (saved!.details as { fileId: string }).fileId;
    const w = readWebm(await t.read(fileId));
    expect(w.duration!).toBeGreaterThan(38_500);
    expect(w.duration!).toBeLessThan(40_100);
    expect((await t.store.files.byId(fileId))!.type).toBe('audio/webm');
    expect(existsSync(rec.path)).toBe(false);
  });
});
