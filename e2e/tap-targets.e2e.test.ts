/**
 * Tap targets on a 360×740 touch phone. QA measured links standing on their own line ("Back to
 * rooms", "Back to the room", "Back to your rooms", "Go to the home page") 19 px tall, "Load older
 * messages" 144×16 and the admin import page's checkbox 19×19. Such links are now at least 44 px
 * tall where the pointer is a finger (24 px elsewhere), checkboxes 24 px, and no page got wider.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { cli, describeBrowser, launchBrowser, serverStore, startServer, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import { createCourseRoom, importUsers, openRoom, signIn, type Account, type Signed } from './chat-helpers';

const TIMEOUT = 180_000;
const PHONE = { viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true };

type Size = { what: string; width: number; height: number };

/** The size of each visible element matching `selector` (named by its text), and the page's width. */
async function sizes(page: Page, selector: string): Promise<{ targets: Size[]; pageWidth: number }> {
  return page.evaluate((selector) => ({
    targets: [...document.querySelectorAll<HTMLElement>(selector)]
      .filter((el) => el.getClientRects().length > 0)
      .map((el) => ({ what: (el.textContent || el.getAttribute('name') || el.tagName).trim(), width: Math.round(el.getBoundingClientRect().width), height: Math.round(el.getBoundingClientRect().height) })),
    pageWidth: document.documentElement.scrollWidth,
  }), selector);
}

/** Visits each page and measures its standalone links named by the pattern (at least one each); and the page's width. */
async function standaloneLinks(page: Page, server: TestServer, pages: [string, RegExp][]) {
  const found: Size[] = [];
  const widths: { path: string; pageWidth: number }[] = [];
  for (const [path, names] of pages) {
    await page.goto(`${server.url}${path}`);
    const s = await sizes(page, 'main p a');
    const mine = s.targets.filter((t) => names.test(t.what));
    expect({ path, found: mine.length > 0 }).toEqual({ path, found: true });
    found.push(...mine);
    widths.push({ path, pageWidth: s.pageWidth });
  }
  return { found, widths };
}

describeBrowser('tap targets on a touch phone (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let ada: Signed, admin: Signed;
  let roomId: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    const [a, b] = (await importUsers(server, [
      { email: 'ada.eze@unilag.edu.ng', name: 'Ada Eze' },
      { email: 'bola.ade@unilag.edu.ng', name: 'Bola Ade' },
    ])) as [Account, Account];
    roomId = await createCourseRoom(server, 'GST101', 'Use of English', [a, b]);
    // More than two pages of history: "Load older messages" stays at the top of the log.
    const store = await serverStore(server);
    try {
      const bolaId = (await store.users.byEmail(b.email))!.id;
      for (let i = 1; i <= 120; i++) await store.messages.append({ roomId, senderId: bolaId, clientId: `seed-${i}`, kind: 'text', body: `GST101 message ${i}`, mentions: [] });
    } finally {
      await store.close();
    }
    const r = await cli(server, ['users', 'create-admin', '--email', 'registrar@unilag.edu.ng', '--name', 'Registrar Admin']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    [ada, admin] = await Promise.all([
      signIn(browser, server, a, PHONE),
      signIn(browser, server, { email: 'registrar@unilag.edu.ng', name: 'Registrar Admin', code: /login code: (\S+)/.exec(r.stdout)![1]! }, PHONE),
    ]);
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  test(
    "a student's standalone links and Load older messages are at least 44 px tall; no page is wider than the phone",
    async () => {
      const page = ada.page;
      await withArtifactsOnFailure('tap-targets-student', page, server, async () => {
        const pages: [string, RegExp][] = [
          ['/people', /^(Start a group conversation|Back to rooms)$/],
          ['/groups/new', /^Back to rooms$/],
          ['/search?q=message', /^Back to rooms$/],
          [`/rooms/${roomId}/members`, /^Back to the room$/],
          ['/safeguarding', /^Back to your rooms$/],
          ['/password', /^Back to your rooms$/],
          ['/no-such-page', /^Go to the home page$/],
        ];
        const { found, widths } = await standaloneLinks(page, server, pages);
        await openRoom(page, server, roomId);
        const older = await sizes(page, '.older a');
        expect(older.targets.map((t) => t.what)).toEqual(['Load older messages']);
        found.push(...older.targets);
        widths.push({ path: 'room', pageWidth: older.pageWidth });

        expect(found.filter((t) => t.height < 44)).toEqual([]);
        expect(widths.filter((w) => w.pageWidth > 360)).toEqual([]);
      });
    },
    TIMEOUT,
  );

  test(
    "the admin import page's checkbox is at least 24 px; the portal's standalone links at least 44 px",
    async () => {
      const page = admin.page;
      await withArtifactsOnFailure('tap-targets-admin', page, server, async () => {
        await page.goto(`${server.url}/admin/import`);
        const boxes = await sizes(page, 'main input[type="checkbox"]');
        expect(boxes.targets.length).toBeGreaterThan(0);
        expect(boxes.targets.filter((t) => t.width < 24 || t.height < 24)).toEqual([]);

        const { found, widths } = await standaloneLinks(page, server, [
          ['/admin/rooms', /^Show archived rooms$/],
          [`/admin/rooms/${roomId}`, /^Back to rooms$/],
          ['/admin/users', /^(New user|Import from CSV)$/],
        ]);
        expect(widths.filter((w) => w.pageWidth > 360)).toEqual([]);
        // A user's page and a confirmation page's Cancel.
        await page.getByRole('link', { name: 'Ada Eze' }).click();
        found.push(...(await sizes(page, 'main p a')).targets.filter((t) => t.what.startsWith('All audit entries for')));
        await page.getByRole('button', { name: 'Suspend' }).click();
        await page.getByRole('link', { name: 'Cancel' }).waitFor();
        found.push(...(await sizes(page, 'main p a')).targets.filter((t) => t.what === 'Cancel'));
        expect(found.length).toBe(6);
        expect(found.filter((t) => t.height < 44)).toEqual([]);
      });
    },
    TIMEOUT,
  );
});
