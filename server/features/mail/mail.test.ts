import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Client, ORIGIN, makePerson, signedInClient, testApp, type TestApp } from '../../testing';
import { parseMessage, startSmtpSink, type SmtpSink } from '../../testing/smtp-sink';
import type { HubSocket } from '../../realtime/hub';
import type { User } from '../../store/types';
import { loadConfig } from '../../config';
import { memoryLogger } from '../../log';
import { createNotifier } from '../moderation/notify';
import { createModeration } from '../moderation/screen';
import { fakeClassifier } from '../moderation/test-support';
import { SmtpError } from '../moderation/notify-smtp';
import { createCourseRoom, addMembers, startDm } from '../chat/rooms';
import { createGroup } from '../chat/groups';
import { deleteMessage, sendMessage, markRead } from '../chat/messages';
import { CLI_ACTOR } from '../audit/record';
import { mailPass, mailTiming, ONLINE_MS, RETRY_MS, recordOpenPages, type MailJobDeps } from './job';
import { LocalHub } from '../../realtime/hub';
import { decideCase } from '../moderation/cases';
import { stopToken } from './links';

const ADULT = { dateOfBirth: '1990-05-17' };
const MIN = 60_000;
let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(() => sink.stop());

const mailEnv = (over: Record<string, string> = {}) => ({ SMTP_URL: `smtp://127.0.0.1:${sink.port}?starttls=never`, SMTP_FROM: 'Lets Talk <noreply@unilag.edu.ng>', PUBLIC_URL: 'https://chat.unilag.edu.ng', ...over });

async function setUp(env: Record<string, string> = {}) {
  const t = await testApp(mailEnv(env), { moderation: createModeration('all', () => fakeClassifier) });
  const ada = await makePerson(t.store, `ada.${crypto.randomUUID().slice(0, 8)}@unilag.edu.ng`, 'Ada Obi', 'student', ADULT);
  const bola = await makePerson(t.store, `bola.${crypto.randomUUID().slice(0, 8)}@unilag.edu.ng`, 'Bola Ade', 'student', ADULT);
  // What was sent, decoded: the subject as a first line, then the text.
  const sent: { to: string; message: string }[] = [];
  const deps = (send?: MailJobDeps['send']): MailJobDeps => ({
    store: t.store,
    chat: t.app.chat,
    hub: t.hub,
    smtp: t.config.notify.smtp!,
    config: t.config.missedMail!,
    publicUrl: t.config.publicUrl!,
    key: t.secrets.sessionKey,
    logger: t.logger,
    send,
  });
  const record = deps(async (to, raw) => void sent.push({ to, message: decoded(raw) }));
  return { ...t, ada, bola, deps, record, sent };
}

let n = 0;
const say = (ctx: TestApp['app']['chat'], user: User, roomId: string, body: string) => sendMessage(ctx, user, { roomId, clientId: `mail-test-${++n}-xx`, body });
const decoded = (raw: string) => {
  const m = parseMessage(raw);
  return `Subject: ${m.headers['subject']}\n\n${m.text}`;
};
const later = (minutes: number) => Date.now() + minutes * MIN;

