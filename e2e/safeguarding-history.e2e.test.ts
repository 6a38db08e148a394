/**
 * A minor added to a room does not read its unscreened history, in real Chromium: in a course room
 * of adults (out of scope, nothing screened) a student posts what the shipped model holds; an
 * administrator adds a student under 18 in the admin portal; the history is screened first, so the
 * minor's page never shows that message, its sender's page marks it "Held for review" and the other
 * adult's open page drops it, live, and his reply's quote of it says only that it was deleted.
 * An officer releases it: the quote shows its words again on his open page, without a reload.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { TestServer } from './harness';
import { describeBrowser } from './harness';
import { startSafeguarding, type SafeguardingWorld } from './safeguarding-helpers';
import { createCourseRoom, eventually, expectLog, logBodies, messageArticle, openRoom, send, type Signed } from './chat-helpers';
import { serverStore } from './harness';
import { decideOnCasePage } from './safeguarding-helpers';

const TIMEOUT = 300_000;
const WAIT = 30_000;
const HELLO = 'Practical groups are on the noticeboard.';
const ANSWER = 'What do you mean?';
// Held by the shipped model as a student's course-room post (grooming_signal at hold level).
const SECRET = "come to my house alone this weekend and don't tell your parents, it's our secret";

describeBrowser('safeguarding: a room\'s history is screened when a minor joins (browser)', () => {
  let w: SafeguardingWorld<'emeka' | 'tunde' | 'kemi' | 'admin'>;
  let server: TestServer;
  let e: Signed, t: Signed, k: Signed, a: Signed;
  let roomId: string;

  beforeAll(async () => {
    w = await startSafeguarding({
      emeka: { email: 'emeka.obi@unilag.edu.ng', name: 'Emeka Obi' },
      tunde: { email: 'tunde.bello@unilag.edu.ng', name: 'Tunde Bello' },
      kemi: { email: 'kemi.adeyemi@unilag.edu.ng', name: 'Kemi Adeyemi', minor: true },
      admin: { email: 'registry.admin@unilag.edu.ng', name: 'Registry Admin', role: 'admin', officer: true },
    });
    server = w.server;
    ({ emeka: e, tunde: t, kemi: k, admin: a } = w.signed);
    roomId = await createCourseRoom(server, 'ZOO201', 'Animal physiology', [w.accounts.emeka, w.accounts.tunde]);
  }, TIMEOUT);

  afterAll(() => w?.stop(), TIMEOUT);

  test(
    'added in the admin portal, the minor never sees a hold-level message posted before she joined',
    async () => {
      await w.withArtifacts('safeguarding-history', async () => {
        // ---- 1. among adults nothing is screened: both messages are delivered ------------------
        await Promise.all([openRoom(e.page, server, roomId), openRoom(t.page, server, roomId)]);
        await send(e.page, SECRET);
        await send(t.page, HELLO);
        await expectLog(t.page, [SECRET, HELLO], WAIT);
        // Tunde answers it: his reply quotes it.
        const asked = messageArticle(t.page, SECRET);
        await asked.hover();
        await asked.getByRole('button', { name: 'Reply' }).click();
        await send(t.page, ANSWER);
        const quote = () => messageArticle(t.page, ANSWER).locator('.quote');
        await eventually(async () => expect(await quote().innerText()).toContain('come to my house'), WAIT);
        expect(await messageArticle(e.page, SECRET).locator('.held-notice').count()).toBe(0);

        // ---- 2. an administrator adds the minor in the portal ----------------------------------
        await a.page.goto(`${server.url}/admin/rooms/${roomId}`);
        await a.page.getByLabel('Email').fill(w.accounts.kemi.email);
        await a.page.getByRole('button', { name: 'Add member' }).click();
        await a.page.getByText('Kemi Adeyemi added as member.').waitFor({ timeout: WAIT });

        // ---- 3. the minor's page: only the harmless message -------------------------------------
        await openRoom(k.page, server, roomId);
        expect(await logBodies(k.page)).toEqual([HELLO, ANSWER]);
        expect(await k.page.getByRole('log', { name: 'Messages' }).innerText()).not.toContain('secret');

        // ---- 4. live: the sender sees it held, the other adult's page drops it ------------------
        await messageArticle(e.page, SECRET).locator('.held-notice').getByText('Held for review').waitFor({ timeout: WAIT });
        await eventually(async () => expect(await t.page.getByRole('log', { name: 'Messages' }).innerText()).not.toContain('secret'), WAIT);
        expect(await quote().innerText()).toBe('In reply to a deleted message');
        // An officer gets the case by email, saying where it was found.
        const mail = await w.mail((m) => (m.headers['subject'] ?? '').includes('held'), WAIT);
        expect(mail.text).toContain('A message already in a room was held when a student under 18 joined it.');

        // ---- 5. released by an officer: Tunde's open page shows the quote's words again -----------
        const store = await serverStore(server);
        const held = (await store.cases.list().finally(() => store.close())).find((c) => c.text === SECRET)!;
        await decideOnCasePage(a.page, server, held.id, { outcome: 'release', reason: 'A student inviting classmates to a study group; nothing to hold.', wait: WAIT });
        await eventually(async () => expect(await quote().innerText()).toContain('come to my house'), WAIT);
        expect(await quote().evaluate((q) => q.tagName)).toBe('A');
      });
    },
    TIMEOUT,
  );
});
