/**
 * The SFU's signalling rules without media: who may start and join, what an offer may publish,
 * moderation, and the call's life cycle. Offers that are refused never reach werift.
 */
import { describe, expect, test } from 'bun:test';
import { endpoint, member, sfuFactory } from './test-support';
import { rtcConfigFromEnv } from './config';
import { parseClientMsg, type ServerMsg } from './protocol';
import { CallError, MAX_CALLS_PER_PERSON, Sfu } from './sfu';
import { ROSTER_EVERY_MS } from './call';

const sfu = sfuFactory();

/** A browser-like offer: one m-section per (kind, mid, direction). */
function offer(...sections: [kind: 'audio' | 'video', mid: string, dir: string, rids?: string[]][]) {
  return ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', ...sections.flatMap(([k, mid, dir, rids]) => [`m=${k} 9 UDP/TLS/RTP/SAVPF 111`, `a=mid:${mid}`, `a=${dir}`, ...(rids ?? []).map((r) => `a=rid:${r} send`)])].join('\r\n') + '\r\n';
}

async function refused(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CallError) return e.message;
    throw e;
  }
  throw new Error('expected a CallError');
}

describe('signalling messages', () => {
  test('typed and strict; htmx headers are accepted', () => {
    expect(parseClientMsg({ type: 'join', room: 'r1', start: 'lecture', headers: { 'HX-Request': 'true' } })).toBeTruthy();
    expect(parseClientMsg(JSON.stringify({ type: 'view', mode: 'audio-only' }))).toEqual({ type: 'view', mode: 'audio-only' });
    expect(parseClientMsg({ type: 'join', room: 'r1', user: 'someone-else' })).toBeNull(); // identity never comes from fields
    expect(parseClientMsg({ type: 'view', mode: 'ultra' })).toBeNull();
    expect(parseClientMsg({ type: 'mute', source: 'mic' })).toBeNull();
    expect(parseClientMsg({ type: 'offer', sdp: 'x'.repeat(40_000), sources: {} })).toBeNull();
    expect(parseClientMsg('{not json')).toBeNull();
    expect(parseClientMsg({ type: 'grant', participant: '../x', mic: true })).toBeNull();
  });
});

describe('a page\'s problem report', () => {
  test('is logged as a warning with the call, the participant and the m-lines last offered; at most five per participant; checked like every message', async () => {
    const warned: { msg: string; fields?: Record<string, unknown> }[] = [];
    const s = sfu({}, {}, { info() {}, warn: (msg, fields) => void warned.push({ msg, fields }) });
    const { call, participant } = s.join({ roomId: 'r1', member: member(1), host: false, start: 'group', endpoint: endpoint() });
    const report = parseClientMsg({ type: 'problem', where: 'sub', message: "InvalidAccessError: The m= section with mid='2' should be rejected." })!;
    for (let i = 0; i < 7; i++) await s.handle(call, participant, report);
    expect(warned.length).toBe(5);
    expect(warned[0]).toEqual({ msg: 'call problem reported by a browser', fields: { callId: call.id, participantId: participant.id, where: 'sub', message: "InvalidAccessError: The m= section with mid='2' should be rejected.", lastSubOffer: '' } });
    expect(parseClientMsg({ type: 'problem', where: 'sub', message: 'x'.repeat(501) })).toBeNull();
    expect(parseClientMsg({ type: 'problem', where: 'elsewhere', message: 'x' })).toBeNull();
  });
});

