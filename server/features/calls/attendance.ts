/**
 * Lecture attendance, kept from what the SFU says about each lecture of a course room (Sfu.onLecture:
 * the seats at each join and leave, the end, and who was turned away because it was full). Group
 * calls, and lectures outside course rooms, keep none: a course's lecture takes attendance, as a
 * class register does (README "Lecture attendance").
 *
 * What is written: the lecture when it starts, each seat when it joins and when it leaves, the
 * end; and every ATTENDANCE_EVERY_MS while it runs, the lecture's `lastAt` and every open seat's
 * `to`. So a node that dies mid-lecture loses at most that much: its lecture reads as ended at
 * `lastAt`, and its open seats end there too. Writes may land out of order (they are not awaited
 * one by one); the store only moves times forward. A write that fails is logged, never retried:
 * the next minute's write carries the same times.
 */
import type { Logger } from '../../log';
import type { LectureEvent, Sfu } from '../../rtc/sfu';
import type { Lecture, LectureSeat, Store } from '../../store/types';
import { Pending } from '../../lib/pending';

export const ATTENDANCE_EVERY_MS = 60_000;

interface Open {
  lecture: Lecture;
  seats: Map<string, LectureSeat>;
}

export interface AttendanceKeeper {
  /** Every write under way (shutdown: after the SFU closed its calls, which ends their lectures). */
  drain(): Promise<void>;
}

export function keepAttendance(sfu: Sfu, store: Store, log: Logger, opts: { everyMs?: number; clock?: () => number } = {}): AttendanceKeeper {
  const clock = opts.clock ?? Date.now;
  const open = new Map<string, Open>();
  const writes = new Pending();
  let timer: ReturnType<typeof setInterval> | undefined;

  /** A write under way (shutdown waits for it); a failure is logged, the next minute's write carries the same times. */
  const write = (p: Promise<void>, fields: Record<string, unknown>) => void writes.add(p.catch((err) => log.error('attendance not saved', { ...fields, err })));
  const saveLecture = (l: Lecture) => write(store.lectures.save({ ...l }), { lectureId: l.id });
  const saveSeat = (s: LectureSeat) => write(store.lectures.seat({ ...s }), { lectureId: s.lectureId, seatId: s.seatId });

  function minute() {
    const now = clock();
    for (const o of open.values()) {
      o.lecture.lastAt = now;
      saveLecture(o.lecture);
      for (const s of o.seats.values()) {
        s.to = now;
        saveSeat(s);
      }
    }
  }

  sfu.onLecture = (e: LectureEvent) => {
    const now = clock();
    if (e.type === 'full') {
      return write(store.lectures.turnedAway({ lectureId: e.callId, userId: e.userId, at: now }), { lectureId: e.callId });
    }
    let o = open.get(e.callId);
    if (!o) {
      // The first word of a lecture is its first seat: the host who started it.
      const first = e.seats.find((s) => s.host) ?? e.seats[0];
      if (e.ended || !first) return;
      o = { lecture: { id: e.callId, roomId: e.roomId, startedBy: first.userId, startedAt: now, lastAt: now, endedAt: null }, seats: new Map() };
      open.set(e.callId, o);
      saveLecture(o.lecture);
      // Not what keeps a process alive: a stop ends the lectures (Sfu.close), which clears it.
      timer ??= setInterval(minute, opts.everyMs ?? ATTENDANCE_EVERY_MS);
      timer.unref?.();
    }
    const here = new Set(e.seats.map((s) => s.seatId));
    for (const [id, s] of o.seats) {
      if (here.has(id)) continue;
      s.to = now;
      saveSeat(s);
      o.seats.delete(id);
    }
    for (const s of e.seats) {
      if (o.seats.has(s.seatId)) continue;
      const seat: LectureSeat = { lectureId: e.callId, seatId: s.seatId, userId: s.userId, from: now, to: now };
      o.seats.set(s.seatId, seat);
      saveSeat(seat);
    }
    if (!e.ended) return;
    o.lecture.lastAt = o.lecture.endedAt = now;
    saveLecture(o.lecture);
    open.delete(e.callId);
    if (!open.size) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  return { drain: () => writes.drain() };
}
