/**
 * Configuration comes only from environment variables, parsed and validated once at start-up.
 * Every other module receives a `Config` value; nothing else reads `process.env`.
 */
import { join } from 'node:path';
import { rtcConfigFromEnv, type RtcConfig } from './rtc/config';
import { notifyConfigFromEnv, type NotifyConfig } from './features/moderation/notify-config';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  mongodbUri: string | null;
  /** Redis for fan-out between several server nodes; null = one node. */
  redisUrl: string | null;
  /** Origin the browser sees, e.g. https://chat.unilag.edu.ng; null = derive from the Host header. */
  publicUrl: string | null;
  /** Cookies get `Secure` when the public URL is https. */
  secureCookies: boolean;
  logLevel: LogLevel;
  /**
   * TRUST_PROXY: how many reverse proxies of ours stand in front of the server (0 = none: the
   * client IP is the socket's peer). With N, the client IP is the Nth X-Forwarded-For entry from the
   * right, the address our outermost proxy saw; entries left of it are whatever the client sent.
   */
  trustProxyHops: number;
  /** Lifetime of one-time login codes issued by admins. */
  loginCodeTtlMs: number;
  /** A session expires after this long without use (sliding). */
  sessionIdleMs: number;
  /** …and this long after sign-in whatever its use (a lost or shared device does not stay signed in). */
  sessionMaxMs: number;
  /** IANA time zone for times shown in pages (server-rendered, so no client clock needed). */
  timeZone: string;
  /** Calls (the SFU): RTC_* variables, see README "Calls". */
  rtc: RtcConfig;
  /** Bearer token for GET /metrics; null = no /metrics endpoint (404). */
  metricsToken: string | null;
  /** Stored files (README "Files"). */
  files: FileLimits;
  /**
   * Which rooms the safeguarding classifier scans before delivery (MODERATION_SCOPE): 'minors'
   * (default) = rooms with at least one minor member; 'all' = every room.
   */
  moderationScope: ModerationScope;
  /** MODERATION_WEIGHTS: a weights file retrained by the university (null: the shipped model). */
  moderationWeights: string | null;
  /** Safeguarding officers' email / webhook notifications (SMTP_*, SAFEGUARDING_*; README "Notifications"). */
  notify: NotifyConfig;
  /** The automatic part of the safeguarding policy (MODERATION_*; README "Safeguarding"). */
  moderationPolicy: { restrictAfter: number; restrictWindowMs: number; statementMs: number; reviewCases: boolean };
  /**
   * Emails to people about direct messages and mentions they missed (MISSED_EMAIL_*; README "Emails
   * about missed messages"). Null = none: MISSED_EMAIL_MINUTES=0, or no mail server (SMTP_URL), or
   * no PUBLIC_URL (an email's links need the address people open).
   */
  missedMail: MissedMailConfig | null;
}

export interface MissedMailConfig {
  /** A message still unread this long after it was sent, with no tab of hers open, is emailed about. */
  afterMs: number;
  /** The email quotes the messages (MISSED_EMAIL_TEXT, default true); false: who wrote where, and how many. */
  withText: boolean;
}

export type ModerationScope = 'minors' | 'all';

