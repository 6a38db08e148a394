import { describe, expect, test } from 'bun:test';
import { expectAppError, makePerson, testApp } from '../../testing';
import { topics } from '../../realtime/topics';
import { CLASS_MENTION, type RoomRole, type User } from '../../store/types';
import { summaries } from './rooms';
import { createChatContext, type ChatContext } from './context';
import { HISTORY_PAGE, MAX_MESSAGE_CHARS, MAX_REPLAY, REORDER_WINDOW } from './limits';
import { SlidingWindowLimiter } from '../../lib/sliding-window';
import { deleteMessage, editMessage, historyPage, markRead, replay, sendMessage, typing } from './messages';
import type { RecordingHub } from '../../realtime/hub';

const person = makePerson;


let clientSeq = 0;
const cid = () => `client-${String(++clientSeq).padStart(6, '0')}`;

async function setUp() {
  const t = await testApp();
  const { store } = t;
  const hub: RecordingHub = t.hub;
  const ctx: ChatContext = createChatContext(store, hub, 'Africa/Lagos');
  const ada = await person(store, 'ada@unilag.edu.ng', 'Ada Obi');
  const bola = await person(store, 'bola@unilag.edu.ng', 'Bola Ade');
  const cid_ = await person(store, 'cid@unilag.edu.ng', 'Cid Eze'); // not a member of the room
  const lecturer = await person(store, 'dr.okafor@unilag.edu.ng', 'Dr Okafor', 'lecturer');
  const admin = await person(store, 'admin@unilag.edu.ng', 'Site Admin', 'admin');
  const members: { userId: string; role: RoomRole }[] = [
    { userId: lecturer.id, role: 'owner' },
    { userId: ada.id, role: 'member' },
    { userId: bola.id, role: 'member' },
    { userId: admin.id, role: 'member' },
  ];
  const room = await store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'CSC101', name: 'Intro to Computing', topic: '', createdBy: lecturer.id, dmKey: null }, members);
  const other = await store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'MTH101', name: 'Calculus', topic: '', createdBy: null, dmKey: null }, [
    { userId: cid_.id, role: 'member' },
  ]);
  hub.log.length = 0;
  return { store, hub, ctx, ada, bola, cid: cid_, lecturer, admin, room, other };
}

const send = (ctx: ChatContext, user: User, roomId: string, body: string, clientId = cid()) => sendMessage(ctx, user, { roomId, clientId, body });

