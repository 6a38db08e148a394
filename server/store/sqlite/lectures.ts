import type { Database } from 'bun:sqlite';
import type { Lecture, LectureRefusal, LectureSeat, LectureStore } from '../types';

interface LectureRow {
  id: string;
  room_id: string;
  started_by: string;
  started_at: number;
  last_at: number;
  ended_at: number | null;
}

interface SeatRow {
  lecture_id: string;
  seat_id: string;
  user_id: string;
  from_at: number;
  to_at: number;
}

const lecture = (r: LectureRow): Lecture => ({ id: r.id, roomId: r.room_id, startedBy: r.started_by, startedAt: r.started_at, lastAt: r.last_at, endedAt: r.ended_at });
const seat = (r: SeatRow): LectureSeat => ({ lectureId: r.lecture_id, seatId: r.seat_id, userId: r.user_id, from: r.from_at, to: r.to_at });

export class SqliteLectures implements LectureStore {
  constructor(private db: Database) {}

  async save(l: Lecture) {
    this.db
      .query(
        `INSERT INTO lectures (id, room_id, started_by, started_at, last_at, ended_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET last_at = MAX(last_at, excluded.last_at), ended_at = COALESCE(ended_at, excluded.ended_at)`,
      )
      .run(l.id, l.roomId, l.startedBy, l.startedAt, l.lastAt, l.endedAt);
  }

  async seat(s: LectureSeat) {
    this.db
      .query(
        `INSERT INTO lecture_seats (lecture_id, seat_id, user_id, from_at, to_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (lecture_id, seat_id) DO UPDATE SET to_at = MAX(to_at, excluded.to_at)`,
      )
      .run(s.lectureId, s.seatId, s.userId, s.from, s.to);
  }

  async get(id: string) {
    const r = this.db.query('SELECT * FROM lectures WHERE id = ?').get(id) as LectureRow | null;
    return r ? lecture(r) : null;
  }

  async list(roomId: string, opts: { limit: number; before?: number }) {
    const rows = this.db.query('SELECT * FROM lectures WHERE room_id = ? AND started_at < ? ORDER BY started_at DESC, id LIMIT ?').all(roomId, opts.before ?? Number.MAX_SAFE_INTEGER, opts.limit) as LectureRow[];
    return rows.map(lecture);
  }

  async seats(lectureIds: readonly string[], userId?: string) {
    return (this.byLectures('lecture_seats', lectureIds, userId) as SeatRow[]).map(seat);
  }

  async turnedAway(r: LectureRefusal) {
    this.db.query('INSERT INTO lecture_refusals (lecture_id, user_id, at) VALUES (?, ?, ?) ON CONFLICT (lecture_id, user_id) DO UPDATE SET at = MIN(at, excluded.at)').run(r.lectureId, r.userId, r.at);
  }

  async refusals(lectureIds: readonly string[], userId?: string) {
    return (this.byLectures('lecture_refusals', lectureIds, userId) as { lecture_id: string; user_id: string; at: number }[]).map((r) => ({ lectureId: r.lecture_id, userId: r.user_id, at: r.at }));
  }

  async remove(id: string) {
    return this.db.transaction(() => {
      this.db.query('DELETE FROM lecture_seats WHERE lecture_id = ?').run(id);
      this.db.query('DELETE FROM lecture_refusals WHERE lecture_id = ?').run(id);
      return this.db.query('DELETE FROM lectures WHERE id = ?').run(id).changes > 0;
    })();
  }

  /** The rows of `table` (ours, not input) for these lectures, and only `userId`'s when given. */
  private byLectures(table: 'lecture_seats' | 'lecture_refusals', lectureIds: readonly string[], userId?: string): unknown[] {
    if (!lectureIds.length) return [];
    const marks = lectureIds.map(() => '?').join(', ');
    return userId === undefined
      ? this.db.query(`SELECT * FROM ${table} WHERE lecture_id IN (${marks})`).all(...lectureIds)
      : this.db.query(`SELECT * FROM ${table} WHERE lecture_id IN (${marks}) AND user_id = ?`).all(...lectureIds, userId);
  }
}
