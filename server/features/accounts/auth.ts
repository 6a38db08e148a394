/**
 * Signing in (password or one-time login code) and setting a password.
 *
 * Sign-in protocol: rate-limit check (per account and per IP) → look the user up → if what was
 * typed has the shape of a login code and the user holds one, try the code (atomically consumed:
 * a code works once) → otherwise verify the argon2id password → check the account status →
 * start a session. Per account, every attempt is counted before any secret is checked and a success
 * clears the count; per address, failures are counted and at most four of one address's attempts run at once.
 */
import { AppError, badRequest, forbidden, inMinutes, rateLimited, unauthenticated } from '../../errors';
import type { User } from '../../store/types';
import { recordAudit } from '../audit/record';
import { hashLoginCode, normaliseLoginCode } from './codes';
import { validatePassword } from './model';
import { memoryLimiters, type LimiterFactory, type RateLimiter } from '../../lib/sliding-window';
import { startSession, type SessionContext } from './sessions';
import { KeyedLock } from '../../lib/keyed-lock';
import { knownDevice, rememberDevice } from './devices';
import type { LiveConnections } from './actions';

export interface AuthContext extends SessionContext {
  /** Closes a user's live sockets (the hub); absent in the CLI, where each socket's next message finds its session gone. */
  live?: LiveConnections;
  /** Attempts for an account from browsers that never signed in to it (see devices.ts). */
  accountLimiter: RateLimiter;
  /** Attempts from one browser that has signed in to the account before, per browser. */
  deviceLimiter: RateLimiter;
  ipLimiter: RateLimiter;
  /** Locks already audited on this node: key → until (see auditLock). */
  locksAudited: Map<string, number>;
}

export function createLimiters(make: LimiterFactory = memoryLimiters) {
  return {
    accountLimiter: make('signin-account', 5, 15 * 60_000),
    deviceLimiter: make('signin-device', 5, 15 * 60_000),
    ipLimiter: make('signin-ip', 30, 15 * 60_000),
    locksAudited: new Map<string, number>(),
  };
}

// A real argon2id hash of a random string: verifying against it when the email is unknown keeps
// the response time the same as for a known email (no account enumeration by timing).
const DUMMY_HASH = Bun.password.hash(crypto.randomUUID(), { algorithm: 'argon2id' });

export const WRONG_CREDENTIALS = 'Wrong email or password.';

function lockedMessage(sec: number) {
  return `Too many sign-in attempts. Try again in ${inMinutes(sec)}.`;
}

const NEW_DEVICES_LOCKED = ' A device you have signed in with before can still sign in.';

/**
 * A lock (an account's, a browser's or an address's count used up) is audited once, at the first
 * refused attempt: the failures before it are audited one by one, the refusals after it would only
 * flood the log. Per node (locks noticed on several nodes are audited once on each); bounded.
 */
const MAX_LOCKS_REMEMBERED = 10_000;

async function auditLock(ctx: AuthContext, input: SignInInput, user: User | null, scope: 'account' | 'device' | 'address', key: string, waitSec: number) {
  const now = Date.now();
  const id = `${scope}|${key}`;
  const locksAudited = ctx.locksAudited;
  if ((locksAudited.get(id) ?? 0) > now) return;
  if (locksAudited.size >= MAX_LOCKS_REMEMBERED) for (const [k, until] of locksAudited) if (until <= now || locksAudited.size >= MAX_LOCKS_REMEMBERED) locksAudited.delete(k);
  locksAudited.set(id, now + waitSec * 1000);
  await recordAudit(ctx.store, { userId: user?.id ?? null, origin: input.ip ?? 'unknown' }, 'session.login_locked', user?.id ?? null, { email: input.email.trim().toLowerCase(), scope, retryAfterSec: waitSec });
}

export async function signIn(
  ctx: AuthContext,
  input: SignInInput,
): Promise<SignedIn> {
  const email = input.email.trim().toLowerCase();
  const ipKey = input.ip ?? 'unknown';
  if (!email || !input.secret) throw badRequest('Enter your email and password.');
  // Per address, failures only (a campus NAT puts whole lecture halls behind one address, and they
  // all sign in at once): at most SIGNIN_WIDTH of its attempts run at once on this node, each
  // checking the count the failures before it left, so parallel guesses cannot all start under the
  // limit (at most SIGNIN_WIDTH − 1 more per node), while a hall's sign-ins use every core. Per
  // account: every attempt is counted before the slow password check, on every node (REDIS_URL);
  // a success clears the count.
  return ipTurns.run(ipKey, () => signInTurn(ctx, input, email, ipKey));
}

export interface SignInInput {
  email: string;
  secret: string;
  ip: string | null;
  userAgent: string | null;
  /** The tokens of the browser's device cookies (devices.ts `deviceEntries`). */
  devices?: string[];
}

export interface SignedIn {
  token: string;
  user: User;
  /** A new device cookie to set (this browser had not signed in to the account before), else null. */
  deviceCookie: string | null;
}

/** Password checks are CPU-bound: a few at once per address keep every core busy (see signIn). */
const SIGNIN_WIDTH = 4;
const ipTurns = new KeyedLock(SIGNIN_WIDTH);