describe('calls', () => {
  test('a call is started on purpose, lectures only by hosts, and ends with its last participant', async () => {
    const s = sfu();
    const changes: (number | null)[] = [];
    s.onChange = (_, st) => changes.push(st ? st.participants : null);
    expect(() => s.join({ roomId: 'r', member: member(1), host: false, endpoint: endpoint() })).toThrow('There is no call in this room right now.');
    expect(() => s.join({ roomId: 'r', member: member(1), host: false, start: 'lecture', endpoint: endpoint() })).toThrow('Only the lecturer or the room owner can start a lecture.');
    const a = s.join({ roomId: 'r', member: member(1), host: false, start: 'group', endpoint: endpoint() });
    // A second "start" joins the call in progress.
    const b = s.join({ roomId: 'r', member: member(2), host: false, start: 'lecture', endpoint: endpoint() });
    expect(b.call).toBe(a.call);
    expect(s.state('r')).toMatchObject({ mode: 'group', participants: 2 });
    await s.leave(a.call, a.participant);
    await s.leave(b.call, b.participant);
    expect(s.state('r')).toBeNull();
    expect(changes).toEqual([1, 2, 1, null]);
    expect(s.stats()).toMatchObject({ calls: 0, participants: 0 });
  });

  test('joining again from another tab replaces the earlier seat', async () => {
    const s = sfu();
    const e1 = endpoint();
    const first = s.join({ roomId: 'r', member: member(1), host: false, start: 'group', endpoint: e1 });
    const second = s.join({ roomId: 'r', member: member(1), host: false, endpoint: endpoint() });
    await Bun.sleep(0);
    expect(e1.got.at(-1)).toEqual({ type: 'ended', reason: 'replaced' });
    expect([...second.call.participants.keys()]).toEqual([second.participant.id]);
    expect(first.participant.closed).toBe(true);
    // The call goes on with her new seat (replacing the last seat ended it, under the new one).
    expect(second.call.ended).toBe(false);
    expect(s.state('r')).toMatchObject({ participants: 1 });
    expect(s.join({ roomId: 'r', member: member(2), host: false, endpoint: endpoint() }).call).toBe(second.call);
  });

  test('a page back after a lost connection takes back its own seat, never one its person took elsewhere meanwhile', async () => {
    const s = sfu();
    const { participant: mine } = s.join({ roomId: 'r', member: member(1), host: false, start: 'group', endpoint: endpoint() });
    // The server has not noticed this page's connection was lost: its rejoin replaces that seat.
    const back = s.join({ roomId: 'r', member: member(1), host: false, rejoin: mine.id, endpoint: endpoint() });
    await Bun.sleep(0);
    expect([...back.call.participants.keys()]).toEqual([back.participant.id]);
    // Meanwhile she joined on her phone: the laptop's rejoin is refused for good, the phone stays.
    const phone = s.join({ roomId: 'r', member: member(1), host: false, endpoint: endpoint() });
    let err: unknown;
    try {
      s.join({ roomId: 'r', member: member(1), host: false, rejoin: back.participant.id, endpoint: endpoint() });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CallError);
    expect(err).toMatchObject({ message: 'You are in this call on another device or tab, so this page stays out of it.', final: true });
    expect([...phone.call.participants.keys()]).toEqual([phone.participant.id]);
    expect(parseClientMsg({ type: 'join', room: 'r', rejoin: '../x' })).toBeNull();
  });

  test(`one person is in at most ${MAX_CALLS_PER_PERSON} calls at once (each seat holds UDP ports); joining the same call again is not another`, () => {
    const s = sfu();
    for (let i = 0; i < MAX_CALLS_PER_PERSON; i++) s.join({ roomId: `r${i}`, member: member(1), host: false, start: 'group', endpoint: endpoint() });
    expect(() => s.join({ roomId: 'r-more', member: member(1), host: false, start: 'group', endpoint: endpoint() })).toThrow(`You are in ${MAX_CALLS_PER_PERSON} other calls already: leave one to join this one.`);
    expect(s.state('r-more')).toBeNull();
    expect(s.join({ roomId: 'r0', member: member(1), host: false, endpoint: endpoint() }).call.roomId).toBe('r0');
    expect(s.join({ roomId: 'r-more', member: member(2), host: false, start: 'group', endpoint: endpoint() }).call.roomId).toBe('r-more');
  });

  test('group offers: every sending m-line declared, kinds matching, one of each source', async () => {
    const s = sfu();
    const { call, participant: p } = s.join({ roomId: 'r', member: member(1), host: false, start: 'group', endpoint: endpoint() });
    const send = (sdp: string, sources: Record<string, 'mic' | 'cam' | 'screen'>) => s.handle(call, p, { type: 'offer', sdp, sources });
    expect(await refused(send(offer(['audio', '0', 'sendonly']), {}))).toBe('Every sending track must say what it is (mic, cam or screen).');
    expect(await refused(send(offer(['audio', '0', 'sendonly']), { '0': 'cam' }))).toBe('An audio track cannot be "cam".');
    expect(await refused(send(offer(['video', '0', 'sendonly'], ['video', '1', 'sendonly']), { '0': 'cam', '1': 'cam' }))).toBe('Only one "cam" track at a time.');
    expect(await refused(send(offer(['video', '0', 'sendonly', ['l', 'h']]), { '0': 'screen' }))).toBe('Only the camera is sent in layers.');
    expect(p.pub).toBeNull(); // nothing reached werift
  });

  test('lectures: students cannot publish, raise hands, and only hosts moderate', async () => {
    const s = sfu();
    const host = s.join({ roomId: 'r', member: member(1), host: true, start: 'lecture', endpoint: endpoint() });
    const e2 = endpoint();
    const st = s.join({ roomId: 'r', member: member(2), host: false, endpoint: e2 });
    const other = s.join({ roomId: 'r', member: member(3), host: false, endpoint: endpoint() });
    const call = host.call;
    expect(e2.got[0]).toMatchObject({ type: 'joined', call: { mode: 'lecture' }, you: { host: false, canPublish: false, view: 'audio-only' } });
    const as = (p: typeof st, m: Parameters<Sfu['handle']>[2]) => s.handle(call, p.participant, m);
    expect(await refused(as(st, { type: 'offer', sdp: offer(['audio', '0', 'sendonly']), sources: { '0': 'mic' } }))).toBe('You may not speak until the lecturer allows it.');
    expect(await refused(as(st, { type: 'offer', sdp: offer(['video', '0', 'sendonly']), sources: { '0': 'screen' } }))).toBe('Only the lecturer can share video or a screen in a lecture.');
    expect(await refused(as(st, { type: 'mute-all' }))).toBe('Only the lecturer can do that.');
    expect(await refused(as(st, { type: 'grant', participant: st.participant.id, mic: true }))).toBe('Only the lecturer can do that.');
    expect(await refused(as(st, { type: 'remove', participant: other.participant.id }))).toBe('Only the lecturer can do that.');
    expect(await refused(as(host, { type: 'hand', raised: true }))).toBe('Raising a hand is for lectures.');

    await as(st, { type: 'hand', raised: true });
    expect(call.roster().find((r) => r.id === st.participant.id)).toMatchObject({ hand: true, micGranted: false });
    await as(host, { type: 'grant', participant: st.participant.id, mic: true });
    expect(e2.got.filter((m) => m.type === 'permission').at(-1)).toEqual({ type: 'permission', canPublish: true });
    expect(call.roster().find((r) => r.id === st.participant.id)).toMatchObject({ hand: false, micGranted: true });
    // Granted the mic only: a camera is still refused.
    expect(await refused(as(st, { type: 'offer', sdp: offer(['video', '0', 'sendonly']), sources: { '0': 'cam' } }))).toBe('Only the lecturer can share video or a screen in a lecture.');
    await as(host, { type: 'mute-all' });
    expect(e2.got.some((m) => m.type === 'muted')).toBe(true);
    expect(st.participant.selfMuted.mic).toBe(true);
    await as(host, { type: 'grant', participant: st.participant.id, mic: false });
    expect(e2.got.filter((m) => m.type === 'permission').at(-1)).toEqual({ type: 'permission', canPublish: false });
    // Allowed again: her page starts unmuted, and so does her next microphone track here (a track
    // inheriting the "Mute all" dropped every packet: the lecturer did not hear the second question).
    await as(host, { type: 'grant', participant: st.participant.id, mic: true });
    expect(st.participant.selfMuted.mic).toBe(false);
    await as(host, { type: 'grant', participant: st.participant.id, mic: false });

    // Remove: out, socket closed, and cannot come back into this call.
    const e3 = other.participant.endpoint as ReturnType<typeof endpoint>;
    await as(host, { type: 'remove', participant: other.participant.id });
    expect(e3.got.at(-1)).toEqual({ type: 'ended', reason: 'removed' });
    expect(e3.closed).toEqual([4403]);
    expect(() => s.join({ roomId: 'r', member: member(3), host: false, endpoint: endpoint() })).toThrow('A host removed you from this call.');
  });

  test('rosters are sent at most every ROSTER_EVERY_MS: a burst of hand toggles reaches the others as two, the last with the final state', async () => {
    const s = sfu();
    const host = s.join({ roomId: 'r', member: member(1), host: true, start: 'lecture', endpoint: endpoint() });
    const st = s.join({ roomId: 'r', member: member(2), host: false, endpoint: endpoint() });
    await Bun.sleep(2 * ROSTER_EVERY_MS + 20); // the joins' rosters are out, and the interval after the last
    const got = host.participant.endpoint as ReturnType<typeof endpoint>;
    const rosters = () => got.got.filter((m) => m.type === 'roster') as { participants: { id: string; hand: boolean }[] }[];
    const before = rosters().length;
    for (let i = 0; i < 61; i++) await s.handle(host.call, st.participant, { type: 'hand', raised: i % 2 === 0 });
    expect(rosters().length).toBe(before + 1); // the first at once
    await Bun.sleep(ROSTER_EVERY_MS + 50);
    expect(rosters().length).toBe(before + 2); // the rest together
    expect(rosters().at(-1)!.participants.find((p) => p.id === st.participant.id)!.hand).toBe(true);
  });

  test('a full call refuses more people', () => {
    const s = sfu({ RTC_MAX_PARTICIPANTS: '2' });
    s.join({ roomId: 'r', member: member(1), host: false, start: 'group', endpoint: endpoint() });
    s.join({ roomId: 'r', member: member(2), host: false, endpoint: endpoint() });
    expect(() => s.join({ roomId: 'r', member: member(3), host: false, endpoint: endpoint() })).toThrow('This call is full (2 people).');
  });

  test("a full lecture's host is told who could not get in: once at once, then one line a count every 30 s", async () => {
    const s = sfu({ RTC_MAX_PARTICIPANTS: '2' });
    const eh = endpoint();
    const es = endpoint();
    s.join({ roomId: 'r', member: member(1), host: true, start: 'lecture', endpoint: eh });
    s.join({ roomId: 'r', member: member(2), host: false, endpoint: es });
    expect(() => s.join({ roomId: 'r', member: member(3), host: false, endpoint: endpoint() })).toThrow('This call is full (2 people).');
    await Bun.sleep(10);
    const told = () => eh.got.filter((m) => m.type === 'notice').map((m) => (m as { message: string }).message);
    expect(told()).toEqual([`${member(3).name} could not join: the call is full (2 people, RTC_MAX_PARTICIPANTS).`]);
    for (const i of [4, 5, 6, 7]) expect(() => s.join({ roomId: 'r', member: member(i), host: false, endpoint: endpoint() })).toThrow();
    await Bun.sleep(10);
    expect(told()).toHaveLength(1); // the next line waits for the 30 s
    expect(es.got.filter((m) => m.type === 'notice')).toEqual([]); // students are not told
  });
});