describe('sendMessage', () => {
  test('stores the message and publishes it once, to the room topic only', async () => {
    const { ctx, hub, store, ada, room } = await setUp();
    const clientId = 'abcDEF123_-x';
    const { message, created } = await sendMessage(ctx, ada, { roomId: room.id, clientId, body: 'Hello class' });
    expect(created).toBe(true);
    expect(message).toMatchObject({ roomId: room.id, senderId: ada.id, clientId, body: 'Hello class', seq: 1, rev: 1, kind: 'text' });
    expect(await store.messages.byId(room.id, message.id)).toEqual(message);
    expect((await store.rooms.byId(room.id))!.lastSeq).toBe(1);

    expect(hub.log).toHaveLength(1);
    const [{ topic, data }] = hub.log as [{ topic: string; data: string }];
    expect(topic).toBe(topics.room(room.id));
    expect(data.startsWith(`<hx-partial hx-target="#log-${room.id}" hx-swap="beforeend"><article class="msg" id="m-${message.id}"`)).toBe(true);
    expect(data.endsWith('</article></hx-partial>')).toBe(true);
    expect(data).toContain(`data-seq="1"`);
    expect(data).toContain(`data-rev="1"`);
    expect(data).toContain(`data-sender="${ada.id}"`);
    expect(data).toContain(`data-client-id="${clientId}"`);
    expect(data).toContain('<strong class="who">Ada Obi</strong>');
    expect(data).toContain('Hello class');
  });

  test('resending the same clientId returns the stored message, created=false, and publishes nothing', async () => {
    const { ctx, hub, store, ada, room } = await setUp();
    const first = await sendMessage(ctx, ada, { roomId: room.id, clientId: 'resend-0001', body: 'once' });
    hub.log.length = 0;
    const again = await sendMessage(ctx, ada, { roomId: room.id, clientId: 'resend-0001', body: 'once' });
    expect(again.created).toBe(false);
    expect(again.message).toEqual(first.message);
    expect(hub.log).toEqual([]);
    expect(await store.messages.history(room.id, { limit: 10 })).toHaveLength(1);
    expect((await store.rooms.byId(room.id))!.lastSeq).toBe(1);
  });

  test('the same clientId from another sender is a different message', async () => {
    const { ctx, ada, bola, room } = await setUp();
    const a = await sendMessage(ctx, ada, { roomId: room.id, clientId: 'shared-0001', body: 'from ada' });
    const b = await sendMessage(ctx, bola, { roomId: room.id, clientId: 'shared-0001', body: 'from bola' });
    expect(b.created).toBe(true);
    expect(b.message.id).not.toBe(a.message.id);
    expect(b.message.seq).toBe(2);
  });

  test('a non-member gets not_found, and nothing is stored or published', async () => {
    const { ctx, hub, store, cid: outsider, room } = await setUp();
    const e = await expectAppError(send(ctx, outsider, room.id, 'let me in'));
    expect(e.kind).toBe('not_found');
    expect(e.message).not.toContain(room.name);
    expect(hub.log).toEqual([]);
    expect(await store.messages.history(room.id, { limit: 10 })).toEqual([]);
    expect((await store.rooms.byId(room.id))!.lastSeq).toBe(0);
  });

  test('an unknown room is not_found, the same as a room one is not in', async () => {
    const { ctx, hub, ada } = await setUp();
    expect((await expectAppError(send(ctx, ada, 'no-such-room', 'hi'))).kind).toBe('not_found');
    expect(hub.log).toEqual([]);
  });

  test('an archived room refuses new messages (bad_request) and publishes nothing', async () => {
    const { ctx, hub, store, ada, room } = await setUp();
    await store.rooms.update(room.id, { archived: true });
    const e = await expectAppError(send(ctx, ada, room.id, 'hello?'));
    expect(e.kind).toBe('bad_request');
    expect(e.message).toContain('archived');
    expect(hub.log).toEqual([]);
    expect((await store.rooms.byId(room.id))!.lastSeq).toBe(0);
  });

  test('empty or whitespace-only bodies are refused', async () => {
    const { ctx, hub, ada, room } = await setUp();
    for (const body of ['', '   ', '\n\n\t \r\n']) {
      const e = await expectAppError(send(ctx, ada, room.id, body));
      expect(e.kind).toBe('bad_request');
      expect(e.message).toBe('Write something before sending.');
    }
    expect(hub.log).toEqual([]);
  });

  test('length is counted in code points: 4000 emoji are accepted, 4001 characters are not', async () => {
    const { ctx, hub, ada, room } = await setUp();
    const emoji = '😀'.repeat(MAX_MESSAGE_CHARS);
    expect(emoji.length).toBe(2 * MAX_MESSAGE_CHARS); // UTF-16 length would wrongly refuse it
    const ok = await send(ctx, ada, room.id, emoji);
    expect(ok.created).toBe(true);
    expect(ok.message.body).toBe(emoji);

    const tooLong = await expectAppError(send(ctx, ada, room.id, 'a'.repeat(MAX_MESSAGE_CHARS + 1)));
    expect(tooLong.kind).toBe('bad_request');
    expect(tooLong.message).toBe('Messages can be at most 4000 characters; this one has 4001.');
    const tooManyEmoji = await expectAppError(send(ctx, ada, room.id, '😀'.repeat(MAX_MESSAGE_CHARS + 1)));
    expect(tooManyEmoji.kind).toBe('bad_request');
    expect(hub.log).toHaveLength(1);
  });

  test('trailing whitespace and CRLF are normalised; inner blank lines are kept', async () => {
    const { ctx, ada, room } = await setUp();
    const { message } = await send(ctx, ada, room.id, '  \r\n  first\r\n\r\nsecond  \n\n');
    expect(message.body).toBe('  first\n\nsecond');
  });

  test('malformed client ids are refused before anything else', async () => {
    const { ctx, hub, ada, cid: outsider, room } = await setUp();
    for (const clientId of ['', 'short', 'has space 123', 'x'.repeat(65), 'semi;colon1', 'ünïcödé123', '../../etc']) {
      const e = await expectAppError(sendMessage(ctx, ada, { roomId: room.id, clientId, body: 'hi' }));
      expect(e.kind).toBe('bad_request');
      expect(e.message).toBe('The message id is malformed.');
    }
    // Even for a non-member: the answer says nothing about the room.
    expect((await expectAppError(sendMessage(ctx, outsider, { roomId: room.id, clientId: 'bad', body: 'hi' }))).kind).toBe('bad_request');
    expect(hub.log).toEqual([]);
    // The boundaries are accepted.
    expect((await sendMessage(ctx, ada, { roomId: room.id, clientId: 'a'.repeat(8), body: 'hi' })).created).toBe(true);
    expect((await sendMessage(ctx, ada, { roomId: room.id, clientId: 'b'.repeat(64), body: 'hi' })).created).toBe(true);
  });

  test('the 11th message in 10 seconds is rate_limited with retryAfterSec; other rooms and people are unaffected', async () => {
    const { ctx, hub, store, ada, bola, room } = await setUp();
    let now = 1_000_000;
    ctx.sendLimiter = new SlidingWindowLimiter(10, 10_000, () => now);
    for (let i = 0; i < 10; i++) {
      await send(ctx, ada, room.id, `message ${i}`);
      now += 100; // 10 messages in one second
    }
    hub.log.length = 0;
    const e = await expectAppError(send(ctx, ada, room.id, 'one too many'));
    expect(e.kind).toBe('rate_limited');
    // The first message was at 1_000_000; the window frees it at 1_010_000; now is 1_001_000.
    expect(e.details.retryAfterSec).toBe(9);
    expect(e.message).toBe('You are sending messages too fast. Wait 9 seconds and try again.');
    expect(hub.log).toEqual([]);
    expect((await store.rooms.byId(room.id))!.lastSeq).toBe(10);

    // Another member of the same room is not limited by Ada's burst.
    expect((await send(ctx, bola, room.id, 'hi')).created).toBe(true);

    // Once the window has passed, Ada can send again.
    now = 1_010_001;
    expect((await send(ctx, ada, room.id, 'back again')).created).toBe(true);
  });

  test('rate limit with the real clock: the 11th send is refused', async () => {
    const { ctx, ada, room } = await setUp();
    for (let i = 0; i < 10; i++) await send(ctx, ada, room.id, `m${i}`);
    const e = await expectAppError(send(ctx, ada, room.id, 'eleven'));
    expect(e.kind).toBe('rate_limited');
    expect(e.details.retryAfterSec).toBeGreaterThanOrEqual(1);
    expect(e.details.retryAfterSec).toBeLessThanOrEqual(10);
  });

  test('mentions resolve to room members by the local part of their email, case-insensitively', async () => {
    const { ctx, hub, ada, bola, lecturer, room } = await setUp();
    const { message } = await send(ctx, ada, room.id, 'Hi @BOLA and @dr.okafor, also @cid and @nobody. Email me at x@ada');
    // cid exists but is not a member; nobody does not exist; "x@ada" is an address, not a mention.
    expect([...message.mentions].sort()).toEqual([bola.id, lecturer.id].sort());
    expect(hub.log[0]!.data).toContain(`data-mentions="${message.mentions.join(' ')}"`);
  });

  test('mentions inside code are ignored; trailing punctuation is not part of the handle', async () => {
    const { ctx, ada, bola, room } = await setUp();
    expect((await send(ctx, ada, room.id, 'see `@bola` and ```\n@bola\n```')).message.mentions).toEqual([]);
    expect((await send(ctx, ada, room.id, 'thanks @bola.')).message.mentions).toEqual([bola.id]);
  });

  test("@class from the lecturer (or a room moderator) mentions every member, counted in each one's room list; from a student, or in a DM, it is plain text", async () => {
    const { ctx, store, ada, bola, lecturer, room } = await setUp();
    const { message } = await send(ctx, lecturer, room.id, '@class the test is moved to Friday. @bola please tell Ada');
    expect(message.mentions).toEqual([CLASS_MENTION, bola.id]);
    const listed = async (u: User) => (await summaries(ctx, u)).find((r) => r.room.id === room.id)!;
    expect((await listed(ada)).mentions).toBe(1);
    expect((await listed(bola)).mentions).toBe(1);
    expect((await listed(lecturer)).mentions).toBe(0);
    expect((await send(ctx, ada, room.id, '@class who has the notes?')).message.mentions).toEqual([]);
    // Even with an account whose handle is "class" in the room.
    const klass = await person(store, 'class@unilag.edu.ng', 'Class Rep');
    await store.rooms.addMembers(room.id, [{ userId: klass.id, role: 'member' }]);
    expect((await send(ctx, bola, room.id, '@class anyone?')).message.mentions).toEqual([]);
    // A member made moderator of the room may; an edit is judged the same way.
    await store.rooms.setRole(room.id, ada.id, 'moderator');
    const { message: asked } = await send(ctx, ada, room.id, 'who has the notes?');
    expect((await editMessage(ctx, ada, { roomId: room.id, messageId: asked.id, body: '@class who has the notes?' })).mentions).toEqual([CLASS_MENTION]);
    const dm = await store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'dm', code: null, name: '', topic: '', createdBy: lecturer.id, dmKey: `${lecturer.id}:${bola.id}` }, [
      { userId: lecturer.id, role: 'member' },
      { userId: bola.id, role: 'member' },
    ]);
    expect((await send(ctx, lecturer, dm.id, '@class is cancelled')).message.mentions).toEqual([]);
  });

  test('HTML in the text is escaped in the published fragment', async () => {
    const { ctx, hub, ada, room } = await setUp();
    const body = `<script>alert(1)</script><img src=x onerror="alert(2)"> & 'quotes'`;
    const { message } = await send(ctx, ada, room.id, body);
    expect(message.body).toBe(body); // stored as typed
    const data = hub.log[0]!.data;
    expect(data).not.toContain('<script>');
    expect(data).not.toContain('<img');
    expect(data).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt; &amp; &#39;quotes&#39;');
  });

  test('a sender whose name contains HTML is escaped too', async () => {
    const { ctx, hub, store, ada, room } = await setUp();
    const evil = (await store.users.update(ada.id, { name: '<b onmouseover=x>Ada</b>' }))!;
    await send(ctx, evil, room.id, 'hi');
    expect(hub.log[0]!.data).toContain('<strong class="who">&lt;b onmouseover=x&gt;Ada&lt;/b&gt;</strong>');
  });
});

