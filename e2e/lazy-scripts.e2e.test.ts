/**
 * call.js and upload.js are fetched only when needed (views/client/on-demand.ts), in real Chromium:
 * a first visit to a room requests neither (and its bytes, as a phone moves them, are printed: the
 * README's data figures come from here); the first press of Start call (on a slow link, after a
 * failed load), or of Join call with the keyboard, loads call.js and is in the call; the call bar
 * keeps the keyboard focus before call.js is there; attaching a file loads upload.js and the file
 * is sent.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, serverStore, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import { createCourseRoom, openRoom as openChatRoom, type Signed } from './chat-helpers';
import { eventually, launchCallBrowser, openRoom, roomWithPeople, startCallServer } from './calls-helpers';
import { startSlowProxy, type SlowProxy } from './slow-proxy';
import { UPDATED } from '../views/client/on-demand';

const TIMEOUT = 120_000;
const KB = 1024;
const LAZY = /\/assets\/(call|upload)\.[0-9a-f]+\.js$/;
const CALL_JS = /\/assets\/call\.[0-9a-f]+\.js$/;
const UPLOAD_JS = /\/assets\/upload\.[0-9a-f]+\.js$/;

/**
 * What reaches the browser while `step` runs: everything through `proxy` (HTTP and the live socket,
 * the service worker's fetches included, as a phone's data plan counts it; TLS aside), and by URL
 * for the page's own requests (Chromium's count: headers and compressed bodies).
 */
async function moved(page: Page, proxy: SlowProxy, step: () => Promise<void>): Promise<{ total: number; urls: string[]; by: (re: RegExp) => number }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const url = new Map<string, string>();
  const sizes: { url: string; bytes: number }[] = [];
  cdp.on('Network.requestWillBeSent', (e) => url.set(e.requestId, e.request.url));
  cdp.on('Network.loadingFinished', (e) => sizes.push({ url: url.get(e.requestId) ?? '', bytes: e.encodedDataLength }));
  const before = proxy.downBytes;
  await step();
  // Until a second passes with nothing: the call bar, the socket's replay and the service worker's
  // update check (each page's register() asks for /sw.js again) come after the page.
  for (let last = -1; proxy.downBytes !== last; ) {
    last = proxy.downBytes;
    await Bun.sleep(1_000);
  }
  await cdp.detach();
  const by = (re: RegExp) => sizes.filter((s) => re.test(s.url)).reduce((n, s) => n + s.bytes, 0);
  return { total: proxy.downBytes - before, urls: [...url.values()], by };
}

const kb = (n: number) => `${(n / KB).toFixed(1)} KB`;

/** Every script URL the page has asked for so far. */
const scripts = (page: Page) => page.evaluate(() => performance.getEntriesByType('resource').map((r) => r.name).filter((n) => n.endsWith('.js')));

