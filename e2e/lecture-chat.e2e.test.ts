/**
 * The chat stays usable during a lecture (QA): students on poor data ask in the chat rather than
 * unmuting. With the lecturer sharing her screen and students in the call, a 1366×768 laptop showed
 * the call panel and the people and pushed the message list and the message box below the window;
 * a laptop now shows the call and the chat side by side. A phone watching the slides keeps a few
 * lines of chat (listening audio-only, the default, it keeps far more: calls-lecture-host).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, stopAll, type TestServer } from './harness';
import { createCourseRoom, importUsers, send, signIn } from './chat-helpers';
import { enterCall, eventually, launchCallBrowser, openRoom, startCallServer } from './calls-helpers';

const TIMEOUT = 180_000;
const PHONE = { viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true };

/** Height in CSS px of the message log that lies inside the window. */
const visibleLog = (page: Page) =>
  page.getByRole('log', { name: 'Messages' }).evaluate((e) => {
    const r = e.getBoundingClientRect();
    return Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
  });

describeBrowser('the chat during a lecture (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let roomId: string;
  let lecturer: Page;
  let students: Page[];

  beforeAll(async () => {
    [server, browser] = await Promise.all([startCallServer(), launchCallBrowser()]);
    const people = [
      { email: 'dr.okafor@unilag.edu.ng', name: 'Dr Okafor', role: 'lecturer' as const },
      ...Array.from({ length: 4 }, (_, i) => ({ email: `qa.student${i}@unilag.edu.ng`, name: `Student ${i}` })),
    ];
    const accounts = await importUsers(server, people);
    roomId = await createCourseRoom(server, 'HED204', 'Health Education', people);
    lecturer = (await signIn(browser, server, accounts[0]!, { viewport: { width: 1366, height: 768 } })).page;
    students = await Promise.all(accounts.slice(1).map(async (a) => (await signIn(browser, server, a, PHONE)).page));
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  test('the lecturer (1366×768) and a student on a phone still see the chat while she shares her screen', async () => {
    await Promise.all([lecturer, ...students].map((p) => openRoom(p, server, roomId)));
    await enterCall(lecturer, 'Start lecture');
    await lecturer.getByRole('button', { name: 'Share screen' }).click();
    await lecturer.getByRole('button', { name: 'Stop sharing' }).waitFor();
    for (const s of students) await enterCall(s, 'Join call');
    await students[0]!.getByRole('button', { name: 'Audio only' }).click(); // to see the slides
    await send(students[0]!, 'Ma, please go back to the previous slide');
    await eventually(async () => expect(await lecturer.locator('article.msg', { hasText: 'previous slide' }).count()).toBe(1));
    // Her message sent, she looks at the slides again (the message box no longer has the focus).
    await students[0]!.getByRole('button', { name: 'Raise hand' }).focus();
    // The question has arrived; can the lecturer see it, and the box to answer, without leaving the lecture?
    expect(await lecturer.locator('article.msg', { hasText: 'previous slide' }).isVisible()).toBe(true);
    expect(await lecturer.getByRole('textbox', { name: 'Message' }).evaluate((e) => e.getBoundingClientRect().bottom <= innerHeight)).toBe(true);
    console.log('visible message list (px): lecturer 1366×768', await visibleLog(lecturer), 'student phone, slides shown', await visibleLog(students[0]!));
    expect(await visibleLog(lecturer)).toBeGreaterThanOrEqual(150);
    // Before: 16 px (QA), then 65 before the listener's list of people was cut to one line.
    expect(await visibleLog(students[0]!)).toBeGreaterThanOrEqual(80);
    // Writing a reply with the keyboard up (the window about half as tall): the video steps aside
    // while the message box has the focus, the sound goes on, and it comes back after.
    const s0 = students[0]!;
    await s0.setViewportSize({ width: 360, height: 380 });
    await s0.getByRole('textbox', { name: 'Message' }).focus();
    const typing = await visibleLog(s0);
    expect(await s0.locator('.call-tiles').isVisible()).toBe(false);
    // Still hearing the lecturer: her audio element plays on.
    expect(await s0.locator('.call-tiles audio').evaluateAll((els) => els.some((a) => !(a as HTMLAudioElement).paused))).toBe(true);
    await s0.evaluate(() => (document.activeElement as HTMLElement).blur());
    const away = await visibleLog(s0);
    console.log('phone with the keyboard up (px): writing', typing, 'not writing', away);
    expect(typing).toBeGreaterThanOrEqual(100);
    expect(await s0.locator('.call-tiles').isVisible()).toBe(true);
    await s0.setViewportSize({ width: 360, height: 640 });
  }, TIMEOUT);
});