describe('editMessage', () => {
  test('the sender edits: new rev, body and mentions, published to the room only', async () => {
    const { ctx, hub, store, ada, bola, room } = await setUp();
    const { message } = await send(ctx, ada, room.id, 'first draft');
    await send(ctx, bola, room.id, 'reply');
    hub.log.length = 0;
    const edited = await editMessage(ctx, ada, { roomId: room.id, messageId: message.id, body: 'final <i>draft</i> @bola' });
    expect(edited).toMatchObject({ id: message.id, seq: 1, rev: 3, body: 'final <i>draft</i> @bola', mentions: [bola.id] });
    expect(edited.editedAt).not.toBeNull();
    expect((await store.rooms.byId(room.id))!.lastSeq).toBe(3);
    expect(hub.topicsPublished()).toEqual([topics.room(room.id)]);
    const data = hub.log[0]!.data;
    expect(data).toContain(`<hx-partial hx-target="#log-${room.id}" hx-swap="beforeend">`);
    expect(data).toContain(`id="m-${message.id}" data-seq="1" data-rev="3"`);
    expect(data).toContain('(edited)');
    expect(data).toContain('final &lt;i&gt;draft&lt;/i&gt;');
    expect(data).not.toContain('first draft');
  });

  test('another member, a moderator, or a non-member cannot edit (not_found); nothing changes', async () => {
    const { ctx, hub, store, ada, bola, lecturer, cid: outsider, room } = await setUp();
    const { message } = await send(ctx, ada, room.id, 'mine');
    hub.log.length = 0;
    for (const who of [bola, lecturer, outsider]) {
      const e = await expectAppError(editMessage(ctx, who, { roomId: room.id, messageId: message.id, body: 'hijacked' }));
      expect(e.kind).toBe('not_found');
    }
    expect(hub.log).toEqual([]);
    expect((await store.messages.byId(room.id, message.id))!.body).toBe('mine');
  });

  test('editing is validated like sending; a deleted message or an archived room cannot be edited', async () => {
    const { ctx, hub, store, ada, room } = await setUp();
    const { message } = await send(ctx, ada, room.id, 'mine');
    expect((await expectAppError(editMessage(ctx, ada, { roomId: room.id, messageId: message.id, body: '  ' }))).kind).toBe('bad_request');
    expect((await expectAppError(editMessage(ctx, ada, { roomId: room.id, messageId: message.id, body: 'x'.repeat(4001) }))).kind).toBe('bad_request');
    expect((await expectAppError(editMessage(ctx, ada, { roomId: room.id, messageId: 'nope', body: 'x' }))).kind).toBe('not_found');

    const { message: gone } = await send(ctx, ada, room.id, 'to delete');
    await deleteMessage(ctx, ada, { roomId: room.id, messageId: gone.id });
    expect((await expectAppError(editMessage(ctx, ada, { roomId: room.id, messageId: gone.id, body: 'revived' }))).kind).toBe('bad_request');

    await store.rooms.update(room.id, { archived: true });
    hub.log.length = 0;
    expect((await expectAppError(editMessage(ctx, ada, { roomId: room.id, messageId: message.id, body: 'later' }))).kind).toBe('bad_request');
    expect(hub.log).toEqual([]);
  });

  test('edits share the sending budget: a flood of edits is rate_limited and changes nothing more', async () => {
    const { ctx, hub, store, ada, room } = await setUp();
    const now = 1_000_000;
    ctx.sendLimiter = new SlidingWindowLimiter(10, 10_000, () => now);
    const { message } = await send(ctx, ada, room.id, 'draft 0');
    for (let i = 1; i < 10; i++) await editMessage(ctx, ada, { roomId: room.id, messageId: message.id, body: `draft ${i}` });
    hub.log.length = 0;
    expect((await expectAppError(editMessage(ctx, ada, { roomId: room.id, messageId: message.id, body: 'draft 10' }))).kind).toBe('rate_limited');
    expect(hub.log).toEqual([]);
    expect((await store.messages.byId(room.id, message.id))!.body).toBe('draft 9');
  });

  test('a message id from another room is not found through this room', async () => {
    const { ctx, store, ada, cid: outsider, room, other } = await setUp();
    const { message } = await send(ctx, outsider, other.id, 'elsewhere');
    // Ada is a member of `room` and tries the other room's message id through it.
    expect((await expectAppError(editMessage(ctx, ada, { roomId: room.id, messageId: message.id, body: 'x' }))).kind).toBe('not_found');
    expect((await expectAppError(deleteMessage(ctx, ada, { roomId: room.id, messageId: message.id }))).kind).toBe('not_found');
    expect((await store.messages.byId(other.id, message.id))!.deletedAt).toBeNull();
  });
});

