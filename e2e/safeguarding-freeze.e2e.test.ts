/**
 * A room freeze with the owner's hearing in real Chromium (issue #6), one browser context per
 * person: an officer freezes a student's group from a case about a threat in it. Every member is told
 * live, the room says so and refuses posts; only the owner has a notice (reason, evidence excerpt,
 * clause) and may send a statement; the officer who froze may not decide the appeal; a second
 * officer overturns it; every member is told live and posts again without a reload; the owner reads
 * the outcome and its reason.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { REFUSALS } from '../server/features/moderation/restrictions';
import { describeBrowser, serverStore, type TestServer } from './harness';
import { actFromCase, expectActorMayNotDecide, overturnFromList, pushed, startSafeguarding, subject, type SafeguardingWorld } from './safeguarding-helpers';
import {
  createCourseRoom,
  eventually,
  expectLog,
  logBodies,
  openRoom,
  outboxItems,
  reloadRoom,
  retryOutbox,
  safeguardingBanner,
  send,
  sentByMe,
  waitConnected,
  type Account,
  type Signed,
} from './chat-helpers';

const TIMEOUT = 300_000;
/** Waits for pushes, emails and page loads: generous, the machine is small and shared. */
const WAIT = 30_000;
const GROUP = 'Chemistry revision group';
const HELLO = 'Revision starts at 5pm in the library.';
// Review level only (threat), so it is delivered and the owner's notice may quote it.
const THREAT = 'if you tell the lecturer I will make you regret it';
const FREEZE_REASON = 'A member threatened another member of this group, who is under 18.';
const FROZEN_NOTICE = 'This room has been frozen by the safeguarding team: you can read it but not post.';
const OWNER_NOTICE = 'A room you answer for has been frozen. See the notice at /safeguarding: you can respond to it.';
const OPEN_NOTICE = 'This room is open again: the safeguarding freeze was lifted.';
const REVIEWED_NOTICE = 'Your safeguarding notice was reviewed: the decision was reversed: the action has ended, and messages it alone kept hidden are shown again.';
const STATEMENT = 'I told him off in the group at once; I will moderate it and report anything like this straight away.';
const OVERTURN_REASON = 'The owner acted on the message and will moderate the group; freezing it punishes everyone else.';
const KEMI_WAITING = 'Is the revision still on?';
const EMEKA_WAITING = 'Sorry, it was a joke.';
const DAYO_BACK = 'Back open: see you at 5pm.';

