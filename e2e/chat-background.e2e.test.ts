/**
 * Lets Talk in a background tab (views/client/notify.ts, network.ts keepOpenInBackground): the
 * chat socket stays open, so the tab's title counts what arrives, a DM or a mention shows a desktop
 * notification (once she has turned them on), a course message that does not name her does not,
 * and back on the tab a "New" line marks where she left. Before, hx-ws closed the socket of a
 * hidden tab and a DM went unseen until she came back.
 * How a tab is hidden and notifications are seen: notify-helpers.ts.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, launchBrowser, startServer, stopAll, withArtifactsOnFailure, type TestServer } from './harness';
import { allowNotifications, clickNotification, closedBodies, made, setHidden, turnOnNotifications } from './notify-helpers';
import { createCourseRoom, deleteMessage, eventually, expectLog, importUsers, logBodies, messageArticle, openRoom, send, signIn, waitConnected, type Account } from './chat-helpers';

const TIMEOUT = 180_000;

const title = (page: Page) => page.evaluate(() => document.title);

describeBrowser('a background tab (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let ada: Account, bola: Account, chidi: Account, dayo: Account, efe: Account, fola: Account, gozie: Account, ola: Account, hauwa: Account, ike: Account;
  let roomId: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    [ada, bola, chidi, dayo, efe, fola, gozie, ola, hauwa, ike] = (await importUsers(server, [
      { email: 'ada.obi@unilag.edu.ng', name: 'Ada Obi' },
      { email: 'bola.ade@unilag.edu.ng', name: 'Bola Ade' },
      { email: 'chidi.eze@unilag.edu.ng', name: 'Chidi Eze' },
      { email: 'dayo.bello@unilag.edu.ng', name: 'Dayo Bello' },
      { email: 'efe.okon@unilag.edu.ng', name: 'Efe Okon' },
      { email: 'fola.ade@unilag.edu.ng', name: 'Fola Ade' },
      { email: 'gozie.nna@unilag.edu.ng', name: 'Gozie Nna' },
      { email: 'dr.ola@unilag.edu.ng', name: 'Dr Ola', role: 'lecturer' },
      { email: 'hauwa.musa@unilag.edu.ng', name: 'Hauwa Musa' },
      { email: 'ike.obi@unilag.edu.ng', name: 'Ike Obi' },
    ])) as Account[] as [Account, Account, Account, Account, Account, Account, Account, Account, Account, Account];
    roomId = await createCourseRoom(server, 'GST101', 'Use of English', [ada, bola, chidi, dayo, efe, fola, gozie, { ...ola, roomRole: 'owner' }, hauwa, ike]);
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  test(
    'keeps its socket: the title counts, a DM and a mention notify and a class message does not, the notification opens the DM, a New line marks where she left',
    async () => {
      const [a, b, c] = await Promise.all([signIn(browser, server, ada), signIn(browser, server, bola), signIn(browser, server, chidi)]);
      await allowNotifications(a.context, a.page, server.url);
      await withArtifactsOnFailure('chat-background', a.page, server, async () => {
        await Promise.all([openRoom(a.page, server, roomId), openRoom(b.page, server, roomId)]);
        await send(b.page, 'Good morning, class');
        await expectLog(a.page, ['Good morning, class']);

        // Turned on from the Account menu: a first notification shows what they look like.
        await a.page.getByText('Account', { exact: true }).click();
        await a.page.getByRole('button', { name: 'Turn on desktop notifications' }).click();
        await a.page.getByRole('status').filter({ hasText: 'Desktop notifications are on.' }).waitFor();
        expect(await made(a.page)).toEqual([{ title: 'Desktop notifications are on', body: expect.stringContaining('Direct messages and messages that mention you') }]);
        await a.page.getByRole('button', { name: 'Turn off desktop notifications' }).waitFor();
        const baseTitle = await title(a.page);

        await setHidden(a.page, true);
        await send(b.page, 'The test moved to LT2');
        await send(b.page, '@ada.obi can you share the notes?');
        // Chidi writes to Ada directly: a new conversation.
        await c.page.goto(`${server.url}/people?q=Ada`);
        await c.page.getByRole('button', { name: 'Message Ada Obi' }).click();
        await c.page.waitForURL(/\/rooms\/[\w-]+$/);
        const dmPath = new URL(c.page.url()).pathname;
        await waitConnected(c.page);
        await send(c.page, 'Are you coming to the study group?');

        // Still hidden, her tab has all three and says so in its title.
        await expectLog(a.page, ['Good morning, class', 'The test moved to LT2', '@ada.obi can you share the notes?'], 20_000);
        await eventually(async () => expect(await title(a.page)).toBe(`(3) ${baseTitle}`), 20_000);
        await eventually(async () =>
          expect((await made(a.page)).slice(1)).toEqual([
            { title: 'Bola Ade in GST101 · Use of English', body: '@ada.obi can you share the notes?' },
            { title: 'Chidi Eze', body: 'Are you coming to the study group?' },
          ]),
        );

        // Back on the tab: the room's two are read, the DM still counts; the New line is above them.
        await setHidden(a.page, false);
        await eventually(async () => expect(await title(a.page)).toBe(`(1) ${baseTitle}`));
        const afterLine = a.page.locator('.log > .new-line + article.msg .body');
        expect(await afterLine.innerText()).toBe('The test moved to LT2');

        // The DM's notification opens the conversation.
        await setHidden(a.page, true);
        await clickNotification(a.page, 2);
        await a.page.waitForURL(`${server.url}${dmPath}`);
        await setHidden(a.page, false);
        await expectLog(a.page, ['Are you coming to the study group?']);
      });
      await Promise.all([a.context.close(), b.context.close(), c.context.close()]);
    },
    TIMEOUT,
  );

  test(
    'two tabs: nothing notifies about the room another tab of hers shows; a deleted message takes its notification away',
    async () => {
      const [a, b] = await Promise.all([signIn(browser, server, fola), signIn(browser, server, gozie)]);
      await allowNotifications(a.context, a.page, server.url);
      const other = await a.context.newPage(); // her second tab: the same browser, the same notifications setting
      await allowNotifications(a.context, other, server.url);
      await withArtifactsOnFailure('chat-background-tabs', other, server, async () => {
        await Promise.all([openRoom(a.page, server, roomId), openRoom(b.page, server, roomId)]);
        await turnOnNotifications(a.page);
        await other.goto(`${server.url}/`);
        await waitConnected(other);
        await setHidden(other, true);

        // The first tab shows the room: neither tab notifies about a mention in it.
        await send(b.page, '@fola.ade seen in the other tab');
        await eventually(async () => expect(await logBodies(a.page)).toContain('@fola.ade seen in the other tab'), 20_000);
        await eventually(async () => expect(await title(other)).toMatch(/^\(1\) /), 20_000);
        expect((await made(other)).length).toBe(0);

        // Both hidden: the next one notifies.
        await setHidden(a.page, true);
        await send(b.page, '@fola.ade sorry, wrong room');
        await eventually(async () => expect((await made(other)).map((m) => m.body)).toEqual(['@fola.ade sorry, wrong room']), 20_000);
        // Bola deletes it: the notification goes too.
        await deleteMessage(b.page, '@fola.ade sorry, wrong room');
        await eventually(async () => expect(await closedBodies(other)).toEqual(['@fola.ade sorry, wrong room']), 20_000);
      });
      await Promise.all([a.context.close(), b.context.close()]);
    },
    TIMEOUT,
  );

  test(
    "the lecturer's @class notifies every member and marks the message as mentioning her; a student's @class is plain text",
    async () => {
      const [l, h, i] = await Promise.all([signIn(browser, server, ola), signIn(browser, server, hauwa), signIn(browser, server, ike)]);
      await allowNotifications(h.context, h.page, server.url);
      await withArtifactsOnFailure('chat-background-class', h.page, server, async () => {
        await Promise.all([openRoom(l.page, server, roomId), openRoom(h.page, server, roomId), openRoom(i.page, server, roomId)]);
        await turnOnNotifications(h.page);
        await setHidden(h.page, true);
        await send(i.page, '@class who has the notes?');
        await send(l.page, '@class the test moves to Friday');
        await eventually(async () => expect((await logBodies(h.page)).slice(-2)).toEqual(['@class who has the notes?', '@class the test moves to Friday']), 20_000);
        await eventually(async () => expect((await made(h.page)).slice(1)).toEqual([{ title: 'Dr Ola in GST101 · Use of English', body: '@class the test moves to Friday' }]), 20_000);
        // A second @class a minute later is on the badge, not another notification for the whole class.
        await send(l.page, '@class bring your calculators');
        await eventually(async () => expect((await logBodies(h.page)).at(-1)).toBe('@class bring your calculators'), 20_000);
        expect((await made(h.page)).length).toBe(2);
        await setHidden(h.page, false);
        expect(await messageArticle(h.page, '@class the test moves to Friday').getAttribute('class')).toContain('mentions-me');
        expect(await messageArticle(h.page, '@class who has the notes?').getAttribute('class')).not.toContain('mentions-me');
      });
      await Promise.all([l.context.close(), h.context.close(), i.context.close()]);
    },
    TIMEOUT,
  );

  test(
    'a socket lost while hidden comes back while still hidden, and what it missed notifies once; turned off, nothing notifies',
    async () => {
      // Two who have not signed in yet (signIn is a first sign-in).
      const [a, b] = await Promise.all([signIn(browser, server, dayo), signIn(browser, server, efe)]);
      await allowNotifications(a.context, a.page, server.url);
      await withArtifactsOnFailure('chat-background-lost', a.page, server, async () => {
        await Promise.all([openRoom(a.page, server, roomId), openRoom(b.page, server, roomId)]);
        await turnOnNotifications(a.page);

        await setHidden(a.page, true);
        // The network goes and comes back while she is away: the socket is closed and must reopen by itself.
        await a.context.setOffline(true);
        await eventually(async () => expect(await a.page.locator('.app').getAttribute('data-conn')).toBe('down'));
        // Four mentions while she is away come back in the reconnect's replay: one notification for the room.
        for (let i = 1; i <= 4; i++) await send(b.page, `@dayo.bello note ${i}`);
        const before = (await made(a.page)).length;
        await a.context.setOffline(false);
        await waitConnected(a.page, 30_000);
        await eventually(async () => expect(await logBodies(a.page)).toContain('@dayo.bello note 4'), 20_000);
        await eventually(async () =>
          expect((await made(a.page)).slice(before)).toEqual([{ title: 'GST101 · Use of English', body: '4 new messages for you. The latest: @dayo.bello note 4' }]),
        );
        // One of them deleted: the summary that counts (and quotes) it goes.
        await deleteMessage(b.page, '@dayo.bello note 4');
        await eventually(async () => expect(await closedBodies(a.page)).toContain('4 new messages for you. The latest: @dayo.bello note 4'), 20_000);
        await send(b.page, '@dayo.bello are you there?');
        await eventually(async () => expect((await made(a.page)).map((m) => m.body)).toContain('@dayo.bello are you there?'), 20_000);

        // Turned off: a mention arrives, counted in the title, and nothing is shown.
        await setHidden(a.page, false);
        await a.page.getByRole('button', { name: 'Turn off desktop notifications' }).click();
        await a.page.getByRole('status').filter({ hasText: 'Desktop notifications are off.' }).waitFor();
        const count = (await made(a.page)).length;
        await setHidden(a.page, true);
        await send(b.page, '@dayo.bello last call for the notes');
        await eventually(async () => expect(await logBodies(a.page)).toContain('@dayo.bello last call for the notes'), 20_000);
        expect(await title(a.page)).toMatch(/^\(1\) /);
        expect((await made(a.page)).length).toBe(count);
      });
      await Promise.all([a.context.close(), b.context.close()]);
    },
    TIMEOUT,
  );
});
