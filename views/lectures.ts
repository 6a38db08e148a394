/**
 * Lecture attendance pages (server/features/calls/lectures.ts): the room's lectures (a host sees
 * how many came to each, a member her own time), and one lecture's register (hosts). Plain tables
 * and links: no script, little to load on a slow line; the downloads are CSV.
 */
import { html, type Raw } from '../server/http/html';
import type { AttendanceRow, LectureDetail, LectureList } from '../server/features/calls/lectures';
import type { TimeFormat } from './chat';

/** "52 min", "1 h 05 min"; under a minute "under 1 min" (someone who looked in). */
export function lengthText(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min < 1) return ms > 0 ? 'under 1 min' : '0 min';
  return min < 60 ? `${min} min` : `${Math.floor(min / 60)} h ${String(min % 60).padStart(2, '0')} min`;
}

export const shareText = (share: number) => `${Math.round(share * 100)}%`;

/** A member's own record: "You were in 11 of 13 lectures (9 h 10 min, 85% of their time)." */
function ownRecord(m: NonNullable<LectureList['mine']>): string {
  const share = m.totalMs > 0 ? m.ms / m.totalMs : 0;
  const full = m.turnedAway ? ` You could not get into ${m.turnedAway === 1 ? 'one' : m.turnedAway}: ${m.turnedAway === 1 ? 'it was' : 'they were'} full.` : '';
  return `You were in ${m.attended} of ${m.held} lecture${m.held === 1 ? '' : 's'} (${lengthText(m.ms)}, ${shareText(share)} of their time).${full}`;
}

export function lecturesPage(v: LectureList, tf: TimeFormat, done: string | null = null): Raw {
  const { room, all } = v.access;
  const base = `/rooms/${room.id}/lectures`;
  const rows = v.lectures.map((l) => {
    const when = tf.dateTime(l.lecture.startedAt);
    const length = html`${lengthText(l.span.end - l.span.start)}${l.span.running ? ' (in progress)' : ''}`;
    if (all) return html`<tr><td><a href="${base}/${l.lecture.id}">${when}</a></td><td>${length}</td><td>${l.startedBy}</td><td>${l.people ?? 0}${l.full ? ` (${l.full} could not get in: full)` : ''}</td></tr>`;
    return html`<tr><td>${when}</td><td>${length}</td><td>${l.startedBy}</td><td>${l.mine ? html`${lengthText(l.mine.ms)} (${shareText(l.mine.share)})` : l.mineFull ? 'could not get in: the lecture was full' : 'not present'}</td></tr>`;
  });
  return html`<main class="card wide register"><h1>Lectures in ${room.name}</h1>${done ? html`<p class="notice" role="status">${done}</p>` : ''}
<p class="hint">${all ? 'Every lecture takes attendance: who joined it and for how long (a reload or a second device counts once). Members see their own time here.' : 'Every lecture takes attendance: who joined it and for how long. This is what the lecturer sees about you.'}</p>
${all && v.lectures.length ? html`<p><a href="/rooms/${room.id}/register.csv" download>Download the course register (CSV)</a></p>` : ''}
${v.mine && v.mine.held ? html`<p class="notice" role="status">${ownRecord(v.mine)}</p>` : ''}
${
  v.lectures.length
    ? html`<div class="table-wrap"><table><caption class="visually-hidden">Lectures, newest first</caption><thead><tr><th scope="col">Started</th><th scope="col">Length</th><th scope="col">Started by</th><th scope="col">${all ? 'People' : 'Your time'}</th></tr></thead><tbody>${rows}</tbody></table></div>`
    : html`<p role="status">No lecture has been held in this room yet.</p>`
}
${v.next !== null ? html`<nav class="pager" aria-label="More lectures"><span></span><a href="${base}?before=${v.next}" rel="next">Older lectures</a></nav>` : ''}
<p class="link-row"><a href="/rooms/${room.id}">Back to the room</a></p></main>`;
}

/** What each row shows after who it is: the present's time, when the turned away tried, or nothing. */
type Columns = 'time' | 'tried' | 'none';