describe('deleteMessage', () => {
  async function tombstoneCheck(s: Awaited<ReturnType<typeof setUp>>, deleter: User, author: User) {
    const { ctx, hub, store, room } = s;
    const { message } = await send(ctx, author, room.id, 'secret plans');
    hub.log.length = 0;
    const deleted = await deleteMessage(ctx, deleter, { roomId: room.id, messageId: message.id });
    expect(deleted).toMatchObject({ id: message.id, body: '', mentions: [], deletedBy: deleter.id });
    expect(deleted.deletedAt).not.toBeNull();
    expect(deleted.rev).toBeGreaterThan(message.rev);
    expect(hub.topicsPublished()).toEqual([topics.room(room.id)]);
    const data = hub.log[0]!.data;
    expect(data).toContain(`<hx-partial hx-target="#log-${room.id}" hx-swap="beforeend"><article class="msg deleted" id="m-${message.id}"`);
    expect(data).toContain(deleter.id === author.id ? 'This message was deleted.' : 'This message was removed by a moderator.');
    expect(data).toContain(`data-rev="${deleted.rev}"`);
    expect(data).not.toContain('secret plans');
    expect((await store.messages.byId(room.id, message.id))!.deletedAt).not.toBeNull();
  }

  test('by the sender', async () => {
    const s = await setUp();
    await tombstoneCheck(s, s.ada, s.ada);
  });

  test("by the room owner, on someone else's message", async () => {
    const s = await setUp();
    await tombstoneCheck(s, s.lecturer, s.ada);
  });

  test("by a room moderator, on someone else's message", async () => {
    const s = await setUp();
    await s.store.rooms.setRole(s.room.id, s.bola.id, 'moderator');
    await tombstoneCheck(s, s.bola, s.ada);
  });

  test("by a site administrator who is a plain member, on someone else's message", async () => {
    const s = await setUp();
    await tombstoneCheck(s, s.admin, s.ada);
  });

  test("a plain member cannot delete someone else's message (not_found)", async () => {
    const { ctx, hub, store, ada, bola, room } = await setUp();
    const { message } = await send(ctx, ada, room.id, 'keep me');
    hub.log.length = 0;
    expect((await expectAppError(deleteMessage(ctx, bola, { roomId: room.id, messageId: message.id }))).kind).toBe('not_found');
    expect(hub.log).toEqual([]);
    expect((await store.messages.byId(room.id, message.id))!.body).toBe('keep me');
  });

  test('a non-member, even an administrator, cannot delete (not_found)', async () => {
    const { ctx, hub, store, ada, admin, cid: outsider, room } = await setUp();
    const { message } = await send(ctx, ada, room.id, 'keep me');
    await store.rooms.removeMember(room.id, admin.id);
    hub.log.length = 0;
    for (const who of [outsider, admin]) {
      expect((await expectAppError(deleteMessage(ctx, who, { roomId: room.id, messageId: message.id }))).kind).toBe('not_found');
    }
    expect(hub.log).toEqual([]);
  });

  test('an archived room is a kept record: members cannot delete from it, nor show as typing; an administrator can delete', async () => {
    const { ctx, hub, store, ada, admin, room } = await setUp();
    const { message } = await send(ctx, ada, room.id, 'my answer to Q3');
    await store.rooms.update(room.id, { archived: true });
    hub.log.length = 0;
    expect((await expectAppError(deleteMessage(ctx, ada, { roomId: room.id, messageId: message.id }))).message).toContain('archived');
    expect(await typing(ctx, ada, room.id)).toBe(false);
    expect(hub.log).toEqual([]);
    expect((await store.messages.byId(room.id, message.id))!.deletedAt).toBeNull();
    expect((await deleteMessage(ctx, admin, { roomId: room.id, messageId: message.id })).deletedAt).not.toBeNull();
  });

  test('deleting twice publishes once', async () => {
    const { ctx, hub, ada, room } = await setUp();
    const { message } = await send(ctx, ada, room.id, 'bye');
    hub.log.length = 0;
    const first = await deleteMessage(ctx, ada, { roomId: room.id, messageId: message.id });
    const second = await deleteMessage(ctx, ada, { roomId: room.id, messageId: message.id });
    expect(second.rev).toBe(first.rev);
    expect(hub.log).toHaveLength(1);
  });
});

