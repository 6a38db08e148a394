/**
 * Opening a page with no connection (server/features/offline): before, Chromium's own error page,
 * and only a manual reload brought the app back. Now the site's service worker answers with
 * "No connection", which tries again by itself every 15 s, and whose link tries at once.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { describeBrowser, launchBrowser, startServer, stopAll, withArtifactsOnFailure, type TestServer } from './harness';
import { createCourseRoom, importUsers, openRoom, signIn, type Account } from './chat-helpers';

const TIMEOUT = 120_000;

describeBrowser('no connection (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let ada: Account;
  let roomId: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    [ada] = (await importUsers(server, [{ email: 'ada.net@unilag.edu.ng', name: 'Ada Net' }])) as [Account];
    roomId = await createCourseRoom(server, 'GST121', 'Use of English', [ada]);
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  test(
    'a page opened offline says No connection, and comes back by itself once the network is back; Try again now does it at once',
    async () => {
      const a = await signIn(browser, server, ada);
      await withArtifactsOnFailure('offline-page', a.page, server, async () => {
        await openRoom(a.page, server, roomId);
        // The worker is registered after the page loads; once active it answers every later navigation.
        await a.page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
        const heading = a.page.getByRole('heading', { level: 1 });

        await a.context.setOffline(true);
        await a.page.goto(`${server.url}/rooms/${roomId}`);
        expect(await heading.innerText()).toBe('No connection');
        expect(await a.page.getByText('tries again every 15 seconds by itself').count()).toBe(1);
        // Styled like the app: the stylesheet came from the worker's cache.
        expect(await a.page.locator('main.card').evaluate((m) => getComputedStyle(m).maxWidth)).not.toBe('none');

        await a.context.setOffline(false);
        await a.page.waitForURL(`${server.url}/rooms/${roomId}`);
        await a.page.getByRole('log', { name: 'Messages' }).waitFor({ timeout: 40_000 });
        expect(await heading.innerText()).toBe('Use of English');

        await a.context.setOffline(true);
        await a.page.goto(`${server.url}/`);
        expect(await heading.innerText()).toBe('No connection');
        await a.context.setOffline(false);
        await a.page.getByRole('link', { name: 'Try again now' }).click();
        await a.page.getByRole('navigation', { name: 'Rooms' }).waitFor({ timeout: 10_000 });

        // A file's address opened offline is left to the browser: answered with the page, it showed
        // "No connection" and downloaded the file again at every refresh once back online.
        await a.context.setOffline(true);
        const opened = await a.page.goto(`${server.url}/files/0190aaaa-0000-7000-8000-000000000000/notes.pdf`).then(() => 'our page', (e: Error) => e.message);
        expect(opened).toContain('ERR_INTERNET_DISCONNECTED');
        await a.context.setOffline(false);
      });
      await a.context.close();
    },
    TIMEOUT,
  );
});
