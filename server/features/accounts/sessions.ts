/**
 * Browser sessions. The cookie holds a random 256-bit token; the store holds only an HMAC of it,
 * so a database leak does not hand out sessions. Expiry slides: each use pushes it `idleMs` ahead
 * (written at most once a minute to spare the store), never past `maxMs` after sign-in.
 */
import type { Store, User } from '../../store/types';

export const SESSION_COOKIE = 'lt_session';
const TOUCH_EVERY_MS = 60_000;

export interface SessionContext {
  store: Store;
  sessionKey: string;
  idleMs: number;
  /** The longest a session lives after sign-in, however busy (default: no limit beyond idleness). */
  maxMs?: number;
}

/** When a session used at `now` expires: idle time ahead, capped at its absolute end. */
const expiryAt = (ctx: SessionContext, createdAt: number, now: number) => Math.min(now + ctx.idleMs, createdAt + (ctx.maxMs ?? Infinity));

export function digestToken(sessionKey: string, token: string): string {
  return new Bun.CryptoHasher('sha256', sessionKey).update(token).digest('hex');
}

export async function startSession(ctx: SessionContext, userId: string, meta: { ip: string | null; userAgent: string | null }): Promise<string> {
  const token = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
  const now = Date.now();
  await ctx.store.sessions.create({
    idHash: digestToken(ctx.sessionKey, token),
    userId,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: expiryAt(ctx, now, now),
    ip: meta.ip,
    userAgent: meta.userAgent?.slice(0, 300) ?? null,
  });
  return token;
}

/** The signed-in user for a cookie token, or null (unknown, expired, or the account is not active). */
export async function resolveSession(ctx: SessionContext, token: string | undefined): Promise<{ user: User; idHash: string } | null> {
  if (!token || token.length > 100) return null;
  return sessionUser(ctx, digestToken(ctx.sessionKey, token));
}

/**
 * The same for a session already resolved once: live sockets ask again on each message, so a
 * session revoked anywhere (a password change, sign-out everywhere, the CLI in another process)
 * stops working on its open sockets too.
 */
export async function sessionUser(ctx: SessionContext, idHash: string): Promise<{ user: User; idHash: string } | null> {
  const session = await ctx.store.sessions.get(idHash);
  const now = Date.now();
  if (!session) return null;
  if (session.expiresAt <= now || now >= session.createdAt + (ctx.maxMs ?? Infinity)) {
    await ctx.store.sessions.delete(idHash);
    return null;
  }
  const user = await ctx.store.users.byId(session.userId);
  if (!user || user.status !== 'active') {
    await ctx.store.sessions.delete(idHash);
    return null;
  }
  if (now - session.lastSeenAt > TOUCH_EVERY_MS) await ctx.store.sessions.touch(idHash, now, expiryAt(ctx, session.createdAt, now));
  return { user, idHash };
}

/**
 * `sessionUser` for a busy socket (call signalling, upload chunks): asked again at most once per
 * `everyMs`, so a session revoked elsewhere stops working within that time without a store read
 * per message. A refusal is never cached.
 */
export function sessionWatch(ctx: SessionContext, idHash: string, everyMs = SESSION_RECHECK_MS): () => Promise<{ user: User; idHash: string } | null> {
  let last: { v: { user: User; idHash: string }; at: number } | null = null;
  return async () => {
    const now = Date.now();
    if (last && now - last.at < everyMs) return last.v;
    const v = await sessionUser(ctx, idHash);
    last = v ? { v, at: now } : null;
    return v;
  };
}

export const SESSION_RECHECK_MS = 5_000;

export async function endSession(ctx: SessionContext, token: string | undefined) {
  if (token && token.length <= 100) await ctx.store.sessions.delete(digestToken(ctx.sessionKey, token));
}