describe('typing', () => {
  test('publishes "is typing" to the room topic, at most once per 3 seconds per person and room', async () => {
    const { ctx, hub, ada, bola, room } = await setUp();
    expect(await typing(ctx, ada, room.id)).toBe(true);
    expect(hub.log).toHaveLength(1);
    expect(hub.log[0]!.topic).toBe(topics.room(room.id));
    expect(hub.log[0]!.data).toBe(
      `<hx-partial hx-target="#typing-${room.id}" hx-swap="innerHTML"><span class="typer" data-user="${ada.id}" data-name="Ada Obi" data-room="${room.id}">Ada Obi is typing…</span></hx-partial>`,
    );
    expect(await typing(ctx, ada, room.id)).toBe(false);
    expect(hub.log).toHaveLength(1);
    // Someone else typing in the same room is not throttled by Ada.
    expect(await typing(ctx, bola, room.id)).toBe(true);
    expect(hub.topicsPublished()).toEqual([topics.room(room.id), topics.room(room.id)]);
    // A message ends what Ada was typing: her next message's typing shows at once.
    await sendMessage(ctx, ada, { roomId: room.id, clientId: 'typed-and-sent', body: 'done' });
    expect(await typing(ctx, ada, room.id)).toBe(true);
  });

  test('a non-member typing is not_found and publishes nothing', async () => {
    const { ctx, hub, cid: outsider, room } = await setUp();
    expect((await expectAppError(typing(ctx, outsider, room.id))).kind).toBe('not_found');
    expect(hub.log).toEqual([]);
  });

  test('throttling is per chat context (a fresh context is not throttled by another)', async () => {
    const { ctx, hub, store, ada, room } = await setUp();
    await typing(ctx, ada, room.id);
    const ctx2 = createChatContext(store, hub, 'Africa/Lagos');
    expect(await typing(ctx2, ada, room.id)).toBe(true);
  });
});

