/**
 * What the safeguarding browser tests share (the appeal against a block, the automatic restriction,
 * the owner's appeal against a room freeze): a server with a local mail sink and moderation on, the
 * people signed in with an administrator's account facts (a minor's date of birth, the officers'
 * permission), and the officers' steps: acting on a case, the reviewer-differs rule as the acting
 * officer meets it, and a second officer overturning an appeal from the list of actions.
 */
import { expect } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { startSmtpSink, type SinkMessage, type SmtpSink } from '../server/testing/smtp-sink';
import { importUsers, signIn, type Account, type Person, type Signed } from './chat-helpers';
import { launchBrowser, serverStore, startServer, withArtifactsOnFailure, type TestServer } from './harness';

export interface SafeguardingPerson extends Person {
  /** Born in 2011: a student under 18. */
  minor?: boolean;
  /** Granted the safeguarding permission; their email receives the officers' notifications. */
  officer?: boolean;
}

export interface SafeguardingWorld<K extends string> {
  server: TestServer;
  browser: Browser;
  sink: SmtpSink;
  accounts: Record<K, Account>;
  signed: Record<K, Signed>;
  /** Account ids, from the store. */
  ids: Record<K, string>;
  officers: string[];
  /** The first email to the officers that `pred` accepts (waits up to `wait` ms). */
  mail(pred: (m: SinkMessage) => boolean, wait: number): Promise<SinkMessage>;
  /** Runs `fn`; on failure, a screenshot of every person's page (`<name>-<key>`). */
  withArtifacts(name: string, fn: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the server (scope: rooms with a minor), the mail sink and the browser; imports and signs in `people`. */
export async function startSafeguarding<K extends string>(people: Record<K, SafeguardingPerson>): Promise<SafeguardingWorld<K>> {
  const keys = Object.keys(people) as K[];
  const officers = keys.filter((k) => people[k].officer).map((k) => people[k].email);
  const sink = await startSmtpSink();
  const [server, browser] = await Promise.all([
    startServer({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
        SMTP_FROM: 'safeguarding@unilag.edu.ng',
        SAFEGUARDING_EMAILS: officers.join(','),
        MODERATION_SCOPE: 'minors',
        // PUBLIC_URL is left unset: the harness picks the port when it starts the server, so the
        // links in the emails use the default base (the tests check their path). The automatic
        // restriction keeps its default (the second held message towards a minor).
      },
    }),
    launchBrowser(),
  ]);
  const list = await importUsers(server, keys.map((k) => ({ email: people[k].email, name: people[k].name, role: people[k].role })));
  const accounts = Object.fromEntries(keys.map((k, i) => [k, list[i]!])) as Record<K, Account>;
  const ids = {} as Record<K, string>;
  const store = await serverStore(server);
  try {
    for (const k of keys) {
      const u = (await store.users.byEmail(people[k].email))!;
      ids[k] = u.id;
      if (people[k].minor) await store.users.update(u.id, { dateOfBirth: '2011-04-01' });
      if (people[k].officer) await store.users.update(u.id, { permissions: ['safeguarding'] });
    }
  } finally {
    await store.close();
  }
  const signedList = await Promise.all(keys.map((k) => signIn(browser, server, accounts[k])));
  const signed = Object.fromEntries(keys.map((k, i) => [k, signedList[i]!])) as Record<K, Signed>;
  return {
    server,
    browser,
    sink,
    accounts,
    signed,
    ids,
    officers,
    mail: (pred, wait) => sink.waitFor(pred, wait),
    withArtifacts: (name, fn) => keys.reduceRight<() => Promise<void>>((inner, k) => () => withArtifactsOnFailure(`${name}-${k}`, signed[k].page, server, inner), fn)(),
    async stop() {
      await browser.close();
      await server.stop();
      sink.stop();
    },
  };
}

/** An email's subject. */
export const subject = (m: SinkMessage) => m.headers['subject'] ?? '';

/** The officer's CSRF token (one per session), from any admin form on the page. */
export const csrfOf = (page: Page) => page.locator('input[name="_csrf"]').first().inputValue();

/**
 * An officer decides a case on its page: `outcome`, the labels they judge it to carry (checkbox names
 * match by their start, e.g. /^Threat/), a reason; then confirms and waits for "Decision recorded".
 */
export async function decideOnCasePage(page: Page, server: TestServer, caseId: string, d: { outcome: 'release' | 'uphold'; labels?: RegExp[]; reason: string; wait: number }) {
  await page.goto(`${server.url}/admin/moderation/cases/${caseId}`);
  await page.getByRole('heading', { name: 'Safeguarding case' }).waitFor({ timeout: d.wait });
  const decide = page.getByRole('region', { name: 'Decision' });
  await decide.getByRole('radio', { name: d.outcome === 'release' ? /Release/ : /Uphold/ }).check();
  for (const label of d.labels ?? []) await decide.getByRole('checkbox', { name: label }).check();
  await decide.getByRole('textbox', { name: /Reason/ }).fill(d.reason);
  await decide.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: d.outcome === 'release' ? 'Yes, release' : 'Yes, uphold' }).click();
  await page.getByText(`Decision recorded: ${d.outcome === 'release' ? 'released' : 'upheld'}`).waitFor({ timeout: d.wait });
}

/**
 * The officer who took the action opens it once it is appealed: the page says a different reviewer
 * must decide and offers no decision and no lift; a decision posted anyway is refused (409).
 */
