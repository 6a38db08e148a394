/**
 * Chat over bad networks in real Chromium: a client going offline (and reloading while offline),
 * a server restart mid-conversation, and a slow mobile link. What must hold: every message is
 * shown exactly once, in the same order on both sides, and the sender sees pending → sent.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { startSlowProxy } from './slow-proxy';
import { describeBrowser, launchBrowser, serverStore, startServer, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import {
  createCourseRoom, eventually, expectLog, importUsers, logBodies, OFFLINE_TEXT, openProbe, openRoom, outboxItems, probeState, RECONNECTING_TEXT, send, sentByMe,
  PASSWORD, readStamps, signIn, signInOnPage, startStamps, statusText, waitConnected, type Account, type Signed,
} from './chat-helpers';

const TIMEOUT = 120_000;

describeBrowser('chat on bad networks (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let dayo: Account, efe: Account, femi: Account, gbenga: Account, hauwa: Account, ike: Account;
  let roomId: string;
  let a: Signed, b: Signed;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    [dayo, efe, femi, gbenga, hauwa, ike] = await importUsers(server, [
      { email: 'dayo.bello@unilag.edu.ng', name: 'Dayo Bello' },
      { email: 'efe.okon@unilag.edu.ng', name: 'Efe Okon' },
      { email: 'femi.lawal@unilag.edu.ng', name: 'Femi Lawal' },
      { email: 'gbenga.uche@unilag.edu.ng', name: 'Gbenga Uche' },
      { email: 'hauwa.musa@unilag.edu.ng', name: 'Hauwa Musa' },
      { email: 'ike.nwosu@unilag.edu.ng', name: 'Ike Nwosu' },
    ]) as [Account, Account, Account, Account, Account, Account];
    roomId = await createCourseRoom(server, 'NET101', 'Networks', [dayo, efe]);
    [a, b] = await Promise.all([signIn(browser, server, dayo), signIn(browser, server, efe)]);
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  /** Both sides show the same log, each message once, and each sender's messages in their order. */
  async function expectSameLog(expectedSet: string[], perSender: string[][]) {
    const both = await eventually(async () => {
      const [la, lb] = await Promise.all([logBodies(a.page), logBodies(b.page)]);
      expect([...la].sort()).toEqual([...expectedSet].sort());
      expect(lb).toEqual(la);
      return la;
    }, 30_000);
    for (const seq of perSender) expect(both.filter((m) => seq.includes(m))).toEqual(seq);
    return both;
  }

  test(
    'offline client: status and pending items while offline, everything exactly once after reconnecting',
    async () => {
      await withArtifactsOnFailure('chat-offline', a.page, server, async () => {
        await Promise.all([openRoom(a.page, server, roomId), openRoom(b.page, server, roomId)]);
        await send(a.page, 'Before the outage');
        await expectLog(b.page, ['Before the outage']);

        // A raw socket the app does not manage shows what the emulation itself does: in this
        // Chromium it stays OPEN and frames are held, then delivered late after going online. So
        // the app must (and does) close its own socket on 'offline' to start queueing.
        await openProbe(a.page, 'raw');
        await a.context.setOffline(true);
        await eventually(async () => expect(await statusText(a.page)).toBe(OFFLINE_TEXT));
        await send(a.page, 'Offline one');
        await send(a.page, 'Offline two');
        await eventually(async () => expect(await outboxItems(a.page)).toEqual([
          { body: 'Offline one', state: 'Pending — waiting for connection' },
          { body: 'Offline two', state: 'Pending — waiting for connection' },
        ]));
        await send(b.page, 'Efe while Dayo is away');
        await send(b.page, 'Efe again');
        await expectLog(b.page, ['Before the outage', 'Efe while Dayo is away', 'Efe again']);
        await Bun.sleep(1_000);
        expect(await logBodies(a.page)).toEqual(['Before the outage']);
        const raw = await probeState(a.page, 'raw');
        console.log(`[offline] raw WebSocket after setOffline(true): readyState=${raw.readyState} closeCode=${raw.closed} heardPushWhileOffline=${raw.frames.some((f) => f.includes('Efe again'))}`);
        expect(raw.frames.some((f) => f.includes('Efe again'))).toBe(false); // no traffic gets through

        // The resume frame names the page's rev and the revs it holds below it (the reorder window).
        const held = await a.page.locator('article.msg').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.rev)));
        const sent: string[] = [];
        a.page.on('websocket', (ws) => ws.on('framesent', (f) => void sent.push(String(f.payload))));
        await a.context.setOffline(false);
        await waitConnected(a.page);
        const resume = JSON.parse(sent.find((f) => f.includes('"type":"resume"'))!);
        expect(resume.rooms).toEqual({ [roomId]: Math.max(...held) });
        expect(resume.have).toEqual({ [roomId]: held });
        const all = ['Before the outage', 'Efe while Dayo is away', 'Efe again', 'Offline one', 'Offline two'];
        await Promise.all([expectLog(a.page, all), expectLog(b.page, all)]);
        await eventually(async () => expect(await outboxItems(a.page)).toEqual([]));
        expect(await sentByMe(a.page)).toEqual(['Before the outage', 'Offline one', 'Offline two']);
        expect(await statusText(a.page)).toBe('');
        const rawAfter = await probeState(a.page, 'raw');
        console.log(`[offline] raw WebSocket after setOffline(false): readyState=${rawAfter.readyState} closeCode=${rawAfter.closed} heardOfflinePushLate=${rawAfter.frames.some((f) => f.includes('Efe again'))}`);
      });
    },
    TIMEOUT,
  );

  test(
    'back online after a long outage: one new connection that stays, so Delete works at once',
    async () => {
      await withArtifactsOnFailure('chat-offline-long', a.page, server, async () => {
        await Promise.all([openRoom(a.page, server, roomId), openRoom(b.page, server, roomId)]);
        await send(a.page, 'Delete me after the outage');
        await eventually(async () => expect(await logBodies(b.page)).toContain('Delete me after the outage'));
        // Offline long enough for attempts to fail and a later one to be scheduled (back-off 0.5, 1, 2 s…).
        await a.context.setOffline(true);
        await eventually(async () => expect(await statusText(a.page)).toBe(OFFLINE_TEXT));
        await Bun.sleep(2_500);
        // Sockets that got through (a frame received): an attempt still failing offline is no connection.
        const opened: { closed: boolean; live: boolean }[] = [];
        a.page.on('websocket', (ws) => {
          if (!new URL(ws.url()).pathname.startsWith('/ws')) return;
          const s = { closed: false, live: false };
          opened.push(s);
          ws.on('framereceived', () => (s.live = true));
          ws.on('close', () => (s.closed = true));
        });
        await a.context.setOffline(false);
        await waitConnected(a.page);
        // The back-off timer left from the outage used to open a second socket seconds later,
        // closing the first: a Delete pressed in between was refused as "no connection".
        await Bun.sleep(6_000);
        expect(opened.filter((s) => s.live).map((s) => s.closed)).toEqual([false]);
        expect(await statusText(a.page)).toBe('');
        const art = a.page.locator('article.msg', { hasText: 'Delete me after the outage' });
        a.page.once('dialog', (d) => void d.accept());
        await art.hover();
        await art.getByRole('button', { name: 'Delete' }).click();
        await eventually(async () => expect(await logBodies(b.page)).not.toContain('Delete me after the outage'));
      });
    },
    TIMEOUT,
  );

  test(
    'signed out while offline (the session ended meanwhile): back online, the sign-in page instead of "Reconnecting…" for ever, then the room again',
    async () => {
      await withArtifactsOnFailure('chat-offline-signed-out', a.page, server, async () => {
        await openRoom(a.page, server, roomId);
        await a.context.setOffline(true);
        await eventually(async () => expect(await statusText(a.page)).toBe(OFFLINE_TEXT));
        await send(a.page, 'Queued before my session ended');
        // Ended in the store, as an expiry would: no open socket is told (the page's is closed).
        const store = await serverStore(server);
        try {
          const user = await store.users.byEmail(dayo.email);
          expect(await store.sessions.deleteForUser(user!.id)).toBeGreaterThan(0);
        } finally {
          await store.close();
        }
        await a.context.setOffline(false);
        // The upgrade is refused (401), which the page cannot tell from a lost network: it asks.
        await a.page.waitForURL(`${server.url}/login?next=${encodeURIComponent(`/rooms/${roomId}`)}`, { timeout: 20_000 });
        await a.page.getByLabel('Email').fill(dayo.email);
        await a.page.getByLabel('Password').fill(PASSWORD);
        await a.page.getByRole('button', { name: 'Sign in' }).click();
        await a.page.waitForURL(`${server.url}/rooms/${roomId}`);
        // The sign-in page cleared the outbox, as for every sign-out (views/client/signed-out.ts).
        await waitConnected(a.page);
        expect(await outboxItems(a.page)).toEqual([]);
      });
    },
    TIMEOUT,
  );

  /** Own outbox entries kept in localStorage (what survives a reload). */
  const storedOutbox = (page: Page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('lt-outbox:')).flatMap((k) => JSON.parse(localStorage.getItem(k)!).map((p: { body: string }) => p.body)));

  async function goOfflineAndSend(text: string) {
    await a.context.setOffline(true);
    await eventually(async () => expect(await statusText(a.page)).toBe(OFFLINE_TEXT));
    await send(a.page, text);
    expect(await storedOutbox(a.page)).toEqual([text]);
  }

  test(
    'reload while offline, or closing the tab: the outbox survives in localStorage and is sent once after reconnecting',
    async () => {
      await withArtifactsOnFailure('chat-offline-reload', a.page, server, async () => {
        await Promise.all([openRoom(a.page, server, roomId), openRoom(b.page, server, roomId)]);
        const log = await logBodies(a.page);

        // 1. Reload while offline: it fails (no service worker; Chromium shows its error page).
        await goOfflineAndSend('Typed offline, then reloaded');
        await a.page.reload().catch(() => {});
        await a.context.setOffline(false);
        await a.page.goto(`${server.url}/rooms/${roomId}`);
        await waitConnected(a.page);
        log.push('Typed offline, then reloaded');
        await Promise.all([expectLog(a.page, log), expectLog(b.page, log)]);
        await eventually(async () => expect(await outboxItems(a.page)).toEqual([]));
        expect(await storedOutbox(a.page)).toEqual([]);

        // 2. Chromium may keep the old document running behind a failed reload (it then sends the
        // outbox itself on 'online'), so the pending state is checked with a closed tab: only
        // localStorage carries the message to the next page.
        await goOfflineAndSend('Typed offline, then the tab was closed');
        await a.page.close();
        a.page = await a.context.newPage();
        await a.page.addInitScript(() => {
          // The restored outbox shows only until the flush is acknowledged: record what is rendered.
          const seen: string[] = ((window as unknown as { __outboxSeen: string[] }).__outboxSeen = []);
          new MutationObserver(() => {
            for (const li of Array.from(document.querySelectorAll('ul.outbox li.pending'))) {
              const t = `${li.querySelector('.body')?.textContent} | ${li.querySelector('.state')?.textContent}`;
              if (!seen.includes(t)) seen.push(t);
            }
          }).observe(document, { childList: true, subtree: true, characterData: true });
        });
        await a.context.setOffline(false);
        await a.page.goto(`${server.url}/rooms/${roomId}`);
        await waitConnected(a.page);
        log.push('Typed offline, then the tab was closed');
        await Promise.all([expectLog(a.page, log), expectLog(b.page, log)]);
        await eventually(async () => expect(await outboxItems(a.page)).toEqual([]));
        expect(await a.page.evaluate(() => (window as unknown as { __outboxSeen: string[] }).__outboxSeen)).toContain('Typed offline, then the tab was closed | Pending — waiting for connection');

        // Nothing is sent again by a later page load.
        await a.page.reload();
        await waitConnected(a.page);
        expect(await logBodies(a.page)).toEqual(log);
        await Bun.sleep(500);
        expect(await logBodies(b.page)).toEqual(log);
      });
    },
    TIMEOUT,
  );

  test(
    'server restart mid-conversation: "Reconnecting…", then every message exactly once on both sides',
    async () => {
      await withArtifactsOnFailure('chat-restart', a.page, server, async () => {
        await Promise.all([openRoom(a.page, server, roomId), openRoom(b.page, server, roomId)]);
        const before = await logBodies(a.page);
        await server.kill();
        await Promise.all([a.page, b.page].map((p) => eventually(async () => expect(await statusText(p)).toBe(RECONNECTING_TEXT))));
        await send(a.page, 'Gap: Dayo 1');
        await send(b.page, 'Gap: Efe 1');
        await send(a.page, 'Gap: Dayo 2');
        const waiting = (...bodies: string[]) => bodies.map((body) => ({ body, state: 'Pending — waiting for connection' }));
        expect(await outboxItems(a.page)).toEqual(waiting('Gap: Dayo 1', 'Gap: Dayo 2'));
        expect(await outboxItems(b.page)).toEqual(waiting('Gap: Efe 1'));
        await Bun.sleep(1_500); // a few failed reconnect attempts
        expect(await statusText(a.page)).toBe(RECONNECTING_TEXT);

        await server.start();
        const t0 = Date.now();
        await Promise.all([waitConnected(a.page, 30_000), waitConnected(b.page, 30_000)]);
        console.log(`[restart] both clients resumed ${Date.now() - t0} ms after the server was healthy again`);
        const gap = ['Gap: Dayo 1', 'Gap: Efe 1', 'Gap: Dayo 2'];
        await expectSameLog([...before, ...gap], [['Gap: Dayo 1', 'Gap: Dayo 2']]);
        for (const p of [a.page, b.page]) await eventually(async () => expect(await outboxItems(p)).toEqual([]));
        await send(b.page, 'After the restart');
        await expectSameLog([...before, ...gap, 'After the restart'], [['Gap: Dayo 1', 'Gap: Dayo 2']]);
      });
    },
    TIMEOUT,
  );

  /**
   * From user A opening /login (first sign-in with the one-time code) to user B, already in the
   * room on the same kind of link, seeing A's first message. Prints the time and its parts.
   */
  async function slowLink(label: string, base: TestServer, users: [Account, Account], code: string, setup: (page: Page) => Promise<void>) {
    const [sender, receiver] = await Promise.all(users.map(async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await setup(page);
      return { context, page };
    }));
    const enterRoom = async (page: Page) => {
      await page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: new RegExp(`^${code} · `) }).click();
      await page.getByRole('log', { name: 'Messages' }).waitFor();
      await waitConnected(page, 60_000);
    };
    await withArtifactsOnFailure(`chat-slow-${code}`, sender!.page, server, async () => {
      const [first, reply] = ['Hello over a slow link', 'Reply over a slow link'];
      await signInOnPage(receiver!.page, base, users[1]);
      await enterRoom(receiver!.page);
      await startStamps(receiver!.page, first);
      const t0 = Date.now(); // same clock as the pages' Date.now()
      await signInOnPage(sender!.page, base, users[0]);
      const tSignedIn = Date.now();
      await enterRoom(sender!.page);
      const tRoom = Date.now();
      await startStamps(sender!.page, reply);
      await send(sender!.page, first);
      await receiver!.page.getByRole('log', { name: 'Messages' }).getByText(first).waitFor({ timeout: 60_000 });
      const [s1, r1] = await Promise.all([readStamps(sender!.page), readStamps(receiver!.page)]);
      const total = r1.seen! - t0;
      await send(receiver!.page, reply);
      await sender!.page.getByRole('log', { name: 'Messages' }).getByText(reply).waitFor({ timeout: 30_000 });
      const [s2, r2] = await Promise.all([readStamps(sender!.page), readStamps(receiver!.page)]);
      console.log(
        `[slow link: ${label}] /login → message visible to the other user: ${total} ms ` +
          `(sign-in ${tSignedIn - t0} ms, open room + live connection ${tRoom - tSignedIn} ms, Send pressed → shown to the other user ${r1.seen! - s1.submit!} ms); ` +
          `a live reply the other way: ${s2.seen! - r2.submit!} ms`,
      );
      expect(total).toBeLessThan(60_000);
    });
    await Promise.all([sender!.context.close(), receiver!.context.close()]);
  }

  test(
    'slow link, CDP emulation on both contexts (400 ms RTT, 50 kB/s): sign-in to message seen by the other person',
    async () => {
      await createCourseRoom(server, 'SLO101', 'Slow Links', [femi, gbenga]);
      await slowLink('CDP 400 ms RTT, 50 kB/s', server, [femi, gbenga], 'SLO101', async (page) => {
        const cdp = await page.context().newCDPSession(page);
        await cdp.send('Network.enable');
        // CDP "latency" is added once per request/response round trip: 400 ms = 200 ms each way.
        // It does not delay WebSocket frames (only the handshake); see the proxy variant below.
        await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 400, downloadThroughput: 50_000, uploadThroughput: 50_000 });
      });
    },
    TIMEOUT,
  );

  test(
    'slow link through a delaying proxy (200 ms each way, 50 kB/s, WebSocket included): sign-in to message seen',
    async () => {
      await createCourseRoom(server, 'SLO102', 'Slower Links', [hauwa, ike]);
      const proxy = startSlowProxy(Number(new URL(server.url).port), { oneWayMs: 200, bytesPerSec: 50_000 });
      try {
        await slowLink('proxy 200 ms each way, 50 kB/s', { ...server, url: proxy.url }, [hauwa, ike], 'SLO102', async () => {});
      } finally {
        proxy.stop();
      }
    },
    TIMEOUT,
  );
});
