/**
 * The store contract for polls: a person's choices replace her earlier ones, a closed poll takes
 * no vote, tallies count people once, changes are found by time. Runs inside `storeContract` (contract.ts).
 */
import { beforeEach, describe, expect, test } from 'bun:test';
import type { Store } from './types';

export function pollsContract(current: () => Store) {
  describe('polls', () => {
    let store: Store;
    beforeEach(() => {
      store = current();
    });
    const id = (s: string) => `${s}-${crypto.randomUUID()}`;

    const vote = (roomId: string, messageId: string, userId: string, option: number, on = true, single = true, at = Date.now()) => store.polls.vote({ roomId, messageId, userId, option, on, single, at });

    test('one answer: choosing replaces; several: each on or off; the same request twice changes nothing; tallies count people once and say the reader’s choices', async () => {
      const [room, ada, bola, chi] = [id('room'), id('ada'), id('bola'), id('chi')];
      expect(await store.polls.tallies(room, ['p1'])).toEqual(new Map());
      expect(await vote(room, 'p1', ada, 0)).toBe('changed');
      expect(await vote(room, 'p1', ada, 2)).toBe('changed');
      expect(await vote(room, 'p1', ada, 2)).toBe('same');
      expect(await vote(room, 'p1', bola, 0, true, false)).toBe('changed');
      expect(await vote(room, 'p1', bola, 2, true, false)).toBe('changed');
      expect(await vote(room, 'p1', bola, 2, true, false)).toBe('same');
      expect(await vote(room, 'p1', chi, 1)).toBe('changed');
      expect(await vote(room, 'p1', chi, 1, false)).toBe('changed');
      expect(await vote(room, 'p1', chi, 1, false)).toBe('same');
      expect(await vote(room, 'p2', chi, 1)).toBe('changed');
      const t = await store.polls.tallies(room, ['p1', 'p2', 'nothing'], bola);
      expect([...t.keys()].sort()).toEqual(['p1', 'p2']);
      expect(t.get('p1')).toEqual({ counts: [1, 0, 2], voters: 2, mine: [0, 2], closedAt: null, closedBy: null });
      expect(t.get('p2')).toEqual({ counts: [0, 1], voters: 1, mine: [], closedAt: null, closedBy: null });
      expect((await store.polls.tallies(room, ['p1'])).get('p1')!.mine).toEqual([]);
      // Another room's poll of the same id is its own.
      expect(await store.polls.tallies(id('other'), ['p1'])).toEqual(new Map());
      expect(await store.polls.ballots(room, 'p1')).toEqual(
        [
          { userId: ada, option: 2 },
          { userId: bola, option: 0 },
          { userId: bola, option: 2 },
        ].sort((a, b) => a.option - b.option || (a.userId < b.userId ? -1 : 1)),
      );
    });

    test('two answers chosen at once by one person (two devices) are both kept', async () => {
      const [room, ada] = [id('room'), id('ada')];
      await Promise.all([0, 1, 2, 3].map((o) => vote(room, 'p1', ada, o, true, false)));
      expect((await store.polls.tallies(room, ['p1'], ada)).get('p1')).toMatchObject({ counts: [1, 1, 1, 1], voters: 1, mine: [0, 1, 2, 3] });
    });

    test('a closed poll takes no vote and keeps its votes; closing twice is refused; changes are found by time; remove forgets', async () => {
      const [room, ada, bola] = [id('room'), id('ada'), id('bola')];
      await vote(room, 'p1', ada, 1, true, true, 1_000);
      await vote(room, 'p2', ada, 0, true, true, 2_000);
      expect(await store.polls.close(room, 'p1', bola, 3_000)).toBe(true);
      expect(await store.polls.close(room, 'p1', ada, 3_500)).toBe(false);
      expect(await vote(room, 'p1', bola, 0, true, true, 4_000)).toBe('closed');
      expect(await vote(room, 'p1', ada, 1, false, true, 4_000)).toBe('closed');
      // A poll nobody voted in can be closed too.
      expect(await store.polls.close(room, 'p3', bola, 5_000)).toBe(true);
      const t = await store.polls.tallies(room, ['p1', 'p3']);
      expect(t.get('p1')).toEqual({ counts: [0, 1], voters: 1, mine: [], closedAt: 3_000, closedBy: bola });
      expect(t.get('p3')).toEqual({ counts: [], voters: 0, mine: [], closedAt: 5_000, closedBy: bola });
      expect(await store.polls.changedSince(room, 0, 10)).toEqual(['p2', 'p1', 'p3']);
      expect(await store.polls.changedSince(room, 2_500, 10)).toEqual(['p1', 'p3']);
      // The newest `limit` changes, oldest of them first.
      expect(await store.polls.changedSince(room, 0, 2)).toEqual(['p1', 'p3']);
      await store.polls.remove(room, 'p1');
      expect(await store.polls.tallies(room, ['p1'])).toEqual(new Map());
      expect(await store.polls.ballots(room, 'p1')).toEqual([]);
      expect(await store.polls.changedSince(room, 0, 10)).toEqual(['p2', 'p3']);
    });
  });
}
