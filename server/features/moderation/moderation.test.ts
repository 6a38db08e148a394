/** Screening before delivery: scope, hold, review, and every read path hiding held messages. */
import { describe, expect, test } from 'bun:test';
import { Client, makePerson, makeUser, testApp } from '../../testing';
import { topics } from '../../realtime/topics';
import type { RecordingHub } from '../../realtime/hub';
import type { Store, User, UserPatch } from '../../store/types';
import { createChatContext, type ChatContext } from '../chat/context';
import { editMessage, historyPage, replay, sendMessage } from '../chat/messages';
import { addMembers, summaries } from '../chat/rooms';
import { searchMessages } from '../chat/search';
import { loadModel } from './model';
import { createModeration, fileNameText, modelText } from './screen';
import { beginUpload, finishUpload, storeChunk } from '../files/actions';
import { fakeClassifier } from './test-support';
import { decideCase } from './cases';

const person = (store: Store, email: string, name: string, patch: UserPatch = {}) => makePerson(store, email, name, 'student', patch);

let n = 0;
const cid = () => `mod-client-${String(++n).padStart(6, '0')}`;

async function setUp(opts: { scope?: 'minors' | 'all'; minor?: boolean; reviewCases?: boolean } = {}) {
  const t = await testApp();
  const { store } = t;
  const hub: RecordingHub = t.hub;
  let loads = 0;
  const moderation = createModeration(opts.scope ?? 'minors', () => (loads++, fakeClassifier), { policy: opts.reviewCases === false ? { reviewCases: false } : {} });
  const ctx: ChatContext = createChatContext(store, hub, 'Africa/Lagos', { moderation });
  const adult = await person(store, 'adult@unilag.edu.ng', 'Adult Sender', { dateOfBirth: '1980-01-01' });
  const kid = await person(store, 'kid@unilag.edu.ng', 'Kid Member', opts.minor === false ? {} : { dateOfBirth: '2012-05-05' });
  const officer = await person(store, 'officer@unilag.edu.ng', 'Officer', { permissions: ['safeguarding'] });
  const room = await store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'BIO101', name: 'Biology', topic: '', createdBy: null, dmKey: null }, [
    { userId: adult.id, role: 'member' },
    { userId: kid.id, role: 'member' },
  ]);
  hub.log.length = 0;
  return { store, hub, ctx, adult, kid, officer, room, loads: () => loads };
}

describe('scope', () => {
  test('a room with a minor is screened; the model loads once, lazily', async () => {
    const s = await setUp();
    expect(s.loads()).toBe(0);
    await sendMessage(s.ctx, s.adult, { roomId: s.room.id, clientId: cid(), body: 'REVIEWME one' });
    await sendMessage(s.ctx, s.adult, { roomId: s.room.id, clientId: cid(), body: 'REVIEWME two' });
    expect(s.loads()).toBe(1);
    expect(await s.store.cases.list()).toHaveLength(2);
  });

  test('a room without minors is not screened by default', async () => {
    const s = await setUp({ minor: false });
    const { message } = await sendMessage(s.ctx, s.adult, { roomId: s.room.id, clientId: cid(), body: 'HOLDME' });
    expect(message.held).toBe(false);
    expect(s.loads()).toBe(0);
    expect(await s.store.cases.list()).toEqual([]);
    expect(s.hub.topicsPublished()).toEqual([topics.room(s.room.id)]);
  });

  test('MODERATION_SCOPE=all screens every room', async () => {
    const s = await setUp({ minor: false, scope: 'all' });
    const { message } = await sendMessage(s.ctx, s.adult, { roomId: s.room.id, clientId: cid(), body: 'HOLDME' });
    expect(message.held).toBe(true);
    expect((await s.store.cases.list())[0]).toMatchObject({ severity: 'hold', messageId: message.id });
  });

  test('config parses MODERATION_SCOPE (default minors) and rejects other values', async () => {
    const { loadConfig } = await import('../../config');
    expect(loadConfig({}).moderationScope).toBe('minors');
    expect(loadConfig({ MODERATION_SCOPE: 'ALL' }).moderationScope).toBe('all');
    expect(() => loadConfig({ MODERATION_SCOPE: 'some' })).toThrow(/MODERATION_SCOPE/);
  });
});

