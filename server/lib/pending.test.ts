import { expect, test } from 'bun:test';
import { Pending } from './pending';

test('drain waits for the work under way and for work added while it waits; settled work is forgotten', async () => {
  const pending = new Pending();
  const order: string[] = [];
  pending.add(Bun.sleep(20).then(() => {
    order.push('first');
    pending.add(Bun.sleep(20).then(() => order.push('added meanwhile')));
  }));
  expect(pending.size).toBe(1);
  await pending.drain();
  expect(order).toEqual(['first', 'added meanwhile']);
  expect(pending.size).toBe(0);
});
