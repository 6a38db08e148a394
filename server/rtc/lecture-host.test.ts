/**
 * Who runs a lecture: a host ends it for everyone; a lecture whose last host left ends by itself
 * unless one comes back (a reload); a lecturer's lecture takes the room from a students' group call.
 */
import { describe, expect, test } from 'bun:test';
import { HOST_BACK, HOST_ENDED, HOST_GONE, HOST_LEFT, YOU_ENDED } from './call';
import { parseClientMsg } from './protocol';
import { CallError, LECTURE_REPLACES_CALL, type Sfu } from './sfu';
import { endpoint, member, sfuFactory } from './test-support';

const makeSfu = sfuFactory();
const sfu = (hostlessMs = 60_000) => makeSfu({}, { lectureHostlessMs: hostlessMs });
const notices = (e: ReturnType<typeof endpoint>) => e.got.filter((m) => m.type === 'notice' || m.type === 'ended');

function lecture(s: Sfu) {
  const eh = endpoint();
  const host = s.join({ roomId: 'r', member: member(1), host: true, start: 'lecture', endpoint: eh });
  const es = endpoint();
  const student = s.join({ roomId: 'r', member: member(2), host: false, endpoint: es });
  return { host, student, eh, es };
}

describe('running a lecture', () => {
  test('a host ends it for everyone, each told why; a student cannot', async () => {
    const s = sfu();
    const { host, student, eh, es } = lecture(s);
    const ended: (number | null)[] = [];
    s.onChange = (_, st) => ended.push(st ? st.participants : null);
    let refusal = '';
    await s.handle(student.call, student.participant, parseClientMsg({ type: 'end' })!).catch((e: CallError) => (refusal = e.message));
    expect(refusal).toBe('Only the lecturer can do that.');
    await s.handle(host.call, host.participant, parseClientMsg({ type: 'end' })!);
    expect(notices(es)).toEqual([{ type: 'ended', reason: 'ended', message: HOST_ENDED }]);
    expect(notices(eh)).toEqual([{ type: 'ended', reason: 'ended', message: YOU_ENDED }]); // the one who ended it
    expect([es.closed, eh.closed]).toEqual([[1000], [1000]]);
    expect(s.state('r')).toBeNull();
    expect(ended).toEqual([null]);
  });

  test('the last host leaving: students are told; a host back (a reload) keeps it going', async () => {
    const s = sfu(200);
    const { host, es } = lecture(s);
    await s.leave(host.call, host.participant);
    expect(notices(es)).toEqual([{ type: 'notice', message: HOST_LEFT }]);
    s.join({ roomId: 'r', member: member(1), host: true, endpoint: endpoint() });
    expect(notices(es).at(-1)).toEqual({ type: 'notice', message: HOST_BACK });
    await Bun.sleep(400);
    expect(s.state('r')).toMatchObject({ mode: 'lecture', participants: 2 });
  });

  test('no host back in time: the lecture ends for everyone, told why', async () => {
    const s = sfu(100);
    const { host, es } = lecture(s);
    await s.leave(host.call, host.participant);
    await Bun.sleep(300);
    expect(notices(es)).toEqual([{ type: 'notice', message: HOST_LEFT }, { type: 'ended', reason: 'ended', message: HOST_GONE }]);
    expect(s.state('r')).toBeNull();
  });

  test("a lecturer's lecture takes the room from a group call when she asks for it, whose people are told; a student's start joins the call as it is", () => {
    const s = sfu();
    const e1 = endpoint();
    const e2 = endpoint();
    const g = s.join({ roomId: 'r', member: member(2), host: false, start: 'group', endpoint: e1 });
    // Another student asking for a lecture joins the group call (only hosts start lectures).
    const other = s.join({ roomId: 'r', member: member(3), host: false, start: 'lecture', replace: true, endpoint: e2 });
    expect(other.call).toBe(g.call);
    // A host's plain "Start lecture" (a call bar not yet updated) or rejoin joins the call as it is.
    const plain = s.join({ roomId: 'r', member: member(4), host: true, start: 'lecture', endpoint: endpoint() });
    expect(plain.call).toBe(g.call);
    const l = s.join({ roomId: 'r', member: member(1), host: true, start: 'lecture', replace: true, endpoint: endpoint() });
    expect(l.call).not.toBe(g.call);
    expect(s.state('r')).toMatchObject({ mode: 'lecture', participants: 1 });
    for (const e of [e1, e2]) {
      expect(notices(e)).toEqual([{ type: 'ended', reason: 'ended', message: LECTURE_REPLACES_CALL }]);
      expect(e.closed).toEqual([1000]);
    }
  });

  test('a leave still closing when a lecture replaced its call does not tell the room "no call" over the lecture', async () => {
    const s = sfu();
    const pushes: (string | null)[] = [];
    s.onChange = (_, st) => pushes.push(st ? `${st.mode}:${st.participants}` : null);
    const g1 = s.join({ roomId: 'r', member: member(2), host: false, start: 'group', endpoint: endpoint() });
    s.join({ roomId: 'r', member: member(3), host: false, endpoint: endpoint() });
    const leaving = s.leave(g1.call, g1.participant); // its connections still closing…
    s.join({ roomId: 'r', member: member(1), host: true, start: 'lecture', replace: true, endpoint: endpoint() });
    await leaving;
    expect(s.state('r')).toMatchObject({ mode: 'lecture', participants: 1 });
    // The group call's end, then the lecture; nothing after it says the room has no call.
    expect(pushes.slice(pushes.indexOf('lecture:1'))).toEqual(['lecture:1']);
  });

  test('a full lecture still lets its host in (back after a drop); a seat replaced does not count', () => {
    const s = makeSfu({}, { maxParticipants: 2 });
    s.join({ roomId: 'r', member: member(1), host: true, start: 'lecture', endpoint: endpoint() });
    s.join({ roomId: 'r', member: member(2), host: false, endpoint: endpoint() });
    expect(() => s.join({ roomId: 'r', member: member(3), host: false, endpoint: endpoint() })).toThrow('This call is full (2 people).');
    s.join({ roomId: 'r', member: member(2), host: false, endpoint: endpoint() }); // the same student, another tab
    s.join({ roomId: 'r', member: member(9), host: true, endpoint: endpoint() }); // a second host
    expect(s.state('r')).toMatchObject({ participants: 3 });
  });
});
