/** Officers' decisions exported as training lines (judged.ts): which labels, what is kept out, audit. */
import { describe, expect, test } from 'bun:test';
import { parseMessages } from './model/data';
import { actOnCase, decideCase } from './cases';
import { decideAppeal, submitStatement } from './sanctions';
import { exportJudged, scrub } from './judged';
import { say, setUp, type Cast } from './sanctions-cast';

const caseOf = async (s: Cast, messageId: string) => (await s.store.cases.list({ messageId }))[0]!;
const officer = (s: Cast) => ({ userId: s.officerA.id, origin: '10.0.0.1' });

describe('exportJudged', () => {
  test('decided cases become campus lines: judged labels, released → harmless, blocks → as flagged, overturned → harmless; open cases stay out', async () => {
    const s = await setUp();
    const judged = await say(s, s.adult, s.withKid.id, 'HOLDME come alone to my office, mail me at prof.x@unilag.edu.ng');
    const released = await say(s, s.peer, s.withKid.id, 'HOLDME group study at 4, call 0803 123 4567');
    const blocked = await say(s, s.adult, s.withKid.id, 'HOLDME keep this between us');
    const open = await say(s, s.kid, s.withKid.id, 'HOLDME still waiting for an officer');
    await decideCase(s.ctx, officer(s), (await caseOf(s, judged.message.id)).id, 'uphold', 'Meeting alone', { judgedLabels: ['sexual_solicitation', 'grooming_signal'] });
    await decideCase(s.ctx, officer(s), (await caseOf(s, released.message.id)).id, 'release', 'A study group', { judgedLabels: [] });
    expect((await exportJudged(s.store, officer(s))).map((l) => [l.text, l.labels, l.note])).toEqual([
      ['HOLDME group study at 4, call 0000000', [], 'labels judged by a safeguarding officer'],
      ['HOLDME come alone to my office, mail me at someone@example.com', ['sexual_solicitation', 'grooming_signal'], 'labels judged by a safeguarding officer'],
    ]);

    // A block decides its case as upheld without asking for labels: the model's flagged labels stand…
    const block = await actOnCase(s.ctx, officer(s), (await caseOf(s, blocked.message.id)).id, 'block', 'SG-2', 'Secrecy with a student under 18.');
    const lines = await exportJudged(s.store, officer(s));
    expect(lines[0]).toEqual({ text: 'HOLDME keep this between us', labels: ['grooming_signal'], lang: 'unknown', context: 'room', sender_role: 'student', note: 'upheld by a safeguarding officer (labels as flagged)' });
    // …until a second officer overturns it on appeal: the message broke no rule.
    await submitStatement(s.ctx, s.adult, block.id, 'It was about a surprise party for the class.');
    await decideAppeal(s.ctx, { userId: s.officerB.id, origin: '10.0.0.2' }, block.id, true, 'Confirmed by the class rep.');
    const after = await exportJudged(s.store, officer(s));
    expect(after[0]).toMatchObject({ text: 'HOLDME keep this between us', labels: [], note: 'an action on it was overturned on appeal' });
    expect(after.map((l) => l.text)).not.toContain('HOLDME still waiting for an officer');
    expect(open.message.held).toBe(true);

    // The lines are what training reads (campus schema), with the room type and sender role of the app.
    const parsed = parseMessages(after.map((l) => JSON.stringify(l)).join('\n'), 'export.jsonl');
    expect(parsed.map((m) => m.ctx)).toEqual(after.map(() => ({ context: 'room', senderRole: 'student' })));
    // Every export is audited with its size.
    const audit = await s.store.audit.list({ action: 'moderation.export' });
    expect(audit.map((e) => e.details.lines)).toEqual([2, 3, 3]);
    expect(audit.every((e) => e.actorId === s.officerA.id)).toBe(true);
  });

  test('one line per text (the newest decision), --since, and a grooming-risk-only uphold says nothing about the message', async () => {
    const s = await setUp();
    const first = await say(s, s.adult, s.withKid.id, 'HOLDME same words');
    const second = await say(s, s.adult, s.withKid.id, 'HOLDME same words');
    await decideCase(s.ctx, officer(s), (await caseOf(s, first.message.id)).id, 'uphold', 'x', { judgedLabels: ['threat'] });
    await decideCase(s.ctx, officer(s), (await caseOf(s, second.message.id)).id, 'release', 'y', { judgedLabels: [] });
    expect((await exportJudged(s.store, officer(s))).map((l) => l.labels)).toEqual([[]]);
    expect(await exportJudged(s.store, officer(s), { since: Date.now() + 60_000 })).toEqual([]);
    const risk = await s.store.cases.create({ roomId: s.withKid.id, messageId: 'm-risk', senderId: s.adult.id, labels: ['grooming_risk'], scores: { grooming_risk: 0.9 }, text: 'how was school today', modelVersion: 'x', severity: 'hold', towardsMinor: true });
    await s.store.cases.decide(risk.id, { decidedBy: s.officerA.id, decision: 'uphold', reason: 'pattern' });
    expect((await exportJudged(s.store, officer(s))).map((l) => l.text)).not.toContain('how was school today');
  });

  test('scrub replaces what identifies a person, not what the message does', () => {
    expect(scrub('DM me on https://wa.me/2348031234567 or www.insta.com/me, mail ada.obi+x@unilag.edu.ng')).toBe('DM me on https://example.com or https://example.com mail someone@example.com');
    expect(scrub('@ada.obi send it, my number is +234 803 123 4567, matric 190805012')).toBe('@someone send it, my number is 0000000, matric 0000000');
    // prices, course codes, times and years stay
    expect(scrub('N1500 for CSC101 handout at 4pm, 2026 set')).toBe('N1500 for CSC101 handout at 4pm, 2026 set');
  });
});
