/**
 * What chat pages show, in real Chromium: hostile text (names, room names, messages) stays text in
 * every page and live push; screenshots at phone and desktop sizes; axe-core accessibility checks.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { axe } from './axe';
import { artifactPath, describeBrowser, launchBrowser, serverStore, startServer, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import { createCourseRoom, eventually, expectNoXss, logBodies, importUsers, openRoom, send, signIn, waitConnected, type Account, type Signed } from './chat-helpers';

const TIMEOUT = 120_000;
const IMG = '<img src=x onerror=window.__xss=1>';
const SCRIPT = '<script>window.__xss=1</script>';
const ROOM_NAME = `Hack ${IMG} ${SCRIPT}`;

describeBrowser('chat pages: hostile text, layout, accessibility (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let mallory: Account, trudy: Account, nkem: Account, tolu: Account;
  let m: Signed, n: Signed;
  let xssRoom: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    [mallory, trudy, nkem, tolu] = await importUsers(server, [
      { email: 'mallory.x@unilag.edu.ng', name: `Mallory ${IMG}` },
      { email: 'trudy.x@unilag.edu.ng', name: `Trudy ${SCRIPT}` },
      { email: 'nkem.obi@unilag.edu.ng', name: 'Nkem Obi' },
      { email: 'tolu.ade@unilag.edu.ng', name: 'Tolu Ade' },
    ]) as Account[] as [Account, Account, Account, Account];
    xssRoom = await createCourseRoom(server, 'SEC101', ROOM_NAME, [mallory, trudy, nkem]);
    [m, n] = await Promise.all([signIn(browser, server, mallory), signIn(browser, server, nkem)]);
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  /** The literal text is on screen (as text, not markup) and no injected script ran. */
  async function expectLiteral(page: Page, ...texts: string[]) {
    for (const t of texts) await page.getByText(t, { exact: false }).first().waitFor({ state: 'attached', timeout: 15_000 });
    const body = await page.locator('body').innerText();
    for (const t of texts) expect(body).toContain(t);
    await expectNoXss(page);
  }

  test(
    'names, room names and messages with markup are shown as text everywhere; no script runs',
    async () => {
      await withArtifactsOnFailure('chat-xss', n.page, server, async () => {
        // Room list (full page) and the room page.
        await n.page.goto(`${server.url}/`);
        await expectLiteral(n.page, `SEC101 · ${ROOM_NAME}`);
        await Promise.all([openRoom(m.page, server, xssRoom), openRoom(n.page, server, xssRoom)]);
        expect(await n.page.getByRole('heading', { level: 1 }).innerText()).toBe(ROOM_NAME);
        await expectLiteral(n.page, ROOM_NAME);

        // Live pushes: messages (with formatting around the markup), the sender's name, typing.
        const msgs = [IMG, SCRIPT, `**${IMG}** _${SCRIPT}_`, `\`${IMG}\` https://example.com/?q="><img src=x onerror=window.__xss=1>`, '[x](javascript:window.__xss=1)'];
        for (const t of msgs) await send(m.page, t);
        await eventually(async () => expect(await n.page.locator('article.msg').count()).toBe(msgs.length));
        await expectLiteral(n.page, IMG, SCRIPT, `Mallory ${IMG}`, 'javascript:window.__xss=1');
        expect(await n.page.locator('article.msg .who').first().innerText()).toBe(`Mallory ${IMG}`);
        expect(await n.page.locator('.log img, .log script, .log a[href^="javascript"]').count()).toBe(0);
        expect(await n.page.locator('.log a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(['https://example.com/?q=']);
        await m.page.getByRole('textbox', { name: 'Message' }).fill('typing…');
        await eventually(async () => expect(await n.page.locator('.typing').textContent()).toContain(`Mallory ${IMG} is typing`));
        await expectNoXss(n.page);
        await expectNoXss(m.page);

        // The same messages rendered by the server on a full page load.
        await n.page.reload();
        await waitConnected(n.page);
        expect(await n.page.locator('article.msg').count()).toBe(msgs.length);
        await expectLiteral(n.page, IMG, SCRIPT, `Mallory ${IMG}`);

        // Search results: room name, sender name and message text.
        await n.page.goto(`${server.url}/search?q=onerror`);
        expect(await n.page.locator('ol.results > li').count()).toBeGreaterThanOrEqual(3);
        await expectLiteral(n.page, ROOM_NAME, `Mallory ${IMG}`, IMG);
        expect(await n.page.locator('main img, main script').count()).toBe(0);

        // People search shows the name as text; a DM started by Mallory reaches Nkem's room list as
        // a live push named after her, and the DM page is titled with it.
        await n.page.goto(`${server.url}/people?q=Mallory`);
        await expectLiteral(n.page, `Mallory ${IMG}`);
        expect(await n.page.getByRole('button', { name: `Message Mallory ${IMG}` }).count()).toBe(1);
        await n.page.goto(`${server.url}/`);
        await waitConnected(n.page);
        await m.page.goto(`${server.url}/people?q=Nkem`);
        await m.page.getByRole('button', { name: 'Message Nkem Obi' }).click();
        await m.page.waitForURL(/\/rooms\/[\w-]+$/);
        const dmLink = n.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: `Mallory ${IMG}` });
        await dmLink.waitFor({ timeout: 15_000 });
        await expectNoXss(n.page);
        await dmLink.click();
        await n.page.waitForURL(m.page.url());
        expect(await n.page.getByRole('heading', { level: 1 }).innerText()).toBe(`Mallory ${IMG}`);
        await expectNoXss(n.page);
        await expectNoXss(m.page);

        // Trudy (a script in her name) signs in and posts: her name reaches Mallory in a live push.
        const t = await signIn(browser, server, trudy);
        await expectLiteral(t.page, `SEC101 · ${ROOM_NAME}`);
        await Promise.all([openRoom(t.page, server, xssRoom), openRoom(m.page, server, xssRoom)]);
        await send(t.page, 'hello from Trudy');
        await eventually(async () => expect((await logBodies(m.page)).at(-1)).toBe('hello from Trudy'));
        await expectLiteral(m.page, `Trudy ${SCRIPT}`);
        await expectNoXss(t.page);
        await t.context.close();
      });
    },
    TIMEOUT,
  );

  /** Signs Tolu in at a viewport and fills a friendly room for screenshots. */
  async function screenshotRoom(): Promise<string> {
    const id = await createCourseRoom(server, 'CSC201', 'Data Structures', [tolu, nkem]);
    const seedStore = await serverStore(server);
    try {
      const [tid, nid] = await Promise.all([tolu, nkem].map(async (u) => (await seedStore.users.byEmail(u.email))!.id));
      const lines: [string, string][] = [
        [nid!, 'Has anyone started the linked-list assignment?'],
        [tid!, 'Yes! The **insert** part is fine, but `delete(node)` keeps failing on the last element.'],
        [nid!, 'Check the tail pointer: https://example.com/notes/linked-lists#tail'],
        [tid!, 'That was it, thanks @nkem.obi 🙏'],
        [nid!, 'A very long word to check wrapping: Pneumonoultramicroscopicsilicovolcanoconiosis_and_more_characters_without_spaces'],
      ];
      for (const [i, [sender, body]] of lines.entries()) await seedStore.messages.append({ roomId: id, senderId: sender, clientId: `shot-${i}-abcdef`, kind: 'text', body, mentions: [] });
    } finally {
      await seedStore.close();
    }
    return id;
  }

  test(
    'screenshots: a room at 360×640 (phone) and 1280×800 (desktop); nothing wider than a phone screen',
    async () => {
      const roomId = await screenshotRoom();
      const tl = await signIn(browser, server, tolu, { viewport: { width: 360, height: 640 } });
      await withArtifactsOnFailure('chat-screens', tl.page, server, async () => {
        await tl.page.goto(`${server.url}/`);
        await tl.page.screenshot({ path: artifactPath('chat-mobile-rooms.png') });
        await openRoom(tl.page, server, roomId);
        await tl.page.getByRole('button', { name: 'Start call' }).waitFor(); // the call bar loads after the page
        expect(await tl.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
        // The newest message is fully in view, above the composer.
        await eventually(async () => {
          const [msg, log] = await Promise.all([tl.page.locator('article.msg').last().boundingBox(), tl.page.getByRole('log').boundingBox()]);
          expect(msg!.y + msg!.height).toBeLessThanOrEqual(log!.y + log!.height + 1);
        }, 3_000);
        expect(await tl.page.getByRole('button', { name: 'Send' }).isVisible()).toBe(true);
        expect(await tl.page.getByRole('textbox', { name: 'Message' }).isVisible()).toBe(true);
        await tl.page.screenshot({ path: artifactPath('chat-mobile.png') });
        await tl.page.setViewportSize({ width: 1280, height: 800 });
        await tl.page.getByRole('navigation', { name: 'Rooms' }).waitFor({ state: 'visible' });
        await tl.page.screenshot({ path: artifactPath('chat-desktop.png') });
      });
      await tl.context.close();
    },
    TIMEOUT,
  );

  test(
    'axe-core: login, room list and room pages have no serious or critical violations',
    async () => {
      const anon = await browser.newContext();
      const login = await anon.newPage();
      await login.goto(`${server.url}/login`);
      await axe(login, 'login');
      await anon.close();

      await n.page.goto(`${server.url}/`);
      await waitConnected(n.page);
      await axe(n.page, 'room list (/)');
      await openRoom(n.page, server, xssRoom);
      await axe(n.page, 'room page');
      await n.page.emulateMedia({ colorScheme: 'dark' });
      await axe(n.page, 'room page, dark scheme');
      await n.page.emulateMedia({ colorScheme: 'light' });
    },
    TIMEOUT,
  );
});