describe('hold', () => {
  test('a held message reaches only its sender; no other member sees it anywhere; a system-audited case is opened', async () => {
    const s = await setUp();
    const before = (await sendMessage(s.ctx, s.adult, { roomId: s.room.id, clientId: cid(), body: 'hello everyone' })).message;
    s.hub.log.length = 0;
    const clientId = cid();
    const { message, created } = await sendMessage(s.ctx, s.adult, { roomId: s.room.id, clientId, body: 'HOLDME our secret' });
    expect(created).toBe(true);
    expect(message.held).toBe(true);
    // Published to the sender's own sockets only, with the visible notice; never to the room.
    expect(s.hub.topicsPublished()).toEqual([topics.user(s.adult.id)]);
    expect(s.hub.log[0]!.data).toContain('Held for review');
    expect(s.hub.log[0]!.data).toContain('our secret');
    // A resend (same clientId) goes to the sender again, never the room.
    s.hub.log.length = 0;
    expect((await sendMessage(s.ctx, s.adult, { roomId: s.room.id, clientId, body: 'HOLDME our secret' })).created).toBe(false);
    expect(s.hub.topicsPublished()).toEqual([topics.user(s.adult.id)]);

    const kidHistory = await historyPage(s.ctx, s.kid, s.room.id);
    expect(kidHistory.messages.map((m) => m.id)).toEqual([before.id]);
    expect((await historyPage(s.ctx, s.adult, s.room.id)).messages.map((m) => m.id)).toEqual([before.id, message.id]);
    expect(String(await replay(s.ctx, s.kid, s.room.id, before.seq) ?? '')).not.toContain('secret');
    expect(String(await replay(s.ctx, s.adult, s.room.id, before.seq))).toContain('secret');
    expect((await searchMessages(s.ctx, s.kid, 'secret')).length).toBe(0);
    const kidRooms = await summaries(s.ctx, s.kid);
    expect(kidRooms.find((r) => r.room.id === s.room.id)!.unread).toBe(1);

    const [c] = await s.store.cases.list();
    expect(c).toMatchObject({ roomId: s.room.id, messageId: message.id, senderId: s.adult.id, labels: ['grooming_signal'], severity: 'hold', status: 'open', modelVersion: 'fake-1' });
    expect(c!.scores.grooming_signal).toBe(0.99);
    expect(c!.text).toBe('HOLDME our secret');
    const audit = await s.store.audit.list({ action: 'moderation.hold' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: null, origin: 'system', target: c!.id });
  });

  test('a resend after the server stopped between storing a held message and opening its case opens the case, once, for the stored text', async () => {
    const s = await setUp();
    const clientId = cid();
    // What the first attempt left behind: the message is stored held, the process died before the case.
    const { message } = await s.store.messages.append({ roomId: s.room.id, senderId: s.adult.id, clientId, kind: 'text', body: 'HOLDME our secret', mentions: [], held: true });
    expect(await s.store.cases.list()).toEqual([]);
    // The client did not get its ack, so it sends again (twice at once: two tabs share the outbox).
    const resend = (body: string) => sendMessage(s.ctx, s.adult, { roomId: s.room.id, clientId, body });
    for (const r of await Promise.all([resend('HOLDME our secret'), resend('HOLDME our secret')])) expect(r.created).toBe(false);
    await resend('hello'); // a different text under the same id changes nothing: the stored one counts
    const cases = await s.store.cases.list();
    expect(cases).toHaveLength(1);
    expect(cases[0]).toMatchObject({ messageId: message.id, severity: 'hold', status: 'open', text: 'HOLDME our secret' });
    expect(await s.store.audit.list({ action: 'moderation.hold' })).toHaveLength(1);
  });

  test('an edit that turns a delivered message into a hold-level one is held before the new text goes anywhere', async () => {
    const s = await setUp();
    const { message } = await sendMessage(s.ctx, s.adult, { roomId: s.room.id, clientId: cid(), body: 'see you in class' });
    s.hub.log.length = 0;
    const edited = await editMessage(s.ctx, s.adult, { roomId: s.room.id, messageId: message.id, body: 'HOLDME come alone' });
    expect(edited.held).toBe(true);
    // the new text to the sender; the room gets a tombstone (the delivered copy leaves its pages)
    expect(s.hub.topicsPublished()).toEqual([topics.user(s.adult.id), topics.room(s.room.id)]);
    expect(s.hub.log[0]!.data).toContain('come alone');
    expect(s.hub.log[1]!.data).not.toContain('alone');
    expect(s.hub.log[1]!.data).not.toContain('see you in class');
    expect((await historyPage(s.ctx, s.kid, s.room.id)).messages).toEqual([]);
    expect(String(await replay(s.ctx, s.kid, s.room.id, 0) ?? '')).not.toContain('alone');
    expect((await s.store.cases.list())[0]).toMatchObject({ severity: 'hold', messageId: message.id });
  });
});

