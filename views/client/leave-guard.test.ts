import { describe, expect, test } from 'bun:test';
import { leaveGuard } from './leave-guard';

const leave = (t: EventTarget) => {
  const e = new Event('beforeunload', { cancelable: true });
  t.dispatchEvent(e);
  return e.defaultPrevented ? 'asks' : 'leaves';
};

describe('asking before leaving during an upload', () => {
  test('asks only while something is busy', () => {
    const page = new EventTarget();
    const guard = leaveGuard(page);
    const [a, b] = [{}, {}];
    expect(leave(page)).toBe('leaves');
    guard.set(a, true);
    guard.set(b, true);
    expect(leave(page)).toBe('asks');
    guard.set(a, false);
    expect(leave(page)).toBe('asks');
    guard.set(b, false);
    guard.set(b, false);
    expect(leave(page)).toBe('leaves');
    guard.set(a, true);
    expect(leave(page)).toBe('asks');
    // Signed out: the page goes to /login without asking, whatever was busy.
    guard.clear();
    expect(leave(page)).toBe('leaves');
    guard.set(b, true);
    expect(leave(page)).toBe('asks');
  });
});
