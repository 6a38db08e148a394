/**
 * SFU settings, parsed from RTC_* environment variables by server/config.ts (documented in README
 * "Calls → Deploying"). Kept here so server/rtc depends on nothing outside itself.
 */
import type { IceServer } from './protocol';
import { parseCidr, type Cidr } from './remote-peers';

export interface RtcConfig {
  /** Local address to bind media sockets to and to announce (null = every interface). */
  listenIp: string | null;
  /** Address announced in host candidates instead of the local one (server behind 1:1 NAT). */
  publicIp: string | null;
  /** UDP port range for media sockets (null = any free port). */
  portRange: [number, number] | null;
  /** STUN/TURN URLs handed to browsers. */
  stunUrls: string[];
  turnUrls: string[];
  /** Shared secret of the TURN server (coturn `use-auth-secret`): browsers get short-lived credentials. */
  turnSecret: string | null;
  /** Cap on what one publisher is asked to send for its camera (bps). */
  maxBitrate: number;
  maxParticipants: number;
  /** How long a participant may leave the server's offer without a usable answer (ms; default 20 s; tests). */
  answerTimeoutMs?: number;
  /** How long a lecture goes on after its last host left before it ends (ms; default 5 min; tests). */
  lectureHostlessMs?: number;
  /** Where lecture recordings are written while they run (default: a folder in the system's temporary directory). */
  recordingDir?: string;
  /** A recording stops by itself at this many bytes (default 1 GiB: FILE_MAX_BYTES, since it becomes a file). */
  recordingMaxBytes?: number;
  /** How long a recording waits for the host recorded to come back (ms; default 5 min; tests). */
  recordingWaitMs?: number;
  /** Remote addresses media sockets never send to, beyond the built-in ones (remote-peers.ts). */
  deniedPeers?: Cidr[];
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

function urls(raw: string | undefined, scheme: RegExp, key: string): string[] {
  const list = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const u of list) if (!scheme.test(u)) throw new Error(`${key} has "${u}", which is not a ${scheme.source.slice(1, -1)} URL`);
  return list;
}

function num(env: Record<string, string | undefined>, key: string, def: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new Error(`${key} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return Number(raw);
}

export function rtcConfigFromEnv(env: Record<string, string | undefined>): RtcConfig {
  const ip = (key: string) => {
    const v = env[key] || null;
    if (v && !IPV4.test(v)) throw new Error(`${key} must be an IPv4 address such as 203.0.113.7, got "${v}"`);
    return v;
  };
  const lo = num(env, 'RTC_PORT_MIN', 0, 1024, 65535);
  const hi = num(env, 'RTC_PORT_MAX', 0, 1024, 65535);
  if ((lo === 0) !== (hi === 0)) throw new Error('RTC_PORT_MIN and RTC_PORT_MAX must be set together');
  if (lo && hi <= lo) throw new Error('RTC_PORT_MAX must be greater than RTC_PORT_MIN');
  const turnUrls = urls(env.RTC_TURN_URLS, /^turns?:/, 'RTC_TURN_URLS');
  const turnSecret = env.RTC_TURN_SECRET || null;
  if (turnUrls.length && !turnSecret) throw new Error('RTC_TURN_URLS needs RTC_TURN_SECRET (the TURN server\'s static-auth-secret)');
  return {
    listenIp: ip('RTC_LISTEN_IP'),
    publicIp: ip('RTC_PUBLIC_IP'),
    portRange: lo ? [lo, hi] : null,
    stunUrls: urls(env.RTC_STUN_URLS, /^stun:/, 'RTC_STUN_URLS'),
    turnUrls,
    turnSecret,
    maxBitrate: num(env, 'RTC_MAX_BITRATE_KBPS', 2500, 100, 50_000) * 1000,
    maxParticipants: num(env, 'RTC_MAX_PARTICIPANTS', 60, 2, 1000),
    deniedPeers: (env.RTC_DENIED_PEER_CIDRS ?? '').split(',').filter((s) => s.trim()).map((s) => {
      try {
        return parseCidr(s);
      } catch (e) {
        throw new Error(`RTC_DENIED_PEER_CIDRS: ${(e as Error).message}`);
      }
    }),
  };
}

/**
 * ICE servers for one browser. TURN credentials follow the TURN REST convention coturn implements:
 * username "<expiry unix time>:<user id>", password base64(HMAC-SHA1(secret, username)).
 */
export function iceServersFor(cfg: RtcConfig, userId: string, nowMs: number, ttlSec = 12 * 3600): IceServer[] {
  const out: IceServer[] = [];
  if (cfg.stunUrls.length) out.push({ urls: cfg.stunUrls });
  if (cfg.turnUrls.length && cfg.turnSecret) {
    const username = `${Math.floor(nowMs / 1000) + ttlSec}:${userId}`;
    const credential = new Bun.CryptoHasher('sha1', cfg.turnSecret).update(username).digest('base64');
    out.push({ urls: cfg.turnUrls, username, credential });
  }
  return out;
}
