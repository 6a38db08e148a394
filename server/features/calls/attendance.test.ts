/**
 * Lecture attendance: the arithmetic of a person's time (seats merged, clipped to the lecture), the
 * keeper's writes from the SFU's lecture events (and its minute), and the pages and downloads over
 * the real app: a lecture held over the /rtc socket, read by its lecturer, a student, and a
 * stranger.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { memoryLogger } from '../../log';
import { Sfu } from '../../rtc/sfu';
import { createSqliteStore } from '../../store/sqlite/sqlite';
import type { Lecture } from '../../store/types';
import { keepAttendance } from './attendance';
import { coveredMs, RUNNING_WITHIN_MS, spanOf, timesIn } from './lectures';
import { joinCall, person, socket, start, stopStarted, until } from './test-support';

afterEach(stopStarted);

const MIN = 60_000;

describe('a person’s time in a lecture', () => {
  test('seats that overlap count once; time outside the lecture does not count', () => {
    expect(coveredMs([{ from: 0, to: 10 }, { from: 5, to: 20 }, { from: 30, to: 40 }], 0, 100)).toBe(30);
    expect(coveredMs([{ from: -50, to: 10 }, { from: 90, to: 500 }], 0, 100)).toBe(20);
    expect(coveredMs([{ from: 10, to: 10 }], 0, 100)).toBe(0);
    expect(coveredMs([], 0, 100)).toBe(0);
  });

  test('per person, most time first; a lecture not ended runs while its last minute is recent, else ends there', () => {
    const l: Lecture = { id: 'l', roomId: 'r', startedBy: 'okafor', startedAt: 0, lastAt: 60 * MIN, endedAt: 60 * MIN };
    const seats = [
      { lectureId: 'l', seatId: 'a1', userId: 'ada', from: 0, to: 20 * MIN },
      { lectureId: 'l', seatId: 'a2', userId: 'ada', from: 10 * MIN, to: 30 * MIN }, // a second device, overlapping
      { lectureId: 'l', seatId: 'b1', userId: 'bola', from: 5 * MIN, to: 65 * MIN }, // past the end: cut there
      { lectureId: 'other', seatId: 'c1', userId: 'chi', from: 0, to: 60 * MIN },
    ];
    expect(timesIn(l, seats, 100 * MIN)).toEqual([
      { userId: 'bola', firstAt: 5 * MIN, ms: 55 * MIN, share: 55 / 60 },
      { userId: 'ada', firstAt: 0, ms: 30 * MIN, share: 0.5 },
    ]);
    const open = { ...l, endedAt: null };
    expect(spanOf(open, 60 * MIN + RUNNING_WITHIN_MS)).toEqual({ start: 0, end: 60 * MIN, running: true });
    expect(spanOf(open, 60 * MIN + RUNNING_WITHIN_MS + 1)).toEqual({ start: 0, end: 60 * MIN, running: false });
  });
});

describe('the keeper', () => {
  test('writes the lecture and each seat as they come and go, every open seat each minute, and the end', async () => {
    const store = createSqliteStore(null);
    const sfu = new Sfu({} as never, { info() {}, warn() {} });
    let now = 1_000;
    const keeper = keepAttendance(sfu, store, memoryLogger(), { everyMs: 50, clock: () => now });
    const ev = (seats: [string, string, boolean][], ended = false) => sfu.onLecture({ type: 'seats', callId: 'L1', roomId: 'R', seats: seats.map(([seatId, userId, host]) => ({ seatId, userId, host })), ended });
    ev([['s1', 'okafor', true]]);
    now = 2_000;
    ev([['s1', 'okafor', true], ['s2', 'ada', false]]);
    now = 3_000;
    ev([['s1', 'okafor', true]]); // Ada leaves
    now = 4_000;
    ev([['s1', 'okafor', true], ['s3', 'ada', false]]); // and comes back (a new seat)
    await keeper.drain();
    expect(await store.lectures.get('L1')).toEqual({ id: 'L1', roomId: 'R', startedBy: 'okafor', startedAt: 1_000, lastAt: 1_000, endedAt: null });
    now = 9_000;
    await Bun.sleep(120); // a minute (50 ms here): the open seats and the lecture move on
    await keeper.drain();
    expect((await store.lectures.get('L1'))!.lastAt).toBe(9_000);
    const seats = async () => Object.fromEntries((await store.lectures.seats(['L1'])).map((s) => [s.seatId, [s.userId, s.from, s.to]]));
    expect(await seats()).toEqual({ s1: ['okafor', 1_000, 9_000], s2: ['ada', 2_000, 3_000], s3: ['ada', 4_000, 9_000] });
    now = 10_000;
    ev([], true);
    await keeper.drain();
    expect(await store.lectures.get('L1')).toMatchObject({ lastAt: 10_000, endedAt: 10_000 });
    expect(await seats()).toEqual({ s1: ['okafor', 1_000, 10_000], s2: ['ada', 2_000, 3_000], s3: ['ada', 4_000, 10_000] });
    // No lecture open: the minute stops (nothing moves any more).
    now = 20_000;
    await Bun.sleep(120);
    await keeper.drain();
    expect((await store.lectures.get('L1'))!.lastAt).toBe(10_000);
    await store.close();
  });
});

async function course(env: Record<string, string> = {}) {
  const s = await start(undefined, env);
  const okafor = await person(s, 'okafor.at@unilag.edu.ng', 'lecturer', { name: 'Dr Okafor' });
  const ada = await person(s, 'ada.at@unilag.edu.ng', 'student', { name: 'Ada Obi', matricNo: '190805001' });
  const bola = await person(s, 'bola.at@unilag.edu.ng', 'student', { name: '=Bola Ade' });
  const stranger = await person(s, 'chi.at@unilag.edu.ng');
  const room = await s.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'CSC409', name: 'Networks', topic: '', createdBy: null, dmKey: null }, [
    { userId: okafor.user.id, role: 'member' },
    { userId: ada.user.id, role: 'member' },
    { userId: bola.user.id, role: 'member' },
  ]);
  const join = (who: typeof okafor, how: Record<string, unknown> = {}) => joinCall(s.origin, who, room.id, how);
  return { s, okafor, ada, bola, stranger, room, join };
}

describe('attendance pages over the real app', () => {
  test('a lecture held over /rtc is on the register: the lecturer reads and downloads everyone’s, a student only her own, a stranger nothing', async () => {
    const t = await course();
    const host = await t.join(t.okafor, { start: 'lecture' });
    const ada = await t.join(t.ada);
    await Bun.sleep(50);
    ada.ws.close();
    await until(() => t.s.app.sfu.state(t.room.id)?.participants === 1);
    host.send({ type: 'end' });
    await until(() => t.s.app.sfu.state(t.room.id) === null);
    await t.s.app.attendance.drain();
    const [lecture] = await t.s.store.lectures.list(t.room.id, { limit: 5 });
    expect(lecture).toMatchObject({ roomId: t.room.id, startedBy: t.okafor.user.id });
    expect(lecture!.endedAt).not.toBeNull();
    expect(new Set((await t.s.store.lectures.seats([lecture!.id])).map((s) => s.userId))).toEqual(new Set([t.okafor.user.id, t.ada.user.id]));

    const text = async (who: typeof t.okafor, path: string) => {
      const res = await who.client.get(path);
      return { status: res.status, body: await res.text(), type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition') };
    };
    const list = await text(t.okafor, `/rooms/${t.room.id}/lectures`);
    expect(list.status).toBe(200);
    expect(list.body).toContain('<h1>Lectures in Networks</h1>');
    expect(list.body).toContain(`href="/rooms/${t.room.id}/lectures/${lecture!.id}"`);
    expect(list.body).toMatch(/<td>Dr Okafor<\/td><td>2<\/td>/);
    expect(list.body).toContain(`href="/rooms/${t.room.id}/register.csv"`);

    const detail = await text(t.okafor, `/rooms/${t.room.id}/lectures/${lecture!.id}`);
    expect(detail.body).toContain('<h2>Present (2)</h2>');
    expect(detail.body).toContain('<h2>Not present (1)</h2>');
    expect(detail.body).toContain('<td>=Bola Ade</td><td></td><td>bola.at@unilag.edu.ng</td></tr>');
    expect(detail.body).toContain('<td>Ada Obi</td><td>190805001</td><td>ada.at@unilag.edu.ng</td>');

    const csv = await text(t.okafor, `/rooms/${t.room.id}/lectures/${lecture!.id}/register.csv`);
    expect(csv.type).toBe('text/csv; charset=utf-8');
    expect(csv.disposition).toStartWith('attachment; filename="Networks lecture ');
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('name,matric_no,email,present,joined,minutes,share_percent');
    expect(lines).toContainEqual(expect.stringMatching(/^Ada Obi,190805001,ada\.at@unilag\.edu\.ng,yes,.+,0,\d+$/));
    // A name a spreadsheet would run as a formula is written as text.
    expect(lines).toContain("'=Bola Ade,,bola.at@unilag.edu.ng,no,,0,0");

    const register = await text(t.okafor, `/rooms/${t.room.id}/register.csv`);
    expect(register.body.split('\r\n')[0]).toBe('name,matric_no,email,lectures_attended,lectures_held,minutes_present,share_percent,lectures_turned_away');
    expect(register.body).toMatch(/\r\nAda Obi,190805001,ada\.at@unilag\.edu\.ng,1,1,0,\d+,0\r\n/);
    expect(register.body).toContain("'=Bola Ade,,bola.at@unilag.edu.ng,0,1,0,0,0\r\n");

    // A student: her own time on the list, nobody else's, and no register.
    const mine = await text(t.ada, `/rooms/${t.room.id}/lectures`);
    expect(mine.status).toBe(200);
    expect(mine.body).toContain('This is what the lecturer sees about you.');
    expect(mine.body).not.toContain(`/lectures/${lecture!.id}`);
    expect(mine.body).not.toContain('register.csv');
    expect(mine.body).toMatch(/<td>Dr Okafor<\/td><td>under 1 min \(\d+%\)<\/td>/);
    expect(mine.body).toMatch(/You were in 1 of 1 lecture \(under 1 min, \d+% of their time\)\.<\/p>/);
    // On a phone the room's header has no room for Lectures: the people page leads there.
    expect((await text(t.bola, `/rooms/${t.room.id}/members`)).body).toContain(`<a href="/rooms/${t.room.id}/lectures">Lectures and attendance</a>`);
    const bolas = await text(t.bola, `/rooms/${t.room.id}/lectures`);
    expect(bolas.body).toContain('<td>not present</td>');
    expect(bolas.body).toContain('You were in 0 of 1 lecture (0 min, 0% of their time).</p>');
    for (const path of [`/rooms/${t.room.id}/lectures/${lecture!.id}`, `/rooms/${t.room.id}/lectures/${lecture!.id}/register.csv`, `/rooms/${t.room.id}/register.csv`]) {
      expect((await text(t.ada, path)).status).toBe(404);
    }
    // Not a member: nothing, not even that the room exists.
    for (const path of [`/rooms/${t.room.id}/lectures`, `/rooms/${t.room.id}/lectures/${lecture!.id}`, `/rooms/${t.room.id}/register.csv`]) {
      expect((await text(t.stranger, path)).status).toBe(404);
    }
    // A lecture id from another room is not found through this one.
    expect((await text(t.okafor, `/rooms/${t.room.id}/lectures/nope`)).status).toBe(404);
  });

  test('a group call takes no attendance; a room without lectures says so', async () => {
    const t = await course();
    const a = await t.join(t.ada, { start: 'group' });
    a.send({ type: 'leave' });
    await until(() => t.s.app.sfu.state(t.room.id) === null);
    await t.s.app.attendance.drain();
    expect(await t.s.store.lectures.list(t.room.id, { limit: 5 })).toEqual([]);
    const res = await t.okafor.client.get(`/rooms/${t.room.id}/lectures`);
    expect(await res.text()).toContain('No lecture has been held in this room yet.');
  });

  test('someone turned away from a full lecture is on its register as such, not as absent; her own list says so', async () => {
    const t = await course({ RTC_MAX_PARTICIPANTS: '2' });
    const host = await t.join(t.okafor, { start: 'lecture' });
    await t.join(t.ada);
    const ws = socket(t.s.origin, { cookie: t.bola.cookie, origin: t.s.origin });
    await ws.opened;
    ws.send({ type: 'join', room: t.room.id });
    await until(() => ws.got.some((m) => m.type === 'error'));
    expect(ws.got.find((m) => m.type === 'error')).toMatchObject({ message: 'This call is full (2 people).' });
    host.send({ type: 'end' });
    await until(() => t.s.app.sfu.state(t.room.id) === null);
    await t.s.app.attendance.drain();
    const [lecture] = await t.s.store.lectures.list(t.room.id, { limit: 5 });
    const detail = await (await t.okafor.client.get(`/rooms/${t.room.id}/lectures/${lecture!.id}`)).text();
    expect(detail).toContain('<h2>Present (2)</h2>');
    expect(detail).toContain('<h2>Could not get in: the lecture was full (1)</h2>');
    expect(detail).toContain('<h2>Not present (0)</h2>');
    expect(detail).toMatch(/<td>=Bola Ade<\/td><td><\/td><td>bola\.at@unilag\.edu\.ng<\/td><td>\d\d:\d\d<\/td>/);
    const csv = await (await t.okafor.client.get(`/rooms/${t.room.id}/lectures/${lecture!.id}/register.csv`)).text();
    expect(csv).toMatch(/\r\n'=Bola Ade,,bola\.at@unilag\.edu\.ng,full,"\d+ \w+ \d{4}, \d\d:\d\d",0,0\r\n/);
    expect(await (await t.okafor.client.get(`/rooms/${t.room.id}/register.csv`)).text()).toContain("'=Bola Ade,,bola.at@unilag.edu.ng,0,1,0,0,1\r\n");
    expect(await (await t.okafor.client.get(`/rooms/${t.room.id}/lectures`)).text()).toMatch(/<td>2 \(1 could not get in: full\)<\/td>/);
    const bolas = await (await t.bola.client.get(`/rooms/${t.room.id}/lectures`)).text();
    expect(bolas).toContain('<td>could not get in: the lecture was full</td>');
    expect(bolas).toContain('You were in 0 of 1 lecture (0 min, 0% of their time). You could not get into one: it was full.</p>');
  });

  test('only course rooms keep a register; a student who owns one reads it without emails or matric numbers; a member removed reads nothing', async () => {
    const t = await course();
    // A lecture in a group (its lecturer may start one): no register, no page.
    const group = await t.s.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'group', code: null, name: 'Study group', topic: '', createdBy: t.okafor.user.id, dmKey: null }, [
      { userId: t.okafor.user.id, role: 'owner' },
      { userId: t.ada.user.id, role: 'member' },
    ]);
    const ws = await joinCall(t.s.origin, t.okafor, group.id, { start: 'lecture' });
    ws.send({ type: 'end' });
    await until(() => t.s.app.sfu.state(group.id) === null);
    await t.s.app.attendance.drain();
    expect(await t.s.store.lectures.list(group.id, { limit: 5 })).toEqual([]);
    expect((await t.okafor.client.get(`/rooms/${group.id}/lectures`)).status).toBe(404);

    // Bola owns the course room: a host, so she reads the register, but names only.
    await t.s.store.rooms.setRole(t.room.id, t.bola.user.id, 'owner');
    await t.s.store.lectures.save({ id: 'L9', roomId: t.room.id, startedBy: t.okafor.user.id, startedAt: 0, lastAt: 60 * MIN, endedAt: 60 * MIN });
    await t.s.store.lectures.seat({ lectureId: 'L9', seatId: 's', userId: t.ada.user.id, from: 0, to: 30 * MIN });
    const page = await (await t.bola.client.get(`/rooms/${t.room.id}/lectures/L9`)).text();
    expect(page).toContain('<td>Ada Obi</td><td>01:00</td><td>30 min</td><td>50%</td>');
    expect(page).not.toContain('ada.at@unilag.edu.ng');
    expect(page).not.toContain('190805001');
    expect(page).not.toContain('Matric');
    const csv = await (await t.bola.client.get(`/rooms/${t.room.id}/register.csv`)).text();
    expect(csv).toContain('Ada Obi,,,1,1,30,50,0\r\n');
    // Taken out of the room: nothing, as for any non-member.
    await t.s.store.rooms.removeMember(t.room.id, t.ada.user.id);
    expect((await t.ada.client.get(`/rooms/${t.room.id}/lectures`)).status).toBe(404);
  });

  test('a host takes a test run off the register, asked first and audited; not one in progress; a student cannot', async () => {
    const t = await course();
    await t.s.store.lectures.save({ id: 'TEST', roomId: t.room.id, startedBy: t.okafor.user.id, startedAt: 0, lastAt: 2 * MIN, endedAt: 2 * MIN });
    await t.s.store.lectures.seat({ lectureId: 'TEST', seatId: 's', userId: t.okafor.user.id, from: 0, to: 2 * MIN });
    const path = `/rooms/${t.room.id}/lectures/TEST/remove`;
    expect((await t.ada.client.post(path, { confirm: 'yes' })).status).toBe(404);
    expect((await t.stranger.client.post(path, { confirm: 'yes' })).status).toBe(404);
    const asked = await t.okafor.client.post(path, { confirm: 'no' });
    expect(asked.status).toBe(200);
    const text = await asked.text();
    expect(text).toContain('from the register?</h1>');
    expect(text).toContain('(1 person was in it, for 2 min)');
    expect(await t.s.store.lectures.get('TEST')).not.toBeNull();
    const done = await t.okafor.client.post(path, { confirm: 'yes' });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`/rooms/${t.room.id}/lectures?done=removed`);
    expect(await (await t.okafor.client.get(done.headers.get('location')!)).text()).toContain('The lecture was removed from the register.');
    expect(await t.s.store.lectures.get('TEST')).toBeNull();
    expect(await t.s.store.lectures.seats(['TEST'])).toEqual([]);
    const audit = (await t.s.store.audit.list()).filter((a) => a.action === 'lecture.removed');
    expect(audit.map((a) => [a.actorId, a.target, a.details])).toEqual([[t.okafor.user.id, t.room.id, { lectureId: 'TEST', startedAt: 0, endedAt: 2 * MIN, startedBy: t.okafor.user.id, present: 1 }]]);
    expect((await t.okafor.client.post(path, { confirm: 'yes' })).status).toBe(404);

    // One in progress: refused at either step (its node would write it back).
    const host = await t.join(t.okafor, { start: 'lecture' });
    await t.s.app.attendance.drain();
    const [running] = await t.s.store.lectures.list(t.room.id, { limit: 1 });
    const page = await (await t.okafor.client.get(`/rooms/${t.room.id}/lectures/${running!.id}`)).text();
    expect(page).not.toContain('Remove from the register');
    for (const confirm of ['no', 'yes']) {
      const r = await t.okafor.client.post(`/rooms/${t.room.id}/lectures/${running!.id}/remove`, { confirm });
      expect(r.status).toBe(409);
      expect(await r.text()).toContain('This lecture is still in progress: end it first.');
    }
    host.send({ type: 'end' });
    await until(() => t.s.app.sfu.state(t.room.id) === null);
  });
});
