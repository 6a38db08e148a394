import type { Database } from 'bun:sqlite';
import type { Pin, PinStore } from '../types';

export class SqlitePins implements PinStore {
  constructor(private db: Database) {}

  async pin(p: Pin, max: number) {
    // One IMMEDIATE transaction: the count and the insert cannot be split by another writer.
    return this.db
      .transaction((): 'pinned' | 'already' | 'full' => {
        if (this.db.query('SELECT 1 FROM pins WHERE room_id = ? AND message_id = ?').get(p.roomId, p.messageId)) return 'already';
        const { n } = this.db.query('SELECT COUNT(*) AS n FROM pins WHERE room_id = ?').get(p.roomId) as { n: number };
        if (n >= max) return 'full';
        this.db.query('INSERT INTO pins (room_id, message_id, pinned_by, at) VALUES (?, ?, ?, ?)').run(p.roomId, p.messageId, p.pinnedBy, p.at);
        return 'pinned';
      })
      .immediate();
  }

  async unpin(roomId: string, messageId: string) {
    return this.db.query('DELETE FROM pins WHERE room_id = ? AND message_id = ?').run(roomId, messageId).changes > 0;
  }

  async list(roomId: string) {
    const rows = this.db.query('SELECT * FROM pins WHERE room_id = ? ORDER BY at DESC, message_id').all(roomId) as { room_id: string; message_id: string; pinned_by: string; at: number }[];
    return rows.map((r) => ({ roomId: r.room_id, messageId: r.message_id, pinnedBy: r.pinned_by, at: r.at }));
  }
}
