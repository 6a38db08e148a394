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

test('reserve counts like take, and release gives back exactly that event, once', () => {
  let now = 1_000_000;
  const l = new SlidingWindowLimiter(2, 10_000, () => now);
  const first = l.reserve('a');
  now += 1_000;
  const second = l.reserve('a');
  expect([first.wait, second.wait]).toEqual([0, 0]);
  const refused = l.reserve('a');
  expect(refused.wait).toBe(9); // full, measured from the first event; nothing recorded
  refused.release(); // a refused reservation has nothing to give back
  expect(l.retryAfter('a')).toBe(9);
  first.release();
  first.release(); // twice is once
  expect(l.retryAfter('a')).toBe(0);
  expect(l.take('a')).toBe(0);
  // The first event is gone: the wait now runs from the second one.
  expect(l.retryAfter('a')).toBe(10);
  now += 10_000; // the second event has left the window: releasing it later removes nothing else
  expect(l.take('a')).toBe(0);
  second.release();
  expect(l.retryAfter('a')).toBe(0);
  expect(l.take('a')).toBe(0);
  expect(l.retryAfter('a')).toBeGreaterThan(0);
});
