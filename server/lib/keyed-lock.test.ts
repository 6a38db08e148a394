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

test('a wider lock lets that many calls of one key run at once, the rest in call order', async () => {
  const lock = new KeyedLock(2);
  let running = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      lock.run('hall', async () => {
        most = Math.max(most, ++running);
        await Bun.sleep(10);
        order.push(i);
        running--;
      }),
    ),
  );
  expect(most).toBe(2);
  expect(order.slice(0, 2).sort()).toEqual([0, 1]);
  expect(order.slice(2).sort()).toEqual([2, 3, 4, 5]);
  expect(lock.size).toBe(0);
});
