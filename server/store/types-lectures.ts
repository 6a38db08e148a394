/** Store types for lecture attendance (features/calls/attendance.ts; re-exported by types.ts). */

/** One lecture held in a course room (a call in lecture mode), as its node last wrote it. */
export interface Lecture {
  /** The call's id. */
  id: string;
  roomId: string;
  /** The host whose press of Start lecture began it. */
  startedBy: string;
  startedAt: number;
  /** The last time its node said it was still going (every minute): its end if the node died. */
  lastAt: number;
  /** Null while it runs, or when its node died before it ended (then `lastAt` is its end). */
  endedAt: number | null;
}

/** One seat's time in a lecture: a page that joined it, from its join to its leave (or `lastAt`). */
export interface LectureSeat {
  lectureId: string;
  /** The participant's id: a reload or a second device is a new seat of the same person. */
  seatId: string;
  userId: string;
  from: number;
  to: number;
}

/** Someone who could not get into a lecture because it was full (the first time, per person). */
export interface LectureRefusal {
  lectureId: string;
  userId: string;
  at: number;
}

export interface LectureStore {
  /**
   * Creates the lecture's record, or moves it forward: `lastAt` only grows, and `endedAt`, once
   * set, stays (a late write from before the end cannot reopen it).
   */
  save(lecture: Lecture): Promise<void>;
  /** Creates the seat, or moves its `to` forward (never back: writes may land out of order). */
  seat(seat: LectureSeat): Promise<void>;
  get(id: string): Promise<Lecture | null>;
  /** The room's lectures, newest first; `before`: started before that time (the next page). */
  list(roomId: string, opts: { limit: number; before?: number }): Promise<Lecture[]>;
  /** The seats of these lectures (only `userId`'s when given), in no particular order. */
  seats(lectureIds: readonly string[], userId?: string): Promise<LectureSeat[]>;
  /** Records a person turned away from a full lecture; the first time is kept. */
  turnedAway(refusal: LectureRefusal): Promise<void>;
  /** Who was turned away from these lectures (only `userId` when given), in no particular order. */
  refusals(lectureIds: readonly string[], userId?: string): Promise<LectureRefusal[]>;
  /** Takes a lecture off the register with its seats and refusals (a host's test run); false when it was not there. */
  remove(id: string): Promise<boolean>;
}
