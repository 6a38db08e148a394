/**
 * Bulk user import from CSV, shared by the CLI and the admin portal.
 *
 * Protocol: `validateImportCsv` checks every row and reports every problem (nothing is written
 * when any row is bad); `planImport` decides per row create / update / skip against the store;
 * `applyImport` writes the plan in one atomic store call and returns the one-time codes, which
 * exist only in that return value (the store keeps their hashes).
 */
import { csvRow, parseCsvTable } from '../../lib/csv';
import type { NewUser, Role, Store, User, UserPatch } from '../../store/types';
import { generateLoginCode, hashLoginCode, normaliseLoginCode } from './codes';
import { parseRole, validateDateOfBirth, validateEmail, validateMatric, validateName } from './model';
import { recordAudit, type Actor } from '../audit/record';

export const IMPORT_COLUMNS = ['email', 'name', 'role', 'date_of_birth', 'matric_no'] as const;
export const MAX_IMPORT_ROWS = 50_000;
const PROGRESS_CHUNK = 500;

export interface ImportRow {
  line: number;
  email: string;
  name: string;
  role: Role;
  /** Which optional columns the file has a non-blank value for (for --update). */
  dateOfBirth: string | null;
  matricNo: string | null;
  roleGiven: boolean;
}

export interface RowError {
  line: number;
  reason: string;
}

export type Validation = { ok: true; rows: ImportRow[] } | { ok: false; errors: RowError[] };

export function validateImportCsv(text: string, now = new Date()): Validation {
  const table = parseCsvTable(text);
  if (!table.ok) {
    const reason = table.error.reason === 'the file is empty' ? 'the file is empty; the first row must be a header such as email,name,role,date_of_birth,matric_no' : table.error.reason;
    return { ok: false, errors: [{ line: table.error.line, reason }] };
  }
  const { header, cols, rows: records } = table;
  const errors: RowError[] = [];
  const unknown = cols.filter((c) => !(IMPORT_COLUMNS as readonly string[]).includes(c));
  if (unknown.length) errors.push({ line: header.line, reason: `unknown column(s) ${unknown.map((c) => `"${c}"`).join(', ')}; allowed: ${IMPORT_COLUMNS.join(', ')}` });
  for (const req of ['email', 'name']) if (!cols.includes(req)) errors.push({ line: header.line, reason: `missing required column "${req}"` });
  const dupCols = cols.filter((c, i) => cols.indexOf(c) !== i);
  if (dupCols.length) errors.push({ line: header.line, reason: `column(s) repeated: ${dupCols.join(', ')}` });
  if (errors.length) return { ok: false, errors };
  if (records.length > MAX_IMPORT_ROWS) return { ok: false, errors: [{ line: 1, reason: `too many rows (${records.length}); import at most ${MAX_IMPORT_ROWS} at a time` }] };

  const at = (fields: string[], col: string) => {
    const i = cols.indexOf(col);
    return i < 0 ? '' : (fields[i] ?? '').trim();
  };
  const rows: ImportRow[] = [];
  const seen = new Map<string, number>();
  for (const r of records) {
    // Spreadsheets save cleared rows as ",,,,": treat them like blank lines.
    if (r.fields.every((f) => f.trim() === '')) continue;
    const problems: string[] = [];
    if (r.fields.length !== cols.length) problems.push(`has ${r.fields.length} fields, the header has ${cols.length}`);
    const email = at(r.fields, 'email');
    const name = at(r.fields, 'name');
    const roleRaw = at(r.fields, 'role');
    const dob = at(r.fields, 'date_of_birth');
    const matric = at(r.fields, 'matric_no');
    const emailErr = validateEmail(email);
    if (emailErr) problems.push(emailErr);
    const nameErr = validateName(name);
    if (nameErr) problems.push(nameErr);
    const role = parseRole(roleRaw);
    if (!role) problems.push(`unknown role "${roleRaw}" (use student, lecturer or admin)`);
    if (dob) {
      const e = validateDateOfBirth(dob, now);
      if (e) problems.push(e);
    }
    const matricErr = validateMatric(matric);
    if (matricErr) problems.push(matricErr);
    if (!emailErr) {
      const key = email.toLowerCase();
      const first = seen.get(key);
      if (first !== undefined) problems.push(`duplicate email ${email} (also on line ${first})`);
      else seen.set(key, r.line);
    }
    if (problems.length) errors.push({ line: r.line, reason: problems.join('; ') });
    else rows.push({ line: r.line, email, name, role: role!, dateOfBirth: dob || null, matricNo: matric || null, roleGiven: roleRaw !== '' });
  }
  return errors.length ? { ok: false, errors } : { ok: true, rows };
}