async function signInTurn(ctx: AuthContext, input: SignInInput, email: string, ipKey: string): Promise<SignedIn> {
  // A browser that signed in to this account (with its current password) counts its own attempts;
  // every other browser shares the account's count, which a stranger can use up (devices.ts).
  const user = await ctx.store.users.byEmail(email);
  const device = user ? knownDevice(ctx.sessionKey, user, input.devices ?? []) : null;
  // The address's count stops sprayers trying passwords on many accounts; a known device holds a
  // token only a right password earned, so it is neither stopped by that count nor adds to it:
  // thirty typos (or one prankster) behind a campus NAT must not lock out the whole hall.
  if (!device) {
    const ipWait = await ctx.ipLimiter.retryAfter(ipKey);
    if (ipWait > 0) {
      await auditLock(ctx, input, user, 'address', ipKey, ipWait);
      throw rateLimited(lockedMessage(ipWait), ipWait);
    }
  }
  const [limiter, key] = device ? [ctx.deviceLimiter, `${email}|${device}`] : [ctx.accountLimiter, email];
  const wait = await limiter.take(key);
  if (wait > 0) {
    await auditLock(ctx, input, user, device ? 'device' : 'account', key, wait);
    throw rateLimited(lockedMessage(wait) + (device ? '' : NEW_DEVICES_LOCKED), wait);
  }

  const fail = async (err: AppError, user: User | null) => {
    if (!device) await ctx.ipLimiter.record(ipKey);
    await recordAudit(ctx.store, { userId: user?.id ?? null, origin: input.ip ?? 'unknown' }, 'session.login_failed', user?.id ?? null, { email, reason: err.message });
    return err;
  };

  let viaCode = false;
  const code = normaliseLoginCode(input.secret);
  if (user && code && user.loginCodeHash) {
    const hash = hashLoginCode(code);
    if (hash === user.loginCodeHash) {
      if ((user.loginCodeExpiresAt ?? 0) <= Date.now()) throw await fail(unauthenticated('This login code has expired. Ask an administrator for a new one.'), user);
      if (user.status === 'active' && !(await ctx.store.users.consumeLoginCode(user.id, hash, Date.now()))) {
        throw await fail(unauthenticated(WRONG_CREDENTIALS), user); // used by a racing request
      }
      viaCode = true;
    }
  }
  if (!viaCode) {
    const ok = await Bun.password.verify(input.secret, user?.passwordHash ?? (await DUMMY_HASH));
    if (!user || !user.passwordHash || !ok) throw await fail(unauthenticated(WRONG_CREDENTIALS), user);
  }
  // Status is checked only after the credentials are right, so it reveals nothing to a guesser.
  if (user!.status !== 'active') {
    throw await fail(forbidden(`This account is ${user!.status}. Contact your administrator.`), user);
  }
  await limiter.reset(key);
  let signedIn = user!;
  if (viaCode) signedIn = (await ctx.store.users.update(signedIn.id, { mustSetPassword: true }))!;
  const token = await startSession(ctx, signedIn.id, { ip: input.ip, userAgent: input.userAgent });
  await recordAudit(ctx.store, { userId: signedIn.id, origin: input.ip ?? 'unknown' }, 'session.login', signedIn.id, { method: viaCode ? 'login_code' : 'password', device: device ? 'known' : 'new' });
  return { token, user: signedIn, deviceCookie: device ? null : rememberDevice(ctx.sessionKey, signedIn, input.devices ?? []) };
}

/**
 * Sets a new password. After a code sign-in (`mustSetPassword`) no current password is asked;
 * otherwise the current one must be given. Every session of the user is revoked and a fresh one
 * started for this browser.
 */
export async function setPassword(
  ctx: AuthContext,
  user: User,
  input: { current?: string; next: string; confirm: string; ip: string | null; userAgent: string | null; devices?: string[] },
): Promise<{ token: string; deviceCookie: string }> {
  if (!user.mustSetPassword) {
    if (!input.current || !user.passwordHash || !(await Bun.password.verify(input.current, user.passwordHash))) {
      throw badRequest('Your current password is not right.', { field: 'current' });
    }
  }
  const problem = validatePassword(input.next, input.confirm, user.email);
  if (problem) throw badRequest(problem, { field: 'next' });
  const passwordHash = await Bun.password.hash(input.next, { algorithm: 'argon2id' });
  await ctx.store.users.update(user.id, { passwordHash, mustSetPassword: false, loginCodeHash: null, loginCodeExpiresAt: null });
  const revoked = await ctx.store.sessions.deleteForUser(user.id);
  // Every open socket belongs to a session just revoked (this browser's new one has none yet).
  ctx.live?.closeUser(user.id, 4401, 'Signed out: the password was changed.');
  await recordAudit(ctx.store, { userId: user.id, origin: input.ip ?? 'unknown' }, 'user.password_set', user.id, { sessionsRevoked: revoked });
  const token = await startSession(ctx, user.id, { ip: input.ip, userAgent: input.userAgent });
  // The new password voided this browser's device token with every other: it gets one for the new one.
  return { token, deviceCookie: rememberDevice(ctx.sessionKey, { id: user.id, passwordHash }, input.devices ?? [], user) };
}
