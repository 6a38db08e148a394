/**
 * The store contract for safeguarding: moderation cases and sanctions (decided once, one sanction
 * of a kind in force per subject). Runs inside `storeContract` (contract.ts) on the store it opened.
 */
import { beforeEach, describe, expect, test } from 'bun:test';
import { DuplicateSanctionError, type Sanction, type Store } from './types';

export function casesContract(current: () => Store) {
  describe('moderation cases and sanctions', () => {
    let store: Store;
    beforeEach(() => {
      store = current();
    });

    test('moderation cases: create, byId, list newest first by status and severity, decide once', async () => {
      const base = { roomId: 'r1', messageId: 'm1', senderId: 's1', labels: ['sexual_solicitation'], scores: { sexual_solicitation: 0.97 }, text: 'the flagged text', modelVersion: '1.0.0+abcd', severity: 'hold' as const, towardsMinor: true };
      const a = await store.cases.create({ ...base, now: 1000 });
      const b = await store.cases.create({ ...base, messageId: 'm2', severity: 'review', now: 2000 });
      expect(a).toMatchObject({ ...base, status: 'open', createdAt: 1000, decidedBy: null, decidedAt: null, decision: null, reason: null, judgedLabels: null });
      expect(await store.cases.byId(a.id)).toEqual(a);
      expect(await store.cases.byId('missing')).toBeNull();
      expect((await store.cases.list()).map((c) => c.id)).toEqual([b.id, a.id]);
      expect((await store.cases.list({ limit: 1 })).map((c) => c.id)).toEqual([b.id]);
      // Oldest first (the queue of held messages), and counts without the page's limit.
      expect((await store.cases.list({ oldestFirst: true, limit: 1 })).map((c) => c.id)).toEqual([a.id]);
      expect(await store.cases.count()).toBe(2);
      expect(await store.cases.count({ status: 'open', severity: 'hold' })).toBe(1);
      expect(await store.cases.count({ severity: 'review', status: 'decided' })).toBe(0);
      // A label added once to an open case (a member's report); never twice, never to a decided one.
      expect(await store.cases.addLabel(b.id, 'reported')).toBe(true);
      expect(await store.cases.addLabel(b.id, 'reported')).toBe(false);
      expect((await store.cases.byId(b.id))!.labels).toEqual(['sexual_solicitation', 'reported']);
      // By label: cases that carry it, among others (a welfare concern the officers must not miss).
      expect((await store.cases.list({ label: 'reported' })).map((c) => c.id)).toEqual([b.id]);
      expect((await store.cases.list({ label: 'sexual_solicitation', status: 'open' })).map((c) => c.id)).toEqual([b.id, a.id]);
      expect(await store.cases.count({ label: 'reported', status: 'open' })).toBe(1);
      expect(await store.cases.count({ label: 'report' })).toBe(0);
      const decided = await store.cases.decide(a.id, { decidedBy: 'officer', decision: 'release', reason: 'benign', now: 3000 });
      expect(decided).toMatchObject({ id: a.id, status: 'decided', decidedBy: 'officer', decidedAt: 3000, decision: 'release', reason: 'benign', judgedLabels: null });
      expect(await store.cases.decide(a.id, { decidedBy: 'other', decision: 'uphold', reason: 'late' })).toBeNull();
      expect(await store.cases.byId(a.id)).toEqual(decided!);
      expect((await store.cases.list({ status: 'open' })).map((c) => c.id)).toEqual([b.id]);
      expect((await store.cases.list({ status: 'decided' })).map((c) => c.id)).toEqual([a.id]);
      expect((await store.cases.list({ severity: 'review' })).map((c) => c.id)).toEqual([b.id]);
      expect((await store.cases.list({ severity: 'hold' })).map((c) => c.id)).toEqual([a.id]);
      expect(await store.cases.list({ status: 'open', severity: 'hold' })).toEqual([]);
      // Only hold-level cases towards minors, in the window, count towards automatic restriction.
      await store.cases.create({ ...base, messageId: 'm3', towardsMinor: false, now: 2500 });
      await store.cases.create({ ...base, senderId: 's2', messageId: 'm4', now: 2500 });
      // `a` was released (judged benign): it does not count.
      expect(await store.cases.countHolds('s1', 0)).toBe(0);
      const up = await store.cases.create({ ...base, messageId: 'm6', now: 1500 });
      // The officer's judged labels are kept as given ([] = benign; absent = not asked).
      const judged = await store.cases.decide(up.id, { decidedBy: 'officer', decision: 'uphold', reason: 'grooming', judgedLabels: ['sexual_solicitation', 'grooming_signal'] });
      expect(judged?.judgedLabels).toEqual(['sexual_solicitation', 'grooming_signal']);
      expect((await store.cases.byId(up.id))?.judgedLabels).toEqual(['sexual_solicitation', 'grooming_signal']);
      const benign = await store.cases.create({ ...base, messageId: 'm7', now: 1200 });
      expect((await store.cases.decide(benign.id, { decidedBy: 'officer', decision: 'release', reason: 'a greeting', judgedLabels: [] }))?.judgedLabels).toEqual([]);
      expect((await store.cases.byId(benign.id))?.judgedLabels).toEqual([]);
      expect(await store.cases.countHolds('s1', 0)).toBe(1);
      expect(await store.cases.countHolds('s1', 1501)).toBe(0);
      await store.cases.create({ ...base, messageId: 'm5', now: 4000 });
      expect(await store.cases.countHolds('s1', 1000)).toBe(2);
      expect((await store.cases.list({ messageId: 'm5' })).map((c) => c.messageId)).toEqual(['m5']);
      expect(await store.cases.countHolds('nobody', 0)).toBe(0);
      expect((await store.cases.list({ senderId: 's1', since: 2500 })).map((c) => c.messageId)).toEqual(['m5', 'm3']);
    });

    test('sanctions: create, filter, newest first, transitions are compare-and-set', async () => {
      const base = { kind: 'block' as const, userId: 'u1', roomId: 'r1', caseIds: ['c1', 'c2'], clause: 'SG-2', reason: 'Grooming messages to a student', evidence: 'the words', actorId: 'officer-a', deadline: 9_000 };
      const a = await store.sanctions.create({ ...base, now: 1000 });
      const b = await store.sanctions.create({ ...base, kind: 'freeze', userId: null, roomId: 'r2', actorId: null, now: 2000 });
      const c = await store.sanctions.create({ ...base, kind: 'restriction', actorId: null, now: 3000 });
      expect(a).toMatchObject({ ...base, status: 'active', createdAt: 1000, statement: null, statementBy: null, statementAt: null, decidedBy: null, decidedAt: null, decisionReason: null });
      expect(await store.sanctions.byId(a.id)).toEqual(a);
      expect(await store.sanctions.byId('missing')).toBeNull();
      const ids = (xs: { id: string }[]) => xs.map((x) => x.id);
      expect(ids(await store.sanctions.list())).toEqual([c.id, b.id, a.id]);
      expect(ids(await store.sanctions.list({ userId: 'u1' }))).toEqual([c.id, a.id]);
      expect(ids(await store.sanctions.list({ roomId: 'r2', kind: ['freeze'] }))).toEqual([b.id]);
      expect(ids(await store.sanctions.list({ kind: ['block', 'restriction'], limit: 1 }))).toEqual([c.id]);
      expect(ids(await store.sanctions.list({ status: [] }))).toEqual([]);
      expect(ids(await store.sanctions.list({ roomIds: ['r2', 'r9'] }))).toEqual([b.id]);
      expect(ids(await store.sanctions.list({ roomIds: ['r1', 'r2'], kind: ['block', 'freeze'] }))).toEqual([b.id, a.id]);
      expect(ids(await store.sanctions.list({ roomIds: ['r1'], roomId: 'r2' }))).toEqual([]);
      expect(ids(await store.sanctions.list({ roomIds: [] }))).toEqual([]);
      const appealed = await store.sanctions.transition(a.id, ['active'], { status: 'appealed', statement: 'I was asking about homework', statementBy: 'u1', statementAt: 4000 });
      expect(appealed).toMatchObject({ id: a.id, status: 'appealed', statement: 'I was asking about homework', statementBy: 'u1', statementAt: 4000 });
      // A second statement (status no longer active) changes nothing.
      expect(await store.sanctions.transition(a.id, ['active'], { status: 'appealed', statement: 'again' })).toBeNull();
      const decided = await store.sanctions.transition(a.id, ['appealed'], { status: 'overturned', decidedBy: 'officer-b', decidedAt: 5000, decisionReason: 'context shows homework' });
      expect(decided).toMatchObject({ status: 'overturned', decidedBy: 'officer-b', decidedAt: 5000, decisionReason: 'context shows homework', statement: 'I was asking about homework' });
      expect(await store.sanctions.byId(a.id)).toEqual(decided!);
      expect(ids(await store.sanctions.list({ status: ['active', 'appealed', 'upheld'] }))).toEqual([c.id, b.id]);
      expect(await store.sanctions.transition('missing', ['active'], { status: 'lifted' })).toBeNull();
    });

    test('sanctions: one block and one restriction per account, one freeze per room while in force', async () => {
      const base = { kind: 'block' as const, userId: 'u9', roomId: 'r9', caseIds: ['c1'], clause: 'SG-2', reason: 'r', evidence: 'e', actorId: 'officer-a', deadline: 9_000 };
      // Two servers blocking the same account at the same moment: exactly one block.
      const racing = await Promise.allSettled(Array.from({ length: 4 }, () => store.sanctions.create(base)));
      expect(racing.filter((r) => r.status === 'fulfilled').length).toBe(1);
      for (const r of racing) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DuplicateSanctionError);
      const block = (racing.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<Sanction>).value;
      // Other kinds and subjects have their own slots; removals have none.
      const restriction = await store.sanctions.create({ ...base, kind: 'restriction', actorId: null });
      await expect(store.sanctions.create({ ...base, kind: 'restriction' })).rejects.toBeInstanceOf(DuplicateSanctionError);
      await store.sanctions.create({ ...base, userId: 'u10' });
      await store.sanctions.create({ ...base, kind: 'removal' });
      await store.sanctions.create({ ...base, kind: 'removal' });
      await store.sanctions.create({ ...base, kind: 'freeze', userId: null });
      await expect(store.sanctions.create({ ...base, kind: 'freeze', userId: null, actorId: 'officer-b' })).rejects.toBeInstanceOf(DuplicateSanctionError);
      // Appealed and upheld are still in force; overturned and lifted free the slot.
      await store.sanctions.transition(block.id, ['active'], { status: 'appealed' });
      await store.sanctions.transition(block.id, ['appealed'], { status: 'upheld' });
      await expect(store.sanctions.create(base)).rejects.toBeInstanceOf(DuplicateSanctionError);
      await store.sanctions.transition(block.id, ['upheld'], { status: 'lifted' });
      const again = await store.sanctions.create(base);
      expect(again.status).toBe('active');
      await store.sanctions.transition(restriction.id, ['active'], { status: 'appealed' });
      await store.sanctions.transition(restriction.id, ['appealed'], { status: 'overturned' });
      await store.sanctions.create({ ...base, kind: 'restriction' });
      expect((await store.sanctions.list({ userId: 'u9', kind: ['block'], status: ['active', 'appealed', 'upheld'] })).map((s) => s.id)).toEqual([again.id]);
    });
  });
}