describe('emails about missed messages', () => {
  test('a direct message still unread after 10 minutes, with no tab open, is emailed once; later messages make a new email', async () => {
    const t = await setUp();
    const dm = await startDm(t.app.chat, t.bola, t.ada.id);
    await say(t.app.chat, t.bola, dm.id, 'Are you coming to the lab today?');
    await say(t.app.chat, t.bola, dm.id, 'Bring the = sign notes. Thanks!');
    expect(await mailPass(t.deps(), later(9))).toEqual([]);
    expect(await mailPass(t.deps(), later(11))).toEqual(['sent']);
    const m = await sink.waitFor((x) => x.to.includes(t.ada.email), 5_000);
    expect(m.headers['subject']).toBe('Bola Ade sent you 2 messages');
    expect(m.headers['from']).toBe('"Lets Talk" <noreply@unilag.edu.ng>');
    expect(m.headers['auto-submitted']).toBe('auto-generated');
    expect(m.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    const stop = `https://chat.unilag.edu.ng/email/stop?u=${t.ada.id}&t=${stopToken(t.secrets.sessionKey, t.ada.id)}`;
    expect(m.headers['list-unsubscribe']).toBe(`<${stop}>`);
    expect(m.text).toContain('Hello Ada Obi,');
    expect(m.text).toContain('Bola Ade (direct message): 2 unread messages');
    expect(m.text).toMatch(/\d\d:\d\d {2}Bola Ade: Are you coming to the lab today\?/);
    expect(m.text).toContain('Bola Ade: Bring the = sign notes. Thanks!');
    expect(m.text).toContain(`Read and answer: https://chat.unilag.edu.ng/rooms/${dm.id}`);
    expect(m.text).toContain(`Stop these emails: ${stop}`);
    // Bola wrote them: nothing for him.
    expect(sink.messages.filter((x) => x.to.includes(t.bola.email))).toEqual([]);
    // Taken once: nothing more, however often the job runs.
    expect(await mailPass(t.deps(), later(12))).toEqual([]);
    // A new message: an email about it alone (the first two were emailed about), still unread all three.
    await say(t.app.chat, t.bola, dm.id, 'Never mind, see you tomorrow');
    expect(await mailPass(t.record, later(30))).toEqual(['sent']);
    const second = t.sent[0]!.message;
    expect(second).toContain('Subject: Bola Ade sent you 3 messages');
    expect(second).toContain('Never mind, see you tomorrow');
    expect(second).not.toContain('Are you coming');
  });

  test('read in time, or with a tab open, nothing is emailed, then or later', async () => {
    const t = await setUp();
    const dm = await startDm(t.app.chat, t.bola, t.ada.id);
    const { message } = await say(t.app.chat, t.bola, dm.id, 'Did you see the timetable?');
    await markRead(t.app.chat, t.ada, dm.id, message.seq);
    expect(await mailPass(t.record, later(11))).toEqual(['nothing']);
    // A tab of hers open on this node when it is due: the page showed it.
    await say(t.app.chat, t.bola, dm.id, 'Hello?');
    const tab: HubSocket = { id: 'tab-1', userId: t.ada.id, subscribe() {}, unsubscribe() {}, send() {}, close() {} };
    t.hub.register(tab);
    expect(await mailPass(t.record, later(25))).toEqual(['online']);
    t.hub.unregister(tab);
    // ...or on another node (seen there within ONLINE_MS).
    await say(t.app.chat, t.bola, dm.id, 'Are you there?');
    await t.store.mail.seen([t.ada.id], later(40) - ONLINE_MS + 5_000);
    expect(await mailPass(t.record, later(40))).toEqual(['online']);
    // What she was online for is not emailed when she is gone: only what comes after.
    await say(t.app.chat, t.bola, dm.id, 'OK, talk later');
    expect(await mailPass(t.record, later(60))).toEqual(['sent']);
    expect(t.sent).toHaveLength(1);
    expect(t.sent[0]!.message).toContain('OK, talk later');
    expect(t.sent[0]!.message).not.toContain('Are you there?');
  });

  test('in a course room only mentions are emailed (@class from its lecturer: every member); a group emails every member', async () => {
    const t = await setUp();
    const lecturer = await makePerson(t.store, 'okafor.mail@unilag.edu.ng', 'Dr Okafor', 'lecturer', ADULT);
    const chi = await makePerson(t.store, 'chi.mail@unilag.edu.ng', 'Chi Eze', 'student', ADULT);
    const room = await createCourseRoom(t.app.chat, { ...CLI_ACTOR, user: null }, { code: 'CSC301', name: 'Compilers' });
    await addMembers(t.app.chat, CLI_ACTOR, room.id, [{ userId: lecturer.id, role: 'owner' }, ...[t.ada, t.bola, chi].map((u) => ({ userId: u.id, role: 'member' as const }))]);
    const handle = (u: User) => u.email.split('@')[0];
    await say(t.app.chat, t.bola, room.id, 'Anyone have the slides?');
    await say(t.app.chat, t.bola, room.id, `@${handle(t.ada)} do you have them?`);
    await say(t.app.chat, chi, room.id, '@class let us meet at 4'); // a student's @class is plain text
    expect(await mailPass(t.record, later(11))).toEqual(['sent']);
    expect(t.sent.map((s) => s.to)).toEqual([t.ada.email]);
    expect(t.sent[0]!.message).toContain('Subject: Bola Ade mentioned you in Compilers');
    expect(t.sent[0]!.message).toContain('Compilers: mentioned you');
    expect(t.sent[0]!.message).not.toContain('Anyone have the slides');
    t.sent.length = 0;
    await say(t.app.chat, lecturer, room.id, '@class the test moves to Friday');
    expect((await mailPass(t.record, later(30))).sort()).toEqual(['sent', 'sent', 'sent']);
    expect(t.sent.map((s) => s.to).sort()).toEqual([t.ada.email, t.bola.email, chi.email].sort());
    expect(t.sent.every((s) => s.message.includes('Subject: Dr Okafor mentioned you in Compilers'))).toBe(true);
    t.sent.length = 0;
    const group = await createGroup(t.app.chat, t.ada, { name: 'Lab partners', memberIds: [t.bola.id, chi.id] });
    await say(t.app.chat, t.ada, group.id, 'Lab at 2?');
    expect((await mailPass(t.record, later(50))).sort()).toEqual(['sent', 'sent']);
    expect(t.sent.map((s) => s.to).sort()).toEqual([t.bola.email, chi.email].sort());
    expect(t.sent[0]!.message).toContain('Subject: 1 new message in Lab partners');
  });

  test('several rooms make one email; a held message is never in one; nor anyone suspended or who turned them off', async () => {
    const t = await setUp();
    const chi = await makePerson(t.store, 'chi.mail2@unilag.edu.ng', 'Chi Eze', 'student', ADULT);
    const dm1 = await startDm(t.app.chat, t.bola, t.ada.id);
    const dm2 = await startDm(t.app.chat, chi, t.ada.id);
    await say(t.app.chat, t.bola, dm1.id, 'First');
    await say(t.app.chat, chi, dm2.id, 'Second HOLDME');
    await say(t.app.chat, chi, dm2.id, 'Third');
    expect(await mailPass(t.record, later(11))).toEqual(['sent']);
    const mail = t.sent[0]!.message;
    expect(mail).toContain('Subject: 2 new messages for you in Lets Talk');
    expect(mail).toContain('Chi Eze (direct message): 1 unread message');
    expect(mail).toContain('Bola Ade (direct message): 1 unread message');
    expect(mail).not.toContain('HOLDME');
    // Only a held message: nothing queued at all.
    await say(t.app.chat, chi, dm2.id, 'Again HOLDME');
    expect(await t.store.mail.takeDue(later(100), 10)).toEqual(new Map());
    // Off, or suspended: no email.
    await say(t.app.chat, t.bola, dm1.id, 'Hello again');
    await t.store.mail.setOff(t.ada.id, true);
    expect(await mailPass(t.record, later(120))).toEqual(['off']);
    await t.store.mail.setOff(t.ada.id, false);
    await t.store.users.update(t.ada.id, { status: 'suspended' });
    await say(t.app.chat, t.bola, dm1.id, 'Hello?');
    expect(await mailPass(t.record, later(140))).toEqual(['inactive']);
    expect(t.sent).toHaveLength(1);
  });

  test('MISSED_EMAIL_TEXT=false: who wrote where and how many, never the text', async () => {
    const t = await setUp({ MISSED_EMAIL_TEXT: 'false', MISSED_EMAIL_MINUTES: '2' });
    const dm = await startDm(t.app.chat, t.bola, t.ada.id);
    await say(t.app.chat, t.bola, dm.id, 'my private words');
    expect(await mailPass(t.record, later(1))).toEqual([]);
    expect(await mailPass(t.record, later(3))).toEqual(['sent']);
    expect(t.sent[0]!.message).toContain('Bola Ade: wrote');
    expect(t.sent[0]!.message).not.toContain('private');
    expect(t.sent[0]!.message).toContain('still unread 2 minutes after');
  });

  test('a mail server that says "later", or refuses the sign-in, gets the email again in 5 minutes; one that refuses the address, never', async () => {
    const t = await setUp();
    const dm = await startDm(t.app.chat, t.bola, t.ada.id);
    await say(t.app.chat, t.bola, dm.id, 'Ping');
    const at = later(11);
    expect(await mailPass(t.deps(async () => Promise.reject(new SmtpError('451 try later', false))), at)).toEqual(['failed']);
    expect(await mailPass(t.record, at + RETRY_MS - 1)).toEqual([]);
    expect(await mailPass(t.record, at + RETRY_MS)).toEqual(['sent']);
    expect(t.sent[0]!.message).toContain('Ping');
    // A refused sign-in or sender (5xx, but the server's setup): tried again once it is fixed.
    await say(t.app.chat, t.bola, dm.id, 'Pong');
    expect(await mailPass(t.deps(async () => Promise.reject(new SmtpError('535 authentication failed', true))), later(30))).toEqual(['failed']);
    expect(await mailPass(t.record, later(30) + RETRY_MS)).toEqual(['sent']);
    expect(t.sent[1]!.message).toContain('Pong');
    // The address itself refused at RCPT: logged, never tried again.
    await say(t.app.chat, t.bola, dm.id, 'Anyone?');
    const refused = new SmtpError('no recipient accepted', true, undefined, { refused: [t.ada.email], deferred: [] });
    expect(await mailPass(t.deps(async () => Promise.reject(refused)), later(60))).toEqual(['failed']);
    expect(await mailPass(t.record, later(90))).toEqual([]);
    expect(t.logger.lines.some((l) => l.msg === 'missed-message email not sent' && l.retry === false)).toBe(true);
    expect(t.sent).toHaveLength(2);
  });

  test('a mention in a busy course room is found however many messages follow it; a deleted one, or a room left, is not emailed', async () => {
    const t = await setUp();
    const lecturer = await makePerson(t.store, 'okafor.busy@unilag.edu.ng', 'Dr Okafor', 'lecturer', ADULT);
    const room = await createCourseRoom(t.app.chat, { ...CLI_ACTOR, user: null }, { code: 'CSC302', name: 'Networks' });
    await addMembers(t.app.chat, CLI_ACTOR, room.id, [{ userId: lecturer.id, role: 'owner' }, { userId: t.ada.id, role: 'member' }, { userId: t.bola.id, role: 'member' }]);
    await say(t.app.chat, lecturer, room.id, '@class the test moves to Friday');
    // 40 replies from Bola: more than any fixed window of recent messages.
    for (let i = 0; i < 40; i++) await sendMessage(t.app.chat, t.bola, { roomId: room.id, clientId: `busy-${i}-${crypto.randomUUID().slice(0, 8)}`, body: `ok thanks ${i}` }).catch(async () => {
      // The send budget (10 in 10 s per person and room) is the test's limit, not the feature's: posted by the store.
      await t.store.messages.append({ roomId: room.id, senderId: t.bola.id, clientId: `busy-store-${i}`, kind: 'text', body: `ok thanks ${i}`, mentions: [] });
    });
    expect(await mailPass(t.record, later(11))).toEqual(['sent', 'sent']);
    expect(t.sent.map((x) => x.to).sort()).toEqual([t.ada.email, t.bola.email].sort());
    expect(t.sent.every((x) => x.message.includes('Dr Okafor: @class the test moves to Friday'))).toBe(true);
    t.sent.length = 0;
    // Deleted before it was due: nothing to say.
    const dm = await startDm(t.app.chat, t.bola, t.ada.id);
    const { message } = await say(t.app.chat, t.bola, dm.id, 'oops, wrong person');
    await deleteMessage(t.app.chat, t.bola, { roomId: dm.id, messageId: message.id });
    expect(await mailPass(t.record, later(30))).toEqual(['nothing']);
    // A group she left before it was due: nothing either.
    const group = await createGroup(t.app.chat, t.bola, { name: 'Study group', memberIds: [t.ada.id] });
    await say(t.app.chat, t.bola, group.id, 'see you at 5');
    await t.store.rooms.removeMember(group.id, t.ada.id);
    expect(await mailPass(t.record, later(50))).toEqual(['nothing']);
    expect(t.sent).toEqual([]);
  });

  test('a page open on another node counts: each node records its open pages for the others', async () => {
    const t = await setUp();
    const dm = await startDm(t.app.chat, t.bola, t.ada.id);
    await say(t.app.chat, t.bola, dm.id, 'Are you there?');
    // Node A holds Ada's page; node B (its own hub, the same store) handles her due email.
    const nodeA = new LocalHub(() => null);
    nodeA.register({ id: 'tab-a', userId: t.ada.id, subscribe() {}, unsubscribe() {}, send() {}, close() {} });
    const nodeB = { ...t.deps(async (to, raw) => void t.sent.push({ to, message: decoded(raw) })), hub: new LocalHub(() => null) };
    await recordOpenPages({ hub: nodeA, store: t.store }, later(11) - 10_000);
    expect(await mailPass(nodeB, later(11))).toEqual(['online']);
    // Her page closed on node A long enough ago: emailed.
    await say(t.app.chat, t.bola, dm.id, 'Hello?');
    expect(await mailPass(nodeB, later(30))).toEqual(['sent']);
    expect(t.sent[0]!.message).toContain('Hello?');
    expect(t.sent[0]!.message).not.toContain('Are you there?');
  });

  test('a held message released by an officer is emailed like one just sent', async () => {
    const t = await setUp();
    const officer = await makePerson(t.store, 'officer.mail@unilag.edu.ng', 'Safe Officer', 'lecturer', { ...ADULT, permissions: ['safeguarding'] });
    const dm = await startDm(t.app.chat, t.bola, t.ada.id);
    const { message } = await say(t.app.chat, t.bola, dm.id, 'HOLDME but harmless');
    expect(message.held).toBe(true);
    expect(await mailPass(t.record, later(11))).toEqual([]);
    const [c] = await t.store.cases.list({ messageId: message.id, limit: 1 });
    await decideCase(t.app.chat, { userId: officer.id, origin: '127.0.0.1' }, c!.id, 'release', 'Harmless: a test of the marker.');
    expect(await mailPass(t.record, later(30))).toEqual(['sent']);
    expect(t.sent[0]!.message).toContain('HOLDME but harmless');
  });
});

describe('the setting and the stop link', () => {
  test('Account → Email notifications turns them off and on; the link in an email stops them without signing in, after asking', async () => {
    const t = await setUp();
    const { user, client } = await signedInClient(t, 'dayo.mail@unilag.edu.ng', 'Dayo Ojo');
    let page = await (await client.get('/settings/email')).text();
    expect(page).toContain('Email me about messages I missed');
    expect(page).toContain('still unread 10 minutes after it was sent');
    expect(page).toMatch(/value="on" checked/);
    expect((await client.post('/settings/email', { emails: 'off' })).headers.get('location')).toBe('/settings/email?saved=1');
    expect((await t.store.mail.state(user.id)).off).toBe(true);
    page = await (await client.get('/settings/email?saved=1')).text();
    expect(page).toContain('You will get no more of these emails.');
    expect(page).toMatch(/value="off" checked/);
    expect((await client.post('/settings/email', { emails: 'maybe' })).status).toBe(400);
    expect((await t.store.mail.state(user.id)).off).toBe(true);
    await client.post('/settings/email', { emails: 'on' });
    expect((await t.store.mail.state(user.id)).off).toBe(false);

    // The link an email carries (signed with the server's secret), opened without a session.
    const dm = await startDm(t.app.chat, t.bola, user.id);
    await say(t.app.chat, t.bola, dm.id, 'hi');
    const sent: string[] = [];
    await mailPass(t.deps(async (_to, m) => void sent.push(decoded(m))), later(11));
    const link = /Stop these emails: https:\/\/chat\.unilag\.edu\.ng(\/email\/stop\?\S+)/.exec(sent[0]!)![1]!;
    const anon = new Client(t.app);
    const ask = await anon.get(link);
    expect(ask.status).toBe(200);
    const form = await ask.text();
    expect(form).toContain('Stop the emails about messages you missed in Lets Talk?');
    // Opening the link (a mail scanner does) changes nothing.
    expect((await t.store.mail.state(user.id)).off).toBe(false);
    const action = /action="([^"]+)"/.exec(form)![1]!.replaceAll('&amp;', '&');
    expect(action).toBe(link);
    const done = await anon.post(action, {});
    expect(await done.text()).toContain('You will get no more emails about missed messages.');
    expect((await t.store.mail.state(user.id)).off).toBe(true);
    // RFC 8058 one-click, as a mail provider posts it (no browser headers).
    await t.store.mail.setOff(user.id, false);
    const oneClick = await t.app.handle(new Request(ORIGIN + link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' }));
    expect(oneClick.status).toBe(200);
    expect((await t.store.mail.state(user.id)).off).toBe(true);
    // Another person's id under this token, or a changed token: refused, nothing changed.
    await t.store.mail.setOff(user.id, false);
    const token = new URL(ORIGIN + link).searchParams.get('t')!;
    for (const bad of [`/email/stop?u=${t.ada.id}&t=${token}`, `/email/stop?u=${user.id}&t=${token.slice(0, -2)}xx`, `/email/stop?u=${user.id}&t=`]) {
      const r = await anon.post(bad, {});
      expect(r.status).toBe(404);
      expect(await r.text()).toContain('This link is not valid.');
    }
    expect((await t.store.mail.state(user.id)).off).toBe(false);
    expect((await t.store.mail.state(t.ada.id)).off).toBe(false);
    // The menu links to the setting.
    expect(await (await client.get('/')).text()).toContain('<a href="/settings/email">Email notifications</a>');
  });

  test('a server without mail says so on the setting page', async () => {
    const t = await testApp();
    const { client } = await signedInClient(t, 'eke.mail@unilag.edu.ng', 'Eke Nwosu');
    expect(await (await client.get('/settings/email')).text()).toContain('does not send emails about messages');
  });
});

test('config: the mail server without officer addresses serves people only; without PUBLIC_URL or at 0 minutes, no emails', async () => {
  const cfg = loadConfig(mailEnv());
  expect(cfg.notify.smtp?.to).toEqual([]);
  expect(cfg.missedMail).toEqual({ afterMs: 10 * MIN, withText: true });
  const logger = memoryLogger();
  createNotifier(cfg.notify, logger);
  expect(logger.lines.some((l) => String(l.msg).startsWith('safeguarding officers will not be notified'))).toBe(true);
  // With officers to notify, the mail server serves them alone without PUBLIC_URL or at 0 minutes.
  const officers = { SAFEGUARDING_EMAILS: 'officer@unilag.edu.ng' };
  expect(loadConfig(mailEnv({ ...officers, PUBLIC_URL: '' })).missedMail).toBeNull();
  expect(loadConfig(mailEnv({ ...officers, MISSED_EMAIL_MINUTES: '0' })).missedMail).toBeNull();
  // Without them, a mail server that would serve nobody is refused (a forgotten variable).
  for (const env of [{ PUBLIC_URL: '' }, { MISSED_EMAIL_MINUTES: '0' }] as Record<string, string>[]) expect(() => loadConfig(mailEnv(env))).toThrow('SMTP_URL is set but nothing would be emailed');
  expect(loadConfig({ PUBLIC_URL: 'https://x.test' }).missedMail).toBeNull();
  for (const bad of ['1441', '0.01', '-1', '5m', '1e3']) expect(() => loadConfig(mailEnv({ MISSED_EMAIL_MINUTES: bad }))).toThrow(/MISSED_EMAIL_MINUTES must be 0 \(off\) or a number of minutes from 0.05 to 1440/);
  expect(loadConfig(mailEnv({ MISSED_EMAIL_MINUTES: '0.5' })).missedMail?.afterMs).toBe(30_000);
  expect(mailTiming(10 * MIN)).toEqual({ everyMs: 30_000, onlineMs: 75_000 });
  expect(mailTiming(6_000)).toEqual({ everyMs: 1_500, onlineMs: 3_750 });
  expect(() => loadConfig(mailEnv({ MISSED_EMAIL_TEXT: 'perhaps' }))).toThrow(/MISSED_EMAIL_TEXT must be true or false/);
});
