/**
 * A call rings in a background tab (views/client/notify.ts): with desktop notifications on, a call
 * starting in a conversation, or a lecture starting in her course, shows a notification while the
 * tab is hidden or another room is open; a call a few classmates start in a course room does not.
 * Before, a call showed only as a badge on the room list, which nobody sees in a hidden tab.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { describeBrowser, stopAll, withArtifactsOnFailure, type TestServer } from './harness';
import { enterCall, eventually, launchCallBrowser, openRoom, roomWithPeople, startCallServer } from './calls-helpers';
import { send, waitConnected, type Signed } from './chat-helpers';
import { allowNotifications, clickNotification, closedBodies, made, setHidden, turnOnNotifications } from './notify-helpers';

const TIMEOUT = 180_000;

describeBrowser('calls ring in a background tab (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let roomId: string;
  let lecturer: Signed, ada: Signed, bola: Signed;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startCallServer(), launchCallBrowser()]);
    const r = await roomWithPeople(server, browser, 'CSC411', [
      { email: 'dr.eze@unilag.edu.ng', name: 'Dr Eze', role: 'lecturer' as const },
      { email: 'ada.ring@unilag.edu.ng', name: 'Ada Ring' },
      { email: 'bola.ring@unilag.edu.ng', name: 'Bola Ring' },
    ]);
    roomId = r.roomId;
    [lecturer, ada, bola] = r.signed as [Signed, Signed, Signed];
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  test(
    'a DM call and a lecture notify; a classmates’ call in the course room does not; the notification opens the room, in a new tab while in a call; a call that ends takes its notification away',
    async () => {
      await withArtifactsOnFailure('calls-notify', ada.page, server, async () => {
        // Ada: notifications on, the course room open, then the tab hidden.
        await allowNotifications(ada.context, ada.page, server.url);
        await openRoom(ada.page, server, roomId);
        await turnOnNotifications(ada.page);
        await setHidden(ada.page, true);

        // Bola calls a few classmates in the course room: not for Ada's tray.
        await openRoom(bola.page, server, roomId);
        await enterCall(bola.page, 'Start call');
        await bola.page.getByRole('button', { name: 'Leave call' }).click();

        // Bola calls Ada directly.
        await bola.page.goto(`${server.url}/people?q=Ada`);
        await bola.page.getByRole('button', { name: 'Message Ada Ring' }).click();
        await bola.page.waitForURL(/\/rooms\/[\w-]+$/);
        const dmPath = new URL(bola.page.url()).pathname;
        await waitConnected(bola.page);
        await enterCall(bola.page, 'Start call');

        // The lecturer starts the lecture.
        await openRoom(lecturer.page, server, roomId);
        await enterCall(lecturer.page, 'Start lecture');

        await eventually(async () =>
          expect((await made(ada.page)).slice(1)).toEqual([
            { title: 'Call: Bola Ring', body: 'A call has started. Open the room to join.' },
            { title: 'Lecture: CSC411 · CSC411 call', body: 'A lecture has started. Open the room to join.' },
          ]),
          20_000,
        );
        await clickNotification(ada.page, 1);
        await ada.page.waitForURL(`${server.url}${dmPath}`);
        await setHidden(ada.page, false);
        await enterCall(ada.page, 'Join call');

        // In the call, a mention in the course room: its notification opens the room in a new tab,
        // and the call goes on in this one.
        await send(lecturer.page, '@ada.ring the slides are up');
        await eventually(async () => expect((await made(ada.page)).at(-1)).toEqual({ title: 'Dr Eze in CSC411 · CSC411 call', body: '@ada.ring the slides are up' }), 20_000);
        const opened = ada.context.waitForEvent('page');
        await clickNotification(ada.page, (await made(ada.page)).length - 1);
        const tab = await opened;
        await tab.waitForURL(`${server.url}/rooms/${roomId}`);
        expect(new URL(ada.page.url()).pathname).toBe(dmPath);
        await ada.page.getByRole('button', { name: 'Leave call' }).waitFor();
        await tab.close();

        // A call that rang and ended before she answered: its notification goes with it.
        await ada.page.getByRole('button', { name: 'Leave call' }).click();
        await bola.page.getByRole('button', { name: 'Leave call' }).click();
        await bola.page.getByRole('button', { name: 'Start call' }).waitFor();
        await setHidden(ada.page, true);
        await enterCall(bola.page, 'Start call');
        await eventually(async () => expect((await made(ada.page)).at(-1)).toEqual({ title: 'Call: Bola Ring', body: 'A call has started. Open the room to join.' }), 20_000);
        const RANG = 'A call has started. Open the room to join.';
        expect(await closedBodies(ada.page)).not.toContain(RANG);
        await bola.page.getByRole('button', { name: 'Leave call' }).click();
        await eventually(async () => expect(await closedBodies(ada.page)).toContain(RANG), 20_000);
      });
    },
    TIMEOUT,
  );
});
