/**
 * Recording a lecture, in real Chromium: the lecturer presses Record; everyone in the lecture is
 * told (a student joining later too); she shares her screen part-way; Stop recording puts the file
 * in the room as her message, and it plays in the browser: its length is the recording's, with
 * the screen in it and in step (the screen starts part-way in, not at 0). Students cannot record.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import type { Signed } from './chat-helpers';
import { enterCall, eventually, launchCallBrowser, openRoom, roomWithPeople, startCallServer } from './calls-helpers';
import { readWebm } from '../server/rtc/webm-read';

const TIMEOUT = 150_000;

describeBrowser('recording a lecture (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let roomId: string;
  let lecturer: Page;
  let s1: Page;
  let s2: Page;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startCallServer(), launchCallBrowser()]);
    const r = await roomWithPeople(server, browser, 'CSC405', [
      { email: 'dr.okafor.rec@unilag.edu.ng', name: 'Dr Okafor', role: 'lecturer' },
      { email: 'tolu.rec@unilag.edu.ng', name: 'Tolu Student' },
      { email: 'kemi.rec@unilag.edu.ng', name: 'Kemi Student' },
    ]);
    roomId = r.roomId;
    [lecturer, s1, s2] = r.signed.map((s: Signed) => s.page) as [Page, Page, Page];
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  const note = (p: Page) => p.locator(`#call-note-${roomId}`).innerText();
  const recLine = (p: Page) => p.locator(`#call-panel-${roomId} .call-rec`);

  test(
    'Record → everyone told → screen shared part-way → Stop: the file is in the room and plays, screen and voice in step',
    async () => {
      await withArtifactsOnFailure('calls-recording', lecturer, server, async () => {
        await Promise.all([lecturer, s1, s2].map((p) => openRoom(p, server, roomId)));
        await enterCall(lecturer, 'Start lecture');
        await enterCall(s1, 'Join call');
        // Students have no Record; the host has, and everyone in the call is told it runs.
        expect(await s1.getByRole('button', { name: 'Record' }).isVisible()).toBe(false);
        const recordAt = Date.now();
        await lecturer.getByRole('button', { name: 'Record' }).click();
        await lecturer.getByRole('button', { name: 'Stop recording' }).waitFor();
        for (const p of [lecturer, s1]) await eventually(async () => expect(await recLine(p).innerText()).toBe('● Recording: Dr Okafor'));
        await eventually(async () => expect(await note(s1)).toBe('Dr Okafor is recording the lecture: their voice and their screen or camera.'));
        // A student not in the lecture reads it in the room's call bar before she joins, and once in, at once.
        await eventually(async () => expect(await s2.locator(`#call-status-${roomId}`).innerText()).toBe('Lecture in progress · 2 people · ● Recording'));
        await enterCall(s2, 'Join call');
        await eventually(async () => expect(await recLine(s2).isVisible()).toBe(true));
        expect(await recLine(s2).innerText()).toBe('● Recording: Dr Okafor');

        // Voice alone for a while, then the screen.
        await Bun.sleep(3_000);
        const sharedAt = Date.now();
        await lecturer.getByRole('button', { name: 'Share screen' }).click();
        await lecturer.getByRole('button', { name: 'Stop sharing' }).waitFor({ timeout: 15_000 });
        await Bun.sleep(4_000);
        const stoppedAt = Date.now();
        await lecturer.getByRole('button', { name: 'Stop recording' }).click();
        await lecturer.getByRole('button', { name: 'Record' }).waitFor();
        for (const p of [lecturer, s1, s2]) await eventually(async () => expect(await recLine(p).isVisible()).toBe(false));
        await eventually(async () => expect(await s2.locator(`#call-status-${roomId}`).innerText()).toBe('Lecture in progress · 3 people'));
        await eventually(async () => expect(await note(s1)).toBe('The recording stopped. It will be in this room as a file.'));

        // The file arrives in the room for everyone (pushed): the lecturer's message.
        const link = s2.locator('.file-link', { hasText: /^Recording of CSC405 call, .* \(1 min\)\.webm$/ });
        await link.waitFor({ timeout: 30_000 });
        // And the voice alone, for those on mobile data: a second file, sound only.
        const soundLink = s2.locator('.file-link', { hasText: /^Recording of CSC405 call, .* \(1 min\), sound only\.webm$/ });
        await soundLink.waitFor({ timeout: 30_000 });
        const soundArticle = s2.locator('article', { has: soundLink });
        expect(await soundArticle.locator('.file-info').innerText()).toMatch(/ · Audio \(WEBM\)$/);
        await soundArticle.getByRole('link', { name: /^Play sound \(\d+ KB\)$/ }).waitFor();
        const article = s2.locator('article', { has: link });
        expect(await article.innerText()).toContain('Dr Okafor');
        expect(await article.locator('.file-info').innerText()).toMatch(/ · Video \(WEBM\)$/);
        const href = (await link.getAttribute('href'))!;

        // In the file: the voice from the start, the screen from when it was shared (one clock for
        // both: not at 0, where werift's own recorder puts each track's first frame), to the end.
        const bytes = new Uint8Array(await s2.evaluate(async (src) => Array.from(new Uint8Array(await (await fetch(src)).arrayBuffer())), href));
        const webm = readWebm(bytes);
        const [voice, screen] = [webm.tracks.get(1)!, webm.tracks.get(2)!];
        const length = stoppedAt - recordAt;
        expect(webm.duration!).toBeGreaterThan(length - 2_000);
        expect(webm.duration!).toBeLessThan(length + 2_000);
        expect(voice.first).toBeLessThan(1_500);
        expect(voice.last).toBeGreaterThan(length - 2_500);
        expect(screen.first).toBeGreaterThan(sharedAt - recordAt - 1_000);
        expect(screen.first).toBeLessThan(sharedAt - recordAt + 3_000);
        expect(screen.keyframes).toBeGreaterThan(0);
        const soundHref = (await soundLink.getAttribute('href'))!;
        const soundBytes = new Uint8Array(await s2.evaluate(async (src) => Array.from(new Uint8Array(await (await fetch(src)).arrayBuffer())), soundHref));
        const soundOnly = readWebm(soundBytes);
        expect([...soundOnly.tracks.keys()]).toEqual([1]);
        expect(soundOnly.tracks.get(1)!.frames).toBe(voice.frames);
        expect(soundBytes.length).toBeLessThan(bytes.length);

        // It plays: a length near the recording's, the screen in it from part-way, sound in it.
        const played = await s2.evaluate(async (src) => {
          const v = document.createElement('video');
          v.muted = true;
          v.src = src;
          document.body.append(v);
          await new Promise((ok, ko) => {
            v.onloadedmetadata = ok;
            v.onerror = () => ko(new Error(`video error ${v.error?.code}`));
          });
          const duration = v.duration;
          // Just before the screen was shared: no picture yet. Near the end: the screen.
          const frameAt = async (t: number) => {
            v.currentTime = t;
            await new Promise((ok) => (v.onseeked = ok));
            await new Promise((ok) => requestAnimationFrame(() => ok(null)));
            return v.videoWidth;
          };
          const late = await frameAt(Math.max(0, duration - 1));
          await v.play();
          await new Promise((ok) => setTimeout(ok, 1_000));
          v.pause();
          const q = v.getVideoPlaybackQuality();
          return { duration, late, frames: q.totalVideoFrames, audio: (v as any).webkitAudioDecodedByteCount as number, buffered: v.buffered.length ? v.buffered.start(0) : -1 };
        }, href);
        const recorded = (stoppedAt - sharedAt) / 1000 + 3;
        expect(played.duration).toBeGreaterThan(recorded - 2.5);
        expect(played.duration).toBeLessThan(recorded + 6);
        expect(played.late).toBeGreaterThan(0);
        expect(played.frames).toBeGreaterThan(0);
        expect(played.audio).toBeGreaterThan(0);

        // "Play video" in the message: the player takes its place and plays (fetching only what it plays).
        await article.getByRole('link', { name: /^Play video \(\d+ KB\)$/ }).click();
        const player = article.locator('video.player');
        await player.waitFor();
        await eventually(async () => expect(await player.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThan(0.5));
        expect(await player.evaluate((v: HTMLVideoElement) => v.controls && v.videoWidth > 0)).toBe(true);

        // A student's socket asking to record is refused (the button is only the page's side).
        const refused = await s1.evaluate(() => {
          const c = (window as any).letstalkCall?.();
          c.signal({ type: 'record', on: true });
          return new Promise<string>((ok) => setTimeout(() => ok(document.querySelector('.call-note')?.textContent ?? ''), 1_500));
        });
        expect(refused).toBe('Only the lecturer can do that.');
        expect(await recLine(s1).isVisible()).toBe(false);
        await endLecture();
      });
    },
    TIMEOUT,
  );

  /** The lecturer records for a few seconds with her screen shared; returns when the recording runs. */
  /**
   * The lecturer ends the lecture, and every page shows the room without a call: the next test
   * starts its own. (Leaving it to the pages' reloads raced: a bar fetched just before the call
   * ended could keep "Join call".)
   */
  async function endLecture() {
    const asked = lecturer.waitForEvent('dialog');
    const click = lecturer.getByRole('button', { name: 'End lecture' }).click();
    await (await asked).accept();
    await click;
    for (const p of [lecturer, s1, s2]) await eventually(async () => expect(await p.locator(`#call-status-${roomId}`).innerText()).toBe(''));
  }

  async function recordAWhile() {
    // Every page opened afresh: nobody is left in the lecture of the test before.
    await Promise.all([lecturer, s1, s2].map((p) => openRoom(p, server, roomId)));
    await enterCall(lecturer, 'Start lecture');
    await lecturer.getByRole('button', { name: 'Share screen' }).click();
    await lecturer.getByRole('button', { name: 'Stop sharing' }).waitFor({ timeout: 15_000 });
    const recordAt = Date.now();
    await lecturer.getByRole('button', { name: 'Record' }).click();
    await lecturer.getByRole('button', { name: 'Stop recording' }).waitFor();
    await Bun.sleep(4_000);
    return recordAt;
  }

  /** After the server is back: the room (opened afresh) holds one more recording, which has sound and picture and a length. */
  async function expectStoredAfterRestart(before: number) {
    await openRoom(s1, server, roomId);
    // The recording and its voice alone.
    const links = s1.locator('.file-link', { hasText: /^Recording of CSC405 call, .*\)\.webm$/ });
    await eventually(async () => expect(await links.count()).toBe(before + 1), 30_000);
    await eventually(async () => expect(await s1.locator('.file-link', { hasText: /, sound only\.webm$/ }).count()).toBe(before + 1), 30_000);
    const href = (await links.last().getAttribute('href'))!;
    const webm = readWebm(new Uint8Array(await s1.evaluate(async (src) => Array.from(new Uint8Array(await (await fetch(src)).arrayBuffer())), href)));
    expect(webm.tracks.get(1)!.frames).toBeGreaterThan(50);
    expect(webm.tracks.get(2)!.keyframes).toBeGreaterThan(0);
    expect(webm.duration!).toBeGreaterThan(2_000);
    expect(webm.duration!).toBeLessThan(60_000);
  }

  test(
    'the lecturer reloads mid-recording: the recording waits for her and goes on with her new seat',
    async () => {
      await withArtifactsOnFailure('calls-recording-reload', lecturer, server, async () => {
        const before = await s1.locator('.file-link', { hasText: /^Recording of .*\)\.webm$/ }).count();
        const recordAt = await recordAWhile();
        await enterCall(s1, 'Join call');
        const reloadedAt = Date.now();
        await openRoom(lecturer, server, roomId);
        // Her seat is gone; the students still read that it records, and so does she once back.
        await eventually(async () => expect(await recLine(s1).innerText()).toBe('● Recording: Dr Okafor'));
        await enterCall(lecturer, 'Join call');
        await lecturer.getByRole('button', { name: 'Stop recording' }).waitFor();
        expect(await recLine(lecturer).innerText()).toBe('● Recording: Dr Okafor');
        await Bun.sleep(3_000);
        const stoppedAt = Date.now();
        await lecturer.getByRole('button', { name: 'Stop recording' }).click();
        const links = s1.locator('.file-link', { hasText: /^Recording of CSC405 call, .*\)\.webm$/ });
        await eventually(async () => expect(await links.count()).toBe(before + 1), 30_000);
        // One file, her voice on both sides of the reload (her new seat's microphone was followed).
        const href = (await links.last().getAttribute('href'))!;
        const webm = readWebm(new Uint8Array(await s1.evaluate(async (src) => Array.from(new Uint8Array(await (await fetch(src)).arrayBuffer())), href)));
        const voice = webm.tracks.get(1)!;
        expect(voice.first).toBeLessThan(2_000);
        expect(Math.abs(webm.duration! - (stoppedAt - recordAt))).toBeLessThan(2_500);
        expect(voice.last).toBeGreaterThan(reloadedAt - recordAt + 2_000);
        await endLecture();
      });
    },
    TIMEOUT,
  );

  test(
    'the server stopped mid-recording (a deploy: SIGTERM): what was recorded is in the room when it is back',
    async () => {
      await withArtifactsOnFailure('calls-recording-restart', lecturer, server, async () => {
        const before = await s1.locator('.file-link', { hasText: /^Recording of .*\)\.webm$/ }).count();
        await recordAWhile();
        await server.restart();
        await expectStoredAfterRestart(before);
        // Finished and stored on the way down, not found unfinished at the start.
        expect(server.logs()).not.toContain('recording not stored');
        expect(server.logs()).not.toContain('recording interrupted');
      });
    },
    TIMEOUT,
  );

  test(
    'the server killed mid-recording (no chance to finish the file): it is stored at the next start, its length set',
    async () => {
      await withArtifactsOnFailure('calls-recording-crash', lecturer, server, async () => {
        await openRoom(s1, server, roomId);
        const before = await s1.locator('.file-link', { hasText: /^Recording of .*\)\.webm$/ }).count();
        await recordAWhile();
        // Frozen, then ended: SIGTERM cannot be handled by a stopped process, so it is killed (SIGKILL).
        server.pause();
        await server.kill();
        await server.start();
        await expectStoredAfterRestart(before);
        expect(server.logs()).toContain('recording interrupted by a stop of the server');
      });
    },
    TIMEOUT,
  );
});