describeBrowser('safeguarding: room freeze and the owner\'s hearing (browser)', () => {
  let w: SafeguardingWorld<'dayo' | 'kemi' | 'emeka' | 'officerA' | 'officerB'>;
  let server: TestServer;
  let kemi: Account, dayo: Account, emeka: Account, officerA: Account, officerB: Account;
  let k: Signed, d: Signed, e: Signed, a: Signed, b: Signed;

  beforeAll(async () => {
    w = await startSafeguarding({
      dayo: { email: 'dayo.akande@unilag.edu.ng', name: 'Dayo Akande' },
      kemi: { email: 'kemi.ojo@unilag.edu.ng', name: 'Kemi Ojo', minor: true },
      emeka: { email: 'emeka.nwosu@unilag.edu.ng', name: 'Emeka Nwosu' },
      officerA: { email: 'officer-a@unilag.edu.ng', name: 'Amaka Eze', role: 'lecturer', officer: true },
      officerB: { email: 'officer-b@unilag.edu.ng', name: 'Bayo Adeyemi', role: 'lecturer', officer: true },
    });
    server = w.server;
    ({ kemi, dayo, emeka, officerA, officerB } = w.accounts);
    ({ kemi: k, dayo: d, emeka: e, officerA: a, officerB: b } = w.signed);
    // The group's students share a course, so the adult students may start a conversation with the minor.
    await createCourseRoom(server, 'CHM102', 'Organic chemistry', [dayo, kemi, emeka]);
  }, TIMEOUT);

  afterAll(() => w?.stop(), TIMEOUT);

  const withArtifacts = (name: string, fn: () => Promise<void>) => w.withArtifacts(name, fn);
  const mail = (pred: Parameters<typeof w.mail>[0]) => w.mail(pred, WAIT);
  const frozenBanner = (s: Signed) => s.page.locator('.banner').filter({ hasText: REFUSALS.frozen });

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
          doneText: 'The room is frozen. Those who answer for it (its owners; in a group, its adult members) have been shown the notice and can respond.',
          wait: WAIT,
        });
        const freezeFacts = await a.page.locator('dl.facts').innerText();
        for (const x of ['Room freeze (read-only room)', `Room ${GROUP}`, 'in force, no statement yet', 'SG-5 · Threats and blackmail', FREEZE_REASON, THREAT]) expect(freezeFacts).toContain(x);

        // ---- 3. every member: told live, refused; after a reload the room says it is frozen -----
        // A group's adult members answer for it (its owner Dayo, and Emeka); the minor does not.
        await pushed(k, FROZEN_NOTICE);
        await pushed(e, OWNER_NOTICE);
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
        for (const s of [k, e, d]) {
          await reloadRoom(s);
          await frozenBanner(s).waitFor();
          expect(await logBodies(s.page)).toEqual([HELLO, THREAT]);
        }
        // The minor is not the affected party: no notice for her. The adults have one.
        expect(await safeguardingBanner(k.page).count()).toBe(0);
        for (const s of [d, e]) await safeguardingBanner(s.page).waitFor();

        // ---- 4. a member who does not answer for it cannot appeal: nothing to read, a forged statement is 404
        await k.page.goto(`${server.url}/safeguarding`);
        await k.page.getByText('You have no safeguarding notices.').waitFor();
        const forgedStatement = await k.page.evaluate(async (id) => {
          const r = await fetch(`/safeguarding/${id}/statement`, { method: 'POST', body: new URLSearchParams({ statement: 'Unfair: it was a joke.' }), redirect: 'manual' });
          return r.status;
        }, freezeId);
        expect(forgedStatement).toBe(404);
        store = await serverStore(server);
        expect(await store.sanctions.byId(freezeId).finally(() => store.close())).toMatchObject({ status: 'active', statement: null });
        await openRoom(k.page, server, group);
        await frozenBanner(k).waitFor();

        // ---- 5. the owner: the notice with reason, evidence and clause; a statement --------------
        await safeguardingBanner(d.page).getByRole('link', { name: 'Read and respond' }).click();
        await d.page.waitForURL(`${server.url}/safeguarding`);
        const notice = d.page.locator(`#notice-${freezeId}`);
        await notice.getByRole('heading', { name: `A room you answer for is frozen: ${GROUP}` }).waitFor();
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
        // (Emeka answers for the room too: the outcome of the notice is his last word.)
        await pushed(k, OPEN_NOTICE);
        await pushed(e, REVIEWED_NOTICE);
        for (const s of [k, e]) await eventually(async () => expect(await frozenBanner(s).count()).toBe(0), WAIT);
        await retryOutbox(k.page, KEMI_WAITING);
        await retryOutbox(e.page, EMEKA_WAITING);
        for (const s of [k, e]) await eventually(async () => expect(await outboxItems(s.page)).toEqual([]), WAIT);
        for (const s of [k, e]) await eventually(async () => expect((await logBodies(s.page)).slice(0, 2)).toEqual([HELLO, THREAT]), WAIT);
        await eventually(async () => expect((await logBodies(k.page)).sort()).toEqual([HELLO, THREAT, KEMI_WAITING, EMEKA_WAITING].sort()), WAIT);
        const order = await logBodies(k.page);
        await expectLog(e.page, order, WAIT);

        // The owner is told on the notices page and reads the outcome and its reason.
        await pushed(d, REVIEWED_NOTICE);
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
