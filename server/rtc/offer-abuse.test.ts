/**
 * What one member can make the SFU do with crafted `offer`s on `pub` (a security review's proofs,
 * each of which failed before the limits in Call.offer, participant.ts and remote-peers.ts).
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { createSocket } from 'node:dgram';
import { RTCPeerConnection } from 'werift';
import { rtcConfigFromEnv } from './config';
import { MAX_REMOTE_CANDIDATES } from './participant';
import type { ServerMsg } from './protocol';
import { CallError, Sfu } from './sfu';
import { OFFER_LIMITS } from './call';

const sfus: Sfu[] = [];
afterEach(async () => {
  for (const s of sfus.splice(0)) await s.close();
});

function setup(env: Record<string, string> = {}) {
  const s = new Sfu(rtcConfigFromEnv({ RTC_LISTEN_IP: '127.0.0.1', ...env }), { info() {}, warn() {} });
  sfus.push(s);
  const got: ServerMsg[] = [];
  // A student in a lecture would do as well: every m-line here is recvonly, so nothing needs permission.
  const j = s.join({ roomId: 'r', member: { userId: 'u', name: 'U' }, host: false, start: 'group', endpoint: { send: (m) => void got.push(m), close() {} } });
  return { s, ...j, got };
}

const head = (ufrag = 'abcd') => ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', `a=ice-ufrag:${ufrag}`, 'a=ice-pwd:abcdefghijklmnopqrstuvwx', 'a=fingerprint:sha-256 ' + Array(32).fill('AA').join(':'), 'a=setup:actpass'];

/** As many recvonly audio m-lines (mids from `base`) as fit in the 32,000 characters the schema allows. */
function manyLines(base: number, max = 32_000) {
  const lines = head();
  for (let i = 0; ; i++) {
    const add = ['m=audio 9 UDP/TLS/RTP/SAVPF 111', `a=mid:${base + i}`, 'a=recvonly', 'a=rtpmap:111 opus/48000/2'];
    if ((lines.concat(add).join('\r\n') + '\r\n').length > max) return { sdp: lines.join('\r\n') + '\r\n', n: i };
    lines.push(...add);
  }
}

/** `n` recvonly audio m-lines with fresh mids from `base` (what a page may renegotiate with, but new each time). */
const fewLines = (n: number, base: number) =>
  [...head(), ...Array.from({ length: n }, (_, i) => ['m=audio 9 UDP/TLS/RTP/SAVPF 111', `a=mid:${base + i}`, 'a=recvonly', 'a=rtpmap:111 opus/48000/2']).flat()].join('\r\n') + '\r\n';

describe('pub offers', () => {
  test('an offer with hundreds of m-lines is refused before werift (it blocks the event loop for tens of ms, per offer)', async () => {
    const { s, call, participant: p } = setup();
    const { sdp, n } = manyLines(0);
    expect(n).toBeGreaterThan(300);
    let last = performance.now();
    let maxGap = 0;
    const iv = setInterval(() => {
      const t = performance.now();
      maxGap = Math.max(maxGap, t - last);
      last = t;
    }, 1);
    let refused: unknown = null;
    for (let k = 0; k < 5; k++) {
      try {
        await s.handle(call, p, { type: 'offer', sdp: manyLines(k * 1000).sdp, sources: {} });
      } catch (e) {
        refused = e;
      }
    }
    clearInterval(iv);
    console.log(`${n} m-lines per offer: longest event-loop stall ${maxGap.toFixed(0)} ms; werift transceivers on pub: ${(p.pub as unknown as { getTransceivers(): unknown[] } | null)?.getTransceivers().length ?? 0}`);
    expect(refused).toBeInstanceOf(CallError);
    expect(p.pub).toBeNull();
  });

  test('renegotiating pub is limited: 20 offers in 10 s, 256 mids over the connection (fresh mids each time grew memory without end)', async () => {
    let clock = 0;
    const s = new Sfu(rtcConfigFromEnv({ RTC_LISTEN_IP: '127.0.0.1' }), { info() {}, warn() {} }, () => clock);
    sfus.push(s);
    const { call, participant: p } = s.join({ roomId: 'r', member: { userId: 'u', name: 'U' }, host: false, start: 'group', endpoint: { send() {}, close() {} } });
    const offer = (k: number) => s.handle(call, p, { type: 'offer', sdp: fewLines(3, k * 3), sources: {} });
    for (let k = 0; k < OFFER_LIMITS.perTenSeconds; k++) await offer(k);
    await expect(offer(100)).rejects.toThrow('Too many changes to the call at once: wait a few seconds and try again.');
    clock += 10_001;
    // Fresh mids, 3 an offer: the connection's 256 run out within the next offers.
    let refused = '';
    for (let k = 200; k < 400 && !refused; k++) {
      if (k % OFFER_LIMITS.perTenSeconds === 0) clock += 10_001;
      await offer(k).catch((e: Error) => (refused = e.message));
    }
    expect(refused).toBe('This call connection has changed too often: leave the call and join again.');
    expect(p.pubMids.size).toBeLessThanOrEqual(OFFER_LIMITS.mids);
  }, 30_000);
});

