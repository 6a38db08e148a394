/**
 * Older messages in real Chromium, on a phone-sized screen: one scroll to the top loads one page
 * and the reader keeps her place (it used to load the whole history, page after page, and land on
 * the first message ever sent); a load that fails says so in the log and can be tried again, and
 * a member removed meanwhile is told so instead of seeing a "Not found" page among the messages.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, launchBrowser, serverStore, startServer, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import { createCourseRoom, eventually, importUsers, logBodies, openRoom, send, signIn, type Account, type Signed } from './chat-helpers';

const TIMEOUT = 120_000;

describeBrowser('older messages (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let ada: Account, bola: Account;
  let a: Signed, b: Signed;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    [ada, bola] = (await importUsers(server, [
      { email: 'ada.hist@unilag.edu.ng', name: 'Ada Hist' },
      { email: 'bola.hist@unilag.edu.ng', name: 'Bola Hist' },
    ])) as [Account, Account];
    [a, b] = await Promise.all([signIn(browser, server, ada, { viewport: { width: 360, height: 640 } }), signIn(browser, server, bola)]);
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  async function roomWith(code: string, count: number) {
    const id = await createCourseRoom(server, code, `Room ${code}`, [ada, bola]);
    await more(id, code, 1, count);
    return id;
  }

  /** Bola's messages `from`..`to` in the room (those in `mentionAda` mention Ada). */
  async function more(roomId: string, code: string, from: number, to: number, mentionAda: number[] = []) {
    const store = await serverStore(server);
    try {
      const [bolaId, adaId] = await Promise.all([bola, ada].map(async (u) => (await store.users.byEmail(u.email))!.id));
      for (let i = from; i <= to; i++) {
        const at = mentionAda.includes(i);
        // In HIS201 every 25th is Ada's own (older pages must mark them as hers).
        const sender = code === 'HIS201' && i % 25 === 0 ? adaId! : bolaId!;
        await store.messages.append({ roomId, senderId: sender, clientId: `${code}-${String(i).padStart(4, '0')}`, kind: 'text', body: `${code} message ${i}${at ? ' @ada.hist' : ''}`, mentions: at ? [adaId!] : [] });
      }
    } finally {
      await store.close();
    }
  }

  /** The bodies of the messages at least partly inside the log's box. */
  const onScreen = (page: Page) =>
    page.locator('.log').evaluate((log) => {
      const box = log.getBoundingClientRect();
      return [...log.querySelectorAll<HTMLElement>('article.msg')]
        .filter((m) => {
          const r = m.getBoundingClientRect();
          return r.bottom > box.top && r.top < box.bottom;
        })
        .map((m) => m.querySelector('.body')!.textContent!.trim());
    });

  test(
    'one scroll to the top loads one page, and the message that was at the top stays on screen',
    async () => {
      const roomId = await roomWith('HIS201', 300);
      await withArtifactsOnFailure('history-one-page', a.page, server, async () => {
        let fetches = 0;
        a.page.on('request', (r) => void (r.url().includes('/messages?before=') && fetches++));
        await openRoom(a.page, server, roomId);
        const articles = () => a.page.locator('article.msg').count();
        const before = await articles();
        // At the top of the log once, and no further scrolling (a wheel or a fling has momentum of its
        // own, which may rightly load a page more): before, the log stayed at its top after each page,
        // so the next sentinel was in view at once and loaded the next page, and the next.
        await a.page.locator('.log').evaluate((l) => (l.scrollTop = 0));
        const top = (await onScreen(a.page))[0]!;
        await eventually(async () => expect(await articles()).toBeGreaterThan(before));
        await Bun.sleep(2_000);
        expect(fetches).toBe(1);
        expect(await articles()).toBe(before + 50);
        expect(await onScreen(a.page)).toContain(top);
        // Her own messages in the loaded page are marked as hers: Edit, not Report.
        const own = a.page.locator('article.msg', { hasText: 'HIS201 message 225' });
        expect(await own.getAttribute('class')).toContain('mine');
      });
    },
    TIMEOUT,
  );

  test(
    'a load that fails offline says so and is tried again on request; a removed member is told so, not shown a Not found page',
    async () => {
      const roomId = await roomWith('HIS202', 160);
      await withArtifactsOnFailure('history-failures', a.page, server, async () => {
        await openRoom(a.page, server, roomId);
        const log = a.page.locator('.log');
        await a.page.context().setOffline(true);
        await log.evaluate((l) => (l.scrollTop = 0));
        const older = log.locator('.older');
        await eventually(async () => expect(await older.innerText()).toContain('Older messages could not be loaded (no connection).'));
        await a.page.context().setOffline(false);
        const count = await a.page.locator('article.msg').count();
        await older.getByRole('button', { name: 'Try again' }).click();
        await eventually(async () => expect(await a.page.locator('article.msg').count()).toBe(count + 50));

        // Removed from the room while reading it: the next page is refused, and said to be.
        const store = await serverStore(server);
        try {
          expect(await store.rooms.removeMember(roomId, (await store.users.byEmail(ada.email))!.id)).toBe(true);
        } finally {
          await store.close();
        }
        await log.evaluate((l) => (l.scrollTop = 0));
        await eventually(async () => expect(await log.locator('.older').innerText()).toContain('you are no longer a member of this room'));
        expect(await log.innerText()).not.toContain('Not found');
        expect(await log.innerText()).not.toContain('Go to the home page');
      });
    },
    TIMEOUT,
  );

  test(
    'on a phone, inside one room: a message and a mention in another room show on the Rooms link and in the tab title',
    async () => {
      const here = await roomWith('HIS204', 0);
      const there = await roomWith('HIS205', 0);
      await withArtifactsOnFailure('history-elsewhere', a.page, server, async () => {
        await openRoom(a.page, server, here);
        const back = a.page.locator('.room-head .back');
        expect(await back.isVisible()).toBe(true);
        expect(await back.locator('.elsewhere').isVisible()).toBe(false);
        await openRoom(b.page, server, there);
        await send(b.page, '@ada.hist the slides are up');
        await eventually(async () => expect(await back.locator('.elsewhere').innerText()).toBe('@ 1'));
        expect(await back.getAttribute('aria-label')).toBe('Rooms: 1 unread elsewhere, 1 mentioning you');
        expect(await a.page.title()).toMatch(/^\(1\) /);
        // The room list's own badge says what its count is (it said "0 mentions" beside "@1"; then an
        // aria-label on a span, which ARIA does not allow there): words for a screen reader, not "@".
        expect(await a.page.locator(`#rl-${there} .mention-badge`).textContent()).toBe('mentions: @1');
        expect(await a.page.locator(`#rl-${there} .mention-badge [aria-hidden="true"]`).textContent()).toBe('@');
        // A message in the open room itself is not "elsewhere".
        await openRoom(b.page, server, here);
        await send(b.page, 'hello here');
        await eventually(async () => expect(await logBodies(a.page)).toContain('hello here'));
        expect(await back.locator('.elsewhere').innerText()).toBe('@ 1');
        // Bola deletes the mention before Ada read it: nothing is left to read (it kept counting it).
        await openRoom(b.page, server, there);
        const mine = b.page.locator('article.msg', { hasText: 'the slides are up' });
        b.page.once('dialog', (d) => void d.accept());
        await mine.hover();
        await mine.getByRole('button', { name: 'Delete' }).click();
        await eventually(async () => expect(await back.locator('.elsewhere').isVisible()).toBe(false));
        expect(await a.page.locator(`#rl-${there} .unread-badge`).isVisible()).toBe(false);
      });
    },
    TIMEOUT,
  );

  test(
    'coming back to a busy room: unread messages older than the page are offered, with the mention among them, and open at the first unread; a "New" line marks where she left off',
    async () => {
      const roomId = await roomWith('HIS206', 30);
      await withArtifactsOnFailure('history-unread', a.page, server, async () => {
        await openRoom(a.page, server, roomId); // read up to 30
        await a.page.goto(`${server.url}/`);
        await more(roomId, 'HIS206', 31, 130, [40]);
        await openRoom(a.page, server, roomId);
        const bar = a.page.locator('.unread-above');
        expect(await bar.innerText()).toBe('50 unread messages above this page (1 mentioning you). Read from the first unread');
        // The page holds 81–130, all unread: the line is before 81.
        expect(await a.page.locator('.new-line + article.msg .body').innerText()).toBe('HIS206 message 81');
        await bar.getByRole('link', { name: 'Read from the first unread' }).click();
        await a.page.waitForURL(/\?before=81#m-/);
        await eventually(async () => expect(await onScreen(a.page)).toContain('HIS206 message 31'));

        // Read to the end now; five more arrive while she is away: the line is before the first of them.
        await openRoom(a.page, server, roomId);
        expect(await a.page.locator('.unread-above').count()).toBe(0);
        await a.page.goto(`${server.url}/`);
        await more(roomId, 'HIS206', 131, 135);
        await openRoom(a.page, server, roomId);
        expect(await a.page.locator('.new-line + article.msg .body').innerText()).toBe('HIS206 message 131');
        expect(await a.page.locator('.unread-above').count()).toBe(0);
        expect(await onScreen(a.page)).toContain('HIS206 message 135');
      });
    },
    TIMEOUT,
  );

  // Last: it signs Ada out.
  test(
    'older messages after the session lapsed: the page goes to the sign-in page (with the way back), not a sign-in form inside the log',
    async () => {
      const roomId = await roomWith('HIS207', 120);
      await withArtifactsOnFailure('history-lapsed', a.page, server, async () => {
        await openRoom(a.page, server, roomId);
        const store = await serverStore(server);
        try {
          await store.sessions.deleteForUser((await store.users.byEmail(ada.email))!.id);
        } finally {
          await store.close();
        }
        // Whether the log ever shows a sign-in form, kept across the navigation that follows.
        await a.page.locator('.log').evaluate((l) => {
          new MutationObserver(() => l.querySelector('form[action="/login"], input[type="password"]') && sessionStorage.setItem('login-in-log', 'yes')).observe(l, { childList: true, subtree: true });
          l.scrollTop = 0;
        });
        await a.page.waitForURL(`${server.url}/login?next=${encodeURIComponent(`/rooms/${roomId}`)}`);
        expect(await a.page.evaluate(() => sessionStorage.getItem('login-in-log'))).toBeNull();
      });
    },
    TIMEOUT,
  );
});