describe('review', () => {
  test('a review-level message is delivered normally and a case is opened', async () => {
    const s = await setUp();
    const { message } = await sendMessage(s.ctx, s.adult, { roomId: s.room.id, clientId: cid(), body: 'REVIEWME hmm' });
    expect(message.held).toBe(false);
    expect(s.hub.topicsPublished()).toEqual([topics.room(s.room.id)]);
    expect((await historyPage(s.ctx, s.kid, s.room.id)).messages.map((m) => m.id)).toEqual([message.id]);
    expect((await s.store.cases.list())[0]).toMatchObject({ severity: 'review', labels: ['threat'], status: 'open' });
    expect(await s.store.audit.list({ action: 'moderation.flag' })).toHaveLength(1);
  });

  test('with review cases off (MODERATION_REVIEW_CASES=false) a review-level message is delivered and nothing about it is kept; holds still hold', async () => {
    const s = await setUp({ reviewCases: false });
    const { message } = await sendMessage(s.ctx, s.adult, { roomId: s.room.id, clientId: cid(), body: 'REVIEWME hmm' });
    expect(message.held).toBe(false);
    expect((await historyPage(s.ctx, s.kid, s.room.id)).messages.map((m) => m.id)).toEqual([message.id]);
    expect(await s.store.cases.list()).toEqual([]);
    expect(await s.store.audit.list({ action: 'moderation.flag' })).toEqual([]);
    const held = await sendMessage(s.ctx, s.adult, { roomId: s.room.id, clientId: cid(), body: 'HOLDME' });
    expect(held.message.held).toBe(true);
    expect((await s.store.cases.list()).map((c) => c.severity)).toEqual(['hold']);
  });

  test('config: MODERATION_REVIEW_CASES is on unless set to false', async () => {
    const { loadConfig } = await import('../../config');
    expect(loadConfig({}).moderationPolicy.reviewCases).toBe(true);
    expect(loadConfig({ MODERATION_REVIEW_CASES: 'false' }).moderationPolicy.reviewCases).toBe(false);
    expect(loadConfig({ MODERATION_REVIEW_CASES: 'yes' }).moderationPolicy.reviewCases).toBe(true);
    expect(() => loadConfig({ MODERATION_REVIEW_CASES: 'sometimes' })).toThrow(/MODERATION_REVIEW_CASES/);
  });
});

