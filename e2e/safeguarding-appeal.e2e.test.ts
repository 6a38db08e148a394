/**
 * The safeguarding fair hearing in real Chromium (issue #6), one browser context per person:
 *
 *   a lecturer's grooming-pattern message to a minor in a course room is held (the minor never
 *   sees it) → the officers are emailed a link, never the text → officer A blocks the lecturer
 *   with a policy clause and a reason → the lecturer cannot post anywhere, sees a banner and a
 *   notice (reason, evidence, clause) and appeals with a statement → the officers are emailed →
 *   officer A may not decide the appeal; officer B overturns it → everything is restored: the
 *   minor receives the held message live, the lecturer posts again and reads the outcome.
 *
 * Controls: a benign sex-education message to the minor is delivered, and the same grooming text
 * between two adults (MODERATION_SCOPE=minors: not screened) is delivered untouched.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { SinkMessage } from '../server/testing/smtp-sink';
import { artifactPath, describeBrowser, serverStore, type TestServer } from './harness';
import { actFromCase, expectActorMayNotDecide, overturnFromList, startSafeguarding, subject, type SafeguardingWorld } from './safeguarding-helpers';
import { createCourseRoom, eventually, expectLog, logBodies, messageArticle, openRoom, outboxItems, safeguardingBanner, send, sentByMe, waitConnected, type Account, type Signed } from './chat-helpers';

const TIMEOUT = 300_000;
/** Waits for pushes, emails and page loads: generous, the machine is small and shared. */
const WAIT = 30_000;
const GROOMING = "you're so mature for your age. don't tell your parents about our chats, send me a pic of you, just for me";
const BENIGN = 'For Thursday, read chapter 4 on human reproduction and puberty; we will discuss contraception and sexually transmitted infections.';
const GREETING = 'Good morning, class: the lab opens at 9.';
const BLOCK_REASON = 'Your message to a student under 18 asked for secrecy from her parents and for a photo.';
const STATEMENT = 'I am sorry: I meant the class photo for the departmental newsletter, and I phrased it very badly.';
const OVERTURN_REASON = 'The statement is credible and there is no earlier concern; the message was ambiguous.';
const REFUSED = 'Are we still meeting at 4pm?';
const BACK = 'Sorry for the silence: see you all at 4pm.';

