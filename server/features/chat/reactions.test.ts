import { describe, expect, test } from 'bun:test';
import { expectAppError, makePerson, testApp } from '../../testing';
import { createModeration } from '../moderation/screen';
import { fakeClassifier } from '../moderation/test-support';
import { deleteMessage, historyPage, replay, sendMessage } from './messages';
import { archiveRoom, createCourseRoom, addMembers } from './rooms';
import { catchUp, react } from './reactions';
import { decideCase } from '../moderation/cases';
import { parseFrame } from './frames';
import { CLI_ACTOR } from '../audit/record';
import { topics } from '../../realtime/topics';
import type { User } from '../../store/types';

const ADULT = { dateOfBirth: '1990-05-17' };
let n = 0;

async function setUp() {
  const t = await testApp({}, { moderation: createModeration('all', () => fakeClassifier) });
  const ctx = t.app.chat;
  const lecturer = await makePerson(t.store, 'okafor.rx@unilag.edu.ng', 'Dr Okafor', 'lecturer', ADULT);
  const ada = await makePerson(t.store, 'ada.rx@unilag.edu.ng', 'Ada Obi', 'student', ADULT);
  const bola = await makePerson(t.store, 'bola.rx@unilag.edu.ng', 'Bola Ade', 'student', ADULT);
  const outsider = await makePerson(t.store, 'out.rx@unilag.edu.ng', 'Out Sider', 'student', ADULT);
  const room = await createCourseRoom(ctx, { ...CLI_ACTOR, user: null }, { code: 'MTH101', name: 'Calculus' });
  await addMembers(ctx, CLI_ACTOR, room.id, [lecturer, ada, bola].map((u) => ({ userId: u.id, role: u === lecturer ? ('owner' as const) : ('member' as const) })));
  const say = async (u: User, body: string) => (await sendMessage(ctx, u, { roomId: room.id, clientId: `rx-test-${++n}-xx`, body })).message;
  const page = async (u: User) => (await historyPage(ctx, u, room.id)).articles.map((a) => a.value).join('\n');
  const rx = (u: User, messageId: string, emoji: string, on = true) => react(ctx, u, { roomId: room.id, messageId, emoji, on });
  return { ...t, ctx, lecturer, ada, bola, outsider, room, say, page, rx };
}

