/**
 * The store contract for emails about missed messages: the queue (one entry per person and room,
 * taken once), who was seen online, each person's state. Runs inside `storeContract` (contract.ts).
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

    test('mail queue: one entry per person and room at its earliest due time; a due person is taken whole, once', async () => {
      const [ada, bola, chi] = [id('ada'), id('bola'), id('chi')];
      const [r1, r2] = [id('r1'), id('r2')].sort();
      await store.mail.queue(r1!, [ada, bola], 5_000);
      await store.mail.queue(r1!, [ada], 9_000); // later: Ada stays due at 5,000
      await store.mail.queue(r2!, [ada, chi], 20_000);
      await store.mail.queue(r1!, [chi], 30_000);
      await store.mail.queue(r1!, [chi], 15_000); // earlier: Chi is due at 15,000
      expect(await store.mail.takeDue(4_999, 10)).toEqual(new Map());
      const first = await store.mail.takeDue(5_000, 10);
      // Ada's room due later comes with the one due now: one email covers both.
      expect(first).toEqual(new Map([[ada, [r1!, r2!]], [bola, [r1!]]]));
      expect(await store.mail.takeDue(5_000, 10)).toEqual(new Map());
      const both = await Promise.all([store.mail.takeDue(15_000, 10), store.mail.takeDue(15_000, 10)]);
      // Each entry is taken by one caller only, whichever (on MongoDB two callers at the same
      // instant may each take some of one person's rooms: never the same room twice).
      const entries = both.flatMap((m) => [...m.entries()]);
      expect(new Set(entries.map(([u]) => u))).toEqual(new Set([chi]));
      expect(entries.flatMap(([, rooms]) => rooms).sort()).toEqual([r1!, r2!].sort());
      // Queued again after being taken: a new entry.
      await store.mail.queue(r2!, [ada], 40_000);
      expect(await store.mail.takeDue(50_000, 10)).toEqual(new Map([[ada, [r2!]]]));
      await store.mail.queue(r1!, [], 1);
    });

    test('mail queue: at most `limit` people per take, the earliest due first', async () => {
      const room = id('room');
      const people = [id('p1'), id('p2'), id('p3')];
      await store.mail.queue(room, [people[2]!], 3);
      await store.mail.queue(room, [people[0]!], 1);
      await store.mail.queue(room, [people[1]!], 2);
      expect([...(await store.mail.takeDue(10, 2)).keys()]).toEqual([people[0]!, people[1]!]);
      expect([...(await store.mail.takeDue(10, 2)).keys()]).toEqual([people[2]!]);
    });

    test('mail state: seen only moves forward, emailedThrough only rises, off is kept', async () => {
      const ada = id('ada');
      expect(await store.mail.state(ada)).toEqual({ lastSeenAt: null, emailedThrough: 0, off: false });
      await store.mail.seen([ada, ada], 2_000);
      await store.mail.seen([ada], 1_000);
      expect((await store.mail.state(ada)).lastSeenAt).toBe(2_000);
      await store.mail.update(ada, { emailedThrough: 7_000 });
      await store.mail.update(ada, { emailedThrough: 6_000 });
      await store.mail.update(ada, { off: true });
      expect(await store.mail.state(ada)).toEqual({ lastSeenAt: 2_000, emailedThrough: 7_000, off: true });
      await store.mail.update(ada, { off: false, emailedThrough: 8_000 });
      expect(await store.mail.state(ada)).toEqual({ lastSeenAt: 2_000, emailedThrough: 8_000, off: false });
      // A state written before she was ever seen.
      const bola = id('bola');
      await store.mail.update(bola, { off: true });
      expect(await store.mail.state(bola)).toEqual({ lastSeenAt: null, emailedThrough: 0, off: true });
      await store.mail.seen([], 1);
    });
  });
}
