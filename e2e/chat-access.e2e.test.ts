/**
 * What exploratory QA found people could not do, checked in real Chromium, one test per finding
 * (keyboard-only use, phones, uploads, shared lab computers, shared links).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { cli, describeBrowser, launchBrowser, startServer, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import { PASSWORD, eventually, importUsers, logBodies, messageArticle, openRoom, send, signIn, signOutOnPage, waitConnected, type Account, type Signed } from './chat-helpers';

const TIMEOUT = 120_000;

describeBrowser('chat access (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let ada: Account, bola: Account, chidi: Account, efe: Account;
  let a: Signed, b: Signed;
  let roomId: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    [ada, bola, chidi, efe] = (await importUsers(server, [
      { email: 'ada.obi@unilag.edu.ng', name: 'Ada Obi' },
      { email: 'bola.ade@unilag.edu.ng', name: 'Bola Ade' },
      { email: 'chidi.eze@unilag.edu.ng', name: 'Chidi Eze' },
      { email: 'efe.okoro@unilag.edu.ng', name: 'Efe Okoro' },
    ])) as [Account, Account, Account, Account];
    // Bola moderates the room: she may delete anyone's message.
    const dir = mkdtempSync(join(tmpdir(), 'letstalk-e2e-access-'));
    try {
      writeFileSync(join(dir, 'members.csv'), `email,role\n${ada.email},member\n${bola.email},moderator\n${chidi.email},member\n${efe.email},member\n`);
      const r = await cli(server, ['rooms', 'create', '--code', 'CSC101', '--name', 'Intro to Computing', '--members', join(dir, 'members.csv')]);
      expect(r, r.stderr).toMatchObject({ code: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    roomId = (JSON.parse((await cli(server, ['rooms', 'list', '--json'])).stdout) as { id: string }[])[0]!.id;
    [a, b] = await Promise.all([signIn(browser, server, ada), signIn(browser, server, bola)]);
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  /**
   * Presses Tab from the room's heading (nothing focused yet) until `button` has the focus, as a
   * keyboard user would; fails after `max` presses. Returns every stop on the way.
   */
  async function tabTo(page: Page, article: string, button: 'Edit' | 'Delete', max = 40): Promise<string[]> {
    await page.getByRole('heading', { level: 1 }).click();
    const stops: string[] = [];
    for (let i = 0; i < max; i++) {
      await page.keyboard.press('Tab');
      const stop = await page.evaluate(() => {
        const e = document.activeElement as HTMLElement;
        const body = e.closest('article.msg')?.querySelector('.body')?.textContent ?? '';
        return `${e.tagName}:${(e.textContent ?? '').trim().slice(0, 20)}|${body}`;
      });
      stops.push(stop);
      if (stop.startsWith(`BUTTON:${button}|`) && stop.includes(article)) return stops;
    }
    throw new Error(`Tab never reached ${button} on "${article}": ${stops.join(' → ')}`);
  }

  /** The focused element is on screen (not clipped to a pixel). */
  async function expectFocusedVisible(page: Page) {
    const box = await page.evaluate(() => {
      const r = document.activeElement!.getBoundingClientRect();
      return { w: r.width, h: r.height };
    });
    expect(box.w).toBeGreaterThan(10);
    expect(box.h).toBeGreaterThan(10);
  }

  test(
    'keyboard: Tab reaches Edit on a plain-text own message and Enter edits it; a moderator reaches Delete on another person\'s message',
    async () => {
      await withArtifactsOnFailure('access-keyboard', a.page, server, async () => {
        await Promise.all([openRoom(a.page, server, roomId), openRoom(b.page, server, roomId)]);
        await send(a.page, 'my message with a typo');
        await send(a.page, 'a second plain message');
        await eventually(async () => expect(await logBodies(b.page)).toEqual(['my message with a typo', 'a second plain message']));
        await a.page.mouse.move(1, 1); // no hover anywhere

        await tabTo(a.page, 'my message with a typo', 'Edit');
        await expectFocusedVisible(a.page);
        await a.page.keyboard.press('Enter');
        const box = a.page.getByRole('textbox', { name: 'Edit message' });
        await box.waitFor();
        expect(await box.inputValue()).toBe('my message with a typo');
        expect(await box.evaluate((e) => e === document.activeElement)).toBe(true);
        await box.fill('my message, corrected');
        await a.page.keyboard.press('Tab'); // Save
        await a.page.keyboard.press('Enter');
        await eventually(async () => expect(await logBodies(b.page)).toEqual(['my message, corrected', 'a second plain message']));

        // Bola moderates: Delete on Ada's message is reachable, Edit (not hers to use) never is.
        await b.page.mouse.move(1, 1);
        const stops = await tabTo(b.page, 'a second plain message', 'Delete');
        expect(stops.filter((s) => s.startsWith('BUTTON:Edit|'))).toEqual([]);
        await expectFocusedVisible(b.page);
        b.page.once('dialog', (d) => void d.accept());
        await b.page.keyboard.press('Enter');
        await eventually(async () => expect(await messageArticle(a.page, 'This message was removed by a moderator.').count()).toBe(1));
      });
    },
    TIMEOUT,
  );

  test(
    'a 360 px phone: search results with a 300-character link and a code block fit the screen',
    async () => {
      const phone = await signIn(browser, server, chidi, { viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true });
      try {
        await withArtifactsOnFailure('access-search-narrow', phone.page, server, async () => {
          await openRoom(phone.page, server, roomId);
          await send(phone.page, `timetable https://unilag.edu.ng/${'a'.repeat(300 - 'https://unilag.edu.ng/'.length)}`);
          await send(phone.page, 'timetable query:\n```\nSELECT matric_no, surname, first_name, department, level, faculty, hall FROM students WHERE level = 200 ORDER BY surname;\n```');
          // Stored, not only queued, before the page is left for the search.
          await eventually(async () => expect(await phone.page.locator('article.msg.mine', { hasText: 'timetable' }).count()).toBe(2));
          await phone.page.goto(`${server.url}/search?q=timetable`);
          await phone.page.getByText('2 results').waitFor();
          expect(await phone.page.locator('.results pre').count()).toBe(1);
          const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
          expect(width).toBeLessThanOrEqual(360);
          const search = (await phone.page.getByRole('button', { name: 'Search' }).boundingBox())!;
          expect(search.x).toBeGreaterThanOrEqual(0);
          expect(search.x + search.width).toBeLessThanOrEqual(360);
        });
      } finally {
        await phone.context.close();
      }
    },
    TIMEOUT,
  );

  test(
    'leaving the room during an upload asks first; without one (or once it is done) it does not',
    async () => {
      await withArtifactsOnFailure('access-upload-leave', a.page, server, async () => {
        // The server's answers to the upload socket wait while `hold` is set: the upload stays in progress.
        let hold = false;
        const held: (() => void)[] = [];
        await a.page.routeWebSocket(/\/upload(\?.*)?$/, (ws: WebSocketRoute) => {
          const srv = ws.connectToServer();
          srv.onMessage((m) => (hold ? held.push(() => ws.send(m)) : ws.send(m)));
        });
        const dialogs: string[] = [];
        a.page.on('dialog', (d) => {
          dialogs.push(d.type());
          void d.dismiss(); // "Stay on the page"
        });
        const leave = () => a.page.getByRole('link', { name: 'Lets Talk' }).click();

        // Nothing in progress: the link is followed without a question.
        await openRoom(a.page, server, roomId);
        await leave();
        await a.page.waitForURL(`${server.url}/`);
        expect(dialogs).toEqual([]);

        await openRoom(a.page, server, roomId);
        hold = true;
        await a.page.getByLabel('Attach file').setInputFiles({ name: 'assignment2.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(1024 * 1024, 7) });
        await a.page.getByRole('progressbar', { name: 'Sending assignment2.pdf' }).waitFor();
        await leave();
        await eventually(() => expect(dialogs).toEqual(['beforeunload']));
        expect(a.page.url()).toBe(`${server.url}/rooms/${roomId}`);

        // The upload goes on and ends: leaving asks nothing any more.
        hold = false;
        for (const f of held.splice(0)) f();
        await a.page.getByRole('log', { name: 'Messages' }).getByRole('link', { name: 'assignment2.pdf' }).waitFor({ timeout: 30_000 });
        await eventually(async () => expect(await a.page.getByRole('progressbar').count()).toBe(0));
        await leave();
        await a.page.waitForURL(`${server.url}/`);
        expect(dialogs).toEqual(['beforeunload']);
      });
      await a.page.unrouteAll();
    },
    TIMEOUT,
  );

  /** Signs `who` in (password already chosen) on the sign-in page `page` shows. */
  async function signInAgain(page: Page, who: Account) {
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  const outboxKeys = (page: Page) =>
    page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('lt-outbox:') && localStorage.getItem(k) !== '[]'));

  test(
    'a shared computer: a message left in the outbox at sign-out is neither kept nor sent later',
    async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      try {
        await withArtifactsOnFailure('access-outbox-signout', page, server, async () => {
          // While `cut`, the live connection opens but the server never answers: what is typed waits in the outbox.
          let cut = false;
          await context.routeWebSocket(/\/ws(\?.*)?$/, (ws: WebSocketRoute) => {
            if (!cut) ws.connectToServer();
          });
          await page.goto(`${server.url}/login`);
          await signInAgain(page, ada);
          await page.waitForURL(`${server.url}/`);
          cut = true;
          await page.goto(`${server.url}/rooms/${roomId}`);
          await page.getByRole('textbox', { name: 'Message' }).fill('left behind on the lab PC');
          await page.getByRole('button', { name: 'Send' }).click();
          await page.locator('ul.outbox li.pending', { hasText: 'left behind on the lab PC' }).waitFor();
          expect(await outboxKeys(page)).toHaveLength(1);

          await signOutOnPage(page);
          await page.getByRole('button', { name: 'Sign in' }).waitFor();
          await eventually(async () => expect(await outboxKeys(page)).toEqual([]), 5_000);

          // The next person at this computer: nothing of Ada's is there or sent.
          cut = false;
          await signInAgain(page, bola);
          await page.waitForURL(`${server.url}/`);
          await openRoom(page, server, roomId);
          expect(await outboxKeys(page)).toEqual([]);
          await signOutOnPage(page);

          // Ada back days later on the same computer: her old message is not sent now either.
          await signInAgain(page, ada);
          await page.waitForURL(`${server.url}/`);
          await openRoom(page, server, roomId);
          await Bun.sleep(1_500); // a flush would have happened by now
          await openRoom(b.page, server, roomId);
          expect(await logBodies(b.page)).not.toContain('left behind on the lab PC');
          expect(await outboxKeys(page)).toEqual([]);
        });
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );

  test(
    'a shared room link opened signed out: sign-in (a wrong password first, then the first sign-in with a code) lands on the room',
    async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      try {
        await withArtifactsOnFailure('access-deep-link', page, server, async () => {
          const room = `${server.url}/rooms/${roomId}`;
          await page.goto(room);
          expect(page.url()).toBe(`${server.url}/login?next=/rooms/${roomId}`);
          await page.getByLabel('Email').fill(efe.email);
          await page.getByLabel('Password').fill('not my code');
          await page.getByRole('button', { name: 'Sign in' }).click();
          await page.getByRole('alert').waitFor();
          await page.getByLabel('Password').fill(efe.code);
          await page.getByRole('button', { name: 'Sign in' }).click();
          await page.waitForURL(/\/password\?next=/);
          await page.getByLabel('New password').fill(PASSWORD);
          await page.getByLabel('Confirm password').fill(PASSWORD);
          await page.getByRole('button', { name: 'Save password' }).click();
          await page.waitForURL(room);
          await page.getByRole('log', { name: 'Messages' }).waitFor();
          await waitConnected(page);

          // Signed out and back in from the same link with a password: the room again.
          await signOutOnPage(page);
          await page.goto(room);
          await signInAgain(page, efe);
          await page.waitForURL(room);
          await page.getByRole('log', { name: 'Messages' }).waitFor();
        });
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );

  test(
    'a member leaves a group: asked first, back on her room list without it; another tab of it says so; the others go on',
    async () => {
      await withArtifactsOnFailure('access-leave-group', b.page, server, async () => {
        await a.page.goto(`${server.url}/groups/new`);
        await a.page.getByLabel('Group name').fill('Weekend study');
        await a.page.getByLabel("Members' emails").fill(`${bola.email}\n${chidi.email}`);
        await a.page.getByRole('button', { name: 'Create group' }).click();
        await a.page.waitForURL(/\/rooms\/[\w-]+$/);
        const group = new URL(a.page.url()).pathname.split('/').pop()!;
        await waitConnected(a.page);
        await openRoom(b.page, server, group);
        const other = await b.context.newPage();
        await openRoom(other, server, group);
        await b.page.getByRole('link', { name: 'Leave group' }).click();
        await b.page.getByRole('heading', { name: 'Leave Weekend study?' }).waitFor();
        await b.page.getByRole('button', { name: 'Leave group' }).click();
        await b.page.waitForURL(`${server.url}/`);
        expect(await b.page.getByRole('navigation', { name: 'Rooms' }).innerText()).not.toContain('Weekend study');
        await eventually(async () => expect(await other.locator('.banner').innerText()).toContain('You left this group'));
        expect(await other.getByRole('navigation', { name: 'Rooms' }).innerText()).not.toContain('Weekend study');
        // Ada and Chidi's group goes on without her.
        await send(a.page, 'see you saturday');
        await eventually(async () => expect(await logBodies(a.page)).toContain('see you saturday'));
        expect(await other.locator('.log').innerText()).not.toContain('see you saturday');
        await other.close();
      });
    },
    TIMEOUT,
  );
});
