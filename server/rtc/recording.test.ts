/**
 * Recording, without a browser: Up tracks fed by hand (RTP as a publisher sends it), the file read
 * back (webm-read.ts). One clock for both tracks; one camera layer; a switch to the screen; the
 * size limit; and the call's side: who is told, when it stops, which seat it follows.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RtpHeader, RtpPacket, type RTCRtpReceiver } from 'werift';
import { CallRecorder, MIN_RECORDING_BYTES, RECORDING_FULL, type RecordedLecture } from './call-recording';
import type { Participant } from './participant';
import type { ServerMsg } from './protocol';
import { Recording } from './recording';
import { UpLayer, UpTrack } from './uptrack';
import { readWebm, readWebmFile } from './webm-read';
import type { Source } from './permissions';

const dir = mkdtempSync(join(tmpdir(), 'rec-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const receiver = { sendRtcpPLI: async () => {}, rtcpSsrc: 1, dtlsTransport: undefined } as unknown as RTCRtpReceiver;

function up(source: Source, rids: string[]): UpTrack {
  const u = new UpTrack(`${source}-${Math.random()}`, 'p1', source, source === 'mic' ? 'audio' : 'video', receiver, source === 'mic' ? 48_000 : 90_000);
  for (const rid of rids) u.layers.set(rid, new UpLayer(rid));
  return u;
}

/** A publisher's stream: sequence numbers and timestamps of its own, from a random start. */
class Stream {
  seq = Math.floor(Math.random() * 60_000);
  ts = Math.floor(Math.random() * 2 ** 31);
  constructor(
    readonly track: UpTrack,
    readonly rid: string,
    readonly tsPerFrame: number,
  ) {}

  send(now: number, opts: { key?: boolean; size?: number } = {}) {
    const video = this.track.kind === 'video';
    // VP8: a one-byte payload descriptor (start of partition), then the frame (bit 0 clear: a key frame).
    const payload = Buffer.alloc(opts.size ?? 40, 0x55);
    if (video) [payload[0], payload[1]] = [0x10, opts.key ? 0x00 : 0x01];
    const packet = new RtpPacket(new RtpHeader({ payloadType: video ? 96 : 111, sequenceNumber: this.seq, timestamp: this.ts, ssrc: 7, marker: true }), payload);
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + this.tsPerFrame) >>> 0;
    (this.track as unknown as { onRtp(l: UpLayer, p: RtpPacket, now: number): void }).onRtp(this.track.layers.get(this.rid)!, packet, now);
  }
}

