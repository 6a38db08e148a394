/**
 * Lecture attendance as people read it (routes: lecture-routes.ts; writing: attendance.ts).
 *
 * Who sees what: a lecture's hosts (lecturers, administrators and the room's owners, as for
 * starting a lecture) see everyone's time in every lecture of the room, and download it; any
 * other member sees only their own (what the lecturer sees about them). Staff (lecturers,
 * administrators) also see emails and matriculation numbers, which a class register needs; a
 * student who owns a group sees names only. Non-members get 404, as everywhere.
 *
 * A person's time in a lecture is the union of their seats' times (a reload, a second device)
 * within the lecture, so nobody is counted twice and nobody beyond the lecture's length.
 */
import { conflict, notFound } from '../../errors';
import { isLectureHost } from '../../rtc/permissions';
import type { Lecture, LectureRefusal, LectureSeat, Membership, Room, Store, User } from '../../store/types';
import { recordAudit, type Actor } from '../audit/record';
import { roomOfMember } from '../chat/member-room';
import { groupBy } from '../../lib/group-by';
import { ATTENDANCE_EVERY_MS } from './attendance';

export const LECTURES_PAGE = 50;
/** Lectures a course download covers (a semester has a few dozen; a year of daily ones fits). */
export const COURSE_LECTURES_MAX = 500;
/** A lecture not ended whose last minute is this recent still runs; older, its node stopped. */
export const RUNNING_WITHIN_MS = 2 * ATTENDANCE_EVERY_MS + 30_000;

export interface Span {
  start: number;
  end: number;
  running: boolean;
}

export function spanOf(l: Lecture, now: number): Span {
  return { start: l.startedAt, end: l.endedAt ?? l.lastAt, running: l.endedAt === null && now - l.lastAt <= RUNNING_WITHIN_MS };
}

/** Time the intervals cover together (overlaps once), within [start, end]. */
export function coveredMs(intervals: readonly { from: number; to: number }[], start: number, end: number): number {
  const xs = intervals.map((i) => ({ from: Math.max(i.from, start), to: Math.min(i.to, end) })).filter((i) => i.to > i.from).sort((a, b) => a.from - b.from);
  let total = 0;
  let curFrom = -Infinity;
  let curTo = -Infinity;
  for (const i of xs) {
    if (i.from > curTo) {
      if (curTo > curFrom) total += curTo - curFrom;
      [curFrom, curTo] = [i.from, i.to];
    } else curTo = Math.max(curTo, i.to);
  }
  if (curTo > curFrom) total += curTo - curFrom;
  return total;
}

export interface PersonTime {
  userId: string;
  /** When their first seat joined. */
  firstAt: number;
  ms: number;
  /** Of the lecture's length, 0–1 (1 for a lecture of no length they were in). */
  share: number;
}

/** Seats and refusals of these lectures (only `only`'s when given), by lecture: a course's register reads hundreds at once. */
async function readLectures(store: Store, ids: readonly string[], only?: string) {
  const [seats, refusals] = await Promise.all([store.lectures.seats(ids, only), store.lectures.refusals(ids, only)]);
  return { seats: groupBy(seats, (s) => s.lectureId), refusals: groupBy(refusals, (r) => r.lectureId) };
}

/** Who was in the lecture (their time), and who was turned away (it was full) and never got in. */
function peopleOf(l: Lecture, read: Awaited<ReturnType<typeof readLectures>>, now: number): { times: PersonTime[]; full: LectureRefusal[] } {
  const times = timesIn(l, read.seats.get(l.id) ?? [], now);
  const came = new Set(times.map((t) => t.userId));
  return { times, full: (read.refusals.get(l.id) ?? []).filter((r) => !came.has(r.userId)) };
}

/** A person as a register names them: emails and matriculation numbers only for `identities`. */
function identity(users: Map<string, User>, userId: string, identities: boolean) {
  const u = users.get(userId);
  return { userId, name: u?.name ?? 'A former account', email: identities ? (u?.email ?? null) : null, matricNo: identities ? (u?.matricNo ?? null) : null };
}

/** Each person's time in the lecture (`seats`: its own; others are ignored), most time first. */
export function timesIn(l: Lecture, seats: readonly LectureSeat[], now: number): PersonTime[] {
  const span = spanOf(l, now);
  const length = span.end - span.start;
  const byUser = groupBy(seats.filter((s) => s.lectureId === l.id), (s) => s.userId);
  return [...byUser.entries()]
    .map(([userId, ss]) => {
      const ms = coveredMs(ss, span.start, span.end);
      return { userId, firstAt: Math.min(...ss.map((s) => s.from)), ms, share: length > 0 ? ms / length : 1 };
    })
    .sort((a, b) => b.ms - a.ms || a.firstAt - b.firstAt);
}

