/**
 * Reactions in real Chromium: React opens the set, a pick shows a chip with its count on every
 * member's page, pressed only on the pages of those who reacted (each page keeps its own pressed
 * chips when another member's reaction arrives: the push serves everyone), a chip toggles one's own,
 * another tab of the same person follows her change, a page that was offline catches up, and a
 * reaction leaves an open edit box alone (reactions are not changes of the message).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, launchBrowser, startServer, stopAll, withArtifactsOnFailure, type TestServer } from './harness';
import { createCourseRoom, eventually, expectLog, importUsers, messageArticle, openRoom, send, signIn, waitConnected, type Account, type Signed } from './chat-helpers';

const TIMEOUT = 120_000;
const TEXT = 'The test moves to Friday, 9 am, LT2';

/** The message's chips as "👍 2 pressed" / "🙏 1" (found by its text, or by its open edit box). */
const chips = (page: Page, editing = false) =>
  (editing ? page.locator('article.msg').filter({ has: page.locator('.edit-form') }) : messageArticle(page, TEXT))
    .locator('.reactions .rx')
    .evaluateAll((bs) => bs.map((b) => `${b.textContent!.replace(/\s+/g, ' ').trim()}${b.getAttribute('aria-pressed') === 'true' ? ' pressed' : ''}`));

describeBrowser('reactions (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let lecturer: Account, ada: Account, bola: Account;
  let l: Signed, a: Signed, b: Signed;
  let roomId: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    [lecturer, ada, bola] = (await importUsers(server, [
      { email: 'okafor.react@unilag.edu.ng', name: 'Dr Okafor', role: 'lecturer' },
      { email: 'ada.react@unilag.edu.ng', name: 'Ada Obi' },
      { email: 'bola.react@unilag.edu.ng', name: 'Bola Ade' },
    ])) as [Account, Account, Account];
    roomId = await createCourseRoom(server, 'CHM101', 'General Chemistry', [{ ...lecturer, roomRole: 'owner' }, ada, bola]);
    [l, a, b] = await Promise.all([signIn(browser, server, lecturer), signIn(browser, server, ada), signIn(browser, server, bola)]);
    await Promise.all([openRoom(l.page, server, roomId), openRoom(a.page, server, roomId), openRoom(b.page, server, roomId)]);
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  test(
    'a reaction shows on every page, pressed only for those who reacted; chips toggle; another tab follows',
    async () => {
      await withArtifactsOnFailure('chat-reactions', a.page, server, async () => {
        await send(l.page, TEXT);
        await expectLog(a.page, [TEXT]);
        await expectLog(b.page, [TEXT]);

        // Ada: React → the set → Thumbs up. Escape closes the menu first time round.
        const art = messageArticle(a.page, TEXT);
        await art.hover();
        await art.getByRole('button', { name: 'React' }).click();
        await art.getByRole('group').waitFor();
        expect(await art.getByRole('group').getByRole('button').evaluateAll((bs) => bs.map((x) => x.getAttribute('aria-label')))).toEqual(['Thumbs up', 'Heart', 'Laughing', 'Surprised', 'Sad', 'Thank you']);
        await a.page.keyboard.press('Escape');
        expect(await art.getByRole('group').count()).toBe(0);
        await art.hover();
        await art.getByRole('button', { name: 'React' }).click();
        await art.getByRole('group').getByRole('button', { name: 'Thumbs up' }).click();
        await eventually(async () => expect(await chips(a.page)).toEqual(['👍 1 pressed']));
        await eventually(async () => expect(await chips(b.page)).toEqual(['👍 1']));
        await eventually(async () => expect(await chips(l.page)).toEqual(['👍 1']));

        // Bola presses the chip: 2 everywhere; Ada's stays pressed on her page, Bola's is now pressed on his.
        await messageArticle(b.page, TEXT).getByRole('button', { name: 'Thumbs up: 1' }).click();
        await eventually(async () => expect(await chips(b.page)).toEqual(['👍 2 pressed']));
        await eventually(async () => expect(await chips(a.page)).toEqual(['👍 2 pressed']));
        await eventually(async () => expect(await chips(l.page)).toEqual(['👍 2']));

        // Ada's second tab (rendered for her): pressed; she takes hers back in the first: the second follows.
        const second = await a.context.newPage();
        await openRoom(second, server, roomId);
        expect(await chips(second)).toEqual(['👍 2 pressed']);
        await messageArticle(a.page, TEXT).getByRole('button', { name: 'Thumbs up: 2' }).click();
        await eventually(async () => expect(await chips(a.page)).toEqual(['👍 1']));
        await eventually(async () => expect(await chips(second)).toEqual(['👍 1']));
        await eventually(async () => expect(await chips(b.page)).toEqual(['👍 1 pressed']));

        // The lecturer adds 🙏 from the menu: the chips keep the set's order; nobody else's is pressed.
        const lart = messageArticle(l.page, TEXT);
        await lart.hover();
        await lart.getByRole('button', { name: 'React' }).click();
        await lart.getByRole('group').getByRole('button', { name: 'Thank you' }).click();
        await eventually(async () => expect(await chips(l.page)).toEqual(['👍 1', '🙏 1 pressed']));
        await eventually(async () => expect(await chips(b.page)).toEqual(['👍 1 pressed', '🙏 1']));
        await eventually(async () => expect(await chips(second)).toEqual(['👍 1', '🙏 1']));
        await second.close();

        // Bola offline while Ada reacts: back online, his page catches up (with his own chip still pressed).
        await b.context.setOffline(true);
        await eventually(async () => expect(await b.page.locator('.app').getAttribute('data-conn')).toBe('down'));
        const again = messageArticle(a.page, TEXT);
        await again.hover();
        await again.getByRole('button', { name: 'React' }).click();
        await again.getByRole('group').getByRole('button', { name: 'Heart' }).click();
        await eventually(async () => expect(await chips(a.page)).toEqual(['👍 1', '❤️ 1 pressed', '🙏 1']));
        await b.context.setOffline(false);
        await waitConnected(b.page, 30_000);
        await eventually(async () => expect(await chips(b.page)).toEqual(['👍 1 pressed', '❤️ 1', '🙏 1']), 20_000);

        // A reaction while the lecturer edits the message: his edit box, and what he typed, stay.
        const mine = messageArticle(l.page, TEXT);
        await mine.hover();
        await mine.getByRole('button', { name: 'Edit' }).click();
        const box = l.page.locator('.edit-form textarea');
        await box.fill('The test moves to Friday, 10 am');
        await messageArticle(b.page, TEXT).getByRole('button', { name: 'Heart: 1' }).click();
        await eventually(async () => expect(await chips(l.page, true)).toEqual(['👍 1', '❤️ 2', '🙏 1 pressed']));
        expect(await box.inputValue()).toBe('The test moves to Friday, 10 am');
      });
    },
    TIMEOUT,
  );
});
