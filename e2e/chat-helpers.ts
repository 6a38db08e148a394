/**
 * Shared steps for the chat e2e suites: accounts and rooms through the real CLI, sign-in through
 * the real pages, and small page-level actions (open a room, send, read the log) that assert only
 * what a user can see. Also a "probe" WebSocket opened from inside a signed-in page, for frames the
 * app itself would never send.
 */
import { expect } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { parseCsv } from '../server/lib/csv';
import { cli, type TestServer } from './harness';

export const PASSWORD = 'harmattan mornings in yaba';
export const OFFLINE_TEXT = 'Offline — messages will be sent when you reconnect';
export const RECONNECTING_TEXT = 'Reconnecting…';

export interface Person {
  email: string;
  name: string;
  role?: 'student' | 'lecturer' | 'admin';
}
export interface Account extends Person {
  /** The one-time login code from the credentials file (single use). */
  code: string;
}
export interface Signed {
  context: BrowserContext;
  page: Page;
  account: Account;
}

const csvField = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'letstalk-e2e-chat-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** `users import` with a fresh credentials file; returns each person with their login code. */
export function importUsers(server: TestServer, people: Person[]): Promise<Account[]> {
  return withTempDir(async (dir) => {
    const input = join(dir, 'users.csv');
    const creds = join(dir, 'credentials.csv');
    const rows = people.map((p) => [p.email, p.name, p.role ?? 'student'].map(csvField).join(','));
    writeFileSync(input, `email,name,role\n${rows.join('\n')}\n`);
    const r = await cli(server, ['users', 'import', input, '--credentials', creds]);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    const codes = new Map(parseCsv(readFileSync(creds, 'utf8')).slice(1).map((rec) => [rec.fields[0]!, rec.fields[2]!]));
    return people.map((p) => ({ ...p, code: codes.get(p.email)! }));
  });
}

/** `rooms create --code … --name … --members file.csv` (each a member unless `roomRole` says otherwise); returns the new room's id. */
export function createCourseRoom(server: TestServer, code: string, name: string, members: (Person & { roomRole?: 'owner' | 'moderator' | 'member' })[]): Promise<string> {
  return withTempDir(async (dir) => {
    const file = join(dir, 'members.csv');
    writeFileSync(file, `email,role\n${members.map((m) => `${m.email},${m.roomRole ?? 'member'}`).join('\n')}\n`);
    const r = await cli(server, ['rooms', 'create', '--code', code, '--name', name, '--members', file]);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    const list = await cli(server, ['rooms', 'list', '--json']);
    const room = (JSON.parse(list.stdout) as { code: string; id: string }[]).find((x) => x.code === code);
    expect(room).toBeDefined();
    return room!.id;
  });
}

