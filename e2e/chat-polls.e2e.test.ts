/**
 * Polls in real Chromium: the lecturer starts one from Poll by the composer (a plain form); it
 * appears on every member's page at once; students vote with a tap, each seeing her own choice
 * marked and everyone the counts moving, a moved vote included; students have no Close poll; the
 * lecturer closes it and every page shows it closed; "Who voted" lists who chose what; a reload
 * still marks her own choice; a double tap does not take a vote back. A quiz (results when it
 * closes) shows students only how many voted and the lecturer the counts, until she closes it.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, launchBrowser, startServer, stopAll, withArtifactsOnFailure, type TestServer } from './harness';
import { createCourseRoom, eventually, importUsers, openRoom, reloadRoom, signIn, type Account, type Signed } from './chat-helpers';
import { axe } from './axe';

const TIMEOUT = 120_000;
const QUESTION = 'Which day suits you for the make-up test?';

/** The poll's answer button on a page, found by its answer. */
const answer = (page: Page, text: string) => page.locator('article.poll-msg .poll-opt').filter({ hasText: text });
/** Each answer's text, count and whether it is pressed, as the page shows them. */
const shown = (page: Page) =>
  page.locator('article.poll-msg .poll-opt').evaluateAll((bs) => bs.map((b) => `${b.querySelector('.poll-text')!.textContent}:${b.querySelector('.n')!.textContent}${b.getAttribute('aria-pressed') === 'true' ? '✓' : ''}`).join(' '));

