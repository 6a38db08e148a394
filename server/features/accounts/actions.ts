/**
 * Account administration actions, shared by the CLI and (later) the admin portal. Each takes
 * plain arguments, changes state, and writes an audit entry.
 */
import { badRequest, conflict, notFound } from '../../errors';
import { DuplicateEmailError, type Role, type Store, type User, type UserPatch } from '../../store/types';
import { recordAudit, type Actor } from '../audit/record';
import { generateLoginCode, hashLoginCode, normaliseLoginCode } from './codes';
import { isMinor, parseRole, SAFEGUARDING, validateDateOfBirth, validateEmail, validateName } from './model';

export const MINOR_OFFICER = 'A person under 18 cannot be a safeguarding officer: officers read flagged messages and case details.';
export const MINOR_ADMIN = 'A person under 18 cannot be an administrator: administrators see accounts, cases and the audit log.';

/**
 * The live connections of a user (the realtime hub). Actions that end sessions close them too, so
 * an open tab is signed out at once (close code 4401: the page goes to /login). The CLI runs in
 * another process and has none: there the next frame or page load finds the session gone.
 */
export interface LiveConnections {
  closeUser(userId: string, code: number, reason: string, session?: string): void;
}

const signOutLive = (live: LiveConnections | undefined, userId: string) => live?.closeUser(userId, 4401, 'Signed out');

export interface IssuedCode {
  user: User;
  loginCode: string;
  expiresAt: number;
}

function newCode(ttlMs: number, now: number) {
  const loginCode = generateLoginCode();
  return { loginCode, loginCodeHash: hashLoginCode(normaliseLoginCode(loginCode)!), loginCodeExpiresAt: now + ttlMs };
}

export async function createUser(
  store: Store,
  input: { email: string; name: string; role: string },
  opts: { codeTtlMs: number; actor: Actor },
): Promise<IssuedCode> {
  const emailErr = validateEmail(input.email);
  if (emailErr) throw badRequest(emailErr);
  const nameErr = validateName(input.name);
  if (nameErr) throw badRequest(nameErr);
  const role = parseRole(input.role);
  if (!role) throw badRequest(`unknown role "${input.role}" (use student, lecturer or admin)`);
  const now = Date.now();
  const code = newCode(opts.codeTtlMs, now);
  try {
    const user = await store.users.create({
      id: Bun.randomUUIDv7(),
      email: input.email.trim(),
      name: input.name.trim(),
      role: role as Role,
      dateOfBirth: null,
      minorOverride: null,
      matricNo: null,
      status: 'active',
      passwordHash: null,
      mustSetPassword: true,
      loginCodeHash: code.loginCodeHash,
      loginCodeExpiresAt: code.loginCodeExpiresAt,
      permissions: [],
    });
    await recordAudit(store, opts.actor, 'user.create', user.id, { email: user.email, role });
    return { user, loginCode: code.loginCode, expiresAt: code.loginCodeExpiresAt };
  } catch (e) {
    if (e instanceof DuplicateEmailError) throw conflict(`a user with email ${input.email.trim()} already exists`);
    throw e;
  }
}

async function mustFind(store: Store, email: string) {
  const user = await store.users.byEmail(email.trim());
  if (!user) throw notFound(`no user with email ${email.trim()}`);
  return user;
}

/** New one-time code; the old code, the password and every session stop working. */
export async function resetUser(store: Store, email: string, opts: { codeTtlMs: number; actor: Actor; live?: LiveConnections }): Promise<IssuedCode> {
  const user = await mustFind(store, email);
  const code = newCode(opts.codeTtlMs, Date.now());
  const updated = (await store.users.update(user.id, {
    loginCodeHash: code.loginCodeHash,
    loginCodeExpiresAt: code.loginCodeExpiresAt,
    passwordHash: null,
    mustSetPassword: true,
  }))!;
  const revoked = await store.sessions.deleteForUser(user.id);
  signOutLive(opts.live, user.id);
  await recordAudit(store, opts.actor, 'user.reset', user.id, { email: user.email, sessionsRevoked: revoked });
  return { user: updated, loginCode: code.loginCode, expiresAt: code.loginCodeExpiresAt };
}

/**
 * After a write that took the admin role or active status from `user`: if that left no active
 * administrator, it is undone (`undo`: every field the write changed) and refused. An admin cannot
 * demote or disable themself, so from the portal this only happens when two admins do it to each
 * other at the same moment (on one node or two); both may see none left and both be undone, but
 * there is never a lasting state with no administrator. From the CLI (no acting account) it is the
 * last administrator: another must be created first.
 */
async function keepAnAdmin(store: Store, user: User, undo: UserPatch, actor: Actor): Promise<void> {
  if ((await store.users.count({ role: 'admin', status: 'active' })) > 0) return;
  await store.users.update(user.id, undo);
  throw conflict(
    actor.userId === null
      ? `${user.email} is the last active administrator: create another first (the CLI's users create-admin). Nothing was changed.`
      : `That would leave no active administrator (another administrator's change to yours landed at the same moment). Nothing was changed for ${user.email}; reload and check.`,
  );
}

