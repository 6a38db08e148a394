/**
 * The store contract for lecture attendance: a lecture's record and its seats only move forward
 * (writes from a lecture's node may land out of order), listed newest first by room.
 * Runs inside `storeContract` (contract.ts).
 */
import { beforeEach, describe, expect, test } from 'bun:test';
import type { LectureRefusal, LectureSeat, Store } from './types';

export function lecturesContract(current: () => Store) {
  describe('lectures', () => {
    let store: Store;
    beforeEach(() => {
      store = current();
    });
    const id = (s: string) => `${s}-${crypto.randomUUID()}`;

    test('a lecture: lastAt only grows, endedAt is set once; listed newest first by room, a page at a time', async () => {
      const [room, other, host] = [id('room'), id('other'), id('host')];
      const [l1, l2, l3] = [id('l1'), id('l2'), id('l3')];
      await store.lectures.save({ id: l1, roomId: room, startedBy: host, startedAt: 1_000, lastAt: 1_000, endedAt: null });
      await store.lectures.save({ id: l1, roomId: room, startedBy: host, startedAt: 1_000, lastAt: 61_000, endedAt: null });
      await store.lectures.save({ id: l1, roomId: room, startedBy: host, startedAt: 1_000, lastAt: 30_000, endedAt: null }); // late: stays at 61,000
      expect(await store.lectures.get(l1)).toEqual({ id: l1, roomId: room, startedBy: host, startedAt: 1_000, lastAt: 61_000, endedAt: null });
      await store.lectures.save({ id: l1, roomId: room, startedBy: host, startedAt: 1_000, lastAt: 90_000, endedAt: 90_000 });
      await store.lectures.save({ id: l1, roomId: room, startedBy: host, startedAt: 1_000, lastAt: 95_000, endedAt: 95_000 }); // a second end moves nothing back
      await store.lectures.save({ id: l1, roomId: room, startedBy: host, startedAt: 1_000, lastAt: 80_000, endedAt: null }); // nor reopens it
      expect(await store.lectures.get(l1)).toMatchObject({ lastAt: 95_000, endedAt: 90_000 });
      expect(await store.lectures.get(id('none'))).toBeNull();

      await store.lectures.save({ id: l2, roomId: room, startedBy: host, startedAt: 200_000, lastAt: 200_000, endedAt: null });
      await store.lectures.save({ id: l3, roomId: room, startedBy: host, startedAt: 100_000, lastAt: 100_000, endedAt: null });
      await store.lectures.save({ id: id('l4'), roomId: other, startedBy: host, startedAt: 150_000, lastAt: 150_000, endedAt: null });
      expect((await store.lectures.list(room, { limit: 10 })).map((l) => l.id)).toEqual([l2, l3, l1]);
      expect((await store.lectures.list(room, { limit: 2 })).map((l) => l.id)).toEqual([l2, l3]);
      expect((await store.lectures.list(room, { limit: 2, before: 100_000 })).map((l) => l.id)).toEqual([l1]);
      expect(await store.lectures.list(id('empty'), { limit: 10 })).toEqual([]);
    });

    test('seats: to only grows; read by lecture, or one person’s', async () => {
      const [l1, l2, ada, bola] = [id('l1'), id('l2'), id('ada'), id('bola')];
      await store.lectures.seat({ lectureId: l1, seatId: 's1', userId: ada, from: 1_000, to: 1_000 });
      await store.lectures.seat({ lectureId: l1, seatId: 's1', userId: ada, from: 1_000, to: 60_000 });
      await store.lectures.seat({ lectureId: l1, seatId: 's1', userId: ada, from: 1_000, to: 30_000 }); // late
      await store.lectures.seat({ lectureId: l1, seatId: 's2', userId: bola, from: 5_000, to: 9_000 });
      await store.lectures.seat({ lectureId: l2, seatId: 's1', userId: ada, from: 100_000, to: 160_000 }); // same seat id, another lecture
      const sort = (xs: LectureSeat[]) => [...xs].sort((a, b) => (a.lectureId + a.seatId < b.lectureId + b.seatId ? -1 : 1));
      expect(sort(await store.lectures.seats([l1]))).toEqual(sort([
        { lectureId: l1, seatId: 's1', userId: ada, from: 1_000, to: 60_000 },
        { lectureId: l1, seatId: 's2', userId: bola, from: 5_000, to: 9_000 },
      ]));
      expect(sort(await store.lectures.seats([l1, l2], ada))).toEqual(sort([
        { lectureId: l1, seatId: 's1', userId: ada, from: 1_000, to: 60_000 },
        { lectureId: l2, seatId: 's1', userId: ada, from: 100_000, to: 160_000 },
      ]));
      expect(await store.lectures.seats([])).toEqual([]);
      expect(await store.lectures.seats([l2], bola)).toEqual([]);
    });

    test('turned away: the first time per person and lecture is kept; read by lecture, or one person’s', async () => {
      const [l1, l2, ada, bola] = [id('l1'), id('l2'), id('ada'), id('bola')];
      await store.lectures.turnedAway({ lectureId: l1, userId: ada, at: 5_000 });
      await store.lectures.turnedAway({ lectureId: l1, userId: ada, at: 9_000 }); // again: the first stays
      await store.lectures.turnedAway({ lectureId: l1, userId: ada, at: 3_000 }); // an earlier write landing late
      await store.lectures.turnedAway({ lectureId: l1, userId: bola, at: 6_000 });
      await store.lectures.turnedAway({ lectureId: l2, userId: ada, at: 7_000 });
      const sort = (xs: LectureRefusal[]) => [...xs].sort((a, b) => (a.lectureId + a.userId < b.lectureId + b.userId ? -1 : 1));
      expect(sort(await store.lectures.refusals([l1]))).toEqual(sort([{ lectureId: l1, userId: ada, at: 3_000 }, { lectureId: l1, userId: bola, at: 6_000 }]));
      expect(sort(await store.lectures.refusals([l1, l2], ada))).toEqual(sort([{ lectureId: l1, userId: ada, at: 3_000 }, { lectureId: l2, userId: ada, at: 7_000 }]));
      expect(await store.lectures.refusals([])).toEqual([]);
    });

    test('a lecture removed goes with its seats and refusals; others stay', async () => {
      const [room, l1, l2, ada] = [id('room'), id('l1'), id('l2'), id('ada')];
      for (const [l, at] of [[l1, 1_000], [l2, 2_000]] as const) {
        await store.lectures.save({ id: l, roomId: room, startedBy: ada, startedAt: at, lastAt: at, endedAt: at });
        await store.lectures.seat({ lectureId: l, seatId: 's', userId: ada, from: at, to: at + 10 });
        await store.lectures.turnedAway({ lectureId: l, userId: id('bola'), at });
      }
      expect(await store.lectures.remove(l1)).toBe(true);
      expect(await store.lectures.remove(l1)).toBe(false);
      expect(await store.lectures.get(l1)).toBeNull();
      expect((await store.lectures.list(room, { limit: 5 })).map((l) => l.id)).toEqual([l2]);
      expect((await store.lectures.seats([l1, l2])).map((s) => s.lectureId)).toEqual([l2]);
      expect((await store.lectures.refusals([l1, l2])).map((r) => r.lectureId)).toEqual([l2]);
    });
  });
}