/** First sign-in on `page`: one-time code → choose a password → the room list. */
export async function signInOnPage(page: Page, server: TestServer, account: Account) {
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.code);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${server.url}/password`);
  await page.getByLabel('New password').fill(PASSWORD);
  await page.getByLabel('Confirm password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Save password' }).click();
  await page.waitForURL(`${server.url}/`);
  await page.getByRole('navigation', { name: 'Rooms' }).waitFor();
}

/** The top bar's Account menu → Sign out (views/shell.ts accountMenu); leaves the page on /login. */
export async function signOutOnPage(page: Page) {
  const menu = page.locator('header.topbar details.account-menu');
  await menu.locator('summary').click();
  await menu.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/login$/);
}

/** A fresh browser context for `account`, signed in (first sign-in with the one-time code). */
export async function signIn(browser: Browser, server: TestServer, account: Account, options: BrowserContextOptions = {}): Promise<Signed> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  await signInOnPage(page, server, account);
  return { context, page, account };
}

/** Polls `fn` until it stops throwing (expect failures included) or `timeoutMs` passes. */
export async function eventually<T>(fn: () => Promise<T> | T, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await Bun.sleep(everyMs);
    }
  }
}

export const statusText = (page: Page) => page.locator('#conn-status').innerText();

/** Waits until the live connection is up and the resume handshake is done (status line empty). */
export async function waitConnected(page: Page, timeoutMs = 20_000) {
  await page.waitForFunction(() => document.querySelector('.app')?.getAttribute('data-conn') === 'up', null, { timeout: timeoutMs });
  expect(await statusText(page)).toBe('');
}

export async function openRoom(page: Page, server: TestServer, roomId: string) {
  await page.goto(`${server.url}/rooms/${roomId}`);
  await page.getByRole('log', { name: 'Messages' }).waitFor();
  await waitConnected(page);
}

/** Reloads the open room and waits until it is live again. */
export async function reloadRoom(s: Signed, wait = 30_000) {
  await s.page.reload();
  await s.page.getByRole('log', { name: 'Messages' }).waitFor();
  await waitConnected(s.page, wait);
}

/** Types into the composer and presses the Send button. */
export async function send(page: Page, text: string) {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  // The composer clears as soon as the message is taken (queued or sent).
  await eventually(async () => expect(await page.getByRole('textbox', { name: 'Message' }).inputValue()).toBe(''), 5_000);
}

/** The text of every message in the open room's log, top to bottom. */
export function logBodies(page: Page): Promise<string[]> {
  return page.getByRole('log', { name: 'Messages' }).locator('article.msg .body').allInnerTexts();
}

/** Waits until the log shows exactly `expected` (in this order, nothing more). */
export async function expectLog(page: Page, expected: string[], timeoutMs = 20_000) {
  await eventually(async () => expect(await logBodies(page)).toEqual(expected), timeoutMs);
}

/** Items still in the outbox ("Messages not sent yet"): body and state text. */
export function outboxItems(page: Page): Promise<{ body: string; state: string }[]> {
  return page.locator('ul.outbox li.pending').evaluateAll((lis) => lis.map((li) => ({ body: li.querySelector('.body')!.textContent!, state: li.querySelector('.state')!.textContent! })));
}

/** Presses Retry on the failed outbox item with `body`: it is sent again (same client id). */
export async function retryOutbox(page: Page, body: string) {
  await page.locator('ul.outbox li.pending').filter({ has: page.locator('.body', { hasText: body }) }).getByRole('button', { name: 'Retry' }).click();
}

/** The open room's message (article) whose text contains `text`. */
export function messageArticle(page: Page, text: string) {
  return page.getByRole('log', { name: 'Messages' }).locator('article.msg').filter({ has: page.locator('.body', { hasText: text }) });
}

/** Deletes one's own message from its hover actions (confirming the dialog), and waits until it is gone from the log. */
export async function deleteMessage(page: Page, text: string) {
  page.once('dialog', (d) => void d.accept());
  const art = messageArticle(page, text);
  await art.hover();
  await art.getByRole('button', { name: 'Delete' }).click();
  await eventually(async () => expect(await logBodies(page)).not.toContain(text), 20_000);
}

/** The app's banner while a safeguarding notice applies to the signed-in person (views/safeguarding.ts). */
export function safeguardingBanner(page: Page) {
  return page.locator('.banner').filter({ hasText: /You have (a|\d+) safeguarding notices?/ });
}

/** Own messages that the server stored: shown as mine, with the "Sent" marker. */
export function sentByMe(page: Page): Promise<string[]> {
  return page
    .locator('article.msg.mine')
    .evaluateAll((arts) => arts.filter((a) => a.querySelector('.state')?.textContent === 'Sent').map((a) => a.querySelector('.body')!.textContent!));
}

// ---- probe sockets: raw WebSockets opened from a signed-in page ------------------------------

/** Opens `window.__probes[name]`: a raw WebSocket to /ws with the page's cookie and origin. */
export async function openProbe(page: Page, name: string) {
  await page.evaluate(
    (name) =>
      new Promise<void>((resolve, reject) => {
        const w = window as unknown as { __probes?: Record<string, { ws: WebSocket; frames: string[]; closed: number | null }> };
        w.__probes ??= {};
        const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/ws`);
        const probe = { ws, frames: [] as string[], closed: null as number | null };
        w.__probes[name] = probe;
        ws.onmessage = (e) => probe.frames.push(String(e.data));
        ws.onclose = (e) => (probe.closed = e.code);
        ws.onopen = () => resolve();
        ws.onerror = () => reject(new Error('probe socket failed'));
      }),
    name,
  );
}

export async function probeSend(page: Page, name: string, data: string | object) {
  await page.evaluate(([name, d]) => (window as any).__probes[name].ws.send(d), [name, typeof data === 'string' ? data : JSON.stringify(data)] as const);
}

/** Everything the probe received so far, and its close code (null while open). */
export function probeState(page: Page, name: string): Promise<{ frames: string[]; closed: number | null; readyState: number }> {
  return page.evaluate((name) => {
    const p = (window as any).__probes[name];
    return { frames: [...p.frames], closed: p.closed, readyState: p.ws.readyState };
  }, name);
}

/**
 * Throws if the page ran an injected script (every XSS payload in the suites sets `__xss`) or holds
 * injected markup at all: the CSP would block an inline handler, so absence of the flag alone
 * proves little; no element may carry an event-handler attribute or be an inline script.
 */
export async function expectNoXss(page: Page) {
  expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
  expect(await page.evaluate(() => document.querySelectorAll('[onerror], [onload], [onclick], script:not([src])').length)).toBe(0);
}

/**
 * In-page clocks for timings (Date.now, the same clock as the test process): when a form is first
 * submitted, and when a message with `text` first appears in the log. Reset by a navigation.
 */
export async function startStamps(page: Page, text: string) {
  await page.evaluate((text) => {
    const w = window as unknown as { __stamps: { submit: number | null; seen: number | null } };
    w.__stamps = { submit: null, seen: null };
    document.addEventListener('submit', () => (w.__stamps.submit ??= Date.now()), true);
    const check = () => {
      if (w.__stamps.seen === null && Array.from(document.querySelectorAll('article.msg .body')).some((b) => b.textContent === text)) w.__stamps.seen = Date.now();
    };
    new MutationObserver(check).observe(document.body, { childList: true, subtree: true });
    check();
  }, text);
}

export function readStamps(page: Page): Promise<{ submit: number | null; seen: number | null }> {
  return page.evaluate(() => (window as unknown as { __stamps: { submit: number | null; seen: number | null } }).__stamps);
}
