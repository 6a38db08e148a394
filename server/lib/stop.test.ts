import { expect, test } from 'bun:test';
import { stopServer } from './stop';

test('a graceful stop that finishes is enough; one held open (an open socket) is forced after the grace time', async () => {
  const calls: (boolean | undefined)[] = [];
  const quick = { stop: async (force?: boolean) => void calls.push(force) };
  expect(await stopServer(quick, 1000)).toBe('graceful');
  expect(calls).toEqual([undefined]);

  calls.length = 0;
  let release!: () => void;
  const held = { stop: (force?: boolean) => (calls.push(force), force ? (release(), Promise.resolve()) : new Promise<void>((r) => (release = r))) };
  const started = Date.now();
  expect(await stopServer(held, 50)).toBe('forced');
  expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  expect(calls).toEqual([undefined, true]);
});
