/**
 * Shared steps for the call e2e suites: a server whose SFU only announces 127.0.0.1, Chromium with
 * fake camera, microphone and screen and loopback WebRTC allowed, and page-level probes that read
 * WebRTC statistics from the page's call (window.letstalkCall()).
 */
import { expect } from 'bun:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, startServer, type TestServer } from './harness';
import { createCourseRoom, eventually, importUsers, signIn, waitConnected, type Person, type Signed } from './chat-helpers';

export { eventually };

/** Media sockets on loopback only; the browser must not see other host addresses. */
export function startCallServer(): Promise<TestServer> {
  return startServer({ env: { RTC_LISTEN_IP: '127.0.0.1', LOG_LEVEL: 'warn' } });
}

export function launchCallBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/** Imports people, puts them in a new course room (first person as owner when asked), signs each in. */
export async function roomWithPeople(server: TestServer, browser: Browser, code: string, people: Person[], outsiders: Person[] = []): Promise<{ roomId: string; signed: Signed[]; outside: Signed[] }> {
  const accounts = await importUsers(server, [...people, ...outsiders]);
  const roomId = await createCourseRoom(server, code, `${code} call`, people);
  const signed = await Promise.all(accounts.slice(0, people.length).map((a) => signIn(browser, server, a)));
  const outside = await Promise.all(accounts.slice(people.length).map((a) => signIn(browser, server, a)));
  return { roomId, signed, outside };
}

export async function openRoom(page: Page, server: TestServer, roomId: string) {
  await page.goto(`${server.url}/rooms/${roomId}`);
  await page.locator(`#call-${roomId}`).waitFor({ state: 'attached' });
  // "A call started" reaches a page only through its chat socket: subscribed before anyone starts one.
  await waitConnected(page);
}

/** Clicks Start call / Start lecture / Join call and waits until the call panel is shown. */
export async function enterCall(page: Page, how: 'Start call' | 'Start lecture' | 'Join call') {
  await page.getByRole('button', { name: how }).click();
  await page.getByRole('button', { name: 'Leave call' }).waitFor({ timeout: 15_000 });
}

export interface InboundStat {
  kind: string;
  mid: string;
  bytes: number;
  packets: number;
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  /** Chromium's freeze statistics (a frame shown much later than the average frame interval). */
  freezeCount: number;
  totalFreezesDuration: number;
  /** Who sent it and what (from the server's track map). */
  participant: string;
  source: string;
}

/** inbound-rtp statistics of the page's receiving connection, one entry per received track. */
export function inbound(page: Page): Promise<InboundStat[]> {
  return page.evaluate(async () => {
    const c = (window as any).letstalkCall?.();
    if (!c?.sub) return [];
    const report: RTCStatsReport = await c.sub.getStats();
    const out: any[] = [];
    report.forEach((s: any) => {
      if (s.type !== 'inbound-rtp') return;
      const info = c.tracks.find((t: any) => t.mid === s.mid);
      out.push({ kind: s.kind, mid: s.mid, bytes: s.bytesReceived ?? 0, packets: s.packetsReceived ?? 0, framesDecoded: s.framesDecoded ?? 0, frameWidth: s.frameWidth ?? 0, frameHeight: s.frameHeight ?? 0, freezeCount: s.freezeCount ?? 0, totalFreezesDuration: s.totalFreezesDuration ?? 0, participant: info?.participant ?? '', source: info?.source ?? '' });
    });
    return out;
  });
}

/** The page's own participant id in the call. */
export const myId = (page: Page): Promise<string> => page.evaluate(() => (window as any).letstalkCall?.()?.me.id ?? '');

/** Sum of a statistic over the tracks matching `pred`. */
export const total = (stats: InboundStat[], pred: (s: InboundStat) => boolean, key: 'bytes' | 'packets' | 'framesDecoded' | 'freezeCount' | 'totalFreezesDuration') =>
  stats.filter(pred).reduce((a, s) => a + s[key], 0);

/** Waits until `page` decodes rising video from each of `from` (participant ids) and gets their audio. */
export async function expectReceiving(page: Page, from: string[], opts: { video?: boolean; audio?: boolean; source?: string } = {}) {
  const { video = true, audio = true, source = 'cam' } = opts;
  const first = await eventually(async () => {
    const s = await inbound(page);
    for (const id of from) {
      if (video) expect(total(s, (x) => x.participant === id && x.source === source, 'framesDecoded')).toBeGreaterThan(0);
      if (audio) expect(total(s, (x) => x.participant === id && x.kind === 'audio', 'packets')).toBeGreaterThan(0);
    }
    return s;
  }, 20_000);
  // Rising, not just started: decoding keeps going.
  await eventually(async () => {
    const s = await inbound(page);
    for (const id of from) {
      if (video) expect(total(s, (x) => x.participant === id && x.source === source, 'framesDecoded')).toBeGreaterThan(total(first, (x) => x.participant === id && x.source === source, 'framesDecoded') + 5);
      if (audio) expect(total(s, (x) => x.participant === id && x.kind === 'audio', 'packets')).toBeGreaterThan(total(first, (x) => x.participant === id && x.kind === 'audio', 'packets') + 10);
    }
  }, 15_000);
}

/**
 * Waits until a counter (packets, bytes, frames) stops moving after something stopped it (two reads
 * `gapMs` apart agree; a slow machine's SFU may lag the click by more than a fixed wait), then checks
 * that it stays put for `quietMs`; returns its value. A counter that never stops fails.
 */
export async function expectStopped(read: () => Promise<number>, quietMs = 2_000, gapMs = 500): Promise<number> {
  let last = await read();
  await eventually(async () => {
    await Bun.sleep(gapMs);
    const now = await read();
    const moved = now !== last;
    last = now;
    expect(moved).toBe(false);
  }, 15_000, 0);
  await Bun.sleep(quietMs);
  expect(await read()).toBe(last);
  return last;
}
