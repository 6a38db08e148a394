/**
 * The attendance downloads (lecture-routes.ts, the CLI's `rooms register`): CSV a spreadsheet
 * opens, a header row first. Names a spreadsheet would run as formulas are written as text
 * (lib/csv.ts csvRow); emails and matriculation numbers are empty where the reader may not see them.
 */
import { csvRow } from '../../lib/csv';
import type { Room, Store } from '../../store/types';
import type { TimeFormat } from '../../../views/chat';
import { recordAudit, type Actor } from '../audit/record';
import { registerOf, type AttendanceRow, type CourseRegister, type LectureDetail } from './lectures';

const minutes = (ms: number) => String(Math.round(ms / 60_000));
const percent = (share: number) => String(Math.round(share * 100));

/** `present`: yes, no, or full (turned away because the lecture was full; `joined` is then when they tried). */
export const LECTURE_CSV_COLUMNS = ['name', 'matric_no', 'email', 'present', 'joined', 'minutes', 'share_percent'];
/** `lectures_turned_away`: lectures they could not get into because they were full (and never did). */
export const REGISTER_CSV_COLUMNS = ['name', 'matric_no', 'email', 'lectures_attended', 'lectures_held', 'minutes_present', 'share_percent', 'lectures_turned_away'];

export function lectureCsv(d: LectureDetail, tf: TimeFormat): string {
  const row = (r: AttendanceRow) => {
    const joined = r.time?.firstAt ?? r.turnedAwayAt;
    return csvRow([r.name, r.matricNo ?? '', r.email ?? '', r.time ? 'yes' : r.turnedAwayAt !== null ? 'full' : 'no', joined != null ? tf.dateTime(joined) : '', minutes(r.time?.ms ?? 0), percent(r.time?.share ?? 0)]);
  };
  return csvRow(LECTURE_CSV_COLUMNS) + [...d.present, ...d.turnedAway, ...d.absent].map(row).join('');
}

/** `share_percent`: of all the lectures' time together. */
export function registerCsv(c: Omit<CourseRegister, 'access'>): string {
  const share = (ms: number) => percent(c.totalMs > 0 ? ms / c.totalMs : 0);
  return csvRow(REGISTER_CSV_COLUMNS) + c.rows.map((r) => csvRow([r.name, r.matricNo ?? '', r.email ?? '', String(r.attended), String(c.held), minutes(r.ms), share(r.ms), String(r.turnedAway)])).join('');
}

/**
 * An administrator's copy of a room's register (the portal, the CLI), member or not: audited
 * (`room.register_exported`), since it names a whole class with emails and matriculation numbers.
 * `write` puts it where it goes first: a copy that could not be written is not recorded as taken.
 */
export async function exportRegister(store: Store, actor: Actor, room: Room, opts: { write?: (csv: string) => void; details?: Record<string, unknown> } = {}) {
  const reg = await registerOf(store, room, true, Date.now());
  const csv = registerCsv(reg);
  opts.write?.(csv);
  await recordAudit(store, actor, 'room.register_exported', room.id, { lectures: reg.held, people: reg.rows.length, ...opts.details });
  return { csv, held: reg.held, people: reg.rows.length };
}