export interface LectureAccess {
  room: Room;
  membership: Membership;
  /** Everyone's attendance (a host), else only the viewer's own. */
  all: boolean;
  /** Emails and matriculation numbers too (staff). */
  identities: boolean;
}

export async function lectureAccess(store: Store, viewer: User, roomId: string): Promise<LectureAccess> {
  const { room, membership } = await roomOfMember(store, viewer.id, roomId);
  // Only a course room's lectures keep a register (Sfu.join `register`).
  if (room.kind !== 'course') throw notFound('No such room.');
  const all = isLectureHost(viewer.role, membership.role);
  return { room, membership, all, identities: all && viewer.role !== 'student' };
}

export interface LectureSummary {
  lecture: Lecture;
  span: Span;
  startedBy: string;
  /** People who were in it (a host's view), or null. */
  people: number | null;
  /** People turned away because it was full, who never got in (a host's view), or null. */
  full: number | null;
  /** The viewer's own time (a member's view), or null. */
  mine: PersonTime | null;
  /** The viewer was turned away (it was full) and never got in. */
  mineFull: boolean;
}

export interface LectureList {
  access: LectureAccess;
  lectures: LectureSummary[];
  /** Where the next page starts (`before`), or null. */
  next: number | null;
  /** A member's own record over the room's lectures (not a host's view: null). */
  mine: (Tally & { held: number; totalMs: number }) | null;
}

export async function listLectures(store: Store, viewer: User, roomId: string, opts: { before?: number; now: number }): Promise<LectureList> {
  const access = await lectureAccess(store, viewer, roomId);
  const page = await store.lectures.list(access.room.id, { limit: LECTURES_PAGE + 1, before: opts.before });
  const lectures = page.slice(0, LECTURES_PAGE);
  const ids = lectures.map((l) => l.id);
  const only = access.all ? undefined : viewer.id;
  const read = await readLectures(store, ids, only);
  const names = new Map((await store.users.byIds([...new Set(lectures.map((l) => l.startedBy))])).map((u) => [u.id, u.name]));
  const own = access.all ? null : await tally(store, access.room.id, opts.now, viewer.id);
  return {
    access,
    lectures: lectures.map((l) => {
      const { times, full } = peopleOf(l, read, opts.now);
      return { lecture: l, span: spanOf(l, opts.now), startedBy: names.get(l.startedBy) ?? 'Someone', people: access.all ? times.length : null, full: access.all ? full.length : null, mine: access.all ? null : (times[0] ?? null), mineFull: !access.all && full.length > 0 };
    }),
    next: page.length > LECTURES_PAGE ? lectures[lectures.length - 1]!.startedAt : null,
    mine: own && { held: own.held, totalMs: own.totalMs, ...(own.per.get(viewer.id) ?? NONE) },
  };
}

export interface AttendanceRow {
  userId: string;
  name: string;
  /** Staff viewers only, else null. */
  email: string | null;
  matricNo: string | null;
  time: PersonTime | null;
  /** When they were first turned away (it was full), if they never got in. */
  turnedAwayAt: number | null;
}

export interface LectureDetail {
  access: LectureAccess;
  lecture: Lecture;
  span: Span;
  startedBy: string;
  present: AttendanceRow[];
  /** Turned away because it was full, and never in (members or not), by name. */
  turnedAway: AttendanceRow[];
  /** Members now who were not in it and were not turned away, by name. */
  absent: AttendanceRow[];
}

/** One lecture's register: hosts only (a member reads their own time on the list). */
export async function lectureDetail(store: Store, viewer: User, roomId: string, lectureId: string, now: number): Promise<LectureDetail> {
  const access = await lectureAccess(store, viewer, roomId);
  const lecture = await store.lectures.get(lectureId);
  if (!access.all || !lecture || lecture.roomId !== access.room.id) throw notFound('No such lecture.');
  const [read, members] = await Promise.all([readLectures(store, [lecture.id]), store.rooms.members(access.room.id)]);
  const { times, full: refused } = peopleOf(lecture, read, now);
  const came = new Set(times.map((t) => t.userId));
  const full = new Map(refused.map((r) => [r.userId, r.at]));
  const ids = [...new Set([...times.map((t) => t.userId), ...full.keys(), ...members.map((m) => m.userId), lecture.startedBy])];
  const users = new Map((await store.users.byIds(ids)).map((u) => [u.id, u]));
  const row = (userId: string, time: PersonTime | null): AttendanceRow => ({ ...identity(users, userId, access.identities), time, turnedAwayAt: full.get(userId) ?? null });
  const byName = (a: AttendanceRow, b: AttendanceRow) => a.name.localeCompare(b.name, 'en');
  return {
    access,
    lecture,
    span: spanOf(lecture, now),
    startedBy: users.get(lecture.startedBy)?.name ?? 'Someone',
    present: times.map((t) => row(t.userId, t)),
    turnedAway: [...full.keys()].map((id) => row(id, null)).sort(byName),
    absent: members
      .filter((m) => !came.has(m.userId) && !full.has(m.userId))
      .map((m) => row(m.userId, null))
      .sort(byName),
  };
}

