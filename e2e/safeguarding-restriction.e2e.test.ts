/**
 * The automatic restriction in real Chromium (issue #6), one browser context per person: an adult
 * student's second held message to a minor in their course restricts him (a lecturer's course-room
 * posts are held but do not restrict her: sanctions.ts). He is told live, every room of his says
 * so, he is refused where the minor is and starts no new conversation (with anyone: people search
 * offers nobody), still posts where only
 * adults are, and reads the automatic notice; the minor never sees the held messages; the officers
 * are emailed a link. An officer lifts the restriction from /admin/moderation: he posts to
 * her room again, but lifting judges no message: both stay held until the officer releases each
 * case, and then the minor receives them live, in place.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { REFUSALS } from '../server/features/moderation/restrictions';
import { artifactPath, describeBrowser, serverStore, type TestServer } from './harness';
import { decideOnCasePage, pushed, startSafeguarding, subject, type SafeguardingWorld } from './safeguarding-helpers';
import {
  createCourseRoom,
  eventually,
  expectLog,
  logBodies,
  messageArticle,
  openRoom,
  outboxItems,
  reloadRoom,
  retryOutbox,
  safeguardingBanner,
  send,
  sentByMe,
  type Account,
  type Signed,
} from './chat-helpers';

const TIMEOUT = 300_000;
/** Waits for pushes, emails and page loads: generous, the machine is small and shared. */
const WAIT = 30_000;
const GREETING = 'Good morning, class: the lab opens at 9.';
// Both held by the shipped model (grooming_signal at hold level; `bun cli/main.ts moderation classify --context room --role student …`).
const GROOMING = "you're so mature for your age. don't tell your parents about our chats, send me a pic of you, just for me";
const SECRET = "come to my house alone this weekend and don't tell your parents, it's our secret";
const REFUSED = 'Remember to bring your lab coats on Thursday.';
const ADULTS_OK = 'Staff seminar moved to room 12.';
const LIFT_REASON = 'Both messages were quoted from the safeguarding training slides he is preparing; confirmed with the department.';
/** The sender's live notice when the automatic restriction applies (sanctions.ts). */
const RESTRICTED_NOTICE = 'Your account has been restricted while safeguarding officers review held messages. See your notices at /safeguarding.';
const REVIEWED_NOTICE = 'Your safeguarding notice was reviewed: the action was lifted. See /safeguarding.';