/** Disabled users cannot sign in and lose every session at once. */
const activeAdmin = (u: Pick<User, 'role' | 'status'>) => u.role === 'admin' && u.status === 'active';

export async function setUserStatus(store: Store, email: string, status: User['status'], actor: Actor, live?: LiveConnections, reason?: string): Promise<User> {
  const user = await mustFind(store, email);
  if (status !== 'active' && actor.userId === user.id) throw badRequest('You cannot disable or suspend your own account.');
  const updated = (await store.users.update(user.id, { status }))!;
  if (activeAdmin(user) && !activeAdmin(updated)) await keepAnAdmin(store, user, { status: user.status }, actor);
  const revoked = status === 'active' ? 0 : await store.sessions.deleteForUser(user.id);
  if (status !== 'active') signOutLive(live, user.id);
  const action = status === 'active' ? 'user.enable' : status === 'disabled' ? 'user.disable' : 'user.suspend';
  await recordAudit(store, actor, action, user.id, { email: user.email, sessionsRevoked: revoked, ...(reason ? { reason } : {}) });
  return updated;
}

/** Signs a user out everywhere: every session ends and their open tabs are closed. */
export async function revokeSessions(store: Store, userId: string, actor: Actor, live?: LiveConnections): Promise<number> {
  const user = await store.users.byId(userId);
  if (!user) throw notFound('No such user.');
  const revoked = await store.sessions.deleteForUser(user.id);
  signOutLive(live, user.id);
  await recordAudit(store, actor, 'user.revoke_sessions', user.id, { email: user.email, sessionsRevoked: revoked });
  return revoked;
}

export interface ProfileInput {
  name?: string;
  role?: string;
  /** YYYY-MM-DD, or '' / null for unknown. */
  dateOfBirth?: string | null;
  /** The admin's minor flag; null = derive from the date of birth. */
  minorOverride?: boolean | null;
  /** Extra permissions (e.g. 'safeguarding'); replaces the list. */
  permissions?: string[];
}

/**
 * Edits name, role, date of birth and the minor flag. The audit entry names the changed fields.
 * `around`: called once the edit is valid, with the store write to make (the safeguarding work
 * that must come before an account becomes a minor: moderation/screen-history.ts).
 */
export async function updateUser(
  store: Store,
  id: string,
  input: ProfileInput,
  actor: Actor,
  opts: { around?: (before: User, next: User, write: () => Promise<void>) => Promise<unknown> } = {},
): Promise<User> {
  const user = await store.users.byId(id);
  if (!user) throw notFound('No such user.');
  const patch: UserPatch = {};
  if (input.name !== undefined) {
    const err = validateName(input.name);
    if (err) throw badRequest(err);
    patch.name = input.name.trim();
  }
  if (input.role !== undefined) {
    const role = input.role.trim() ? parseRole(input.role) : null;
    if (!role) throw badRequest(`unknown role "${input.role}" (use student, lecturer or admin)`);
    if (actor.userId === user.id && role !== 'admin') throw badRequest('You cannot remove your own administrator role.');
    patch.role = role;
  }
  if (input.dateOfBirth !== undefined) {
    const dob = input.dateOfBirth?.trim() || null;
    const err = dob && validateDateOfBirth(dob);
    if (err) throw badRequest(err);
    patch.dateOfBirth = dob;
  }
  if (input.minorOverride !== undefined) patch.minorOverride = input.minorOverride;
  if (input.permissions !== undefined) patch.permissions = [...new Set(input.permissions)].sort();
  const same = (k: keyof UserPatch) => (k === 'permissions' ? JSON.stringify(patch.permissions) === JSON.stringify([...user.permissions].sort()) : patch[k] === user[k]);
  const changed = (Object.keys(patch) as (keyof UserPatch)[]).filter((k) => !same(k));
  if (!changed.length) return user;
  // Officers read flagged sexual content and the parties' ages: never a child's job.
  const next = { ...user, ...patch };
  if (next.permissions.includes(SAFEGUARDING) && isMinor(next)) throw badRequest(MINOR_OFFICER);
  if (next.role === 'admin' && isMinor(next)) throw badRequest(MINOR_ADMIN);
  let written: User | null = null;
  const write = async () => void (written = await store.users.update(user.id, Object.fromEntries(changed.map((k) => [k, patch[k]]))));
  await (opts.around ? opts.around(user, next, write) : write());
  if (!written) throw notFound('No such user.');
  const updated: User = written;
  if (activeAdmin(user) && !activeAdmin(updated)) await keepAnAdmin(store, user, Object.fromEntries(changed.map((k) => [k, user[k]])), actor);
  const roleChange = changed.includes('role') ? { role: { from: user.role, to: updated.role } } : {};
  const permChange = changed.includes('permissions') ? { permissions: { from: user.permissions, to: updated.permissions } } : {};
  await recordAudit(store, actor, 'user.update', user.id, { email: user.email, changed, ...roleChange, ...permChange });
  return updated;
}
