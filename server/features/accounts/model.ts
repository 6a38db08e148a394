/** Pure account rules: field validation, the minor rule, password policy. No I/O. */
import { ROLES, type Role, type User } from '../../store/types';

export const MAX_NAME = 100;
export const MAX_EMAIL = 254;
export const MAX_MATRIC = 32;
export const MIN_PASSWORD = 8;
export const MAX_PASSWORD = 256;

// Deliberately simple: one @, no spaces, a dot in the domain. Universities issue these addresses;
// we only need to catch typos, not implement RFC 5322.
const EMAIL_RE = /^[^\s@",<>()\[\]\\;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export function validateEmail(raw: string): string | null {
  const e = raw.trim();
  if (!e) return 'email is required';
  if (e.length > MAX_EMAIL || CONTROL_RE.test(e) || !EMAIL_RE.test(e)) return `"${e}" is not a valid email address`;
  return null;
}

export function validateName(raw: string): string | null {
  const n = raw.trim();
  if (!n) return 'name is required';
  if (n.length > MAX_NAME) return `name is longer than ${MAX_NAME} characters`;
  if (CONTROL_RE.test(n)) return 'name contains control characters';
  return null;
}

export function parseRole(raw: string): Role | null {
  const r = raw.trim().toLowerCase();
  if (!r) return 'student';
  return (ROLES as readonly string[]).includes(r) ? (r as Role) : null;
}

/** YYYY-MM-DD, a real calendar date, not in the future, not before 1900. */
export function validateDateOfBirth(raw: string, now = new Date()): string | null {
  const s = raw.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return `date of birth "${s}" must be written YYYY-MM-DD`;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return `date of birth "${s}" is not a real date`;
  if (y < 1900 || date.getTime() > now.getTime()) return `date of birth "${s}" is out of range`;
  return null;
}

export function validateMatric(raw: string): string | null {
  const s = raw.trim();
  if (s.length > MAX_MATRIC) return `matric number is longer than ${MAX_MATRIC} characters`;
  if (s && !/^[A-Za-z0-9/._-]+$/.test(s)) return `matric number "${s}" may contain only letters, digits and / . _ -`;
  return null;
}

/** Age in whole years on `now` (UTC calendar). */
export function ageOn(dateOfBirth: string, now: Date): number {
  const [y, m, d] = dateOfBirth.split('-').map(Number) as [number, number, number];
  let age = now.getUTCFullYear() - y;
  const beforeBirthday = now.getUTCMonth() + 1 < m || (now.getUTCMonth() + 1 === m && now.getUTCDate() < d);
  if (beforeBirthday) age--;
  return age;
}

/**
 * The latest date of birth of an adult on `now`: born on or before it = 18 or older (the same rule
 * as ageOn, as an ISO date the stores can compare against).
 */
export function adultBornBy(now = new Date()): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(now.getUTCFullYear() - 18, 4)}-${pad(now.getUTCMonth() + 1)}-${pad(now.getUTCDate())}`;
}

/**
 * A user is a minor when an admin says so (minorOverride), otherwise when under 18 by date of
 * birth. With neither, the user is treated as an adult.
 */
export function isMinor(user: Pick<User, 'dateOfBirth' | 'minorOverride'>, now = new Date()): boolean {
  if (user.minorOverride !== null) return user.minorOverride;
  return user.dateOfBirth !== null && ageOn(user.dateOfBirth, now) < 18;
}

const COMMON = new Set(['password', 'password1', '12345678', '123456789', '1234567890', 'qwertyuiop', 'iloveyou', 'unilag123', 'letstalk', '11111111', 'abcdefgh', 'password123']);

export function validatePassword(pw: string, confirm: string, email: string): string | null {
  const len = [...pw].length;
  if (len < MIN_PASSWORD) return `Use at least ${MIN_PASSWORD} characters.`;
  if (len > MAX_PASSWORD) return `Use at most ${MAX_PASSWORD} characters.`;
  if (pw !== confirm) return 'The two passwords do not match.';
  const lower = pw.toLowerCase();
  if (COMMON.has(lower) || lower === email.toLowerCase() || lower === email.toLowerCase().split('@')[0]) return 'This password is too easy to guess. Choose another.';
  return null;
}

/** The permission that makes an account a safeguarding officer (admins can grant it). */
export const SAFEGUARDING = 'safeguarding';

/** Lecturers and administrators: a minor may always reach them (chat/policy.ts). */
export const isStaffRole = (role: User['role']) => role === 'lecturer' || role === 'admin';

/** Accounts whose contact rules just tightened: made minors, or no longer staff (a minor may always reach staff). */
export interface Tightened {
  minors: string[];
  leftStaff: string[];
}

/** The account facts `before` → `after` that tighten who may talk to whom, for contactTightened. */
export const tightenedBy = (before: Pick<User, 'id' | 'role' | 'dateOfBirth' | 'minorOverride'>, after: Pick<User, 'role' | 'dateOfBirth' | 'minorOverride'>): Tightened => ({
  minors: !isMinor(before) && isMinor(after) ? [before.id] : [],
  leftStaff: isStaffRole(before.role) && !isStaffRole(after.role) ? [before.id] : [],
});


/**
 * Admins and holders of the 'safeguarding' permission, never a person under 18 (an edit or an import
 * that makes an officer a minor leaves the permission stored, but it no longer opens anything; an
 * administrator cannot be made a minor, this is defence in depth).
 */
export const isOfficer = (u: Pick<User, 'role' | 'permissions' | 'dateOfBirth' | 'minorOverride'>) => !isMinor(u) && (u.role === 'admin' || u.permissions.includes(SAFEGUARDING));
