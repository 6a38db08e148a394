/**
 * Every admin portal page on a 360×740 phone: nothing may scroll sideways. QA found a room's page
 * 527 px wide (the members table's "Room role" column and the "Audit log" tab off the screen);
 * wide tables scroll inside their own `.table-wrap` box instead. The pages are filled the way a
 * term fills them: long names and emails, a room with members, a file check with a bad row and a
 * plan, audit entries, and a safeguarding case with the restriction it led to.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { cli, describeBrowser, launchBrowser, serverStore, startServer, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import { createCourseRoom, importUsers, messageArticle, openRoom, send, signIn, type Account, type Signed } from './chat-helpers';

const TIMEOUT = 180_000;
const WAIT = 30_000;
const PHONE = { viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true };
// Held by the shipped model when an adult student sends them where a student under 18 is; the second restricts him.
const GROOMING = "you're so mature for your age. don't tell your parents about our chats, send me a pic of you, just for me";
const SECRET = "come to my house alone this weekend and don't tell your parents, it's our secret";

/** The page's width, and the elements that reach past the screen's right edge (for the failure message). */
function widthOf(page: Page) {
  return page.evaluate(() => ({
    width: document.documentElement.scrollWidth,
    past: [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((e) => e.getBoundingClientRect().right > innerWidth + 0.5 && !e.closest('.table-wrap, .admin-nav'))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}${e.className ? `.${e.className}` : ''} (${Math.round(e.getBoundingClientRect().right)} px)`),
  }));
}

describeBrowser('admin portal on a 360 px phone (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: Signed;
  let tunde: Account, kemi: Account;
  let roomId: string, tundeId: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    const people = (await importUsers(server, [
      { email: 'tunde.bello@unilag.edu.ng', name: 'Tunde Bello' },
      { email: 'kemi.ojo@unilag.edu.ng', name: 'Kemi Ojo' },
      { email: 'oluwaseyifunmi.adebanjo-okonkwo.babatunde@unilag.edu.ng', name: 'Oluwaseyifunmi Adebanjo-Okonkwo Babatunde' },
      { email: 'dr.chukwuemeka.nwachukwu-obiora@unilag.edu.ng', name: 'Dr Chukwuemeka Nwachukwu-Obiora', role: 'lecturer' },
    ])) as Account[];
    [tunde, kemi] = people as [Account, Account];
    roomId = await createCourseRoom(server, 'CSC201', 'Data Structures and Algorithms for Second-Year Students', [
      ...people.slice(0, 3),
      { ...people[3]!, roomRole: 'owner' },
    ]);
    const store = await serverStore(server);
    try {
      const [t, k] = await Promise.all([store.users.byEmail(tunde.email), store.users.byEmail(kemi.email)]);
      tundeId = t!.id;
      await store.users.update(k!.id, { dateOfBirth: '2011-04-01' });
    } finally {
      await store.close();
    }
    const r = await cli(server, ['users', 'create-admin', '--email', 'registrar@unilag.edu.ng', '--name', 'Registrar Admin']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    admin = await signIn(browser, server, { email: 'registrar@unilag.edu.ng', name: 'Registrar Admin', code: /login code: (\S+)/.exec(r.stdout)![1]! }, PHONE);
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  test(
    'no admin page scrolls sideways: users, a user, rooms, a room, import (a bad file, a plan), audit, status, cases, a case, actions, an action',
    async () => {
      // A held message towards a minor, twice: a case each, and a restriction (an action).
      const t = await signIn(browser, server, tunde);
      await openRoom(t.page, server, roomId);
      for (const text of [GROOMING, SECRET]) {
        await send(t.page, text);
        await messageArticle(t.page, text).locator('.held-notice').waitFor({ timeout: WAIT });
      }
      await t.page.locator('#notice').getByText(/restricted/).waitFor({ timeout: WAIT });
      await t.context.close();

      const page = admin.page;
      const widths: { path: string; width: number; past: string[] }[] = [];
      const measure = async (label: string) => {
        await page.getByRole('heading', { level: 1 }).waitFor();
        widths.push({ path: label, ...(await widthOf(page)) });
      };
      await withArtifactsOnFailure('admin-phone', page, server, async () => {
        const paths = ['/admin', '/admin/users', '/admin/users?q=oluwaseyifunmi', `/admin/users/${tundeId}`, '/admin/users/new', '/admin/rooms', `/admin/rooms/${roomId}`, '/admin/import', '/admin/audit', '/admin/status', '/admin/moderation', '/admin/moderation?status=all', '/admin/moderation/actions'];
        for (const path of paths) {
          await page.goto(`${server.url}${path}`);
          await measure(path);
        }
        // A case and an action, by their links.
        await page.goto(`${server.url}/admin/moderation`);
        await page.getByRole('table').getByRole('link').first().click();
        await measure('a case');
        await page.goto(`${server.url}/admin/moderation/actions`);
        await page.getByRole('table').getByRole('link').first().click();
        await measure('an action');
        // A confirmation page.
        await page.goto(`${server.url}/admin/users/${tundeId}`);
        await page.getByRole('button', { name: 'Suspend' }).click();
        await page.getByRole('button', { name: /suspend/i }).last().waitFor();
        await measure('confirm suspend');
        // Import: a file with a bad row, then a good one (the plan).
        const check = async (label: string, csv: string, shows: RegExp) => {
          await page.goto(`${server.url}/admin/import`);
          await page.getByLabel('CSV file').setInputFiles({ name: 'students.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
          await page.getByRole('button', { name: 'Check file' }).click();
          await page.getByText(shows).first().waitFor();
          await measure(label);
        };
        await check('import: a bad row', 'email,name,role\nchinwendu.okoro-adeyemi-bakare@unilag,Chinwendu Okoro-Adeyemi-Bakare,student\n', /^Validation report$/);
        await check('import: the plan', 'email,name,role,date_of_birth\nchinwendu.okoro-adeyemi-bakare@unilag.edu.ng,Chinwendu Okoro-Adeyemi-Bakare,student,\n', /Nothing has been written yet/);

        // Every page at once, so one run names every page that is too wide.
        expect(widths.filter((w) => w.width > 360)).toEqual([]);
      });
    },
    TIMEOUT,
  );
});