describe('reactions', () => {
  test('a reaction goes to the room as the message’s box (counts, who changed what); pages say which are pressed; a stale toggle is answered alone', async () => {
    const t = await setUp();
    const m = await t.say(t.lecturer, 'The test moves to Friday');
    const before = t.hub.log.length;
    expect(await t.rx(t.ada, m.id, '👍')).toBeNull();
    await t.rx(t.bola, m.id, '👍');
    await t.rx(t.bola, m.id, '🙏');
    // Not a change of the message: no rev, so no replay, no edit race, no officer's "it changed".
    expect(await t.store.messages.byId(t.room.id, m.id)).toEqual(m);
    // The push to the room: the box alone, counts and who changed what, never whose chips are pressed (it serves everyone).
    const pushes = t.hub.log.slice(before);
    expect(pushes.map((p) => p.topic)).toEqual([topics.room(t.room.id), topics.room(t.room.id), topics.room(t.room.id)]);
    const last = pushes.at(-1)!.data;
    expect(last).toMatch(new RegExp(`^<hx-partial hx-target="#rx-${m.id}" hx-swap="outerHTML"><div class="reactions" data-for="${m.id}" data-at="\\d+" data-actor="${t.bola.id}" data-actor-emoji="🙏" data-actor-on="1">`));
    expect(last).toContain('<button type="button" class="rx" data-emoji="👍" aria-label="Thumbs up: 2">👍 <span class="n">2</span></button>');
    expect(last).not.toContain('aria-pressed');
    expect(last).not.toContain('article');
    // A page (or a replay) is for one person: pressed where she reacted.
    expect(await t.page(t.ada)).toContain('data-emoji="👍" aria-pressed="true" aria-label="Thumbs up: 2"');
    expect(await t.page(t.ada)).toContain('data-emoji="🙏" aria-pressed="false" aria-label="Thank you: 1"');
    expect(await t.page(t.lecturer)).toContain('data-emoji="👍" aria-pressed="false"');
    // The chips come in the set's order, whatever order they were added in.
    expect((await t.page(t.ada)).indexOf('data-emoji="👍"')).toBeLessThan((await t.page(t.ada)).indexOf('data-emoji="🙏"'));
    // Again (a page that showed a stale state): nothing changes, nothing goes to the room; she gets the box as it is, for her.
    const count = t.hub.log.length;
    const answer = (await t.rx(t.ada, m.id, '👍'))!.value;
    expect(t.hub.log.length).toBe(count);
    expect(answer).toContain('data-emoji="👍" aria-pressed="true" aria-label="Thumbs up: 2"');
    expect(answer).not.toContain('data-actor');
    // Taken back by all: an empty box (a page drops the chips it showed).
    await t.rx(t.bola, m.id, '🙏', false);
    await t.rx(t.bola, m.id, '👍', false);
    await t.rx(t.ada, m.id, '👍', false);
    expect(t.hub.log.at(-1)!.data).toMatch(/<div class="reactions" data-for="[^"]+" data-at="\d+" data-actor="[^"]+" data-actor-emoji="👍" data-actor-on="0"><\/div>/);
    expect(await t.page(t.ada)).not.toContain('class="reactions"');
  });

  test('a reconnecting page catches up the boxes changed since the newest it saw, rendered for it', async () => {
    const t = await setUp();
    const m1 = await t.say(t.lecturer, 'one');
    const m2 = await t.say(t.lecturer, 'two');
    // Ada's 👍 a minute ago (before the page's newest time, beyond the clock margin); Bola's 😂 now.
    await t.store.messages.react(t.room.id, m1.id, t.ada.id, '👍', true, Date.now() - 60_000);
    const seen = Date.now() - 30_000;
    await t.rx(t.bola, m2.id, '😂');
    const boxes = (await catchUp(t.ctx, t.ada, t.room.id, seen))!.value;
    expect(boxes).toContain(`hx-target="#rx-${m2.id}"`);
    expect(boxes).not.toContain(`hx-target="#rx-${m1.id}"`);
    expect(boxes).toContain('data-emoji="😂" aria-pressed="false"');
    expect(await catchUp(t.ctx, t.ada, t.room.id, Date.now() + 10_000)).toBeNull();
    // From before both: both, pressed for her where she reacted.
    expect((await catchUp(t.ctx, t.ada, t.room.id, 0))!.value).toContain('data-emoji="👍" aria-pressed="true"');
  });

  test('an officer decides a case whatever reactions came since the case was opened', async () => {
    const t = await setUp();
    const officer = await makePerson(t.store, 'officer.rx@unilag.edu.ng', 'Safe Officer', 'lecturer', { ...ADULT, permissions: ['safeguarding'] });
    const m = await t.say(t.bola, 'REVIEWME what you said');
    const [c] = await t.store.cases.list({ messageId: m.id, limit: 1 });
    const seenRev = (await t.store.messages.byId(t.room.id, m.id))!.rev;
    for (const u of [t.ada, t.bola, t.lecturer]) await t.rx(u, m.id, '😮');
    await t.rx(t.bola, m.id, '😮', false);
    const decided = await decideCase(t.ctx, { userId: officer.id, origin: '127.0.0.1' }, c!.id, 'uphold', 'Harassment.', { seenRev });
    expect(decided).toMatchObject({ status: 'decided', decision: 'uphold' });
  });

  test('only members, only the offered emoji, only on what everyone sees, not where one may not post; 30 in 10 s', async () => {
    const t = await setUp();
    const m = await t.say(t.bola, 'Who has the notes?');
    expect((await expectAppError(t.rx(t.ada, m.id, '🤡'))).message).toBe('That reaction is not one of the offered ones.');
    expect((await expectAppError(t.rx(t.ada, m.id, '<b>'))).kind).toBe('bad_request');
    expect((await expectAppError(t.rx(t.outsider, m.id, '👍'))).kind).toBe('not_found');
    const held = await t.say(t.bola, 'HOLDME please');
    expect(held.held).toBe(true);
    expect((await expectAppError(t.rx(t.bola, held.id, '👍'))).kind).toBe('not_found');
    expect((await expectAppError(t.rx(t.ada, 'no-such-message', '👍'))).kind).toBe('not_found');
    const gone = await t.say(t.bola, 'oops');
    await deleteMessage(t.ctx, t.bola, { roomId: t.room.id, messageId: gone.id });
    expect((await expectAppError(t.rx(t.ada, gone.id, '👍'))).message).toBe('This message was deleted.');
    // Blocked by an officer: no reactions either (they would tell others something).
    const block = await t.store.sanctions.create({ kind: 'block', userId: t.ada.id, roomId: null, caseIds: [], clause: 'SG-2', reason: 'test', evidence: '', actorId: t.lecturer.id, deadline: Date.now() + 86_400_000 });
    expect((await expectAppError(t.rx(t.ada, m.id, '👍'))).kind).toBe('forbidden');
    await t.store.sanctions.transition(block.id, ['active'], { status: 'lifted' });
    // 30 in 10 s per person and room, then a wait.
    for (let i = 0; i < 15; i++) {
      await t.rx(t.ada, m.id, '👍', true);
      await t.rx(t.ada, m.id, '👍', false);
    }
    const slow = await expectAppError(t.rx(t.ada, m.id, '👍'));
    expect(slow.kind).toBe('rate_limited');
    expect(slow.message).toMatch(/^You are reacting too fast\. Wait \d+ seconds?/);
    // An archived room is a record: read, not reacted to.
    await archiveRoom(t.ctx, CLI_ACTOR, t.room.id, true);
    expect((await expectAppError(t.rx(t.bola, m.id, '👍'))).message).toBe('This room is archived: you can read it but not react.');
  });

  test('the frame: a room, a message, an emoji and on/off', () => {
    const frame = { type: 'react', room: 'r1', message: 'm1', emoji: '👍', on: true, headers: {} };
    expect(parseFrame(frame)).not.toBeNull();
    expect(parseFrame({ ...frame, on: 'yes' })).toBeNull();
    expect(parseFrame({ ...frame, emoji: 'x'.repeat(17) })).toBeNull();
    expect(parseFrame({ ...frame, extra: 1 })).toBeNull();
    const { on: _, ...noOn } = frame;
    expect(parseFrame(noOn)).toBeNull();
  });
});
