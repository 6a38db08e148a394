import { describe, expect, test } from 'bun:test';
import { ConnectWatch, Heartbeat, PING_AFTER_MS, PONG_WITHIN_MS } from './heartbeat';
import { LOST, unconfirmedActions } from './unconfirmed';

describe('heartbeat', () => {
  test('pings after a quiet spell, once; gives the socket up when nothing answers in time', () => {
    const h = new Heartbeat();
    h.heard(0);
    expect(h.check(PING_AFTER_MS - 1)).toBeNull();
    expect(h.check(PING_AFTER_MS)).toBe('ping');
    expect(h.check(PING_AFTER_MS + 1)).toBeNull(); // one ping out at a time
    expect(h.check(PING_AFTER_MS + PONG_WITHIN_MS - 1)).toBeNull();
    expect(h.check(PING_AFTER_MS + PONG_WITHIN_MS)).toBe('dead');
  });

  test('anything heard answers the ping and restarts the quiet spell', () => {
    const h = new Heartbeat(1000, 500);
    h.heard(0);
    expect(h.check(1000)).toBe('ping');
    h.heard(1200);
    expect(h.check(2000)).toBeNull();
    expect(h.check(2199)).toBeNull();
    expect(h.check(2200)).toBe('ping');
    // a busy socket never pings
    const busy = new Heartbeat(1000, 500);
    for (let t = 0; t < 10_000; t += 900) {
      busy.heard(t);
      expect(busy.check(t + 899)).toBeNull();
    }
  });
});

describe('unconfirmed deletes and reports', () => {
  test('answered ones are forgotten; the rest are said in their room when the socket is lost, once', () => {
    const said: [string, string][] = [];
    const u = unconfirmedActions((room, text) => said.push([room, text]));
    u.sent('delete', 'r1', 'm1');
    u.sent('report', 'r1', 'm2');
    u.sent('report', 'r2', 'm3');
    expect(u.answered('report', 'm2')).toBe(true);
    expect(u.answered('report', 'm2')).toBe(false);
    expect(u.answered('delete', 'm3')).toBe(false); // a report of m3 is not a delete
    u.lost();
    expect(said).toEqual([
      ['r1', LOST.delete],
      ['r2', LOST.report],
    ]);
    u.lost();
    expect(said).toHaveLength(2);
  });

  test('a delete and a report waiting in one room are said together (the room has one line)', () => {
    const said: [string, string][] = [];
    const u = unconfirmedActions((room, text) => said.push([room, text]));
    u.sent('report', 'r1', 'm1');
    u.sent('delete', 'r1', 'm2');
    u.sent('report', 'r1', 'm3');
    u.lost();
    expect(said).toEqual([['r1', `${LOST.delete} ${LOST.report}`]]);
  });
});

test('a socket still connecting after 15 s is given up; each new one gets its own 15 s', () => {
  const w = new ConnectWatch<string>();
  expect(w.check(null, 0)).toBe(false);
  expect(w.check('a', 1000)).toBe(false);
  expect(w.check('a', 15_999)).toBe(false);
  expect(w.check('a', 16_000)).toBe(true);
  // Replaced: the next one starts its own clock.
  expect(w.check('b', 16_100)).toBe(false);
  expect(w.check('b', 31_000)).toBe(false);
  // Opened (nothing connecting), then a later reconnect.
  expect(w.check(null, 32_000)).toBe(false);
  expect(w.check('c', 60_000)).toBe(false);
  expect(w.check('c', 75_000)).toBe(true);
});
