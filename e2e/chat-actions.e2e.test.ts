/**
 * Where a message's actions (Edit, Delete, Report) show, in real Chromium. QA found them, laid over
 * the message's top right corner, covering the time on a phone and the end of the first line, and a
 * tap on a touch screen's corner pressing a button nobody could see. They now have a column of their
 * own in the header's row: showing them moves nothing and covers nothing; wherever there is a touch
 * screen (a phone, or a laptop with one) they are always shown, and tall enough for a finger.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Locator } from 'playwright-core';
import { artifactPath, describeBrowser, launchBrowser, startServer, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import { createCourseRoom, expectLog, importUsers, messageArticle, openRoom, send, signIn, type Account, type Signed } from './chat-helpers';

const TIMEOUT = 120_000;
const WAIT = 20_000;
const PHONE = { width: 360, height: 740 };
const LONG_NAME = 'Oluwaseyifunmi Adebanjo-Okonkwo Babatunde';
const TEXT = 'Please who has the past questions for the GST test on Friday morning in the main auditorium?';

type Box = { x: number; y: number; width: number; height: number };
const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

async function box(l: Locator): Promise<Box> {
  const b = await l.boundingBox();
  if (!b) throw new Error('not laid out');
  return b;
}

/** The actions' box does not cover the name, the time or any line of the text. */
async function coversNothing(art: Locator) {
  const actions = await box(art.locator('.actions'));
  expect(actions.width).toBeGreaterThan(20);
  for (const part of ['.who', 'time']) expect(overlaps(actions, await box(art.locator(part)))).toBe(false);
  // each line of the body: its client rects, read in the page
  const lines = await art.locator('.body').evaluate((body) => {
    const r = document.createRange();
    r.selectNodeContents(body);
    return [...r.getClientRects()].map((c) => ({ x: c.x, y: c.y, width: c.width, height: c.height }));
  });
  expect(lines.length).toBeGreaterThan(1);
  for (const line of lines) expect(overlaps(actions, line)).toBe(false);
}

describeBrowser('message actions (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let ada: Account, seyi: Account, tolu: Account, femi: Account;
  let roomId: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    [ada, seyi, tolu, femi] = (await importUsers(server, [
      { email: 'ada.eze@unilag.edu.ng', name: 'Ada Eze' },
      { email: 'seyi.adebanjo@unilag.edu.ng', name: LONG_NAME },
      { email: 'tolu.ade@unilag.edu.ng', name: 'Tolu Ade' },
      { email: 'femi.ojo@unilag.edu.ng', name: 'Femi Ojo' },
    ])) as Account[] as [Account, Account, Account, Account];
    roomId = await createCourseRoom(server, 'GST101', 'Use of English', [ada, seyi, tolu, femi]);
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  test(
    'on a phone with a mouse: shown on hover, they move nothing and cover neither the time nor the text',
    async () => {
      const [a, s] = await Promise.all([signIn(browser, server, ada, { viewport: PHONE }), signIn(browser, server, seyi, { viewport: PHONE })]);
      await withArtifactsOnFailure('chat-actions-hover', a.page, server, async () => {
        await Promise.all([openRoom(a.page, server, roomId), openRoom(s.page, server, roomId)]);
        await send(s.page, TEXT);
        await expectLog(a.page, [TEXT], WAIT);
        const art = messageArticle(a.page, 'past questions');
        await a.page.mouse.move(0, 0);
        const report = art.getByRole('button', { name: 'Report' });
        // out of sight until hovered, but still in the tab order for a keyboard
        expect(await report.evaluate((b) => getComputedStyle(b.closest('.actions')!).opacity)).toBe('0');
        const before = await box(art);
        await art.hover();
        await expect(report.evaluate((b) => getComputedStyle(b.closest('.actions')!).opacity)).resolves.toBe('1');
        expect(await box(art)).toEqual(before);
        await coversNothing(art);
        // the sender's own message: Edit and Delete, the same way
        const mine = messageArticle(s.page, 'past questions');
        await mine.hover();
        await mine.getByRole('button', { name: 'Edit' }).waitFor({ timeout: WAIT });
        await coversNothing(mine);
      });
      await Promise.all([a.context.close(), s.context.close()]);
    },
    TIMEOUT,
  );

  test(
    'on a touch screen (no hover): always shown, and one tap on Report opens the report form',
    async () => {
      const a: Signed = await signIn(browser, server, tolu, { viewport: PHONE, hasTouch: true, isMobile: true });
      await withArtifactsOnFailure('chat-actions-touch', a.page, server, async () => {
        expect(await a.page.evaluate(() => matchMedia('(hover: none)').matches)).toBe(true);
        await openRoom(a.page, server, roomId);
        const art = messageArticle(a.page, 'past questions');
        await art.waitFor({ timeout: WAIT });
        const report = art.getByRole('button', { name: 'Report' });
        expect(await report.evaluate((b) => getComputedStyle(b.closest('.actions')!).opacity)).toBe('1');
        expect((await box(report)).height).toBeGreaterThanOrEqual(32);
        await coversNothing(art);
        await a.page.screenshot({ path: artifactPath('chat-actions-touch.png') });
        await report.tap();
        await a.page.getByRole('dialog').waitFor({ timeout: WAIT });
      });
      await a.context.close();
    },
    TIMEOUT,
  );

  test(
    'on a laptop with a mouse and a touch screen: shown without hovering (a finger has no hover), finger-sized',
    async () => {
      // DevTools' emulation has touch either primary or absent: a Chromium of its own, told by Blink's
      // settings that its primary pointer is a mouse (fine, hover) and a touch screen is there too.
      const laptop = await launchBrowser(['--blink-settings=primaryPointerType=4,availablePointerTypes=6,primaryHoverType=2,availableHoverTypes=3']);
      const a: Signed = await signIn(laptop, server, femi, { viewport: { width: 1280, height: 800 } });
      await withArtifactsOnFailure('chat-actions-touch-laptop', a.page, server, async () => {
        expect(await a.page.evaluate(() => [matchMedia('(hover: hover)').matches, matchMedia('(pointer: fine)').matches, matchMedia('(any-pointer: coarse)').matches])).toEqual([true, true, true]);
        await openRoom(a.page, server, roomId);
        await a.page.mouse.move(0, 0);
        const report = messageArticle(a.page, 'past questions').getByRole('button', { name: 'Report' });
        await report.waitFor({ timeout: WAIT });
        expect(await report.evaluate((b) => getComputedStyle(b.closest('.actions')!).opacity)).toBe('1');
        expect((await box(report)).height).toBeGreaterThanOrEqual(32);
      });
      await laptop.close();
    },
    TIMEOUT,
  );
});