describe('markRead', () => {
  test("publishes the reader's refreshed room-list entry to the reader's own topic only", async () => {
    const { ctx, hub, store, ada, bola, room } = await setUp();
    for (let i = 0; i < 3; i++) await send(ctx, bola, room.id, `m${i}`);
    hub.log.length = 0;
    expect(await markRead(ctx, ada, room.id, 2)).toBe(2);
    expect(hub.topicsPublished()).toEqual([topics.user(ada.id)]);
    const data = hub.log[0]!.data;
    expect(data.startsWith(`<hx-partial hx-target="#rl-${room.id}" hx-swap="outerHTML"><li id="rl-${room.id}"`)).toBe(true);
    expect(data).toContain('data-last-read="2"');
    expect(data).toContain('<span class="n">1</span>'); // one unread left
    expect((await store.rooms.membership(room.id, ada.id))!.lastReadSeq).toBe(2);
  });

  test('never moves backwards, and never beyond the last message', async () => {
    const { ctx, store, ada, bola, room } = await setUp();
    for (let i = 0; i < 3; i++) await send(ctx, bola, room.id, `m${i}`);
    expect(await markRead(ctx, ada, room.id, 1_000)).toBe(3);
    expect(await markRead(ctx, ada, room.id, 1)).toBe(3);
    expect((await store.rooms.membership(room.id, ada.id))!.lastReadSeq).toBe(3);
  });

  test('a non-member gets not_found and nothing is published', async () => {
    const { ctx, hub, cid: outsider, room } = await setUp();
    expect((await expectAppError(markRead(ctx, outsider, room.id, 1))).kind).toBe('not_found');
    expect(hub.log).toEqual([]);
  });
});

