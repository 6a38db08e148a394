/**
 * Bulk user import from CSV, shared by the CLI and the admin portal.
 *
 * Protocol: `validateImportCsv` checks every row and reports every problem (nothing is written
 * when any row is bad); `planImport` decides per row create / update / skip / refuse against the
 * store; `applyImport` writes the plan in one atomic store call and returns the one-time codes,
 * which exist only in that return value (the store keeps their hashes).
 *
 * Roles follow the portal's rules (`updateUser`): an admin cannot change their own role (the row is
 * refused), and an import that would leave no active administrator is refused whole. Both are
 * checked when planning and again, against the store as it is then, just before writing.
 */
import { csvRow, parseCsvTable } from '../../lib/csv';
import { badRequest } from '../../errors';
import type { NewUser, Role, Store, User, UserPatch } from '../../store/types';
import { generateLoginCode, hashLoginCode, normaliseLoginCode } from './codes';
import { isMinor, parseRole, tightenedBy, validateDateOfBirth, validateEmail, validateMatric, validateName, type Tightened } from './model';
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
      else if (role === 'admin' && isMinor({ dateOfBirth: dob, minorOverride: null }, now)) problems.push(MINOR_ADMIN_ROW);
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
  /** Existing users this import may not change (the row is left out), with the reason. */
  refused: { row: ImportRow; user: User; reason: string }[];
}

export interface RoleChange {
  line: number;
  email: string;
  from: Role;
  to: Role;
}

/** The updates that change an existing user's role, in file order (for the plan and the CLI). */
export function roleChanges(plan: Pick<ImportPlan, 'update'>): RoleChange[] {
  return plan.update.filter(({ row, user }) => row.roleGiven && row.role !== user.role).map(({ row, user }) => ({ line: row.line, email: user.email, from: user.role, to: row.role }));
}

const SELF_ROLE = 'you cannot change your own role (you would lose administrator access); this row is left out';

/** Why `row` may not update `user` when `actor` imports it, or null. */
const MINOR_ADMIN_ROW = 'a person under 18 cannot be an administrator';

/** Why an existing user's row is left out: the importing admin's own role, or an administrator who would be under 18. */
function refusal(row: ImportRow, user: User, actor: Actor | undefined): string | null {
  if (actor?.userId === user.id && row.roleGiven && row.role !== user.role) return SELF_ROLE;
  const after = { role: row.roleGiven ? row.role : user.role, dateOfBirth: row.dateOfBirth ?? user.dateOfBirth, minorOverride: user.minorOverride };
  return after.role === 'admin' && isMinor(after) ? `${MINOR_ADMIN_ROW}; this row is left out` : null;
}

/**
 * Throws (nothing is written) when the updates would remove the admin role from the last active
 * administrators. An import that demotes no one is never refused (e.g. students imported before
 * the first `create-admin`). New and promoted active admins count.
 */
async function assertAdminsRemain(store: Store, plan: Pick<ImportPlan, 'create' | 'update'>): Promise<void> {
  const changes = plan.update.filter(({ row, user }) => row.roleGiven && user.status === 'active' && (user.role === 'admin') !== (row.role === 'admin'));
  const demoted = changes.filter(({ user }) => user.role === 'admin');
  if (!demoted.length) return;
  const gained = changes.length - demoted.length + plan.create.filter((r) => r.role === 'admin').length;
  const remaining = (await store.users.count({ role: 'admin', status: 'active' })) - demoted.length + gained;
  if (remaining > 0) return;
  const who = demoted.map(({ row, user }) => `${user.email} (line ${row.line})`);
  throw badRequest(
    `This import would leave no active administrator: it removes the admin role from ${who.slice(0, 5).join(', ')}${who.length > 5 ? ` and ${who.length - 5} more` : ''}. ` +
      'Keep at least one active administrator; nothing was written.',
  );
}

