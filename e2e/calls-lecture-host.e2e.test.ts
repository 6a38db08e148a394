/**
 * Who runs a lecture, in real Chromium: students who started a group call before class do not keep
 * the lecturer from teaching (she starts a lecture in its place, and they are told); the lecturer
 * ends the lecture for everyone; a lecturer who leaves is announced to the students.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import type { Signed } from './chat-helpers';
import { enterCall, eventually, expectReceiving, launchCallBrowser, myId, openRoom, roomWithPeople, startCallServer } from './calls-helpers';

const TIMEOUT = 120_000;

describeBrowser('running a lecture (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let roomId: string;
  let lecturer: Page;
  let s1: Page;
  let s2: Page;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startCallServer(), launchCallBrowser()]);
    const r = await roomWithPeople(server, browser, 'CSC402', [
      { email: 'prof.adeyemi@unilag.edu.ng', name: 'Prof Adeyemi', role: 'lecturer' },
      { email: 'tolu.host@unilag.edu.ng', name: 'Tolu Student' },
      { email: 'kemi.host@unilag.edu.ng', name: 'Kemi Student' },
    ]);
    roomId = r.roomId;
    [lecturer, s1, s2] = r.signed.map((s: Signed) => s.page) as [Page, Page, Page];
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  const note = (p: Page) => p.locator(`#call-note-${roomId}`).innerText();
  const status = (p: Page) => p.locator(`#call-status-${roomId}`).innerText();

  test(
    "a students' call before class gives way to the lecture; the lecturer ends it for everyone",
    async () => {
      await withArtifactsOnFailure('calls-lecture-host', lecturer, server, async () => {
        await Promise.all([lecturer, s1, s2].map((p) => openRoom(p, server, roomId)));
        await enterCall(s1, 'Start call');
        await enterCall(s2, 'Join call');
        await eventually(async () => expect(await status(lecturer)).toBe('Call in progress · 2 people'));
        // Students see no such button; the lecturer does, and is asked first.
        expect(await s1.getByRole('button', { name: 'Start a lecture instead' }).count()).toBe(0);
        const asked = lecturer.waitForEvent('dialog');
        const click = lecturer.getByRole('button', { name: 'Start a lecture instead' }).click();
        const dialog = await asked;
        expect(dialog.message()).toContain('The call in progress ends for everyone in it');
        await dialog.accept();
        await click;
        await lecturer.getByRole('button', { name: 'End lecture' }).waitFor({ timeout: 15_000 });
        for (const p of [s1, s2]) await eventually(async () => expect(await note(p)).toBe('The lecturer started a lecture in this room: press Join call to listen.'));
        await eventually(async () => expect(await status(s1)).toBe('Lecture in progress · 1 person'));
        // The students join the lecture as listeners; they have no End lecture.
        for (const p of [s1, s2]) await enterCall(p, 'Join call');
        for (const p of [s1, s2]) await eventually(async () => expect(await note(p)).toBe('You are listening. Raise your hand to speak.'));
        expect(await s1.getByRole('button', { name: 'End lecture' }).isVisible()).toBe(false);

        // The lecturer ends it: everyone is out, told why, and nobody's page tries to rejoin.
        const confirmEnd = lecturer.waitForEvent('dialog');
        const end = lecturer.getByRole('button', { name: 'End lecture' }).click();
        await (await confirmEnd).accept();
        await end;
        for (const p of [s1, s2]) await eventually(async () => expect(await note(p)).toBe('The lecturer ended the lecture.'));
        await eventually(async () => expect(await note(lecturer)).toBe('You ended the lecture for everyone.'));
        for (const p of [s1, s2]) await eventually(async () => expect(await p.getByRole('button', { name: 'Start call' }).isVisible()).toBe(true));
        await Bun.sleep(2_000);
        for (const p of [s1, s2]) expect(await p.evaluate(() => (window as any).letstalkCall())).toBeNull();
      });
    },
    TIMEOUT,
  );

  test(
    "raised hands come first in the lecturer's list, under a count; a student listening audio-only is told how to see the slides",
    async () => {
      await withArtifactsOnFailure('calls-lecture-hands', lecturer, server, async () => {
        await Promise.all([lecturer, s1, s2].map((p) => openRoom(p, server, roomId)));
        await enterCall(lecturer, 'Start lecture');
        for (const p of [s1, s2]) await enterCall(p, 'Join call');
        const rows = () => lecturer.locator('.call-roster li').allInnerTexts();
        await eventually(async () => expect((await rows()).length).toBe(3));
        await s2.getByRole('button', { name: 'Raise hand' }).click();
        await eventually(async () => {
          const r = await rows();
          expect(r[0]).toBe('✋ 1 hand raised');
          expect(r[1]).toStartWith('Prof Adeyemi');
          expect(r[2]).toStartWith('Kemi Student ✋');
          expect(r[2]).toContain('hand raised, listening');
          expect(r[3]).toStartWith('Tolu Student');
        });
        // Students join audio-only: no black boxes, and a line says how to see the shared screen.
        expect(await s1.getByRole('button', { name: 'Audio only' }).getAttribute('aria-pressed')).toBe('true');
        const hint = await s1.locator('.call-tiles').evaluate((el) => getComputedStyle(el, '::before').content);
        expect(hint).toContain('Audio only (saves data): press it again to see video and shared screens.');
        await s1.getByRole('button', { name: 'Audio only' }).click();
        expect(await s1.locator('.call-tiles').evaluate((el) => getComputedStyle(el, '::before').content)).toBe('none');
        for (const p of [s1, s2, lecturer]) await p.getByRole('button', { name: 'Leave call' }).click();
      });
    },
    TIMEOUT,
  );

  test(
    'on a phone the chat stays readable during a lecture and during a group call',
    async () => {
      const phone = await browser.newContext({ hasTouch: true, isMobile: true, viewport: { width: 360, height: 640 } });
      await phone.addCookies(await s1.context().cookies());
      const page = await phone.newPage();
      await withArtifactsOnFailure('calls-phone', page, server, async () => {
        await Promise.all([openRoom(page, server, roomId), openRoom(lecturer, server, roomId), openRoom(s2, server, roomId)]);
        const logHeight = () => page.locator('.log').evaluate((el) => el.getBoundingClientRect().height);
        const noCall = await logHeight();
        await enterCall(lecturer, 'Start lecture');
        await lecturer.getByRole('button', { name: 'Share screen' }).click();
        await enterCall(page, 'Join call');
        await enterCall(s2, 'Join call');
        await s2.getByRole('button', { name: 'Raise hand' }).click();
        await Bun.sleep(1_000);
        const lecture = await logHeight();
        for (const p of [page, s2, lecturer]) await p.getByRole('button', { name: 'Leave call' }).click();
        await enterCall(s2, 'Start call');
        await enterCall(lecturer, 'Join call');
        await enterCall(page, 'Join call');
        await Bun.sleep(1_500);
        const group = await logHeight();
        console.log('phone log height (px): no call', noCall, 'lecture', lecture, 'group call', group);
        // Before: 61 px in a lecture, 16 px in a group call (one line, or nothing, of the chat).
        expect(lecture).toBeGreaterThanOrEqual(180);
        expect(group).toBeGreaterThanOrEqual(100);
        for (const p of [page, s2, lecturer]) await p.getByRole('button', { name: 'Leave call' }).click();
      });
      await phone.close();
    },
    TIMEOUT,
  );

  test(
    'the lecturer leaving is announced to the students, and her coming back too',
    async () => {
      await withArtifactsOnFailure('calls-lecture-host-left', lecturer, server, async () => {
        await Promise.all([lecturer, s1].map((p) => openRoom(p, server, roomId)));
        await enterCall(lecturer, 'Start lecture');
        await enterCall(s1, 'Join call');
        // The note sits under the controls during a call: a new line in it must not move the Leave
        // button from under a finger about to press it (it did when the note was above the panel).
        const leave = s1.getByRole('button', { name: 'Leave call' });
        const before = await leave.boundingBox();
        await lecturer.getByRole('button', { name: 'Leave call' }).click();
        await eventually(async () => expect(await note(s1)).toBe('The lecturer has left. The lecture ends in 5 minutes unless a host comes back.'));
        expect(await leave.boundingBox()).toEqual(before);
        const noteBox = (await s1.locator(`#call-note-${roomId}`).boundingBox())!;
        expect(noteBox.y).toBeGreaterThanOrEqual(before!.y + before!.height);
        await enterCall(lecturer, 'Join call');
        await eventually(async () => expect(await note(s1)).toBe('The lecturer is back.'));
        for (const p of [s1, lecturer]) await p.getByRole('button', { name: 'Leave call' }).click();
        // After the call the note is back in the call bar, visible with the panel hidden.
        expect(await note(s1)).toBe('You left the call.');
        expect(await s1.locator(`#call-${roomId} #call-note-${roomId}`).isVisible()).toBe(true);
      });
    },
    TIMEOUT,
  );

  test(
    'a lecturer whose connection drops comes back with her camera on if it was on (and off if it was off)',
    async () => {
      await withArtifactsOnFailure('calls-lecture-host-camera', lecturer, server, async () => {
        await Promise.all([lecturer, s1].map((p) => openRoom(p, server, roomId)));
        await enterCall(lecturer, 'Start lecture');
        await lecturer.getByRole('button', { name: 'Camera on' }).click();
        await lecturer.getByRole('button', { name: 'Camera off' }).waitFor();
        await enterCall(s1, 'Join call');
        // Students listen audio-only at first: this one watches.
        await s1.getByRole('button', { name: 'Audio only' }).click();
        await eventually(async () => expect(await s1.getByRole('button', { name: 'Audio only' }).getAttribute('aria-pressed')).toBe('false'));
        await expectReceiving(s1, [await myId(lecturer)], { audio: false });
        const drop = async () => {
          const before = await myId(lecturer);
          await lecturer.evaluate(() => (window as any).letstalkCall().ws.close(4000));
          await eventually(async () => {
            const now = await myId(lecturer);
            expect(now).not.toBe('');
            expect(now).not.toBe(before);
          }, 30_000);
        };
        await drop();
        await lecturer.getByRole('button', { name: 'Camera off' }).waitFor({ timeout: 15_000 });
        await expectReceiving(s1, [await myId(lecturer)], { audio: false });
        // Turned off, it stays off after the next drop.
        await lecturer.getByRole('button', { name: 'Camera off' }).click();
        await lecturer.getByRole('button', { name: 'Camera on' }).waitFor();
        await drop();
        await Bun.sleep(1_500);
        expect(await lecturer.getByRole('button', { name: 'Camera on' }).isVisible()).toBe(true);
        for (const p of [s1, lecturer]) await p.getByRole('button', { name: 'Leave call' }).click();
      });
    },
    TIMEOUT,
  );
});
