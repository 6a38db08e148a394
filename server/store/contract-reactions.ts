/**
 * The store contract for reactions to messages. Runs inside `storeContract` (contract.ts) on the
 * store it opened; a reason of its own to change, so apart from the rest of chat (contract-chat.ts).
 */
import { beforeEach, describe, expect, test } from 'bun:test';
import { appendText, newRoom } from './contract-chat';
import type { Store } from './types';

export function reactionsContract(current: () => Store) {
  describe('reactions', () => {
    let store: Store;
    beforeEach(() => {
      store = current();
    });
    const send = (roomId: string, senderId: string, body: string) => appendText(store, roomId, senderId, body);

    test("reactions: one per person and emoji, counted per message with the viewer's own; changes are marked in time, never written on the message", async () => {
      const room = await store.rooms.create(newRoom(), []);
      const other = await store.rooms.create(newRoom(), []);
      const { message: m } = await send(room.id, 's1', 'exam on Friday');
      const { message: n } = await send(room.id, 's1', 'room 2B');
      expect(await store.messages.react(room.id, m.id, 'u1', '👍', true, 1_000)).toBe(true);
      expect(await store.messages.react(room.id, m.id, 'u1', '👍', true, 1_001)).toBe(false); // already so
      const both = await Promise.all([store.messages.react(room.id, m.id, 'u2', '👍', true, 2_000), store.messages.react(room.id, m.id, 'u2', '👍', true, 2_000)]);
      expect(both.filter(Boolean)).toHaveLength(1);
      await store.messages.react(room.id, m.id, 'u2', '🙏', true, 3_000);
      await store.messages.react(room.id, n.id, 'u3', '😂', true, 4_000);
      expect(await store.messages.react(room.id, m.id, 'u3', '👍', false, 5_000)).toBe(false); // never there
      expect(await store.messages.react(other.id, m.id, 'u3', '👍', true, 5_000)).toBe(false); // not this room's
      // The message is untouched: no rev, so no edit, delete or hide races it.
      expect(await store.messages.byId(room.id, m.id)).toEqual(m);
      expect((await store.rooms.byId(room.id))?.lastSeq).toBe(2);
      expect(await store.messages.reactions(room.id, [m.id, n.id], 'u2')).toEqual(
        new Map([
          [m.id, [{ emoji: '👍', count: 2, mine: true }, { emoji: '🙏', count: 1, mine: true }]],
          [n.id, [{ emoji: '😂', count: 1, mine: false }]],
        ]),
      );
      expect((await store.messages.reactions(room.id, [m.id]))?.get(m.id)).toEqual([{ emoji: '👍', count: 2, mine: false }, { emoji: '🙏', count: 1, mine: false }]);
      expect(await store.messages.reactions(other.id, [m.id], 'u2')).toEqual(new Map());
      // Changed since: by the time of each message's last change, oldest first.
      expect(await store.messages.reactionsChangedSince(room.id, 0, 10)).toEqual([m.id, n.id]);
      expect(await store.messages.reactionsChangedSince(room.id, 3_000, 10)).toEqual([n.id]);
      expect(await store.messages.react(room.id, m.id, 'u1', '👍', false, 6_000)).toBe(true);
      expect(await store.messages.reactionsChangedSince(room.id, 4_000, 10)).toEqual([m.id]);
      expect(await store.messages.reactionsChangedSince(room.id, 0, 1)).toEqual([n.id]);
      expect(await store.messages.reactionsChangedSince(other.id, 0, 10)).toEqual([]);
      expect((await store.messages.reactions(room.id, [m.id], 'u1')).get(m.id)).toEqual([{ emoji: '👍', count: 1, mine: false }, { emoji: '🙏', count: 1, mine: false }]);
      // A deleted message takes its reactions with it, and takes none.
      await store.messages.delete(room.id, m.id, 's1');
      expect(await store.messages.reactions(room.id, [m.id], 'u2')).toEqual(new Map());
      expect(await store.messages.react(room.id, m.id, 'u1', '😂', true)).toBe(false);
      expect(await store.messages.reactions(room.id, [])).toEqual(new Map());
    });
  });
}