export async function planImport(store: Store, rows: ImportRow[], opts: { update: boolean; actor?: Actor }): Promise<ImportPlan> {
  const existing = new Map((await store.users.byEmails(rows.map((r) => r.email))).map((u) => [u.emailLower, u]));
  const plan: ImportPlan = { create: [], update: [], skip: [], refused: [] };
  for (const row of rows) {
    const user = existing.get(row.email.toLowerCase());
    const reason = user && opts.update ? refusal(row, user, opts.actor) : null;
    if (!user) plan.create.push(row);
    else if (reason) plan.refused.push({ row, user, reason });
    else if (opts.update) plan.update.push({ row, user });
    else plan.skip.push({ row, user });
  }
  await assertAdminsRemain(store, plan);
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
    /** Progress while the audit entries are written (one per user, after the store write). */
    onAuditProgress?: (done: number, total: number) => void;
    /** After the write: existing users the import made minors (a date of birth) or took out of staff (a role), for the safeguarding rules that follow. */
    tightened?: (c: Tightened) => Promise<void>;
    /**
     * Around the write, when it makes existing users minors: screens their rooms' history, calls
     * `write` in between (moderation/screen-history.ts), and resolves once all is done.
     */
    screenFor?: (userIds: string[], write: () => Promise<void>) => Promise<void>;
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
  // The plan may be minutes old: judge and audit the updates against the users as they are now.
  const current = new Map((await store.users.byEmails(plan.update.map((u) => u.row.email))).map((u) => [u.id, u]));
  const updates = plan.update.map(({ row, user }) => ({ row, user: current.get(user.id) ?? user }));
  for (const { row, user } of updates) {
    const why = refusal(row, user, opts.actor);
    if (why) throw badRequest(`line ${row.line}: ${why}; nothing was written.`);
  }
  await assertAdminsRemain(store, { create: plan.create, update: updates });
  // --update changes only what the file states: blank optional cells leave the stored value alone.
  const update = updates.map(({ row, user }) => {
    const patch: UserPatch = { name: row.name };
    if (row.roleGiven) patch.role = row.role;
    if (row.dateOfBirth) patch.dateOfBirth = row.dateOfBirth;
    if (row.matricNo) patch.matricNo = row.matricNo;
    const changed = (Object.keys(patch) as (keyof UserPatch)[]).filter((k) => patch[k] !== user[k]);
    return { id: user.id, patch, user, changed };
  });
  await opts.beforeWrite?.(credentials);
  const write = () => store.users.importBatch({ create, update: update.map(({ id, patch }) => ({ id, patch })) });
  // Made minors or no longer staff: screened around the write, followed up after the audit.
  const tightened = update.map(({ user, patch }) => tightenedBy(user, { ...user, ...patch }));
  const c = { minors: tightened.flatMap((t) => t.minors), leftStaff: tightened.flatMap((t) => t.leftStaff) };
  if (c.minors.length && opts.screenFor) await opts.screenFor(c.minors, write);
  else await write();
  // An entry of its own, as createUser / updateUser write them, for what changes what an account may
  // do or how it is protected: a new lecturer or administrator, a role or a date of birth (the minor
  // flag) changed. The rest (new students, names, matric numbers) is counted in the summary: an
  // import of 50,000 students is one entry, not 50,000 (each is two round trips on MongoDB).
  const audited = [
    ...create.filter((u) => u.role !== 'student').map((u) => () => recordAudit(store, opts.actor, 'user.create', u.id, { email: u.email, role: u.role })),
    ...update
      .filter((u) => u.changed.includes('role') || u.changed.includes('dateOfBirth'))
      .map(({ user, patch, changed }) => () => {
        const roleChange = changed.includes('role') ? { role: { from: user.role, to: patch.role } } : {};
        return recordAudit(store, opts.actor, 'user.update', user.id, { email: user.email, changed, ...roleChange });
      }),
  ];
  for (let i = 0; i < audited.length; i++) {
    if (opts.onAuditProgress && i % PROGRESS_CHUNK === 0) {
      opts.onAuditProgress(i, audited.length);
      await Bun.sleep(0);
    }
    await audited[i]!();
  }
  await recordAudit(store, opts.actor, 'user.import', null, {
    created: create.length,
    updated: update.length,
    skipped: plan.skip.length,
    refused: plan.refused.length,
  });
  // Last: the write and its audit stand whatever the safeguarding follow-up does (the callers log its failures).
  if (c.minors.length || c.leftStaff.length) await opts.tightened?.(c);
  return credentials;
}

export function credentialsCsv(creds: IssuedCredential[]): string {
  let out = csvRow(['email', 'name', 'login_code', 'expires_at']);
  for (const c of creds) out += csvRow([c.email, c.name, c.loginCode, new Date(c.expiresAt).toISOString()]);
  return out;
}