describe('decisions', () => {
  test('release delivers the held message to the room now; it then appears in history, replay, search and unread', async () => {
    const s = await setUp();
    const { message } = await sendMessage(s.ctx, s.adult, { roomId: s.room.id, clientId: cid(), body: 'HOLDME homework photo' });
    const [c] = await s.store.cases.list();
    s.hub.log.length = 0;
    const actor = { userId: s.officer.id, origin: '10.0.0.1' };
    await expect(decideCase(s.ctx, actor, c!.id, 'release', '   ')).rejects.toThrow(/reason/);
    const decided = await decideCase(s.ctx, actor, c!.id, 'release', 'Benign: about homework.');
    expect(decided).toMatchObject({ status: 'decided', decision: 'release', decidedBy: s.officer.id, reason: 'Benign: about homework.' });
    expect(s.hub.topicsPublished()).toEqual([topics.room(s.room.id)]);
    expect(s.hub.log[0]!.data).not.toContain('Held for review');
    expect((await historyPage(s.ctx, s.kid, s.room.id)).messages.map((m) => m.id)).toEqual([message.id]);
    expect(String(await replay(s.ctx, s.kid, s.room.id, message.seq))).toContain('homework');
    expect(await searchMessages(s.ctx, s.kid, 'homework')).toHaveLength(1);
    await expect(decideCase(s.ctx, actor, c!.id, 'uphold', 'again')).rejects.toThrow(/already been decided/);
    // A second officer's tab opened before the release (the release changed the message's rev): told
    // it was decided, not sent looking for an edit (QA).
    await expect(decideCase(s.ctx, actor, c!.id, 'uphold', 'again', { judgedLabels: ['threat'], seenRev: message.rev })).rejects.toThrow(/already been decided/);
    expect(await s.store.audit.list({ action: 'moderation.release' })).toHaveLength(1);
  });

  test('uphold keeps the held message hidden (not deleted, so an appeal can restore it); the room never hears of it', async () => {
    const s = await setUp();
    const { message } = await sendMessage(s.ctx, s.adult, { roomId: s.room.id, clientId: cid(), body: 'HOLDME meet me alone' });
    const [c] = await s.store.cases.list();
    s.hub.log.length = 0;
    await decideCase(s.ctx, { userId: s.officer.id, origin: '10.0.0.1' }, c!.id, 'uphold', 'Grooming pattern.');
    // Only the sender hears of it (the removal notice, and the link to it on his pages).
    expect(new Set(s.hub.topicsPublished())).toEqual(new Set([topics.user(s.adult.id)]));
    const stored = await s.store.messages.byId(s.room.id, message.id);
    expect(stored).toMatchObject({ held: true, body: 'HOLDME meet me alone', deletedAt: null });
    expect((await historyPage(s.ctx, s.kid, s.room.id)).messages).toEqual([]);
    expect(await s.store.audit.list({ action: 'moderation.uphold' })).toHaveLength(1);
    // The sender gets a removal notice they can respond to.
    expect(await s.store.sanctions.list({ userId: s.adult.id })).toMatchObject([{ kind: 'removal', status: 'active', caseIds: [c!.id], reason: 'Grooming pattern.', clause: 'SG-2' }]);
  });
});

