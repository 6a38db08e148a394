import { describe, expect, test } from 'bun:test';
import { spanOf, type LectureDetail } from '../server/features/calls/lectures';
import type { Lecture, Room } from '../server/store/types';
import { timeFormat } from './chat';
import { lecturePage, lengthText } from './lectures';

const tf = timeFormat('Africa/Lagos');
const MIN = 60_000;
const room = { id: 'r1', name: 'Compilers <b>', kind: 'course' } as Room;
const start = Date.UTC(2026, 10, 29, 15, 0); // 16:00 in Lagos

function detail(l: Partial<Lecture>, now: number): LectureDetail {
  const lecture: Lecture = { id: 'L1', roomId: 'r1', startedBy: 'u1', startedAt: start, lastAt: start + 50 * MIN, endedAt: null, ...l };
  return {
    access: { room, membership: { roomId: 'r1', userId: 'u1', role: 'owner' } as never, all: true, identities: false },
    lecture,
    span: spanOf(lecture, now),
    startedBy: 'Dr <i>Okafor</i>',
    present: [{ userId: 'u2', name: '<script>alert(1)</script>', email: null, matricNo: null, time: { userId: 'u2', firstAt: start + 5 * MIN, ms: 45 * MIN, share: 0.9 }, turnedAwayAt: null }],
    turnedAway: [{ userId: 'u3', name: 'Chi', email: null, matricNo: null, time: null, turnedAwayAt: start + 2 * MIN }],
    absent: [],
  };
}

describe('lecture pages', () => {
  test('lengths read as a person says them', () => {
    expect([0, 30_000, MIN, 59 * MIN, 60 * MIN, 65 * MIN, 125 * MIN].map(lengthText)).toEqual(['0 min', 'under 1 min', '1 min', '59 min', '1 h 00 min', '1 h 05 min', '2 h 05 min']);
  });

  test('a lecture ended, running, or cut off by its server says which; names are escaped; no emails for a student owner', () => {
    const ended = lecturePage(detail({ endedAt: start + 50 * MIN }, start + 90 * MIN), tf).value;
    expect(ended).toContain('<h1>Lecture of 29 Nov 2026, 16:00</h1>');
    expect(ended).toContain('Compilers &lt;b&gt; · started by Dr &lt;i&gt;Okafor&lt;/i&gt; · 50 min · ended 16:50');
    expect(ended).toContain('<td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td>16:05</td><td>45 min</td><td>90%</td>');
    expect(ended).not.toContain('Matric');
    expect(ended).toContain('Every member of the room was there.');
    expect(ended).toContain('<h2>Could not get in: the lecture was full (1)</h2>');
    expect(ended).toContain('<th scope="col">Tried at</th></tr></thead><tbody><tr><td>Chi</td><td>16:02</td></tr>');
    expect(lecturePage(detail({}, start + 51 * MIN), tf).value).toContain('· 50 min · in progress (times as of 16:50)');
    expect(lecturePage(detail({}, start + 80 * MIN), tf).value).toContain('· 50 min · its server stopped at 16:50');
  });
});