export interface FileLimits {
  /** Largest file accepted for storage (FILE_MAX_BYTES, default 1 GiB). */
  maxFileBytes: number;
  /** Bytes one user may store in all rooms, finished and unfinished uploads (FILE_USER_QUOTA_BYTES). */
  userQuotaBytes: number;
  /** Bytes one room may hold (FILE_ROOM_QUOTA_BYTES). */
  roomQuotaBytes: number;
  /** Unfinished uploads untouched this long are deleted (UPLOAD_EXPIRE_HOURS, default 24). */
  uploadExpireMs: number;
  /** Files larger than this are not stored but sent browser to browser (FILE_DIRECT_THRESHOLD_BYTES, default 1 GiB). */
  directThresholdBytes: number;
  /** Direct transfers always go through the server's relay, never peer to peer (FILE_TRANSFER_RELAY_ONLY). */
  relayOnly: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const DAY = 86_400_000;
const GIB = 1024 ** 3;
const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

function int(env: Record<string, string | undefined>, key: string, def: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${key} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${key} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Record<string, string | undefined>, key: string, fallback = false): boolean {
  const raw = (env[key] ?? '').toLowerCase();
  if (raw === '') return fallback;
  if (raw === '0' || raw === 'false' || raw === 'no') return false;
  if (raw === '1' || raw === 'true' || raw === 'yes') return true;
  throw new ConfigError(`${key} must be true or false, got "${env[key]}"`);
}

/** Minutes, decimals allowed (0.5 = 30 s), 0 = off, otherwise 0.05 (3 s) to 1440 (a day). */
function minutes(env: Record<string, string | undefined>, key: string, def: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || (n !== 0 && (n < 0.05 || n > 1440))) throw new ConfigError(`${key} must be 0 (off) or a number of minutes from 0.05 to 1440, got "${raw}"`);
  return n;
}

/** An idle limit past the hard one would never apply: refused rather than ignored (QA s17). */
function sessionLimits(env: Record<string, string | undefined>) {
  const max = int(env, 'SESSION_MAX_DAYS', 90, 1, 3650);
  // Unset, it never exceeds the hard limit: SESSION_MAX_DAYS=7 alone must still start.
  const idle = int(env, 'SESSION_IDLE_DAYS', Math.min(30, max), 1, 365);
  if (idle > max) throw new ConfigError(`SESSION_IDLE_DAYS (${idle}) is longer than SESSION_MAX_DAYS (${max}): it would never apply; make it shorter, or SESSION_MAX_DAYS longer`);
  return { sessionIdleMs: idle * DAY, sessionMaxMs: max * DAY };
}

