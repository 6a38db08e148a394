/**
 * SQLite schema, applied in order. `PRAGMA user_version` records how many have run; a migration
 * is never edited once committed: add a new one.
 */
export const MIGRATIONS: string[] = [
  `CREATE TABLE users (
     id TEXT PRIMARY KEY,
     email TEXT NOT NULL,
     email_lower TEXT NOT NULL UNIQUE,
     name TEXT NOT NULL,
     role TEXT NOT NULL,
     date_of_birth TEXT,
     minor_override INTEGER,
     matric_no TEXT,
     status TEXT NOT NULL,
     password_hash TEXT,
     must_set_password INTEGER NOT NULL DEFAULT 0,
     login_code_hash TEXT,
     login_code_expires_at INTEGER,
     permissions TEXT NOT NULL DEFAULT '[]',
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX users_role ON users(role, email_lower);
   CREATE TABLE sessions (
     id_hash TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     last_seen_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     ip TEXT,
     user_agent TEXT
   );
   CREATE INDEX sessions_user ON sessions(user_id);
   CREATE INDEX sessions_expiry ON sessions(expires_at);
   CREATE TABLE audit (
     seq INTEGER PRIMARY KEY,
     at INTEGER NOT NULL,
     actor_id TEXT,
     action TEXT NOT NULL,
     target TEXT,
     origin TEXT,
     details TEXT NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL
   );
   CREATE INDEX audit_action ON audit(action, seq);`,
];
