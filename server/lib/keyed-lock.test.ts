import { expect, test } from 'bun:test';
import { KeyedLock } from './keyed-lock';

test('same key runs in call order, even after a failure; other keys do not wait; keys are forgotten', async () => {
  const lock = new KeyedLock();
  const order: string[] = [];
  const slow = lock.run('a', async () => (await Bun.sleep(30), order.push('a1')));
  const failing = lock.run('a', async () => {
    order.push('a2');
    throw new Error('boom');
  });
  const after = lock.run('a', async () => order.push('a3'));
  const other = lock.run('b', async () => order.push('b1'));
  await Promise.all([slow, other, after, failing.catch(() => {})]);
  expect(order).toEqual(['b1', 'a1', 'a2', 'a3']);
  await Bun.sleep(0);
  expect(lock.size).toBe(0);
});
