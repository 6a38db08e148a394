import { expect, test } from 'bun:test';
import { SlidingWindowLimiter } from './sliding-window';

test('at most max events per window; the wait counts down to when the oldest leaves the window', () => {
  let now = 1_000_000;
  const l = new SlidingWindowLimiter(3, 10_000, () => now);
  expect([l.take('a'), l.take('a'), l.take('a')]).toEqual([0, 0, 0]);
  expect(l.take('a')).toBe(10); // refused, and not counted
  expect(l.take('b')).toBe(0); // other keys are independent
  now += 4_000;
  expect(l.retryAfter('a')).toBe(6);
  now += 6_000;
  expect(l.take('a')).toBe(0);
  for (let i = 0; i < 3; i++) l.record('b'); // b's earlier event has left the window
  expect(l.retryAfter('b')).toBeGreaterThan(0);
  l.reset('b');
  expect(l.retryAfter('b')).toBe(0);
});
