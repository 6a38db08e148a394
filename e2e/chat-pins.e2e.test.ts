/**
 * Pinned messages in real Chromium: the lecturer pins a message with Pin under it; every member's
 * page shows "📌 1 pinned message" at once; a student has no Pin; the list shows the message and
 * leads back to it; the lecturer unpins it there, and the bar goes from every page.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { describeBrowser, launchBrowser, startServer, stopAll, withArtifactsOnFailure, type TestServer } from './harness';
import { createCourseRoom, eventually, expectLog, importUsers, messageArticle, openRoom, send, signIn, type Account, type Signed } from './chat-helpers';
import { axe } from './axe';

const TIMEOUT = 120_000;
const TEXT = 'Exam on 12 December, 9 am, in LT1';

describeBrowser('pinned messages (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let l: Signed, a: Signed;
  let roomId: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    const [lecturer, ada] = (await importUsers(server, [
      { email: 'okafor.pins@unilag.edu.ng', name: 'Dr Okafor', role: 'lecturer' },
      { email: 'ada.pins@unilag.edu.ng', name: 'Ada Obi' },
    ])) as [Account, Account];
    roomId = await createCourseRoom(server, 'PHY101', 'Mechanics', [lecturer, ada]);
    [l, a] = await Promise.all([signIn(browser, server, lecturer), signIn(browser, server, ada)]);
    await Promise.all([openRoom(l.page, server, roomId), openRoom(a.page, server, roomId)]);
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  test(
    'the lecturer pins a message: every page shows the bar at once; the list leads back to it; unpinned, the bar goes',
    async () => {
      await withArtifactsOnFailure('chat-pins', a.page, server, async () => {
        await send(l.page, TEXT);
        await expectLog(a.page, [TEXT]);
        // A student has no Pin (the lecturer, the room's owners and moderators pin in a course room).
        const adas = messageArticle(a.page, TEXT);
        await adas.hover();
        expect(await adas.getByRole('button', { name: /^Pin/ }).isVisible()).toBe(false);

        const art = messageArticle(l.page, TEXT);
        await art.hover();
        await art.getByRole('button', { name: 'Pin message from Dr Okafor' }).click();
        await l.page.getByText('Pinned: it is at hand under “pinned messages” above.').waitFor();
        for (const p of [l.page, a.page]) await eventually(async () => expect(await p.locator(`#pins-${roomId}`).innerText()).toBe('📌 1 pinned message'));
        await axe(a.page, 'room page with a pinned message');

        await a.page.getByRole('link', { name: '1 pinned message' }).click();
        await a.page.getByRole('heading', { name: 'Pinned in Mechanics' }).waitFor();
        expect(await a.page.locator('.pinned-list').innerText()).toContain(TEXT);
        expect(await a.page.getByRole('button', { name: /Unpin/ }).count()).toBe(0);
        await axe(a.page, 'pinned messages (a student)');
        await a.page.getByRole('link', { name: 'Go to the message' }).click();
        await messageArticle(a.page, TEXT).waitFor();

        await l.page.goto(`${server.url}/rooms/${roomId}/pinned`);
        await l.page.getByRole('button', { name: 'Unpin the message from Dr Okafor' }).click();
        await l.page.getByText('The message was unpinned.').waitFor();
        expect(await l.page.getByText('Nothing is pinned in this room.').isVisible()).toBe(true);
        // Ada's page (the message in its page of history) follows without a reload.
        await eventually(async () => expect(await a.page.locator(`#pins-${roomId}`).isVisible()).toBe(false));
      });
    },
    TIMEOUT,
  );
});