export interface ImportPlan {
  create: ImportRow[];
  update: { row: ImportRow; user: User }[];
  skip: { row: ImportRow; user: User }[];
}

export async function planImport(store: Store, rows: ImportRow[], opts: { update: boolean }): Promise<ImportPlan> {
  const existing = new Map((await store.users.byEmails(rows.map((r) => r.email))).map((u) => [u.emailLower, u]));
  const plan: ImportPlan = { create: [], update: [], skip: [] };
  for (const row of rows) {
    const user = existing.get(row.email.toLowerCase());
    if (!user) plan.create.push(row);
    else if (opts.update) plan.update.push({ row, user });
    else plan.skip.push({ row, user });
  }
  return plan;
}

export interface IssuedCredential {
  email: string;
  name: string;
  loginCode: string;
  expiresAt: number;
}

export async function applyImport(
  store: Store,
  plan: ImportPlan,
  opts: {
    codeTtlMs: number;
    actor: Actor;
    now?: number;
    /** Called with the new codes before anything is written; if it throws, nothing is written. */
    beforeWrite?: (creds: IssuedCredential[]) => void | Promise<void>;
    /**
     * Progress while the codes are made (the slow part before the one atomic write). When given,
     * the work also yields to the event loop between chunks, so a server stays responsive.
     */
    onProgress?: (done: number, total: number) => void;
  },
): Promise<IssuedCredential[]> {
  const now = opts.now ?? Date.now();
  const expiresAt = now + opts.codeTtlMs;
  const credentials: IssuedCredential[] = [];
  const create: NewUser[] = [];
  for (const row of plan.create) {
    if (opts.onProgress && create.length % PROGRESS_CHUNK === 0) {
      opts.onProgress(create.length, plan.create.length);
      await Bun.sleep(0);
    }
    const loginCode = generateLoginCode();
    credentials.push({ email: row.email, name: row.name, loginCode, expiresAt });
    create.push({
      id: Bun.randomUUIDv7(),
      email: row.email,
      name: row.name,
      role: row.role,
      dateOfBirth: row.dateOfBirth,
      minorOverride: null,
      matricNo: row.matricNo,
      status: 'active',
      passwordHash: null,
      mustSetPassword: true,
      loginCodeHash: hashLoginCode(normaliseLoginCode(loginCode)!),
      loginCodeExpiresAt: expiresAt,
      permissions: [],
      createdAt: now,
    });
  }
  opts.onProgress?.(create.length, plan.create.length);
  // --update changes only what the file states: blank optional cells leave the stored value alone.
  const update = plan.update.map(({ row, user }) => {
    const patch: UserPatch = { name: row.name };
    if (row.roleGiven) patch.role = row.role;
    if (row.dateOfBirth) patch.dateOfBirth = row.dateOfBirth;
    if (row.matricNo) patch.matricNo = row.matricNo;
    return { id: user.id, patch };
  });
  await opts.beforeWrite?.(credentials);
  await store.users.importBatch({ create, update });
  await recordAudit(store, opts.actor, 'user.import', null, {
    created: create.length,
    updated: update.length,
    skipped: plan.skip.length,
  });
  return credentials;
}

export function credentialsCsv(creds: IssuedCredential[]): string {
  let out = csvRow(['email', 'name', 'login_code', 'expires_at']);
  for (const c of creds) out += csvRow([c.email, c.name, c.loginCode, new Date(c.expiresAt).toISOString()]);
  return out;
}
