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
import { waitConnected, type Signed } from './chat-helpers';
import { allowNotifications, clickNotification, made, setHidden, turnOnNotifications } from './notify-helpers';

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
    'a DM call and a lecture notify; a classmates’ call in the course room does not; the notification opens the room',
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
        await ada.page.getByRole('button', { name: 'Join call' }).waitFor({ timeout: 15_000 });
      });
    },
    TIMEOUT,
  );
});