describeBrowser('safeguarding fair hearing (browser)', () => {
  let w: SafeguardingWorld<'tunde' | 'kemi' | 'officerA' | 'officerB' | 'peer'>;
  let server: TestServer;
  let tunde: Account, officerA: Account, officerB: Account;
  let t: Signed, k: Signed, a: Signed, b: Signed, p: Signed;
  let kidsRoom: string, adultsRoom: string;

  beforeAll(async () => {
    w = await startSafeguarding({
      tunde: { email: 'tunde.bello@unilag.edu.ng', name: 'Tunde Bello', role: 'lecturer' },
      kemi: { email: 'kemi.ojo@unilag.edu.ng', name: 'Kemi Ojo', minor: true },
      officerA: { email: 'amaka.eze@unilag.edu.ng', name: 'Amaka Eze', role: 'lecturer', officer: true },
      officerB: { email: 'bayo.adeyemi@unilag.edu.ng', name: 'Bayo Adeyemi', role: 'lecturer', officer: true },
      peer: { email: 'ngozi.okafor@unilag.edu.ng', name: 'Ngozi Okafor', role: 'lecturer' },
    });
    server = w.server;
    ({ tunde, officerA, officerB } = w.accounts);
    ({ tunde: t, kemi: k, officerA: a, officerB: b, peer: p } = w.signed);
    kidsRoom = await createCourseRoom(server, 'BIO101', 'Biology', [tunde, w.accounts.kemi]);
    adultsRoom = await createCourseRoom(server, 'STA701', 'Staff seminar', [tunde, w.accounts.peer]);
  }, TIMEOUT);

  afterAll(() => w?.stop(), TIMEOUT);

  const withArtifacts = (fn: () => Promise<void>) => w.withArtifacts('safeguarding-appeal', fn);
  const mail = (pred: (m: SinkMessage) => boolean) => w.mail(pred, WAIT);

  test(
    'held → emailed → blocked → statement → appeal decided by another officer → everything restored',
    async () => {
      await withArtifacts(async () => {
        // ---- 1. the hold: the lecturer sees it held, the minor never receives it ----------------
        await Promise.all([openRoom(t.page, server, kidsRoom), openRoom(k.page, server, kidsRoom), openRoom(p.page, server, adultsRoom)]);
        await send(t.page, GREETING);
        await expectLog(k.page, [GREETING], WAIT);

        await send(t.page, GROOMING);
        const held = messageArticle(t.page, GROOMING);
        await held.locator('.held-notice').getByText('Held for review').waitFor({ timeout: WAIT });
        expect(await held.getAttribute('class')).toContain('held');

        // The benign sex-education message goes to the same room after it: once the minor has it,
        // the held one (sent first, same room) would have arrived too had it been delivered.
        await send(t.page, BENIGN);
        await expectLog(k.page, [GREETING, BENIGN], WAIT);
        await eventually(async () => expect(await sentByMe(t.page)).toEqual([GREETING, GROOMING, BENIGN]), WAIT);
        expect(await messageArticle(t.page, BENIGN).getAttribute('class')).not.toContain('held');
        await k.page.reload();
        await k.page.getByRole('log', { name: 'Messages' }).waitFor();
        expect(await logBodies(k.page)).toEqual([GREETING, BENIGN]);

        // ---- 2. the officers' email: a link to the case, never the message text ----------------
        let store = await serverStore(server);
        const cases = await store.cases.list().finally(() => store.close());
        const holds = cases.filter((c) => c.severity === 'hold');
        expect(holds.map((c) => c.text)).toEqual([GROOMING]);
        const theCase = holds[0]!;
        expect(theCase).toMatchObject({ status: 'open', towardsMinor: true });
        // The benign message opened no case at all (held or for review).
        expect(cases.filter((c) => c.text === BENIGN)).toEqual([]);

        const heldMail = await mail((m) => subject(m).includes('message held'));
        expect(subject(heldMail)).toContain('[Lets Talk safeguarding]');
        expect(heldMail.from).toBe('safeguarding@unilag.edu.ng');
        expect([...heldMail.to].sort()).toEqual([...w.officers].sort());
        expect(heldMail.text).toMatch(new RegExp(`https?://[^\\s]+/admin/moderation/cases/${theCase.id}(?![\\w-])`));
        for (const secret of [GROOMING, 'mature for your age', "don't tell your parents", 'send me a pic', 'Kemi', 'Tunde']) expect(heldMail.data).not.toContain(secret);

        // ---- 3. officer A blocks the sender from the case ---------------------------------------
        const { actionId: sanctionId, csrf: csrfA } = await actFromCase(a.page, server, {
          caseId: theCase.id,
          contextText: 'mature for your age',
          choice: /Block the sender/,
          clause: 'SG-2',
          clauseTitle: 'SG-2 · Grooming a student under 18',
          reason: BLOCK_REASON,
          question: 'Block the sender of this message?',
          yes: 'Yes, block',
          done: 'block',
          doneText: 'The account is blocked.',
          wait: WAIT,
        });
        const blockFacts = await a.page.locator('dl.facts').innerText();
        for (const x of ['Account block (read-only)', 'Tunde Bello (lecturer)', 'in force, no statement yet', 'SG-2 · Grooming a student under 18', BLOCK_REASON, GROOMING]) expect(blockFacts).toContain(x);

        // ---- 4. the lecturer: told live, refused, a banner, the notice, a statement --------------
        await t.page.locator('#notice').getByText('Your account has been blocked by the safeguarding team').waitFor({ timeout: WAIT });
        await openRoom(t.page, server, adultsRoom);
        await safeguardingBanner(t.page).waitFor();
        await send(t.page, REFUSED);
        await eventually(async () => expect(await outboxItems(t.page)).toEqual([{ body: REFUSED, state: 'Not sent: Your account is blocked by the safeguarding team: you can read but not post. See your notice at /safeguarding.' }]), WAIT);
        // Refused before anything was stored: the peer has nothing, live or after a reload.
        expect(await logBodies(p.page)).toEqual([]);
        await p.page.reload();
        await p.page.getByRole('log', { name: 'Messages' }).waitFor();
        expect(await logBodies(p.page)).toEqual([]);

        await safeguardingBanner(t.page).getByRole('link', { name: 'Read and respond' }).click();
        await t.page.waitForURL(`${server.url}/safeguarding`);
        const notice = t.page.locator(`#notice-${sanctionId}`);
        await notice.getByRole('heading', { name: 'Your account is blocked' }).waitFor();
        expect(await t.page.locator('article.sanction-notice').count()).toBe(1);
        const noticeText = await notice.locator('dl.facts').innerText();
        for (const x of [BLOCK_REASON, 'SG-2 · Grooming a student under 18', 'a safeguarding officer', 'Biology']) expect(noticeText).toContain(x);
        expect(await notice.locator('blockquote.flagged-text').innerText()).toBe(GROOMING);
        await notice.getByLabel('Your statement').fill(STATEMENT);
        await t.page.screenshot({ path: artifactPath('safeguarding-notice.png'), fullPage: true });
        await notice.getByRole('button', { name: 'Send statement and appeal' }).click();
        await t.page.waitForURL(`${server.url}/safeguarding?sent=1`, { timeout: WAIT });
        await t.page.getByText('Your statement was sent.').waitFor();
        await notice.getByText('Your statement was received').waitFor();
        expect(await notice.locator('blockquote.statement').innerText()).toBe(STATEMENT);
        expect(await notice.getByRole('button', { name: 'Send statement and appeal' }).count()).toBe(0);
        await waitConnected(t.page, WAIT); // he stays on this page: the outcome is pushed to it

        // ---- 5. the officers' email about the appeal ---------------------------------------------
        const appealMail = await mail((m) => subject(m).includes('appeal submitted'));
        expect(subject(appealMail)).toContain('[Lets Talk safeguarding]');
        expect([...appealMail.to].sort()).toEqual([...w.officers].sort());
        expect(appealMail.text).toMatch(new RegExp(`https?://[^\\s]+/admin/moderation/actions/${sanctionId}(?![\\w-])`));
        for (const secret of [STATEMENT, 'class photo', GROOMING, 'Tunde']) expect(appealMail.data).not.toContain(secret);

        // ---- 6. officer A took the decision: she may not decide the appeal -----------------------
        await expectActorMayNotDecide(a.page, server, sanctionId, csrfA, STATEMENT);

        // ---- 7. officer B finds the appeal and overturns it --------------------------------------
        await overturnFromList(b.page, server, {
          actionId: sanctionId,
          rowText: 'Tunde Bello (lecturer)',
          statement: STATEMENT,
          reason: OVERTURN_REASON,
          wait: WAIT,
          beforeDeciding: () => b.page.screenshot({ path: artifactPath('safeguarding-appeal-officer.png'), fullPage: true }),
        });

        // ---- 8. restored --------------------------------------------------------------------------
        // The minor receives the released message live, in its place, then after a reload too.
        await expectLog(k.page, [GREETING, GROOMING, BENIGN], WAIT);
        await k.page.reload();
        await k.page.getByRole('log', { name: 'Messages' }).waitFor();
        expect(await logBodies(k.page)).toEqual([GREETING, GROOMING, BENIGN]);

        // The lecturer is told live, reads the outcome, has no banner and posts again.
        await t.page.locator('#notice').getByText('Your safeguarding notice was reviewed').waitFor({ timeout: WAIT });
        await t.page.goto(`${server.url}/safeguarding`);
        const outcome = await notice.getByRole('status').innerText();
        expect(outcome).toContain('it was overturned');
        expect(outcome).toContain(OVERTURN_REASON);
        expect(await notice.getByRole('button', { name: 'Send statement and appeal' }).count()).toBe(0);
        await openRoom(t.page, server, kidsRoom);
        expect(await safeguardingBanner(t.page).count()).toBe(0);
        expect(await messageArticle(t.page, GROOMING).getAttribute('class')).not.toContain('held');
        expect(await messageArticle(t.page, GROOMING).locator('.held-notice').count()).toBe(0);
        await openRoom(t.page, server, adultsRoom);
        await send(t.page, BACK);
        await expectLog(p.page, [BACK], WAIT);
        await eventually(async () => expect(await sentByMe(t.page)).toContain(BACK), WAIT);

        // ---- 9. control: the same text between two adults is not screened ----------------------
        await send(p.page, GROOMING);
        await expectLog(t.page, [BACK, GROOMING], WAIT);
        await eventually(async () => expect(await sentByMe(p.page)).toEqual([GROOMING]), WAIT);
        expect(await messageArticle(p.page, GROOMING).getAttribute('class')).not.toContain('held');

        // ---- the store: no second case, the sanction's history, the audit trail -----------------
        store = await serverStore(server);
        try {
          const [tu, au, bu] = await Promise.all([store.users.byEmail(tunde.email), store.users.byEmail(officerA.email), store.users.byEmail(officerB.email)]);
          expect((await store.cases.list()).map((c) => c.id)).toEqual(cases.map((c) => c.id));
          expect(await store.cases.byId(theCase.id)).toMatchObject({ status: 'decided', decision: 'uphold', decidedBy: au!.id });
          expect(await store.sanctions.byId(sanctionId)).toMatchObject({
            kind: 'block',
            userId: tu!.id,
            clause: 'SG-2',
            reason: BLOCK_REASON,
            evidence: GROOMING,
            actorId: au!.id,
            statement: STATEMENT,
            statementBy: tu!.id,
            status: 'overturned',
            decidedBy: bu!.id,
            decisionReason: OVERTURN_REASON,
          });
          const audit = async (action: string) => store.audit.list({ action });
          expect((await audit('moderation.hold')).map((e) => [e.target, e.actorId])).toEqual([[theCase.id, null]]);
          expect((await audit('moderation.block')).map((e) => [e.target, e.actorId, e.details.clause])).toEqual([[sanctionId, au!.id, 'SG-2']]);
          expect((await audit('moderation.statement')).map((e) => [e.target, e.actorId])).toEqual([[sanctionId, tu!.id]]);
          expect((await audit('moderation.appeal_overturned')).map((e) => [e.target, e.actorId, e.details.reason])).toEqual([[sanctionId, bu!.id, OVERTURN_REASON]]);
        } finally {
          await store.close();
        }
      });
    },
    TIMEOUT,
  );
});
