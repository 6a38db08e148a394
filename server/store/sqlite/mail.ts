import type { Database } from 'bun:sqlite';
import type { MailState, MailStore } from '../types';

interface StateRow {
  last_seen_at: number | null;
  emailed_through: number;
  off: number;
}

export class SqliteMail implements MailStore {
  constructor(private db: Database) {}

  async queue(roomId: string, userIds: readonly string[], dueAt: number) {
    const q = this.db.query('INSERT INTO mail_queue (user_id, room_id, due_at) VALUES (?, ?, ?) ON CONFLICT (user_id, room_id) DO UPDATE SET due_at = MIN(due_at, excluded.due_at)');
    this.db.transaction(() => {
      for (const id of userIds) q.run(id, roomId, dueAt);
    })();
  }

  async takeDue(now: number, limit: number) {
    // One transaction (BEGIN IMMEDIATE): another process (a CLI) cannot take the same rows meanwhile.
    return this.db
      .transaction(() => {
        const users = (this.db.query('SELECT user_id FROM mail_queue WHERE due_at <= ? GROUP BY user_id ORDER BY MIN(due_at), user_id LIMIT ?').all(now, limit) as { user_id: string }[]).map((r) => r.user_id);
        const out = new Map<string, string[]>();
        const rooms = this.db.query('DELETE FROM mail_queue WHERE user_id = ? RETURNING room_id');
        for (const u of users) out.set(u, (rooms.all(u) as { room_id: string }[]).map((r) => r.room_id).sort());
        return out;
      })
      .immediate();
  }

  async seen(userIds: readonly string[], at: number) {
    const q = this.db.query('INSERT INTO mail_state (user_id, last_seen_at) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET last_seen_at = MAX(COALESCE(last_seen_at, 0), excluded.last_seen_at)');
    this.db.transaction(() => {
      for (const id of new Set(userIds)) q.run(id, at);
    })();
  }

  async state(userId: string): Promise<MailState> {
    const r = this.db.query('SELECT last_seen_at, emailed_through, off FROM mail_state WHERE user_id = ?').get(userId) as StateRow | null;
    return { lastSeenAt: r?.last_seen_at ?? null, emailedThrough: r?.emailed_through ?? 0, off: r?.off === 1 };
  }

  async update(userId: string, patch: Partial<Pick<MailState, 'emailedThrough' | 'off'>>) {
    this.db
      .query(
        `INSERT INTO mail_state (user_id, emailed_through, off) VALUES (?1, COALESCE(?2, 0), COALESCE(?3, 0))
         ON CONFLICT (user_id) DO UPDATE SET emailed_through = MAX(emailed_through, COALESCE(?2, 0)), off = COALESCE(?3, off)`,
      )
      .run(userId, patch.emailedThrough ?? null, patch.off === undefined ? null : patch.off ? 1 : 0);
  }
}
