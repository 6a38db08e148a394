/**
 * Which remote addresses the server's media sockets may send to. ICE sends connectivity checks
 * (STUN, carrying the offer's ufrag) to every candidate a browser names, in its SDP or trickled: a
 * member could make the SFU, or the file relay, send packets to hosts and ports of the campus
 * network or to the server's own loopback services (a security review's proof). Refused: names
 * (mDNS `.local` ones cannot be resolved here anyway) and IPv6 (our sockets are IPv4), this
 * network (0/8), loopback (unless the SFU itself listens on loopback: development and tests),
 * link-local, multicast, reserved and broadcast addresses, ports below 1024 (browsers and TURN
 * servers use high ports), and whatever RTC_DENIED_PEER_CIDRS lists (the campus's server
 * networks, say; students' own private addresses must stay allowed where the SFU is on the LAN).
 */
import type { RtcConfig } from './config';

/** Remote ICE candidates accepted per connection and ICE generation (listed or trickled); more are ignored. */
export const MAX_REMOTE_CANDIDATES = 32;

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function ipv4(host: string): number | null {
  const m = IPV4.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

export interface Cidr {
  base: number;
  mask: number;
}

/** "10.0.0.0/8" → a range; throws Error naming the value when it is not an IPv4 CIDR. */
export function parseCidr(raw: string): Cidr {
  const [addr, bits = '32'] = raw.trim().split('/');
  const base = ipv4(addr ?? '');
  const n = Number(bits);
  if (base === null || !/^\d+$/.test(bits) || n > 32) throw new Error(`"${raw}" is not an IPv4 range such as 10.20.0.0/16`);
  const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
  return { base: (base & mask) >>> 0, mask };
}

const inRange = (ip: number, r: Cidr) => ((ip & r.mask) >>> 0) === r.base;
const ALWAYS_DENIED = ['0.0.0.0/8', '169.254.0.0/16', '224.0.0.0/3'].map(parseCidr); // 224/3: multicast, reserved, broadcast
const LOOPBACK = parseCidr('127.0.0.0/8');

export function peerAllowed(cfg: Pick<RtcConfig, 'listenIp' | 'deniedPeers'>, host: string, port: number): boolean {
  const ip = ipv4(host);
  if (ip === null || !Number.isInteger(port) || port < 1024 || port > 65535) return false;
  if (ALWAYS_DENIED.some((r) => inRange(ip, r))) return false;
  if (inRange(ip, LOOPBACK) && !(cfg.listenIp && inRange(ipv4(cfg.listenIp) ?? 0, LOOPBACK))) return false;
  return !(cfg.deniedPeers ?? []).some((r) => inRange(ip, r));
}

/** `candidate:<foundation> <component> <transport> <priority> <address> <port> typ …`, with or without `a=`. */
export function candidateAllowed(cfg: Pick<RtcConfig, 'listenIp' | 'deniedPeers'>, line: string): boolean {
  const parts = line.replace(/^a=/, '').trim().split(/\s+/);
  return peerAllowed(cfg, (parts[4] ?? '').replace(/\.$/, ''), Number(parts[5]));
}

/**
 * A remote description with its candidate lines limited: only allowed addresses, at most `max`
 * (the cap trickled candidates have: an offer listing 300 would be checked one by one).
 */
export function limitCandidates(cfg: Pick<RtcConfig, 'listenIp' | 'deniedPeers'>, sdp: string, max: number): { sdp: string; kept: number } {
  let kept = 0;
  const lines = sdp.split(/\r?\n/).filter((line) => {
    if (!line.startsWith('a=candidate:')) return true;
    if (kept >= max || !candidateAllowed(cfg, line)) return false;
    kept++;
    return true;
  });
  return { sdp: lines.join('\r\n'), kept };
}
