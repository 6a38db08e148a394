import { expect, test } from 'bun:test';
import { withTimeout } from './timeout';

test('the value when it comes first; the timeout error when the time runs out first', async () => {
  expect(await withTimeout(Promise.resolve(7), 1000, () => new Error('late'))).toBe(7);
  await expect(withTimeout(Bun.sleep(200).then(() => 7), 10, () => new Error('late'))).rejects.toThrow('late');
  await expect(withTimeout(Promise.reject(new Error('own')), 1000, () => new Error('late'))).rejects.toThrow('own');
});

test('a rejection after the timeout is not unhandled', async () => {
  const late = Bun.sleep(30).then(() => Promise.reject(new Error('after')));
  await expect(withTimeout(late, 5, () => new Error('late'))).rejects.toThrow('late');
  await Bun.sleep(50); // an unhandled rejection would fail the test run here
});