describe('replay', () => {
  test('returns what changed after the given rev (new, edited, deleted) in rev order', async () => {
    const { ctx, ada, bola, room } = await setUp();
    const m = [];
    for (let i = 1; i <= 5; i++) m.push((await send(ctx, i % 2 ? ada : bola, room.id, `message ${i}`)).message);
    // The client has seen up to rev 2. Then message 1 is edited (rev 6) and message 2 deleted (rev 7).
    await editMessage(ctx, ada, { roomId: room.id, messageId: m[0]!.id, body: 'message 1, edited' });
    await deleteMessage(ctx, bola, { roomId: room.id, messageId: m[1]!.id });

    const r = await replay(ctx, ada, room.id, 2);
    expect(r).not.toBeNull();
    const v = r!.value;
    expect(v.startsWith(`<hx-partial hx-target="#log-${room.id}" hx-swap="beforeend">`)).toBe(true);
    const order = [...v.matchAll(/id="m-([^"]+)" data-seq="(\d+)" data-rev="(\d+)"/g)].map((x) => [x[1], Number(x[2]), Number(x[3])]);
    expect(order).toEqual([
      [m[2]!.id, 3, 3],
      [m[3]!.id, 4, 4],
      [m[4]!.id, 5, 5],
      [m[0]!.id, 1, 6],
      [m[1]!.id, 2, 7],
    ]);
    expect(v).toContain('message 1, edited');
    expect(v).toContain('This message was deleted.');
    expect(v).not.toContain('message 2<');

    // Only the changes after rev 6.
    const tail = (await replay(ctx, ada, room.id, 6))!.value;
    expect([...tail.matchAll(/data-rev="(\d+)"/g)].map((x) => Number(x[1]))).toEqual([7]);
  });

  test('with the revs the page holds, a change in the window below its rev that it lacks is replayed too (MongoDB may show n+1 before n)', async () => {
    const { ctx, store, ada, room } = await setUp();
    const add = (i: number) => store.messages.append({ roomId: room.id, senderId: ada.id, clientId: `reorder-${String(i).padStart(4, '0')}`, kind: 'text', body: `message ${i}`, mentions: [] });
    for (let i = 1; i <= 4; i++) await add(i);
    const revs = (r: { value: string } | null) => [...(r?.value ?? '').matchAll(/data-rev="(\d+)"/g)].map((x) => Number(x[1]));
    // The page saw 1, 3 and 4 (so its rev is 4) but never got 2.
    expect(revs(await replay(ctx, ada, room.id, 4, [1, 3, 4]))).toEqual([2]);
    expect(await replay(ctx, ada, room.id, 4, [1, 2, 3, 4])).toBeNull();
    expect(await replay(ctx, ada, room.id, 4)).toBeNull(); // without the list: changes after rev only
    await add(5);
    expect(revs(await replay(ctx, ada, room.id, 4, [1, 3, 4]))).toEqual([2, 5]);
    // Only the window below rev is checked.
    for (let i = 6; i <= REORDER_WINDOW + 10; i++) await add(i);
    const top = REORDER_WINDOW + 10;
    expect(revs(await replay(ctx, ada, room.id, top, [top]))).toEqual(Array.from({ length: REORDER_WINDOW - 1 }, (_, i) => top - REORDER_WINDOW + 1 + i));
  });

  test('null when the client is up to date (or ahead)', async () => {
    const { ctx, ada, room } = await setUp();
    expect(await replay(ctx, ada, room.id, 0)).toBeNull(); // empty room
    await send(ctx, ada, room.id, 'one');
    await send(ctx, ada, room.id, 'two');
    expect(await replay(ctx, ada, room.id, 2)).toBeNull();
    expect(await replay(ctx, ada, room.id, 99)).toBeNull();
    expect(await replay(ctx, ada, room.id, 1)).not.toBeNull();
  });

  test('a non-member gets not_found', async () => {
    const { ctx, ada, cid: outsider, room } = await setUp();
    await send(ctx, ada, room.id, 'private');
    expect((await expectAppError(replay(ctx, outsider, room.id, 0))).kind).toBe('not_found');
  });

  test(`more than MAX_REPLAY (${MAX_REPLAY}) changes replace the log with the latest page`, async () => {
    const { ctx, store, ada, room } = await setUp();
    const total = MAX_REPLAY + 1;
    for (let i = 1; i <= total; i++) await store.messages.append({ roomId: room.id, senderId: ada.id, clientId: `bulk-${String(i).padStart(6, '0')}`, kind: 'text', body: `bulk ${i}`, mentions: [] });
    const v = (await replay(ctx, ada, room.id, 0))!.value;
    expect(v.startsWith(`<hx-partial hx-target="#log-${room.id}" hx-swap="innerHTML">`)).toBe(true);
    const seqs = [...v.matchAll(/data-seq="(\d+)"/g)].map((x) => Number(x[1]));
    expect(seqs).toEqual(Array.from({ length: HISTORY_PAGE }, (_, i) => total - HISTORY_PAGE + 1 + i));
    // The "load older" sentinel points before the oldest message shown.
    expect(v).toContain(`hx-get="/rooms/${room.id}/messages?before=${total - HISTORY_PAGE + 1}"`);

    // Exactly MAX_REPLAY changes are still replayed one by one.
    const exact = (await replay(ctx, ada, room.id, 1))!.value;
    expect(exact.startsWith(`<hx-partial hx-target="#log-${room.id}" hx-swap="beforeend">`)).toBe(true);
    expect([...exact.matchAll(/data-seq="(\d+)"/g)]).toHaveLength(MAX_REPLAY);
  });
});

