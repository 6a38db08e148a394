/** Members reporting a message to the safeguarding officers (report.ts). */
import { describe, expect, test } from 'bun:test';
import { makePerson, testApp } from '../../testing';
import type { Store, UserPatch } from '../../store/types';
import { createChatContext, type ChatContext } from '../chat/context';
import { sendMessage } from '../chat/messages';
import { createModeration } from './screen';
import { fakeClassifier } from './test-support';
import { CONCERN, REPORTED_FILE, reportMessage } from './report';
import { decideCase } from './cases';
import { clauseForLabels } from './policy-clauses';

const person = (store: Store, email: string, name: string, patch: UserPatch = {}) => makePerson(store, email, name, 'student', patch);
let n = 0;
const cid = () => `report-client-${String(++n).padStart(6, '0')}`;

async function setUp() {
  const t = await testApp();
  const { store } = t;
  const notices: unknown[] = [];
  const moderation = createModeration('minors', () => fakeClassifier, {});
  moderation.notifier = { notify: async (x) => void notices.push(x) } as typeof moderation.notifier;
  const ctx: ChatContext = createChatContext(store, t.hub, 'Africa/Lagos', { moderation });
  const adult = await person(store, 'adult@unilag.edu.ng', 'Adult Sender', { dateOfBirth: '1980-01-01' });
  const kid = await person(store, 'kid@unilag.edu.ng', 'Kid Member', { dateOfBirth: '2012-05-05' });
  const other = await person(store, 'other@unilag.edu.ng', 'Other Member', { dateOfBirth: '1999-01-01' });
  const outsider = await person(store, 'out@unilag.edu.ng', 'Outsider', { dateOfBirth: '1999-01-01' });
  const room = await store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'BIO101', name: 'Biology', topic: '', createdBy: null, dmKey: null }, [
    { userId: adult.id, role: 'member' },
    { userId: kid.id, role: 'member' },
    { userId: other.id, role: 'member' },
  ]);
  return { store, ctx, adult, kid, other, outsider, room, notices };
}