describeBrowser('safeguarding: automatic restriction (browser)', () => {
  let w: SafeguardingWorld<'tunde' | 'kemi' | 'ngozi' | 'officerA' | 'officerB'>;
  let server: TestServer;
  let tunde: Account, officerA: Account;
  let t: Signed, k: Signed, n: Signed, a: Signed;
  let kidsRoom: string, adultsRoom: string;
  let kemiId: string;

  beforeAll(async () => {
    w = await startSafeguarding({
      // An adult student: a lecturer's course-room posts are held but do not restrict her (sanctions.ts).
      tunde: { email: 'tunde.bello@unilag.edu.ng', name: 'Tunde Bello' },
      kemi: { email: 'kemi.ojo@unilag.edu.ng', name: 'Kemi Ojo', minor: true },
      ngozi: { email: 'ngozi.okafor@unilag.edu.ng', name: 'Ngozi Okafor', role: 'lecturer' },
      officerA: { email: 'officer-a@unilag.edu.ng', name: 'Amaka Eze', role: 'lecturer', officer: true },
      officerB: { email: 'officer-b@unilag.edu.ng', name: 'Bayo Adeyemi', role: 'lecturer', officer: true },
    });
    server = w.server;
    ({ tunde, officerA } = w.accounts);
    ({ tunde: t, kemi: k, ngozi: n, officerA: a } = w.signed);
    kemiId = w.ids.kemi;
    kidsRoom = await createCourseRoom(server, 'BIO101', 'Biology', [tunde, w.accounts.kemi]);
    adultsRoom = await createCourseRoom(server, 'STA701', 'Staff seminar', [tunde, w.accounts.ngozi]);
  }, TIMEOUT);

  afterAll(() => w?.stop(), TIMEOUT);

  const withArtifacts = (name: string, fn: () => Promise<void>) => w.withArtifacts(name, fn);
  const mail = (pred: Parameters<typeof w.mail>[0]) => w.mail(pred, WAIT);
  const restrictedBanner = (s: Signed) => s.page.locator('.banner').filter({ hasText: REFUSALS.restricted });

  /**
   * On a phone the restriction's alerts leave the messages room (QA: three stacked alerts, 30 px of
   * messages; 16 px with the keyboard up): one banner (the account's line, which links the notices
   * page), the live notice linked and dismissable, and while writing with the keyboard up none.
   */
  async function onAPhone(s: Signed) {
    const desk = s.page.viewportSize()!;
    const visibleAlerts = () => s.page.locator('.alert.banner:visible, .notice-area .alert:visible').count();
    const logHeight = async () => (await s.page.getByRole('log', { name: 'Messages' }).boundingBox())!.height;
    await s.page.setViewportSize({ width: 360, height: 740 });
    const notice = s.page.locator('#notice .alert');
    expect(await notice.getByRole('link', { name: '/safeguarding' }).count()).toBe(1);
    expect(await visibleAlerts()).toBe(2); // the live notice, and one banner
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    expect(await visibleAlerts()).toBe(1);
    expect(await restrictedBanner(s).isVisible()).toBe(true);
    expect(await logHeight()).toBeGreaterThan(250);
    // The keyboard up: writing, the banner steps aside.
    await s.page.setViewportSize({ width: 360, height: 400 });
    await s.page.getByRole('textbox', { name: 'Message' }).focus();
    expect(await visibleAlerts()).toBe(0);
    expect(await logHeight()).toBeGreaterThan(80);
    await s.page.screenshot({ path: artifactPath('safeguarding-restricted-phone-keyboard.png') });
    await s.page.getByRole('textbox', { name: 'Message' }).blur();
    await s.page.setViewportSize(desk);
  }

  test(
    'repeated held messages to a minor restrict the sender automatically until an officer lifts it; the held messages wait for their own decisions',
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
        await t.page.screenshot({ path: artifactPath('safeguarding-restricted-room.png'), fullPage: true });
        await onAPhone(t);
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

        // ---- 4. no new conversation, with the minor or anyone ------------------------------------
        // People search offers nobody, with the reason: not her (before the restriction it did: they
        // share a course), nor the adult lecturer, in the same words (a refusal for minors only would
        // tell him who is under 18)...
        await t.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: 'New message' }).click();
        for (const name of ['Kemi', 'Ngozi']) {
          await t.page.getByLabel('Find a person').fill(name);
          await t.page.getByRole('button', { name: 'Find' }).click();
          await t.page.waitForURL((u) => u.searchParams.get('q') === name, { timeout: WAIT });
          await t.page.getByText(REFUSALS.restrictedContact).waitFor({ timeout: WAIT });
          expect(await t.page.getByRole('button', { name: /^Message / }).count()).toBe(0);
        }
        // ...and a request made by hand is refused with the reason.
        const crafted = await t.page.evaluate(async (user) => {
          const r = await fetch('/dm', { method: 'POST', body: new URLSearchParams({ user }) });
          return { status: r.status, text: await r.text() };
        }, kemiId);
        expect(crafted.status).toBe(403);
        expect(crafted.text).toContain(REFUSALS.restrictedContact);
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
        await t.page.getByText('You have a safeguarding notice.').waitFor();

        // ---- 6. the officers' email: a link to the action, never the text or the names ---------
        const restrictedMail = await mail((m) => subject(m).includes('user restricted automatically'));
        expect(subject(restrictedMail)).toContain(`[Lets Talk safeguarding] Action ${restriction.id}`);
        expect([...restrictedMail.to].sort()).toEqual([...w.officers].sort());
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
        for (const x of ['Tunde Bello (student)', 'automatic', 'in force, no statement yet']) expect(rowText).toContain(x);
        await row.getByRole('link').click();
        await a.page.waitForURL(`${server.url}/admin/moderation/actions/${restriction.id}`);
        const officerFacts = await a.page.locator('dl.facts').innerText();
        for (const x of ['Restriction (cannot post where students under 18 are)', 'Tunde Bello (student)', 'the automated safeguarding check', 'SG-2 · Grooming a student under 18', SECRET]) expect(officerFacts).toContain(x);
        // Nothing to appeal yet: lifting is the decision on offer.
        expect(await a.page.getByRole('heading', { name: 'Decide the appeal' }).count()).toBe(0);
        const lift = a.page.getByRole('region', { name: 'Lift' });
        await lift.getByRole('textbox', { name: /Reason/ }).fill(LIFT_REASON);
        await lift.getByRole('button', { name: 'Continue' }).click();
        await a.page.getByText('Lift this action?').waitFor({ timeout: WAIT });
        await a.page.getByRole('button', { name: 'Yes, lift' }).click();
        await a.page.waitForURL(`${server.url}/admin/moderation/actions/${restriction.id}?done=lift`, { timeout: WAIT });
        await a.page.getByText('The action was lifted. Its held messages stay held until their cases are decided.').waitFor();
        expect(await a.page.locator('dl.facts').innerText()).toContain('lifted (its evidence stays as decided)');
        expect(await a.page.getByRole('region', { name: 'Lift' }).count()).toBe(0);
        // Lifting judged no message: the minor still has only the greeting.
        await a.page.waitForTimeout(1000);
        expect(await logBodies(k.page)).toEqual([GREETING]);

        // ---- 8. the officer releases both cases: the minor receives them live, in place ---------
        for (const c of holds) await decideOnCasePage(a.page, server, c.id, { outcome: 'release', reason: LIFT_REASON, wait: WAIT });
        await expectLog(k.page, [GREETING, GROOMING, SECRET], WAIT);
        await reloadRoom(k);
        expect(await logBodies(k.page)).toEqual([GREETING, GROOMING, SECRET]);

        // He is told live, reads the outcome, has no banner, and his refused message goes through.
        await pushed(t, REVIEWED_NOTICE);
        await eventually(async () => expect(await restrictedBanner(t).count()).toBe(0), WAIT);
        // …nor the link to a notice that no longer applies (it stayed until a reload: QA).
        await eventually(async () => expect(await t.page.getByText('You have a safeguarding notice.').count()).toBe(0), WAIT);
        await t.page.goto(`${server.url}/safeguarding`);
        const outcome = await notice.getByRole('status').innerText();
        expect(outcome).toContain('Lifted on');
        expect(outcome).toContain('it no longer applies');
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

        // ---- the store: the cases released one by one, the audit trail --------------------------
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
});