describe('context', () => {
  test('the model is told the room type and the sender role from the store: a course room is room, a DM or a group is dm; admins are staff', async () => {
    const seen: [string, unknown][] = [];
    const spy = { ...fakeClassifier, classify: (text: string, ctx?: unknown) => (seen.push([text, ctx]), fakeClassifier.classify(text)) };
    const t = await testApp();
    const ctx = createChatContext(t.store, t.hub, 'Africa/Lagos', { moderation: createModeration('minors', () => spy) });
    const lecturer = await makePerson(t.store, 'lect3@unilag.edu.ng', 'Dr Ade', 'lecturer', { dateOfBirth: '1975-03-03' });
    const admin = await makePerson(t.store, 'it@unilag.edu.ng', 'IT Desk', 'admin', { dateOfBirth: '1985-03-03' });
    const kid = await person(t.store, 'kid3@unilag.edu.ng', 'Kid', { dateOfBirth: '2011-01-01' });
    const room = (kind: 'course' | 'dm' | 'group', members: User[]) =>
      t.store.rooms.create({ id: Bun.randomUUIDv7(), kind, code: kind === 'course' ? 'BIO103' : null, name: kind === 'group' ? 'Project' : '', topic: '', createdBy: null, dmKey: kind === 'dm' ? members.map((m) => m.id).sort().join(':') : null }, members.map((m) => ({ userId: m.id, role: 'member' as const })));
    const course = await room('course', [lecturer, admin, kid]);
    const dm = await room('dm', [lecturer, kid]);
    // a "group" of two chosen by the sender must not be scored as a (safer) room
    const group = await room('group', [lecturer, kid]);
    await sendMessage(ctx, lecturer, { roomId: course.id, clientId: cid(), body: 'Practical at 2pm' });
    await sendMessage(ctx, admin, { roomId: course.id, clientId: cid(), body: 'The portal is back' });
    await sendMessage(ctx, lecturer, { roomId: dm.id, clientId: cid(), body: 'See you at the practical' });
    await sendMessage(ctx, lecturer, { roomId: group.id, clientId: cid(), body: 'Project notes attached' });
    await sendMessage(ctx, lecturer, { roomId: group.id, clientId: cid(), body: 'And the rubric' });
    const dmLecturer = { context: 'dm', senderRole: 'lecturer' };
    expect(seen).toEqual([
      ['Practical at 2pm', { context: 'room', senderRole: 'lecturer' }],
      ['The portal is back', { context: 'room', senderRole: 'staff' }],
      ['See you at the practical', dmLecturer],
      ['Project notes attached', dmLecturer],
      ['And the rubric', dmLecturer],
      // the conversation risk re-scores the sender's earlier message in the group with the same context
      ['Project notes attached', dmLecturer],
    ]);
  });
});

describe('the shipped model', () => {
  test('holds a clear grooming message but not a benign sex-education message in a course room with a minor', async () => {
    const t = await testApp();
    const ctx = createChatContext(t.store, t.hub, 'Africa/Lagos');
    const lecturer = await person(t.store, 'lect@unilag.edu.ng', 'Dr Bio', { dateOfBirth: '1975-03-03' });
    const kid = await person(t.store, 'kid2@unilag.edu.ng', 'Kid', { dateOfBirth: '2011-01-01' });
    const room = await t.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'BIO102', name: 'Biology', topic: '', createdBy: null, dmKey: null }, [
      { userId: lecturer.id, role: 'owner' },
      { userId: kid.id, role: 'member' },
    ]);
    const sexEd = 'For Thursday, read chapter 4 on human reproduction and puberty; we will discuss contraception and sexually transmitted infections.';
    expect(loadModel().classify(sexEd).hold).toEqual([]);
    const benign = await sendMessage(ctx, lecturer, { roomId: room.id, clientId: cid(), body: sexEd });
    expect(benign.message.held).toBe(false);
    const grooming = "you're so mature for your age. don't tell your parents about our chats, send me a pic of you, just for me";
    const bad = await sendMessage(ctx, lecturer, { roomId: room.id, clientId: cid(), body: grooming });
    expect(bad.message.held).toBe(true);
    expect((await t.store.cases.list()).map((c) => c.messageId)).toEqual([bad.message.id]);
  });

  // The training data writes @ for a (`f@ck`, `@ss`): "for @tolu" scored explicit at hold level (QA s16).
  test('reads a mention of a room member without its @: an everyday mention is not held, nor found in the history a minor joins', async () => {
    const t = await testApp();
    const ctx = createChatContext(t.store, t.hub, 'Africa/Lagos');
    const chidi = await person(t.store, 'chidi@unilag.edu.ng', 'Chidi', { dateOfBirth: '2001-01-01' });
    const tolu = await person(t.store, 'tolu@unilag.edu.ng', 'Tolu', { dateOfBirth: '2002-02-02' });
    const kid = await person(t.store, 'kid3@unilag.edu.ng', 'Kid', { dateOfBirth: '2011-01-01' });
    const room = await t.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'CSC201', name: 'Data structures', topic: '', createdBy: null, dmKey: null }, [
      { userId: chidi.id, role: 'member' },
      { userId: tolu.id, role: 'member' },
    ]);
    const mention = 'E3 in CSC201 for @tolu';
    expect(loadModel().classify(mention, { context: 'room', senderRole: 'student' }).hold).toEqual(['explicit']); // what the model alone says
    expect(await modelText(t.store, room.id, mention)).toBe('E3 in CSC201 for tolu');
    expect(await modelText(t.store, room.id, 'nice @ss in class today')).toBe('nice @ss in class today'); // names nobody here
    const before = await sendMessage(ctx, chidi, { roomId: room.id, clientId: cid(), body: mention });
    // A minor joins: the history is screened as it is added.
    await addMembers(ctx, { userId: null, origin: 'cli' }, room.id, [{ userId: kid.id, role: 'member' }]);
    expect((await t.store.messages.byId(room.id, before.message.id))!.held).toBe(false);
    const after = await sendMessage(ctx, chidi, { roomId: room.id, clientId: cid(), body: mention });
    expect(after.message.held).toBe(false);
    expect(await t.store.cases.list()).toEqual([]);
  });
});

