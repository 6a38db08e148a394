/**
 * The store contract for emails about missed messages: the queue (one entry per person and room,
 * taken once), who was seen online, each person's choice. Runs inside `storeContract` (contract.ts).
 */
import { beforeEach, describe, expect, test } from 'bun:test';
import type { Store } from './types';

export function mailContract(current: () => Store) {
  describe('mail', () => {
    let store: Store;
    beforeEach(() => {
      store = current();
    });
    const id = (s: string) => `${s}-${crypto.randomUUID()}`;

    test('mail queue: one entry per person and room at its earliest due time and lowest seq; a due person is taken whole, once', async () => {
      const [ada, bola, chi] = [id('ada'), id('bola'), id('chi')];
      const [r1, r2] = [id('r1'), id('r2')].sort() as [string, string];
      await store.mail.queue(r1, [ada, bola], 5_000, 7);
      await store.mail.queue(r1, [ada], 9_000, 9); // later: Ada stays due at 5,000 from seq 7
      await store.mail.queue(r2, [ada, chi], 20_000, 3);
      await store.mail.queue(r1, [chi], 30_000, 12);
      await store.mail.queue(r1, [chi], 15_000, 11); // earlier: Chi is due at 15,000 from seq 11
      expect(await store.mail.takeDue(4_999, 10)).toEqual(new Map());
      // Ada's room due later comes with the one due now: one email covers both.
      expect(await store.mail.takeDue(5_000, 10)).toEqual(
        new Map([
          [ada, [{ roomId: r1, fromSeq: 7 }, { roomId: r2, fromSeq: 3 }]],
          [bola, [{ roomId: r1, fromSeq: 7 }]],
        ]),
      );
      expect(await store.mail.takeDue(5_000, 10)).toEqual(new Map());
      const both = await Promise.all([store.mail.takeDue(15_000, 10), store.mail.takeDue(15_000, 10)]);
      // Each entry is taken by one caller only, whichever (on MongoDB two callers at the same
      // instant may each take some of one person's rooms: never the same room twice).
      const entries = both.flatMap((m) => [...m.entries()]);
      expect(new Set(entries.map(([u]) => u))).toEqual(new Set([chi]));
      expect(entries.flatMap(([, rooms]) => rooms).sort((a, b) => (a.roomId < b.roomId ? -1 : 1))).toEqual([{ roomId: r1, fromSeq: 11 }, { roomId: r2, fromSeq: 3 }]);
      // Queued again after being taken: a new entry.
      await store.mail.queue(r2, [ada], 40_000, 30);
      expect(await store.mail.takeDue(50_000, 10)).toEqual(new Map([[ada, [{ roomId: r2, fromSeq: 30 }]]]));
      await store.mail.queue(r1, [], 1, 1);
    });

    test('mail queue: at most `limit` people per take, the earliest due first', async () => {
      const room = id('room');
      const people = [id('p1'), id('p2'), id('p3')];
      await store.mail.queue(room, [people[2]!], 3, 1);
      await store.mail.queue(room, [people[0]!], 1, 1);
      await store.mail.queue(room, [people[1]!], 2, 1);
      expect([...(await store.mail.takeDue(10, 2)).keys()]).toEqual([people[0]!, people[1]!]);
      expect([...(await store.mail.takeDue(10, 2)).keys()]).toEqual([people[2]!]);
    });

    test('mail state: seen only moves forward; off is kept until changed', async () => {
      const ada = id('ada');
      expect(await store.mail.state(ada)).toEqual({ lastSeenAt: null, off: false });
      await store.mail.seen([ada, ada], 2_000);
      await store.mail.seen([ada], 1_000);
      expect((await store.mail.state(ada)).lastSeenAt).toBe(2_000);
      await store.mail.setOff(ada, true);
      await store.mail.seen([ada], 3_000);
      expect(await store.mail.state(ada)).toEqual({ lastSeenAt: 3_000, off: true });
      await store.mail.setOff(ada, false);
      expect(await store.mail.state(ada)).toEqual({ lastSeenAt: 3_000, off: false });
      // Turned off before she was ever seen.
      const bola = id('bola');
      await store.mail.setOff(bola, true);
      expect(await store.mail.state(bola)).toEqual({ lastSeenAt: null, off: true });
      await store.mail.seen([], 1);
    });
  });
}