describe('ICE candidates inside an offer', () => {
  // werift's ICE connection of `pub`: the remote candidates it keeps (and sends connectivity checks to).
  const remoteCandidates = (pc: unknown) => (pc as { iceTransports: { connection: { _remoteCandidates: unknown[] } }[] }).iceTransports[0]!.connection._remoteCandidates;

  test(`are capped like trickled ones (${MAX_REMOTE_CANDIDATES} per connection and ICE generation)`, async () => {
    const { s, call, participant: p } = setup();
    // 300 candidates naming hosts and ports on the campus network, and the server's own loopback.
    const cands = Array.from({ length: 300 }, (_, i) => `a=candidate:${i} 1 udp 2122260223 ${i % 2 ? '127.0.0.1' : `10.0.${i >> 8}.${i & 255}`} ${1 + i} typ host`);
    const sdp = [...head(), 'a=group:BUNDLE 0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=recvonly', 'a=rtpmap:111 opus/48000/2', ...cands].join('\r\n') + '\r\n';
    expect(sdp.length).toBeLessThan(32_000);
    await s.handle(call, p, { type: 'offer', sdp, sources: {} });
    await Bun.sleep(100);
    console.log(`remote candidates werift will check: ${remoteCandidates(p.pub).length}`);
    expect(remoteCandidates(p.pub).length).toBeLessThanOrEqual(MAX_REMOTE_CANDIDATES);
  });

  // The SFU of these tests listens on loopback, which it therefore talks to; a denied range stands in
  // for the campus hosts (and loopback itself in production, see remote-peers.test.ts).
  test('a host:port in a denied range named in an offer gets no STUN from the SFU (it got the offer\'s ufrag, verbatim, 3+ times a second)', async () => {
    const sock = createSocket('udp4');
    const got: Buffer[] = [];
    sock.on('message', (m) => got.push(m));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.2', r));
    try {
      const { s, call, participant: p } = setup({ RTC_DENIED_PEER_CIDRS: '127.0.0.2/32' });
      const ufrag = 'ATTACKER_CHOSEN_BYTES_' + 'X'.repeat(100);
      const sdp = [...head(ufrag), 'a=group:BUNDLE 0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=recvonly', 'a=rtpmap:111 opus/48000/2', `a=candidate:1 1 udp 2122260223 127.0.0.2 ${sock.address().port} typ host`].join('\r\n') + '\r\n';
      await s.handle(call, p, { type: 'offer', sdp, sources: {} });
      await Bun.sleep(1500);
      console.log(`${got.length} STUN packets to 127.0.0.2:${sock.address().port}; first carries the ufrag: ${got[0]?.toString('latin1').includes(ufrag)}`);
      expect(got.length).toBe(0);
    } finally {
      sock.close();
    }
  });
});

describe('data channels', () => {
  test('a lecture student without the microphone cannot open a data channel on pub (werift then reassembles messages of any size)', async () => {
    const s = new Sfu(rtcConfigFromEnv({ RTC_LISTEN_IP: '127.0.0.1' }), { info() {}, warn() {} });
    sfus.push(s);
    s.join({ roomId: 'r', member: { userId: 'host', name: 'Lecturer' }, host: true, start: 'lecture', endpoint: { send() {}, close() {} } });
    const got: ServerMsg[] = [];
    const { call, participant: p } = s.join({ roomId: 'r', member: { userId: 'student', name: 'Student' }, host: false, endpoint: { send: (m) => void got.push(m), close() {} } });
    expect(p.seat).toEqual({ host: false, micGranted: false });
    const browser = new RTCPeerConnection({ iceUseIpv6: false, iceInterfaceAddresses: { udp4: '127.0.0.1' } });
    try {
      const dc = browser.createDataChannel('anything');
      const opened = new Promise<void>((r) => dc.stateChanged.subscribe((st) => st === 'open' && r()));
      await browser.setLocalDescription(await browser.createOffer());
      // m=application marked recvonly: Call.offer skips it (nothing "sent"), werift opens SCTP all the same.
      const sdp = browser.localDescription!.sdp.replace('a=mid:0', 'a=mid:0\r\na=recvonly');
      let refused = false;
      await s.handle(call, p, { type: 'offer', sdp, sources: {} }).catch(() => (refused = true));
      const answer = got.find((m): m is Extract<ServerMsg, { type: 'answer' }> => m.type === 'answer');
      if (answer) await browser.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
      const open = await Promise.race([opened.then(() => true), Bun.sleep(5000).then(() => false)]);
      let most = 0;
      if (open) {
        // The student's own SCTP stack: no max-message-size check, no regard for the SFU's receive window.
        const t = (browser as unknown as { sctpTransport: { remoteMaxMessageSize: number; sctp: object } }).sctpTransport;
        t.remoteMaxMessageSize = 0;
        Object.defineProperty(t.sctp, 'peerRwnd', { get: () => 1e12 });
        const sfuSctp = (p.pub as unknown as { sctpTransport: { sctp: { inboundStreams: Record<string, { reassembly: { userData: Buffer }[] }> } } }).sctpTransport.sctp;
        dc.send(Buffer.alloc(32 * 1024 * 1024, 1));
        for (let i = 0; i < 30; i++) {
          await Bun.sleep(100);
          most = Math.max(most, Object.values(sfuSctp.inboundStreams).reduce((a, st) => a + st.reassembly.reduce((b, c) => b + c.userData.length, 0), 0));
        }
      }
      console.log(`offer refused: ${refused}; data channel to the SFU open: ${open}; the SFU reassembled ${(most / 1e6).toFixed(1)} MB of one message in 3 s`);
      expect(open).toBe(false);
    } finally {
      await browser.close();
    }
  }, 30_000);
});