function registerTable(caption: string, rows: AttendanceRow[], ids: boolean, tf: TimeFormat, cols: Columns): Raw {
  const head = cols === 'time' ? html`<th scope="col">Joined</th><th scope="col">Time</th><th scope="col">Share</th>` : cols === 'tried' ? html`<th scope="col">Tried at</th>` : '';
  const cells = (r: AttendanceRow) =>
    cols === 'time' && r.time ? html`<td>${tf.time(r.time.firstAt)}</td><td>${lengthText(r.time.ms)}</td><td>${shareText(r.time.share)}</td>` : cols === 'tried' && r.turnedAwayAt !== null ? html`<td>${tf.time(r.turnedAwayAt)}</td>` : '';
  return html`<div class="table-wrap"><table><caption class="visually-hidden">${caption}</caption><thead><tr><th scope="col">Name</th>${ids ? html`<th scope="col">Matric. no.</th><th scope="col">Email</th>` : ''}${head}</tr></thead><tbody>${rows.map(
    (r) => html`<tr><td>${r.name}</td>${ids ? html`<td>${r.matricNo ?? ''}</td><td>${r.email ?? ''}</td>` : ''}${cells(r)}</tr>`,
  )}</tbody></table></div>`;
}

export function lecturePage(v: LectureDetail, tf: TimeFormat): Raw {
  const { room, identities } = v.access;
  const ended = v.lecture.endedAt !== null ? `ended ${tf.time(v.lecture.endedAt)}` : v.span.running ? `in progress (times as of ${tf.time(v.span.end)})` : `its server stopped at ${tf.time(v.span.end)}`;
  return html`<main class="card wide register"><h1>Lecture of ${tf.dateTime(v.lecture.startedAt)}</h1>
<p>${room.name} · started by ${v.startedBy} · ${lengthText(v.span.end - v.span.start)} · ${ended}</p>
<p><a href="/rooms/${room.id}/lectures/${v.lecture.id}/register.csv" download>Download this register (CSV)</a></p>
<h2>Present (${v.present.length})</h2>
${v.present.length ? registerTable('Present, most time first', v.present, identities, tf, 'time') : html`<p>Nobody.</p>`}
${v.turnedAway.length ? html`<h2>Could not get in: the lecture was full (${v.turnedAway.length})</h2><p class="hint">They tried to join when it had as many people as the server takes (RTC_MAX_PARTICIPANTS), and never got in.</p>${registerTable('Turned away, by name', v.turnedAway, identities, tf, 'tried')}` : ''}
<h2>Not present (${v.absent.length})</h2>
${v.absent.length ? registerTable('Members not present, by name', v.absent, identities, tf, 'none') : html`<p>Every member of the room was there.</p>`}
<p class="hint">Members as the room has them now. A person's time counts each moment once, whatever the number of their tabs or devices.</p>
${v.span.running ? '' : html`<form method="post" action="/rooms/${room.id}/lectures/${v.lecture.id}/remove"><input type="hidden" name="confirm" value="no"><button type="submit" class="secondary">Remove from the register</button></form>`}
<p class="link-row"><a href="/rooms/${room.id}/lectures">All lectures</a> <a href="/rooms/${room.id}">Back to the room</a></p></main>`;
}

/** Asked before a host takes a lecture off the register (POST without confirm): no script needed. */
export function removeLecturePage(v: LectureDetail, tf: TimeFormat): Raw {
  const base = `/rooms/${v.access.room.id}/lectures`;
  return html`<main class="card"><h1>Remove the lecture of ${tf.dateTime(v.lecture.startedAt)} from the register?</h1>
<p>It will no longer count as a lecture held, nor anyone's time in it (${v.present.length} ${v.present.length === 1 ? 'person was' : 'people were'} in it, for ${lengthText(v.span.end - v.span.start)}). For a test run or a lecture started by mistake. This cannot be undone, and it is recorded in the audit log.</p>
<form method="post" action="${base}/${v.lecture.id}/remove" class="stack"><input type="hidden" name="confirm" value="yes"><button type="submit" class="danger">Remove it</button></form>
<p class="link-row"><a href="${base}/${v.lecture.id}">Keep it</a></p></main>`;
}
