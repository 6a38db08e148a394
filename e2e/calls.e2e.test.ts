/**
 * Group calls in real Chromium (fake camera and microphone, loopback media through the SFU):
 * three people see and hear each other, mute stops audio packets, leaving cleans up, and a
 * non-member cannot join a room's call.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import { waitConnected, type Signed } from './chat-helpers';
import { enterCall, eventually, expectReceiving, expectStopped, inbound, launchCallBrowser, myId, openRoom, roomWithPeople, startCallServer, total } from './calls-helpers';

const TIMEOUT = 120_000;

describeBrowser('group calls (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let roomId: string;
  let people: Signed[];
  let outsider: Signed;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startCallServer(), launchCallBrowser()]);
    const r = await roomWithPeople(
      server,
      browser,
      'CSC301',
      [
        { email: 'ada.call@unilag.edu.ng', name: 'Ada Call' },
        { email: 'bola.call@unilag.edu.ng', name: 'Bola Call' },
        { email: 'chidi.call@unilag.edu.ng', name: 'Chidi Call' },
      ],
      [{ email: 'olu.outside@unilag.edu.ng', name: 'Olu Outside' }],
    );
    roomId = r.roomId;
    people = r.signed;
    outsider = r.outside[0]!;
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  test(
    'three people: everyone decodes the others’ video and hears their audio; mute stops audio; leave cleans up',
    async () => {
      const [a, b, c] = people.map((p) => p.page) as [typeof people[0]['page'], typeof people[0]['page'], typeof people[0]['page']];
      await withArtifactsOnFailure('calls-group', a, server, async () => {
        await Promise.all([a, b, c].map((p) => openRoom(p, server, roomId)));
        await enterCall(a, 'Start call');
        // The others see the call in progress and a "Join call" button instead of "Start call".
        await b.getByRole('button', { name: 'Join call' }).waitFor();
        expect(await b.getByRole('button', { name: 'Start call' }).isVisible()).toBe(false);
        await enterCall(b, 'Join call');
        await enterCall(c, 'Join call');
        const ids = await Promise.all([a, b, c].map(myId));
        await Promise.all([a, b, c].map((p, i) => expectReceiving(p, ids.filter((_, j) => j !== i))));

        // Ada mutes: the others stop receiving her audio packets.
        await a.getByRole('button', { name: 'Mute' }).click();
        await a.getByRole('button', { name: 'Unmute' }).waitFor();
        const audioFromA = async () => total(await inbound(b), (s) => s.participant === ids[0] && s.kind === 'audio', 'packets');
        await expectStopped(audioFromA);
        // Video from Ada continues.
        await expectReceiving(b, [ids[0]!], { audio: false });

        // Bola's network changes: both of Bola's connections restart ICE and media keeps flowing.
        const ufrags = () =>
          b.evaluate(() => {
            const c = (window as any).letstalkCall();
            const u = (sdp: string | undefined) => /a=ice-ufrag:(\S+)/.exec(sdp ?? '')?.[1];
            return [u(c.pub?.localDescription?.sdp), u(c.sub?.remoteDescription?.sdp)];
          });
        const ufragsBefore = await ufrags();
        await b.evaluate(() => dispatchEvent(new Event('online')));
        // New ICE credentials on both connections (ours for pub, the server's for sub).
        await eventually(async () => {
          const now = await ufrags();
          expect(now[0]).not.toBe(ufragsBefore[0]);
          expect(now[1]).not.toBe(ufragsBefore[1]);
        });
        await expectReceiving(b, [ids[2]!]);
        await expectReceiving(c, [ids[1]!]);

        // Chidi leaves: the others' tiles for him go, the server releases his seat.
        await c.getByRole('button', { name: 'Leave call' }).click();
        await eventually(async () => expect(await a.locator(`.call-tiles [data-participant="${ids[2]}"]`).count()).toBe(0));
        await eventually(async () => expect(await a.locator('#call-status-' + roomId).innerText()).toContain('2 people'));
        await b.getByRole('button', { name: 'Leave call' }).click();
        await a.getByRole('button', { name: 'Leave call' }).click();
        // The call ended: everyone sees "Start call" again.
        await c.getByRole('button', { name: 'Start call' }).waitFor();
      });
    },
    TIMEOUT,
  );

  test(
    'someone leaves and someone joins: the newcomer reuses the m-lines the leaver had, and everyone keeps receiving without a call problem',
    async () => {
      const [a, b, c] = people.map((p) => p.page) as [typeof people[0]['page'], typeof people[0]['page'], typeof people[0]['page']];
      await withArtifactsOnFailure('calls-reuse', a, server, async () => {
        await Promise.all([a, b, c].map((p) => openRoom(p, server, roomId)));
        await enterCall(a, 'Start call');
        await enterCall(b, 'Join call');
        await enterCall(c, 'Join call');
        const [idA, idB, idC] = await Promise.all([a, b, c].map(myId));
        await expectReceiving(a, [idB!, idC!]);
        // Chidi leaves, and Ada's page has applied the offer that stops sending his tracks to her.
        await c.getByRole('button', { name: 'Leave call' }).click();
        await eventually(async () => expect(await a.locator(`.call-tiles [data-participant="${idC}"]`).count()).toBe(0));
        await Bun.sleep(1_000);
        // He comes back (a new participant): his tracks go out on the m-lines his old ones used.
        await enterCall(c, 'Join call');
        const idC2 = await myId(c);
        expect(idC2).not.toBe(idC);
        await expectReceiving(a, [idB!, idC2!]);
        await expectReceiving(b, [idA!, idC2!]);
        for (const p of [a, b, c]) expect(await p.locator('body').innerText()).not.toContain('Call problem');
        for (const p of [c, b, a]) await p.getByRole('button', { name: 'Leave call' }).click();
        await c.getByRole('button', { name: 'Start call' }).waitFor();
      });
    },
    TIMEOUT,
  );

  test(
    'the first person Ada receives leaves and comes back: her first m-lines pause and are reused, and no page has a call problem',
    async () => {
      const [a, b, c] = people.map((p) => p.page) as [typeof people[0]['page'], typeof people[0]['page'], typeof people[0]['page']];
      await withArtifactsOnFailure('calls-first-leaves', a, server, async () => {
        await Promise.all([a, b, c].map((p) => openRoom(p, server, roomId)));
        await enterCall(a, 'Start call');
        await enterCall(b, 'Join call');
        const idB = await myId(b);
        // Bola's tracks take the first m-lines of Ada's receiving connection (the BUNDLE tag).
        await expectReceiving(a, [idB!]);
        await enterCall(c, 'Join call');
        const idC = await myId(c);
        await expectReceiving(a, [idB!, idC!]);
        await b.getByRole('button', { name: 'Leave call' }).click();
        await eventually(async () => expect(await a.locator(`.call-tiles [data-participant="${idB}"]`).count()).toBe(0));
        await Bun.sleep(1_000);
        for (const p of [a, c]) expect(await p.locator('body').innerText()).not.toContain('Call problem');
        await expectReceiving(a, [idC!]);
        // She comes back: her new tracks go out on those first m-lines again.
        await enterCall(b, 'Join call');
        const idB2 = await myId(b);
        await expectReceiving(a, [idB2!, idC!]);
        for (const p of [a, b, c]) expect(await p.locator('body').innerText()).not.toContain('Call problem');
        for (const p of [c, b, a]) await p.getByRole('button', { name: 'Leave call' }).click();
        await c.getByRole('button', { name: 'Start call' }).waitFor();
      });
    },
    TIMEOUT,
  );

  test(
    "a call shows on the room's entry in the room list, wherever one is (live, and on a page loaded meanwhile)",
    async () => {
      const [a, , c] = people.map((p) => p.page) as [Page, Page, Page];
      await withArtifactsOnFailure('calls-badge', c, server, async () => {
        await c.goto(`${server.url}/`);
        await c.getByRole('navigation', { name: 'Rooms' }).waitFor();
        await waitConnected(c);
        const badge = c.locator(`#rl-call-${roomId}`);
        expect(await badge.isVisible()).toBe(false);
        await openRoom(a, server, roomId);
        await enterCall(a, 'Start call');
        await eventually(async () => expect(await badge.isVisible()).toBe(true));
        expect(await badge.getAttribute('title')).toBe('Call in progress');
        await c.reload();
        await c.getByRole('navigation', { name: 'Rooms' }).waitFor();
        expect(await badge.isVisible()).toBe(true);
        await waitConnected(c);
        await a.getByRole('button', { name: 'Leave call' }).click();
        await eventually(async () => expect(await badge.isVisible()).toBe(false));
      });
    },
    TIMEOUT,
  );

  test(
    'sharing the screen, stopping and sharing again, camera off and on: the others see each change, and no page has a call problem',
    async () => {
      const [a, b, c] = people.map((p) => p.page) as [Page, Page, Page];
      await withArtifactsOnFailure('calls-screen-twice', b, server, async () => {
        await Promise.all([a, b].map((p) => openRoom(p, server, roomId)));
        await enterCall(a, 'Start call');
        await enterCall(b, 'Join call');
        const idA = await myId(a);
        await expectReceiving(b, [idA]);
        for (let round = 0; round < 2; round++) {
          await a.getByRole('button', { name: 'Share screen' }).click();
          await a.getByRole('button', { name: 'Stop sharing' }).waitFor();
          await expectReceiving(b, [idA], { source: 'screen', audio: false });
          await eventually(async () => expect(await b.locator('.call-tiles .tile.screen').count()).toBe(1));
          // Ada sees her own screen as the others do, and her camera (from the local tracks).
          expect(await a.locator('.call-tiles .tile.self figcaption').allInnerTexts()).toEqual(['Your screen, as the others see it', 'You']);
          expect(await a.locator('#call-note-' + roomId).innerText()).toBe('You are sharing your screen.');
          await a.getByRole('button', { name: 'Stop sharing' }).click();
          await a.getByRole('button', { name: 'Share screen' }).waitFor();
          await eventually(async () => expect(await b.locator('.call-tiles .tile.screen').count()).toBe(0));
        }
        // The camera and microphone went on throughout.
        await expectReceiving(b, [idA]);
        // Camera off: no more frames from it; on again: frames again.
        await a.getByRole('button', { name: 'Camera off' }).click();
        await a.getByRole('button', { name: 'Camera on' }).waitFor();
        const frames = async () => total(await inbound(b), (x) => x.participant === idA && x.source === 'cam', 'framesDecoded');
        const off = await expectStopped(frames, 1_500);
        await eventually(async () => expect(await a.locator('.call-tiles .tile.self').count()).toBe(0)); // her own view goes too
        // Bola sees that the camera is off (not Ada's last frame, frozen), on the tile and in the roster.
        const camTile = b.locator(`.call-tiles .tile.cam[data-participant="${idA}"]`);
        await eventually(async () => expect(await camTile.getAttribute('class')).toContain('off'));
        expect(await camTile.locator('figcaption').innerText()).toEndWith(': camera off');
        expect(await camTile.locator('video').isVisible()).toBe(false);
        expect(await b.locator(`.call-roster li[data-participant="${idA}"]`).innerText()).toContain('camera off');
        // Someone joining now sees it too (her tile for it is made after the roster came).
        await openRoom(c, server, roomId);
        await enterCall(c, 'Join call');
        const hers = c.locator(`.call-tiles .tile.cam[data-participant="${idA}"]`);
        await eventually(async () => expect(await hers.getAttribute('class')).toContain('off'));
        expect(await hers.locator('figcaption').innerText()).toEndWith(': camera off');
        await c.getByRole('button', { name: 'Leave call' }).click();
        await a.getByRole('button', { name: 'Camera on' }).click();
        await a.getByRole('button', { name: 'Camera off' }).waitFor();
        await eventually(async () => expect(await frames()).toBeGreaterThan(off + 10));
        await eventually(async () => expect(await camTile.locator('video').isVisible()).toBe(true));
        expect(await b.locator(`.call-roster li[data-participant="${idA}"]`).innerText()).not.toContain('camera off');
        for (const p of [a, b]) expect(await p.locator('body').innerText()).not.toContain('Call problem');
        for (const p of [b, a]) await p.getByRole('button', { name: 'Leave call' }).click();
        await b.getByRole('button', { name: 'Start call' }).waitFor();
      });
    },
    TIMEOUT,
  );

  test(
    'missing devices: a page without a camera still speaks; one with neither microphone nor camera still shares its screen',
    async () => {
      const a = people[0]!.page;
      // Fresh pages of Bola's and Chidi's accounts whose browsers lack devices (as a lab PC without a
      // webcam): getUserMedia refuses what they do not have, like Chrome's NotFoundError.
      const lacking = async (who: Signed, missing: ('audio' | 'video')[]) => {
        const page = await who.context.newPage();
        await page.addInitScript((missing: string[]) => {
          const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
          navigator.mediaDevices.getUserMedia = (c?: MediaStreamConstraints) =>
            missing.some((k) => c?.[k as 'audio' | 'video']) ? Promise.reject(new DOMException('Requested device not found', 'NotFoundError')) : real(c);
        }, missing);
        return page;
      };
      const b = await lacking(people[1]!, ['video']);
      const c = await lacking(people[2]!, ['audio', 'video']);
      await withArtifactsOnFailure('calls-no-devices', c, server, async () => {
        await Promise.all([a, b, c].map((p) => openRoom(p, server, roomId)));
        await enterCall(a, 'Start call');
        await enterCall(b, 'Join call');
        await enterCall(c, 'Join call');
        const [idA, idB, idC] = await Promise.all([a, b, c].map(myId));
        await eventually(async () => expect(await b.locator(`#call-note-${roomId}`).innerText()).toContain('Your camera could not be opened'));
        await eventually(async () => expect(await c.locator(`#call-note-${roomId}`).innerText()).toContain('You can still share your screen.'));
        // Bola is heard (no video from her); everyone receives Ada.
        await expectReceiving(a, [idB!], { video: false });
        await expectReceiving(b, [idA!]);
        await expectReceiving(c, [idA!]);
        // Chidi shares his screen: Ada sees it.
        await c.getByRole('button', { name: 'Share screen' }).click();
        await c.getByRole('button', { name: 'Stop sharing' }).waitFor();
        await expectReceiving(a, [idC!], { source: 'screen', audio: false });
        expect(await c.getByRole('button', { name: 'Mute' }).isVisible()).toBe(false);
        for (const p of [a, b, c]) expect(await p.locator('body').innerText()).not.toContain('Call problem');
        for (const p of [c, b, a]) await p.getByRole('button', { name: 'Leave call' }).click();
        await a.getByRole('button', { name: 'Start call' }).waitFor();
      });
      await Promise.all([b.close(), c.close()]);
    },
    TIMEOUT,
  );

  test(
    'a non-member cannot join a room’s call (the socket is closed with 4404)',
    async () => {
      const page = outsider.page;
      await page.goto(`${server.url}/`);
      const result = await page.evaluate(
        (room) =>
          new Promise<{ code: number; messages: string[] }>((resolve) => {
            const ws = new WebSocket(`ws://${location.host}/rtc`);
            const messages: string[] = [];
            ws.onopen = () => ws.send(JSON.stringify({ type: 'join', room, start: 'group' }));
            ws.onmessage = (e) => messages.push(String(e.data));
            ws.onclose = (e) => resolve({ code: e.code, messages });
          }),
        roomId,
      );
      expect(result.code).toBe(4404);
      expect(result.messages).toEqual([]);
      // And the room's call page is a 404 for them.
      expect((await page.request.get(`${server.url}/rooms/${roomId}/call`)).status()).toBe(404);
    },
    TIMEOUT,
  );
});
