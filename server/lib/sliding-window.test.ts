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

test('an event counted can be uncounted (once), and only that event', () => {
  let now = 1_000_000;
  const l = new SlidingWindowLimiter(2, 10_000, () => now);
  const first = l.count('a');
  now += 1000;
  const second = l.takeOrWait('a');
  expect(second.wait).toBe(0);
  expect(l.takeOrWait('a')).toEqual({ wait: 9 }); // full: nothing recorded, nothing to undo
  second.undo!();
  second.undo!(); // a second call finds nothing to remove
  expect(l.retryAfter('a')).toBe(0);
  expect(l.take('a')).toBe(0);
  first();
  expect(l.take('a')).toBe(0);
  expect(l.take('a')).toBeGreaterThan(0);
});
