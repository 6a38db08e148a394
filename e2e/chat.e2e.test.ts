/**
 * Chat in real Chromium: two members talking in a course room (created with the CLI) and in a
 * direct message started from /people; a signed-in non-member who must learn nothing (pages,
 * history, search, hand-crafted WebSocket frames); bad frames; history paging.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { describeBrowser, launchBrowser, serverStore, startServer, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import {
  createCourseRoom, eventually, expectLog, importUsers, logBodies, openProbe, openRoom, probeSend, probeState, send, sentByMe, signIn, waitConnected, type Account, type Signed,
} from './chat-helpers';

const TIMEOUT = 120_000;

describeBrowser('chat (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let ada: Account, bola: Account, chidi: Account;
  let roomId: string;
  let a: Signed, b: Signed, c: Signed;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    [ada, bola, chidi] = await importUsers(server, [
      { email: 'ada.obi@unilag.edu.ng', name: 'Ada Obi' },
      { email: 'bola.ade@unilag.edu.ng', name: 'Bola Ade' },
      { email: 'chidi.eze@unilag.edu.ng', name: 'Chidi Eze' },
    ]) as [Account, Account, Account];
    roomId = await createCourseRoom(server, 'CSC101', 'Intro to Computing', [ada, bola]);
    [a, b, c] = await Promise.all([signIn(browser, server, ada), signIn(browser, server, bola), signIn(browser, server, chidi)]);
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  const course: [string, string, string] = ['Hello from Ada', 'Hi Ada, Bola here', 'Did you start the assignment?'];

  test(
    'two members talk in a course room and in a direct message; both see every message in order',
    async () => {
      await withArtifactsOnFailure('chat-two-users', a.page, server, async () => {
        // The CLI-created room is in both room lists.
        for (const s of [a, b]) await s.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: 'CSC101 · Intro to Computing' }).waitFor();
        await Promise.all([openRoom(a.page, server, roomId), openRoom(b.page, server, roomId)]);
        expect(await a.page.getByRole('heading', { level: 1 }).innerText()).toBe('Intro to Computing');

        await send(a.page, course[0]!);
        await expectLog(b.page, course.slice(0, 1));
        await send(b.page, course[1]!);
        await expectLog(a.page, course.slice(0, 2));
        await send(a.page, course[2]!);
        await Promise.all([expectLog(a.page, course), expectLog(b.page, course)]);
        await eventually(async () => expect(await sentByMe(a.page)).toEqual([course[0], course[2]]));
        expect(await sentByMe(b.page)).toEqual([course[1]]);

        // Direct message: Ada finds Bola on /people.
        await a.page.getByRole('link', { name: 'New message' }).click();
        await a.page.getByLabel('Find a person').fill('Bola');
        await a.page.getByRole('button', { name: 'Find' }).click();
        await a.page.getByRole('button', { name: 'Message Bola Ade' }).click();
        await a.page.waitForURL(/\/rooms\/[\w-]+$/);
        expect(await a.page.getByRole('heading', { level: 1 }).innerText()).toBe('Bola Ade');
        await eventually(async () => expect(await a.page.locator('.app').getAttribute('data-conn')).toBe('up'));
        await send(a.page, 'Private hello, Bola');

        // Bola's room list gets the conversation live (named after Ada), without a reload.
        const dmLink = b.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: 'Ada Obi' });
        await dmLink.waitFor({ timeout: 15_000 });
        await dmLink.click();
        await b.page.waitForURL(a.page.url());
        await eventually(async () => expect(await b.page.locator('.app').getAttribute('data-conn')).toBe('up'));
        await expectLog(b.page, ['Private hello, Bola']);
        await send(b.page, 'Hello back, Ada');
        await send(a.page, 'See you in class');
        const dm = ['Private hello, Bola', 'Hello back, Ada', 'See you in class'];
        await Promise.all([expectLog(a.page, dm), expectLog(b.page, dm)]);
        // The course room was not touched by the DM.
        await openRoom(a.page, server, roomId);
        expect(await logBodies(a.page)).toEqual(course);
      });
    },
    TIMEOUT,
  );

  test(
    'a signed-in non-member learns nothing: 404 pages, empty search, crafted frames refused',
    async () => {
      await withArtifactsOnFailure('chat-non-member', c.page, server, async () => {
        const res = await c.page.goto(`${server.url}/rooms/${roomId}`);
        expect(res?.status()).toBe(404);
        const text = await c.page.locator('body').innerText();
        for (const secret of ['Intro to Computing', 'CSC101', ...course]) expect(text).not.toContain(secret);
        expect(await c.page.getByRole('log').count()).toBe(0);

        const hist = await c.page.request.get(`${server.url}/rooms/${roomId}/messages`);
        expect(hist.status()).toBe(404);
        expect(await hist.text()).not.toContain('Hello from Ada');
        const older = await c.page.request.get(`${server.url}/rooms/${roomId}/messages?before=100`);
        expect(older.status()).toBe(404);

        await c.page.goto(`${server.url}/search?q=assignment`);
        expect(await c.page.getByRole('status').filter({ hasText: 'result' }).innerText()).toBe('0 results');
        expect(await c.page.locator('main').innerText()).not.toContain('assignment?');
        // Positive control: a member finds it.
        await a.page.goto(`${server.url}/search?q=assignment`);
        expect(await a.page.getByRole('status').filter({ hasText: 'result' }).innerText()).toBe('1 result');
        expect(await a.page.locator('ol.results').innerText()).toContain(course[2]!);

        // Hand-made frames from the non-member's own page (valid session, same origin).
        await c.page.goto(`${server.url}/`);
        await openProbe(c.page, 'intruder');
        await probeSend(c.page, 'intruder', { type: 'send', room: roomId, clientId: 'abcdefgh1234', body: 'intruder' });
        await probeSend(c.page, 'intruder', { type: 'resume', rooms: { [roomId]: 0 } });
        await eventually(async () => expect((await probeState(c.page, 'intruder')).frames.some((f) => f.includes('"resumed"'))).toBe(true));
        const reject = (await probeState(c.page, 'intruder')).frames.map((f) => (f.startsWith('{') ? JSON.parse(f) : f)).find((f) => f.type === 'reject');
        expect(reject).toMatchObject({ type: 'reject', clientId: 'abcdefgh1234', message: 'No such room.' });

        // Members talk on; the intruder's socket hears nothing of it, and nobody sees "intruder".
        await Promise.all([openRoom(a.page, server, roomId), openRoom(b.page, server, roomId)]);
        await send(b.page, 'Only for members');
        const all = [...course, 'Only for members'];
        await Promise.all([expectLog(a.page, all), expectLog(b.page, all)]);
        await Bun.sleep(500);
        const heard = await probeState(c.page, 'intruder');
        expect(heard.readyState).toBe(1);
        for (const f of heard.frames) {
          for (const secret of ['Intro to Computing', 'Only for members', `log-${roomId}`, ...course]) expect(f).not.toContain(secret);
        }
        await a.page.reload();
        await a.page.getByRole('log', { name: 'Messages' }).waitFor();
        expect(await logBodies(a.page)).toEqual(all);
        expect(await a.page.locator('main').innerText()).not.toContain('intruder');
      });
    },
    TIMEOUT,
  );

  test(
    'malformed, unknown and oversize frames get a notice and the socket keeps working',
    async () => {
      await withArtifactsOnFailure('chat-bad-frames', a.page, server, async () => {
        await Promise.all([openRoom(a.page, server, roomId), openRoom(b.page, server, roomId)]);
        const before = await logBodies(a.page);
        const notice = a.page.locator('#notice').getByRole('alert');
        // Through the page's own live socket, so the notice shows where the user sees it.
        const viaAppSocket = (data: string) => a.page.evaluate((d) => (document.querySelector('.app') as any)._htmx.ws.connection.socket.send(d), data);

        // The notice's text, without its Dismiss button.
        const said = async () => (await notice.innerText()).replace(/\s*Dismiss$/, '');
        await viaAppSocket('this is not json');
        await eventually(async () => expect(await said()).toBe('The app sent something the server could not understand. Reload the page if this keeps happening.'));
        await notice.getByRole('button', { name: 'Dismiss' }).click();
        expect(await notice.count()).toBe(0);
        await viaAppSocket(JSON.stringify({ type: 'shout', room: roomId }));
        await eventually(async () => expect(await said()).toContain('could not understand'));
        await viaAppSocket(JSON.stringify({ type: 'send', room: roomId, clientId: 'oversize0001', body: 'x'.repeat(40_000) }));
        await eventually(async () => expect(await said()).toMatch(/^That was too large to send \(\d+ KB; the limit is 32 KB\)\.$/));

        // Same socket, still open: the composer works and the other member sees it.
        expect(await a.page.locator('.app').getAttribute('data-conn')).toBe('up');
        await send(a.page, 'Still here after the bad frames');
        const after = [...before, 'Still here after the bad frames'];
        await Promise.all([expectLog(a.page, after), expectLog(b.page, after)]);

        // A raw member socket: junk, then a valid send on the same socket is acknowledged.
        await openProbe(b.page, 'member');
        await probeSend(b.page, 'member', '{"type":');
        await probeSend(b.page, 'member', 'y'.repeat(33 * 1024));
        await probeSend(b.page, 'member', { type: 'send', room: roomId, clientId: 'probe-valid-01', body: 'Sent on a raw socket' });
        await eventually(async () => {
          const st = await probeState(b.page, 'member');
          expect(st.closed).toBeNull();
          expect(st.frames.filter((f) => f.includes('could not understand'))).toHaveLength(1);
          expect(st.frames.filter((f) => f.includes('too large to send'))).toHaveLength(1);
          expect(st.frames.some((f) => f.startsWith('{') && JSON.parse(f).type === 'ack' && JSON.parse(f).clientId === 'probe-valid-01')).toBe(true);
        });
        await Promise.all([expectLog(a.page, [...after, 'Sent on a raw socket']), expectLog(b.page, [...after, 'Sent on a raw socket'])]);
        expect((await logBodies(a.page)).join('\n')).not.toContain('xxxxxxxx');
      });
    },
    TIMEOUT,
  );

  test(
    'history paging: scrolling to the top loads older messages, in order, once each',
    async () => {
      const histId = await createCourseRoom(server, 'HIS120', 'History seminar', [ada, bola]);
      const store = await serverStore(server); // a second writer while the server runs (SQLite WAL, or MongoDB)
      try {
        const ids = await Promise.all([ada, bola].map(async (u) => (await store.users.byEmail(u.email))!.id));
        for (let i = 1; i <= 120; i++) {
          await store.messages.append({ roomId: histId, senderId: ids[i % 2]!, clientId: `seed-${String(i).padStart(4, '0')}`, kind: 'text', body: `History message ${i}`, mentions: [] });
        }
      } finally {
        await store.close();
      }
      const expected = Array.from({ length: 120 }, (_, i) => `History message ${i + 1}`);
      await withArtifactsOnFailure('chat-history', a.page, server, async () => {
        await openRoom(a.page, server, histId);
        expect(await logBodies(a.page)).toEqual(expected.slice(70));
        const log = a.page.getByRole('log', { name: 'Messages' });
        await eventually(
          async () => {
            await log.evaluate((el) => (el.scrollTop = 0));
            expect(await log.getByText('This is the start of the conversation.').isVisible()).toBe(true);
          },
          30_000,
          300,
        );
        expect(await logBodies(a.page)).toEqual(expected);
        expect(await log.locator('.older').count()).toBe(0);
        // Live messages still append at the bottom after paging.
        await openRoom(b.page, server, histId);
        await send(b.page, 'After the history');
        await expectLog(a.page, [...expected, 'After the history']);
      });
    },
    TIMEOUT,
  );
  test(
    'a search hit older than the latest page opens the page around it, which stays put while the room moves on',
    async () => {
      const roomId2 = await createCourseRoom(server, 'GEO210', 'Field trip', [ada, bola]);
      const store = await serverStore(server);
      try {
        const ids = await Promise.all([ada, bola].map(async (u) => (await store.users.byEmail(u.email))!.id));
        for (let i = 1; i <= 80; i++) {
          const body = i === 5 ? 'Quokka sighting near the lagoon' : `Trip note ${i}`;
          await store.messages.append({ roomId: roomId2, senderId: ids[i % 2]!, clientId: `trip-${String(i).padStart(4, '0')}`, kind: 'text', body, mentions: [] });
        }
      } finally {
        await store.close();
      }
      await withArtifactsOnFailure('chat-search-jump', a.page, server, async () => {
        await a.page.goto(`${server.url}/search?q=quokka`);
        await a.page.getByRole('link', { name: 'Field trip' }).first().click();
        await a.page.waitForURL(/\?before=30#m-/);
        const hit = a.page.getByText('Quokka sighting near the lagoon');
        await hit.waitFor();
        await waitConnected(a.page); // live, so that "does not take the new message in" means something
        expect(await hit.isVisible()).toBe(true);
        const shown = await logBodies(a.page);
        expect(shown).toContain('Trip note 29');
        expect(shown).not.toContain('Trip note 30');
        expect(await a.page.locator('#composer').count()).toBe(0);
        // The room moves on: the older page does not take the new message in.
        await openRoom(b.page, server, roomId2);
        await send(b.page, 'Bus leaves at 7');
        await expectLog(b.page, [...Array.from({ length: 50 }, (_, i) => `Trip note ${i + 31}`), 'Bus leaves at 7']);
        await a.page.waitForTimeout(1000);
        expect(await logBodies(a.page)).toEqual(shown);
        await a.page.getByRole('link', { name: 'Go to the latest messages' }).click();
        await expectLog(a.page, [...Array.from({ length: 49 }, (_, i) => `Trip note ${i + 32}`), 'Bus leaves at 7']);
        expect(await a.page.locator('#composer').count()).toBe(1);
      });
    },
    TIMEOUT,
  );
});
