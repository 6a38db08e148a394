/** Which remote addresses the media sockets may send to (remote-peers.ts). */
import { describe, expect, test } from 'bun:test';
import { rtcConfigFromEnv } from './config';
import { candidateAllowed, limitCandidates, parseCidr, peerAllowed } from './remote-peers';

const prod = rtcConfigFromEnv({ RTC_LISTEN_IP: '203.0.113.7', RTC_DENIED_PEER_CIDRS: '10.20.0.0/16, 192.0.2.1' });
const dev = rtcConfigFromEnv({ RTC_LISTEN_IP: '127.0.0.1' });

describe('remote peers', () => {
  test('browsers\' addresses are allowed, students\' private ones included; the server\'s neighbourhood is not', () => {
    for (const host of ['198.51.100.20', '10.1.2.3', '192.168.1.40', '172.16.5.5']) expect(peerAllowed(prod, host, 50_000)).toBe(true);
    for (const host of ['127.0.0.1', '0.0.0.0', '169.254.169.254', '224.0.0.251', '255.255.255.255', '10.20.3.4', '192.0.2.1', 'abc.local', 'printer.campus', '::1', '10.1.2.300']) {
      expect([host, peerAllowed(prod, host, 50_000)]).toEqual([host, false]);
    }
    expect(peerAllowed(prod, '198.51.100.20', 53)).toBe(false); // a DNS server, not a browser
    expect(peerAllowed(prod, '198.51.100.20', 70_000)).toBe(false);
    // Listening on loopback (development, tests): loopback is where the browsers are.
    expect(peerAllowed(dev, '127.0.0.1', 50_000)).toBe(true);
    expect(candidateAllowed(prod, 'a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host')).toBe(false);
    expect(candidateAllowed(prod, 'candidate:1 1 udp 2122260223 198.51.100.20 50000 typ srflx raddr 0.0.0.0 rport 0')).toBe(true);
  });

  test('an offer keeps its allowed candidates, at most the cap', () => {
    const lines = Array.from({ length: 10 }, (_, i) => `a=candidate:${i} 1 udp 1 ${i % 2 ? '127.0.0.1' : `198.51.100.${i}`} ${40_000 + i} typ host`);
    const { sdp, kept } = limitCandidates(prod, ['v=0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', ...lines, 'a=mid:0'].join('\r\n'), 3);
    expect(kept).toBe(3);
    expect(sdp.split('\r\n').filter((l) => l.startsWith('a=candidate:'))).toEqual([lines[0]!, lines[2]!, lines[4]!]);
    expect(sdp).toContain('a=mid:0');
  });

  test('RTC_DENIED_PEER_CIDRS is checked at start', () => {
    expect(parseCidr('10.20.0.0/16')).toEqual({ base: (10 << 24) + (20 << 16), mask: 0xffff0000 });
    expect(() => rtcConfigFromEnv({ RTC_DENIED_PEER_CIDRS: '10.0.0.0/33' })).toThrow('RTC_DENIED_PEER_CIDRS: "10.0.0.0/33" is not an IPv4 range such as 10.20.0.0/16');
    expect(() => rtcConfigFromEnv({ RTC_DENIED_PEER_CIDRS: 'campus' })).toThrow('RTC_DENIED_PEER_CIDRS');
  });
});
