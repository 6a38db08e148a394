/**
 * The store contract for pinned messages: one pin per message, at most `max` per room, newest
 * first. Runs inside `storeContract` (contract.ts).
 */
import { beforeEach, describe, expect, test } from 'bun:test';
import type { Store } from './types';

export function pinsContract(current: () => Store) {
  describe('pins', () => {
    let store: Store;
    beforeEach(() => {
      store = current();
    });
    const id = (s: string) => `${s}-${crypto.randomUUID()}`;

    test('a message is pinned once; a room holds at most `max`; unpinning frees a place; listed newest first', async () => {
      const [room, other, ada] = [id('room'), id('other'), id('ada')];
      expect(await store.pins.pin({ roomId: room, messageId: 'm1', pinnedBy: ada, at: 1_000 }, 2)).toBe('pinned');
      expect(await store.pins.pin({ roomId: room, messageId: 'm1', pinnedBy: ada, at: 5_000 }, 2)).toBe('already');
      expect(await store.pins.pin({ roomId: room, messageId: 'm2', pinnedBy: ada, at: 2_000 }, 2)).toBe('pinned');
      expect(await store.pins.pin({ roomId: room, messageId: 'm3', pinnedBy: ada, at: 3_000 }, 2)).toBe('full');
      // Another room's places are its own.
      expect(await store.pins.pin({ roomId: other, messageId: 'm3', pinnedBy: ada, at: 3_000 }, 2)).toBe('pinned');
      expect(await store.pins.list(room)).toEqual([
        { roomId: room, messageId: 'm2', pinnedBy: ada, at: 2_000 },
        { roomId: room, messageId: 'm1', pinnedBy: ada, at: 1_000 },
      ]);
      expect(await store.pins.unpin(room, 'm1')).toBe(true);
      expect(await store.pins.unpin(room, 'm1')).toBe(false);
      expect(await store.pins.pin({ roomId: room, messageId: 'm3', pinnedBy: ada, at: 4_000 }, 2)).toBe('pinned');
      expect((await store.pins.list(room)).map((p) => p.messageId)).toEqual(['m3', 'm2']);
      expect(await store.pins.list(id('empty'))).toEqual([]);
    });
  });
}
