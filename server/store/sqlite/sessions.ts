import type { Database } from 'bun:sqlite';
import type { Session, SessionStore } from '../types';

interface Row {
  id_hash: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  ip: string | null;
  user_agent: string | null;
}

const toSession = (r: Row): Session => ({
  idHash: r.id_hash,
  userId: r.user_id,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  expiresAt: r.expires_at,
  ip: r.ip,
  userAgent: r.user_agent,
});

export class SqliteSessions implements SessionStore {
  constructor(private db: Database) {}

  async create(s: Session) {
    this.db
      .query('INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(s.idHash, s.userId, s.createdAt, s.lastSeenAt, s.expiresAt, s.ip, s.userAgent);
  }
  async get(idHash: string) {
    const r = this.db.query('SELECT * FROM sessions WHERE id_hash = ?').get(idHash) as Row | null;
    return r ? toSession(r) : null;
  }
  async touch(idHash: string, lastSeenAt: number, expiresAt: number) {
    this.db.query('UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id_hash = ?').run(lastSeenAt, expiresAt, idHash);
  }
  async delete(idHash: string) {
    this.db.query('DELETE FROM sessions WHERE id_hash = ?').run(idHash);
  }
  async live(idHashes: string[], now: number, startedAfter = -Infinity) {
    const found = new Set<string>();
    // SQLite's bound-parameter limit is far above this; batches keep each statement small.
    for (let i = 0; i < idHashes.length; i += 500) {
      const part = idHashes.slice(i, i + 500);
      const rows = this.db.query(`SELECT id_hash FROM sessions WHERE expires_at > ? AND created_at > ? AND id_hash IN (${part.map(() => '?').join(',')})`).all(now, startedAfter, ...part) as { id_hash: string }[];
      for (const r of rows) found.add(r.id_hash);
    }
    return found;
  }
  async deleteForUser(userId: string) {
    return this.db.query('DELETE FROM sessions WHERE user_id = ?').run(userId).changes;
  }
  async listForUser(userId: string) {
    return (this.db.query('SELECT * FROM sessions WHERE user_id = ? ORDER BY created_at').all(userId) as Row[]).map(toSession);
  }
  async purgeExpired(now: number) {
    return this.db.query('DELETE FROM sessions WHERE expires_at <= ?').run(now).changes;
  }
}
