/**
 * Announcements-only rooms in real Chromium: the lecturer (the room's owner) turns it on from the
 * people page; a student's open room page loses its composer at once and shows the bar, while the
 * lecturer's keeps it; the student still reacts; turned off, the student's composer is back
 * without a reload and her message goes through.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { describeBrowser, launchBrowser, startServer, stopAll, withArtifactsOnFailure, type TestServer } from './harness';
import { createCourseRoom, eventually, expectLog, importUsers, messageArticle, openRoom, send, signIn, type Account, type Signed } from './chat-helpers';
import { axe } from './axe';

const TIMEOUT = 120_000;

describeBrowser('announcements-only rooms (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let l: Signed, a: Signed;
  let roomId: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    const [lecturer, ada] = (await importUsers(server, [
      { email: 'okafor.ann@unilag.edu.ng', name: 'Dr Okafor', role: 'lecturer' },
      { email: 'ada.ann@unilag.edu.ng', name: 'Ada Obi' },
    ])) as [Account, Account];
    roomId = await createCourseRoom(server, 'GST101', 'Use of English', [{ ...lecturer, roomRole: 'owner' }, ada]);
    [l, a] = await Promise.all([signIn(browser, server, lecturer), signIn(browser, server, ada)]);
    await openRoom(a.page, server, roomId);
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  test(
    'turned on, a student’s open page loses its composer and shows the bar; she still reacts; turned off, she writes again',
    async () => {
      await withArtifactsOnFailure('chat-announcements', a.page, server, async () => {
        const composer = a.page.getByRole('textbox', { name: 'Message' });
        expect(await composer.isVisible()).toBe(true);
        await l.page.goto(`${server.url}/rooms/${roomId}/members`);
        await l.page.getByRole('button', { name: 'Only the lecturer and the moderators post (announcements)' }).click();
        await l.page.getByText('Only the room’s leaders post here now').waitFor();
        await axe(l.page, 'people page of an announcements-only room');

        await eventually(async () => expect(await composer.isVisible()).toBe(false));
        expect(await a.page.getByRole('status').filter({ hasText: 'Announcements: only the lecturer and the room’s moderators post here.' }).isVisible()).toBe(true);
        expect(await a.page.getByText('Attach file').isVisible()).toBe(false);
        await axe(a.page, 'room page of a reader in an announcements-only room');

        await openRoom(l.page, server, roomId);
        await send(l.page, 'No lecture on Monday: public holiday.');
        await expectLog(a.page, ['No lecture on Monday: public holiday.']);
        const art = messageArticle(a.page, 'No lecture on Monday');
        await art.hover();
        expect(await art.getByRole('button', { name: /^Reply/ }).isVisible()).toBe(false);
        await art.getByRole('button', { name: /^React/ }).click();
        await a.page.getByRole('button', { name: 'Thumbs up' }).click();
        await eventually(async () => expect(await art.locator('.reactions').innerText()).toContain('1'));

        await l.page.goto(`${server.url}/rooms/${roomId}/members`);
        await l.page.getByRole('button', { name: 'Let everyone post' }).click();
        await l.page.getByText('Everyone in the room posts again.').waitFor();
        await eventually(async () => expect(await composer.isVisible()).toBe(true));
        await send(a.page, 'Thank you, sir.');
        await expectLog(a.page, ['No lecture on Monday: public holiday.', 'Thank you, sir.']);
      });
    },
    TIMEOUT,
  );
});
