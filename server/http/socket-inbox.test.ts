import { expect, test } from 'bun:test';
import { SocketInbox } from './socket-inbox';

test('tasks run one at a time in arrival order; over the rate nothing is queued; errors do not stop the queue', async () => {
  const errors: unknown[] = [];
  const inbox = new SocketInbox(3, (e) => errors.push(e));
  const ran: string[] = [];
  const slow = (name: string, ms: number) => async () => {
    await Bun.sleep(ms);
    ran.push(name);
  };
  expect(inbox.accept(slow('a', 20), 1000)).toBe(true);
  expect(inbox.accept(async () => { throw new Error('boom'); }, 1100)).toBe(true);
  expect(inbox.accept(slow('c', 1), 1200)).toBe(true);
  expect(inbox.accept(slow('flood', 1), 1300)).toBe(false);
  // A new second: accepted again.
  expect(inbox.accept(slow('d', 1), 2000)).toBe(true);
  inbox.after(slow('close', 1));
  await Bun.sleep(100);
  expect(ran).toEqual(['a', 'c', 'd', 'close']);
  expect(errors).toHaveLength(1);
});
