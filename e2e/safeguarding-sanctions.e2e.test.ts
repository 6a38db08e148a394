/**
 * Safeguarding sanctions in real Chromium (issue #6), one browser context per person:
 *
 * 1. Automatic restriction: a lecturer's second held message to a minor restricts him. He is told
 *    live, is refused where the minor is (and cannot start a DM with her), still posts where only
 *    adults are, and reads the automatic notice; the minor never sees the held messages; the
 *    officers are emailed a link. An officer lifts the restriction from /admin/moderation: the
 *    minor receives both held messages live, in place, and the lecturer posts to her room again.
 *
 * 2. Room freeze with the owner's hearing: an officer freezes a student's group from a case about
 *    a threat in it. Every member is told live and refused; only the owner has a notice (reason,
 *    evidence excerpt, clause) and may send a statement; the officer who froze may not decide the
 *    appeal; a second officer overturns it; every member is told live and posts again without a
 *    reload; the owner reads the outcome and its reason.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { startSmtpSink, type SinkMessage, type SmtpSink } from '../server/testing/smtp-sink';
import { REFUSALS } from '../server/features/moderation/restrictions';
import { actFromCase, expectActorMayNotDecide, overturnFromList } from './safeguarding-helpers';
import { describeBrowser, launchBrowser, serverStore, startServer, withArtifactsOnFailure, type TestServer } from './harness';
import {
  createCourseRoom,
  eventually,
  expectLog,
  importUsers,
  logBodies,
  messageArticle,
  openRoom,
  outboxItems,
  retryOutbox,
  safeguardingBanner,
  send,
  sentByMe,
  signIn,
  waitConnected,
  type Account,
  type Signed,
} from './chat-helpers';

const TIMEOUT = 300_000;
/** Waits for pushes, emails and page loads: generous, the machine is small and shared. */
const WAIT = 30_000;
const OFFICERS = ['officer-a@unilag.edu.ng', 'officer-b@unilag.edu.ng'];

// ---- 1. automatic restriction ----
const GREETING = 'Good morning, class: the lab opens at 9.';
// Both held by the shipped model (grooming_signal at hold level; `bun cli/main.ts moderation classify --context room --role lecturer …`).
const GROOMING = "you're so mature for your age. don't tell your parents about our chats, send me a pic of you, just for me";
const SECRET = "come to my house alone this weekend and don't tell your parents, it's our secret";
const REFUSED = 'Remember to bring your lab coats on Thursday.';
const ADULTS_OK = 'Staff seminar moved to room 12.';
const LIFT_REASON = 'Both messages were quoted from the safeguarding training slides he is preparing; confirmed with the department.';
/** The sender's live notice when the automatic restriction applies (sanctions.ts). */
const RESTRICTED_NOTICE = 'Your account has been restricted while safeguarding officers review held messages. See your notices at /safeguarding.';
const REVIEWED_NOTICE = 'Your safeguarding notice was reviewed: the decision was reversed and everything restored. See /safeguarding.';

// ---- 2. room freeze ----
const GROUP = 'Chemistry revision group';
const HELLO = 'Revision starts at 5pm in the library.';
// Review level only (threat), so it is delivered and the owner's notice may quote it.
const THREAT = 'if you tell the lecturer I will make you regret it';
const FREEZE_REASON = 'A member threatened another member of this group, who is under 18.';
const FROZEN_NOTICE = 'This room has been frozen by the safeguarding team: you can read it but not post.';
const OWNER_NOTICE = 'A room you own has been frozen. See the notice at /safeguarding: you can respond to it.';
const OPEN_NOTICE = 'This room is open again: the safeguarding freeze was lifted.';
const STATEMENT = 'I told him off in the group at once; I will moderate it and report anything like this straight away.';
const OVERTURN_REASON = 'The owner acted on the message and will moderate the group; freezing it punishes everyone else.';
const KEMI_WAITING = 'Is the revision still on?';
const EMEKA_WAITING = 'Sorry, it was a joke.';
const DAYO_BACK = 'Back open: see you at 5pm.';

