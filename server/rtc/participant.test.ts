/**
 * A participant's signalling with werift behind it (no media): trickled ICE candidates never hold
 * up the socket (mDNS names dropped, werift not awaited, errors logged), are capped per connection
 * and ICE generation; an answer werift refuses does not wedge `sub` renegotiation.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { RTCPeerConnection } from 'werift';
import { rtcConfigFromEnv, type RtcConfig } from './config';
import { candidateAddress, MAX_REMOTE_CANDIDATES } from './participant';
import { sdpSections } from './peer';
import type { ServerMsg } from './protocol';
import { CallError, Sfu } from './sfu';
import { UpTrack } from './uptrack';

const sfus: Sfu[] = [];
const peers: RTCPeerConnection[] = [];
afterEach(async () => {
  for (const s of sfus.splice(0)) await s.close();
  for (const pc of peers.splice(0)) await pc.close();
});

function setup(extra: Partial<RtcConfig> = {}) {
  const warnings: { msg: string; fields?: Record<string, unknown> }[] = [];
  const s = new Sfu({ ...rtcConfigFromEnv({ RTC_LISTEN_IP: '127.0.0.1' }), ...extra }, { info() {}, warn: (msg, fields) => void warnings.push({ msg, fields }) });
  sfus.push(s);
  const got: ServerMsg[] = [];
  const j = s.join({ roomId: 'r', member: { userId: 'u', name: 'U' }, host: false, start: 'group', endpoint: { send: (m) => void got.push(m), close() {} } });
  const offers = () => got.filter((m): m is Extract<ServerMsg, { type: 'offer' }> => m.type === 'offer');
  return { s, ...j, got, offers, warnings };
}

/** A minimal browser offer werift accepts: one recvonly audio m-line (nothing to declare). */
const recvOnlyOffer = (ufrag = 'abcd') =>
  ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', `a=ice-ufrag:${ufrag}`, 'a=ice-pwd:abcdefghijklmnopqrstuvwx', 'a=fingerprint:sha-256 ' + Array(32).fill('AA').join(':'), 'a=setup:actpass',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=recvonly', 'a=rtpmap:111 opus/48000/2'].join('\r\n') + '\r\n';

const host = (i: number, address = `10.${(i >> 8) & 255}.${i & 255}.1`) => ({ candidate: `candidate:${i} 1 udp 2122260223 ${address} ${40000 + i} typ host`, sdpMid: '0', sdpMLineIndex: 0 });
const mdns = (i: number) => host(i, `${crypto.randomUUID()}.local`);
// werift's ICE connection of `pub`: what it keeps of the remote candidates.
const remoteCandidates = (pc: RTCPeerConnection | null) => (pc as unknown as { iceTransports: { connection: { _remoteCandidates: unknown[] } }[] }).iceTransports[0]!.connection._remoteCandidates;

const fakeUp = (source: 'mic' | 'cam') => new UpTrack(`other-${source}`, 'pOther', source, source === 'mic' ? 'audio' : 'video', {} as never, source === 'mic' ? 48_000 : 90_000);

describe('trickled ICE candidates', () => {
  test('the address field of a candidate line', () => {
    expect(candidateAddress('candidate:1 1 udp 2122260223 abc.local 5000 typ host')).toBe('abc.local');
    expect(candidateAddress('a=candidate:1 1 udp 2122260223 10.0.0.1 5000 typ host')).toBe('10.0.0.1');
    expect(candidateAddress('candidate:1')).toBeUndefined();
  });

  test('a .local (mDNS) candidate is dropped at once: werift never waits for an mDNS answer', async () => {
    const { s, call, participant: p } = setup();
    await s.handle(call, p, { type: 'offer', sdp: recvOnlyOffer(), sources: {} });
    const t0 = performance.now();
    await s.handle(call, p, { type: 'candidate', pc: 'pub', candidate: mdns(1) });
    await s.handle(call, p, { type: 'candidate', pc: 'pub', candidate: host(2, `${crypto.randomUUID()}.LOCAL.`) });
    expect(performance.now() - t0).toBeLessThan(200);
    expect(p.addCandidate('pub', mdns(3))).toBe('ignored');
    await Bun.sleep(50);
    expect(remoteCandidates(p.pub)).toHaveLength(0);
    // An ordinary one still reaches werift.
    expect(p.addCandidate('pub', host(4))).toBe('added');
    await Bun.sleep(50);
    expect(remoteCandidates(p.pub)).toHaveLength(1);
  });

  test('werift is not awaited; its refusals are logged, not thrown', async () => {
    const { s, call, participant: p, warnings } = setup();
    await s.handle(call, p, { type: 'offer', sdp: recvOnlyOffer(), sources: {} });
    const pc = p.pub!;
    pc.addIceCandidate = () => new Promise(() => {}); // hangs for ever
    const t0 = performance.now();
    await s.handle(call, p, { type: 'candidate', pc: 'pub', candidate: host(1) });
    expect(performance.now() - t0).toBeLessThan(200);
    pc.addIceCandidate = () => Promise.reject(new Error('bad candidate'));
    await s.handle(call, p, { type: 'candidate', pc: 'pub', candidate: host(2) });
    await Bun.sleep(10);
    expect(warnings).toEqual([{ msg: 'call candidate refused', fields: expect.objectContaining({ participantId: p.id, pc: 'pub', err: 'Error: bad candidate' }) }]);
  });

  test(`at most ${MAX_REMOTE_CANDIDATES} per connection and ICE generation; an ICE restart starts a new count`, async () => {
    const { s, call, participant: p } = setup();
    await s.handle(call, p, { type: 'offer', sdp: recvOnlyOffer('abcd'), sources: {} });
    for (let i = 0; i < 100; i++) await s.handle(call, p, { type: 'candidate', pc: 'pub', candidate: host(i) });
    await Bun.sleep(100);
    expect(remoteCandidates(p.pub)).toHaveLength(MAX_REMOTE_CANDIDATES);
    // Renegotiation without a restart (same ufrag): still capped.
    await s.handle(call, p, { type: 'offer', sdp: recvOnlyOffer('abcd'), sources: {} });
    expect(p.addCandidate('pub', host(200))).toBe('ignored');
    // The browser restarts ICE (new ufrag): werift forgets the old candidates, and so does the count.
    await s.handle(call, p, { type: 'offer', sdp: recvOnlyOffer('efgh'), sources: {} });
    for (let i = 300; i < 340; i++) await s.handle(call, p, { type: 'candidate', pc: 'pub', candidate: host(i) });
    await Bun.sleep(100);
    expect(remoteCandidates(p.pub)).toHaveLength(MAX_REMOTE_CANDIDATES);
  });
});

