/**
 * The call bar stays true on an open page, in real Chromium: a call that started or ended while
 * the page was offline shows once it is back (no reload), and a member removed from the room by an
 * administrator loses the call buttons (added back, they return).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import { statusText, waitConnected, type Signed } from './chat-helpers';
import { enterCall, eventually, launchCallBrowser, openRoom, roomWithPeople, startCallServer } from './calls-helpers';

const TIMEOUT = 120_000;

describeBrowser('the call bar on an open page (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let roomId: string;
  let ada: Page;
  let bola: Page;
  let admin: Page;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startCallServer(), launchCallBrowser()]);
    const r = await roomWithPeople(
      server,
      browser,
      'CSC306',
      [
        { email: 'ada.bar@unilag.edu.ng', name: 'Ada Bar' },
        { email: 'bola.bar@unilag.edu.ng', name: 'Bola Bar' },
      ],
      [{ email: 'it.bar@unilag.edu.ng', name: 'IT Admin', role: 'admin' }],
    );
    roomId = r.roomId;
    [ada, bola] = r.signed.map((s: Signed) => s.page) as [Page, Page];
    admin = r.outside[0]!.page;
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  const status = (p: Page) => p.locator(`#call-status-${roomId}`).innerText();
  const visible = (p: Page, name: string) => p.getByRole('button', { name, exact: true }).isVisible();

  test(
    'a call that starts, or ends, while a page is offline shows on it once it is back',
    async () => {
      await withArtifactsOnFailure('calls-bar-offline', ada, server, async () => {
        await Promise.all([openRoom(ada, server, roomId), openRoom(bola, server, roomId)]);
        expect(await visible(ada, 'Start call')).toBe(true);

        await ada.context().setOffline(true);
        await eventually(async () => expect(await statusText(ada)).not.toBe(''));
        await enterCall(bola, 'Start call');
        await Bun.sleep(500);
        await ada.context().setOffline(false);
        await waitConnected(ada);
        await eventually(async () => expect(await status(ada)).toBe('Call in progress · 1 person'));
        expect(await visible(ada, 'Join call')).toBe(true);
        expect(await visible(ada, 'Start call')).toBe(false);
        // Swapped inside a live region that stays, so a screen reader says it (one replaced whole is not read).
        expect(await ada.locator(`.call-live[role="status"] > #call-status-${roomId}`).count()).toBe(1);
        expect(await bola.locator(`.call-live[role="status"] > #call-status-${roomId}`).count()).toBe(1);

        await ada.context().setOffline(true);
        await eventually(async () => expect(await statusText(ada)).not.toBe(''));
        await bola.getByRole('button', { name: 'Leave call' }).click();
        await bola.getByRole('button', { name: 'Start call' }).waitFor();
        await ada.context().setOffline(false);
        await waitConnected(ada);
        await eventually(async () => expect(await visible(ada, 'Start call')).toBe(true));
        expect(await status(ada)).toBe('');
        expect(await visible(ada, 'Join call')).toBe(false);
      });
    },
    TIMEOUT,
  );

  test(
    'a member removed from the room during a call loses the call buttons; added back, she can join',
    async () => {
      await withArtifactsOnFailure('calls-bar-removed', ada, server, async () => {
        await Promise.all([openRoom(ada, server, roomId), openRoom(bola, server, roomId)]);
        await enterCall(bola, 'Start call');
        await eventually(async () => expect(await visible(ada, 'Join call')).toBe(true));

        await admin.goto(`${server.url}/admin/rooms/${roomId}`);
        await admin.getByRole('button', { name: 'Remove Ada Bar' }).click();
        await admin.getByRole('button', { name: 'Yes, remove' }).click();
        await admin.waitForURL(/done=removed/);
        await eventually(async () => expect(await ada.locator('.banner').innerText()).toContain('You were removed from this room'));
        await eventually(async () => expect(await visible(ada, 'Join call')).toBe(false));
        expect(await visible(ada, 'Start call')).toBe(false);

        await admin.getByLabel('Email').fill('ada.bar@unilag.edu.ng');
        await admin.getByRole('button', { name: 'Add member' }).click();
        await admin.waitForURL(/done=added/);
        await eventually(async () => expect(await visible(ada, 'Join call')).toBe(true));
        expect(await status(ada)).toBe('Call in progress · 1 person');
        expect(await ada.locator('.banner').count()).toBe(0);
        await enterCall(ada, 'Join call');
        for (const p of [ada, bola]) await p.getByRole('button', { name: 'Leave call' }).click();
      });
    },
    TIMEOUT,
  );

  test(
    'a bar fetched while a call ends, or a status fetched while one starts, does not undo what was pushed meanwhile',
    async () => {
      await withArtifactsOnFailure('calls-bar-late-answer', ada, server, async () => {
        await openRoom(bola, server, roomId);
        await enterCall(bola, 'Start call');

        // Ada opens the room during the call; the answer to her bar's fetch (read while the call ran)
        // is held until the call has ended and the end was pushed to her page.
        let ended!: () => void;
        const endedNow = new Promise<void>((r) => (ended = r));
        let asked!: () => void;
        const askedNow = new Promise<void>((r) => (asked = r));
        const bar = `${server.url}/rooms/${roomId}/call`;
        await ada.route(bar, async (route) => {
          const response = await route.fetch();
          asked();
          await endedNow;
          await route.fulfill({ response });
        });
        await ada.goto(`${server.url}/rooms/${roomId}`);
        await askedNow;
        await waitConnected(ada);
        await bola.getByRole('button', { name: 'Leave call' }).click();
        await bola.getByRole('button', { name: 'Start call' }).waitFor();
        await Bun.sleep(1_000); // the end's push reaches Ada's page, which has no bar yet
        ended();
        await ada.locator(`#call-${roomId}`).waitFor({ state: 'attached' });
        await ada.unroute(bar);
        await eventually(async () => expect(await visible(ada, 'Start call')).toBe(true));
        expect(await visible(ada, 'Join call')).toBe(false);
        expect(await status(ada)).toBe('');

        // Back offline and online: the page fetches its status again (a call may have started
        // meanwhile); that answer, read before Bola starts a call, is held until the start was pushed.
        let started!: () => void;
        const startedNow = new Promise<void>((r) => (started = r));
        let read!: () => void;
        const readNow = new Promise<void>((r) => (read = r));
        const refresh = `${server.url}/rooms/${roomId}/call/status`;
        await ada.route(refresh, async (route) => {
          const response = await route.fetch();
          read();
          await startedNow;
          // The page may have given up on it (htmx cancels a fetch for an element taken out of the page).
          await route.fulfill({ response }).catch(() => {});
        });
        await ada.context().setOffline(true);
        await eventually(async () => expect(await statusText(ada)).not.toBe(''));
        await ada.context().setOffline(false);
        await readNow;
        await enterCall(bola, 'Start call');
        await Bun.sleep(1_000); // the start's push reaches Ada's page while her fetch is held
        started();
        await ada.unroute(refresh);
        await eventually(async () => expect(await visible(ada, 'Join call')).toBe(true));
        await Bun.sleep(500); // the held answer has landed by now, if it is going to
        expect(await visible(ada, 'Join call')).toBe(true);
        expect(await status(ada)).toBe('Call in progress · 1 person');
        await bola.getByRole('button', { name: 'Leave call' }).click();
      });
    },
    TIMEOUT,
  );
});
