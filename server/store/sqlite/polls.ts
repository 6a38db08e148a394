import type { Database } from 'bun:sqlite';
import type { PollBallot, PollStore, PollTally } from '../types';

interface PollRow {
  message_id: string;
  closed_at: number | null;
  closed_by: string | null;
}

export class SqlitePolls implements PollStore {
  constructor(private db: Database) {}

  async vote(v: { roomId: string; messageId: string; userId: string; option: number; on: boolean; single: boolean; at: number }) {
    // One IMMEDIATE transaction: a close or another vote of hers cannot slip between the check and the write.
    return this.db
      .transaction((): 'changed' | 'same' | 'closed' => {
        const poll = this.db.query('SELECT closed_at FROM polls WHERE room_id = ? AND message_id = ?').get(v.roomId, v.messageId) as { closed_at: number | null } | null;
        if (poll?.closed_at != null) return 'closed';
        const key = [v.roomId, v.messageId, v.userId] as const;
        let changes = 0;
        if (v.on && v.single) changes += this.db.query('DELETE FROM poll_votes WHERE room_id = ? AND message_id = ? AND user_id = ? AND option != ?').run(...key, v.option).changes;
        if (v.on) changes += this.db.query('INSERT OR IGNORE INTO poll_votes (room_id, message_id, user_id, option) VALUES (?, ?, ?, ?)').run(...key, v.option).changes;
        else changes += this.db.query('DELETE FROM poll_votes WHERE room_id = ? AND message_id = ? AND user_id = ? AND option = ?').run(...key, v.option).changes;
        if (!changes) return 'same';
        this.touch(v.roomId, v.messageId, v.at);
        return 'changed';
      })
      .immediate();
  }

  private touch(roomId: string, messageId: string, at: number) {
    this.db.query('INSERT INTO polls (room_id, message_id, changed_at) VALUES (?, ?, ?) ON CONFLICT (room_id, message_id) DO UPDATE SET changed_at = MAX(changed_at, excluded.changed_at)').run(roomId, messageId, at);
  }

  async close(roomId: string, messageId: string, by: string, at: number) {
    return this.db
      .transaction((): boolean => {
        this.touch(roomId, messageId, at);
        return this.db.query('UPDATE polls SET closed_at = ?, closed_by = ? WHERE room_id = ? AND message_id = ? AND closed_at IS NULL').run(at, by, roomId, messageId).changes > 0;
      })
      .immediate();
  }

  async tallies(roomId: string, messageIds: readonly string[], viewerId?: string) {
    const out = new Map<string, PollTally>();
    if (!messageIds.length) return out;
    const marks = messageIds.map(() => '?').join(',');
    const polls = this.db.query(`SELECT message_id, closed_at, closed_by FROM polls WHERE room_id = ? AND message_id IN (${marks})`).all(roomId, ...messageIds) as PollRow[];
    for (const p of polls) out.set(p.message_id, { counts: [], voters: 0, mine: [], closedAt: p.closed_at, closedBy: p.closed_by });
    const votes = this.db.query(`SELECT message_id, user_id, option FROM poll_votes WHERE room_id = ? AND message_id IN (${marks})`).all(roomId, ...messageIds) as { message_id: string; user_id: string; option: number }[];
    const voters = new Map<string, Set<string>>();
    for (const v of votes) {
      const t = out.get(v.message_id);
      if (!t) continue; // every vote wrote its poll's row in the same transaction
      t.counts[v.option] = (t.counts[v.option] ?? 0) + 1;
      (voters.get(v.message_id) ?? voters.set(v.message_id, new Set()).get(v.message_id)!).add(v.user_id);
      if (v.user_id === viewerId) t.mine.push(v.option);
    }
    for (const [id, t] of out) {
      t.counts = Array.from(t.counts, (n) => n ?? 0);
      t.voters = voters.get(id)?.size ?? 0;
      t.mine.sort((a, b) => a - b);
    }
    return out;
  }

  async ballots(roomId: string, messageId: string): Promise<PollBallot[]> {
    const rows = this.db.query('SELECT user_id, option FROM poll_votes WHERE room_id = ? AND message_id = ? ORDER BY option, user_id').all(roomId, messageId) as { user_id: string; option: number }[];
    return rows.map((r) => ({ userId: r.user_id, option: r.option }));
  }

  async changedSince(roomId: string, since: number, limit: number) {
    const rows = this.db.query('SELECT message_id FROM (SELECT message_id, changed_at FROM polls WHERE room_id = ? AND changed_at > ? ORDER BY changed_at DESC LIMIT ?) ORDER BY changed_at').all(roomId, since, limit) as { message_id: string }[];
    return rows.map((r) => r.message_id);
  }

  async remove(roomId: string, messageId: string) {
    this.db
      .transaction(() => {
        this.db.query('DELETE FROM poll_votes WHERE room_id = ? AND message_id = ?').run(roomId, messageId);
        this.db.query('DELETE FROM polls WHERE room_id = ? AND message_id = ?').run(roomId, messageId);
      })
      .immediate();
  }
}
