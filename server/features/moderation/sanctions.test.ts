/**
 * Sanctions and the fair hearing, through the actions: automatic restriction, block, removal;
 * statements, the reviewer-differs rule, restoration; conversation-level grooming risk; officer
 * notifications. Room freezes: freeze.test.ts.
 */
import { describe, expect, test } from 'bun:test';
import { testApp } from '../../testing';
import { topics } from '../../realtime/topics';
import { createChatContext } from '../chat/context';
import { deleteMessage, editMessage, historyPage, sendMessage, typing } from '../chat/messages';
import { createModeration } from './screen';
import { fakeClassifier } from './test-support';
import { findPeople, startDm } from '../chat/rooms';
import { contactsByEmails } from '../chat/groups';
import { beginUpload } from '../files/actions';
import { callSeat } from '../calls/actions';
import { actOnCase, decideCase, viewCase } from './cases';
import { decideAppeal, liftSanction, submitStatement } from './sanctions';
import { REFUSALS } from './restrictions';
import { postingSlot } from './posting-banner';
import { ACCOUNT_POSTING_ID, NOTICE_BANNER_ID } from '../../../views/safeguarding';
import { cid, person, RESTRICTED_LINE, say, setUp } from './sanctions-cast';


describe('automatic restriction', () => {
  test('a second held message towards a minor restricts the sender: no posting where a minor is, no new conversation with anyone; lifting ends it, the held messages wait for their own decisions', async () => {
    const s = await setUp();
    const ended: { userId: string; where?: (roomId: string) => Promise<boolean> }[] = [];
    s.ctx.calls = { endUser: (userId, opts) => void ended.push({ userId, where: opts?.where }), endRoom: () => {}, endSeats: () => {} };
    const first = await say(s, s.adult, s.withKid.id, 'HOLDME one');
    const amongAdults = await say(s, s.adult, s.adultsOnly.id, 'see you at the lab');
    expect(await s.store.sanctions.list()).toEqual([]);
    expect(ended).toEqual([]);
    const second = await say(s, s.adult, s.withKid.id, 'HOLDME two');
    const [r] = await s.store.sanctions.list();
    // The calls it is in where a minor is end at once (not those among adults only).
    expect(ended.map((x) => x.userId)).toEqual([s.adult.id]);
    expect(await ended[0]!.where!(s.withKid.id)).toBe(true);
    expect(await ended[0]!.where!(s.adultsOnly.id)).toBe(false);
    // Restricted only where a minor is: among adults the account still deletes its own messages.
    expect((await deleteMessage(s.ctx, s.adult, { roomId: s.adultsOnly.id, messageId: amongAdults.message.id })).deletedAt).not.toBeNull();
    await expect(deleteMessage(s.ctx, s.adult, { roomId: s.withKid.id, messageId: first.message.id })).rejects.toThrow(REFUSALS.restricted);
    expect(r).toMatchObject({ kind: 'restriction', userId: s.adult.id, actorId: null, status: 'active', clause: 'SG-2' });
    expect(new Set(r!.caseIds).size).toBe(2);
    expect((await s.store.audit.list({ action: 'moderation.restriction' }))[0]).toMatchObject({ actorId: null, origin: 'system', target: r!.id });
    expect(s.notices.map((x) => x.kind)).toEqual(['hold', 'hold', 'restriction']);
    // Review-level flags wait in the queue: no email.
    await say(s, s.peer, s.withKid.id, 'REVIEWME maybe');
    expect(s.notices.map((x) => x.kind)).toEqual(['hold', 'hold', 'restriction']);
    expect(s.notices[2]!.url).toBe(`https://chat.example.edu/admin/moderation/actions/${r!.id}`);
    // The sender is told on their own sockets, and every one of their rooms' "why you cannot post"
    // slots says so, the same line everywhere (a line only where a minor is would tell them which
    // rooms have one); nobody else receives it.
    expect(s.hub.log.some((e) => e.topic === topics.user(s.adult.id) && e.data.includes('restricted'))).toBe(true);
    const slots = (userId: string) => s.hub.log.filter((e) => e.topic === topics.user(userId) && e.data.includes('hx-target="#posting-')).map((e) => e.data).join('');
    expect(slots(s.adult.id)).toContain(`<hx-partial hx-target="#${ACCOUNT_POSTING_ID}" hx-swap="innerHTML">${RESTRICTED_LINE}</hx-partial>`);
    // The link to the notice appears on his open pages (only his).
    const noticeLinks = () => s.hub.log.filter((e) => e.data.includes(`hx-target="#${NOTICE_BANNER_ID}"`)).map((e) => [e.topic, e.data]);
    expect(noticeLinks()).toEqual([[topics.user(s.adult.id), expect.stringContaining('You have a safeguarding notice. <a href="/safeguarding">')]]);
    // …and the room pages carry that one slot whatever the room (with or without a minor).
    for (const room of [s.withKid, s.adultsOnly]) expect((await postingSlot(s.store, s.adult, room.id)).account).toBe(REFUSALS.restricted);
    expect((await postingSlot(s.store, s.peer, s.withKid.id)).account).toBeNull();
    expect(s.hub.log.filter((e) => e.data.includes(REFUSALS.restricted)).every((e) => e.topic === topics.user(s.adult.id))).toBe(true);

    await expect(say(s, s.adult, s.withKid.id, 'hello class')).rejects.toThrow(REFUSALS.restricted);
    expect((await say(s, s.adult, s.adultsOnly.id, 'hello adults')).message.held).toBe(false);
    // No new conversation with anyone, in the same words: refusing only the minor (or leaving her out
    // of people search) would tell the restricted account who is under 18.
    await expect(startDm(s.ctx, s.adult, s.kid.id)).rejects.toThrow(REFUSALS.restrictedContact);
    await expect(startDm(s.ctx, s.adult, s.peer.id)).rejects.toThrow(REFUSALS.restrictedContact);
    await expect(findPeople(s.ctx, s.adult, 'unilag')).rejects.toThrow(REFUSALS.restrictedContact);
    await expect(contactsByEmails(s.ctx, { userId: s.adult.id, origin: 'x', user: s.adult }, `${s.kid.email} ${s.peer.email}`)).rejects.toThrow(REFUSALS.restrictedContact);
    await expect(contactsByEmails(s.ctx, { userId: s.adult.id, origin: 'x', user: s.adult }, s.peer.email)).rejects.toThrow(REFUSALS.restrictedContact);
    expect((await findPeople(s.ctx, s.peer, 'unilag')).map((u) => u.id)).toContain(s.kid.id);
    await expect(beginUpload(s.ctx, { maxFileBytes: 1e9, userQuotaBytes: 1e9, roomQuotaBytes: 1e9, uploadExpireMs: 1, directThresholdBytes: 1e9, relayOnly: false }, s.adult, { room: s.withKid.id, name: 'a.txt', size: 1, mime: 'text/plain', sha256: 'a'.repeat(64) })).rejects.toThrow(REFUSALS.restricted);
    // The call bar still shows (reading); joining is refused at /rtc (calls/routes.test.ts).
    expect((await callSeat(s.store, s.adult, s.withKid.id)).roomId).toBe(s.withKid.id);

    await expect(liftSanction(s.ctx, s.a(s.officerA), r!.id, ' ')).rejects.toThrow(/reason/);
    s.hub.log.length = 0;
    const lifted = await liftSanction(s.ctx, s.a(s.officerA), r!.id, 'Both messages were about a biology assignment.');
    expect(lifted).toMatchObject({ status: 'lifted', decidedBy: s.officerA.id });
    // Lifted: the slots are emptied live, and so is the link to a notice no longer in force (QA).
    expect(slots(s.adult.id)).toBe(`<hx-partial hx-target="#${ACCOUNT_POSTING_ID}" hx-swap="innerHTML"></hx-partial>`);
    expect(noticeLinks()).toEqual([[topics.user(s.adult.id), `<hx-partial hx-target="#${NOTICE_BANNER_ID}" hx-swap="innerHTML"></hx-partial>`]]);
    // Lifting judges no message: both stay held, their cases open in the queue.
    const seen = (await historyPage(s.ctx, s.kid, s.withKid.id)).messages.map((m) => m.id);
    expect(seen).not.toContain(first.message.id);
    expect(seen).not.toContain(second.message.id);
    expect((await s.store.cases.list({ senderId: s.adult.id })).map((c) => c.status)).toEqual(['open', 'open']);
    expect((await say(s, s.adult, s.withKid.id, 'hello class')).message.held).toBe(false);
    await expect(liftSanction(s.ctx, s.a(s.officerB), r!.id, 'again')).rejects.toThrow(/no longer in force/);
  });

  test('a failure refreshing the "why you cannot post" line is logged and does not undo the restriction', async () => {
    const s = await setUp();
    const warned: string[] = [];
    s.ctx.warn = (m) => void warned.push(m);
    const publish = s.hub.publish.bind(s.hub);
    s.hub.publish = (topic, data) => {
      if (String(data).includes(ACCOUNT_POSTING_ID)) throw new Error('socket layer down');
      return publish(topic, data);
    };
    await say(s, s.adult, s.withKid.id, 'HOLDME one');
    await say(s, s.adult, s.withKid.id, 'HOLDME two');
    expect((await s.store.sanctions.list()).map((x) => x.kind)).toEqual(['restriction']);
    expect(warned).toEqual(['safeguarding posting line not refreshed']);
    await expect(say(s, s.adult, s.withKid.id, 'hello class')).rejects.toThrow(REFUSALS.restricted);
  });

  test('holds in rooms without minors (scope all) do not count', async () => {
    const t = await testApp();
    const ctx = createChatContext(t.store, t.hub, 'Africa/Lagos', { moderation: createModeration('all', () => fakeClassifier) });
    const a = await person(t.store, 'a@unilag.edu.ng', 'A', { dateOfBirth: '1980-01-01' });
    const b = await person(t.store, 'b@unilag.edu.ng', 'B', { dateOfBirth: '1990-01-01' });
    const room = await t.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'group', code: null, name: 'g', topic: '', createdBy: null, dmKey: null }, [{ userId: a.id, role: 'owner' }, { userId: b.id, role: 'member' }]);
    for (let i = 0; i < 3; i++) expect((await sendMessage(ctx, a, { roomId: room.id, clientId: cid(), body: `HOLDME ${i}` })).message.held).toBe(true);
    expect(await t.store.sanctions.list()).toEqual([]);
  });
});

