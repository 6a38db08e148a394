/**
 * Lecture mode in real Chromium: a lecturer shares screen and voice with ten students. Students
 * join receive-only and audio-only; a raised hand is granted the microphone and heard; mute-all
 * silences students; a student without permission cannot publish, not even with hand-crafted
 * signalling; the lecturer can revoke the microphone and remove a participant.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import type { Signed } from './chat-helpers';
import { enterCall, eventually, expectReceiving, expectStopped, inbound, launchCallBrowser, myId, openRoom, roomWithPeople, startCallServer, total } from './calls-helpers';

const TIMEOUT = 240_000;
const STUDENTS = 10;

/** From inside a student's page: a second signalling socket that tries to publish anyway. */
function forcePublish(page: Page, room: string, kind: 'audio' | 'video', declared: string) {
  return page.evaluate(
    async ({ room, kind, declared }) => {
      const ws = new WebSocket(`ws://${location.host}/rtc`);
      const got: any[] = [];
      ws.onmessage = (e) => got.push(JSON.parse(String(e.data)));
      await new Promise((r) => (ws.onopen = r));
      ws.send(JSON.stringify({ type: 'join', room }));
      const deadline = Date.now() + 5000;
      while (!got.some((m) => m.type === 'joined') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const pc = new RTCPeerConnection();
      const stream = await navigator.mediaDevices.getUserMedia(kind === 'audio' ? { audio: true } : { video: true });
      const t = pc.addTransceiver(stream.getTracks()[0]!, { direction: 'sendonly' });
      await pc.setLocalDescription(await pc.createOffer());
      ws.send(JSON.stringify({ type: 'offer', sdp: pc.localDescription!.sdp, sources: declared ? { [t.mid!]: declared } : {} }));
      while (!got.some((m) => m.type === 'error' || m.type === 'answer') && Date.now() < deadline + 5000) await new Promise((r) => setTimeout(r, 50));
      ws.send(JSON.stringify({ type: 'leave' }));
      ws.close();
      pc.close();
      stream.getTracks().forEach((x) => x.stop());
      return got.filter((m) => m.type === 'error' || m.type === 'answer').map((m) => (m.type === 'answer' ? 'ANSWERED' : m.message));
    },
    { room, kind, declared },
  );
}

describeBrowser('lectures (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let roomId: string;
  let lecturer: Page;
  let students: Page[];

  beforeAll(async () => {
    [server, browser] = await Promise.all([startCallServer(), launchCallBrowser()]);
    const people = [
      { email: 'prof.okafor@unilag.edu.ng', name: 'Prof Okafor', role: 'lecturer' as const },
      ...Array.from({ length: STUDENTS }, (_, i) => ({ email: `student${i}.lec@unilag.edu.ng`, name: `Student ${i}` })),
    ];
    const r = await roomWithPeople(server, browser, 'CSC401', people);
    roomId = r.roomId;
    [lecturer, ...students] = r.signed.map((s: Signed) => s.page) as [Page, ...Page[]];
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  test(
    'screen and voice to 10 students; hand → mic granted → heard; mute all; no publishing without permission; revoke; remove',
    async () => {
      await withArtifactsOnFailure('calls-lecture', lecturer, server, async () => {
        await Promise.all([lecturer, ...students].map((p) => openRoom(p, server, roomId)));
        // Students have no "Start lecture" button; the lecturer does.
        expect(await students[0]!.getByRole('button', { name: 'Start lecture' }).count()).toBe(0);
        await enterCall(lecturer, 'Start lecture');
        await Promise.all(students.map((p) => enterCall(p, 'Join call')));
        const [lid, ...sids] = await Promise.all([lecturer, ...students].map(myId));
        // Receive-only: no microphone or camera controls, a hand to raise; audio only by default.
        const s0 = students[0]!;
        expect(await s0.getByRole('button', { name: 'Mute' }).isVisible()).toBe(false);
        expect(await s0.getByRole('button', { name: 'Share screen' }).isVisible()).toBe(false);
        expect(await s0.getByRole('button', { name: 'Audio only' }).getAttribute('aria-pressed')).toBe('true');

        await lecturer.getByRole('button', { name: 'Share screen' }).click();
        await lecturer.getByRole('button', { name: 'Stop sharing' }).waitFor();
        // Every student hears the lecturer; those still on audio only get no video at all.
        await Promise.all(students.map((p) => expectReceiving(p, [lid!], { video: false })));
        await Bun.sleep(1_500);
        expect(total(await inbound(s0), (s) => s.kind === 'video', 'bytes')).toBe(0);
        // Turning audio-only off, all ten decode the screen: high resolution, low frame rate.
        await Promise.all(students.map((p) => p.getByRole('button', { name: 'Audio only' }).click()));
        await Promise.all(students.map((p) => expectReceiving(p, [lid!], { source: 'screen', audio: false })));
        const screen = (await inbound(s0)).find((s) => s.source === 'screen')!;
        expect(screen.frameWidth).toBeGreaterThanOrEqual(1280);
        const f0 = screen.framesDecoded;
        // Over 6 s: on a loaded machine frames held up for a moment arrive in a burst, and 3 s read 8 fps (CI s17).
        await Bun.sleep(6_000);
        const fps = ((await inbound(s0)).find((s) => s.source === 'screen')!.framesDecoded - f0) / 6;
        expect(fps).toBeLessThanOrEqual(7);

        // A student without permission cannot publish, however the offer is dressed up.
        const s9 = students[9]!;
        expect(await forcePublish(s9, roomId, 'audio', 'mic')).toEqual(['You may not speak until the lecturer allows it.']);
        expect(await forcePublish(s9, roomId, 'video', 'screen')).toEqual(['Only the lecturer can share video or a screen in a lecture.']);
        expect(await forcePublish(s9, roomId, 'audio', '')).toEqual(['Every sending track must say what it is (mic, cam or screen).']);
        // (Each forced join replaced Student 9's seat: they rejoin.)
        await s9.reload();
        await s9.locator(`#call-${roomId}`).waitFor({ state: 'attached' });
        await enterCall(s9, 'Join call');

        // Student 1 raises a hand; the lecturer allows them to speak; the lecturer and others hear them.
        const s1 = students[1]!;
        await s1.getByRole('button', { name: 'Raise hand' }).click();
        await lecturer.getByRole('button', { name: 'Allow Student 1 to speak' }).click();
        await s1.getByRole('button', { name: 'Mute' }).waitFor();
        await expectReceiving(lecturer, [sids[1]!], { video: false });
        await expectReceiving(students[2]!, [sids[1]!], { video: false });

        // Mute all: Student 1's audio stops reaching the lecturer.
        await lecturer.getByRole('button', { name: 'Mute all' }).click();
        await s1.getByRole('button', { name: 'Unmute' }).waitFor();
        const fromS1 = async () => total(await inbound(lecturer), (s) => s.participant === sids[1] && s.kind === 'audio', 'packets');
        await expectStopped(fromS1);

        // Revoke: Student 1 loses the microphone control.
        await lecturer.getByRole('button', { name: "Revoke Student 1's microphone" }).click();
        await eventually(async () => expect(await s1.getByRole('button', { name: 'Unmute' }).isVisible()).toBe(false));
        await s1.getByRole('button', { name: 'Raise hand' }).waitFor();
        // A second question: allowed again, heard again (a new publishing connection).
        await s1.getByRole('button', { name: 'Raise hand' }).click();
        await lecturer.getByRole('button', { name: 'Allow Student 1 to speak' }).click();
        await s1.getByRole('button', { name: 'Mute' }).waitFor();
        const again = await fromS1();
        // A new publishing connection and the lecturer's renegotiation: slower under a loaded CI machine.
        await eventually(async () => expect(await fromS1()).toBeGreaterThan(again + 20), 30_000);
        await lecturer.getByRole('button', { name: "Revoke Student 1's microphone" }).click();
        await s1.getByRole('button', { name: 'Raise hand' }).waitFor();

        // Remove: Student 4 is out and cannot come back into this call.
        const s4 = students[4]!;
        await lecturer.getByRole('button', { name: 'Remove Student 4' }).click();
        await eventually(async () => expect(await s4.locator('.call-panel').isVisible()).toBe(false));
        await s4.reload();
        await s4.getByRole('button', { name: 'Join call' }).click();
        await eventually(async () => expect(await s4.getByRole('status').filter({ hasText: 'removed' }).isVisible()).toBe(true));
        await eventually(async () => expect(await lecturer.locator('#call-status-' + roomId).innerText()).toContain(`${STUDENTS} people`));

        // Stop sharing: the screen tile goes away for the students.
        await lecturer.getByRole('button', { name: 'Stop sharing' }).click();
        await lecturer.getByRole('button', { name: 'Share screen' }).waitFor();
        await eventually(async () => expect(await s0.locator('.call-tiles .tile.screen').count()).toBe(0));
        await expectReceiving(s0, [lid!], { video: false });
        // The next slide deck: sharing again reaches the students (the page's offer after a stopped
        // share got an answer Chrome refused, and nothing could be shared again).
        // Counted from what the first share left in the stats (they stay there): the new share's frames
        // must add to it. Up to 30 s: a renegotiation and a first key frame on a loaded machine (CI s18
        // gave it 15 s after the old stats passed the first check at once, and failed once).
        const shown = async () => total(await inbound(s0), (x) => x.participant === lid && x.source === 'screen', 'framesDecoded');
        const before = await shown();
        await lecturer.getByRole('button', { name: 'Share screen' }).click();
        await lecturer.getByRole('button', { name: 'Stop sharing' }).waitFor();
        await eventually(async () => expect(await shown()).toBeGreaterThan(before + 5), 30_000);
        expect(await lecturer.locator('body').innerText()).not.toContain('Call problem');
      });
    },
    TIMEOUT,
  );
});
