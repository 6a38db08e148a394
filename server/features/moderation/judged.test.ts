/** Officers' decisions exported as training lines (judged.ts): which labels, what is left out, audit. */
import { describe, expect, test } from 'bun:test';
import { parseMessages } from './model/data';
import { actOnCase, decideCase } from './cases';
import { decideAppeal, liftSanction, submitStatement } from './sanctions';
import { exportJudged, scrub, type JudgedLine } from './judged';
import { deleteMessage } from '../chat/messages';
import { say, setUp, type Cast } from './sanctions-cast';

const caseOf = async (s: Cast, messageId: string) => (await s.store.cases.list({ messageId }))[0]!;
const A = (s: Cast) => ({ userId: s.officerA.id, origin: '10.0.0.1' });
const B = (s: Cast) => ({ userId: s.officerB.id, origin: '10.0.0.2' });
const lines = (s: Cast, opts: { since?: number } = {}) => exportJudged(s.store, A(s), () => {}, opts);
const texts = async (s: Cast) => (await lines(s)).map((l) => l.text);

describe('exportJudged', () => {
  test("judged labels, a block's flagged labels, an overturned block → harmless; open cases stay out; written, then audited", async () => {
    const s = await setUp();
    const judged = await say(s, s.adult, s.withKid.id, 'HOLDME come alone to my office, mail me at prof.x@unilag.edu.ng');
    const released = await say(s, s.peer, s.withKid.id, 'HOLDME group study at 4, call 0803 123 4567');
    const blocked = await say(s, s.adult, s.withKid.id, 'HOLDME keep this between us');
    const open = await say(s, s.kid, s.withKid.id, 'HOLDME still waiting for an officer');
    await decideCase(s.ctx, A(s), (await caseOf(s, judged.message.id)).id, 'uphold', 'Meeting alone', { judgedLabels: ['sexual_solicitation', 'grooming_signal'] });
    await Bun.sleep(2); // newest decision first
    await decideCase(s.ctx, A(s), (await caseOf(s, released.message.id)).id, 'release', 'A study group', { judgedLabels: [] });
    const written: JudgedLine[][] = [];
    const first = await exportJudged(s.store, A(s), (l) => void written.push(l), { details: { file: '/srv/judged.jsonl' } });
    expect(written).toEqual([first]);
    expect(first.map((l) => [l.text, l.labels, l.note])).toEqual([
      ['HOLDME group study at 4, call 0800 000 0000', [], 'labels judged by a safeguarding officer'],
      ['HOLDME come alone to my office, mail me at someone@example.com', ['sexual_solicitation', 'grooming_signal'], 'labels judged by a safeguarding officer'],
    ]);

    // A block decides its case as upheld without asking for labels: the model's flagged labels stand…
    const block = await actOnCase(s.ctx, A(s), (await caseOf(s, blocked.message.id)).id, 'block', 'SG-2', 'Secrecy with a student under 18.');
    expect((await lines(s))[0]).toEqual({ text: 'HOLDME keep this between us', labels: ['grooming_signal'], lang: 'unknown', context: 'room', sender_role: 'student', note: 'upheld by a safeguarding officer (labels as flagged)' });
    // …until a second officer overturns it on appeal: the message broke no rule.
    await submitStatement(s.ctx, s.adult, block.id, 'It was about a surprise party for the class.');
    await decideAppeal(s.ctx, B(s), block.id, true, 'Confirmed by the class rep.');
    const after = await lines(s);
    expect(after.find((l) => l.text === 'HOLDME keep this between us')).toMatchObject({ labels: [], note: 'an action on it was overturned on appeal' });
    expect(after.map((l) => l.text)).not.toContain('HOLDME still waiting for an officer');
    expect(open.message.held).toBe(true);

    // The lines are what training reads (campus schema), with the room type and sender role of the app.
    const parsed = parseMessages(after.map((l) => JSON.stringify(l)).join('\n'), 'export.jsonl');
    expect(parsed.map((m) => m.ctx)).toEqual(after.map(() => ({ context: 'room', senderRole: 'student' })));
    const audit = await s.store.audit.list({ action: 'moderation.export' });
    expect(audit.map((e) => e.details.lines)).toEqual([2, 3, 3]);
    expect(audit[0]!.details).toMatchObject({ file: '/srv/judged.jsonl', lines: 2 });
    expect(audit.every((e) => e.actorId === s.officerA.id)).toBe(true);
  });

  test('a failed write is not audited as an export', async () => {
    const s = await setUp();
    await expect(exportJudged(s.store, A(s), () => { throw new Error('disk full'); })).rejects.toThrow('disk full');
    expect(await s.store.audit.list({ action: 'moderation.export' })).toEqual([]);
  });

  test('an overturned or lifted restriction judges no message: released-by-restoring cases stay out, judged ones keep their labels', async () => {
    const s = await setUp();
    const one = await say(s, s.adult, s.withKid.id, 'HOLDME first secret');
    await say(s, s.adult, s.withKid.id, 'HOLDME second secret');
    const [restriction] = await s.store.sanctions.list({ userId: s.adult.id, kind: ['restriction'] });
    await decideCase(s.ctx, A(s), (await caseOf(s, one.message.id)).id, 'uphold', 'Secrecy', { judgedLabels: ['grooming_signal'] });
    await submitStatement(s.ctx, s.adult, restriction!.id, 'Both were about a surprise party.');
    await decideAppeal(s.ctx, B(s), restriction!.id, true, 'Party confirmed.');
    // the second case was released by restoring the restriction, with no officer's labels: no line
    expect((await lines(s)).map((l) => [l.text, l.labels])).toEqual([['HOLDME first secret', ['grooming_signal']]]);
    // a lifted removal is not an overturn either: the judged labels stay
    const [removal] = await s.store.sanctions.list({ userId: s.adult.id, kind: ['removal'] });
    await liftSanction(s.ctx, B(s), removal!.id, 'Served.');
    expect((await lines(s)).map((l) => l.labels)).toEqual([['grooming_signal']]);
  });

  test('newest decision per text, --since, deleted messages and upheld cases with no message label stay out', async () => {
    const s = await setUp();
    const first = await say(s, s.adult, s.withKid.id, 'HOLDME same words');
    const second = await say(s, s.peer, s.withKid.id, 'HOLDME same words');
    await decideCase(s.ctx, A(s), (await caseOf(s, second.message.id)).id, 'release', 'y', { judgedLabels: [] });
    await Bun.sleep(2); // decisions are ordered by their time
    await decideCase(s.ctx, A(s), (await caseOf(s, first.message.id)).id, 'uphold', 'x', { judgedLabels: ['threat'] });
    expect((await lines(s)).map((l) => l.labels)).toEqual([['threat']]);
    // since: cases opened before the boundary stay out
    const old = await s.store.cases.create({ roomId: s.withKid.id, messageId: 'm-old', senderId: s.peer.id, labels: ['threat'], scores: {}, text: 'an old one', modelVersion: 'x', severity: 'review', towardsMinor: true, now: 1000 });
    await s.store.cases.decide(old.id, { decidedBy: s.officerA.id, decision: 'release', reason: 'old', judgedLabels: [] });
    expect(await texts(s)).toContain('an old one');
    expect((await lines(s, { since: 2000 })).map((l) => l.text)).toEqual(['HOLDME same words']);
    // a grooming-risk-only hold upheld (before officers were asked) says nothing about the message
    const risk = await s.store.cases.create({ roomId: s.withKid.id, messageId: 'm-risk', senderId: s.adult.id, labels: ['grooming_risk'], scores: { grooming_risk: 0.9 }, text: 'how was school today', modelVersion: 'x', severity: 'hold', towardsMinor: true });
    await s.store.cases.decide(risk.id, { decidedBy: s.officerA.id, decision: 'uphold', reason: 'pattern' });
    expect(await texts(s)).not.toContain('how was school today');
    // the sender deleted it: not kept as data
    const gone = await say(s, s.peer, s.withKid.id, 'HOLDME delete me later');
    await decideCase(s.ctx, A(s), (await caseOf(s, gone.message.id)).id, 'release', 'fine', { judgedLabels: [] });
    expect(await texts(s)).toContain('HOLDME delete me later');
    await deleteMessage(s.ctx, s.peer, { roomId: s.withKid.id, messageId: gone.message.id });
    expect(await texts(s)).not.toContain('HOLDME delete me later');
  });

  test('scrub replaces what identifies a person, not what the message does', () => {
    expect(scrub('DM me on https://wa.me/2348031234567, or www.insta.com/me. Mail ada.obi+x@unilag.edu.ng')).toBe('DM me on https://example.com, or https://example.com. Mail someone@example.com');
    expect(scrub('my tiktok is tiktok.com/@ada_o and t.me/adaobi, add me')).toBe('my tiktok is https://example.com and https://example.com, add me');
    // Any domain with a path, and addresses spelt out to dodge filters; fractions, paths and files stay.
    expect(scrub('my linktr.ee/ada_x and snap.chat/ada; ada [at] gmail [dot] com or ada(at)yahoo(dot)co(dot)uk')).toBe('my https://example.com and https://example.com; someone@example.com or someone@example.com');
    expect(scrub('1.5/2 marks, e.g/ and/or v1.2/3, notes.pdf')).toBe('1.5/2 marks, e.g/ and/or v1.2/3, notes.pdf');
    expect(scrub('mail ada at gmail dot com or obi at unilag dot edu dot ng; meet at noon, look at the dot')).toBe('mail someone@example.com or someone@example.com; meet at noon, look at the dot');
    expect(scrub('@ada.obi call +234 803 123 4567 or (0803) 123-4567 or 0803.123.4567')).toBe('@someone call 0800 000 0000 or 0800 000 0000 or 0800 000 0000');
    expect(scrub('matric 190805012, reg CSC/2019/123 and 19/52HA123')).toBe('matric 0000000, reg ABC/2020/000 and ABC/2020/000');
    // prices, course codes, times, dates and years stay
    expect(scrub('N1500 for CSC101 handout at 4pm, N1500000 or ₦2500000 rent, 1 000 000 naira, due 2026-09-01, 10:30, 2026 set.')).toBe('N1500 for CSC101 handout at 4pm, N1500000 or ₦2500000 rent, 1 000 000 naira, due 2026-09-01, 10:30, 2026 set.');
  });

  test('scrub replaces a Nigerian mobile number however it is grouped or bracketed, and only a phone number', () => {
    const phones = [
      '+234 (0) 803 123 4567', '+234(0)8031234567', '(+234) 8031234567', '+234 (803) 123 4567', '+234 0803 123 4567', '2348031234567',
      '080 3123 4567', '0 803 123 4567', '803 123 4567', '8031234567', '0803 12 34 567', '0803 - 123 - 4567', '080-3123-4567',
      // digit by digit, to dodge a filter
      '0 8 0 3 1 2 3 4 5 6 7', '0-8-0-3-1-2-3-4-5-6-7', '+234 8 0 3 1 2 3 4 5 6 7', '8 0 3 1 2 3 4 5 6 7',
      // mixed groupings after a 0 or +234
      '0803 1 2 3 4 5 6 7', '0 8 0 3 123 4567', '08 03 12 34 56 7', '+234 803 1 23 45 67',
    ];
    for (const p of phones) expect(scrub(`call me on ${p}, after 6`)).toBe('call me on 0800 000 0000, after 6');
    // a number before or after a phone number stays
    expect(scrub('room 70, 803 123 4567 or 0803 123 4567 2 times')).toBe('room 70, 0800 000 0000 or 0800 000 0000 2 times');
    expect(scrub('scores 70 1 0803 123 4567')).toBe('scores 70 1 0800 000 0000');
    // not phones: lists of small numbers, prices, times, dates, course codes, matriculation numbers
    const kept = 'marks 70 15 80 90 65, N8031234567 or ₦9012345678, N 1 000 000, the 1 000 000 000 naira budget, 08:30-09:15, 08/09/2026, CSC 801 and MTH 101';
    expect(scrub(kept)).toBe(kept);
    expect(scrub('matric 1908050123, reg CSC/2019/123')).toBe('matric 0000000, reg ABC/2020/000');
  });
});
