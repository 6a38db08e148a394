/**
 * Changing one's password from the app, on a 360×740 phone. QA: /password took a change (with the
 * current password) but no signed-in page linked to it. The top bar's Account menu now does, and
 * the bar still fits a phone for a student, a safeguarding officer and an administrator (an
 * officer's bar was 410 px wide before the menu).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { cli, describeBrowser, launchBrowser, serverStore, startServer, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import { importUsers, PASSWORD, signIn, signOutOnPage, type Account, type Signed } from './chat-helpers';

const TIMEOUT = 120_000;
const PHONE = { viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true };
const NEW_PASSWORD = 'third mainland bridge at noon';

/** Opens the top bar's Account menu and returns it. */
async function openAccount(page: Page) {
  const menu = page.locator('header.topbar details.account-menu');
  await menu.locator('summary', { hasText: 'Account' }).click();
  await menu.getByRole('link', { name: 'Change password' }).waitFor();
  return menu;
}

describeBrowser('changing the password from the app (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let ada: Account, bola: Account, amaka: Account, registrar: Account;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    [ada, bola, amaka] = (await importUsers(server, [
      { email: 'ada.eze@unilag.edu.ng', name: 'Ada Eze' },
      { email: 'bola.oluwaseyifunmi-adebanjo@unilag.edu.ng', name: 'Bola Oluwaseyifunmi Adebanjo-Okonkwo' },
      { email: 'safe.officer@unilag.edu.ng', name: 'Amaka Eze', role: 'lecturer' },
    ])) as [Account, Account, Account];
    const store = await serverStore(server);
    try {
      const officer = await store.users.byEmail(amaka.email);
      await store.users.update(officer!.id, { permissions: ['safeguarding'] });
    } finally {
      await store.close();
    }
    const r = await cli(server, ['users', 'create-admin', '--email', 'registrar@unilag.edu.ng', '--name', 'Registrar Admin']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    registrar = { email: 'registrar@unilag.edu.ng', name: 'Registrar Admin', code: /login code: (\S+)/.exec(r.stdout)![1]! };
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  test(
    'a student follows Account → Change password, changes it, signs out and signs in with the new one',
    async () => {
      const s: Signed = await signIn(browser, server, ada, PHONE);
      const page = s.page;
      await withArtifactsOnFailure('password-change', page, server, async () => {
        const menu = await openAccount(page);
        expect(await menu.innerText()).toContain(`Signed in as ${ada.name}`);
        await menu.getByRole('link', { name: 'Change password' }).click();
        await page.waitForURL(`${server.url}/password`);
        expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Change password');

        // A wrong current password is refused and changes nothing.
        await page.getByLabel('Current password').fill('not my password');
        await page.getByLabel('New password').fill(NEW_PASSWORD);
        await page.getByLabel('Confirm password').fill(NEW_PASSWORD);
        await page.getByRole('button', { name: 'Save password' }).click();
        expect(await page.getByRole('alert').innerText()).toBe('Your current password is not right.');

        await page.getByLabel('Current password').fill(PASSWORD);
        await page.getByLabel('New password').fill(NEW_PASSWORD);
        await page.getByLabel('Confirm password').fill(NEW_PASSWORD);
        await page.getByRole('button', { name: 'Save password' }).click();
        await page.waitForURL(`${server.url}/password/changed`);
        expect(await page.getByRole('status').innerText()).toContain('Your new password works from now on.');
        await page.getByRole('link', { name: 'Back to your rooms' }).click();
        await page.getByRole('navigation', { name: 'Rooms' }).waitFor();

        await signOutOnPage(page);

        const signInWith = async (password: string) => {
          await page.getByLabel('Email').fill(ada.email);
          await page.getByLabel('Password').fill(password);
          await page.getByRole('button', { name: 'Sign in' }).click();
          await page.waitForLoadState();
        };
        await signInWith(PASSWORD);
        expect(await page.getByRole('alert').innerText()).toBe('Wrong email or password.');
        await signInWith(NEW_PASSWORD);
        await page.waitForURL(`${server.url}/`);
        await page.getByRole('navigation', { name: 'Rooms' }).waitFor();
      });
      await s.context.close();
    },
    TIMEOUT,
  );

  test(
    "the top bar with its Account menu fits a 360 px phone: a student's, an officer's and an administrator's",
    async () => {
      const people: [Account, string[]][] = [
        [bola, ['/']],
        [amaka, ['/', '/admin/moderation']],
        [registrar, ['/', '/admin', '/admin/users']],
      ];
      for (const [account, paths] of people) {
        const s = await signIn(browser, server, account, PHONE);
        await withArtifactsOnFailure('password-topbar', s.page, server, async () => {
          for (const path of paths) {
            await s.page.goto(`${server.url}${path}`);
            expect({ path, width: await s.page.evaluate(() => document.documentElement.scrollWidth) }).toEqual({ path, width: 360 });
            // The open menu lies within the screen, its targets big enough for a finger.
            const menu = await openAccount(s.page);
            const boxes = await menu.locator('.menu a, .menu button:not([hidden])').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as DOMRect));
            // Change password, Email notifications, Sign out; on the chat pages (whose script runs) Turn on desktop notifications too.
            expect(boxes).toHaveLength(path.startsWith('/admin') ? 3 : 4);
            for (const b of boxes) expect({ path, inside: b.left >= 0 && b.right <= 360, tall: b.height >= 44 }).toEqual({ path, inside: true, tall: true });
            expect(await s.page.evaluate(() => document.documentElement.scrollWidth)).toBe(360);
          }
        });
        await s.context.close();
      }
    },
    TIMEOUT,
  );
});
