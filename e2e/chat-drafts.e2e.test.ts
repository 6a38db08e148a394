/**
 * Drafts in real Chromium: half a question typed in one room survives a visit to another room and a
 * reload, each room keeping its own; once sent it is gone from the box; signing out and in again
 * on the browser (a shared lab computer) leaves no draft behind.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { describeBrowser, launchBrowser, startServer, stopAll, withArtifactsOnFailure, type TestServer } from './harness';
import { createCourseRoom, expectLog, importUsers, openRoom, PASSWORD, reloadRoom, signIn, signOutOnPage, type Account, type Signed } from './chat-helpers';

const TIMEOUT = 120_000;
const HALF = 'Please, about question 3 of the assignment: do we';

describeBrowser('drafts (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let a: Signed;
  let stats: string, maths: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    const [ada] = (await importUsers(server, [{ email: 'ada.drafts@unilag.edu.ng', name: 'Ada Obi' }])) as [Account];
    [stats, maths] = await Promise.all([createCourseRoom(server, 'STA211', 'Probability', [ada]), createCourseRoom(server, 'MTH211', 'Linear algebra', [ada])]);
    a = await signIn(browser, server, ada);
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  test(
    'what is typed stays with its room through another room and a reload; sent, it goes; a sign-in on the browser clears it',
    async () => {
      await withArtifactsOnFailure('chat-drafts', a.page, server, async () => {
        const box = a.page.getByRole('textbox', { name: 'Message' });
        await openRoom(a.page, server, stats);
        await box.pressSequentially(HALF);
        await openRoom(a.page, server, maths);
        expect(await box.inputValue()).toBe('');
        await box.fill('Linear algebra notes');
        await openRoom(a.page, server, stats);
        expect(await box.inputValue()).toBe(HALF);
        await reloadRoom(a);
        expect(await box.inputValue()).toBe(HALF);

        await box.pressSequentially(' hand it in on paper?');
        await box.press('Enter');
        await expectLog(a.page, [`${HALF} hand it in on paper?`]);
        expect(await box.inputValue()).toBe('');
        await reloadRoom(a);
        expect(await box.inputValue()).toBe('');

        await openRoom(a.page, server, maths);
        expect(await box.inputValue()).toBe('Linear algebra notes');
        await signOutOnPage(a.page);
        await a.page.getByLabel('Email').fill(a.account.email);
        await a.page.getByLabel('Password').fill(PASSWORD);
        await a.page.getByRole('button', { name: 'Sign in' }).click();
        await a.page.waitForURL(`${server.url}/`);
        await openRoom(a.page, server, maths);
        expect(await box.inputValue()).toBe('');
      });
    },
    TIMEOUT,
  );
});