describe('block and appeal', () => {
  test('an officer blocks from a case; the sender appeals; the same officer may not decide; a second officer overturns and everything is restored', async () => {
    const s = await setUp();
    const { message } = await say(s, s.adult, s.withKid.id, 'HOLDME meet me after class, tell no one');
    const [c] = await s.store.cases.list();
    await expect(actOnCase(s.ctx, s.a(s.officerA), c!.id, 'block', 'SG-99', 'Grooming.')).rejects.toThrow(/policy clause/);
    const ended: string[] = [];
    s.ctx.calls = { endUser: (id) => void ended.push(`user:${id}`), endRoom: (id) => void ended.push(`room:${id}`), endSeats: () => {} };
    const block = await actOnCase(s.ctx, s.a(s.officerA), c!.id, 'block', 'SG-2', 'Asked a student under 18 to meet alone in secret.');
    expect(ended).toEqual([`user:${s.adult.id}`]);
    expect(block).toMatchObject({ kind: 'block', userId: s.adult.id, actorId: s.officerA.id, caseIds: [c!.id], evidence: 'HOLDME meet me after class, tell no one', status: 'active' });
    expect(await s.store.cases.byId(c!.id)).toMatchObject({ status: 'decided', decision: 'uphold', decidedBy: s.officerA.id });
    // The block's hearing covers the message: no separate removal notice.
    expect((await s.store.sanctions.list({ userId: s.adult.id })).map((x) => x.kind)).toEqual(['block']);
    await expect(actOnCase(s.ctx, s.a(s.officerB), c!.id, 'block', 'SG-2', 'again')).rejects.toThrow(/already blocked/);

    // Blocked: read-only everywhere, even where no minor is: no posting, deleting or typing line.
    await expect(say(s, s.adult, s.adultsOnly.id, 'hi')).rejects.toThrow(REFUSALS.blocked);
    await expect(deleteMessage(s.ctx, s.adult, { roomId: s.withKid.id, messageId: message.id })).rejects.toThrow(REFUSALS.blocked);
    expect(await typing(s.ctx, s.adult, s.adultsOnly.id)).toBe(false);
    await expect(startDm(s.ctx, s.adult, s.peer.id)).rejects.toThrow(REFUSALS.blocked);
    await expect(findPeople(s.ctx, s.adult, 'peer')).rejects.toThrow(REFUSALS.blocked);
    expect((await historyPage(s.ctx, s.adult, s.adultsOnly.id)).messages).toBeDefined();

    // Statements: only the affected person, once, before the deadline.
    await expect(submitStatement(s.ctx, s.peer, block.id, 'not me')).rejects.toThrow(/No such notice/);
    await expect(submitStatement(s.ctx, s.adult, block.id, '   ')).rejects.toThrow(/Write your statement/);
    await expect(submitStatement(s.ctx, s.adult, block.id, 'x'.repeat(4001))).rejects.toThrow(/under 4000/);
    await expect(decideAppeal(s.ctx, s.a(s.officerB), block.id, true, 'early')).rejects.toThrow(/no statement/);
    const appealed = await submitStatement(s.ctx, s.adult, block.id, 'I am her lab supervisor; "after class" was the lab session.');
    expect(appealed).toMatchObject({ status: 'appealed', statementBy: s.adult.id });
    await expect(submitStatement(s.ctx, s.adult, block.id, 'again')).rejects.toThrow(/already been received/);
    expect(s.notices.at(-1)).toMatchObject({ kind: 'appeal', caseId: block.id });
    // Still blocked while the appeal is pending.
    await expect(say(s, s.adult, s.adultsOnly.id, 'hi')).rejects.toThrow(REFUSALS.blocked);

    // The officer who blocked may not decide the appeal.
    await expect(decideAppeal(s.ctx, s.a(s.officerA), block.id, true, 'I was wrong')).rejects.toThrow(/different reviewer/);
    s.hub.log.length = 0;
    const done = await decideAppeal(s.ctx, s.a(s.officerB), block.id, true, 'The supervisor role is confirmed; the message is about the lab.');
    expect(done).toMatchObject({ status: 'overturned', decidedBy: s.officerB.id });
    // Restored: the held message reaches the room, the account posts again.
    expect((await historyPage(s.ctx, s.kid, s.withKid.id)).messages.map((m) => m.id)).toEqual([message.id]);
    expect(s.hub.log.some((e) => e.topic === topics.room(s.withKid.id) && e.data.includes('meet me after class'))).toBe(true);
    expect((await say(s, s.adult, s.adultsOnly.id, 'back')).message.held).toBe(false);
    await expect(decideAppeal(s.ctx, s.a(s.officerB), block.id, false, 'again')).rejects.toThrow(/already been decided/);
    const actions = (await s.store.audit.list({})).map((e) => e.action);
    for (const x of ['moderation.hold', 'moderation.uphold', 'moderation.block', 'moderation.statement', 'moderation.appeal_overturned']) expect(actions).toContain(x);
  });

  test('an appeal that is dismissed keeps the block; a statement after the deadline is refused', async () => {
    const s = await setUp({ statementMs: -1 });
    await say(s, s.adult, s.withKid.id, 'HOLDME x');
    const [c] = await s.store.cases.list();
    const late = await actOnCase(s.ctx, s.a(s.officerA), c!.id, 'block', 'SG-2', 'Grooming.');
    await expect(submitStatement(s.ctx, s.adult, late.id, 'please')).rejects.toThrow(/deadline/);

    const s2 = await setUp();
    await say(s2, s2.adult, s2.withKid.id, 'HOLDME x');
    const [c2] = await s2.store.cases.list();
    const b = await actOnCase(s2.ctx, s2.a(s2.officerA), c2!.id, 'block', 'SG-2', 'Grooming.');
    await submitStatement(s2.ctx, s2.adult, b.id, 'It was a joke.');
    const kept = await decideAppeal(s2.ctx, s2.a(s2.officerB), b.id, false, 'Not a joke to a 14-year-old.');
    expect(kept).toMatchObject({ status: 'upheld', decisionReason: 'Not a joke to a 14-year-old.' });
    await expect(say(s2, s2.adult, s2.adultsOnly.id, 'hi')).rejects.toThrow(REFUSALS.blocked);
    expect((await historyPage(s2.ctx, s2.kid, s2.withKid.id)).messages).toEqual([]);
  });
});

