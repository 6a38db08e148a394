import type { Database } from 'bun:sqlite';
import type { MailEntry, MailState, MailStore } from '../types';

export class SqliteMail implements MailStore {
  constructor(private db: Database) {}

  async queue(roomId: string, userIds: readonly string[], dueAt: number, fromSeq: number) {
    const q = this.db.query(
      `INSERT INTO mail_queue (user_id, room_id, due_at, from_seq) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id, room_id) DO UPDATE SET due_at = MIN(due_at, excluded.due_at), from_seq = MIN(from_seq, excluded.from_seq)`,
    );
    this.db.transaction(() => {
      for (const id of userIds) q.run(id, roomId, dueAt, fromSeq);
    })();
  }

  async takeDue(now: number, limit: number) {
    // One IMMEDIATE transaction: another process (a CLI) cannot take the same rows meanwhile.
    return this.db
      .transaction(() => {
        const users = (this.db.query('SELECT user_id FROM mail_queue WHERE due_at <= ? GROUP BY user_id ORDER BY MIN(due_at), user_id LIMIT ?').all(now, limit) as { user_id: string }[]).map((r) => r.user_id);
        const out = new Map<string, MailEntry[]>();
        const take = this.db.query('DELETE FROM mail_queue WHERE user_id = ? RETURNING room_id, from_seq');
        for (const u of users) out.set(u, (take.all(u) as { room_id: string; from_seq: number }[]).map((r) => ({ roomId: r.room_id, fromSeq: r.from_seq })).sort((a, b) => (a.roomId < b.roomId ? -1 : 1)));
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
    const r = this.db.query('SELECT last_seen_at, off FROM mail_state WHERE user_id = ?').get(userId) as { last_seen_at: number | null; off: number } | null;
    return { lastSeenAt: r?.last_seen_at ?? null, off: r?.off === 1 };
  }

  async setOff(userId: string, off: boolean) {
    this.db.query('INSERT INTO mail_state (user_id, off) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET off = excluded.off').run(userId, off ? 1 : 0);
  }
}