describe('a recording', () => {
  test('voice from the start, a camera from when it comes, on one clock; one camera layer; then the screen in its place', async () => {
    let now = 1_000;
    const rec = new Recording('r1', 'u1', 'Dr Okafor', dir, 10_000_000, () => now);
    const mic = up('mic', ['f']);
    const cam = up('cam', ['l', 'm', 'h']);
    const screen = up('screen', ['f']);
    const voice = new Stream(mic, 'f', 960);
    const camLayers = ['l', 'm', 'h'].map((rid) => new Stream(cam, rid, 3_000));
    const shared = new Stream(screen, 'f', 18_000);
    const ups = new Map<Source, UpTrack>([['mic', mic]]);
    // 0–2 s voice only; 2–4 s the camera too (three layers sent, one recorded); 4–6 s the screen.
    for (let ms = 0; ms < 6_000; ms += 20) {
      now = 1_000 + ms;
      if (ms === 2_000) ups.set('cam', cam);
      if (ms === 4_000) ups.set('screen', screen);
      rec.follow(ups);
      voice.send(now);
      if (ms >= 2_000 && ms % 40 === 0) for (const s of camLayers) s.send(now, { key: ms % 1_000 === 0 });
      if (ms >= 4_000 && ms % 200 === 0) shared.send(now, { key: ms % 1_000 === 0, size: 200 });
    }
    const r = await rec.stop();
    expect(r.video).toBe(true);
    const w = readWebm(new Uint8Array(await Bun.file(r.path).arrayBuffer()));
    const [audio, video] = [w.tracks.get(1)!, w.tracks.get(2)!];
    expect(audio.first).toBeLessThan(40);
    expect(audio.last).toBeGreaterThan(5_900);
    // The camera's first key frame came 2 s in: that is where the picture starts.
    expect(Math.abs(video.first - 2_000)).toBeLessThan(60);
    expect(video.last).toBeGreaterThan(5_000);
    // One camera layer (25 frames a second for 2 s, not 75), then the screen (5 a second for 2 s).
    expect(video.frames).toBeGreaterThan(45);
    expect(video.frames).toBeLessThan(65);
    expect(Math.abs(w.duration! - 6_000)).toBeLessThan(300);
    // Read from the file a window at a time (as recovery does), the same.
    expect(readWebmFile(r.path)).toEqual(w);
    // The voice alone, beside it: the same frames, no picture.
    const sound = readWebm(new Uint8Array(await Bun.file(r.soundPath!).arrayBuffer()));
    expect([...sound.tracks.keys()]).toEqual([1]);
    expect(sound.tracks.get(1)).toEqual(audio);
    expect(Math.abs(sound.duration! - 6_000)).toBeLessThan(300);
  });

  test('a picture stamped ahead of the voice (its first frame came late) costs the voice no frame: both reach the writer in time order', async () => {
    let now = 0;
    const rec = new Recording('r1', 'u1', 'Dr Okafor', dir, 10_000_000, () => now);
    const mic = up('mic', ['f']);
    const screen = up('screen', ['f']);
    const voice = new Stream(mic, 'f', 960);
    const shared = new Stream(screen, 'f', 3_600);
    rec.follow(new Map<Source, UpTrack>([['mic', mic], ['screen', screen]]));
    // The screen's first key frame arrives 100 ms after it was taken, the next ones on time: every
    // later frame is stamped 100 ms ahead of the voice heard with it.
    // Frame k is taken at 100 + 40k ms and sent 10 ms later, but the first three wait for the first
    // (sent at 200): frame k is stamped 200 + 40k, 90 ms ahead of the voice sent with it.
    const sendAt = (k: number) => (k < 3 ? 200 + 10 * k : 110 + 40 * k);
    let k = 0;
    for (let ms = 0; ms < 6_000; ms += 10) {
      now = ms;
      if (ms % 20 === 0) voice.send(now);
      while (sendAt(k) === ms) shared.send(now, { key: k++ % 25 === 0, size: 300 });
    }
    const r = await rec.stop();
    const main = readWebm(new Uint8Array(await Bun.file(r.path).arrayBuffer()));
    const sound = readWebm(new Uint8Array(await Bun.file(r.soundPath!).arrayBuffer()));
    expect(main.tracks.get(2)!.keyframes).toBeGreaterThan(3);
    expect(sound.tracks.get(1)!.frames).toBe(300);
    expect(main.tracks.get(1)!.frames).toBe(300);
  });

  test('sound only: full before its two files outgrow the limit (they must be stored), and the file has its length', async () => {
    let now = 0;
    const limit = 300_000;
    const rec = new Recording('r1', 'u1', 'Dr Okafor', dir, limit, () => now);
    const mic = up('mic', ['f']);
    const voice = new Stream(mic, 'f', 960);
    rec.follow(new Map([['mic', mic]]));
    let sent = 0;
    for (; sent < 5_000 && !rec.full; sent++) voice.send((now += 20), { size: 100 });
    expect(rec.full).toBe(true);
    expect(sent).toBeGreaterThan(300);
    const r = await rec.stop();
    expect(r.video).toBe(false);
    expect(r.soundBytes).toBe(sent * 100);
    // What goes to the store fits: both files together under the limit.
    expect(Bun.file(r.path).size + Bun.file(r.soundPath!).size).toBeLessThanOrEqual(limit);
    const w = readWebm(new Uint8Array(await Bun.file(r.path).arrayBuffer()));
    expect(w.tracks.get(1)!.frames).toBe(sent);
    // Sound only (no video key frame ever): the length is still written, not the day it starts with.
    expect(Math.abs(w.duration! - sent * 20)).toBeLessThan(100);
    // The end is the last packet's.
    expect(r.endedAt - r.startedAt).toBe(sent * 20);
  });
});