describe('removal of a delivered message', () => {
  test('uphold hides a delivered message (members get a tombstone, the sender keeps it held); an overturned appeal brings it back', async () => {
    const s = await setUp();
    const { message } = await say(s, s.adult, s.withKid.id, 'REVIEWME you will regret it');
    const [c] = await s.store.cases.list();
    s.hub.log.length = 0;
    await decideCase(s.ctx, s.a(s.officerA), c!.id, 'uphold', 'A threat.');
    // The sender's own topic first (held version), then the room (tombstone, same rev).
    expect(s.hub.topicsPublished().slice(0, 2)).toEqual([topics.user(s.adult.id), topics.room(s.withKid.id)]);
    expect(s.hub.log[1]!.data).not.toContain('regret');
    expect((await historyPage(s.ctx, s.kid, s.withKid.id)).messages).toEqual([]);
    const [removal] = await s.store.sanctions.list({ userId: s.adult.id });
    expect(removal).toMatchObject({ kind: 'removal', clause: 'SG-5', evidence: 'REVIEWME you will regret it' });
    // A removal does not stop posting.
    expect((await say(s, s.adult, s.adultsOnly.id, 'ok')).message.held).toBe(false);
    await submitStatement(s.ctx, s.adult, removal!.id, 'It was about the exam being hard.');
    await expect(decideAppeal(s.ctx, s.a(s.officerA), removal!.id, true, 'x')).rejects.toThrow(/different reviewer/);
    await decideAppeal(s.ctx, s.a(s.officerB), removal!.id, true, 'Context: exam difficulty.');
    expect((await historyPage(s.ctx, s.kid, s.withKid.id)).messages.map((m) => m.id)).toEqual([message.id]);
  });
});

