/**
 * Replies in real Chromium: Reply on a message, "Replying to …" above the composer, the reply
 * quoting it on every member's page (live and after a reload), a click on the quote taking the
 * reader to the message, Cancel reply, a reply written offline (it waits in the outbox with what it
 * answers), and the quote following the answered message: edited, then deleted, on open pages.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, launchBrowser, startServer, stopAll, withArtifactsOnFailure, type TestServer } from './harness';
import { createCourseRoom, deleteMessage, eventually, expectLog, importUsers, messageArticle, openRoom, reloadRoom, send, signIn, waitConnected, type Account, type Signed } from './chat-helpers';

const TIMEOUT = 120_000;

async function reply(page: Page, to: string, text: string) {
  const art = messageArticle(page, to);
  await art.hover();
  await art.getByRole('button', { name: 'Reply' }).click();
  await page.locator('.replying').getByText(`Replying to`).waitFor();
  // The composer has the focus: typing goes straight in.
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('message');
  await send(page, text);
}

/** The quote shown in the message whose text is `text`. */
const quoteIn = (page: Page, text: string) => messageArticle(page, text).locator('.quote');
/** What the quote says (a screen reader's words: "In reply to Bola Ade …"). */
const quoteWords = async (page: Page, text: string) => ((await quoteIn(page, text).textContent()) ?? '').replace(/\s+/g, ' ').trim();

describeBrowser('replies (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let ada: Account, bola: Account;
  let a: Signed, b: Signed;
  let roomId: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    [ada, bola] = (await importUsers(server, [
      { email: 'ada.replies@unilag.edu.ng', name: 'Ada Obi' },
      { email: 'bola.replies@unilag.edu.ng', name: 'Bola Ade' },
    ])) as [Account, Account];
    roomId = await createCourseRoom(server, 'PHY101', 'Mechanics', [ada, bola]);
    [a, b] = await Promise.all([signIn(browser, server, ada), signIn(browser, server, bola)]);
    await Promise.all([openRoom(a.page, server, roomId), openRoom(b.page, server, roomId)]);
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  test(
    'a reply quotes what it answers on every page; the quote leads to it and follows its edits and deletion',
    async () => {
      await withArtifactsOnFailure('chat-replies', a.page, server, async () => {
        await send(b.page, 'Is the lab report due on Friday?');
        await send(b.page, 'Also, which room is the tutorial in?');
        await expectLog(a.page, ['Is the lab report due on Friday?', 'Also, which room is the tutorial in?']);

        await reply(a.page, 'Is the lab report due on Friday?', 'Yes, at noon');
        expect(await a.page.locator('.replying').isHidden()).toBe(true);
        for (const p of [a.page, b.page]) {
          await eventually(async () => expect(await quoteWords(p, 'Yes, at noon')).toBe('In reply to Bola Ade Is the lab report due on Friday?'));
        }

        // Cancel reply: the next message is plain.
        const second = messageArticle(a.page, 'Also, which room is the tutorial in?');
        await second.hover();
        await second.getByRole('button', { name: 'Reply' }).click();
        await a.page.getByRole('button', { name: 'Cancel reply' }).click();
        expect(await a.page.locator('.replying').isHidden()).toBe(true);
        await send(a.page, 'No idea, sorry');
        await expectLog(b.page, ['Is the lab report due on Friday?', 'Also, which room is the tutorial in?', 'Yes, at noon', 'No idea, sorry']);
        expect(await quoteIn(b.page, 'No idea, sorry').count()).toBe(0);

        // Written offline: it waits in the outbox with what it answers, and goes out quoting it.
        await a.context.setOffline(true);
        await eventually(async () => expect(await a.page.locator('.app').getAttribute('data-conn')).toBe('down'));
        await reply(a.page, 'Also, which room is the tutorial in?', 'Room 2B, I think');
        await a.context.setOffline(false);
        await waitConnected(a.page, 30_000);
        await eventually(async () => expect(await quoteWords(b.page, 'Room 2B, I think')).toBe('In reply to Bola Ade Also, which room is the tutorial in?'), 30_000);

        // The quote leads to the message it answers (in the page: scrolled to, marked a moment).
        await quoteIn(b.page, 'Yes, at noon').click();
        await eventually(async () => expect(await messageArticle(b.page, 'Is the lab report due on Friday?').getAttribute('class')).toContain('flash'), 5_000);
        expect(b.page.url()).toBe(`${server.url}/rooms/${roomId}`);

        // Bola edits his question: the quote on Ada's open page follows.
        const q = messageArticle(b.page, 'Is the lab report due on Friday?');
        await q.hover();
        await q.getByRole('button', { name: 'Edit' }).click();
        const box = b.page.locator('.edit-form textarea');
        await box.fill('Is the lab report due on Friday at noon?');
        await b.page.locator('.edit-form').getByRole('button', { name: 'Save' }).click();
        await eventually(async () => expect(await quoteWords(a.page, 'Yes, at noon')).toBe('In reply to Bola Ade Is the lab report due on Friday at noon?'));

        // ...then deletes it: the quote says only that it was deleted, live and after a reload.
        await deleteMessage(b.page, 'Is the lab report due on Friday at noon?');
        await eventually(async () => expect(await quoteWords(a.page, 'Yes, at noon')).toBe('In reply to a deleted message'));
        expect(await a.page.locator('.log').innerText()).not.toContain('due on Friday');
        await reloadRoom(a);
        expect(await quoteWords(a.page, 'Yes, at noon')).toBe('In reply to a deleted message');
        expect(await quoteWords(a.page, 'Room 2B, I think')).toBe('In reply to Bola Ade Also, which room is the tutorial in?');
      });
    },
    TIMEOUT,
  );
});
