/**
 * Simulcast and selective forwarding in real Chromium: the publisher sends three layers; a
 * subscriber switching between low and high gets the new resolution within a second without a
 * freeze; an audio-only subscriber receives no video packets at all.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import type { Signed } from './chat-helpers';
import { enterCall, eventually, expectReceiving, expectStopped, inbound, launchCallBrowser, myId, openRoom, roomWithPeople, startCallServer, total } from './calls-helpers';

const TIMEOUT = 120_000;

/** Samples the width of video decoded from `from` every 50 ms until it equals `width`; returns ms taken and the longest decode gap. */
async function switchTo(page: Page, from: string, quality: 'low' | 'high', width: (w: number) => boolean) {
  // Timed from the request leaving the page (the select's change event sends it).
  await page.getByLabel('Video quality').selectOption(quality);
  const start = Date.now();
  let lastFrames = -1;
  let lastChange = start;
  let longestGap = 0;
  for (;;) {
    const s = (await inbound(page)).filter((x) => x.participant === from && x.source === 'cam');
    const frames = total(s, () => true, 'framesDecoded');
    const now = Date.now();
    if (frames !== lastFrames) {
      longestGap = Math.max(longestGap, now - lastChange);
      lastFrames = frames;
      lastChange = now;
    }
    if (s.some((x) => width(x.frameWidth))) return { ms: now - start, longestGap: Math.max(longestGap, now - lastChange) };
    if (now - start > 5_000) throw new Error(`no ${quality} layer after 5 s (width ${s.map((x) => x.frameWidth)})`);
    await Bun.sleep(50);
  }
}

describeBrowser('simulcast (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let roomId: string;
  let people: Signed[];

  beforeAll(async () => {
    [server, browser] = await Promise.all([startCallServer(), launchCallBrowser()]);
    const r = await roomWithPeople(server, browser, 'CSC302', [
      { email: 'ada.sim@unilag.edu.ng', name: 'Ada Sim' },
      { email: 'bola.sim@unilag.edu.ng', name: 'Bola Sim' },
      { email: 'chidi.sim@unilag.edu.ng', name: 'Chidi Sim' },
    ]);
    roomId = r.roomId;
    people = r.signed;
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  test(
    'switching low ↔ high changes resolution within 1 s without freezes; audio-only gets 0 video bytes',
    async () => {
      const [a, b, c] = people.map((p) => p.page) as [Page, Page, Page];
      await withArtifactsOnFailure('calls-simulcast', b, server, async () => {
        await Promise.all([a, b, c].map((p) => openRoom(p, server, roomId)));
        await enterCall(a, 'Start call');
        await enterCall(b, 'Join call');
        await enterCall(c, 'Join call');
        // Only Ada sends video (fewer encoders on a small test machine): the others turn cameras off.
        for (const p of [b, c]) {
          await p.getByRole('button', { name: 'Camera off' }).click();
          await p.getByRole('button', { name: 'Camera on' }).waitFor();
        }
        const ida = await myId(a);
        await expectReceiving(b, [ida]);
        // Let the publisher's bandwidth ramp up until all three layers flow (the top one at full size).
        await eventually(async () => {
          const out = await a.evaluate(async () => {
            const r: Record<string, { w: number; f: number }> = {};
            // eslint-disable-next-line @typescript-eslint/no-explicit-any
            (await (window as any).letstalkCall().pub.getStats()).forEach((x: any) => {
              if (x.type === 'outbound-rtp' && x.kind === 'video' && x.rid) r[x.rid] = { w: x.frameWidth ?? 0, f: x.framesEncoded ?? 0 };
            });
            return r;
          });
          expect(out.h?.w ?? 0).toBeGreaterThanOrEqual(1000);
          expect(out.l?.f ?? 0).toBeGreaterThan(0);
          expect(out.m?.f ?? 0).toBeGreaterThan(0);
        }, 30_000);
        const freezes = async () => {
          const s = (await inbound(b)).filter((x) => x.participant === ida && x.source === 'cam');
          return { count: total(s, () => true, 'freezeCount'), seconds: total(s, () => true, 'totalFreezesDuration') };
        };
        const freezesBefore = await freezes();
        const results = [];
        for (let i = 0; i < 3; i++) {
          results.push(await switchTo(b, ida, 'low', (w) => w > 0 && w <= 400));
          await Bun.sleep(1_500);
          results.push(await switchTo(b, ida, 'high', (w) => w >= 1000));
          await Bun.sleep(1_500);
        }
        const freezesAfter = await freezes();
        console.log('layer switches (ms to new resolution, longest decode gap):', JSON.stringify(results), 'freezes before/after', JSON.stringify([freezesBefore, freezesAfter]));
        for (const r of results) {
          expect(r.ms).toBeLessThan(1_000);
          // No freeze: frames keep being decoded through every switch (the old layer flows until
          // the new layer's key frame). Chromium's own freeze counters are logged above; on a
          // loaded two-core test machine they also move without any switch.
          expect(r.longestGap).toBeLessThan(1_000);
        }

        // Chidi goes audio-only: from then on, not one video byte; audio continues.
        await c.getByRole('button', { name: 'Audio only' }).click();
        const video = async () => total(await inbound(c), (s) => s.kind === 'video', 'bytes');
        const audio = async () => total(await inbound(c), (s) => s.kind === 'audio', 'packets');
        const a0 = await audio();
        const v0 = await expectStopped(video, 3_000);
        expect(await audio()).toBeGreaterThan(a0 + 50);
        // And back.
        await c.getByRole('button', { name: 'Audio only' }).click();
        await eventually(async () => expect(await video()).toBeGreaterThan(v0));
      });
    },
    TIMEOUT,
  );
});
