/**
 * Recording through the real /rtc socket (no media: what is recorded is the browser test's): who
 * may press Record, who is told, a host's socket closing (a reload) waited for, a host taken out
 * of the room stopping it at once, and the audit of each.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { removeMember } from '../chat/rooms';
import { joinCall, person, start, stopStarted, until } from './test-support';

afterEach(stopStarted);

async function lecture() {
  const s = await start();
  const okafor = await person(s, 'okafor.rr@unilag.edu.ng', 'lecturer', { name: 'Dr Okafor' });
  const ada = await person(s, 'ada.rr@unilag.edu.ng');
  const room = await s.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'CSC409', name: 'Networks', topic: '', createdBy: null, dmKey: null }, [
    { userId: okafor.user.id, role: 'member' },
    { userId: ada.user.id, role: 'member' },
  ]);
  const join = (who: typeof okafor, how: Record<string, unknown> = {}) => joinCall(s.origin, who, room.id, how);
  const audit = async (action: string) => (await s.store.audit.list({ limit: 100 })).filter((a) => a.action === action);
  return { s, okafor, ada, room, join, audit };
}

const recordingMsgs = (ws: { got: Record<string, unknown>[] }) => ws.got.filter((m) => m.type === 'recording');

describe('recording over /rtc', () => {
  test('only a host records; everyone is told, a newcomer on joining; the audit names the host', async () => {
    const t = await lecture();
    const host = await t.join(t.okafor, { start: 'lecture' });
    const student = await t.join(t.ada);
    student.send({ type: 'record', on: true });
    await until(() => student.got.some((m) => m.type === 'error'));
    expect(student.got.find((m) => m.type === 'error')).toEqual({ type: 'error', message: 'Only the lecturer can do that.' });
    expect(t.s.app.sfu.state(t.room.id)!.recording).toBe(false);
    host.send({ type: 'record', on: true });
    await until(() => recordingMsgs(student).length === 1);
    expect(recordingMsgs(host)).toEqual([{ type: 'recording', by: 'Dr Okafor' }]);
    expect(t.s.app.sfu.state(t.room.id)!.recording).toBe(true);
    // A page joining now is told right after `joined`.
    student.ws.close();
    const again = await t.join(t.ada);
    await until(() => recordingMsgs(again).length === 1);
    expect(again.got.map((m) => m.type).slice(0, 2)).toEqual(['joined', 'recording']);
    for (let i = 0; i < 100 && !(await t.audit('call.recording_started')).length; i++) await Bun.sleep(10);
    expect((await t.audit('call.recording_started'))[0]).toMatchObject({ actorId: t.okafor.user.id, target: t.room.id, origin: 'web' });
    host.send({ type: 'record', on: false });
    await until(() => recordingMsgs(again).length === 2);
    expect(recordingMsgs(again)[1]).toEqual({ type: 'recording', by: null });
    // Nothing was sent (no media here): no file, an `empty` entry.
    await t.s.app.sfu.drain();
    await t.s.app.recordings.drain();
    expect((await t.audit('call.recording_empty'))[0]!.details).toMatchObject({ reason: 'stopped' });
  });

  test("the host's socket closing (a reload) is waited for; taken out of the room, the recording stops at once", async () => {
    const t = await lecture();
    const host = await t.join(t.okafor, { start: 'lecture' });
    const student = await t.join(t.ada);
    host.send({ type: 'record', on: true });
    await until(() => recordingMsgs(student).length === 1);
    host.ws.close();
    await until(() => t.s.app.sfu.state(t.room.id)!.participants === 1);
    await Bun.sleep(300);
    expect(recordingMsgs(student)).toEqual([{ type: 'recording', by: 'Dr Okafor' }]);
    const back = await t.join(t.okafor);
    expect(t.s.app.sfu.state(t.room.id)!.recording).toBe(true);
    // Removed from the room: her socket closes (4404), and the recording does not wait for her.
    await removeMember(t.s.app.chat, { userId: null, origin: 'test' }, t.room.id, t.okafor.user.id);
    expect(await back.closed).toBe(4404);
    await until(() => recordingMsgs(student).length === 2);
    expect(student.got.filter((m) => m.type === 'notice').map((m) => m.message)).toContain('The recording stopped: the lecturer recorded was taken out of the lecture.');
    await t.s.app.sfu.drain();
    await t.s.app.recordings.drain();
    expect((await t.audit('call.recording_empty'))[0]!.details).toMatchObject({ reason: 'removed' });
  });
});