/** TRUST_PROXY: false (default) = 0 hops, true = 1 (one proxy of ours), or a number of proxies 0–10. */
function proxyHops(env: Record<string, string | undefined>): number {
  const raw = (env.TRUST_PROXY ?? '').trim().toLowerCase();
  if (/^\d+$/.test(raw) && Number(raw) <= 10) return Number(raw);
  try {
    return bool(env, 'TRUST_PROXY') ? 1 : 0;
  } catch {
    throw new ConfigError(`TRUST_PROXY must be true, false or the number of reverse proxies in front of the server (0 to 10), got "${env.TRUST_PROXY}"`);
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  let publicUrl: string | null = null;
  if (env.PUBLIC_URL) {
    let u: URL;
    try {
      u = new URL(env.PUBLIC_URL);
    } catch {
      throw new ConfigError(`PUBLIC_URL must be an absolute URL such as https://chat.example.edu, got "${env.PUBLIC_URL}"`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError('PUBLIC_URL must use http or https');
    publicUrl = u.origin;
  }
  const mongodbUri = env.MONGODB_URI ? env.MONGODB_URI : null;
  if (mongodbUri && !/^mongodb(\+srv)?:\/\//.test(mongodbUri)) {
    throw new ConfigError('MONGODB_URI must start with mongodb:// or mongodb+srv://');
  }
  // Without one the driver silently uses a database called "test" (QA s17): a typo'd or missing name
  // would start an empty Lets Talk beside the real one.
  if (mongodbUri && !/^mongodb(\+srv)?:\/\/[^/]+\/[^/?]+/.test(mongodbUri)) {
    throw new ConfigError('MONGODB_URI must name the database after the host, e.g. mongodb://db.unilag.edu.ng:27017/letstalk (an install that ran without one has its data in "test": name that; with a user whose account is in another database add ?authSource=admin)');
  }
  const timeZone = env.TIME_ZONE || 'Africa/Lagos';
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new ConfigError(`TIME_ZONE must be an IANA time zone such as Africa/Lagos, got "${timeZone}"`);
  }
  const redisUrl = env.REDIS_URL || null;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError('REDIS_URL must start with redis:// or rediss://');
  const metricsToken = env.METRICS_TOKEN || null;
  if (metricsToken && !/^[\x21-\x7e]{16,256}$/.test(metricsToken)) {
    throw new ConfigError('METRICS_TOKEN must be 16 to 256 printable characters without spaces');
  }
  let rtc: RtcConfig;
  try {
    rtc = rtcConfigFromEnv(env);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const moderationScope = (env.MODERATION_SCOPE || 'minors').toLowerCase();
  if (moderationScope !== 'minors' && moderationScope !== 'all') throw new ConfigError(`MODERATION_SCOPE must be minors or all, got "${env.MODERATION_SCOPE}"`);
  // Safeguarding notifications: parsed beside the notifier (features/moderation/notify-config.ts).
  let notify: NotifyConfig;
  try {
    notify = notifyConfigFromEnv(env);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const missedMinutes = minutes(env, 'MISSED_EMAIL_MINUTES', 10);
  const withText = bool(env, 'MISSED_EMAIL_TEXT', true);
  const missedMail = missedMinutes && notify.smtp && publicUrl ? { afterMs: Math.round(missedMinutes * 60_000), withText } : null;
  // A mail server for nobody: most likely a mistyped or forgotten variable, and officers would hear nothing.
  if (notify.smtp && !notify.smtp.to.length && !missedMail) {
    throw new ConfigError('SMTP_URL is set but nothing would be emailed: set SAFEGUARDING_EMAILS (safeguarding officers) and/or PUBLIC_URL (emails about missed messages; MISSED_EMAIL_MINUTES is not 0)');
  }
  const dataDir = env.DATA_DIR || './data';
  const maxFileBytes = int(env, 'FILE_MAX_BYTES', GIB, 0, 2 ** 50);
  // Lecture recordings are written here while they run, then stored as files in their rooms.
  rtc = { ...rtc, recordingDir: join(dataDir, 'recordings'), recordingMaxBytes: maxFileBytes };
  const level = (env.LOG_LEVEL ?? 'info').toLowerCase() as LogLevel;
  if (!LEVELS.includes(level)) throw new ConfigError(`LOG_LEVEL must be one of ${LEVELS.join(', ')}`);
  return {
    port: int(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    dataDir,
    mongodbUri,
    redisUrl,
    publicUrl,
    secureCookies: publicUrl?.startsWith('https:') ?? false,
    logLevel: level,
    trustProxyHops: proxyHops(env),
    loginCodeTtlMs: int(env, 'LOGIN_CODE_TTL_DAYS', 14, 1, 365) * DAY,
    ...sessionLimits(env),
    timeZone,
    rtc,
    metricsToken,
    files: {
      maxFileBytes,
      userQuotaBytes: int(env, 'FILE_USER_QUOTA_BYTES', 10 * GIB, 0, 2 ** 50),
      roomQuotaBytes: int(env, 'FILE_ROOM_QUOTA_BYTES', 50 * GIB, 0, 2 ** 50),
      uploadExpireMs: int(env, 'UPLOAD_EXPIRE_HOURS', 24, 1, 24 * 365) * 3_600_000,
      directThresholdBytes: int(env, 'FILE_DIRECT_THRESHOLD_BYTES', GIB, 1, 2 ** 50),
      relayOnly: bool(env, 'FILE_TRANSFER_RELAY_ONLY'),
    },
    moderationScope,
    // read at start-up (main.ts): a missing or damaged file stops the server there
    moderationWeights: env.MODERATION_WEIGHTS || null,
    notify,
    moderationPolicy: {
      restrictAfter: int(env, 'MODERATION_RESTRICT_AFTER', 2, 1, 100),
      restrictWindowMs: int(env, 'MODERATION_RESTRICT_WINDOW_DAYS', 30, 1, 365) * DAY,
      statementMs: int(env, 'MODERATION_STATEMENT_DAYS', 14, 1, 365) * DAY,
      reviewCases: bool(env, 'MODERATION_REVIEW_CASES', true),
    },
    missedMail,
  };
}