describe('conversation-level grooming risk', () => {
  test('review-level messages from an adult to a minor in a DM add up to a hold; a minor sending the same is not scored', async () => {
    const s = await setUp();
    const dm = await s.mk('group', null, [{ userId: s.adult.id, role: 'owner' }, { userId: s.kid.id, role: 'member' }]);
    const adults = await s.mk('group', null, [{ userId: s.adult.id, role: 'owner' }, { userId: s.peer.id, role: 'member' }, { userId: s.kid.id, role: 'member' }]);
    expect((await say(s, s.adult, dm.id, 'GROOMY one')).message.held).toBe(false);
    expect((await say(s, s.adult, dm.id, 'GROOMY two')).message.held).toBe(false);
    const third = await say(s, s.adult, dm.id, 'GROOMY three');
    expect(third.message.held).toBe(true);
    const [c] = await s.store.cases.list();
    expect(c).toMatchObject({ messageId: third.message.id, severity: 'hold', towardsMinor: true });
    expect(c!.labels).toContain('grooming_risk');
    expect(c!.scores.grooming_risk).toBe(1);
    // A minor sending the same is not an adult → no conversation risk.
    for (const w of ['GROOMY a', 'GROOMY b', 'GROOMY c']) expect((await say(s, s.kid, adults.id, w)).message.held).toBe(false);
  });
});

