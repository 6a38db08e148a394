/**
 * Device cookies (OWASP's defence against lockout by strangers): a browser that has signed in to
 * an account before keeps a signed token for it, and its sign-in attempts for that account are
 * counted apart from everyone else's. Anyone may still lock an account by guessing, but only for
 * devices it has never been used on: its owner signs in as usual on her phone or laptop.
 *
 * The cookie holds up to MAX_ENTRIES tokens (a lab computer or a family phone serves several
 * accounts), newest first, each `<nonce>.<mac>` where mac = HMAC(sessionKey, email + nonce): a
 * token proves this browser signed in to this email, and nothing else (it is no session; signing
 * out keeps it). The nonce keys the device's own attempt count.
 */
import { digestToken } from './sessions';

export const DEVICE_COOKIE = 'lt_device';
const MAX_ENTRIES = 5;
/** A year: a device used once a term stays known. */
export const DEVICE_COOKIE_MAX_AGE_SEC = 365 * 86_400;

const mac = (key: string, email: string, nonce: string) => digestToken(key, `device:${email}:${nonce}`).slice(0, 32);

function entries(cookie: string | undefined): string[] {
  if (!cookie || cookie.length > 1_000) return [];
  return cookie.split('~').filter((e) => /^[A-Za-z0-9_-]{22}\.[0-9a-f]{32}$/.test(e)).slice(0, MAX_ENTRIES);
}

/** The nonce of this browser's token for `email`, or null when it has none (or a forged one). */
export function knownDevice(key: string, email: string, cookie: string | undefined): string | null {
  for (const e of entries(cookie)) {
    const [nonce, m] = e.split('.') as [string, string];
    if (m === mac(key, email, nonce)) return nonce;
  }
  return null;
}

/** The cookie after a sign-in to `email` from a new device: its token first, the oldest dropped. */
export function rememberDevice(key: string, email: string, cookie: string | undefined): string {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url');
  const mine = knownDevice(key, email, cookie);
  const others = entries(cookie).filter((e) => !mine || !e.startsWith(mine + '.'));
  return [`${nonce}.${mac(key, email, nonce)}`, ...others].slice(0, MAX_ENTRIES).join('~');
}