describe('historyPage', () => {
  test('pages backwards with the "older" sentinel until the start of the conversation', async () => {
    const { ctx, store, ada, room } = await setUp();
    const total = 2 * HISTORY_PAGE + 20;
    for (let i = 1; i <= total; i++) await store.messages.append({ roomId: room.id, senderId: ada.id, clientId: `page-${String(i).padStart(6, '0')}`, kind: 'text', body: `page ${i}`, mentions: [] });

    const seen: number[] = [];
    let before: number | undefined;
    let pages = 0;
    for (;;) {
      const p = await historyPage(ctx, ada, room.id, before);
      pages++;
      const seqs = p.messages.map((m) => m.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b)); // oldest first
      expect(p.articles).toHaveLength(p.messages.length);
      expect(p.oldestSeq).toBe(seqs[0]!);
      const chunk = p.chunk.value;
      if (p.more) {
        expect(p.messages).toHaveLength(HISTORY_PAGE);
        expect(chunk.startsWith(`<div class="older" id="older-${room.id}" hx-get="/rooms/${room.id}/messages?before=${p.oldestSeq}" hx-trigger="intersect once" hx-swap="outerHTML">`)).toBe(true);
        expect(chunk).not.toContain('This is the start of the conversation.');
      } else {
        expect(chunk.startsWith('<p class="start">This is the start of the conversation.</p>')).toBe(true);
        expect(chunk).not.toContain('class="older"');
      }
      seen.unshift(...seqs);
      if (!p.more) break;
      before = p.oldestSeq!;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });

  test('exactly one page of messages has no sentinel; an empty room is the start', async () => {
    const { ctx, store, ada, room } = await setUp();
    const empty = await historyPage(ctx, ada, room.id);
    expect(empty).toMatchObject({ messages: [], more: false, oldestSeq: null });
    expect(empty.chunk.value).toBe('<p class="start">This is the start of the conversation.</p>');
    for (let i = 1; i <= HISTORY_PAGE; i++) await store.messages.append({ roomId: room.id, senderId: ada.id, clientId: `one-${String(i).padStart(6, '0')}`, kind: 'text', body: `m ${i}`, mentions: [] });
    const p = await historyPage(ctx, ada, room.id);
    expect(p.messages).toHaveLength(HISTORY_PAGE);
    expect(p.more).toBe(false);
  });

  test('a non-member gets not_found', async () => {
    const { ctx, ada, cid: outsider, room } = await setUp();
    await send(ctx, ada, room.id, 'private');
    expect((await expectAppError(historyPage(ctx, outsider, room.id))).kind).toBe('not_found');
  });
});