describeBrowser('safeguarding sanctions (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let sink: SmtpSink;
  let tunde: Account, kemi: Account, ngozi: Account, dayo: Account, emeka: Account, officerA: Account, officerB: Account;
  let t: Signed, k: Signed, n: Signed, d: Signed, e: Signed, a: Signed, b: Signed;
  let kidsRoom: string, adultsRoom: string;
  let kemiId: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    [server, browser] = await Promise.all([
      startServer({
        env: {
          SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
          SMTP_FROM: 'safeguarding@unilag.edu.ng',
          SAFEGUARDING_EMAILS: OFFICERS.join(','),
          MODERATION_SCOPE: 'minors',
          // MODERATION_RESTRICT_AFTER is left at its default: the second held message towards a minor restricts.
        },
      }),
      launchBrowser(),
    ]);
    [tunde, kemi, ngozi, dayo, emeka, officerA, officerB] = (await importUsers(server, [
      { email: 'tunde.bello@unilag.edu.ng', name: 'Tunde Bello', role: 'lecturer' },
      { email: 'kemi.ojo@unilag.edu.ng', name: 'Kemi Ojo' },
      { email: 'ngozi.okafor@unilag.edu.ng', name: 'Ngozi Okafor', role: 'lecturer' },
      { email: 'dayo.akande@unilag.edu.ng', name: 'Dayo Akande' },
      { email: 'emeka.nwosu@unilag.edu.ng', name: 'Emeka Nwosu' },
      { email: OFFICERS[0]!, name: 'Amaka Eze', role: 'lecturer' },
      { email: OFFICERS[1]!, name: 'Bayo Adeyemi', role: 'lecturer' },
    ])) as [Account, Account, Account, Account, Account, Account, Account];
    kidsRoom = await createCourseRoom(server, 'BIO101', 'Biology', [tunde, kemi]);
    adultsRoom = await createCourseRoom(server, 'STA701', 'Staff seminar', [tunde, ngozi]);
    // The group's students share a course, so the adult students may start a conversation with the minor.
    await createCourseRoom(server, 'CHM102', 'Organic chemistry', [dayo, kemi, emeka]);
    // Account facts an administrator would set: the student's date of birth, the officers' permission.
    const store = await serverStore(server);
    try {
      const [ku, au, bu] = await Promise.all([store.users.byEmail(kemi.email), store.users.byEmail(officerA.email), store.users.byEmail(officerB.email)]);
      kemiId = ku!.id;
      await store.users.update(ku!.id, { dateOfBirth: '2011-04-01' });
      await store.users.update(au!.id, { permissions: ['safeguarding'] });
      await store.users.update(bu!.id, { permissions: ['safeguarding'] });
    } finally {
      await store.close();
    }
    [t, k, n, d, e, a, b] = (await Promise.all([tunde, kemi, ngozi, dayo, emeka, officerA, officerB].map((x) => signIn(browser, server, x)))) as [Signed, Signed, Signed, Signed, Signed, Signed, Signed];
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    sink?.stop();
  }, TIMEOUT);

  /** withArtifactsOnFailure for every person's page (a screenshot of each on failure). */
  const withArtifacts = (name: string, fn: () => Promise<void>) =>
    (
      [
        ['tunde', t],
        ['kemi', k],
        ['ngozi', n],
        ['dayo', d],
        ['emeka', e],
        ['officer-a', a],
        ['officer-b', b],
      ] as const
    ).reduceRight<() => Promise<void>>((inner, [who, s]) => () => withArtifactsOnFailure(`${name}-${who}`, s.page, server, inner), fn)();

  const mail = (pred: (m: SinkMessage) => boolean) => sink.waitFor(pred, WAIT);
  const subject = (m: SinkMessage) => m.headers['subject'] ?? '';
  const pushed = (s: Signed, text: string) => s.page.locator('#notice').getByText(text).waitFor({ timeout: WAIT });
  const frozenBanner = (s: Signed) => s.page.locator('.banner').filter({ hasText: REFUSALS.frozen });
  const restrictedBanner = (s: Signed) => s.page.locator('.banner').filter({ hasText: REFUSALS.restricted });
  const reloadRoom = async (s: Signed) => {
    await s.page.reload();
    await s.page.getByRole('log', { name: 'Messages' }).waitFor();
    await waitConnected(s.page, WAIT);
  };

  test(
    'repeated held messages to a minor restrict the sender automatically until an officer lifts it; lifting delivers them',
    async () => {
      await withArtifacts('safeguarding-restriction', async () => {
        // Before anything: people search offers him the minor (they share a course).
        await t.page.goto(`${server.url}/people?q=Kemi`);
        await t.page.getByRole('button', { name: 'Message Kemi Ojo' }).waitFor({ timeout: WAIT });

        // ---- 1. two held messages: the second restricts the sender; the minor sees neither ------
        await Promise.all([openRoom(t.page, server, kidsRoom), openRoom(k.page, server, kidsRoom), openRoom(n.page, server, adultsRoom)]);
        await send(t.page, GREETING);
        await expectLog(k.page, [GREETING], WAIT);

        await send(t.page, GROOMING);
        await messageArticle(t.page, GROOMING).locator('.held-notice').getByText('Held for review').waitFor({ timeout: WAIT });
        // One hold is not yet a pattern: no restriction, no notice.
        let store = await serverStore(server);
        expect(await store.sanctions.list().finally(() => store.close())).toEqual([]);

        await send(t.page, SECRET);
        await messageArticle(t.page, SECRET).locator('.held-notice').getByText('Held for review').waitFor({ timeout: WAIT });
        await pushed(t, RESTRICTED_NOTICE);
        // The room says at once, before he types again, that he cannot post where students under 18 are.
        await restrictedBanner(t).waitFor({ timeout: WAIT });
        await eventually(async () => expect(await sentByMe(t.page)).toEqual([GREETING, GROOMING, SECRET]), WAIT);

        store = await serverStore(server);
        const [holds, restrictions] = await Promise.all([store.cases.list(), store.sanctions.list()]).finally(() => store.close());
        expect(holds.map((c) => [c.text, c.severity, c.towardsMinor, c.status]).sort()).toEqual(
          [
            [GROOMING, 'hold', true, 'open'],
            [SECRET, 'hold', true, 'open'],
          ].sort(),
        );
        expect(restrictions.length).toBe(1);
        const restriction = restrictions[0]!;
        expect(restriction).toMatchObject({ kind: 'restriction', actorId: null, status: 'active', clause: 'SG-2', evidence: SECRET });
        expect([...restriction.caseIds].sort()).toEqual(holds.map((c) => c.id).sort());

        // ---- 2. refused where the minor is, before anything is stored --------------------------
        await send(t.page, REFUSED);
        await eventually(async () => expect(await outboxItems(t.page)).toEqual([{ body: REFUSED, state: `Not sent: ${REFUSALS.restricted}` }]), WAIT);
        // The minor has only the greeting: not the held messages, not the refused one (live, or after a reload).
        expect(await logBodies(k.page)).toEqual([GREETING]);
        await reloadRoom(k);
        expect(await logBodies(k.page)).toEqual([GREETING]);
        // She has no notice: the restriction is about him.
        expect(await safeguardingBanner(k.page).count()).toBe(0);

        // His page, reloaded, carries the banner; the held messages stay marked for him.
        await reloadRoom(t);
        await safeguardingBanner(t.page).waitFor();
        for (const text of [GROOMING, SECRET]) expect(await messageArticle(t.page, text).getAttribute('class')).toContain('held');

        // ---- 3. still posts where no minor is --------------------------------------------------
        // (the same restriction line shows here: where the minors are is not his to learn from it)
        await openRoom(t.page, server, adultsRoom);
        await restrictedBanner(t).waitFor();
        await send(t.page, ADULTS_OK);
        await expectLog(n.page, [ADULTS_OK], WAIT);
        await eventually(async () => expect(await sentByMe(t.page)).toEqual([ADULTS_OK]), WAIT);

        // ---- 4. cannot start a conversation with the minor -------------------------------------
        // People search does not offer her (before the restriction it did: they share a course)...
        await t.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: 'New message' }).click();
        await t.page.getByLabel('Find a person').fill('Kemi');
        await t.page.getByRole('button', { name: 'Find' }).click();
        await t.page.getByRole('status').getByText('Nobody you can message matches').waitFor({ timeout: WAIT });
        expect(await t.page.getByRole('button', { name: 'Message Kemi Ojo' }).count()).toBe(0);
        // ...and a request made by hand is refused with the reason.
        const crafted = await t.page.evaluate(async (user) => {
          const r = await fetch('/dm', { method: 'POST', body: new URLSearchParams({ user }) });
          return { status: r.status, text: await r.text() };
        }, kemiId);
        expect(crafted.status).toBe(403);
        expect(crafted.text).toContain(REFUSALS.restricted);
        expect(await k.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: 'Tunde Bello' }).count()).toBe(0);

        // ---- 5. his notice: what it stops, the automatic decision, reason, evidence, clause ------
        await t.page.goto(`${server.url}/safeguarding`);
        const notice = t.page.locator(`#notice-${restriction.id}`);
        await notice.getByRole('heading', { name: 'Your account is restricted' }).waitFor();
        expect(await t.page.locator('article.sanction-notice').count()).toBe(1);
        expect(await notice.innerText()).toContain('You cannot post in conversations or rooms where a student under 18 is a member');
        const facts = await notice.locator('dl.facts').innerText();
        for (const x of ['the automatic safeguarding check (an officer will review it)', '2 of your messages to students under 18 were held for review', 'SG-2 · Grooming a student under 18', 'BIO101 · Biology']) expect(facts).toContain(x);
        expect(await notice.locator('blockquote.flagged-text').innerText()).toBe(SECRET);
        expect(await notice.getByRole('button', { name: 'Send statement and appeal' }).count()).toBe(1);
        // He waits in the minor's room: the outcome is pushed to it, and the room's banner goes.
        await openRoom(t.page, server, kidsRoom);
        await restrictedBanner(t).waitFor();

        // ---- 6. the officers' email: a link to the action, never the text or the names ---------
        const restrictedMail = await mail((m) => subject(m).includes('user restricted automatically'));
        expect(subject(restrictedMail)).toContain(`[Lets Talk safeguarding] Action ${restriction.id}`);
        expect([...restrictedMail.to].sort()).toEqual(OFFICERS);
        expect(restrictedMail.text).toMatch(new RegExp(`https?://[^\\s]+/admin/moderation/actions/${restriction.id}(?![\\w-])`));
        for (const secret of [GROOMING, SECRET, 'mature for your age', 'our secret', 'Kemi', 'Tunde']) expect(restrictedMail.data).not.toContain(secret);

        // ---- 7. an officer finds the restriction and lifts it ------------------------------------
        await a.page.goto(`${server.url}/admin/moderation`);
        // The two held messages wait in the case queue.
        for (const c of holds) await a.page.getByRole('table').locator(`a[href="/admin/moderation/cases/${c.id}"]`).first().waitFor();
        await a.page.getByRole('link', { name: 'Actions and appeals' }).click();
        await a.page.waitForURL(`${server.url}/admin/moderation/actions`);
        const row = a.page.getByRole('table').getByRole('row').filter({ hasText: 'Restriction' });
        expect(await row.count()).toBe(1);
        const rowText = await row.innerText();
        for (const x of ['Tunde Bello (lecturer)', 'automatic', 'in force, no statement yet']) expect(rowText).toContain(x);
        await row.getByRole('link').click();
        await a.page.waitForURL(`${server.url}/admin/moderation/actions/${restriction.id}`);
        const officerFacts = await a.page.locator('dl.facts').innerText();
        for (const x of ['Restriction (cannot post where students under 18 are)', 'Tunde Bello (lecturer)', 'the automated safeguarding check', 'SG-2 · Grooming a student under 18', SECRET]) expect(officerFacts).toContain(x);
        // Nothing to appeal yet: lifting is the decision on offer.
        expect(await a.page.getByRole('heading', { name: 'Decide the appeal' }).count()).toBe(0);
        const lift = a.page.getByRole('region', { name: 'Lift' });
        await lift.getByRole('textbox', { name: /Reason/ }).fill(LIFT_REASON);
        await lift.getByRole('button', { name: 'Continue' }).click();
        await a.page.getByText('Lift this action and restore everything?').waitFor({ timeout: WAIT });
        await a.page.getByRole('button', { name: 'Yes, lift' }).click();
        await a.page.waitForURL(`${server.url}/admin/moderation/actions/${restriction.id}?done=lift`, { timeout: WAIT });
        await a.page.getByText('The action was lifted and everything restored.').waitFor();
        expect(await a.page.locator('dl.facts').innerText()).toContain('lifted: restored');
        expect(await a.page.getByRole('region', { name: 'Lift' }).count()).toBe(0);

        // ---- 8. restored: the minor receives both held messages live, in place -----------------
        await expectLog(k.page, [GREETING, GROOMING, SECRET], WAIT);
        await reloadRoom(k);
        expect(await logBodies(k.page)).toEqual([GREETING, GROOMING, SECRET]);

        // He is told live, reads the outcome, has no banner, and his refused message goes through.
        await pushed(t, REVIEWED_NOTICE);
        await eventually(async () => expect(await restrictedBanner(t).count()).toBe(0), WAIT);
        await t.page.goto(`${server.url}/safeguarding`);
        const outcome = await notice.getByRole('status').innerText();
        expect(outcome).toContain('Lifted on');
        expect(outcome).toContain('everything was restored');
        expect(outcome).toContain(LIFT_REASON);
        expect(await notice.getByRole('button', { name: 'Send statement and appeal' }).count()).toBe(0);
        await openRoom(t.page, server, kidsRoom);
        expect(await safeguardingBanner(t.page).count()).toBe(0);
        for (const text of [GROOMING, SECRET]) {
          expect(await messageArticle(t.page, text).getAttribute('class')).not.toContain('held');
          expect(await messageArticle(t.page, text).locator('.held-notice').count()).toBe(0);
        }
        expect(await outboxItems(t.page)).toEqual([{ body: REFUSED, state: `Not sent: ${REFUSALS.restricted}` }]);
        await retryOutbox(t.page, REFUSED);
        await expectLog(k.page, [GREETING, GROOMING, SECRET, REFUSED], WAIT);
        await eventually(async () => expect(await outboxItems(t.page)).toEqual([]), WAIT);
        await eventually(async () => expect(await sentByMe(t.page)).toEqual([GREETING, GROOMING, SECRET, REFUSED]), WAIT);

        // ---- the store: the cases released by the lift, the audit trail ------------------------
        store = await serverStore(server);
        try {
          const [tu, au] = await Promise.all([store.users.byEmail(tunde.email), store.users.byEmail(officerA.email)]);
          expect(await store.sanctions.byId(restriction.id)).toMatchObject({ kind: 'restriction', userId: tu!.id, actorId: null, status: 'lifted', decidedBy: au!.id, decisionReason: LIFT_REASON, statement: null });
          for (const c of holds) expect(await store.cases.byId(c.id)).toMatchObject({ status: 'decided', decision: 'release', decidedBy: au!.id });
          const audit = async (action: string) => store.audit.list({ action });
          expect((await audit('moderation.hold')).map((x) => [x.target, x.actorId]).sort()).toEqual(holds.map((c) => [c.id, null]).sort());
          expect((await audit('moderation.restriction')).map((x) => [x.target, x.actorId, x.details.clause])).toEqual([[restriction.id, null, 'SG-2']]);
          expect((await audit('moderation.action_view')).some((x) => x.target === restriction.id && x.actorId === au!.id)).toBe(true);
          expect((await audit('moderation.lift')).map((x) => [x.target, x.actorId, x.details.reason, x.details.outcome])).toEqual([[restriction.id, au!.id, LIFT_REASON, 'lifted']]);
        } finally {
          await store.close();
        }
      });
    },
    TIMEOUT,
  );

  test(
    "room freeze: read-only for every member, the owner's statement, decided by another officer, the room reopened live",
    async () => {
      await withArtifacts('safeguarding-freeze', async () => {
        // ---- 1. a student makes a group with the minor and another student ----------------------
        await d.page.goto(`${server.url}/`);
        await d.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: 'New message' }).click();
        await d.page.getByRole('link', { name: 'Start a group conversation' }).click();
        await d.page.getByLabel('Group name').fill(GROUP);
        await d.page.getByLabel("Members' emails").fill(`${kemi.email}\n${emeka.email}`);
        await d.page.getByRole('button', { name: 'Create group' }).click();
        await d.page.waitForURL(/\/rooms\/[\w-]+$/, { timeout: WAIT });
        const group = new URL(d.page.url()).pathname.split('/').pop()!;
        await d.page.getByRole('log', { name: 'Messages' }).waitFor();
        await waitConnected(d.page, WAIT);
        for (const s of [k, e]) {
          await s.page.goto(`${server.url}/`);
          await s.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: GROUP }).click();
          await s.page.waitForURL(`${server.url}/rooms/${group}`);
          await s.page.getByRole('log', { name: 'Messages' }).waitFor();
          await waitConnected(s.page, WAIT);
        }
        const members = [d, k, e];

        await send(d.page, HELLO);
        await send(e.page, THREAT);
        for (const s of members) await expectLog(s.page, [HELLO, THREAT], WAIT);

        // The threat opened a review-level case (delivered, so its words can be shown to the owner).
        let store = await serverStore(server);
        const theCase = (await store.cases.list().finally(() => store.close())).find((c) => c.roomId === group && c.text === THREAT)!;
        expect(theCase).toMatchObject({ severity: 'review', status: 'open', towardsMinor: true });
        expect(theCase.labels).toContain('threat');

        // ---- 2. officer A freezes the room from the case -----------------------------------------
        const { actionId: freezeId, csrf: csrfA } = await actFromCase(a.page, server, {
          caseId: theCase.id,
          contextText: 'make you regret it',
          choice: /Freeze the room/,
          clause: 'SG-5',
          clauseTitle: 'SG-5 · Threats and blackmail',
          reason: FREEZE_REASON,
          question: 'Freeze this room?',
          yes: 'Yes, freeze',
          done: 'freeze',
          doneText: 'The room is frozen. Its owners have been shown the notice and can respond.',
          wait: WAIT,
        });
        const freezeFacts = await a.page.locator('dl.facts').innerText();
        for (const x of ['Room freeze (read-only room)', `Room ${GROUP}`, 'in force, no statement yet', 'SG-5 · Threats and blackmail', FREEZE_REASON, THREAT]) expect(freezeFacts).toContain(x);

        // ---- 3. every member: told live, refused; after a reload the room says it is frozen -----
        await pushed(k, FROZEN_NOTICE);
        await pushed(e, FROZEN_NOTICE);
        await pushed(d, OWNER_NOTICE);
        // Every member's open page says at once that the room is frozen.
        for (const s of members) await frozenBanner(s).waitFor({ timeout: WAIT });
        await send(k.page, KEMI_WAITING);
        await send(e.page, EMEKA_WAITING);
        for (const [s, body] of [
          [k, KEMI_WAITING],
          [e, EMEKA_WAITING],
        ] as const)
          await eventually(async () => expect(await outboxItems(s.page)).toEqual([{ body, state: `Not sent: ${REFUSALS.frozen}` }]), WAIT);
        for (const s of members) expect(await logBodies(s.page)).toEqual([HELLO, THREAT]);
        for (const s of [k, e]) {
          await reloadRoom(s);
          await frozenBanner(s).waitFor();
          expect(await logBodies(s.page)).toEqual([HELLO, THREAT]);
          // Plain members are not the affected party: no notice for them.
          expect(await safeguardingBanner(s.page).count()).toBe(0);
        }
        await reloadRoom(d);
        await frozenBanner(d).waitFor();
        await safeguardingBanner(d.page).waitFor();

        // ---- 4. a plain member cannot appeal: nothing to read, and a forged statement is 404 -----
        await e.page.goto(`${server.url}/safeguarding`);
        await e.page.getByText('You have no safeguarding notices.').waitFor();
        const forgedStatement = await e.page.evaluate(async (id) => {
          const r = await fetch(`/safeguarding/${id}/statement`, { method: 'POST', body: new URLSearchParams({ statement: 'Unfair: it was a joke.' }), redirect: 'manual' });
          return r.status;
        }, freezeId);
        expect(forgedStatement).toBe(404);
        store = await serverStore(server);
        expect(await store.sanctions.byId(freezeId).finally(() => store.close())).toMatchObject({ status: 'active', statement: null });
        await openRoom(e.page, server, group);
        await frozenBanner(e).waitFor();

        // ---- 5. the owner: the notice with reason, evidence and clause; a statement --------------
        await safeguardingBanner(d.page).getByRole('link', { name: 'Read and respond' }).click();
        await d.page.waitForURL(`${server.url}/safeguarding`);
        const notice = d.page.locator(`#notice-${freezeId}`);
        await notice.getByRole('heading', { name: `A room you own is frozen: ${GROUP}` }).waitFor();
        expect(await d.page.locator('article.sanction-notice').count()).toBe(1);
        expect(await notice.innerText()).toContain('Nobody can post in the room; members can still read it.');
        const noticeFacts = await notice.locator('dl.facts').innerText();
        for (const x of [FREEZE_REASON, 'SG-5 · Threats and blackmail', 'a safeguarding officer']) expect(noticeFacts).toContain(x);
        expect(await notice.locator('blockquote.flagged-text').innerText()).toBe(THREAT);
        await notice.getByLabel('Your statement').fill(STATEMENT);
        await notice.getByRole('button', { name: 'Send statement and appeal' }).click();
        await d.page.waitForURL(`${server.url}/safeguarding?sent=1`, { timeout: WAIT });
        await d.page.getByText('Your statement was sent.').waitFor();
        await notice.getByText('Your statement was received').waitFor();
        expect(await notice.locator('blockquote.statement').innerText()).toBe(STATEMENT);
        expect(await notice.getByRole('button', { name: 'Send statement and appeal' }).count()).toBe(0);
        await waitConnected(d.page, WAIT); // the owner stays here: the outcome is pushed to this page

        const appealMail = await mail((m) => subject(m).includes('appeal submitted') && subject(m).includes(freezeId));
        expect(appealMail.text).toMatch(new RegExp(`https?://[^\\s]+/admin/moderation/actions/${freezeId}(?![\\w-])`));
        for (const secret of [STATEMENT, THREAT, GROUP, 'Dayo']) expect(appealMail.data).not.toContain(secret);

        // The room stays frozen while the appeal is heard.
        await retryOutbox(k.page, KEMI_WAITING);
        await eventually(async () => expect(await outboxItems(k.page)).toEqual([{ body: KEMI_WAITING, state: `Not sent: ${REFUSALS.frozen}` }]), WAIT);

        // ---- 6. officer A froze the room: she may not decide the appeal --------------------------
        await expectActorMayNotDecide(a.page, server, freezeId, csrfA, STATEMENT);

        // ---- 7. officer B overturns it ---------------------------------------------------------
        await overturnFromList(b.page, server, { actionId: freezeId, rowText: `Room ${GROUP}`, statement: STATEMENT, reason: OVERTURN_REASON, wait: WAIT });

        // ---- 8. reopened live: every member is told, the frozen banner goes, they post again ---
        for (const s of [k, e]) {
          await pushed(s, OPEN_NOTICE);
          await eventually(async () => expect(await frozenBanner(s).count()).toBe(0), WAIT);
        }
        await retryOutbox(k.page, KEMI_WAITING);
        await retryOutbox(e.page, EMEKA_WAITING);
        for (const s of [k, e]) await eventually(async () => expect(await outboxItems(s.page)).toEqual([]), WAIT);
        for (const s of [k, e]) await eventually(async () => expect((await logBodies(s.page)).slice(0, 2)).toEqual([HELLO, THREAT]), WAIT);
        await eventually(async () => expect((await logBodies(k.page)).sort()).toEqual([HELLO, THREAT, KEMI_WAITING, EMEKA_WAITING].sort()), WAIT);
        const order = await logBodies(k.page);
        await expectLog(e.page, order, WAIT);

        // The owner is told on the notices page and reads the outcome and its reason.
        await pushed(d, 'Your safeguarding notice was reviewed: the decision was reversed and everything restored.');
        await d.page.goto(`${server.url}/safeguarding`);
        const outcome = await notice.getByRole('status').innerText();
        expect(outcome).toContain('it was overturned');
        expect(outcome).toContain(OVERTURN_REASON);
        expect(await notice.getByRole('button', { name: 'Send statement and appeal' }).count()).toBe(0);
        await openRoom(d.page, server, group);
        expect(await safeguardingBanner(d.page).count()).toBe(0);
        expect(await frozenBanner(d).count()).toBe(0);
        expect(await logBodies(d.page)).toEqual(order);
        await send(d.page, DAYO_BACK);
        for (const s of [k, e]) await expectLog(s.page, [...order, DAYO_BACK], WAIT);
        await eventually(async () => expect(await sentByMe(d.page)).toEqual([HELLO, DAYO_BACK]), WAIT);

        // ---- the store: the freeze's history; the case stays for its own review; the audit -----
        store = await serverStore(server);
        try {
          const [du, au, bu] = await Promise.all([store.users.byEmail(dayo.email), store.users.byEmail(officerA.email), store.users.byEmail(officerB.email)]);
          expect(await store.sanctions.byId(freezeId)).toMatchObject({
            kind: 'freeze',
            userId: null,
            roomId: group,
            caseIds: [theCase.id],
            clause: 'SG-5',
            reason: FREEZE_REASON,
            evidence: THREAT,
            actorId: au!.id,
            statement: STATEMENT,
            statementBy: du!.id,
            status: 'overturned',
            decidedBy: bu!.id,
            decisionReason: OVERTURN_REASON,
          });
          // A freeze hides nothing: its case is left to its own decision.
          expect(await store.cases.byId(theCase.id)).toMatchObject({ status: 'open' });
          const audit = async (action: string) => store.audit.list({ action });
          expect((await audit('moderation.flag')).some((x) => x.target === theCase.id && x.actorId === null)).toBe(true);
          expect((await audit('moderation.freeze')).map((x) => [x.target, x.actorId, x.details.clause, x.details.roomId])).toEqual([[freezeId, au!.id, 'SG-5', group]]);
          expect((await audit('moderation.statement')).filter((x) => x.target === freezeId).map((x) => x.actorId)).toEqual([du!.id]);
          expect((await audit('moderation.appeal_overturned')).map((x) => [x.target, x.actorId, x.details.reason])).toEqual([[freezeId, bu!.id, OVERTURN_REASON]]);
        } finally {
          await store.close();
        }
      });
    },
    TIMEOUT,
  );
});