describe('configuration', () => {
  test('RTC_* variables are checked; TURN credentials are short-lived HMACs', async () => {
    expect(() => rtcConfigFromEnv({ RTC_PUBLIC_IP: 'example.com' })).toThrow('RTC_PUBLIC_IP must be an IPv4 address');
    expect(() => rtcConfigFromEnv({ RTC_PORT_MIN: '40000' })).toThrow('RTC_PORT_MIN and RTC_PORT_MAX must be set together');
    expect(() => rtcConfigFromEnv({ RTC_PORT_MIN: '40000', RTC_PORT_MAX: '39999' })).toThrow('RTC_PORT_MAX must be greater');
    expect(() => rtcConfigFromEnv({ RTC_TURN_URLS: 'turn:turn.example.edu:3478' })).toThrow('RTC_TURN_URLS needs RTC_TURN_SECRET');
    expect(() => rtcConfigFromEnv({ RTC_STUN_URLS: 'http://x' })).toThrow('not a stun URL');
    const cfg = rtcConfigFromEnv({ RTC_PORT_MIN: '40000', RTC_PORT_MAX: '40100', RTC_STUN_URLS: 'stun:stun.example.edu:3478', RTC_TURN_URLS: 'turn:turn.example.edu:3478?transport=udp,turns:turn.example.edu:5349', RTC_TURN_SECRET: 's3cret' });
    expect(cfg.portRange).toEqual([40000, 40100]);
    const { iceServersFor } = await import('./config');
    const [stun, turn] = iceServersFor(cfg, 'user-1', 1_700_000_000_000, 3600);
    expect(stun).toEqual({ urls: ['stun:stun.example.edu:3478'] });
    expect(turn!.username).toBe('1700003600:user-1');
    expect(turn!.credential).toBe(new Bun.CryptoHasher('sha1', 's3cret').update('1700003600:user-1').digest('base64'));
  });

  test('announced candidates: only the listen address, rewritten to the public one', async () => {
    const { announceCandidate, announceSdp } = await import('./peer');
    const line = 'candidate:1 1 udp 2130706431 10.0.0.5 50000 typ host';
    expect(announceCandidate(rtcConfigFromEnv({}), line)).toBe(line);
    expect(announceCandidate(rtcConfigFromEnv({ RTC_LISTEN_IP: '127.0.0.1' }), line)).toBeNull();
    expect(announceCandidate(rtcConfigFromEnv({ RTC_PUBLIC_IP: '203.0.113.7' }), line)).toBe('candidate:1 1 udp 2130706431 203.0.113.7 50000 typ host');
    expect(announceCandidate(rtcConfigFromEnv({}), 'candidate:1 1 udp 1 fe80::1 50000 typ host')).toBeNull();
    const sdp = ['v=0', `a=${line}`, 'a=candidate:2 1 udp 2130706431 127.0.0.1 50001 typ host', 'a=mid:0'].join('\r\n');
    expect(announceSdp(rtcConfigFromEnv({ RTC_LISTEN_IP: '127.0.0.1' }), sdp)).toBe(['v=0', 'a=candidate:2 1 udp 2130706431 127.0.0.1 50001 typ host', 'a=mid:0'].join('\r\n'));
  });
});
