/**
 * Announcements-only rooms: who turns it on (the room's owners, administrators), who still posts
 * (owners, moderators, a course's lecturers), what everyone else still does (react, vote, edit or
 * delete what they wrote), and the bar every member's page gets.
 */
import { describe, expect, test } from 'bun:test';
import { expectAppError, signedInClient as signedIn, testApp } from '../../testing';
import { topics } from '../../realtime/topics';
import { loadConfig } from '../../config';
import { CLI_ACTOR } from '../audit/record';
import { beginUpload } from '../files/actions';
import { editMessage, sendMessage, typing } from './messages';
import { addMembers, createCourseRoom } from './rooms';
import { createGroup } from './groups';
import { react } from './reactions';
import { createPoll, vote } from './polls';
import { pinMessage } from './pins';
import type { User } from '../../store/types';

const ADULT = { dateOfBirth: '1990-05-17' };
let n = 0;

async function setUp() {
  const t = await testApp();
  const ctx = t.app.chat;
  const okafor = await signedIn(t, 'okafor.ann@unilag.edu.ng', 'Dr Okafor', 'lecturer', ADULT);
  const eze = await signedIn(t, 'eze.ann@unilag.edu.ng', 'Dr Eze', 'lecturer', ADULT);
  const ada = await signedIn(t, 'ada.ann@unilag.edu.ng', 'Ada Obi', 'student', ADULT);
  const bola = await signedIn(t, 'bola.ann@unilag.edu.ng', 'Bola Ade', 'student', ADULT);
  const room = await createCourseRoom(ctx, { ...CLI_ACTOR, user: null }, { code: 'CSC401', name: 'Compilers II' });
  await addMembers(ctx, CLI_ACTOR, room.id, [
    { userId: okafor.user.id, role: 'owner' },
    { userId: eze.user.id, role: 'member' },
    { userId: ada.user.id, role: 'member' },
    { userId: bola.user.id, role: 'moderator' },
  ]);
  const say = (u: User, body: string, roomId = room.id) => sendMessage(ctx, u, { roomId, clientId: `ann-test-${++n}-xx`, body });
  const announce = (who: typeof ada, on: 'yes' | 'no', roomId = room.id) => who.client.post(`/rooms/${roomId}/announcements`, { on });
  return { ...t, ctx, okafor, eze, ada, bola, room, say, announce };
}

const ONLY = 'Only the lecturer and the room’s moderators post here: it is for announcements.';

