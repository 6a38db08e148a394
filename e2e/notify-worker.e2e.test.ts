/**
 * Desktop notifications where a page may not make a Notification itself (Chrome on Android, where
 * the constructor throws): they are shown through the site's service worker instead
 * (views/client/notify.ts, server/features/offline/sw.js), and taken away the same way. Before,
 * such a browser was told it could not show them.
 * The constructor is made to throw as Android's does; the rest is Chromium's own.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, launchBrowser, startServer, stopAll, withArtifactsOnFailure, type TestServer } from './harness';
import { setHidden, turnOnNotifications } from './notify-helpers';
import { createCourseRoom, deleteMessage, eventually, importUsers, openRoom, send, signIn, type Account } from './chat-helpers';

const TIMEOUT = 120_000;

/** As Chrome on Android: `new Notification()` throws; permission and requestPermission work. */
function notificationsOnlyFromWorkers() {
  const Real = window.Notification;
  class PageOnly {
    static get permission() {
      return Real.permission;
    }
    static requestPermission() {
      return Real.requestPermission();
    }
    constructor() {
      throw new TypeError("Failed to construct 'Notification': Illegal constructor. Use ServiceWorkerRegistration.showNotification() instead.");
    }
  }
  Object.defineProperty(window, 'Notification', { value: PageOnly, configurable: true, writable: true });
}

const fromWorker = (page: Page) =>
  page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body, href: (n.data as { href?: string } | null)?.href ?? null })));

describeBrowser('notifications through the service worker (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let ada: Account, bola: Account;
  let roomId: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    [ada, bola] = (await importUsers(server, [
      { email: 'ada.phone@unilag.edu.ng', name: 'Ada Phone' },
      { email: 'bola.desk@unilag.edu.ng', name: 'Bola Desk' },
    ])) as [Account, Account];
    roomId = await createCourseRoom(server, 'MTH102', 'Calculus II', [ada, bola]);
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  test(
    'a browser that notifies only from workers (Android) is notified through the site worker; a deleted message takes it away',
    async () => {
      const [a, b] = await Promise.all([signIn(browser, server, ada), signIn(browser, server, bola)]);
      await a.context.grantPermissions(['notifications'], { origin: server.url });
      await a.page.addInitScript(notificationsOnlyFromWorkers);
      await withArtifactsOnFailure('notify-worker', a.page, server, async () => {
        await Promise.all([openRoom(a.page, server, roomId), openRoom(b.page, server, roomId)]);
        await a.page.evaluate(() => navigator.serviceWorker.ready);
        await turnOnNotifications(a.page);
        // The first one, which shows what they look like, came through the worker too.
        await eventually(async () => expect((await fromWorker(a.page)).map((n) => n.title)).toContain('Desktop notifications are on'));
        expect(await a.page.locator('#notify-state').innerText()).not.toContain('installed apps');

        await setHidden(a.page, true);
        await send(b.page, '@ada.phone the assignment is due Monday');
        await eventually(
          async () => expect(await fromWorker(a.page)).toContainEqual({ title: 'Bola Desk in MTH102 · Calculus II', body: '@ada.phone the assignment is due Monday', href: `/rooms/${roomId}` }),
          20_000,
        );
        await deleteMessage(b.page, '@ada.phone the assignment is due Monday');
        await eventually(async () => expect((await fromWorker(a.page)).map((n) => n.body)).not.toContain('@ada.phone the assignment is due Monday'), 20_000);
      });
      await Promise.all([a.context.close(), b.context.close()]);
    },
    TIMEOUT,
  );
});
