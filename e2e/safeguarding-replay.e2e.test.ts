/**
 * A message hidden by safeguarding while a member was offline is taken off that member's page when
 * they reconnect, in real Chromium: an adult's threat in a course room with a minor is delivered
 * (review level, a case opened) and the minor's page shows it; the minor's page goes offline, an
 * officer upholds the case, and when the page comes back online (no reload) the reconnect replay
 * turns the message into a tombstone. The sender still sees it, held; a member who opens the room
 * afterwards sees no trace of it. And a delivered message its sender edits into hold-level text
 * leaves the minor's open page at once (a tombstone), while the sender sees the new text held.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { describeBrowser, serverStore, type TestServer } from './harness';
import { decideOnCasePage, startSafeguarding, type SafeguardingWorld } from './safeguarding-helpers';
import { createCourseRoom, eventually, expectLog, logBodies, messageArticle, OFFLINE_TEXT, openRoom, statusText, send, waitConnected, type Signed } from './chat-helpers';

const TIMEOUT = 300_000;
/** Waits for pushes and page loads: generous, the machine is small and shared. */
const WAIT = 30_000;
const HELLO = 'Revision starts at 5pm in the library.';
// Review level only (threat), as in safeguarding-freeze: delivered, and a case opened.
const THREAT = 'if you tell the lecturer I will make you regret it';
const TOMBSTONE = 'This message was deleted.';
const LAB = 'See you at the chemistry lab at 9.';
// Held by the shipped model as a student's course-room post (grooming_signal at hold level).
const SECRET = "come to my house alone this weekend and don't tell your parents, it's our secret";

describeBrowser('safeguarding: a message hidden while a member was offline (browser)', () => {
  let w: SafeguardingWorld<'emeka' | 'kemi' | 'peer' | 'officer'>;
  let server: TestServer;
  let e: Signed, k: Signed, p: Signed, o: Signed;
  let roomId: string;

  beforeAll(async () => {
    w = await startSafeguarding({
      emeka: { email: 'emeka.nwosu@unilag.edu.ng', name: 'Emeka Nwosu' },
      kemi: { email: 'kemi.ojo@unilag.edu.ng', name: 'Kemi Ojo', minor: true },
      peer: { email: 'ngozi.okafor@unilag.edu.ng', name: 'Ngozi Okafor' },
      officer: { email: 'amaka.eze@unilag.edu.ng', name: 'Amaka Eze', role: 'lecturer', officer: true },
    });
    server = w.server;
    ({ emeka: e, kemi: k, peer: p, officer: o } = w.signed);
    roomId = await createCourseRoom(server, 'CHM102', 'Organic chemistry', [w.accounts.emeka, w.accounts.kemi, w.accounts.peer]);
  }, TIMEOUT);

  afterAll(() => w?.stop(), TIMEOUT);

  test(
    'upheld while the minor was offline: on reconnect, without a reload, the message becomes a tombstone',
    async () => {
      await w.withArtifacts('safeguarding-replay', async () => {
        // ---- 1. the threat is delivered: the minor's page shows it; a review-level case is open --
        await Promise.all([openRoom(e.page, server, roomId), openRoom(k.page, server, roomId)]);
        await send(e.page, HELLO);
        await send(e.page, THREAT);
        await expectLog(k.page, [HELLO, THREAT], WAIT);
        const store = await serverStore(server);
        const theCase = (await store.cases.list().finally(() => store.close())).find((c) => c.text === THREAT)!;
        expect(theCase).toMatchObject({ severity: 'review', status: 'open', towardsMinor: true });
        const id = `m-${theCase.messageId}`;

        // ---- 2. the minor's page goes offline (the app closes its socket) -----------------------
        // A mark on this document: still there at the end, so the page was never reloaded.
        await k.page.evaluate(() => ((window as unknown as { __samePage: boolean }).__samePage = true));
        await k.context.setOffline(true);
        await eventually(async () => expect(await statusText(k.page)).toBe(OFFLINE_TEXT), WAIT);

        // ---- 3. the officer upholds the case in the portal --------------------------------------
        await decideOnCasePage(o.page, server, theCase.id, { outcome: 'uphold', labels: [/^Threat/], reason: 'A threat to a student under 18.', wait: WAIT });

        // The sender's page is told live: the message stays there, marked held.
        await messageArticle(e.page, THREAT).locator('.held-notice').getByText('Held for review').waitFor({ timeout: WAIT });
        // The offline page heard nothing: it still shows the text.
        await Bun.sleep(1_000);
        expect(await logBodies(k.page)).toEqual([HELLO, THREAT]);

        // ---- 4. back online: the replay takes it off the minor's page, no reload ----------------
        await k.context.setOffline(false);
        await waitConnected(k.page, WAIT);
        await expectLog(k.page, [HELLO, TOMBSTONE], WAIT);
        const log = k.page.getByRole('log', { name: 'Messages' });
        expect(await log.locator(`article#${id}`).getAttribute('class')).toContain('deleted');
        expect(await log.innerText()).not.toContain('regret');
        expect(await k.page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage)).toBe(true);

        // ---- 5. the sender still sees it held; a member opening the room now sees no trace -----
        expect(await messageArticle(e.page, THREAT).locator('.held-notice').innerText()).toContain('Held for review');
        await openRoom(p.page, server, roomId);
        expect(await logBodies(p.page)).toEqual([HELLO]);
        expect(await p.page.locator(`#${id}`).count()).toBe(0);
        expect(await p.page.getByRole('log', { name: 'Messages' }).innerText()).not.toContain(TOMBSTONE);
      });
    },
    TIMEOUT,
  );

  test(
    'a delivered message edited into hold-level text leaves the minor\'s page at once; its sender sees the new text held',
    async () => {
      await w.withArtifacts('safeguarding-edit-held', async () => {
        await Promise.all([openRoom(e.page, server, roomId), openRoom(k.page, server, roomId)]);
        await send(e.page, LAB);
        await messageArticle(k.page, LAB).waitFor({ timeout: WAIT });
        const id = await messageArticle(k.page, LAB).getAttribute('id');

        // The sender edits it into what the model holds (grooming, as a student's course-room post).
        const art = e.page.locator(`article#${id}`);
        await art.hover();
        await art.getByRole('button', { name: 'Edit' }).click();
        await art.getByRole('textbox', { name: 'Edit message' }).fill(SECRET);
        await art.getByRole('button', { name: 'Save' }).click();
        await art.locator('.held-notice').getByText('Held for review').waitFor({ timeout: WAIT });
        expect(await art.locator('.body').innerText()).toBe(SECRET);

        // The minor's open page: the message becomes a tombstone, live; neither text is left.
        const kid = k.page.locator(`article#${id}`);
        await eventually(async () => expect(await kid.getAttribute('class')).toContain('deleted'), WAIT);
        expect(await kid.innerText()).toContain(TOMBSTONE);
        const log = await k.page.getByRole('log', { name: 'Messages' }).innerText();
        expect(log).not.toContain('secret');
        expect(log).not.toContain(LAB);
        // A member opening the room now sees no trace of it.
        await openRoom(p.page, server, roomId);
        expect(await p.page.locator(`article#${id}`).count()).toBe(0);
      });
    },
    TIMEOUT,
  );
});