describeBrowser('call.js and upload.js on demand (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let roomId: string;
  let otherRoom: string;
  let ada: Signed;
  let bola: Signed;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startCallServer(), launchCallBrowser()]);
    const people = [
      { email: 'ada.lazy@unilag.edu.ng', name: 'Ada Lazy' },
      { email: 'bola.lazy@unilag.edu.ng', name: 'Bola Lazy' },
    ];
    const r = await roomWithPeople(server, browser, 'CSC101', people);
    roomId = r.roomId;
    [ada, bola] = r.signed as [Signed, Signed];
    otherRoom = await createCourseRoom(server, 'CSC102', 'Discrete Structures', people);
    // As server/http/page-weight.test.ts: a room shows its newest 50; this one has 50 older ones.
    const store = await serverStore(server);
    try {
      const sender = (await store.users.byEmail(people[1]!.email))!.id;
      const body = (i: number) => `Message ${i}: a typical sentence about the assignment due on Friday, with a link https://unilag.edu.ng/csc101.`;
      for (let i = 0; i < 100; i++) await store.messages.append({ roomId, senderId: sender, clientId: `lazy-a-${i}-xxxx`, kind: 'text', body: body(i), mentions: [] });
      for (let i = 0; i < 50; i++) await store.messages.append({ roomId: otherRoom, senderId: sender, clientId: `lazy-b-${i}-xxxx`, kind: 'text', body: body(i), mentions: [] });
    } finally {
      await store.close();
    }
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  test(
    'a first visit to a room requests neither call.js nor upload.js (and what it moves)',
    async () => {
      const page = ada.page;
      // Through a loopback proxy that counts the bytes. Its port is another origin: nothing cached
      // from signing in and no service worker yet, a first visit; cookies do not depend on the port.
      const proxy = startSlowProxy(Number(new URL(server.url).port), { oneWayMs: 0, bytesPerSec: 1e9 });
      const via: TestServer = { ...server, url: proxy.url };
      await withArtifactsOnFailure('lazy-first-visit', page, server, async () => {
        const first = await moved(page, proxy, async () => {
          await openRoom(page, via, roomId);
          await page.getByRole('button', { name: 'Start call' }).waitFor();
          await page.evaluate(() => navigator.serviceWorker.ready); // its first install is part of a first visit
        });
        const reload = await moved(page, proxy, async () => {
          await page.reload();
          await page.getByRole('button', { name: 'Start call' }).waitFor();
        });
        const other = await moved(page, proxy, () => openChatRoom(page, via, otherRoom));
        await moved(page, proxy, () => openChatRoom(page, via, roomId)); // settled, not counted
        const older = await moved(page, proxy, async () => {
          const articles = page.getByRole('log', { name: 'Messages' }).locator('article.msg');
          await page.locator('.older').scrollIntoViewIfNeeded();
          await eventually(async () => expect(await articles.count()).toBe(100));
        });
        // By URL for the first visit only: later navigations come through the service worker, which the page's count does not see.
        const assets = first.by(/\/assets\//);
        console.log(
          `first room visit: ${kb(first.total)} (room page ${kb(first.by(new RegExp(`/rooms/${roomId}$`)))}, styles and scripts ${kb(assets)}); ` +
            `reload ${kb(reload.total)}; another room ${kb(other.total)}; 50 older messages ${kb(older.total)}`,
        );
        for (const m of [first, reload, other, older]) expect(m.urls.filter((u) => LAZY.test(u))).toEqual([]);
        expect(await scripts(page)).not.toContainEqual(expect.stringMatching(LAZY));
      }).finally(async () => {
        await page.goto(`${server.url}/`);
        proxy.stop();
      });
    },
    TIMEOUT,
  );

  test(
    'the first press of Start call loads call.js and starts the call; Join call with the keyboard joins; the bar keeps the focus before call.js is there',
    async () => {
      await withArtifactsOnFailure('lazy-call', ada.page, server, async () => {
        await Promise.all([openRoom(ada.page, server, roomId), openRoom(bola.page, server, roomId)]);
        // Bola has the keyboard on Start call when Ada starts a call: Start call goes, Join call has the focus.
        await bola.page.getByRole('button', { name: 'Start call' }).focus();

        // No connection when Ada first presses it: she is told, and the next press tries again.
        const note = ada.page.locator(`#call-note-${roomId}`);
        await ada.page.route(CALL_JS, (route) => route.abort('internetdisconnected'));
        await ada.page.getByRole('button', { name: 'Start call' }).click();
        await eventually(async () => expect(await note.innerText()).toBe(`The call could not be loaded. Check your connection and press the button again. ${UPDATED}`));
        await ada.page.unroute(CALL_JS);
        // A slow link: the bar says it is getting ready; a second tap meanwhile is not a second join.
        await ada.page.route(CALL_JS, async (route) => {
          await Bun.sleep(1_500);
          await route.continue();
        });
        await ada.page.getByRole('button', { name: 'Start call' }).click();
        expect(await note.innerText()).toBe('Getting the call ready…');
        await ada.page.getByRole('button', { name: 'Start call' }).click();
        await ada.page.getByRole('button', { name: 'Leave call' }).waitFor({ timeout: 15_000 });
        await ada.page.unroute(CALL_JS);
        const lazy = (await scripts(ada.page)).filter((s) => LAZY.test(s));
        expect(lazy.length).toBeGreaterThan(0);
        expect(lazy.filter((s) => !CALL_JS.test(s))).toEqual([]);

        await eventually(async () => expect(await bola.page.evaluate(() => document.activeElement?.textContent)).toBe('Join call'), 10_000);
        expect((await scripts(bola.page)).filter((s) => LAZY.test(s))).toEqual([]);
        await bola.page.keyboard.press('Enter');
        await bola.page.getByRole('button', { name: 'Leave call' }).waitFor({ timeout: 15_000 });
        // One call, both in it (Ada's second tap joined nothing more).
        await eventually(async () => expect(await ada.page.locator(`#call-status-${roomId}`).innerText()).toBe('Call in progress · 2 people'));
        // The roster comes on the call's own socket: it may follow the status by a moment.
        await eventually(async () => expect(await ada.page.getByRole('list', { name: 'In the call' }).getByRole('listitem').count()).toBe(2));
        expect(await bola.page.locator(`#call-note-${roomId}`).innerText()).toBe('You are in the call.');

        for (const p of [bola.page, ada.page]) {
          await p.getByRole('button', { name: 'Leave call' }).click();
          await p.getByRole('button', { name: /^(Start|Join) call$/ }).first().waitFor();
        }
        expect(await scripts(ada.page)).not.toContainEqual(expect.stringContaining('/assets/upload.'));
      });
    },
    TIMEOUT,
  );

  test(
    'attaching a file loads upload.js and sends the file',
    async () => {
      await withArtifactsOnFailure('lazy-upload', ada.page, server, async () => {
        await openRoom(ada.page, server, roomId);
        const data = Buffer.alloc(200 * KB, 7);
        // A slow link: the uploads list says it is getting ready, then the file's own row takes over.
        await ada.page.route(UPLOAD_JS, async (route) => {
          await Bun.sleep(1_000);
          await route.continue();
        });
        await ada.page.getByLabel('Attach file').setInputFiles({ name: 'notes-week-3.pdf', mimeType: 'application/pdf', buffer: data });
        expect(await ada.page.locator(`#uploads-${roomId}`).innerText()).toBe('Getting ready to send…');
        await ada.page.getByRole('log', { name: 'Messages' }).getByRole('link', { name: 'notes-week-3.pdf' }).waitFor({ timeout: 30_000 });
        await ada.page.unroute(UPLOAD_JS);
        expect((await scripts(ada.page)).filter((s) => LAZY.test(s))).toEqual([expect.stringContaining('/assets/upload.')]);
        const href = (await ada.page.getByRole('link', { name: 'notes-week-3.pdf' }).getAttribute('href'))!;
        const res = await ada.context.request.get(server.url + href);
        expect(Buffer.from(await res.body()).equals(data)).toBe(true);
      });
    },
    TIMEOUT,
  );
});
