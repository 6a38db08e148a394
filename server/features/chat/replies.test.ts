import { describe, expect, test } from 'bun:test';
import { expectAppError, makePerson, signedInClient, testApp } from '../../testing';
import { createModeration } from '../moderation/screen';
import { fakeClassifier } from '../moderation/test-support';
import { deleteMessage, editMessage, historyPage, sendMessage } from './messages';
import { startDm, createCourseRoom, addMembers } from './rooms';
import { CLI_ACTOR } from '../audit/record';
import { parseFrame } from './frames';
import type { User } from '../../store/types';

const ADULT = { dateOfBirth: '1990-05-17' };
let n = 0;

async function setUp() {
  // Every room screened, so "HOLDME" is held between adults too (the fake classifier's marker).
  const t = await testApp({}, { moderation: createModeration('all', () => fakeClassifier) });
  const ctx = t.app.chat;
  const ada = await makePerson(t.store, 'ada.reply@unilag.edu.ng', 'Ada Obi', 'student', ADULT);
  const bola = await makePerson(t.store, 'bola.reply@unilag.edu.ng', 'Bola <b>Ade</b>', 'student', ADULT);
  const dm = await startDm(ctx, ada, bola.id);
  const say = (u: User, body: string, replyTo?: string, roomId = dm.id) => sendMessage(ctx, u, { roomId, clientId: `reply-test-${++n}-xx`, body, replyTo });
  const page = async (u: User) => (await historyPage(ctx, u, dm.id)).articles.map((a) => a.value).join('\n');
  return { ...t, ctx, ada, bola, dm, say, page };
}

describe('replies', () => {
  test('a reply keeps what it answers and quotes it (sender and first words, escaped, one line), linking to it', async () => {
    const t = await setUp();
    const { message: question } = await t.say(t.bola, 'Is the <lab> report due\non Friday?');
    const { message: answer } = await t.say(t.ada, 'Yes, at noon', question.id);
    expect(answer.replyTo).toBe(question.id);
    const html = await t.page(t.ada);
    expect(html).toContain(`<a class="quote" href="/rooms/${t.dm.id}?before=${question.seq + 1}#m-${question.id}" data-reply-to="${question.id}" data-rev="${question.rev}"><span class="visually-hidden">In reply to </span><strong class="quote-who">Bola &lt;b&gt;Ade&lt;/b&gt;</strong> <span class="quote-text">Is the &lt;lab&gt; report due on Friday?</span></a>`);
    // The live push carries the same quote.
    expect(t.hub.log.at(-1)!.data).toContain('<span class="quote-text">Is the &lt;lab&gt; report due on Friday?</span>');
    // Long text is cut at 140 characters.
    const { message: long } = await t.say(t.bola, 'x'.repeat(500));
    await t.say(t.ada, 'ok', long.id);
    expect(await t.page(t.ada)).toContain(`<span class="quote-text">${'x'.repeat(139)}…</span>`);
  });

  test('the quote never shows a deleted or held message; a reply to one that is gone is sent plain', async () => {
    const t = await setUp();
    const { message: first } = await t.say(t.bola, 'Meet at the library');
    const { message: reply } = await t.say(t.ada, 'On my way', first.id);
    await deleteMessage(t.ctx, t.bola, { roomId: t.dm.id, messageId: first.id });
    let html = await t.page(t.ada);
    // With the rev it went at: a page brings the words back only for a newer one (a release).
    expect(html).toContain(`<p class="quote gone" data-reply-to="${first.id}" data-rev="${(await t.store.messages.byId(t.dm.id, first.id))!.rev}">In reply to a deleted message</p>`);
    expect(html).not.toContain('Meet at the library');
    // Hidden by safeguarding after it was answered (an edit into hold-level text): gone for everyone, its sender too.
    const { message: second } = await t.say(t.bola, 'Harmless words');
    await t.say(t.ada, 'Sure', second.id);
    await editMessage(t.ctx, t.bola, { roomId: t.dm.id, messageId: second.id, body: 'Now HOLDME words' });
    for (const u of [t.ada, t.bola]) {
      html = await t.page(u);
      expect(html).toContain(`<p class="quote gone" data-reply-to="${second.id}" data-rev="${(await t.store.messages.byId(t.dm.id, second.id))!.rev}">In reply to a deleted message</p>`);
      expect(html).not.toMatch(/quote-text">[^<]*HOLDME/);
    }
    // Answering what is gone (deleted, held, or of another room): sent, without a quote.
    const { message: held } = await t.say(t.bola, 'HOLDME again');
    expect(held.held).toBe(true);
    const room = await createCourseRoom(t.ctx, { ...CLI_ACTOR, user: null }, { code: 'GST101', name: 'Use of English' });
    await addMembers(t.ctx, CLI_ACTOR, room.id, [{ userId: t.ada.id, role: 'member' }]);
    const { message: elsewhere } = await t.say(t.ada, 'In the course room', undefined, room.id);
    for (const id of [first.id, held.id, elsewhere.id, 'no-such-message']) {
      const { message } = await t.say(t.ada, `answering ${id}`, id);
      expect(message.replyTo).toBeNull();
      expect(message.body).toBe(`answering ${id}`);
    }
    expect((await expectAppError(t.say(t.ada, 'x', 'not an id!'))).message).toBe('The message you replied to is malformed.');
    expect(reply.replyTo).toBe(first.id);
  });

  test('Reply is offered on every message anyone may see, not on a held one; frames and the form take replyTo', async () => {
    const t = await setUp();
    const { message: shown } = await t.say(t.bola, 'hello');
    await t.say(t.bola, 'HOLDME');
    const mine = await t.page(t.bola);
    expect(mine.match(/data-action="reply"/g)).toHaveLength(1);
    expect(mine).toContain('aria-label="Reply message from Bola &lt;b&gt;Ade&lt;/b&gt;"');
    const frame = { type: 'send', room: t.dm.id, clientId: 'c'.repeat(10), body: 'hi', headers: {} };
    expect(parseFrame({ ...frame, replyTo: shown.id })).not.toBeNull();
    expect(parseFrame({ ...frame, replyTo: '' })).not.toBeNull();
    expect(parseFrame({ ...frame, replyTo: 'x'.repeat(65) })).toBeNull();
    expect(parseFrame({ ...frame, replyTo: 7 })).toBeNull();
    // Without JavaScript the composer posts the same field.
    const { client } = await signedInClient(t, 'chi.reply@unilag.edu.ng', 'Chi Eze', 'student', ADULT);
    const chi = (await t.store.users.byEmail('chi.reply@unilag.edu.ng'))!;
    const dm = await startDm(t.ctx, chi, t.bola.id);
    const { message: q } = await t.say(t.bola, 'question', undefined, dm.id);
    expect((await client.post(`/rooms/${dm.id}/messages`, { body: 'answer', replyTo: q.id })).status).toBe(303);
    const last = (await t.store.messages.history(dm.id, { limit: 1 }))[0]!;
    expect(last).toMatchObject({ body: 'answer', replyTo: q.id });
    expect(await (await client.get(`/rooms/${dm.id}`)).text()).toContain('<input type="hidden" name="replyTo" value="">');
  });
});
