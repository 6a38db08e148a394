/**
 * Pinned messages over HTTP: who pins where, the room's bar pushed to every member at each change,
 * the list rendered for its reader, and what takes a message off it (unpin, delete, a hold).
 */
import { describe, expect, test } from 'bun:test';
import { signedInClient as signedIn, testApp } from '../../testing';
import { topics } from '../../realtime/topics';
import { CLI_ACTOR } from '../audit/record';
import { deleteMessage, publishHidden, publishVisible, sendMessage } from './messages';
import { addMembers, archiveRoom, createCourseRoom } from './rooms';
import { createGroup } from './groups';
import { MAX_PINS } from './pins';
import type { User } from '../../store/types';

const ADULT = { dateOfBirth: '1990-05-17' };
let n = 0;

async function setUp() {
  const t = await testApp();
  const ctx = t.app.chat;
  const okafor = await signedIn(t, 'okafor.pin@unilag.edu.ng', 'Dr Okafor', 'lecturer', ADULT);
  const ada = await signedIn(t, 'ada.pin@unilag.edu.ng', 'Ada <b>Obi</b>', 'student', ADULT);
  const bola = await signedIn(t, 'bola.pin@unilag.edu.ng', 'Bola Ade', 'student', ADULT);
  const out = await signedIn(t, 'out.pin@unilag.edu.ng', 'Out Sider', 'student', ADULT);
  const room = await createCourseRoom(ctx, { ...CLI_ACTOR, user: null }, { code: 'CSC301', name: 'Compilers' });
  await addMembers(ctx, CLI_ACTOR, room.id, [
    { userId: okafor.user.id, role: 'member' },
    { userId: ada.user.id, role: 'member' },
    { userId: bola.user.id, role: 'moderator' },
  ]);
  const say = async (u: User, body: string, roomId = room.id) => (await sendMessage(ctx, u, { roomId, clientId: `pin-test-${++n}-xx`, body })).message;
  const pin = (who: typeof ada, messageId: string, roomId = room.id, on = 'yes') => who.client.post(`/rooms/${roomId}/messages/${messageId}/pin`, { on }, { headers: { accept: 'application/json' } });
  const bars = (from: number) => t.hub.log.slice(from).filter((p) => p.topic === topics.room(room.id) && p.data.includes('class="pins-bar"')).map((p) => p.data);
  return { ...t, ctx, okafor, ada, bola, out, room, say, pin, bars };
}

