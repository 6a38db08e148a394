/**
 * Polls: the form that starts one (who may, what is refused, nothing typed lost, a form sent twice
 * is one poll), votes (one answer or several, taken back, pushed as counts to the room and as her
 * choices to the voter), closing, who chose what, screening before anyone sees it, and the socket.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { expectAppError, signedInClient as signedIn, testApp } from '../../testing';
import { topics } from '../../realtime/topics';
import { CLI_ACTOR } from '../audit/record';
import { createModeration } from '../moderation/screen';
import { fakeClassifier } from '../moderation/test-support';
import { deleteMessage, historyPage, sendMessage } from './messages';
import { addMembers, archiveRoom, createCourseRoom } from './rooms';
import { createGroup } from './groups';
import { closePoll, createPoll, vote, type PollInput } from './polls';
import { closeAll, connect, isJson, room as wsRoom, signedIn as wsSignedIn, start } from './ws-testing';
import type { Message, User } from '../../store/types';

const ADULT = { dateOfBirth: '1990-05-17' };
let n = 0;
afterAll(closeAll);

async function setUp() {
  const t = await testApp({}, { moderation: createModeration('all', () => fakeClassifier) });
  const ctx = t.app.chat;
  const okafor = await signedIn(t, 'okafor.poll@unilag.edu.ng', 'Dr Okafor', 'lecturer', ADULT);
  const ada = await signedIn(t, 'ada.poll@unilag.edu.ng', 'Ada <b>Obi</b>', 'student', ADULT);
  const bola = await signedIn(t, 'bola.poll@unilag.edu.ng', 'Bola Ade', 'student', ADULT);
  const out = await signedIn(t, 'out.poll@unilag.edu.ng', 'Out Sider', 'student', ADULT);
  const room = await createCourseRoom(ctx, { ...CLI_ACTOR, user: null }, { code: 'CSC302', name: 'Compilers' });
  await addMembers(ctx, CLI_ACTOR, room.id, [
    { userId: okafor.user.id, role: 'member' },
    { userId: ada.user.id, role: 'member' },
    { userId: bola.user.id, role: 'moderator' },
  ]);
  const poll = async (u: User, input: Partial<PollInput> = {}, roomId = room.id): Promise<Message> =>
    (await createPoll(ctx, u, { roomId, clientId: `poll-test-${++n}-xx`, question: 'Which day for the test?', options: ['Monday', 'Tuesday', 'Friday'], multiple: false, anonymous: false, ...input })).message;
  const page = async (u: User) => (await historyPage(ctx, u, room.id)).articles.map((a) => a.value).join('\n');
  const pushes = (from: number, topic: string) => t.hub.log.slice(from).filter((p) => p.topic === topic).map((p) => p.data);
  const tally = async (m: Message, viewer?: string) => (await t.store.polls.tallies(room.id, [m.id], viewer)).get(m.id);
  const form = (who: typeof ada, fields: [string, string][]) => who.client.post(`/rooms/${room.id}/polls`, fields);
  return { ...t, ctx, okafor, ada, bola, out, room, poll, page, pushes, tally, form };
}

describe('polls', () => {
  test('the lecturer posts a poll from the form, a student may not; a refusal keeps what was typed; the same form sent twice is one poll', async () => {
    const t = await setUp();
    const refused = await t.ada.client.get(`/rooms/${t.room.id}/polls/new`);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('In a course room only the lecturer, the room’s owners and its moderators start polls.');
    expect((await t.out.client.get(`/rooms/${t.room.id}/polls/new`)).status).toBe(404);
    const blank = await (await t.okafor.client.get(`/rooms/${t.room.id}/polls/new`)).text();
    const clientId = blank.match(/name="clientId" value="([^"]+)"/)![1]!;

    const one = await t.form(t.okafor, [['clientId', clientId], ['question', 'Which <b>day</b>?'], ['option', 'Monday'], ['option', '  '], ['multiple', 'yes']]);
    expect(one.status).toBe(400);
    const again = await one.text();
    expect(again).toContain('Give at least two answers to choose from.');
    expect(again).toContain('value="Which &lt;b&gt;day&lt;/b&gt;?"');
    expect(again).toContain('value="Monday"');
    expect(again).toContain(`value="${clientId}"`);
    expect(again).toMatch(/name="multiple" value="yes" checked/);
    expect(await (await t.form(t.okafor, [['clientId', clientId], ['question', 'Q'], ['option', 'Monday'], ['option', 'monday ']])).text()).toContain('“monday” is there twice.');
    expect(await (await t.form(t.okafor, [['clientId', clientId], ['question', 'Q'], ['option', 'A'], ['option', 'x'.repeat(101)]])).text()).toContain('An answer can be at most 100 characters');
    expect((await t.form(t.ada, [['clientId', clientId], ['question', 'Q'], ['option', 'A'], ['option', 'B']])).status).toBe(403);
    expect((await t.form(t.okafor, [['clientId', 'bad id!'], ['question', 'Q'], ['option', 'A'], ['option', 'B']])).status).toBe(400);

    const before = t.hub.log.length;
    const fields: [string, string][] = [['clientId', clientId], ['question', 'Which <b>day</b>?'], ['option', 'Monday'], ['option', ''], ['option', 'Tuesday <i>'], ['anonymous', 'yes']];
    const ok = await t.form(t.okafor, fields);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`/rooms/${t.room.id}`);
    expect((await t.form(t.okafor, fields)).status).toBe(303);
    const polls = (await t.store.messages.history(t.room.id, { limit: 10 })).filter((m) => m.kind === 'poll');
    expect(polls.map((m) => [m.body, m.meta])).toEqual([['Which <b>day</b>?\nMonday\nTuesday <i>', { multiple: false, anonymous: true, hidden: false }]]);
    // Every member's page gets it at once, escaped, with its answers to press.
    const pushed = t.pushes(before, topics.room(t.room.id)).join('');
    expect(pushed).toContain('<strong>Which &lt;b&gt;day&lt;/b&gt;?</strong>');
    expect(pushed).toContain('<span class="poll-text">Tuesday &lt;i&gt;</span>');
    expect(pushed).toContain('0 people voted · Choose one, anonymous');
    // The composer offers Poll to those who may start one.
    expect(await (await t.okafor.client.get(`/rooms/${t.room.id}`)).text()).toContain(`href="/rooms/${t.room.id}/polls/new">Poll</a>`);
    expect(await (await t.ada.client.get(`/rooms/${t.room.id}`)).text()).not.toContain('/polls/new');
  });

  test('one answer: choosing another moves the vote, taking it back leaves none, the same vote twice changes nothing; several: each on or off; the room gets counts, the voter her choices', async () => {
    const t = await setUp();
    const p = await t.poll(t.okafor.user);
    const mark = t.hub.log.length;
    await vote(t.ctx, t.ada.user, { roomId: t.room.id, messageId: p.id, option: 0, on: true });
    const [toRoom] = t.pushes(mark, topics.room(t.room.id));
    expect(toRoom).toContain(`<hx-partial hx-target="#poll-${p.id}" hx-swap="outerHTML"><div class="poll" id="poll-${p.id}"`);
    expect(toRoom).toContain('aria-label="Monday: 1 vote"');
    expect(toRoom).toContain('1 person voted');
    // No one's choices go to everyone.
    expect(toRoom).not.toContain('aria-pressed');
    const [toAda] = t.pushes(mark, topics.user(t.ada.user.id));
    expect(toAda).toMatch(/data-option="0" aria-pressed="true"/);
    expect(toAda).toMatch(/data-option="1" aria-pressed="false"/);
    expect(Number(toAda!.match(/data-at="(\d+)"/)![1])).toBeGreaterThanOrEqual(Number(toRoom!.match(/data-at="(\d+)"/)![1]));

    await vote(t.ctx, t.ada.user, { roomId: t.room.id, messageId: p.id, option: 2, on: true });
    await vote(t.ctx, t.bola.user, { roomId: t.room.id, messageId: p.id, option: 2, on: true });
    expect(await t.tally(p, t.ada.user.id)).toMatchObject({ counts: [0, 0, 2], voters: 2, mine: [2] });
    // A double tap on a slow line: the second changes nothing, and her pages get the poll as it is.
    const again = t.hub.log.length;
    await vote(t.ctx, t.ada.user, { roomId: t.room.id, messageId: p.id, option: 2, on: true });
    expect(t.pushes(again, topics.room(t.room.id))).toEqual([]);
    expect(t.pushes(again, topics.user(t.ada.user.id)).join('')).toMatch(/data-option="2" aria-pressed="true"/);
    expect(await t.tally(p, t.ada.user.id)).toMatchObject({ counts: [0, 0, 2], voters: 2, mine: [2] });
    await vote(t.ctx, t.ada.user, { roomId: t.room.id, messageId: p.id, option: 2, on: false });
    expect(await t.tally(p, t.ada.user.id)).toMatchObject({ counts: [0, 0, 1], voters: 1, mine: [] });
    // Each page is rendered for its reader.
    expect(await t.page(t.bola.user)).toMatch(/data-option="2" aria-pressed="true"/);
    expect(await t.page(t.ada.user)).toMatch(/data-option="2" aria-pressed="false"/);

    const several = await t.poll(t.okafor.user, { question: 'What should the revision cover?', options: ['Parsing', 'Types', 'Codegen'], multiple: true });
    await vote(t.ctx, t.ada.user, { roomId: t.room.id, messageId: several.id, option: 0, on: true });
    await vote(t.ctx, t.ada.user, { roomId: t.room.id, messageId: several.id, option: 2, on: true });
    await vote(t.ctx, t.bola.user, { roomId: t.room.id, messageId: several.id, option: 2, on: true });
    expect(await t.tally(several, t.ada.user.id)).toMatchObject({ counts: [1, 0, 2], voters: 2, mine: [0, 2] });
    await vote(t.ctx, t.ada.user, { roomId: t.room.id, messageId: several.id, option: 0, on: false });
    expect(await t.tally(several, t.ada.user.id)).toMatchObject({ counts: [0, 0, 2], mine: [2] });

    expect((await expectAppError(vote(t.ctx, t.ada.user, { roomId: t.room.id, messageId: p.id, option: 3, on: true }))).message).toBe('That answer is not one of the poll’s.');
    expect((await expectAppError(vote(t.ctx, t.out.user, { roomId: t.room.id, messageId: p.id, option: 0, on: true }))).kind).toBe('not_found');
    // A text message is no poll.
    const text = (await sendMessage(t.ctx, t.ada.user, { roomId: t.room.id, clientId: 'poll-test-text-1', body: 'Monday please' })).message;
    expect((await expectAppError(vote(t.ctx, t.ada.user, { roomId: t.room.id, messageId: text.id, option: 0, on: true }))).kind).toBe('not_found');
  });

  test('its writer or a moderator closes it, a student cannot; a closed poll takes no vote; results (page, CSV) name who chose what unless anonymous; an archived room refuses votes', async () => {
    const t = await setUp();
    const p = await t.poll(t.okafor.user);
    await vote(t.ctx, t.ada.user, { roomId: t.room.id, messageId: p.id, option: 1, on: true });
    await vote(t.ctx, t.bola.user, { roomId: t.room.id, messageId: p.id, option: 1, on: true });
    expect((await expectAppError(closePoll(t.ctx, t.ada.user, { roomId: t.room.id, messageId: p.id }))).kind).toBe('forbidden');

    const voters = await t.ada.client.get(`/rooms/${t.room.id}/polls/${p.id}`);
    expect(voters.status).toBe(200);
    const html = await voters.text();
    expect(html).toContain('<h1>Which day for the test?</h1>');
    expect(html).toContain('<h2>Tuesday <span class="hint">(2 votes)</span></h2><ul class="plain"><li>Ada &lt;b&gt;Obi&lt;/b&gt;</li><li>Bola Ade</li></ul>');
    expect(html).toContain('<h2>Monday <span class="hint">(0 votes)</span></h2><p class="hint">Nobody.</p>');
    // Matriculation numbers only for staff, on the page and in the CSV.
    await t.store.users.update(t.ada.user.id, { matricNo: '190404001' });
    expect(await (await t.ada.client.get(`/rooms/${t.room.id}/polls/${p.id}`)).text()).not.toContain('190404001');
    expect(await (await t.okafor.client.get(`/rooms/${t.room.id}/polls/${p.id}`)).text()).toContain('<li>Ada &lt;b&gt;Obi&lt;/b&gt; <span class="hint">190404001</span></li>');
    const csv = await t.okafor.client.get(`/rooms/${t.room.id}/polls/${p.id}/results.csv`);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toContain('Compilers poll');
    expect(await csv.text()).toBe('answer,name,matric_no\r\nTuesday,Ada <b>Obi</b>,190404001\r\nTuesday,Bola Ade,\r\n');
    expect(await (await t.ada.client.get(`/rooms/${t.room.id}/polls/${p.id}/results.csv`)).text()).toBe('answer,name,matric_no\r\nTuesday,Ada <b>Obi</b>,\r\nTuesday,Bola Ade,\r\n');
    expect((await t.out.client.get(`/rooms/${t.room.id}/polls/${p.id}/results.csv`)).status).toBe(404);
    expect((await t.out.client.get(`/rooms/${t.room.id}/polls/${p.id}`)).status).toBe(404);

    const mark = t.hub.log.length;
    await closePoll(t.ctx, t.bola.user, { roomId: t.room.id, messageId: p.id });
    const [closed] = t.pushes(mark, topics.room(t.room.id));
    expect(closed).toContain('data-closed');
    expect(closed).toContain('<strong>Closed</strong>');
    expect(closed).not.toContain('Close poll');
    expect(closed).toMatch(/data-option="0" disabled/);
    expect((await expectAppError(vote(t.ctx, t.ada.user, { roomId: t.room.id, messageId: p.id, option: 0, on: true }))).message).toBe('This poll is closed.');
    expect((await expectAppError(closePoll(t.ctx, t.okafor.user, { roomId: t.room.id, messageId: p.id }))).message).toBe('This poll is closed already.');
    expect(await t.tally(p)).toMatchObject({ counts: [0, 2], voters: 2, closedBy: t.bola.user.id });

    // Anonymous: nobody sees who chose what, its writer neither.
    const secret = await t.poll(t.okafor.user, { anonymous: true });
    await vote(t.ctx, t.ada.user, { roomId: t.room.id, messageId: secret.id, option: 0, on: true });
    const results = await t.okafor.client.get(`/rooms/${t.room.id}/polls/${secret.id}`);
    expect(results.status).toBe(200);
    const counts = await results.text();
    expect(counts).toContain('<h2>Monday <span class="hint">(1 vote)</span></h2></section>');
    expect(counts).not.toContain('Ada');
    expect(await (await t.okafor.client.get(`/rooms/${t.room.id}/polls/${secret.id}/results.csv`)).text()).toBe('answer,votes\r\nMonday,1\r\nTuesday,0\r\nFriday,0\r\n');
    expect(await t.page(t.okafor.user)).toContain(`/polls/${secret.id}">Results</a>`);
    expect(await t.page(t.okafor.user)).toContain(`/polls/${p.id}">Who voted</a>`);

    // In a group, any member starts one; its writer closes it.
    const group = await createGroup(t.ctx, t.ada.user, { name: 'Study group', memberIds: [t.bola.user.id] });
    const g = await t.poll(t.ada.user, {}, group.id);
    await closePoll(t.ctx, t.ada.user, { roomId: group.id, messageId: g.id });

    await archiveRoom(t.ctx, CLI_ACTOR, t.room.id, true);
    expect((await expectAppError(vote(t.ctx, t.bola.user, { roomId: t.room.id, messageId: secret.id, option: 1, on: true }))).message).toBe('This room is archived: you can read it but not vote.');
    expect((await expectAppError(t.poll(t.okafor.user))).message).toBe('This room is archived: you can read it but not post.');
    // A poll left open (a quiz whose results wait) can still be closed when the course is over.
    await closePoll(t.ctx, t.okafor.user, { roomId: t.room.id, messageId: secret.id });
    expect((await t.tally(secret))?.closedBy).toBe(t.okafor.user.id);
  });

  test('results when it closes (a quiz): everyone sees how many voted, only its writer the counts and who chose what, until it closes', async () => {
    const t = await setUp();
    const quiz = await t.poll(t.okafor.user, { question: 'What does LL(1) look ahead?', options: ['One token', 'One rule'], hidden: true });
    const mark = t.hub.log.length;
    await vote(t.ctx, t.ada.user, { roomId: t.room.id, messageId: quiz.id, option: 0, on: true });
    const [toRoom] = t.pushes(mark, topics.room(t.room.id));
    expect(toRoom).toContain('1 person voted · Choose one, names shown, results when it closes');
    expect(toRoom).not.toContain('class="n"');
    expect(toRoom).not.toContain('<progress');
    expect(toRoom).toContain('aria-label="One token"');
    // Ada's own pages: her choice marked, still no counts.
    const [toAda] = t.pushes(mark, topics.user(t.ada.user.id));
    expect(toAda).toMatch(/data-option="0" aria-pressed="true"/);
    expect(toAda).not.toContain('class="n"');
    // The writer's pages get the counts.
    const [toWriter] = t.pushes(mark, topics.user(t.okafor.user.id));
    expect(toWriter).toContain('aria-label="One token: 1 vote"');
    expect(toWriter).toContain('results shown to you until it closes');
    expect(await t.page(t.bola.user)).not.toContain('One token: 1 vote');
    expect(await t.page(t.okafor.user)).toContain('One token: 1 vote');
    const early = await t.bola.client.get(`/rooms/${t.room.id}/polls/${quiz.id}`);
    expect(early.status).toBe(403);
    expect(await early.text()).toContain('The results of this poll are shown when it closes.');
    expect((await t.bola.client.get(`/rooms/${t.room.id}/polls/${quiz.id}/results.csv`)).status).toBe(403);
    expect((await t.okafor.client.get(`/rooms/${t.room.id}/polls/${quiz.id}`)).status).toBe(200);

    const closing = t.hub.log.length;
    await closePoll(t.ctx, t.okafor.user, { roomId: t.room.id, messageId: quiz.id });
    const [closed] = t.pushes(closing, topics.room(t.room.id));
    expect(closed).toContain('aria-label="One token: 1 vote"');
    expect(closed).not.toContain('results when it closes');
    expect(await t.page(t.bola.user)).toContain('One token: 1 vote');
    expect((await t.bola.client.get(`/rooms/${t.room.id}/polls/${quiz.id}`)).status).toBe(200);
  });

  test('a poll is screened before anyone sees it: held, it is its writer’s alone and takes no vote; a deleted poll forgets its votes', async () => {
    const t = await setUp();
    const before = t.hub.log.length;
    const held = await t.poll(t.okafor.user, { options: ['Monday', 'HOLDME after class'] });
    expect(held.held).toBe(true);
    expect(t.pushes(before, topics.room(t.room.id))).toEqual([]);
    const own = t.pushes(before, topics.user(t.okafor.user.id)).join('');
    expect(own).toContain('Held for review');
    expect(own).toMatch(/data-option="0" aria-pressed="false" disabled/);
    expect(await t.page(t.ada.user)).not.toContain('HOLDME');
    expect((await expectAppError(vote(t.ctx, t.ada.user, { roomId: t.room.id, messageId: held.id, option: 0, on: true }))).kind).toBe('not_found');
    expect((await t.ada.client.get(`/rooms/${t.room.id}/polls/${held.id}`)).status).toBe(404);

    const p = await t.poll(t.okafor.user);
    await vote(t.ctx, t.ada.user, { roomId: t.room.id, messageId: p.id, option: 0, on: true });
    await deleteMessage(t.ctx, t.okafor.user, { roomId: t.room.id, messageId: p.id });
    expect(await t.tally(p)).toBeUndefined();
    expect((await expectAppError(vote(t.ctx, t.ada.user, { roomId: t.room.id, messageId: p.id, option: 0, on: true }))).message).toBe('This poll was deleted.');
  });

  test('a vote racing a hide sends nothing of the poll to anyone; a vote racing a delete is forgotten', async () => {
    const t = await setUp();
    const p = await t.poll(t.okafor.user, { options: ['Keep', 'This'] });
    const polls = t.store.polls;
    const real = polls.vote.bind(polls);
    // Safeguarding hides the poll while the vote is being written.
    polls.vote = async (v) => {
      const r = await real(v);
      await t.store.messages.setHeld(t.room.id, p.id, true);
      return r;
    };
    const mark = t.hub.log.length;
    expect((await expectAppError(vote(t.ctx, t.ada.user, { roomId: t.room.id, messageId: p.id, option: 0, on: true }))).kind).toBe('not_found');
    expect(t.hub.log.slice(mark).filter((x) => x.data.includes('Keep'))).toEqual([]);

    const q = await t.poll(t.okafor.user);
    // Its writer deletes it while the vote is being written (after the delete forgot its votes).
    polls.vote = async (v) => {
      await deleteMessage(t.ctx, t.okafor.user, { roomId: t.room.id, messageId: q.id });
      return real(v);
    };
    expect((await expectAppError(vote(t.ctx, t.ada.user, { roomId: t.room.id, messageId: q.id, option: 0, on: true }))).message).toBe('This poll was deleted.');
    polls.vote = real;
    expect(await t.tally(q)).toBeUndefined();
    expect(await t.store.polls.ballots(t.room.id, q.id)).toEqual([]);
  });

  test('over the socket: a vote is answered by the pushes, a refusal by reject-poll; a page that reconnects catches up the boxes it missed', async () => {
    const s = await start();
    const okafor = await wsSignedIn(s, 'okafor.pollws@unilag.edu.ng', 'Dr Okafor', 'lecturer');
    const ada = await wsSignedIn(s, 'ada.pollws@unilag.edu.ng', 'Ada Obi');
    const bola = await wsSignedIn(s, 'bola.pollws@unilag.edu.ng', 'Bola Ade');
    const r = await wsRoom(s.store, 'CSC303', [
      [okafor.user, 'owner'],
      [ada.user, 'member'],
      [bola.user, 'member'],
    ]);
    const { message: p } = await createPoll(s.app.chat, okafor.user, { roomId: r.id, clientId: 'poll-ws-000001', question: 'Ready?', options: ['Yes', 'No'], multiple: false, anonymous: false });
    const at = Date.now() - 10_000;
    const sock = await connect(s, ada.cookie);
    sock.send({ type: 'vote', room: r.id, message: p.id, option: 1, on: true });
    const got = await sock.until((f) => f.includes(`id="poll-${p.id}"`) && f.includes('aria-pressed="true"'));
    expect(got.join('')).toContain('aria-label="No: 1 vote"');
    sock.send({ type: 'vote', room: r.id, message: p.id, option: 7, on: true });
    expect(JSON.parse((await sock.until(isJson('reject-poll'))).at(-1)!)).toEqual({ type: 'reject-poll', room: r.id, id: p.id, message: 'That answer is not one of the poll’s.' });
    sock.send({ type: 'close-poll', room: r.id, message: p.id });
    expect(JSON.parse((await sock.until(isJson('reject-poll'))).at(-1)!).message).toBe('Only the poll’s writer and the room’s owners and moderators close it.');

    // Bola was away: back, her page (whose newest box time is older) gets the box, rendered for her.
    const back = await connect(s, bola.cookie, {});
    back.send({ type: 'resume', rooms: { [r.id]: 10_000 }, rxAt: { [r.id]: at } });
    const replay = (await back.until(isJson('resumed'))).join('');
    expect(replay).toContain(`id="poll-${p.id}"`);
    expect(replay).toContain('aria-label="No: 1 vote"');
    expect(replay).toMatch(/data-option="1" aria-pressed="false"/);
  });
});
