/**
 * A room on a 360×740 phone, as QA's student used it: a file message names its kind in a few words
 * ("Word document", not the three lines of its media type), whether it arrives live or with the page;
 * Edit on the newest message brings the edit box's Save and Cancel into view (they opened below the
 * visible part of the message list).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, launchBrowser, startServer, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import { createCourseRoom, eventually, expectLog, importUsers, messageArticle, openRoom, reloadRoom, send, signIn, type Account, type Signed } from './chat-helpers';

const TIMEOUT = 120_000;
const WAIT = 30_000;
const PHONE = { viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true };
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

describeBrowser('a room on a 360 px phone (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let a: Signed, b: Signed;
  let roomId: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    const [ada, bola] = (await importUsers(server, [
      { email: 'ada.eze@unilag.edu.ng', name: 'Ada Eze' },
      { email: 'bola.ade@unilag.edu.ng', name: 'Bola Ade' },
    ])) as [Account, Account];
    roomId = await createCourseRoom(server, 'GST101', 'Use of English', [ada, bola]);
    [a, b] = await Promise.all([signIn(browser, server, ada, PHONE), signIn(browser, server, bola, PHONE)]);
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  /** The file message's size-and-kind line: its text, title and how many lines it takes. */
  const fileInfo = (page: Page, name: string) =>
    page
      .getByRole('log', { name: 'Messages' })
      .locator('article.msg', { has: page.getByRole('link', { name }) })
      .locator('.file-info')
      .evaluate((el) => ({ text: el.textContent, title: el.getAttribute('title'), lines: Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)) }));

  test(
    'a .docx shows "Word document", live and after a reload, on one line',
    async () => {
      await withArtifactsOnFailure('phone-file-kind', b.page, server, async () => {
        await Promise.all([openRoom(a.page, server, roomId), openRoom(b.page, server, roomId)]);
        const name = 'Group 4 essay final.docx';
        await a.page.getByLabel('Attach file').setInputFiles({ name, mimeType: DOCX, buffer: Buffer.alloc(48 * 1024, 7) });
        const want = { text: '48 KB · Word document', title: DOCX, lines: 1 };
        // Pushed over the socket to the other member, then rendered with the page.
        await b.page.getByRole('log', { name: 'Messages' }).getByRole('link', { name }).waitFor({ timeout: WAIT });
        expect(await fileInfo(b.page, name)).toEqual(want);
        await reloadRoom(b);
        expect(await fileInfo(b.page, name)).toEqual(want);
        expect(await b.page.evaluate(() => document.documentElement.scrollWidth)).toBe(360);
      });
    },
    TIMEOUT,
  );

  test(
    'Edit on the newest of several messages: Save and Cancel are on the screen and in the visible part of the message list',
    async () => {
      await withArtifactsOnFailure('phone-edit', a.page, server, async () => {
        await openRoom(a.page, server, roomId);
        const texts = Array.from({ length: 8 }, (_, i) => `Question ${i + 1}: who has the past questions for the GST test on Friday morning in the main auditorium?`);
        for (const t of texts) await send(a.page, t);
        const log = a.page.getByRole('log', { name: 'Messages' });
        await expectLog(a.page, [expect.stringContaining('48 KB'), ...texts] as string[], WAIT);
        // The list is scrolled to its end, as after sending.
        await log.evaluate((el) => (el.scrollTop = el.scrollHeight));
        // by id: while the edit box is open the article has no .body to find it by
        const last = a.page.locator(`article#${await messageArticle(a.page, texts.at(-1)!).getAttribute('id')}`);
        await last.getByRole('button', { name: /^Edit/ }).tap();
        await last.getByRole('textbox', { name: 'Edit message' }).waitFor();
        const viewport = a.page.viewportSize()!;
        const logBox = (await log.boundingBox())!;
        for (const name of ['Save', 'Cancel']) {
          // Smooth scrolling, if any, settles first.
          const box = await eventually(async () => {
            const b = (await last.getByRole('button', { name, exact: true }).boundingBox())!;
            expect({ name, onScreen: b.y >= 0 && b.y + b.height <= viewport.height, inLog: b.y >= logBox.y && b.y + b.height <= logBox.y + logBox.height }).toEqual({ name, onScreen: true, inLog: true });
            return b;
          }, 5_000);
          expect(box.height).toBeGreaterThan(0);
        }
        await last.getByRole('button', { name: 'Cancel', exact: true }).tap();
      });
    },
    TIMEOUT,
  );
});