export interface CourseRow extends Omit<AttendanceRow, 'time' | 'turnedAwayAt'> {
  /** Lectures they were in (for any time). */
  attended: number;
  /** Lectures they could not get into (full), and never did. */
  turnedAway: number;
  ms: number;
}

export interface CourseRegister {
  access: LectureAccess;
  /** Lectures covered (the newest COURSE_LECTURES_MAX). */
  held: number;
  totalMs: number;
  /** Members now and anyone who was in one of its lectures, by name. */
  rows: CourseRow[];
}

/** Every lecture of the room, person by person: hosts only. */
export async function courseRegister(store: Store, viewer: User, roomId: string, now: number): Promise<CourseRegister> {
  const access = await lectureAccess(store, viewer, roomId);
  if (!access.all) throw notFound('No such page.');
  return { access, ...(await registerOf(store, access.room, access.identities, now)) };
}

/** The register itself, for whoever was let see it (a host above; an administrator at the CLI). */
export async function registerOf(store: Store, room: Room, identities: boolean, now: number): Promise<Omit<CourseRegister, 'access'>> {
  const [t, members] = await Promise.all([tally(store, room.id, now), store.rooms.members(room.id)]);
  const userIds = [...new Set([...members.map((m) => m.userId), ...t.per.keys()])];
  const users = new Map((await store.users.byIds(userIds)).map((u) => [u.id, u]));
  const rows = userIds
    .map((userId) => ({ ...identity(users, userId, identities), ...(t.per.get(userId) ?? NONE) }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en') || a.userId.localeCompare(b.userId));
  return { held: t.held, totalMs: t.totalMs, rows };
}

export interface Tally {
  attended: number;
  turnedAway: number;
  ms: number;
}

const NONE: Tally = { attended: 0, turnedAway: 0, ms: 0 };

/** Each person's lectures of the room (only `only`'s when given), over the newest COURSE_LECTURES_MAX. */
async function tally(store: Store, roomId: string, now: number, only?: string): Promise<{ held: number; totalMs: number; per: Map<string, Tally> }> {
  const lectures = await store.lectures.list(roomId, { limit: COURSE_LECTURES_MAX });
  const ids = lectures.map((l) => l.id);
  const read = await readLectures(store, ids, only);
  const per = new Map<string, Tally>();
  const of = (userId: string) => per.get(userId) ?? per.set(userId, { ...NONE }).get(userId)!;
  for (const l of lectures) {
    const { times, full } = peopleOf(l, read, now);
    for (const t of times) {
      const p = of(t.userId);
      p.attended++;
      p.ms += t.ms;
    }
    for (const r of full) of(r.userId).turnedAway++;
  }
  const totalMs = lectures.reduce((n, l) => n + (spanOf(l, now).end - l.startedAt), 0);
  return { held: lectures.length, totalMs, per };
}

/**
 * A host takes a lecture off the register (a test run before class would count as a lecture every
 * student missed). Not one still running (its node would write it back); audited with what it was.
 */
export async function removeLecture(store: Store, viewer: User, actor: Actor, roomId: string, lectureId: string, now: number): Promise<void> {
  const d = await lectureToRemove(store, viewer, roomId, lectureId, now);
  if (!(await store.lectures.remove(d.lecture.id))) throw notFound('No such lecture.');
  await recordAudit(store, actor, 'lecture.removed', d.access.room.id, { lectureId: d.lecture.id, startedAt: d.lecture.startedAt, endedAt: d.span.end, startedBy: d.lecture.startedBy, present: d.present.length });
}

/** The lecture a host may take off the register (asked first: the confirmation page shows it). */
export async function lectureToRemove(store: Store, viewer: User, roomId: string, lectureId: string, now: number): Promise<LectureDetail> {
  const d = await lectureDetail(store, viewer, roomId, lectureId, now);
  if (d.span.running) throw conflict('This lecture is still in progress: end it first.');
  return d;
}
