/**
 * A link that goes dead without closing (QA: a frozen server, a mobile link gone quiet): the page
 * showed itself connected for minutes, and a delete and a report sent meanwhile were lost without
 * a word. The heartbeat (views/client/heartbeat.ts) finds it: the page says "Reconnecting…", the
 * delete and report not yet confirmed say so, a message typed meanwhile waits in the outbox, and
 * all goes on once the server answers again.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { describeBrowser, launchBrowser, startServer, stopAll, withArtifactsOnFailure, type TestServer } from './harness';
import { createCourseRoom, eventually, expectLog, importUsers, logBodies, messageArticle, openRoom, outboxItems, send, signIn, statusText, waitConnected, type Account } from './chat-helpers';
import { LOST } from '../views/client/unconfirmed';
import { startSlowProxy } from './slow-proxy';

const TIMEOUT = 180_000;
const PHONE = { width: 360, height: 740 };

describeBrowser('a dead link (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let ada: Account, bola: Account, carol: Account, dayo: Account;
  let roomId: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    [ada, bola, carol, dayo] = (await importUsers(server, [
      { email: 'ada.eze@unilag.edu.ng', name: 'Ada Eze' },
      { email: 'bola.ade@unilag.edu.ng', name: 'Bola Ade' },
      { email: 'carol.uche@unilag.edu.ng', name: 'Carol Uche' },
      { email: 'dayo.bello@unilag.edu.ng', name: 'Dayo Bello' },
    ])) as [Account, Account, Account, Account];
    roomId = await createCourseRoom(server, 'GST101', 'Use of English', [ada, bola, carol, dayo]);
  }, TIMEOUT);

  afterAll(async () => {
    server?.resume();
    await stopAll(browser, server);
  }, TIMEOUT);

  test(
    'is found within half a minute: Reconnecting…, the unconfirmed delete and report said, a new message kept; all goes on when the server answers',
    async () => {
      const [a, b] = await Promise.all([signIn(browser, server, ada, { viewport: PHONE, hasTouch: true, isMobile: true }), signIn(browser, server, bola)]);
      await withArtifactsOnFailure('chat-dead-link', a.page, server, async () => {
        await Promise.all([openRoom(a.page, server, roomId), openRoom(b.page, server, roomId)]);
        await send(a.page, 'mine, to delete');
        await send(b.page, 'anyone has the GST past questions?');
        await expectLog(a.page, ['mine, to delete', 'anyone has the GST past questions?']);
        a.page.on('dialog', (d) => void d.accept());

        server.pause();
        // Sent into the dead socket: nothing answers.
        await messageArticle(a.page, 'mine, to delete').getByRole('button', { name: 'Delete' }).tap();
        await messageArticle(a.page, 'GST past questions').getByRole('button', { name: 'Report' }).tap();
        await a.page.getByRole('dialog', { name: 'Tell the safeguarding team' }).getByRole('button', { name: 'This message is harmful' }).tap();
        const alertLine = a.page.locator(`#composer-error-${roomId}`);
        // 15 s quiet, a ping, 10 s without an answer (plus the 2.5 s check): found well within a minute.
        await eventually(async () => expect(await statusText(a.page)).toBe('Reconnecting…'), 60_000, 500);
        // Both unconfirmed actions are said in the room's line.
        expect(await alertLine.innerText()).toBe(`${LOST.delete} ${LOST.report}`);
        await send(a.page, 'typed while the link was dead');
        expect(await outboxItems(a.page)).toEqual([{ body: 'typed while the link was dead', state: expect.stringMatching(/^Pending/) }]);

        server.resume();
        await waitConnected(a.page, 60_000);
        await eventually(async () => expect(await outboxItems(a.page)).toEqual([]), 30_000);
        const once = async (p: typeof a.page) => expect((await logBodies(p)).filter((x) => x === 'typed while the link was dead')).toHaveLength(1);
        await eventually(() => once(b.page), 30_000);
        await once(a.page);
      });
      await Promise.all([a.context.close(), b.context.close()]);
    },
    TIMEOUT,
  );

  test(
    'a new socket that never opens (its request lost on the dead link) is replaced: back within seconds of the link, not minutes',
    async () => {
      // A phone on a mobile link: everything goes through a proxy that can go silent.
      const proxy = startSlowProxy(Number(new URL(server.url).port), { oneWayMs: 50, bytesPerSec: 1_000_000 });
      try {
        const [a, b] = await Promise.all([signIn(browser, { ...server, url: proxy.url }, carol), signIn(browser, server, dayo)]); // first sign-ins
        await withArtifactsOnFailure('chat-dead-link-connecting', a.page, server, async () => {
          await Promise.all([openRoom(a.page, { ...server, url: proxy.url }, roomId), openRoom(b.page, server, roomId)]);
          await waitConnected(a.page);
          proxy.silence();
          // Found dead by the heartbeat; the socket that replaces it goes into the silence too.
          await eventually(async () => expect(await statusText(a.page)).toBe('Reconnecting…'), 60_000, 500);
          await Bun.sleep(3000);
          proxy.speak();
          const back = Date.now();
          // The stuck attempt is given up 15 s after it began (ConnectWatch): Chromium would wait minutes.
          await waitConnected(a.page, 30_000);
          console.log(`dead link: connected ${Math.round((Date.now() - back) / 1000)} s after the link came back`);
          await send(b.page, 'are you back?');
          await eventually(async () => expect(await logBodies(a.page)).toContain('are you back?'), 20_000);
        });
        await Promise.all([a.context.close(), b.context.close()]);
      } finally {
        proxy.stop();
      }
    },
    TIMEOUT,
  );
});
