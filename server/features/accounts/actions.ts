/**
 * Account administration actions, shared by the CLI and (later) the admin portal. Each takes
 * plain arguments, changes state, and writes an audit entry.
 */
import { badRequest, conflict, notFound } from '../../errors';
import { DuplicateEmailError, type Role, type Store, type User } from '../../store/types';
import { recordAudit, type Actor } from '../audit/record';
import { generateLoginCode, hashLoginCode, normaliseLoginCode } from './codes';
import { parseRole, validateEmail, validateName } from './model';

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
export async function resetUser(store: Store, email: string, opts: { codeTtlMs: number; actor: Actor }): Promise<IssuedCode> {
  const user = await mustFind(store, email);
  const code = newCode(opts.codeTtlMs, Date.now());
  const updated = (await store.users.update(user.id, {
    loginCodeHash: code.loginCodeHash,
    loginCodeExpiresAt: code.loginCodeExpiresAt,
    passwordHash: null,
    mustSetPassword: true,
  }))!;
  const revoked = await store.sessions.deleteForUser(user.id);
  await recordAudit(store, opts.actor, 'user.reset', user.id, { email: user.email, sessionsRevoked: revoked });
  return { user: updated, loginCode: code.loginCode, expiresAt: code.loginCodeExpiresAt };
}

/** Disabled users cannot sign in and lose every session at once. */
export async function setUserStatus(store: Store, email: string, status: User['status'], actor: Actor): Promise<User> {
  const user = await mustFind(store, email);
  const updated = (await store.users.update(user.id, { status }))!;
  const revoked = status === 'active' ? 0 : await store.sessions.deleteForUser(user.id);
  const action = status === 'active' ? 'user.enable' : status === 'disabled' ? 'user.disable' : 'user.suspend';
  await recordAudit(store, actor, action, user.id, { email: user.email, sessionsRevoked: revoked });
  return updated;
}