describeBrowser('polls (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let l: Signed, a: Signed, b: Signed;
  let roomId: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    const [lecturer, ada, bola] = (await importUsers(server, [
      { email: 'okafor.polls@unilag.edu.ng', name: 'Dr Okafor', role: 'lecturer' },
      { email: 'ada.polls@unilag.edu.ng', name: 'Ada Obi' },
      { email: 'bola.polls@unilag.edu.ng', name: 'Bola Ade' },
    ])) as [Account, Account, Account];
    roomId = await createCourseRoom(server, 'STA201', 'Statistics', [lecturer, ada, bola]);
    [l, a, b] = await Promise.all([lecturer, ada, bola].map((p) => signIn(browser, server, p))) as [Signed, Signed, Signed];
    await Promise.all([openRoom(l.page, server, roomId), openRoom(a.page, server, roomId), openRoom(b.page, server, roomId)]);
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  test(
    'the lecturer starts a poll; students vote and see the counts move, each her own choice marked; the lecturer closes it; who voted is listed',
    async () => {
      await withArtifactsOnFailure('chat-polls', a.page, server, async () => {
        // Students have no Poll in a course room.
        expect(await a.page.getByRole('link', { name: 'Poll', exact: true }).count()).toBe(0);
        await l.page.getByRole('link', { name: 'Poll', exact: true }).click();
        await l.page.getByRole('heading', { name: 'New poll in Statistics' }).waitFor();
        await axe(l.page, 'new poll form');
        await l.page.getByLabel('Question').fill(QUESTION);
        await l.page.getByLabel('Answer 1', { exact: true }).fill('Monday');
        await l.page.getByLabel('Answer 2', { exact: true }).fill('Tuesday');
        await l.page.getByLabel('Answer 3 (optional)').fill('Friday');
        await l.page.getByRole('button', { name: 'Post the poll' }).click();
        await l.page.waitForURL(`${server.url}/rooms/${roomId}`);

        // On every page at once, the students' open pages included.
        for (const p of [l.page, a.page, b.page]) await eventually(async () => expect(await shown(p)).toBe('Monday:0 Tuesday:0 Friday:0'));
        expect(await a.page.locator('article.poll-msg .poll-q').innerText()).toBe(`📊 ${QUESTION}`);

        await answer(a.page, 'Monday').click();
        await eventually(async () => expect(await shown(a.page)).toBe('Monday:1✓ Tuesday:0 Friday:0'));
        await eventually(async () => expect(await shown(b.page)).toBe('Monday:1 Tuesday:0 Friday:0'));
        await answer(b.page, 'Tuesday').click();
        await eventually(async () => expect(await shown(b.page)).toBe('Monday:1 Tuesday:1✓ Friday:0'));
        // A double tap on a slow line does not take the vote back: the page sends what she wants, not "toggle".
        await answer(b.page, 'Friday').dblclick();
        await eventually(async () => expect(await shown(b.page)).toBe('Monday:1 Tuesday:0 Friday:1✓'));
        await answer(b.page, 'Tuesday').click();
        await eventually(async () => expect(await shown(b.page)).toBe('Monday:1 Tuesday:1✓ Friday:0'));
        // Ada changes her mind: her vote moves; Bola's page keeps her own choice marked as the counts change.
        await answer(a.page, 'Tuesday').click();
        await eventually(async () => expect(await shown(a.page)).toBe('Monday:0 Tuesday:2✓ Friday:0'));
        await eventually(async () => expect(await shown(b.page)).toBe('Monday:0 Tuesday:2✓ Friday:0'));
        await eventually(async () => expect(await shown(l.page)).toBe('Monday:0 Tuesday:2 Friday:0'));
        expect(await a.page.locator('article.poll-msg .poll-foot').innerText()).toContain('2 people voted · Choose one, names shown');
        await axe(a.page, 'room page with a poll');

        // Only its writer and the room's moderators close it.
        expect(await a.page.getByRole('button', { name: 'Close poll' }).isVisible()).toBe(false);
        l.page.once('dialog', (d) => void d.accept());
        await l.page.getByRole('button', { name: 'Close poll' }).click();
        for (const p of [l.page, a.page, b.page]) await eventually(async () => expect(await p.locator('article.poll-msg .poll-foot').innerText()).toContain('Closed'));
        expect(await answer(a.page, 'Friday').isDisabled()).toBe(true);

        // A reload: her page is rendered for her, her choice still marked.
        await reloadRoom(a);
        expect(await shown(a.page)).toBe('Monday:0 Tuesday:2✓ Friday:0');

        await a.page.getByRole('link', { name: 'Who voted' }).click();
        await a.page.getByRole('heading', { name: QUESTION }).waitFor();
        expect((await a.page.locator('.poll-voters').allInnerTexts()).map((t) => t.replace(/\n+/g, '\n'))).toEqual(['Monday (0 votes)\nNobody.', 'Tuesday (2 votes)\nAda Obi\nBola Ade', 'Friday (0 votes)\nNobody.']);
        await axe(a.page, 'who voted');
      });
    },
    TIMEOUT,
  );

  test(
    'a quiz (results when it closes): students see only how many voted, the lecturer the counts as they come; closing shows everyone',
    async () => {
      await withArtifactsOnFailure('chat-polls-quiz', l.page, server, async () => {
        await openRoom(a.page, server, roomId); // the first test left her on "Who voted"
        await l.page.goto(`${server.url}/rooms/${roomId}/polls/new`);
        await l.page.getByLabel('Question').fill('What does LL(1) look ahead at?');
        await l.page.getByLabel('Answer 1', { exact: true }).fill('One token');
        await l.page.getByLabel('Answer 2', { exact: true }).fill('One rule');
        await l.page.getByLabel('Results when it closes').check();
        await l.page.getByRole('button', { name: 'Post the poll' }).click();
        await l.page.waitForURL(`${server.url}/rooms/${roomId}`);
        const quiz = (p: Page) => p.locator('article.poll-msg').filter({ hasText: 'LL(1)' });
        const counts = (p: Page) => quiz(p).locator('.poll-opt').evaluateAll((bs) => bs.map((b) => `${b.querySelector('.poll-text')!.textContent}:${b.querySelector('.n')?.textContent ?? '-'}${b.getAttribute('aria-pressed') === 'true' ? '✓' : ''}`).join(' '));
        await eventually(async () => expect(await counts(a.page)).toBe('One token:- One rule:-'));
        await quiz(a.page).getByRole('button', { name: 'One token' }).click();
        await quiz(b.page).getByRole('button', { name: 'One rule' }).click();
        await eventually(async () => expect(await counts(l.page)).toBe('One token:1 One rule:1'));
        await eventually(async () => expect(await quiz(a.page).locator('.poll-foot').innerText()).toContain('2 people voted'));
        expect(await counts(a.page)).toBe('One token:-✓ One rule:-');
        expect(await quiz(a.page).locator('.poll-foot').innerText()).toContain('results when it closes');
        l.page.once('dialog', (d) => void d.accept());
        await quiz(l.page).getByRole('button', { name: 'Close poll' }).click();
        await eventually(async () => expect(await counts(a.page)).toBe('One token:1✓ One rule:1'));
        await eventually(async () => expect(await counts(b.page)).toBe('One token:1 One rule:1✓'));
      });
    },
    TIMEOUT,
  );
});
