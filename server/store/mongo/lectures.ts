import type { Collection, Db } from 'mongodb';
import type { Lecture, LectureRefusal, LectureSeat, LectureStore } from '../types';

interface LectureDoc {
  _id: string;
  roomId: string;
  startedBy: string;
  startedAt: number;
  lastAt: number;
  /** Missing or null while it runs (FerretDB v1 does not keep a null set on insert). */
  endedAt?: number | null;
}

/** `_id`: `${lectureId}|${seatId}`. */
interface SeatDoc {
  _id: string;
  lectureId: string;
  seatId: string;
  userId: string;
  from: number;
  to: number;
}

/** `_id`: `${lectureId}|${userId}`. */
interface RefusalDoc {
  _id: string;
  lectureId: string;
  userId: string;
  at: number;
}

const lecture = (d: LectureDoc): Lecture => ({ id: d._id, roomId: d.roomId, startedBy: d.startedBy, startedAt: d.startedAt, lastAt: d.lastAt, endedAt: d.endedAt ?? null });
const seat = (d: SeatDoc): LectureSeat => ({ lectureId: d.lectureId, seatId: d.seatId, userId: d.userId, from: d.from, to: d.to });

const byLectures = (lectureIds: readonly string[], userId?: string) => (userId === undefined ? { lectureId: { $in: [...lectureIds] } } : { lectureId: { $in: [...lectureIds] }, userId });

export class MongoLectures implements LectureStore {
  private lecturesC: Collection<LectureDoc>;
  private seatsC: Collection<SeatDoc>;
  private refusalsC: Collection<RefusalDoc>;
  constructor(db: Db) {
    this.lecturesC = db.collection<LectureDoc>('lectures');
    this.seatsC = db.collection<SeatDoc>('lectureSeats');
    this.refusalsC = db.collection<RefusalDoc>('lectureRefusals');
  }

  async save(l: Lecture) {
    await this.lecturesC.updateOne({ _id: l.id }, { $max: { lastAt: l.lastAt }, $setOnInsert: { roomId: l.roomId, startedBy: l.startedBy, startedAt: l.startedAt, endedAt: null } }, { upsert: true });
    // Set once: a late write from before the end cannot reopen it, nor a second end move it.
    if (l.endedAt !== null) await this.lecturesC.updateOne({ _id: l.id, endedAt: null }, { $set: { endedAt: l.endedAt } });
  }

  async seat(s: LectureSeat) {
    await this.seatsC.updateOne({ _id: `${s.lectureId}|${s.seatId}` }, { $max: { to: s.to }, $setOnInsert: { lectureId: s.lectureId, seatId: s.seatId, userId: s.userId, from: s.from } }, { upsert: true });
  }

  async get(id: string) {
    const d = await this.lecturesC.findOne({ _id: id });
    return d ? lecture(d) : null;
  }

  async list(roomId: string, opts: { limit: number; before?: number }) {
    const filter = opts.before === undefined ? { roomId } : { roomId, startedAt: { $lt: opts.before } };
    return (await this.lecturesC.find(filter).sort({ startedAt: -1, _id: 1 }).limit(opts.limit).toArray()).map(lecture);
  }

  async seats(lectureIds: readonly string[], userId?: string) {
    if (!lectureIds.length) return [];
    return (await this.seatsC.find(byLectures(lectureIds, userId)).toArray()).map(seat);
  }

  async turnedAway(r: LectureRefusal) {
    await this.refusalsC.updateOne({ _id: `${r.lectureId}|${r.userId}` }, { $min: { at: r.at }, $setOnInsert: { lectureId: r.lectureId, userId: r.userId } }, { upsert: true });
  }

  async remove(id: string) {
    // The lecture last: until it goes, a retry finds it and removes what is left.
    await this.seatsC.deleteMany({ lectureId: id });
    await this.refusalsC.deleteMany({ lectureId: id });
    return (await this.lecturesC.deleteOne({ _id: id })).deletedCount > 0;
  }

  async refusals(lectureIds: readonly string[], userId?: string) {
    if (!lectureIds.length) return [];
    return (await this.refusalsC.find(byLectures(lectureIds, userId)).toArray()).map((d) => ({ lectureId: d.lectureId, userId: d.userId, at: d.at }));
  }
}