describe('file names', () => {
  test('a name is screened as the words it says: separators become spaces, the extension goes', () => {
    expect(fileNameText('send_me-your.NUDES.jpg')).toBe('send me your NUDES');
    expect(fileNameText('Lecture 3 (final) [v2].pdf')).toBe('Lecture 3 final v2');
    expect(fileNameText('README')).toBe('README');
  });

  test('only a real file extension is dropped: any other last part is a word and is screened', () => {
    // ordinary names: known extensions go, whatever their case, also a compound one
    expect(fileNameText('Lecture 3 notes.pdf')).toBe('Lecture 3 notes');
    expect(fileNameText('IMG_2041.JPG')).toBe('IMG 2041');
    expect(fileNameText('report.final.docx')).toBe('report final');
    expect(fileNameText('data.tar.gz')).toBe('data');
    expect(fileNameText('lab2.ipynb')).toBe('lab2');
    expect(fileNameText('voice-note.m4a')).toBe('voice note');
    // a last "extension" that is a word is what the name says
    expect(fileNameText('send_me_your.nudes')).toBe('send me your nudes');
    expect(fileNameText('send_me_your.NUDES')).toBe('send me your NUDES');
    expect(fileNameText('my.sex')).toBe('my sex');
    expect(fileNameText('your.pics')).toBe('your pics');
    expect(fileNameText('send.pics.jpg')).toBe('send pics');
    expect(fileNameText('come_alone.tonight')).toBe('come alone tonight');
    // a name that is only an extension keeps it (nothing else to read)
    expect(fileNameText('pdf')).toBe('pdf');
    expect(fileNameText('notes.zip.001')).toBe('notes zip 001');
  });

  test('the shipped model holds a file whose last word is written as an extension, as it holds the message', async () => {
    const moderation = createModeration('minors'); // the shipped model: "nudes" is what it reads
    const t = await testApp({}, { moderation });
    const ctx = createChatContext(t.store, t.hub, 'Africa/Lagos', { moderation });
    const adult = await person(t.store, 'adult@unilag.edu.ng', 'Adult', { dateOfBirth: '1980-01-01' });
    const kid = await person(t.store, 'kid@unilag.edu.ng', 'Kid', { dateOfBirth: '2012-05-05' });
    const dm = await t.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'dm', code: null, name: 'dm', topic: '', createdBy: adult.id, dmKey: [adult.id, kid.id].sort().join(':') }, [
      { userId: adult.id, role: 'member' },
      { userId: kid.id, role: 'member' },
    ]);
    await t.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'ENG101', name: 'English', topic: '', createdBy: null, dmKey: null }, [
      { userId: adult.id, role: 'member' },
      { userId: kid.id, role: 'member' },
    ]); // a DM with a minor stays open while they share a course
    const upload = async (name: string) => {
      const data = new TextEncoder().encode('x');
      const sha256 = new Bun.CryptoHasher('sha256').update(data).digest('hex');
      const up = await beginUpload(ctx, t.config.files, adult, { room: dm.id, name, size: 1, mime: 'text/plain', sha256 });
      await storeChunk(t.store, up, 0, data, Bun.hash.crc32(data) >>> 0);
      const f = await finishUpload(ctx, adult, up.id);
      return (await t.store.messages.byId(dm.id, f.messageId))!;
    };
    expect((await sendMessage(ctx, adult, { roomId: dm.id, clientId: cid(), body: 'send me your nudes' })).message.held).toBe(true);
    const notes = await upload('Lecture 3 notes.pdf');
    const bad = await upload('send_me_your.nudes');
    expect(notes.held).toBe(false);
    expect(bad.held).toBe(true);
    expect((await t.store.cases.list({ messageId: bad.id }))).toMatchObject([{ severity: 'hold', text: 'send_me_your.nudes', towardsMinor: true }]);
    expect((await historyPage(ctx, kid, dm.id)).messages.map((m) => m.id)).toEqual([notes.id]);
  });

  test('a stored file with a flagged name is held: only its sender sees and downloads it; the case names the file', async () => {
    const moderation = createModeration('minors', () => fakeClassifier);
    const t = await testApp({}, { moderation });
    const ctx = createChatContext(t.store, t.hub, 'Africa/Lagos', { moderation });
    const signedIn = async (email: string, patch: UserPatch) => {
      const { user, loginCode } = await makeUser(t.store, email);
      const client = new Client(t.app, `10.9.0.${email.length}`);
      expect((await client.signIn(email, loginCode)).status).toBe(303);
      return { user: (await t.store.users.update(user.id, { mustSetPassword: false, ...patch }))!, client };
    };
    const adult = await signedIn('adult@unilag.edu.ng', { dateOfBirth: '1980-01-01' });
    const kid = await signedIn('kid@unilag.edu.ng', { dateOfBirth: '2012-05-05' });
    const room = await t.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'BIO101', name: 'Biology', topic: '', createdBy: null, dmKey: null }, [
      { userId: adult.user.id, role: 'member' },
      { userId: kid.user.id, role: 'member' },
    ]);
    const upload = async (name: string) => {
      const data = new TextEncoder().encode(`contents of ${name}`);
      const sha256 = new Bun.CryptoHasher('sha256').update(data).digest('hex');
      const up = await beginUpload(ctx, t.config.files, adult.user, { room: room.id, name, size: data.byteLength, mime: 'text/plain', sha256 });
      await storeChunk(t.store, up, 0, data, Bun.hash.crc32(data) >>> 0);
      return finishUpload(ctx, adult.user, up.id);
    };
    t.hub.log.length = 0;
    const fine = await upload('week-3_notes.txt');
    expect((await t.store.messages.byId(room.id, fine.messageId))!.held).toBe(false);
    expect(t.hub.topicsPublished()).toEqual([topics.room(room.id)]);
    t.hub.log.length = 0;
    const flagged = await upload('HOLDME_for-you.txt');
    expect((await t.store.messages.byId(room.id, flagged.messageId))!.held).toBe(true);
    expect(t.hub.topicsPublished()).toEqual([topics.user(adult.user.id)]);
    expect(t.hub.log[0]!.data).toContain('Held for review');
    expect(await t.store.cases.list()).toMatchObject([{ messageId: flagged.messageId, severity: 'hold', text: 'HOLDME_for-you.txt', towardsMinor: true }]);
    expect((await historyPage(ctx, kid.user, room.id)).messages.map((m) => m.id)).toEqual([fine.messageId]);
    // The minor gets a 404, as for any address that is not theirs; the sender downloads it.
    const url = (f: { file: { id: string; name: string } }) => `/files/${f.file.id}/${encodeURIComponent(f.file.name)}`;
    expect((await kid.client.request(url(flagged))).status).toBe(404);
    expect((await kid.client.request(url(fine))).status).toBe(200);
    const own = await adult.client.request(url(flagged));
    expect(own.status).toBe(200);
    expect(await own.text()).toBe('contents of HOLDME_for-you.txt');
  });
});
