/**
 * Sign-in journey in a real browser: CSV import via the CLI → first sign-in with the one-time code
 * → forced password choice → sign out / sign in with the password → refusals.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { parseCsv } from '../server/lib/csv';
import { artifactPath, cli, describeBrowser, launchBrowser, startServer, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import { signOutOnPage } from './chat-helpers';

// Explicit everywhere (hooks too): bun's default is 5 s, and bunfig's [test] timeout is not read.
const TIMEOUT = 60_000;
const USER = { email: 'ada.obi@unilag.edu.ng', name: 'Ada Obi' };
const NEW_PASSWORD = 'lagoon ferry at dawn';

describeBrowser('sign-in (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let work: string;
  let loginCode: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    work = mkdtempSync(join(tmpdir(), 'letstalk-e2e-csv-'));
    const input = join(work, 'users.csv');
    const creds = join(work, 'credentials.csv'); // must not exist: the CLI refuses to overwrite codes
    writeFileSync(input, `email,name,role,date_of_birth,matric_no\n${USER.email},${USER.name},student,2001-05-17,190401001\n`);
    const r = await cli(server, ['users', 'import', input, '--credentials', creds]);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    const [header, ...rows] = parseCsv(readFileSync(creds, 'utf8')).map((rec) => rec.fields);
    expect(header).toEqual(['email', 'name', 'login_code', 'expires_at']);
    expect(rows).toHaveLength(1);
    expect(rows[0]![0]).toBe(USER.email);
    loginCode = rows[0]![2]!;
  }, TIMEOUT);

  afterAll(async () => {
    await stopAll(browser, server);
    if (work) rmSync(work, { recursive: true, force: true });
  }, TIMEOUT);

  const path = (page: Page) => new URL(page.url()).pathname;

  /** Signed in: the room list is there and the top bar names the user. */
  async function expectHome(page: Page) {
    await page.getByRole('navigation', { name: 'Rooms' }).waitFor();
    expect(await page.locator('.topbar .who').innerText()).toBe(USER.name);
  }

  async function signIn(page: Page, email: string, password: string) {
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState();
  }

  async function expectRefused(page: Page) {
    expect(path(page)).toBe('/login');
    expect(await page.getByRole('alert').innerText()).toBe('Wrong email or password.');
  }

  // One test on purpose: each step depends on the previous one (the code is single-use).
  test(
    'one-time code → forced password → password sign-in; wrong and reused secrets refused',
    async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await withArtifactsOnFailure('login', page, server, async () => {
        await signIn(page, USER.email, loginCode);
        expect(path(page)).toBe('/password');
        // Until a password is chosen, every page leads back to /password.
        await page.goto(`${server.url}/`);
        expect(path(page)).toBe('/password');

        await page.getByLabel('New password').fill(NEW_PASSWORD);
        await page.getByLabel('Confirm password').fill(`${NEW_PASSWORD}!`);
        await page.getByRole('button', { name: 'Save password' }).click();
        await page.waitForLoadState();
        expect(await page.getByRole('alert').innerText()).toBe('The two passwords do not match.');

        await page.getByLabel('New password').fill(NEW_PASSWORD);
        await page.getByLabel('Confirm password').fill(NEW_PASSWORD);
        await page.getByRole('button', { name: 'Save password' }).click();
        await page.waitForURL(`${server.url}/`);
        await expectHome(page);

        await signOutOnPage(page);
        await signIn(page, USER.email, NEW_PASSWORD);
        expect(path(page)).toBe('/');
        await expectHome(page);
        await signOutOnPage(page);

        await signIn(page, USER.email, 'not my password');
        await expectRefused(page);
        // The code was consumed by the first sign-in (and cleared by setting a password).
        await signIn(page, USER.email, loginCode);
        await expectRefused(page);
      });
      await context.close();
    },
    TIMEOUT,
  );

  // After the first test (it sets the password).
  test(
    'a stranger guessing locks new devices out, not the browser she signs in with',
    async () => {
      const own = await browser.newContext();
      const stranger = await browser.newContext();
      const [mine, theirs] = await Promise.all([own.newPage(), stranger.newPage()]);
      await withArtifactsOnFailure('login-lockout', theirs, server, async () => {
        await signIn(mine, USER.email, NEW_PASSWORD);
        await expectHome(mine);
        await signOutOnPage(mine);
        for (let i = 0; i < 5; i++) {
          await signIn(theirs, USER.email, `guess ${i}`);
          await expectRefused(theirs);
        }
        // Even the right password waits on a device that never signed in to her account.
        await signIn(theirs, USER.email, NEW_PASSWORD);
        expect(await theirs.getByRole('alert').innerText()).toBe('Too many sign-in attempts. Try again in 15 minutes. A device you have signed in with before can still sign in.');
        await signIn(mine, USER.email, NEW_PASSWORD);
        await expectHome(mine);
      });
      await Promise.all([own.close(), stranger.close()]);
    },
    TIMEOUT,
  );

  test(
    'login page on a small phone (screenshot)',
    async () => {
      const context = await browser.newContext({ viewport: { width: 360, height: 640 } });
      const page = await context.newPage();
      await withArtifactsOnFailure('login-mobile', page, server, async () => {
        await page.goto(`${server.url}/login`);
        await expect(page.getByRole('button', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
        // Nothing wider than the screen: no sideways scrolling on a phone.
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
        await page.screenshot({ path: artifactPath('login-mobile.png') });
      });
      await context.close();
    },
    TIMEOUT,
  );
});
