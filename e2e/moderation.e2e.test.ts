/**
 * Safeguarding in real Chromium: an adult sends a grooming-pattern message to a minor in a direct
 * message. The shipped model holds it before delivery: the sender sees it marked "Held for
 * review", the minor never receives it (live or after a reload), and a safeguarding officer finds
 * the case, reads only the flagged message with its context, and upholds it.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, describeBrowser, launchBrowser, serverStore, startServer, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import { createCourseRoom, eventually, expectLog, importUsers, logBodies, send, signIn, type Account, type Signed } from './chat-helpers';

const TIMEOUT = 120_000;
const GROOMING = "you're so mature for your age. don't tell your parents about our chats, send me a pic of you, just for me";

describeBrowser('safeguarding (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let adult: Account, kid: Account, officer: Account;
  let a: Signed, k: Signed, o: Signed;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    [adult, kid, officer] = (await importUsers(server, [
      { email: 'tunde.bello@unilag.edu.ng', name: 'Tunde Bello', role: 'lecturer' },
      { email: 'kemi.ojo@unilag.edu.ng', name: 'Kemi Ojo' },
      { email: 'safe.officer@unilag.edu.ng', name: 'Safe Officer', role: 'lecturer' },
    ])) as [Account, Account, Account];
    await createCourseRoom(server, 'BIO101', 'Biology', [adult, kid]);
    // Account facts an administrator would set: the student's date of birth, the officer's permission.
    const store = await serverStore(server);
    try {
      const [ku, ou] = await Promise.all([store.users.byEmail(kid.email), store.users.byEmail(officer.email)]);
      await store.users.update(ku!.id, { dateOfBirth: '2011-04-01' });
      await store.users.update(ou!.id, { permissions: ['safeguarding'] });
    } finally {
      await store.close();
    }
    [a, k, o] = await Promise.all([signIn(browser, server, adult), signIn(browser, server, kid), signIn(browser, server, officer)]);
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  test(
    'a grooming message to a minor is held: the minor never sees it; an officer upholds it',
    async () => {
      await withArtifactsOnFailure('moderation-hold', a.page, server, async () => {
        await a.page.getByRole('link', { name: 'New message' }).click();
        await a.page.getByLabel('Find a person').fill('Kemi');
        await a.page.getByRole('button', { name: 'Find' }).click();
        await a.page.getByRole('button', { name: 'Message Kemi Ojo' }).click();
        await a.page.waitForURL(/\/rooms\/[\w-]+$/);
        const dmUrl = a.page.url();
        await eventually(async () => expect(await a.page.locator('.app').getAttribute('data-conn')).toBe('up'));
        await send(a.page, 'Hello Kemi, the lab report is due Friday');
        await expectLog(a.page, ['Hello Kemi, the lab report is due Friday']);

        const dmLink = k.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: 'Tunde Bello' });
        await dmLink.waitFor({ timeout: 15_000 });
        await dmLink.click();
        await k.page.waitForURL(dmUrl);
        await eventually(async () => expect(await k.page.locator('.app').getAttribute('data-conn')).toBe('up'));
        await expectLog(k.page, ['Hello Kemi, the lab report is due Friday']);

        await send(a.page, GROOMING);
        // The sender sees their message with the notice.
        await a.page.locator('article.msg.held').getByText('Held for review').waitFor({ timeout: 15_000 });
        // The minor never receives it: not live, not after a reload.
        await Bun.sleep(1500);
        expect(await logBodies(k.page)).toEqual(['Hello Kemi, the lab report is due Friday']);
        await k.page.reload();
        await k.page.getByRole('log', { name: 'Messages' }).waitFor();
        expect(await logBodies(k.page)).toEqual(['Hello Kemi, the lab report is due Friday']);

        // The officer: queue → case → uphold with a reason → confirm.
        await o.page.goto(`${server.url}/admin/moderation`);
        expect(await o.page.getByRole('navigation', { name: 'Admin' }).getByRole('link').allInnerTexts()).toEqual(['Safeguarding']);
        await o.page.getByRole('table').getByRole('link').first().click();
        await o.page.getByRole('heading', { name: 'Safeguarding case' }).waitFor();
        expect(await o.page.locator('.case-context li').count()).toBe(2);
        await o.page.getByText('mature for your age').waitFor();
        await o.page.getByRole('radio', { name: /Uphold/ }).check();
        const decide = o.page.getByRole('region', { name: 'Decision' });
        // The officer says what the message does: the label the model held it for is marked, nothing is ticked.
        const grooming = decide.getByRole('checkbox', { name: /^Grooming tactic/ });
        expect(await decide.locator('label', { hasText: 'Grooming tactic' }).innerText()).toContain('flagged by the model');
        expect(await decide.getByRole('checkbox', { checked: true }).count()).toBe(0);
        await grooming.check();
        await decide.getByRole('checkbox', { name: /^Sexual solicitation/ }).check();
        await decide.getByRole('textbox', { name: /Reason/ }).fill('Grooming pattern: secrecy and a request for photos.');
        await decide.getByRole('button', { name: 'Continue' }).click();
        await o.page.getByText('Labels: sexual_solicitation, grooming_signal.').waitFor();
        await o.page.getByRole('button', { name: 'Yes, uphold' }).click();
        await o.page.getByText('Decision recorded: upheld').waitFor();
        await o.page.getByText('No open cases left.').waitFor();

        await k.page.reload();
        await k.page.getByRole('log', { name: 'Messages' }).waitFor();
        expect(await logBodies(k.page)).toEqual(['Hello Kemi, the lab report is due Friday']);
        const store = await serverStore(server);
        try {
          const [c] = await store.cases.list();
          expect(c).toMatchObject({ severity: 'hold', status: 'decided', decision: 'uphold', judgedLabels: ['sexual_solicitation', 'grooming_signal'] });
          const actions = (await store.audit.list({ limit: 100_000 })).map((e) => e.action);
          for (const x of ['moderation.hold', 'moderation.case_view', 'moderation.uphold']) expect(actions).toContain(x);
        } finally {
          await store.close();
        }
        // The decision is training data for the next model: exported by the admin CLI.
        const file = join(server.dataDir, 'judged.jsonl');
        const exported = await cli(server, ['moderation', 'export-judged', '--out', file]);
        expect(exported).toMatchObject({ code: 0, stdout: `wrote 1 line(s) to ${file}: 1 with labels, 0 harmless\n` });
        expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ text: GROOMING, labels: ['sexual_solicitation', 'grooming_signal'], lang: 'unknown', context: 'dm', sender_role: 'lecturer', note: 'labels judged by a safeguarding officer' });
      });
    },
    TIMEOUT,
  );
});
