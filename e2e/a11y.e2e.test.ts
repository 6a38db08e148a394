/**
 * Accessibility in real Chromium, on the pages chat-ui.e2e.test.ts does not cover: axe-core on the
 * admin portal (home, users, a user, a confirmation page, rooms, a room, import, audit, status), the
 * safeguarding pages an officer uses (queue, a case, its confirmation, actions), the notices page a
 * restricted person sees (with the statement form), a room during a call, the files UI, people
 * search, a room's people (a member's and a group owner's) and the password page; dark colour scheme and a 360×640 phone for the room page and the
 * users list. Then what axe cannot see, checked with the keyboard: the room page, the composer, the
 * edit box, the call controls and the admin forms work with Tab, Enter, Space and Escape, focus is
 * visible and never lost to the page's body, and small screens keep targets large enough.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { axe } from './axe';
import { cli, describeBrowser, serverStore, startServer, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import { launchCallBrowser } from './calls-helpers';
import { createCourseRoom, eventually, importUsers, messageArticle, openRoom, send, signIn, waitConnected, type Account, type Signed } from './chat-helpers';

const TIMEOUT = 180_000;
const WAIT = 30_000;
const PHONE = { width: 360, height: 640 };
// Both held by the shipped model when a lecturer sends them where a student under 18 is; the second restricts him.
const GROOMING = "you're so mature for your age. don't tell your parents about our chats, send me a pic of you, just for me";
const SECRET = "come to my house alone this weekend and don't tell your parents, it's our secret";

describeBrowser('accessibility: admin, safeguarding, calls, files (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let tunde: Account, kemi: Account, nkem: Account, tolu: Account, officer: Account;
  let admin: Signed, t: Signed, k: Signed, n: Signed, o: Signed;
  let room: string, kidsRoom: string;
  let nkemId: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer({ env: { RTC_LISTEN_IP: '127.0.0.1', LOG_LEVEL: 'warn' } }), launchCallBrowser()]);
    [tunde, kemi, nkem, tolu, officer] = (await importUsers(server, [
      // A student: a lecturer's course-room posts are held but do not restrict her (sanctions.ts).
      { email: 'tunde.bello@unilag.edu.ng', name: 'Tunde Bello' },
      { email: 'kemi.ojo@unilag.edu.ng', name: 'Kemi Ojo' },
      { email: 'nkem.obi@unilag.edu.ng', name: 'Nkem Obi' },
      { email: 'tolu.ade@unilag.edu.ng', name: 'Tolu Ade' },
      { email: 'safe.officer@unilag.edu.ng', name: 'Amaka Eze', role: 'lecturer' },
    ])) as [Account, Account, Account, Account, Account];
    room = await createCourseRoom(server, 'CSC201', 'Data Structures', [tunde, nkem, tolu]);
    kidsRoom = await createCourseRoom(server, 'BIO101', 'Biology', [tunde, kemi]);
    const store = await serverStore(server);
    try {
      const [ku, ou, nu] = await Promise.all([store.users.byEmail(kemi.email), store.users.byEmail(officer.email), store.users.byEmail(nkem.email)]);
      await store.users.update(ku!.id, { dateOfBirth: '2011-04-01' });
      await store.users.update(ou!.id, { permissions: ['safeguarding'] });
      nkemId = nu!.id;
    } finally {
      await store.close();
    }
    const r = await cli(server, ['users', 'create-admin', '--email', 'registrar@unilag.edu.ng', '--name', 'Registrar Admin']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    const adminAccount: Account = { email: 'registrar@unilag.edu.ng', name: 'Registrar Admin', code: /login code: (\S+)/.exec(r.stdout)![1]! };
    [admin, t, k, n, o] = (await Promise.all([adminAccount, tunde, kemi, nkem, officer].map((a) => signIn(browser, server, a)))) as [Signed, Signed, Signed, Signed, Signed];
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  /** axe on the page as it is, then again in the dark colour scheme. */
  async function axeBoth(page: Page, label: string) {
    await axe(page, label);
    await page.emulateMedia({ colorScheme: 'dark' });
    try {
      await axe(page, `${label}, dark scheme`);
    } finally {
      await page.emulateMedia({ colorScheme: 'light' });
    }
  }

  /** What has the keyboard focus: its tag, accessible text and whether an outline or box shadow shows it. */
  const focused = (page: Page) =>
    page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return { tag: 'body', text: '', visible: false };
      const cs = getComputedStyle(el);
      const visible = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) || cs.boxShadow !== 'none';
      return { tag: el.tagName.toLowerCase(), text: (el.getAttribute('aria-label') ?? el.textContent ?? '').trim(), visible };
    });

  /** Presses Tab until the focused element's text matches `name` (at most `max` presses); fails if focus is ever unseen. */
  async function tabTo(page: Page, name: RegExp, max = 40) {
    for (let i = 0; i < max; i++) {
      await page.keyboard.press('Tab');
      const f = await focused(page);
      if (f.tag !== 'body') expect(f).toEqual({ ...f, visible: true });
      if (name.test(f.text)) return f;
    }
    throw new Error(`Tab never reached ${name}`);
  }

  test(
    'admin portal: every section, a user, a confirmation page, a room; dark scheme; the users list on a phone',
    async () => {
      const page = admin.page;
      await withArtifactsOnFailure('a11y-admin', page, server, async () => {
        await page.goto(`${server.url}/admin`);
        await axeBoth(page, 'admin home');
        await page.goto(`${server.url}/admin/users`);
        await axeBoth(page, 'admin users list');
        await page.goto(`${server.url}/admin/users/new`);
        await axe(page, 'admin new user');
        await page.goto(`${server.url}/admin/users/${nkemId}`);
        await axeBoth(page, "admin user's page");
        // A destructive action asks first: the confirmation page.
        await page.getByRole('button', { name: 'Suspend' }).click();
        await page.getByRole('button', { name: /suspend/i }).last().waitFor();
        await axe(page, 'admin confirm (suspend)');
        await page.getByRole('link', { name: 'Cancel' }).click();
        await page.goto(`${server.url}/admin/rooms`);
        await axeBoth(page, 'admin rooms list');
        await page.goto(`${server.url}/admin/rooms/${room}`);
        await axeBoth(page, "admin room's page");
        await page.goto(`${server.url}/admin/import`);
        await axe(page, 'admin import');
        // A file with a bad row: the validation report.
        await page.getByLabel('CSV file').setInputFiles({ name: 'students.csv', mimeType: 'text/csv', buffer: Buffer.from('email,name,role\nbad@unilag,Bad Row,student\n') });
        await page.getByRole('button', { name: 'Check file' }).click();
        await page.getByRole('region', { name: 'Validation report' }).waitFor();
        await axe(page, 'admin import, validation report');
        await page.goto(`${server.url}/admin/audit`);
        await axeBoth(page, 'admin audit log');
        await page.goto(`${server.url}/admin/status`);
        await axeBoth(page, 'admin status');
        // The figures update by themselves every 5 s: the admin can stop that (WCAG 2.2.2).
        expect(await page.locator('#status-panel').getAttribute('hx-trigger')).toBe('every 5s');
        await page.getByRole('link', { name: 'Stop updating' }).click();
        await page.getByRole('link', { name: 'Update every 5 seconds' }).waitFor();
        expect(await page.locator('#status-panel').getAttribute('hx-trigger')).toBeNull();

        // The users list on a phone: axe, nothing wider than the screen, and the navigation's targets big enough.
        const phone = await browser.newContext({ viewport: PHONE, storageState: await admin.context.storageState() });
        const p = await phone.newPage();
        await p.goto(`${server.url}/admin/users`);
        await axeBoth(p, 'admin users list, 360×640');
        expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
        const small = await p.evaluate(() =>
          Array.from(document.querySelectorAll<HTMLElement>('a, button, input, select, textarea'))
            .filter((el) => el.offsetParent !== null && !el.closest('td, p, dd, li.plain'))
            .map((el) => ({ el: `${el.tagName.toLowerCase()} ${(el.textContent ?? el.getAttribute('name') ?? '').trim().slice(0, 30)}`, h: Math.round(el.getBoundingClientRect().height), w: Math.round(el.getBoundingClientRect().width) }))
            .filter((r) => r.h < 24 || r.w < 24),
        );
        expect(small).toEqual([]);
        await phone.close();
      });
    },
    TIMEOUT,
  );

  test(
    'admin forms work with the keyboard alone: skip link, filters, a confirmation, focus always visible',
    async () => {
      const page = admin.page;
      await withArtifactsOnFailure('a11y-admin-keys', page, server, async () => {
        await page.goto(`${server.url}/admin/users`);
        // The first Tab stop is the skip link; Enter moves to the content.
        await page.keyboard.press('Tab');
        expect(await focused(page)).toMatchObject({ text: 'Skip to content', visible: true });
        await page.keyboard.press('Enter');
        expect(new URL(page.url()).hash).toBe('#main');
        await page.getByLabel('Name, email or matric no.').focus();
        await page.keyboard.type('Nkem');
        await page.keyboard.press('Enter');
        await page.waitForURL(/q=Nkem/);
        await page.getByRole('link', { name: 'Nkem Obi' }).focus();
        await page.keyboard.press('Enter');
        await page.waitForURL(`${server.url}/admin/users/${nkemId}`);
        // Suspend by keyboard: the confirmation page, then Cancel by keyboard.
        await page.getByRole('button', { name: 'Suspend' }).focus();
        await page.keyboard.press('Space');
        await page.waitForURL(/status$/);
        const yes = await tabTo(page, /suspend/i);
        expect(yes.tag).toBe('button');
        await tabTo(page, /^Cancel$/, 3);
        await page.keyboard.press('Enter');
        await page.waitForURL(`${server.url}/admin/users/${nkemId}`);
      });
    },
    TIMEOUT,
  );

  test(
    'safeguarding: a student restricted for held messages reads his notice; an officer reads the queue, a case, a confirmation and the actions',
    async () => {
      await withArtifactsOnFailure('a11y-safeguarding', o.page, server, async () => {
        await Promise.all([openRoom(t.page, server, kidsRoom), openRoom(k.page, server, kidsRoom)]);
        await send(t.page, GROOMING);
        await messageArticle(t.page, GROOMING).locator('.held-notice').waitFor({ timeout: WAIT });
        await send(t.page, SECRET);
        await messageArticle(t.page, SECRET).locator('.held-notice').waitFor({ timeout: WAIT });
        await t.page.locator('#notice').getByText(/restricted/).waitFor({ timeout: WAIT });
        await axe(t.page, 'room page, sender with held messages and the restriction notice');

        // The notices page: the restriction with its statement form.
        await t.page.goto(`${server.url}/safeguarding`);
        await t.page.getByRole('textbox', { name: 'Your statement' }).waitFor();
        await axeBoth(t.page, '/safeguarding (restricted, statement form)');

        // The officer: queue, a case, its confirmation, the actions list, one action.
        await o.page.goto(`${server.url}/admin/moderation`);
        await axeBoth(o.page, 'moderation queue (officer)');
        await o.page.getByRole('table').getByRole('link').first().click();
        await o.page.getByRole('heading', { name: 'Safeguarding case' }).waitFor();
        await axeBoth(o.page, 'moderation case page');
        const decide = o.page.getByRole('region', { name: 'Decision' });
        await decide.getByRole('radio', { name: /Uphold/ }).check();
        await decide.getByRole('checkbox', { name: /^Grooming tactic/ }).check();
        await decide.getByRole('textbox', { name: /Reason/ }).fill('Grooming pattern: secrecy and a request for photos.');
        await decide.getByRole('button', { name: 'Continue' }).click();
        await o.page.getByRole('button', { name: 'Yes, uphold' }).waitFor();
        await axe(o.page, 'moderation case confirmation');
        await o.page.goto(`${server.url}/admin/moderation/actions`);
        await axe(o.page, 'moderation actions list');
        await o.page.getByRole('table').getByRole('link').first().click();
        await o.page.getByRole('heading', { level: 1 }).waitFor();
        await axe(o.page, 'moderation action page');
      });
    },
    TIMEOUT,
  );

  test(
    'a room during a call: panel, controls and roster; dark scheme; phone; the controls work with the keyboard and focus is kept',
    async () => {
      const tl = await signIn(browser, server, tolu);
      await withArtifactsOnFailure('a11y-call', n.page, server, async () => {
        await Promise.all([openRoom(n.page, server, room), openRoom(tl.page, server, room)]);
        await n.page.getByRole('button', { name: 'Start call' }).waitFor();
        // Keyboard: Tab to Start call, Enter; focus lands in the call, not on the page's body.
        await n.page.locator('#q').focus();
        await tabTo(n.page, /^Start call$/);
        await n.page.keyboard.press('Enter');
        await n.page.getByRole('button', { name: 'Leave call' }).waitFor({ timeout: WAIT });
        await eventually(async () => expect((await focused(n.page)).tag).not.toBe('body'), 5_000);
        await tl.page.getByRole('button', { name: 'Join call' }).click();
        await tl.page.getByRole('button', { name: 'Leave call' }).waitFor({ timeout: WAIT });
        await eventually(async () => expect(await n.page.getByRole('list', { name: 'In the call' }).getByRole('listitem').count()).toBe(2), WAIT);
        await axeBoth(n.page, 'room page in a call');

        // Every control is a named button reached by Tab; Space toggles Mute and Audio only.
        const toolbar = n.page.getByRole('toolbar', { name: 'Call controls' });
        // Mute, Camera and Share screen appear once the microphone and camera are published,
        // which can come after Leave call on a loaded machine (CI s20 read the toolbar too early).
        await toolbar.getByRole('button', { name: 'Share screen' }).waitFor({ timeout: WAIT });
        const names = await toolbar.locator('button:visible').evaluateAll((bs) => bs.map((b) => b.textContent!.trim()));
        expect(names).toEqual(['Mute', 'Camera off', 'Share screen', 'Audio only', 'Leave call']);
        await toolbar.getByRole('button', { name: 'Mute' }).focus();
        await n.page.keyboard.press('Space');
        await toolbar.getByRole('button', { name: 'Unmute' }).waitFor();
        await tabTo(n.page, /^Audio only$/, 4);
        await n.page.keyboard.press('Space');
        expect(await toolbar.getByRole('button', { name: 'Audio only' }).getAttribute('aria-pressed')).toBe('true');
        await n.page.keyboard.press('Space');
        await tabTo(n.page, /^Leave call$/, 4);
        await n.page.keyboard.press('Enter');
        await n.page.getByRole('button', { name: 'Join call' }).waitFor({ timeout: WAIT });
        // Focus comes back to the call bar, not lost to the page's body.
        await eventually(async () => expect(await focused(n.page)).toMatchObject({ tag: 'button', text: 'Join call' }), 5_000);

        // The call on a phone: axe and targets at least 24 px.
        const phone = await browser.newContext({ viewport: PHONE, storageState: await n.context.storageState() });
        const p = await phone.newPage();
        await openRoom(p, server, room);
        await p.getByRole('button', { name: 'Join call' }).click();
        await p.getByRole('button', { name: 'Leave call' }).waitFor({ timeout: WAIT });
        await axeBoth(p, 'room page in a call, 360×640');
        const small = await p.evaluate(() =>
          Array.from(document.querySelectorAll<HTMLElement>('.call-panel button, .call-panel select, .composer button, .composer textarea, .room-head a'))
            .filter((el) => el.offsetParent !== null)
            .map((el) => ({ el: (el.textContent ?? '').trim(), h: Math.round(el.getBoundingClientRect().height), w: Math.round(el.getBoundingClientRect().width) }))
            .filter((r) => r.h < 24 || r.w < 24),
        );
        expect(small).toEqual([]);
        await p.getByRole('button', { name: 'Leave call' }).click();
        await phone.close();
      });
      await tl.page.getByRole('button', { name: 'Leave call' }).click().catch(() => undefined);
      await tl.context.close();
    },
    TIMEOUT,
  );

  test(
    'room page: composer, message actions and the edit box by keyboard; files UI; phone and dark scheme',
    async () => {
      const page = n.page;
      await withArtifactsOnFailure('a11y-room', page, server, async () => {
        await openRoom(page, server, room);
        // The first Tab stop skips the room list and the messages' buttons to the composer; Enter sends.
        await page.keyboard.press('Tab');
        expect(await focused(page)).toMatchObject({ tag: 'a', text: 'Skip to the message box', visible: true });
        await page.keyboard.press('Enter');
        expect(await page.getByRole('textbox', { name: 'Message' }).evaluate((el) => el === document.activeElement)).toBe(true);
        await page.keyboard.type('Typed with the keyboard');
        await page.keyboard.press('Enter');
        const art = messageArticle(page, 'Typed with the keyboard');
        await art.locator('.state', { hasText: 'Sent' }).waitFor({ timeout: WAIT });
        // Its Edit button is reached by Tab (hidden until focus is inside the message), and shows.
        await page.getByRole('textbox', { name: 'Message' }).focus();
        let f = await focused(page);
        for (let i = 0; i < 30 && f.text !== 'Edit message from Nkem Obi'; i++) {
          await page.keyboard.press('Shift+Tab');
          f = await focused(page);
          if (f.tag !== 'body') expect(f.visible).toBe(true);
        }
        expect(f.text).toBe('Edit message from Nkem Obi');
        const artId = await art.getAttribute('id');
        const msg = page.locator(`#${artId}`);
        expect(await msg.getByRole('button', { name: 'Edit' }).isVisible()).toBe(true);
        await page.keyboard.press('Enter');
        const box = msg.getByRole('textbox', { name: 'Edit message' });
        await box.waitFor();
        expect(await box.evaluate((el) => el === document.activeElement)).toBe(true);
        // Escape cancels the edit and gives focus back to Edit.
        await page.keyboard.press('Escape');
        await box.waitFor({ state: 'detached' });
        expect(await focused(page)).toMatchObject({ text: 'Edit message from Nkem Obi' });

        // Files: the attach control is reached by Tab, its focus is visible; an upload row and a file message.
        await page.getByRole('textbox', { name: 'Message' }).focus();
        await page.keyboard.press('Tab'); // Send
        await page.keyboard.press('Tab'); // the file input (its label shows the focus)
        const attach = await page.evaluate(() => {
          const el = document.activeElement as HTMLInputElement;
          const label = document.querySelector<HTMLElement>(`label[for="${el.id}"]`)!;
          const cs = getComputedStyle(label);
          return { type: el.type, label: label.textContent, outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2 };
        });
        expect(attach).toEqual({ type: 'file', label: 'Attach file', outline: true });
        await page.locator('input[type=file][data-upload-room]').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('linked lists\n'.repeat(100)) });
        await page.getByRole('log', { name: 'Messages' }).getByRole('link', { name: 'notes.txt' }).waitFor({ timeout: WAIT });
        await axeBoth(page, 'room page with a file message');

        // The room page on a phone.
        const phone = await browser.newContext({ viewport: PHONE, storageState: await n.context.storageState() });
        const p = await phone.newPage();
        await openRoom(p, server, room);
        await axeBoth(p, 'room page, 360×640');
        // Report's question (opened from another's message in chat-compose.e2e.test.ts), on a phone.
        await p.evaluate(() => (document.getElementById('report-dialog') as HTMLDialogElement).showModal());
        await axeBoth(p, 'report dialog, 360×640');
        const choices = await p.getByRole('dialog', { name: 'Tell the safeguarding team' }).getByRole('button').evaluateAll((bs) => bs.map((b) => b.getBoundingClientRect().height >= 24));
        expect(choices).toEqual([true, true, true]);
        await p.keyboard.press('Escape');
        expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
        // The composer's targets on a phone: Send, the message box, Attach file (a label: what a finger sees), the Rooms link.
        const sizes = await p.evaluate(() =>
          ['.composer button', '.composer textarea', 'label.attach', '.room-head .back', '.call-bar button:not([hidden])'].map((sel) => {
            const el = [...document.querySelectorAll<HTMLElement>(sel)].find((e) => e.offsetParent !== null)!;
            return { sel, big: el.getBoundingClientRect().height >= 24 && el.getBoundingClientRect().width >= 24 };
          }),
        );
        expect(sizes.filter((x) => !x.big)).toEqual([]);
        await p.goto(`${server.url}/`);
        await waitConnected(p);
        await axe(p, 'room list, 360×640');
        await phone.close();
      });
    },
    TIMEOUT,
  );

  test(
    'people search, new message and password pages',
    async () => {
      const page = n.page;
      await withArtifactsOnFailure('a11y-people', page, server, async () => {
        await page.goto(`${server.url}/people`);
        await axe(page, 'people (new message)');
        await page.getByLabel('Find a person').fill('Tolu');
        await page.keyboard.press('Enter');
        await page.getByRole('button', { name: 'Message Tolu Ade' }).waitFor();
        await axeBoth(page, 'people search results');
        await page.goto(`${server.url}/people?q=zzzz`);
        await axe(page, 'people search, nobody');
        await page.goto(`${server.url}/rooms/${room}/members`);
        await axeBoth(page, "a course room's people");
        await page.goto(`${server.url}/groups/new`);
        await axe(page, 'new group');
        // A group's owner sees the add and remove controls.
        await page.getByLabel('Group name').fill('Lab partners');
        await page.getByLabel("Members' emails").fill('tolu.ade@unilag.edu.ng');
        await page.getByRole('button', { name: 'Create group' }).click();
        await page.waitForURL(/\/rooms\/[\w-]+$/);
        await page.goto(`${page.url()}/members`);
        await page.getByRole('button', { name: 'Add to group' }).waitFor();
        await axeBoth(page, "a group's people, as its owner");
        await page.goto(`${server.url}/password`);
        await axeBoth(page, 'change password');
        // The first sign-in's "Choose your password" page.
        const [fresh] = await importUsers(server, [{ email: 'ada.new@unilag.edu.ng', name: 'Ada New' }]);
        const ctx = await browser.newContext();
        const fp = await ctx.newPage();
        await fp.goto(`${server.url}/login`);
        await fp.getByLabel('Email').fill(fresh!.email);
        await fp.getByLabel('Password').fill(fresh!.code);
        await fp.getByRole('button', { name: 'Sign in' }).click();
        await fp.waitForURL(`${server.url}/password`);
        await axe(fp, 'choose your password (first sign-in)');
        await ctx.close();
      });
    },
    TIMEOUT,
  );
});
