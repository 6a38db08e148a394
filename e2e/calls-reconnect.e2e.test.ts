/**
 * A call survives losing its signalling connection: the server restarts mid-call (a deploy; the
 * same happens when a phone switches networks and its connection drops). Each page joins again by
 * itself, the first one back starts the call again, and each keeps its choices: a muted person is
 * still muted, an audio-only one still gets no video.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import { enterCall, eventually, expectReceiving, inbound, launchCallBrowser, myId, openRoom, roomWithPeople, startCallServer, total } from './calls-helpers';

const TIMEOUT = 120_000;

describeBrowser('calls after a lost connection (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let roomId: string;
  let a: Page;
  let b: Page;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startCallServer(), launchCallBrowser()]);
    const r = await roomWithPeople(server, browser, 'CSC305', [
      { email: 'ada.back@unilag.edu.ng', name: 'Ada Back' },
      { email: 'bola.back@unilag.edu.ng', name: 'Bola Back' },
    ]);
    roomId = r.roomId;
    [a, b] = r.signed.map((s) => s.page) as [Page, Page];
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  test(
    'the server restarts mid-call: both pages are back in a call by themselves, Ada still muted, Bola still audio-only',
    async () => {
      await withArtifactsOnFailure('calls-reconnect', a, server, async () => {
        await Promise.all([a, b].map((p) => openRoom(p, server, roomId)));
        await enterCall(a, 'Start call');
        await enterCall(b, 'Join call');
        const [idA, idB] = await Promise.all([a, b].map(myId));
        await expectReceiving(a, [idB!]);
        await expectReceiving(b, [idA!]);
        await a.getByRole('button', { name: 'Mute' }).click();
        await a.getByRole('button', { name: 'Unmute' }).waitFor();
        await b.getByRole('button', { name: 'Audio only' }).click();
        await eventually(async () => expect(await b.getByRole('button', { name: 'Audio only' }).getAttribute('aria-pressed')).toBe('true'));

        await server.restart();
        const note = (p: Page) => p.locator(`#call-note-${roomId}`).innerText();
        // Both pages come back as new participants (the restarted server knew no call).
        const [idA2, idB2] = await Promise.all(
          [a, b].map(async (p, i) => {
            let id = '';
            await eventually(async () => {
              id = await myId(p);
              expect(id).not.toBe('');
              expect(id).not.toBe([idA, idB][i]);
            }, 40_000);
            return id;
          }),
        );
        for (const p of [a, b]) await eventually(async () => expect(await note(p)).toBe('You are in the call.'));
        // Ada still muted: her button says so once her microphone is open again (no button before:
        // "You are in the call." comes first, the devices after), and Bola gets no audio from her.
        await a.getByRole('button', { name: 'Unmute' }).waitFor({ timeout: 15_000 });
        expect(await a.getByRole('button', { name: 'Mute', exact: true }).isVisible()).toBe(false);
        await expectReceiving(a, [idB2!]);
        await Bun.sleep(1_500);
        const fromA = async (key: 'packets' | 'bytes', kind: 'audio' | 'video') => total(await inbound(b), (s) => s.participant === idA2 && s.kind === kind, key);
        expect(await fromA('packets', 'audio')).toBe(0);
        // Bola still audio-only: no video from Ada reaches her.
        expect(await b.getByRole('button', { name: 'Audio only' }).getAttribute('aria-pressed')).toBe('true');
        expect(await fromA('bytes', 'video')).toBe(0);
        // And the path works: unmuted, she is heard.
        await a.getByRole('button', { name: 'Unmute' }).click();
        await eventually(async () => expect(await fromA('packets', 'audio')).toBeGreaterThan(20));
        for (const p of [a, b]) expect(await p.locator('body').innerText()).not.toContain('Call problem');
        for (const p of [b, a]) await p.getByRole('button', { name: 'Leave call' }).click();
        await a.getByRole('button', { name: 'Start call' }).waitFor();
      });
    },
    TIMEOUT,
  );

  test(
    '"Stop reconnecting" while the server is down: the page stays out of the call when it is back',
    async () => {
      await withArtifactsOnFailure('calls-reconnect-stop', a, server, async () => {
        await openRoom(a, server, roomId);
        await enterCall(a, 'Start call');
        await server.kill();
        const note = a.locator(`#call-note-${roomId}`);
        await eventually(async () => expect(await note.innerText()).toContain('Reconnecting…'));
        await note.getByRole('button', { name: 'Stop reconnecting' }).click();
        expect(await note.innerText()).toBe('You left the call.');
        await server.start();
        await Bun.sleep(6_000); // past the next attempts' delays
        expect(await a.evaluate(() => (window as any).letstalkCall())).toBeNull();
        expect(await note.innerText()).toBe('You left the call.');
      });
    },
    TIMEOUT,
  );

  test(
    '"Stop reconnecting" pressed while an attempt hangs (the address answers nothing) ends that attempt too',
    async () => {
      await withArtifactsOnFailure('calls-reconnect-stop-attempt', a, server, async () => {
        await openRoom(a, server, roomId);
        await enterCall(a, 'Start call');
        await server.kill();
        // The port accepts connections and never answers: the next join hangs while connecting.
        const port = Number(new URL(server.url).port);
        const hang = Bun.listen({ hostname: '127.0.0.1', port, socket: { data() {} } });
        try {
          const note = a.locator(`#call-note-${roomId}`);
          await eventually(async () => expect(await note.innerText()).toContain('Reconnecting…'));
          // An attempt under way: a client exists while the server is still unreachable.
          await eventually(async () => expect(await a.evaluate(() => (window as any).letstalkCall() !== null)).toBe(true), 10_000);
          await note.getByRole('button', { name: 'Stop reconnecting' }).click({ timeout: 5_000 });
          expect(await note.innerText()).toBe('You left the call.');
        } finally {
          hang.stop(true);
        }
        await server.start();
        await Bun.sleep(6_000);
        expect(await a.evaluate(() => (window as any).letstalkCall())).toBeNull();
        expect(await a.locator(`#call-note-${roomId}`).innerText()).toBe('You left the call.');
      });
    },
    TIMEOUT,
  );

  test(
    'a page back after a lost connection does not take the seat its person took on another device meanwhile',
    async () => {
      await withArtifactsOnFailure('calls-reconnect-elsewhere', a, server, async () => {
        await Promise.all([a, b].map((p) => openRoom(p, server, roomId)));
        await enterCall(b, 'Start call');
        await enterCall(a, 'Join call');
        // Ada's laptop loses its connection (the server sees it go) and cannot get back at once. Closed
        // first, then offline (the next attempt is a second away): a close asked for while offline
        // may wait for its handshake for longer than the test does (seen once in CI).
        await a.evaluate(() => (window as any).letstalkCall().ws.close(4000));
        await a.context().setOffline(true);
        const note = a.locator(`#call-note-${roomId}`);
        await eventually(async () => expect(await note.innerText()).toContain('Reconnecting…'));
        // ...so she joins on her phone (the same account in another browser).
        const phoneContext = await browser.newContext();
        await phoneContext.addCookies(await a.context().cookies());
        const phone = await phoneContext.newPage();
        try {
          await openRoom(phone, server, roomId);
          await enterCall(phone, 'Join call');
          const phoneId = await myId(phone);
          // The laptop is back: it stays out, saying why, and the phone stays in.
          await a.context().setOffline(false);
          await eventually(async () => expect(await note.innerText()).toBe('You are in this call on another device or tab, so this page stays out of it.'), 30_000);
          await Bun.sleep(3_000); // past the next attempt's delay: no attempt follows
          expect(await a.evaluate(() => (window as any).letstalkCall())).toBeNull();
          expect(await note.innerText()).toBe('You are in this call on another device or tab, so this page stays out of it.');
          expect(await myId(phone)).toBe(phoneId);
          expect(await phone.locator(`#call-note-${roomId}`).innerText()).not.toContain('somewhere else');
          for (const p of [phone, b]) await p.getByRole('button', { name: 'Leave call' }).click();
        } finally {
          await phoneContext.close();
        }
      });
    },
    TIMEOUT,
  );
});