describe('pinned messages', () => {
  test('in a course room the lecturer and the moderators pin, a student does not; every member sees the bar change; the list is rendered for its reader', async () => {
    const t = await setUp();
    const exam = await t.say(t.okafor.user, 'Exam on 12 December in **LT1**');
    const notes = await t.say(t.ada.user, 'My notes <script>x</script>');
    const refused = await t.pin(t.ada, exam.id);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: 'In a course room only the lecturer, the room’s owners and its moderators pin messages.' });
    expect((await t.pin(t.out, exam.id)).status).toBe(404);

    const before = t.hub.log.length;
    const ok = await t.pin(t.okafor, exam.id);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ changed: true });
    // Every member's page, one push; when the count was read (data-at) lets a page keep the newest.
    expect(t.bars(before)).toHaveLength(1);
    expect(t.bars(before)[0]).toMatch(new RegExp(`^<hx-partial hx-target="#pins-${t.room.id}" hx-swap="outerHTML"><p class="pins-bar" id="pins-${t.room.id}" data-at="\\d+"><span aria-hidden="true">📌</span> <a href="/rooms/${t.room.id}/pinned">1 pinned message</a></p></hx-partial>$`));
    expect(await (await t.pin(t.okafor, exam.id)).json()).toEqual({ changed: false });
    expect(await (await t.pin(t.bola, notes.id)).json()).toEqual({ changed: true });

    // The room page: the bar, and Pin offered (CSS on data-can-pin) to those who may.
    const lecturersRoom = await (await t.okafor.client.get(`/rooms/${t.room.id}`)).text();
    expect(lecturersRoom).toContain('data-can-pin="true"');
    expect(lecturersRoom).toContain('>2 pinned messages</a>');
    expect(await (await t.ada.client.get(`/rooms/${t.room.id}`)).text()).toContain('data-can-pin="false"');

    const list = await (await t.okafor.client.get(`/rooms/${t.room.id}/pinned`)).text();
    expect(list).toContain('<h1>Pinned in Compilers</h1>');
    // Newest pin first; the text formatted and escaped like a message.
    expect(list.indexOf('My notes &lt;script&gt;')).toBeLessThan(list.indexOf('Exam on 12 December in <strong>LT1</strong>'));
    expect(list).toContain('<strong>Ada &lt;b&gt;Obi&lt;/b&gt;</strong>');
    expect(list).toContain('Pinned by Bola Ade,');
    expect(list).toContain(`<a href="/rooms/${t.room.id}?before=${exam.seq + 1}#m-${exam.id}">Go to the message</a>`);
    expect(list).toContain(`action="/rooms/${t.room.id}/pinned/${exam.id}/unpin"`);
    const adas = await (await t.ada.client.get(`/rooms/${t.room.id}/pinned`)).text();
    expect(adas).toContain('Exam on 12 December');
    expect(adas).not.toContain('/unpin');
    expect((await t.out.client.get(`/rooms/${t.room.id}/pinned`)).status).toBe(404);

    // Unpin from the list (a form): back to it, saying so; the bar follows.
    expect((await t.ada.client.post(`/rooms/${t.room.id}/pinned/${exam.id}/unpin`, {})).status).toBe(403);
    const mark = t.hub.log.length;
    const unpinned = await t.okafor.client.post(`/rooms/${t.room.id}/pinned/${exam.id}/unpin`, {});
    expect(unpinned.status).toBe(303);
    expect(unpinned.headers.get('location')).toBe(`/rooms/${t.room.id}/pinned?done=unpinned`);
    expect(await (await t.okafor.client.get(unpinned.headers.get('location')!)).text()).toContain('The message was unpinned.');
    expect(t.bars(mark).at(-1)).toContain('>1 pinned message</a>');
  });

  test('a deleted message leaves the pins; a held one cannot be pinned, and one hidden later is neither listed nor counted', async () => {
    const t = await setUp();
    const a = await t.say(t.okafor.user, 'Office hours moved to Thursday');
    const b = await t.say(t.okafor.user, 'Bring your calculators');
    await t.pin(t.okafor, a.id);
    await t.pin(t.okafor, b.id);
    const mark = t.hub.log.length;
    await deleteMessage(t.ctx, t.okafor.user, { roomId: t.room.id, messageId: a.id });
    expect(t.bars(mark)).toHaveLength(1);
    expect(t.bars(mark)[0]).toContain('>1 pinned message</a>');
    expect(await t.store.pins.list(t.room.id)).toHaveLength(1);
    expect((await t.pin(t.okafor, a.id)).status).toBe(400);

    // Hidden by safeguarding (held): listed for nobody, not counted; released, it is back.
    await t.store.messages.setHeld(t.room.id, b.id, true);
    expect((await t.pin(t.okafor, b.id)).status).toBe(404);
    expect(await (await t.okafor.client.get(`/rooms/${t.room.id}/pinned`)).text()).toContain('Nothing is pinned in this room.');
    expect(await (await t.okafor.client.get(`/rooms/${t.room.id}`)).text()).toMatch(new RegExp(`<p class="pins-bar" id="pins-${t.room.id}" data-at="\\d+" hidden></p>`));
    await t.store.messages.setHeld(t.room.id, b.id, false);
    expect(await (await t.ada.client.get(`/rooms/${t.room.id}/pinned`)).text()).toContain('Bring your calculators');
  });

  test('in a group anyone pins; a room keeps at most MAX_PINS; an archived room none', async () => {
    const t = await setUp();
    const group = await createGroup(t.ctx, t.ada.user, { name: 'Study group', memberIds: [t.bola.user.id] });
    const m = await t.say(t.bola.user, 'Meet at the library', group.id);
    expect(await (await t.pin(t.ada, m.id, group.id)).json()).toEqual({ changed: true });
    for (let i = 1; i < MAX_PINS; i++) {
      const { message } = await t.store.messages.append({ roomId: group.id, senderId: t.ada.user.id, clientId: `fill-${i}-xxxxxxxx`, kind: 'text', body: `note ${i}`, mentions: [] });
      expect((await t.pin(t.ada, message.id, group.id)).status).toBe(200);
    }
    const over = await t.say(t.ada.user, 'one more', group.id);
    const full = await t.pin(t.bola, over.id, group.id);
    expect(full.status).toBe(400);
    expect((await full.json()).error).toBe(`This room has ${MAX_PINS} pinned messages, as many as it keeps: unpin one first.`);

    const exam = await t.say(t.okafor.user, 'Exam');
    await archiveRoom(t.ctx, CLI_ACTOR, t.room.id, true);
    expect((await t.pin(t.okafor, exam.id)).status).toBe(400);
    expect(await (await t.okafor.client.get(`/rooms/${t.room.id}`)).text()).toContain('data-can-pin="false"');
  });

  test('a pin hidden by safeguarding takes no place and can be unpinned; hiding and releasing it bring the bar up to date', async () => {
    const t = await setUp();
    const a = await t.say(t.okafor.user, 'Past questions are in the library');
    await t.pin(t.okafor, a.id);
    // Hidden (as an officer's decision does: held under a new rev, then published): the bar goes to 0.
    const mark = t.hub.log.length;
    await publishHidden(t.ctx, (await t.store.messages.setHeld(t.room.id, a.id, true))!);
    expect(t.bars(mark).at(-1)).toContain('hidden></p>');
    // It takes no place: twenty more fit beside it.
    for (let i = 0; i < MAX_PINS; i++) {
      const { message } = await t.store.messages.append({ roomId: t.room.id, senderId: t.okafor.user.id, clientId: `hide-${i}-xxxxxxxx`, kind: 'text', body: `note ${i}`, mentions: [] });
      expect((await t.pin(t.okafor, message.id)).status).toBe(200);
    }
    // Released: counted again.
    const back = t.hub.log.length;
    await publishVisible(t.ctx, (await t.store.messages.setHeld(t.room.id, a.id, false))!);
    expect(t.bars(back).at(-1)).toContain(`>${MAX_PINS + 1} pinned messages</a>`);
    // Hidden again, it can still be unpinned (by id: unpinning tells nothing about it).
    await t.store.messages.setHeld(t.room.id, a.id, true);
    expect(await (await t.pin(t.okafor, a.id, t.room.id, 'no')).json()).toEqual({ changed: true });

  });

  test('someone blocked by safeguarding pins nothing', async () => {
    const t = await setUp();
    const m = await t.say(t.okafor.user, 'Lab report due Friday');
    await t.store.sanctions.create({ kind: 'block', userId: t.bola.user.id, roomId: null, caseIds: [], clause: 'SG-1', reason: 'test', evidence: '', actorId: null, deadline: Date.now() + 1e9 });
    const r = await t.pin(t.bola, m.id);
    expect(r.status).toBe(403);
    expect(await t.store.pins.list(t.room.id)).toEqual([]);
  });

  test('a message deleted while it is being pinned leaves no pin behind', async () => {
    const t = await setUp();
    const m = await t.say(t.okafor.user, 'Wrong room, sorry');
    // The delete lands between the pin's checks and its write (its own unpin finds nothing yet).
    const pin = t.store.pins.pin.bind(t.store.pins);
    t.store.pins.pin = async (p, max) => {
      await deleteMessage(t.ctx, t.okafor.user, { roomId: t.room.id, messageId: m.id });
      return pin(p, max);
    };
    const r = await t.pin(t.okafor, m.id);
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ error: 'This message was deleted.' });
    expect(await t.store.pins.list(t.room.id)).toEqual([]);
  });
});