describe("the call's recorder", () => {
  const seat = (id: string, userId: string, name: string, ups = new Map<Source, UpTrack>()) => ({ id, member: { userId, name }, ups }) as unknown as Participant;

  function recorder(opts: { maxBytes?: number; room?: number; present?: () => boolean } = {}) {
    const told: ServerMsg[] = [];
    const saved: RecordedLecture[] = [];
    const started: string[] = [];
    const changes = { n: 0 };
    let now = 0;
    const cfg = { recordingDir: dir, recordingMaxBytes: opts.maxBytes ?? 100_000_000, recordingWaitMs: 100 } as never;
    const r = new CallRecorder('r1', cfg, {
      tell: (m) => told.push(m),
      changed: () => changes.n++,
      present: opts.present ?? (() => true),
      room: async () => opts.room ?? Infinity,
      started: (u) => started.push(u),
      saved: (x) => saved.push(x),
      finishing: () => {},
      warn: () => {},
    }, () => (now += 20));
    return { r, told, saved, started, changes };
  }

  test('everyone is told when it starts and stops; a newcomer is told while it runs; one at a time', async () => {
    const { r, told, saved, started, changes } = recorder();
    const host = seat('a', 'u1', 'Dr Okafor');
    expect(r.state()).toBeNull();
    await r.start(host);
    await r.start(seat('b', 'u2', 'Prof Bello'));
    expect(told).toEqual([{ type: 'recording', by: 'Dr Okafor' }]);
    expect(started).toEqual(['u1']);
    // The room's call bar is updated too (the call's state says it records).
    expect(changes.n).toBe(1);
    expect(r.state()).toEqual({ type: 'recording', by: 'Dr Okafor' });
    await r.stop('stopped');
    expect(told.at(-1)).toEqual({ type: 'recording', by: null });
    expect(changes.n).toBe(2);
    expect(saved.map((s) => [s.userId, s.reason])).toEqual([['u1', 'stopped']]);
    expect(r.state()).toBeNull();
  });

  test('waits for the host (a reload, a lost connection: her socket closes) and follows her new seat; stops when she does not come back', async () => {
    const { r, saved, told } = recorder();
    await r.start(seat('a', 'u1', 'Dr Okafor'));
    const mic = up('mic', ['f']);
    r.left(seat('s', 'u9', 'A Student'), 'left');
    r.left(seat('a', 'u1', 'Dr Okafor'), 'left');
    await Bun.sleep(60);
    // Back within the wait (recordingWaitMs 100 here): her new seat's microphone is recorded.
    r.tick([seat('s', 'u9', 'A Student', new Map([['mic', up('mic', ['f'])]])), seat('a2', 'u1', 'Dr Okafor', new Map([['mic', mic]]))]);
    expect(mic.sinks.size).toBe(1);
    await Bun.sleep(100);
    expect(r.current).not.toBeNull();
    expect(saved).toEqual([]);
    // Gone for longer than the wait: it stops, and everyone is told why.
    r.left(seat('a2', 'u1', 'Dr Okafor'), 'closed');
    r.tick([]);
    await Bun.sleep(200);
    expect(saved.map((s) => s.reason)).toEqual(['left']);
    expect(told.at(-1)).toEqual({ type: 'notice', message: 'The recording stopped: the lecturer recorded did not come back.' });
    expect(mic.sinks.size).toBe(0);
  });

  test('a host removed from the lecture is not recorded a moment longer', async () => {
    const { r, saved } = recorder();
    await r.start(seat('a', 'u1', 'Dr Okafor'));
    r.left(seat('a', 'u1', 'Dr Okafor'), 'removed');
    expect(r.current).toBeNull();
    await Bun.sleep(20);
    expect(saved.map((s) => s.reason)).toEqual(['removed']);
  });

  test('Record is refused when the quotas leave too little room, and comes to nothing when the host or the lecture went meanwhile', async () => {
    const small = recorder({ room: MIN_RECORDING_BYTES - 1 });
    expect(small.r.start(seat('a', 'u1', 'Dr Okafor'))).rejects.toThrow('There is no room left for a recording');
    const gone = recorder({ present: () => false });
    await gone.r.start(seat('a', 'u1', 'Dr Okafor'));
    expect(gone.r.current).toBeNull();
    expect(gone.told).toEqual([]);
    expect(gone.started).toEqual([]);
  });

  test('at its limit (here what the quotas leave) it stops by itself and says so', async () => {
    const { r, told, saved } = recorder({ room: MIN_RECORDING_BYTES });
    await r.start(seat('a', 'u1', 'Dr Okafor'));
    const mic = up('mic', ['f']);
    const seats = [seat('a', 'u1', 'Dr Okafor', new Map([['mic', mic]]))];
    r.tick(seats);
    const voice = new Stream(mic, 'f', 960);
    for (let i = 0; i < 1_900; i++) voice.send(i * 20, { size: 1_300 });
    r.tick(seats);
    expect(r.current).not.toBeNull();
    for (let i = 0; i < 100; i++) voice.send(i * 20, { size: 1_300 });
    r.tick(seats);
    for (let i = 0; i < 100 && !saved.length; i++) await Bun.sleep(50);
    expect(saved.map((s) => s.reason)).toEqual(['full']);
    expect(told.slice(-2)).toEqual([{ type: 'recording', by: null }, { type: 'notice', message: RECORDING_FULL }]);
  });
});
