import { describe, expect, test } from 'bun:test';
import { clearUserData } from './outbox';

/** A Storage kept in a Map (bun has no localStorage). */
function memoryStorage(entries: Record<string, string>): Storage {
  const m = new Map(Object.entries(entries));
  return {
    get length() {
      return m.size;
    },
    key: (i: number) => [...m.keys()][i] ?? null,
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
    clear: () => m.clear(),
  };
}

describe('clearing per-user data at sign-in', () => {
  test("every person's outbox goes; settings that belong to no one stay", () => {
    const local = memoryStorage({ 'lt-outbox:u1': '[{"body":"hi"}]', 'lt-outbox:u2': '[]', 'letstalk.transfer.relay': '1' });
    const session = memoryStorage({ 'lt-draft': 'x' });
    expect(clearUserData([local, session])).toBe(3);
    expect([local.length, local.key(0), session.length]).toEqual([1, 'letstalk.transfer.relay', 0]);
  });

  test('a storage that throws (disabled by the browser) is skipped', () => {
    const broken = { get length(): number { throw new Error('SecurityError'); } } as unknown as Storage;
    const local = memoryStorage({ 'lt-outbox:u1': '[]' });
    expect(clearUserData([broken, local])).toBe(1);
  });
});
