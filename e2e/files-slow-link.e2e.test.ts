/**
 * An upload from a phone on slow, flaky mobile data, in real Chromium: through a loopback proxy
 * whose way up carries 12 KB/s (CDP throttling does not slow WebSocket frames) and which drops
 * every connection each time another 96 KB has reached the server. With fixed 256 KB chunks no
 * chunk ever finished between drops: the server answered "start from 0" each time and the bar
 * stood at "0 B". Paced chunks are kept across every drop, the bar moves from the first small
 * chunk, and the file arrives intact. Cuts follow bytes delivered, not the clock, so a slow
 * machine changes how long this takes, not what it checks.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { describeBrowser, launchBrowser, startServer, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import { createCourseRoom, importUsers, openRoom, signIn, type Signed } from './chat-helpers';
import { startSlowProxy, type SlowProxy } from './slow-proxy';

const TIMEOUT = 300_000;
const KB = 1024;
const UP_BYTES_PER_SEC = 12 * KB;
const CUT_EVERY = 96 * KB;
const CUTS = 3;

const sha = (b: Uint8Array) => new Bun.CryptoHasher('sha256').update(b).digest('hex');

/** "16 KB of 320 KB · …" → 16384; null for any other text (preparing, reconnecting). */
function doneBytes(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?) (B|KB|MB) of /.exec(text);
  return m ? Number(m[1]) * { B: 1, KB, MB: KB * KB }[m[2] as 'B' | 'KB' | 'MB'] : null;
}

describeBrowser('files on a slow, flaky link (browser)', () => {
  let server: TestServer;
  let proxy: SlowProxy;
  let browser: Browser;
  let a: Signed;
  let roomId: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    proxy = startSlowProxy(Number(new URL(server.url).port), { oneWayMs: 50, bytesPerSec: 1_000_000, upBytesPerSec: UP_BYTES_PER_SEC });
    const [ada] = await importUsers(server, [{ email: 'ada.obi@unilag.edu.ng', name: 'Ada Obi' }]);
    roomId = await createCourseRoom(server, 'CSC207', 'Networks', [ada!]);
    a = await signIn(browser, { ...server, url: proxy.url }, ada!);
  }, TIMEOUT);

  afterAll(async () => {
    proxy?.stop();
    await stopAll(browser, server);
  }, TIMEOUT);

  test(
    'a 320 KB upload at 12 KB/s, cut every 96 KB: each reconnect resumes past 0, the bar moves from the first small chunk, the file arrives intact',
    async () => {
      await withArtifactsOnFailure('files-slow-link', a.page, server, async () => {
        const page = a.page;
        await openRoom(page, { ...server, url: proxy.url }, roomId);
        // What the server told the page: `ready` (where to resume) and `ack` offsets, in order.
        const readies: number[] = [];
        const acks: number[] = [];
        page.on('websocket', (ws) => {
          if (new URL(ws.url()).pathname !== '/upload') return;
          ws.on('framereceived', ({ payload }) => {
            const m = JSON.parse(String(payload)) as { type: string; offset?: number };
            if (m.type === 'ready') readies.push(m.offset!);
            if (m.type === 'ack') acks.push(m.offset!);
          });
        });
        // Every text the progress row shows, as it changes (a poll could miss a short-lived one).
        await page.evaluate((room) => {
          const w = window as unknown as { __texts: string[] };
          w.__texts = [];
          const list = document.getElementById(`uploads-${room}`)!;
          new MutationObserver(() => {
            const t = list.querySelector('.upload-info')?.textContent ?? '';
            if (t && t !== w.__texts.at(-1)) w.__texts.push(t);
          }).observe(list, { subtree: true, childList: true, characterData: true });
        }, roomId);

        const data = new Uint8Array(320 * KB);
        for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
        await page.getByLabel('Attach file').setInputFiles({ name: 'lab-report.pdf', mimeType: 'application/pdf', buffer: Buffer.from(data) });
        const link = page.getByRole('log', { name: 'Messages' }).getByRole('link', { name: 'lab-report.pdf' });

        // The bus: every 96 KB that reaches the server, the link drops (three times).
        let cuts = 0;
        let stop = false;
        const bus = (async () => {
          let from = proxy.upBytes;
          while (!stop && cuts < CUTS) {
            await Bun.sleep(50);
            if (proxy.upBytes - from < CUT_EVERY) continue;
            proxy.cut();
            cuts++;
            from = proxy.upBytes;
          }
        })();
        try {
          await link.waitFor({ timeout: 240_000 });
        } finally {
          stop = true;
          await bus;
        }

        console.log(`slow link: resumed at ${readies.map((o) => `${Math.round(o / KB)} KB`).join(', ')}; ${Math.round(proxy.upBytes / KB)} KB reached the server for a 320 KB file`);
        expect(cuts).toBe(CUTS);
        // Each reconnect was told to go on from past 0: what had arrived was kept at every drop.
        expect(readies.length).toBeGreaterThanOrEqual(CUTS + 1);
        expect(readies[0]).toBe(0);
        for (let i = 1; i < readies.length; i++) {
          expect(readies[i]!).toBeGreaterThan(0);
          expect(readies[i]!).toBeGreaterThanOrEqual(readies[i - 1]!);
        }
        // The first piece acknowledged was small, and the bar showed it: off "0 B" long before
        // 256 KB could have been acknowledged.
        expect(acks[0]!).toBeLessThanOrEqual(32 * KB);
        const texts = await page.evaluate(() => (window as unknown as { __texts: string[] }).__texts);
        const moved = texts.map(doneBytes).find((n) => n !== null && n > 0);
        expect(moved, texts.join('\n')).toBeDefined();
        expect(moved!).toBeLessThan(256 * KB);
        // With a speed and a time left measured from what the server stored.
        expect(texts.some((t) => /^\d+ KB of 320 KB · [1-9][\d.]* KB\/s · \d.* left$/.test(t)), texts.join('\n')).toBe(true);

        const res = await a.context.request.get(server.url + (await link.getAttribute('href'))!);
        expect(res.status()).toBe(200);
        expect(sha(new Uint8Array(await res.body()))).toBe(sha(data));
      });
    },
    TIMEOUT,
  );
});