export async function expectActorMayNotDecide(page: Page, server: TestServer, actionId: string, csrf: string, statement: string) {
  await page.goto(`${server.url}/admin/moderation/actions/${actionId}`);
  await page.getByText('A different reviewer must decide this appeal').waitFor();
  expect(await page.locator('dl.facts').innerText()).toContain('appealed: awaiting a different reviewer');
  expect(await page.locator('blockquote.statement').innerText()).toBe(statement);
  expect(await page.getByRole('radio', { name: /Overturn/ }).count()).toBe(0);
  expect(await page.getByRole('heading', { name: 'Decide the appeal' }).count()).toBe(0);
  expect(await page.getByRole('region', { name: 'Lift' }).count()).toBe(0);
  // Not only hidden: the server refuses the decision if it is posted anyway.
  const forged = await page.evaluate(
    async ([id, token]) => {
      const body = new URLSearchParams({ _csrf: token!, outcome: 'overturn', reason: 'Deciding my own action', confirm: 'yes' });
      const r = await fetch(`/admin/moderation/actions/${id}/decide`, { method: 'POST', body, redirect: 'manual' });
      return { status: r.status, text: await r.text() };
    },
    [actionId, csrf] as const,
  );
  expect(forged.status).toBe(409);
  expect(forged.text).toContain('A different reviewer must decide this appeal');
}

/**
 * A second officer finds the appeal under Actions and appeals (its row mentions `rowText`), reads the
 * statement, overturns it with `reason` and confirms; the page then says the action has ended.
 * `beforeDeciding` runs on the decision page (e.g. a screenshot).
 */
export async function overturnFromList(
  page: Page,
  server: TestServer,
  o: { actionId: string; rowText: string; statement: string; reason: string; wait: number; beforeDeciding?: () => Promise<unknown> },
) {
  await page.goto(`${server.url}/admin/moderation`);
  await page.getByRole('link', { name: 'Actions and appeals' }).click();
  await page.waitForURL(`${server.url}/admin/moderation/actions`);
  const row = page.getByRole('table').getByRole('row').filter({ hasText: 'appealed: awaiting a different reviewer' });
  expect(await row.count()).toBe(1);
  expect(await row.innerText()).toContain(o.rowText);
  await row.getByRole('link').click();
  await page.waitForURL(`${server.url}/admin/moderation/actions/${o.actionId}`);
  expect(await page.locator('blockquote.statement').innerText()).toBe(o.statement);
  await o.beforeDeciding?.();
  const decide = page.getByRole('region', { name: 'Decide the appeal' });
  await decide.getByRole('radio', { name: /Overturn/ }).check();
  await decide.getByRole('textbox', { name: /Reason/ }).fill(o.reason);
  await decide.getByRole('button', { name: 'Continue' }).click();
  await page.getByText('Overturn this action and restore everything?').waitFor({ timeout: o.wait });
  await page.getByRole('button', { name: 'Yes, overturn' }).click();
  await page.waitForURL(`${server.url}/admin/moderation/actions/${o.actionId}?done=overturn`, { timeout: o.wait });
  await page.getByText('Appeal decided: the action was overturned and has ended; messages it alone kept hidden are shown again.').waitFor();
  expect(await page.locator('dl.facts').innerText()).toContain('overturned on appeal: restored');
}

/**
 * An officer opens a case from the queue (its context shows `contextText`), chooses an action on the
 * account or room, a policy clause and a reason, and confirms. Returns the new action's id and the
 * officer's CSRF token.
 */
export async function actFromCase(
  page: Page,
  server: TestServer,
  o: { caseId: string; contextText: string; choice: RegExp; clause: string; clauseTitle: string; reason: string; question: string; yes: string; done: string; doneText: string; wait: number },
): Promise<{ actionId: string; csrf: string }> {
  await page.goto(`${server.url}/admin/moderation`);
  await page.getByRole('table').locator(`a[href="/admin/moderation/cases/${o.caseId}"]`).first().click();
  await page.waitForURL(`${server.url}/admin/moderation/cases/${o.caseId}`);
  await page.getByRole('heading', { name: 'Safeguarding case' }).waitFor();
  await page.locator('.case-context').getByText(o.contextText).waitFor();
  const csrf = await csrfOf(page);
  const act = page.getByRole('region', { name: 'Act on the account or room' });
  await act.getByRole('radio', { name: o.choice }).check();
  await act.locator('#act-clause').selectOption(o.clause);
  await act.getByLabel('Reason (shown to the person affected)').fill(o.reason);
  await act.getByRole('button', { name: 'Continue' }).click();
  await page.getByText(o.question).waitFor({ timeout: o.wait });
  expect(await page.locator('section.confirm').innerText()).toContain(o.clauseTitle);
  await page.getByRole('button', { name: o.yes }).click();
  await page.waitForURL(new RegExp(`/admin/moderation/actions/[\\w-]+\\?done=${o.done}$`), { timeout: o.wait });
  await page.getByText(o.doneText).waitFor();
  return { actionId: new URL(page.url()).pathname.split('/').pop()!, csrf };
}

/** Waits for a live notice (the page's notice area) with `text`. */
export const pushed = (s: Signed, text: string, wait = 30_000) => s.page.locator('#notice').getByText(text).waitFor({ timeout: wait });
