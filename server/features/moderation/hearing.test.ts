/** The fair-hearing rules as a table: every status × every step. */
import { describe, expect, test } from 'bun:test';
import type { Sanction, SanctionStatus } from '../../store/types';
import { appealOutcome, canDecideAppeal, canLift, canSubmitStatement, inForce, restores } from './hearing';

const sanction = (status: SanctionStatus, over: Partial<Sanction> = {}): Sanction => ({
  id: 's1', kind: 'block', userId: 'u1', roomId: 'r1', caseIds: ['c1'], clause: 'SG-2', reason: 'r', evidence: 'e', actorId: 'officer-a',
  createdAt: 0, deadline: 1000, statement: null, statementBy: null, statementAt: null, status, decidedBy: null, decidedAt: null, decisionReason: null, ...over,
});
const ALL: SanctionStatus[] = ['active', 'appealed', 'upheld', 'overturned', 'lifted'];

describe('transitions', () => {
  test('a statement is accepted only from the affected party, while active, before the deadline', () => {
    for (const st of ALL) expect(canSubmitStatement(sanction(st), { affected: true, now: 500 }).ok).toBe(st === 'active');
    expect(canSubmitStatement(sanction('active'), { affected: false, now: 500 })).toEqual({ ok: false, reason: expect.stringMatching(/Only the person/) });
    expect(canSubmitStatement(sanction('active'), { affected: true, now: 1000 }).ok).toBe(true);
    expect(canSubmitStatement(sanction('active'), { affected: true, now: 1001 })).toEqual({ ok: false, reason: expect.stringMatching(/deadline/) });
  });

  test('an appeal is decided only while appealed, and never by a reviewer who acted', () => {
    for (const st of ALL) expect(canDecideAppeal(sanction(st), 'officer-b', ['officer-a']).ok).toBe(st === 'appealed');
    expect(canDecideAppeal(sanction('appealed'), 'officer-a', ['officer-a'])).toEqual({ ok: false, reason: expect.stringMatching(/different reviewer/) });
    // An officer who decided an evidence case also acted.
    expect(canDecideAppeal(sanction('appealed', { actorId: null }), 'officer-c', ['officer-c']).ok).toBe(false);
    // An automated restriction: any officer.
    expect(canDecideAppeal(sanction('appealed', { kind: 'restriction', actorId: null }), 'officer-a', []).ok).toBe(true);
  });

  test('lifting: active or upheld only (a pending appeal is decided instead)', () => {
    for (const st of ALL) expect(canLift(sanction(st)).ok).toBe(st === 'active' || st === 'upheld');
    expect(canLift(sanction('appealed'))).toEqual({ ok: false, reason: expect.stringMatching(/decide the appeal/) });
  });

  test('outcomes: upheld stays in force; overturned and lifted restore', () => {
    expect(appealOutcome(true)).toBe('overturned');
    expect(appealOutcome(false)).toBe('upheld');
    expect(ALL.filter((s) => inForce(sanction(s)))).toEqual(['active', 'appealed', 'upheld']);
    expect(ALL.filter(restores)).toEqual(['overturned']);
  });
});