describe('review findings: overlaps, self-decisions, races', () => {
  test('nobody decides a case or action about themselves, even an officer', async () => {
    const s = await setUp();
    const officer = (await s.store.users.update(s.adult.id, { permissions: ['safeguarding'] }))!;
    await say(s, officer, s.withKid.id, 'HOLDME one');
    const [c1] = await s.store.cases.list();
    await expect(decideCase(s.ctx, s.a(officer), c1!.id, 'release', 'mine')).rejects.toThrow(/about yourself/);
    // Nor reads it: the context window may hold a minor's replies to them.
    await expect(viewCase(s.ctx, s.a(officer), c1!.id)).rejects.toThrow('This case is about your own message: another officer must look at it.');
    expect(await s.store.audit.list({ action: 'moderation.case_view' })).toEqual([]);
    await expect(actOnCase(s.ctx, s.a(officer), c1!.id, 'freeze', 'SG-2', 'x')).rejects.toThrow(/about yourself/);
    await say(s, officer, s.withKid.id, 'HOLDME two');
    const [r] = await s.store.sanctions.list({ kind: ['restriction'] });
    await expect(liftSanction(s.ctx, s.a(officer), r!.id, 'fine')).rejects.toThrow(/about yourself/);
    await submitStatement(s.ctx, officer, r!.id, 'biology');
    await expect(decideAppeal(s.ctx, s.a(officer), r!.id, true, 'fine')).rejects.toThrow(/about yourself/);
    expect((await historyPage(s.ctx, s.kid, s.withKid.id)).messages).toEqual([]);
  });

  test('overturning a restriction releases only what nothing else keeps hidden; released holds stop counting', async () => {
    const s = await setUp();
    const one = await say(s, s.adult, s.withKid.id, 'HOLDME one');
    const [c1] = await s.store.cases.list();
    await decideCase(s.ctx, s.a(s.officerA), c1!.id, 'uphold', 'Grooming.'); // a removal, in force
    const two = await say(s, s.adult, s.withKid.id, 'HOLDME two'); // the upheld one counts: restricted
    const [r] = await s.store.sanctions.list({ kind: ['restriction'] });
    expect(r!.caseIds).toContain(c1!.id);
    await submitStatement(s.ctx, s.adult, r!.id, 'The second was about homework.');
    await decideAppeal(s.ctx, s.a(s.officerB), r!.id, true, 'The second message was about homework.');
    const seen = (await historyPage(s.ctx, s.kid, s.withKid.id)).messages.map((m) => m.id);
    expect(seen).toEqual([two.message.id]);
    expect(seen).not.toContain(one.message.id);
    expect((await s.store.sanctions.list({ kind: ['removal'] }))[0]!.status).toBe('active');
    // The released hold no longer counts (only the upheld one does): one more hold restricts again…
    await say(s, s.adult, s.withKid.id, 'HOLDME three');
    expect((await s.store.sanctions.list({ kind: ['restriction'], status: ['active'] })).length).toBe(1);
  });

  test('lifting a block (a suspension served) keeps the message it upheld hidden; only an overturn restores it', async () => {
    const s = await setUp({ restrictAfter: 5 });
    const { message } = await say(s, s.adult, s.withKid.id, 'HOLDME meet me alone, tell no one');
    const [c] = await s.store.cases.list();
    const block = await actOnCase(s.ctx, s.a(s.officerA), c!.id, 'block', 'SG-2', 'Grooming.');
    await submitStatement(s.ctx, s.adult, block.id, 'It was a joke.');
    await decideAppeal(s.ctx, s.a(s.officerB), block.id, false, 'It was not.');
    s.hub.log.length = 0;
    await liftSanction(s.ctx, s.a(s.officerB), block.id, 'Suspension served.');
    expect((await s.store.cases.byId(c!.id))!.decision).toBe('uphold');
    expect((await s.store.messages.byId(s.withKid.id, message.id))!.held).toBe(true);
    expect((await historyPage(s.ctx, s.kid, s.withKid.id)).messages.map((m) => m.id)).not.toContain(message.id);
    expect(s.hub.log.some((e) => e.topic === topics.room(s.withKid.id) && e.data.includes('tell no one'))).toBe(false);
    expect((await say(s, s.adult, s.withKid.id, 'back again')).message.held).toBe(false); // the account posts again
  });

  test('an officer\'s release landing while the sender\'s hold-level edit is being written does not deliver the new text', async () => {
    const s = await setUp({ restrictAfter: 5 });
    const { message } = await say(s, s.adult, s.withKid.id, 'HOLDME first');
    const [c] = await s.store.cases.list();
    // The release lands after the edit was screened, before its text is written.
    const write = s.store.messages.edit.bind(s.store.messages);
    s.store.messages.edit = async (...a: Parameters<typeof write>) => {
      await decideCase(s.ctx, s.a(s.officerA), c!.id, 'release', 'It was about homework.', { seenRev: message.rev });
      return write(...a);
    };
    s.hub.log.length = 0;
    const edited = await editMessage(s.ctx, s.adult, { roomId: s.withKid.id, messageId: message.id, body: 'HOLDME send me photos tonight' });
    expect(edited.held).toBe(true);
    expect((await historyPage(s.ctx, s.kid, s.withKid.id)).messages.map((m) => m.body).join()).not.toContain('photos');
    expect(s.hub.log.some((e) => e.topic === topics.room(s.withKid.id) && e.data.includes('photos'))).toBe(false);
  });

  test('releasing every held message an automatic restriction rests on ends it, in the releasing officer\'s name; one left upheld keeps it (QA: a lecturer stayed restricted)', async () => {
    const s = await setUp();
    await say(s, s.adult, s.withKid.id, 'HOLDME one');
    await say(s, s.adult, s.withKid.id, 'HOLDME two');
    const [r] = await s.store.sanctions.list({ kind: ['restriction'] });
    expect(r).toMatchObject({ status: 'active', actorId: null });
    const [first, second] = r!.caseIds;
    await decideCase(s.ctx, s.a(s.officerA), first!, 'release', 'Course content.', { judgedLabels: [] });
    expect((await s.store.sanctions.byId(r!.id))!.status).toBe('active'); // one still waits
    await decideCase(s.ctx, s.a(s.officerB), second!, 'release', 'Course content.', { judgedLabels: [] });
    expect(await s.store.sanctions.byId(r!.id)).toMatchObject({ status: 'lifted', decidedBy: s.officerB.id });
    expect((await postingSlot(s.store, s.adult, s.withKid.id)).account).toBeNull();
    expect((await s.store.audit.list({ action: 'moderation.lift' }))[0]).toMatchObject({ actorId: s.officerB.id, target: r!.id });
    // Another time: one of the two upheld, the other released: the restriction stands.
    const t = await setUp();
    await say(t, t.adult, t.withKid.id, 'HOLDME one');
    await say(t, t.adult, t.withKid.id, 'HOLDME two');
    const [r2] = await t.store.sanctions.list({ kind: ['restriction'] });
    await decideCase(t.ctx, t.a(t.officerA), r2!.caseIds[0]!, 'uphold', 'Grooming.');
    await decideCase(t.ctx, t.a(t.officerA), r2!.caseIds[1]!, 'release', 'Homework.', { judgedLabels: [] });
    expect((await t.store.sanctions.byId(r2!.id))!.status).toBe('active');
  });

  test('a lecturer\'s posts to her course are held, but do not restrict her automatically (child-protection teaching quotes groomers); her DMs to a minor do', async () => {
    const s = await setUp();
    await s.store.users.update(s.adult.id, { role: 'lecturer' });
    const lecturer = (await s.store.users.byId(s.adult.id))!;
    const one = await say(s, lecturer, s.withKid.id, 'HOLDME "this is our secret" is what groomers say');
    const two = await say(s, lecturer, s.withKid.id, 'HOLDME and "don\'t tell your parents"');
    expect(one.message.held && two.message.held).toBe(true);
    expect(await s.store.cases.count({ senderId: lecturer.id })).toBe(2);
    expect(await s.store.sanctions.list({ kind: ['restriction'] })).toEqual([]);
    expect((await postingSlot(s.store, lecturer, s.withKid.id)).account).toBeNull();
    // A DM to the minor counts, and the course posts count with it.
    const dm = await s.mk('group', null, [{ userId: lecturer.id, role: 'owner' }, { userId: s.kid.id, role: 'member' }]);
    await say(s, lecturer, dm.id, 'HOLDME come alone');
    expect(await s.store.sanctions.list({ kind: ['restriction'] })).toHaveLength(1);
  });

  test('a released hold does not count towards the next restriction', async () => {
    const s = await setUp();
    await say(s, s.adult, s.withKid.id, 'HOLDME one');
    const [c1] = await s.store.cases.list();
    await decideCase(s.ctx, s.a(s.officerA), c1!.id, 'release', 'Homework.');
    await say(s, s.adult, s.withKid.id, 'HOLDME two');
    expect(await s.store.sanctions.list({ kind: ['restriction'] })).toEqual([]);
  });

  test('lifting a freeze reopens the room but neither delivers its held evidence nor decides its case', async () => {
    const s = await setUp();
    await say(s, s.peer, s.withKid.id, 'HOLDME secret');
    const [c] = await s.store.cases.list();
    const f = await actOnCase(s.ctx, s.a(s.officerA), c!.id, 'freeze', 'SG-2', 'Grooming attempts.');
    await liftSanction(s.ctx, s.a(s.officerA), f.id, 'Room is fine now.');
    expect((await historyPage(s.ctx, s.kid, s.withKid.id)).messages).toEqual([]);
    expect((await s.store.cases.byId(c!.id))!.status).toBe('open');
    expect((await say(s, s.kid, s.withKid.id, 'hello')).message.held).toBe(false);
  });

  test('overturning a block restores its message only if no upheld edit of it is still removed', async () => {
    const s = await setUp({ restrictAfter: 5 }); // no automatic restriction citing the cases
    const { message } = await say(s, s.adult, s.withKid.id, 'HOLDME meet me alone');
    const [first] = await s.store.cases.list({ messageId: message.id });
    await editMessage(s.ctx, s.adult, { roomId: s.withKid.id, messageId: message.id, body: 'HOLDME worse now' });
    const edit = (await s.store.cases.list({ messageId: message.id })).find((c) => c.id !== first!.id)!;
    await decideCase(s.ctx, s.a(s.officerA), edit.id, 'uphold', 'The edit is grooming.', { judgedLabels: ['grooming_signal'] });
    const block = await actOnCase(s.ctx, s.a(s.officerA), first!.id, 'block', 'SG-2', 'Meeting alone.');
    await submitStatement(s.ctx, s.adult, block.id, 'The first words were about the lab.');
    await decideAppeal(s.ctx, s.a(s.officerB), block.id, true, 'The first words were fine.');
    // the block is gone, but the removal of the edited text stands: the message stays hidden
    expect(await s.store.sanctions.list({ kind: ['restriction'] })).toEqual([]);
    expect((await s.store.messages.byId(s.withKid.id, message.id))!.held).toBe(true);
  });

  test('overturning a block delivers its message although the automatic restriction citing it stands; the other held message waits for its own decision', async () => {
    const s = await setUp(); // two holds towards the minor restrict the sender
    const one = await say(s, s.adult, s.withKid.id, 'HOLDME one');
    const two = await say(s, s.adult, s.withKid.id, 'HOLDME two');
    const [r] = await s.store.sanctions.list({ kind: ['restriction'] });
    const [c1] = await s.store.cases.list({ messageId: one.message.id });
    expect(r!.caseIds).toContain(c1!.id);
    const block = await actOnCase(s.ctx, s.a(s.officerA), c1!.id, 'block', 'SG-2', 'Meeting alone.');
    await submitStatement(s.ctx, s.adult, block.id, 'It was about the lab.');
    await decideAppeal(s.ctx, s.a(s.officerB), block.id, true, 'It was about the lab.');
    // A restriction judges a pattern, not a message: the officers' decision on this one stands.
    const seen = (await historyPage(s.ctx, s.kid, s.withKid.id)).messages.map((m) => m.id);
    expect(seen).toEqual([one.message.id]);
    expect((await s.store.messages.byId(s.withKid.id, two.message.id))!.held).toBe(true);
    expect((await s.store.sanctions.byId(r!.id))!.status).toBe('active');
  });

  test('a refused block (already blocked) leaves the second case open and its message held', async () => {
    const s = await setUp();
    await say(s, s.adult, s.adultsOnly.id, 'x'); // not held, no case
    await say(s, s.adult, s.withKid.id, 'HOLDME one');
    const [c1] = await s.store.cases.list();
    await actOnCase(s.ctx, s.a(s.officerA), c1!.id, 'block', 'SG-2', 'Grooming.');
    // A second case for the same sender, opened before the block took effect.
    const c2 = await s.store.cases.create({ roomId: s.withKid.id, messageId: 'm-x', senderId: s.adult.id, labels: ['grooming_signal'], scores: {}, text: 't', modelVersion: 'fake-1', severity: 'hold', towardsMinor: true });
    await expect(actOnCase(s.ctx, s.a(s.officerB), c2.id, 'block', 'SG-2', 'again')).rejects.toThrow(/already blocked/);
    await expect(actOnCase(s.ctx, s.a(s.officerB), c2.id, 'block', 'SG-99', 'bad clause')).rejects.toThrow(/policy clause/);
    expect((await s.store.cases.byId(c2.id))!.status).toBe('open');
  });

  test('concurrent holds create one restriction; concurrent blocks one block', async () => {
    const s = await setUp();
    await Promise.all([1, 2, 3, 4].map((i) => say(s, s.adult, s.withKid.id, `HOLDME ${i}`)));
    expect((await s.store.sanctions.list({ kind: ['restriction'] })).length).toBe(1);
    const cases = await s.store.cases.list();
    const results = await Promise.allSettled(cases.slice(0, 2).map((c, i) => actOnCase(s.ctx, s.a(i ? s.officerB : s.officerA), c.id, 'block', 'SG-2', 'Grooming.')));
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((await s.store.sanctions.list({ kind: ['block'] })).length).toBe(1);
  });

  test('another server acting at the same moment (its sanction not yet seen by our check): still one block, one restriction, and the message is stored', async () => {
    const s = await setUp();
    // A second server whose check ran just before the first server's sanction was written.
    const blindSanctions = new Proxy(s.store.sanctions, { get: (t, k) => (k === 'list' ? async () => [] : Reflect.get(t, k, t).bind(t)) });
    const otherStore = new Proxy(s.store, { get: (t, k) => (k === 'sanctions' ? blindSanctions : Reflect.get(t, k, t)) });
    const moderation = createModeration('minors', () => fakeClassifier, {});
    const other = createChatContext(otherStore, s.hub, 'Africa/Lagos', { moderation });
    await say(s, s.adult, s.withKid.id, 'HOLDME one');
    await say(s, s.adult, s.withKid.id, 'HOLDME two');
    expect((await s.store.sanctions.list({ kind: ['restriction'] })).length).toBe(1);
    // The other server sees a third hold (sent before the restriction reached it) and tries to restrict too.
    const c3 = await s.store.cases.create({ roomId: s.withKid.id, messageId: 'm-3', senderId: s.adult.id, labels: ['grooming_signal'], scores: {}, text: 't', modelVersion: 'fake-1', severity: 'hold', towardsMinor: true });
    const { restrictIfRepeated } = await import('./sanctions');
    expect(await restrictIfRepeated(other, c3)).toBeNull();
    expect((await s.store.sanctions.list({ kind: ['restriction'] })).length).toBe(1);
    const [c1, c2] = await s.store.cases.list({ senderId: s.adult.id });
    await actOnCase(s.ctx, s.a(s.officerA), c1!.id, 'block', 'SG-2', 'Grooming.');
    await expect(actOnCase(other, s.a(s.officerB), c2!.id, 'block', 'SG-2', 'Grooming.')).rejects.toThrow(/already blocked/);
    expect((await s.store.sanctions.list({ kind: ['block'] })).length).toBe(1);
  });

  test('an officer who only decided an evidence case may not decide the appeal against a later block', async () => {
    const s = await setUp();
    const officerC = await person(s.store, 'officer-c@unilag.edu.ng', 'Officer C', { permissions: ['safeguarding'] });
    await say(s, s.adult, s.withKid.id, 'HOLDME one');
    const [c1] = await s.store.cases.list();
    await decideCase(s.ctx, s.a(s.officerA), c1!.id, 'uphold', 'Grooming.');
    const block = await actOnCase(s.ctx, s.a(s.officerB), c1!.id, 'block', 'SG-2', 'Grooming.');
    await submitStatement(s.ctx, s.adult, block.id, 'Please review.');
    await expect(decideAppeal(s.ctx, s.a(s.officerA), block.id, true, 'x')).rejects.toThrow(/different reviewer/);
    await expect(decideAppeal(s.ctx, s.a(s.officerB), block.id, true, 'x')).rejects.toThrow(/different reviewer/);
    await decideAppeal(s.ctx, s.a(officerC), block.id, true, 'Reviewed: benign.');
    // The removal from officer A's uphold still applies: the message stays hidden until it is decided too.
    expect((await historyPage(s.ctx, s.kid, s.withKid.id)).messages).toEqual([]);
  });
});