describe('reportMessage', () => {
  test("a member's report opens one review case (labelled reported, towards a minor), tells the officers, and is audited with who reported; a second report joins it", async () => {
    const s = await setUp();
    const { message } = await sendMessage(s.ctx, s.adult, { roomId: s.room.id, clientId: cid(), body: 'see you after class, just the two of us' });
    const first = await reportMessage(s.ctx, s.kid, { roomId: s.room.id, messageId: message.id, origin: '10.0.0.1' });
    expect(first.opened).toBe(true);
    const c = (await s.store.cases.byId(first.caseId))!;
    expect(c).toMatchObject({ messageId: message.id, senderId: s.adult.id, labels: ['reported'], severity: 'review', status: 'open', towardsMinor: true, text: message.body });
    expect(s.notices).toEqual([expect.objectContaining({ caseId: c.id, labels: ['reported'], severity: 'high', summary: 'A member reported a message in a conversation with a student under 18.' })]);
    // The message is untouched until an officer decides.
    expect((await s.store.messages.byId(s.room.id, message.id))!.held).toBe(false);
    const again = await reportMessage(s.ctx, s.other, { roomId: s.room.id, messageId: message.id, origin: '10.0.0.2' });
    expect(again).toEqual({ caseId: c.id, opened: false });
    expect(await s.store.cases.count({ messageId: message.id })).toBe(1);
    expect(s.notices).toHaveLength(1);
    const audit = await s.store.audit.list({ action: 'moderation.report' });
    expect(audit.map((e) => [e.actorId, e.target, e.details.opened])).toEqual([[s.kid.id, c.id, true], [s.other.id, c.id, false]]);
  });

  test('a report between adults is a routine notice (a full queue lets an urgent one take its place)', async () => {
    const s = await setUp();
    const adults = await s.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'group', code: null, name: 'Project', topic: '', createdBy: s.adult.id, dmKey: null }, [
      { userId: s.adult.id, role: 'owner' },
      { userId: s.other.id, role: 'member' },
    ]);
    const { message } = await sendMessage(s.ctx, s.adult, { roomId: adults.id, clientId: cid(), body: 'you are useless' });
    await reportMessage(s.ctx, s.other, { roomId: adults.id, messageId: message.id, origin: 'x' });
    expect(s.notices).toEqual([expect.objectContaining({ kind: 'review', severity: 'medium', summary: 'A member reported a message.' })]);
  });

  test("a report of a minor's own message among adults is urgent", async () => {
    const s = await setUp();
    const room = await s.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'group', code: null, name: 'Club', topic: '', createdBy: s.kid.id, dmKey: null }, [
      { userId: s.kid.id, role: 'owner' },
      { userId: s.other.id, role: 'member' },
    ]);
    const { message } = await sendMessage(s.ctx, s.kid, { roomId: room.id, clientId: cid(), body: 'nobody would care if I was gone' });
    await reportMessage(s.ctx, s.other, { roomId: room.id, messageId: message.id, origin: 'x' });
    expect(s.notices).toEqual([expect.objectContaining({ kind: 'review', severity: 'high', summary: 'A member reported a message written by a student under 18.' })]);
  });

  test('refused: one’s own message, a non-member, a message one cannot see; at most 20 an hour', async () => {
    const s = await setUp();
    const { message } = await sendMessage(s.ctx, s.adult, { roomId: s.room.id, clientId: cid(), body: 'hello class' });
    await expect(reportMessage(s.ctx, s.adult, { roomId: s.room.id, messageId: message.id, origin: 'x' })).rejects.toMatchObject({ kind: 'bad_request' });
    await expect(reportMessage(s.ctx, s.outsider, { roomId: s.room.id, messageId: message.id, origin: 'x' })).rejects.toMatchObject({ kind: 'not_found' });
    await expect(reportMessage(s.ctx, s.kid, { roomId: s.room.id, messageId: 'no-such-message', origin: 'x' })).rejects.toMatchObject({ kind: 'not_found' });
    await s.store.messages.setHeld(s.room.id, message.id, true);
    await expect(reportMessage(s.ctx, s.kid, { roomId: s.room.id, messageId: message.id, origin: 'x' })).rejects.toMatchObject({ kind: 'not_found' });
    expect(await s.store.cases.count()).toBe(0);
    const ids = [];
    for (let i = 0; i < 21; i++) ids.push((await s.store.messages.append({ roomId: s.room.id, senderId: s.adult.id, clientId: cid(), kind: 'text', body: `line ${i}`, mentions: [] })).message.id);
    for (const id of ids.slice(0, 20)) await reportMessage(s.ctx, s.other, { roomId: s.room.id, messageId: id, origin: 'x' });
    await expect(reportMessage(s.ctx, s.other, { roomId: s.room.id, messageId: ids[20]!, origin: 'x' })).rejects.toMatchObject({ kind: 'rate_limited', message: expect.stringMatching(/Try again in (60 minutes|59 minutes|1 minute), /) });
  });

  test('a model review case reported by a member becomes a report (labelled, officers told once); reports at once open one case; a reported file is marked', async () => {
    const s = await setUp();
    const { message } = await sendMessage(s.ctx, s.adult, { roomId: s.room.id, clientId: cid(), body: 'GROOMY you can tell me anything' });
    const modelCase = (await s.store.cases.list({ messageId: message.id }))[0]!;
    expect(modelCase.labels).toEqual(['grooming_signal']);
    expect(s.notices).toEqual([]); // a review flag waits quietly
    const [r1, r2] = await Promise.all([
      reportMessage(s.ctx, s.kid, { roomId: s.room.id, messageId: message.id, origin: 'x' }),
      reportMessage(s.ctx, s.other, { roomId: s.room.id, messageId: message.id, origin: 'x' }),
    ]);
    expect([r1.caseId, r2.caseId]).toEqual([modelCase.id, modelCase.id]);
    expect((await s.store.cases.byId(modelCase.id))!.labels).toEqual(['grooming_signal', 'reported']);
    expect(s.notices).toHaveLength(1);
    // Two reports at once of a message with no case: one case, one notice.
    const { message: m2 } = await sendMessage(s.ctx, s.adult, { roomId: s.room.id, clientId: cid(), body: 'plain words' });
    await Promise.all([s.kid, s.other].map((u) => reportMessage(s.ctx, u, { roomId: s.room.id, messageId: m2.id, origin: 'x' })));
    expect(await s.store.cases.count({ messageId: m2.id })).toBe(1);
    expect(s.notices).toHaveLength(2);
    // A file: judged by its content, which the case text (its name) does not hold.
    const file = (await s.store.messages.append({ roomId: s.room.id, senderId: s.adult.id, clientId: cid(), kind: 'file', body: 'IMG_2041.jpg', mentions: [] })).message;
    const fc = await reportMessage(s.ctx, s.kid, { roomId: s.room.id, messageId: file.id, origin: 'x' });
    expect(await s.store.cases.byId(fc.caseId)).toMatchObject({ text: 'File: IMG_2041.jpg', modelVersion: REPORTED_FILE });
  });

  test('a worry about the writer (a disclosure) opens a welfare-concern case, says so to the officers, and is audited as one; after a report of harm it joins that case and tells them again', async () => {
    const s = await setUp();
    const { message } = await sendMessage(s.ctx, s.kid, { roomId: s.room.id, clientId: cid(), body: 'my uncle comes to my room at night and I am scared to go home' });
    const r = await reportMessage(s.ctx, s.other, { roomId: s.room.id, messageId: message.id, origin: 'x', concern: true });
    expect(await s.store.cases.byId(r.caseId)).toMatchObject({ labels: ['welfare_concern'], senderId: s.kid.id, severity: 'review', modelVersion: CONCERN, text: message.body });
    expect(s.notices).toEqual([expect.objectContaining({ caseId: r.caseId, labels: ['welfare_concern'], severity: 'high', summary: "A member is worried about the welfare of a message's writer, a student under 18." })]);
    expect((await s.store.audit.list({ action: 'moderation.report' }))[0]!.details).toMatchObject({ concern: true, opened: true });
    // Nothing happens to the message or its writer.
    expect((await s.store.messages.byId(s.room.id, message.id))!.held).toBe(false);
    expect(await s.store.sanctions.list({ userId: s.kid.id })).toEqual([]);
    // An adult's message reported as harmful, then someone worries about its writer: one case, both labels, two notices.
    const { message: m2 } = await sendMessage(s.ctx, s.adult, { roomId: s.room.id, clientId: cid(), body: 'nobody would care if I disappeared' });
    const harm = await reportMessage(s.ctx, s.kid, { roomId: s.room.id, messageId: m2.id, origin: 'x' });
    const worry = await reportMessage(s.ctx, s.other, { roomId: s.room.id, messageId: m2.id, origin: 'x', concern: true });
    expect(worry).toEqual({ caseId: harm.caseId, opened: false });
    expect((await s.store.cases.byId(harm.caseId))!.labels).toEqual(['reported', 'welfare_concern']);
    expect(s.notices.slice(1)).toEqual([
      expect.objectContaining({ summary: 'A member reported a message in a conversation with a student under 18.' }),
      expect.objectContaining({ summary: "A member is worried about the welfare of a message's writer." }),
    ]);
    // A second worry about the same message: no third notice.
    await reportMessage(s.ctx, s.kid, { roomId: s.room.id, messageId: m2.id, origin: 'x', concern: true });
    expect(s.notices).toHaveLength(3);
  });

  test("upheld with the officer's labels, the sender's notice cites the rule those labels name, not a default", async () => {
    const s = await setUp();
    const officer = await person(s.store, 'officer@unilag.edu.ng', 'Officer', { permissions: ['safeguarding'], dateOfBirth: '1980-01-01' });
    const { message } = await sendMessage(s.ctx, s.adult, { roomId: s.room.id, clientId: cid(), body: 'you will regret this' });
    const { caseId } = await reportMessage(s.ctx, s.kid, { roomId: s.room.id, messageId: message.id, origin: 'x' });
    await decideCase(s.ctx, { userId: officer.id, origin: 'x' }, caseId, 'uphold', 'a threat', { judgedLabels: ['threat'] });
    const [removal] = await s.store.sanctions.list({ userId: s.adult.id, kind: ['removal'] });
    expect(removal!.clause).toBe(clauseForLabels(['threat']).id);
    expect(removal!.clause).not.toBe(clauseForLabels(['reported']).id);
  });
});