describe('announcements-only rooms', () => {
  test('the owner turns it on from the people page; every member’s page gets the bar; it is audited; a student cannot', async () => {
    const t = await setUp();
    const owners = await (await t.okafor.client.get(`/rooms/${t.room.id}/members`)).text();
    expect(owners).toContain(`action="/rooms/${t.room.id}/announcements"`);
    expect(owners).toContain('Only the lecturer and the moderators post (announcements)');
    expect(await (await t.ada.client.get(`/rooms/${t.room.id}/members`)).text()).not.toContain('/announcements');
    const refused = await t.announce(t.ada, 'yes');
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('Only the room’s owners choose who posts here.');

    const mark = t.hub.log.length;
    const ok = await t.announce(t.okafor, 'yes');
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`/rooms/${t.room.id}/members?done=announce`);
    const pushed = t.hub.log.slice(mark).filter((p) => p.topic === topics.room(t.room.id)).map((p) => p.data);
    expect(pushed).toHaveLength(1);
    expect(pushed[0]).toMatch(new RegExp(`^<hx-partial hx-target="#announce-${t.room.id}" hx-swap="outerHTML"><p class="notice announce-bar" id="announce-${t.room.id}" data-at="\\d+" role="status"><span aria-hidden="true">📢</span> Announcements: only the lecturer and the room’s moderators post here. Everyone can react and vote.</p></hx-partial>$`));
    expect((await t.store.audit.list({ action: 'room.announcements_only' })).map((e) => [e.actorId, e.target, e.details])).toEqual([[t.okafor.user.id, t.room.id, { on: true }]]);
    // Said again: nothing changes, nothing is audited twice.
    expect((await t.announce(t.okafor, 'yes')).status).toBe(303);
    expect(await t.store.audit.count({ action: 'room.announcements_only' })).toBe(1);

    // The room page: the bar for everyone; a reader's page marks her as one who does not post (CSS hides the composer).
    const adas = await (await t.ada.client.get(`/rooms/${t.room.id}`)).text();
    expect(adas).toContain(`<i class="lead-mark" id="lead-${t.room.id}" data-lead="false" hidden></i>`);
    expect(adas).toContain('class="notice announce-bar"');
    expect(await (await t.eze.client.get(`/rooms/${t.room.id}`)).text()).toContain(`<i class="lead-mark" id="lead-${t.room.id}" data-lead="true" hidden></i>`);
    // Made a moderator, Ada's open pages learn she posts now (her alone).
    const made = t.hub.log.length;
    expect((await t.okafor.client.post(`/rooms/${t.room.id}/members/${t.ada.user.id}/role`, { role: 'moderator' })).status).toBe(303);
    const marks = t.hub.log.slice(made).filter((p) => p.data.includes('lead-mark'));
    expect(marks.map((p) => [p.topic, p.data.includes('data-lead="true"')])).toEqual([[topics.user(t.ada.user.id), true]]);
    await t.okafor.client.post(`/rooms/${t.room.id}/members/${t.ada.user.id}/role`, { role: 'member' });

    expect((await t.announce(t.okafor, 'no')).headers.get('location')).toBe(`/rooms/${t.room.id}/members?done=open`);
    expect(await (await t.ada.client.get(`/rooms/${t.room.id}`)).text()).toContain(`<p class="announce-bar" id="announce-${t.room.id}" data-at="0" hidden></p>`);
  });

  test('only leaders add anything new (messages, files, polls); readers still react, vote, edit and delete what they wrote', async () => {
    const t = await setUp();
    const before = (await t.say(t.ada.user, 'My question from last week')).message;
    const poll = (await createPoll(t.ctx, t.okafor.user, { roomId: t.room.id, clientId: 'ann-poll-000001', question: 'Test on Friday?', options: ['Yes', 'No'], multiple: false, anonymous: false })).message;
    await t.announce(t.okafor, 'yes');

    expect((await expectAppError(t.say(t.ada.user, 'Can I ask something?'))).message).toBe(ONLY);
    // A resend of what she sent before the change (its answer lost) is not new: answered as a resend.
    const again = await sendMessage(t.ctx, t.ada.user, { roomId: t.room.id, clientId: before.clientId, body: before.body });
    expect([again.created, again.message.id]).toEqual([false, before.id]);
    const limits = loadConfig({}).files;
    expect((await expectAppError(beginUpload(t.ctx, limits, t.ada.user, { room: t.room.id, name: 'notes.pdf', size: 10, mime: 'application/pdf', sha256: 'a'.repeat(64) }))).message).toBe(ONLY);
    expect(await typing(t.ctx, t.ada.user, t.room.id)).toBe(false);
    // The owner, a moderator, and a lecturer who is a plain member of the course still post.
    for (const u of [t.okafor.user, t.bola.user, t.eze.user]) expect((await t.say(u, `From ${u.name}`)).created).toBe(true);

    expect(await react(t.ctx, t.ada.user, { roomId: t.room.id, messageId: poll.id, emoji: '👍', on: true })).toBeNull();
    await vote(t.ctx, t.ada.user, { roomId: t.room.id, messageId: poll.id, option: 0, on: true });
    expect((await editMessage(t.ctx, t.ada.user, { roomId: t.room.id, messageId: before.id, body: 'My question from last week (answered)' })).body).toContain('answered');

    // Off again: everyone posts.
    await t.announce(t.okafor, 'no');
    expect((await t.say(t.ada.user, 'Thank you')).created).toBe(true);
  });

  test('in a group its owner decides; members’ polls are refused too; a direct conversation has no such setting', async () => {
    const t = await setUp();
    const group = await createGroup(t.ctx, t.ada.user, { name: 'Class reps', memberIds: [t.bola.user.id] });
    expect((await t.announce(t.ada, 'yes', group.id)).status).toBe(303);
    const refusal = 'Only the group’s owners and moderators post here: it is for announcements.';
    expect((await expectAppError(t.say(t.bola.user, 'Hello', group.id))).message).toBe(refusal);
    expect((await expectAppError(createPoll(t.ctx, t.bola.user, { roomId: group.id, clientId: 'ann-poll-000002', question: 'Meet?', options: ['Yes', 'No'], multiple: false, anonymous: false }))).message).toBe(refusal);
    expect((await t.say(t.ada.user, 'Reps meeting at 4', group.id)).created).toBe(true);
    // Nor does a member pin (the pins bar is something new everyone sees); the owner does.
    const old = (await t.store.messages.history(group.id, { limit: 10 })).find((m) => m.body === 'Reps meeting at 4')!;
    expect((await expectAppError(pinMessage(t.ctx, t.bola.user, { roomId: group.id, messageId: old.id, on: true }))).kind).toBe('forbidden');
    expect(await pinMessage(t.ctx, t.ada.user, { roomId: group.id, messageId: old.id, on: true })).toBe(true);
    expect(await (await t.bola.client.get(`/rooms/${group.id}`)).text()).toContain('data-can-pin="false"');

    const dm = await t.ada.client.post('/dm', { user: t.bola.user.id });
    const dmId = dm.headers.get('location')!.split('/').at(-1)!;
    expect((await t.announce(t.ada, 'yes', dmId)).status).toBe(403);
  });
});
