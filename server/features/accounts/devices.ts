/**
 * Device cookies (OWASP's defence against lockout by strangers): a browser that has signed in to
 * an account keeps a signed token for it, and its sign-in attempts for that account are counted
 * apart from everyone else's. Anyone may still lock an account by guessing, but only for devices
 * never used for it: its owner signs in as usual on her phone or laptop.
 *
 * A token is `<nonce>.<mac>`, mac = HMAC(sessionKey, user id + password hash + nonce): it proves this
 * browser signed in to this account *with its current password* (or its current login code, when
 * it has no password), and nothing else (it is no session; signing out keeps it). Changing the
 * password or an administrator's reset voids every token for the account: one who once knew the
 * password cannot keep a stack of tokens, each with its own count, for after it changed. Setting a
 * password gives that browser a token for the new one. The nonce keys the device's own count.
 *
 * The cookie holds up to MAX_ENTRIES tokens (a lab computer or a family phone serves several
 * accounts), newest first. Every `lt_device` cookie the browser sends is read: a sibling subdomain
 * may plant one of its own, sent before ours, and cookie parsers keep only the first.
 */
import { timingSafeEqual } from 'node:crypto';
import type { User } from '../../store/types';
import { digestToken } from './sessions';

export const DEVICE_COOKIE = 'lt_device';
const MAX_ENTRIES = 5;
/** A year: a device used once a term stays known. */
export const DEVICE_COOKIE_MAX_AGE_SEC = 365 * 86_400;
const ENTRY = /^[A-Za-z0-9_-]{22}\.[0-9a-f]{32}$/;

type Holder = Pick<User, 'id' | 'passwordHash'>;

const mac = (key: string, user: Holder, nonce: string) => digestToken(key, `device:${user.id}:${user.passwordHash ?? ''}:${nonce}`).slice(0, 32);

/** The tokens in every `lt_device` cookie of a Cookie header (malformed ones dropped). */
export function deviceEntries(cookieHeader: string | null | undefined): string[] {
  if (!cookieHeader || cookieHeader.length > 8_192) return [];
  const out: string[] = [];
  for (const pair of cookieHeader.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== DEVICE_COOKIE) continue;
    for (const e of pair.slice(eq + 1).trim().split('~')) if (ENTRY.test(e) && !out.includes(e)) out.push(e);
  }
  return out;
}

/** The nonce of a token for `user` among `entries`, or null when there is none (or only forged ones). */
export function knownDevice(key: string, user: Holder, entries: string[]): string | null {
  for (const e of entries) {
    const [nonce, m] = e.split('.') as [string, string];
    if (timingSafeEqual(Buffer.from(m), Buffer.from(mac(key, user, nonce)))) return nonce;
  }
  return null;
}

/**
 * The cookie value that makes this browser known for `user`: a new token first, the others after,
 * less the one it replaces (this browser's token for `replacing`: the account before its password
 * changed, or as it is).
 */
export function rememberDevice(key: string, user: Holder, entries: string[], replacing: Holder = user): string {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url');
  const mine = knownDevice(key, replacing, entries);
  const others = entries.filter((e) => !mine || !e.startsWith(mine + '.'));
  return [`${nonce}.${mac(key, user, nonce)}`, ...others].slice(0, MAX_ENTRIES).join('~');
}
