import { describe, expect, test } from 'bun:test';
import { parseFrame } from './frames';

const room = '01a2-room_ID';

describe('parseFrame', () => {
  test('accepts every documented frame, with or without htmx headers', () => {
    const frames = [
      { type: 'send', room, clientId: 'c-12345678', body: 'hi' },
      { type: 'edit', room, message: 'm-1', body: 'hi' },
      { type: 'delete', room, message: 'm-1' },
      { type: 'report', room, message: 'm-1' },
      { type: 'report', room, message: 'm-1', concern: true },
      { type: 'typing', room },
      { type: 'read', room, seq: 0 },
      { type: 'resume', rooms: { [room]: 12, other: 0 } },
      { type: 'resume', rooms: {} },
      { type: 'resume', rooms: { [room]: 12 }, have: { [room]: [9, 11, 12] } },
    ];
    for (const f of frames) {
      expect(parseFrame(f)).toEqual(f as never);
      const withHeaders = { ...f, headers: { 'HX-Request': 'true', 'HX-Trigger': null } };
      expect(parseFrame(withHeaders)).toEqual(withHeaders as never);
    }
  });

  test('refuses unknown types, extra properties, and wrong shapes', () => {
    const bad: unknown[] = [
      null,
      'send',
      42,
      [],
      {},
      { type: 'shout', room },
      { type: 'send', room, clientId: 'c-12345678', body: 'hi', admin: true },
      { type: 'send', room, clientId: 'c-12345678' },
      { type: 'send', room: 'a/b', clientId: 'c-12345678', body: 'hi' },
      { type: 'send', room: '', clientId: 'c-12345678', body: 'hi' },
      { type: 'send', room: 'r'.repeat(65), clientId: 'c-12345678', body: 'hi' },
      { type: 'send', room, clientId: 'c-12345678', body: 'x'.repeat(20_001) },
      { type: 'send', room, clientId: 'c-12345678', body: 'hi', headers: 'x' },
      { type: 'edit', room, message: '../m', body: 'hi' },
      { type: 'report', room, message: 'm-1', concern: 'yes' },
      { type: 'read', room, seq: -1 },
      { type: 'read', room, seq: 1.5 },
      { type: 'resume', rooms: { 'bad key!': 1 } },
      { type: 'resume', rooms: { [room]: -1 } },
      { type: 'resume', rooms: { [room]: 40 }, have: { [room]: Array.from({ length: 33 }, (_, i) => i + 8) } },
      { type: 'resume', rooms: { [room]: 4 }, have: { [room]: ['3'] } },
      { type: 'resume', rooms: { [room]: 4 }, have: { 'bad key!': [3] } },
      { type: 'resume', rooms: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`r${i}`, 0])) },
    ];
    for (const f of bad) expect(parseFrame(f)).toBeNull();
  });

  test('numbers must be numbers: numeric strings are refused', () => {
    // Elysia's t.Integer accepts "3" (it converts when decoding, but Check() does not convert), so a
    // string would reach the store; MongoDB compares a string with numbers by type, not by value.
    expect(parseFrame({ type: 'read', room, seq: '3' })).toBeNull();
    expect(parseFrame({ type: 'resume', rooms: { [room]: '3' } })).toBeNull();
  });
});
