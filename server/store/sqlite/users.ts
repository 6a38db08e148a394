import type { Database } from 'bun:sqlite';
import { DuplicateEmailError, inOrder, type NewUser, type User, type UserFilter, type UserPatch, type UserStore } from '../types';

interface Row {
  id: string;
  email: string;
  email_lower: string;
  name: string;
  role: User['role'];
  date_of_birth: string | null;
  minor_override: number | null;
  matric_no: string | null;
  status: User['status'];
  password_hash: string | null;
  must_set_password: number;
  login_code_hash: string | null;
  login_code_expires_at: number | null;
  permissions: string;
  created_at: number;
  updated_at: number;
}

const toUser = (r: Row): User => ({
  id: r.id,
  email: r.email,
  emailLower: r.email_lower,
  name: r.name,
  role: r.role,
  dateOfBirth: r.date_of_birth,
  minorOverride: r.minor_override === null ? null : r.minor_override === 1,
  matricNo: r.matric_no,
  status: r.status,
  passwordHash: r.password_hash,
  mustSetPassword: r.must_set_password === 1,
  loginCodeHash: r.login_code_hash,
  loginCodeExpiresAt: r.login_code_expires_at,
  permissions: JSON.parse(r.permissions),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Column for each patchable field, and how its value is stored. */
const COLUMNS: Record<keyof UserPatch, [string, (v: never) => unknown]> = {
  email: ['email', (v: string) => v],
  name: ['name', (v: string) => v],
  role: ['role', (v: string) => v],
  dateOfBirth: ['date_of_birth', (v: string | null) => v],
  minorOverride: ['minor_override', (v: boolean | null) => (v === null ? null : v ? 1 : 0)],
  matricNo: ['matric_no', (v: string | null) => v],
  status: ['status', (v: string) => v],
  passwordHash: ['password_hash', (v: string | null) => v],
  mustSetPassword: ['must_set_password', (v: boolean) => (v ? 1 : 0)],
  loginCodeHash: ['login_code_hash', (v: string | null) => v],
  loginCodeExpiresAt: ['login_code_expires_at', (v: number | null) => v],
  permissions: ['permissions', (v: string[]) => JSON.stringify(v)],
  updatedAt: ['updated_at', (v: number) => v],
};

const INSERT = `INSERT INTO users (id, email, email_lower, name, role, date_of_birth, minor_override, matric_no, status,
  password_hash, must_set_password, login_code_hash, login_code_expires_at, permissions, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

function isUniqueViolation(e: unknown) {
  return e instanceof Error && /UNIQUE constraint failed: users\.email_lower/.test(e.message);
}

export class SqliteUsers implements UserStore {
  constructor(private db: Database) {}

  private insert(u: NewUser) {
    const now = u.createdAt ?? Date.now();
    this.db
      .query(INSERT)
      .run(
        u.id, u.email, u.email.toLowerCase(), u.name, u.role, u.dateOfBirth,
        u.minorOverride === null ? null : u.minorOverride ? 1 : 0,
        u.matricNo, u.status, u.passwordHash, u.mustSetPassword ? 1 : 0,
        u.loginCodeHash, u.loginCodeExpiresAt, JSON.stringify(u.permissions), now, now,
      );
  }

  private patch(id: string, patch: UserPatch) {
    const sets: string[] = [];
    const args: unknown[] = [];
    const p: UserPatch = { ...patch, updatedAt: patch.updatedAt ?? Date.now() };
    for (const [k, v] of Object.entries(p)) {
      if (v === undefined) continue;
      const [col, conv] = COLUMNS[k as keyof UserPatch];
      sets.push(`${col} = ?`);
      args.push(conv(v as never));
      if (k === 'email') (sets.push('email_lower = ?'), args.push((v as string).toLowerCase()));
    }
    args.push(id);
    return this.db.query(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`).run(...(args as never[])).changes;
  }

  async create(u: NewUser) {
    try {
      this.insert(u);
    } catch (e) {
      if (isUniqueViolation(e)) throw new DuplicateEmailError([u.email]);
      throw e;
    }
    return (await this.byId(u.id))!;
  }

  async importBatch(batch: { create: NewUser[]; update: { id: string; patch: UserPatch }[] }) {
    const run = this.db.transaction(() => {
      for (const u of batch.create) {
        try {
          this.insert(u);
        } catch (e) {
          if (isUniqueViolation(e)) throw new DuplicateEmailError([u.email]);
          throw e;
        }
      }
      for (const { id, patch } of batch.update) this.patch(id, patch);
    });
    run.immediate();
  }

  async byId(id: string) {
    const r = this.db.query('SELECT * FROM users WHERE id = ?').get(id) as Row | null;
    return r ? toUser(r) : null;
  }

  async byEmail(email: string) {
    const r = this.db.query('SELECT * FROM users WHERE email_lower = ?').get(email.toLowerCase()) as Row | null;
    return r ? toUser(r) : null;
  }

  async byIds(ids: string[]) {
    const out: User[] = [];
    // SQLite caps bound parameters; query in slices.
    for (let i = 0; i < ids.length; i += 500) {
      const slice = ids.slice(i, i + 500);
      out.push(...(this.db.query(`SELECT * FROM users WHERE id IN (${slice.map(() => '?').join(',')})`).all(...slice) as Row[]).map(toUser));
    }
    return inOrder(ids, out);
  }

  async byEmails(emails: string[]) {
    const out: User[] = [];
    // SQLite caps bound parameters; query in slices.
    for (let i = 0; i < emails.length; i += 500) {
      const slice = emails.slice(i, i + 500).map((e) => e.toLowerCase());
      const rows = this.db.query(`SELECT * FROM users WHERE email_lower IN (${slice.map(() => '?').join(',')})`).all(...slice) as Row[];
      out.push(...rows.map(toUser));
    }
    return out;
  }

  async byHandles(handles: string[]) {
    // A range on the email index per handle: 'h@' ≤ email < 'hA' ('A' follows '@'; emails are lower-cased).
    const q = this.db.query('SELECT * FROM users WHERE email_lower >= ? AND email_lower < ?');
    return handles.flatMap((h) => (q.all(`${h.toLowerCase()}@`, `${h.toLowerCase()}A`) as Row[]).map(toUser));
  }

  private where(f: Omit<UserFilter, 'limit' | 'offset'>) {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (f.role) (where.push('role = ?'), args.push(f.role));
    if (f.status) (where.push('status = ?'), args.push(f.status));
    if (f.query) {
      const q = `%${f.query.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      where.push(`(email_lower LIKE ? ESCAPE '\\' OR lower(name) LIKE ? ESCAPE '\\'${f.matric ? " OR lower(matric_no) LIKE ? ESCAPE '\\'" : ''})`);
      args.push(q, q, ...(f.matric ? [q] : []));
    }
    return { sql: where.length ? 'WHERE ' + where.join(' AND ') : '', args };
  }

  async list(f: UserFilter = {}) {
    const { sql, args } = this.where(f);
    const rows = this.db
      .query(`SELECT * FROM users ${sql} ORDER BY email_lower LIMIT ? OFFSET ?`)
      .all(...args, f.limit ?? 100_000, f.offset ?? 0) as Row[];
    return rows.map(toUser);
  }

  async count(f: Omit<UserFilter, 'limit' | 'offset'> = {}) {
    const { sql, args } = this.where(f);
    return (this.db.query(`SELECT count(*) AS n FROM users ${sql}`).get(...args) as { n: number }).n;
  }

  async update(id: string, patch: UserPatch) {
    try {
      if (this.patch(id, patch) === 0) return null;
    } catch (e) {
      if (isUniqueViolation(e)) throw new DuplicateEmailError([patch.email ?? '']);
      throw e;
    }
    return this.byId(id);
  }

  async consumeLoginCode(id: string, codeHash: string, now: number) {
    const r = this.db
      .query(
        `UPDATE users SET login_code_hash = NULL, login_code_expires_at = NULL, updated_at = ?
         WHERE id = ? AND login_code_hash = ? AND login_code_expires_at > ?`,
      )
      .run(now, id, codeHash, now);
    return r.changes === 1;
  }
}