describe('answers to the server offer (sub)', () => {
  const badAnswer = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=text 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n';

  async function answer(offerSdp: string) {
    const browser = new RTCPeerConnection();
    peers.push(browser);
    await browser.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    await browser.setLocalDescription(await browser.createAnswer());
    return browser.localDescription!.sdp;
  }

  test('a refused answer is reported and offered again (with what changed meanwhile); a good answer then completes it', async () => {
    const { s, call, participant: p, offers, warnings } = setup();
    p.subscribe(fakeUp('mic'));
    await Bun.sleep(150);
    expect(offers()).toHaveLength(1);
    const err = await s.handle(call, p, { type: 'answer', sdp: badAnswer }).catch((e) => e);
    expect(err).toBeInstanceOf(CallError);
    expect(err.message).toBe('The answer could not be applied; a new offer follows.');
    expect(warnings.map((w) => w.msg)).toEqual(['call answer refused']);
    p.subscribe(fakeUp('cam')); // someone starts their camera meanwhile
    await Bun.sleep(150);
    expect(offers()).toHaveLength(2);
    expect(offers()[1]!.tracks.map((t) => t.source)).toEqual(['mic', 'cam']);
    await s.handle(call, p, { type: 'answer', sdp: await answer(offers()[1]!.sdp) });
    // Negotiation works on: the next change is offered, and a stray answer is refused as such.
    p.requestIceRestart();
    await Bun.sleep(150);
    expect(offers()).toHaveLength(3);
    await s.handle(call, p, { type: 'answer', sdp: await answer(offers()[2]!.sdp) });
    expect(await s.handle(call, p, { type: 'answer', sdp: badAnswer }).catch((e) => e.message)).toBe('No offer is waiting for an answer.');
    expect(call.participants.has(p.id)).toBe(true);
  });

  test('without a usable answer the participant still leaves when the answer time is up; offering again does not extend it', async () => {
    const { s, call, participant: p, offers, got } = setup({ answerTimeoutMs: 400 });
    p.subscribe(fakeUp('mic'));
    await Bun.sleep(150);
    await s.handle(call, p, { type: 'answer', sdp: badAnswer }).catch(() => {});
    await Bun.sleep(150);
    expect(offers()).toHaveLength(2);
    await s.handle(call, p, { type: 'answer', sdp: badAnswer }).catch(() => {});
    await Bun.sleep(300);
    expect(call.participants.has(p.id)).toBe(false);
    expect(got.at(-1)).toEqual({ type: 'ended', reason: 'closed' });
  });

  test('a track paused before its first answer keeps its kind: the next track of the other kind gets an m-line of its own', async () => {
    const { s, call, participant: p, offers } = setup();
    const mic = fakeUp('mic');
    p.subscribe(mic);
    await Bun.sleep(150);
    p.unsubscribe(mic); // its sender left before this page answered
    await s.handle(call, p, { type: 'answer', sdp: await answer(offers()[0]!.sdp) });
    await Bun.sleep(150);
    await s.handle(call, p, { type: 'answer', sdp: await answer(offers()[1]!.sdp) });
    p.subscribe(fakeUp('cam'));
    await Bun.sleep(150);
    const lines = sdpSections(offers()[2]!.sdp).map((x) => `${x.kind}:${x.mid}:${x.direction}`);
    expect(lines).toEqual(['audio:0:inactive', 'video:1:sendonly']);
    expect(offers()[2]!.tracks).toEqual([expect.objectContaining({ mid: '1', source: 'cam' })]);
  });

  test('a good answer stops the answer timer', async () => {
    const { s, call, participant: p, offers } = setup({ answerTimeoutMs: 300 });
    p.subscribe(fakeUp('mic'));
    await Bun.sleep(150);
    await s.handle(call, p, { type: 'answer', sdp: await answer(offers()[0]!.sdp) });
    await Bun.sleep(400);
    expect(call.participants.has(p.id)).toBe(true);
  });
});
