import { describe, expect, test } from 'bun:test';
import { expectAppError, makePerson, testApp } from '../../testing';
import { topics } from '../../realtime/topics';
import type { HubSocket, RecordingHub } from '../../realtime/hub';
import type { Room, User } from '../../store/types';
import { CLI_ACTOR } from '../audit/record';
import { createChatContext, type ChatContext } from './context';
import { createModeration } from '../moderation/screen';
import { fakeClassifier } from '../moderation/test-support';
import { deleteMessage, sendMessage } from './messages';
import { MAX_GROUP_MEMBERS } from './policy';
import { postingSlot } from '../moderation/posting-banner';
import { REFUSALS } from '../moderation/restrictions';
import { createGroup } from './groups';
import { archiveRoom, addMembers, COURSE_CODE_RE, createCourseRoom, findPeople, normaliseCourseCode, removeMember, roomTitle, startDm, summaries } from './rooms';

/** A HubSocket that records what the hub does to it. */
class FakeSocket implements HubSocket {
  static n = 0;
  readonly id = `sock-${++FakeSocket.n}`;
  readonly subs = new Set<string>();
  readonly calls: string[] = [];
  readonly closed: { code: number; reason: string }[] = [];
  constructor(readonly userId: string) {}
  subscribe(t: string) {
    this.subs.add(t);
    this.calls.push(`+${t}`);
  }
  unsubscribe(t: string) {
    this.subs.delete(t);
    this.calls.push(`-${t}`);
  }
  send() {}
  close(code: number, reason: string) {
    this.closed.push({ code, reason });
  }
}

const person = makePerson;


const ADULT_DOB = '1990-05-17';
/** Twelve years old whenever the test runs. */
const MINOR_DOB = `${new Date().getUTCFullYear() - 12}-01-01`;

async function setUp() {
  const t = await testApp();
  const { store } = t;
  const hub: RecordingHub = t.hub;
  const ctx: ChatContext = createChatContext(store, hub, 'Africa/Lagos');
  const lecturer = await person(store, 'okafor@unilag.edu.ng', 'Dr Okafor', 'lecturer', { dateOfBirth: '1975-03-02' });
  const admin = await person(store, 'admin@unilag.edu.ng', 'Site Admin', 'admin');
  const ada = await person(store, 'ada@unilag.edu.ng', 'Ada Obi', 'student', { dateOfBirth: ADULT_DOB });
  const bola = await person(store, 'bola@unilag.edu.ng', 'Bola Ade', 'student', { dateOfBirth: ADULT_DOB });
  const minor = await person(store, 'tobi@unilag.edu.ng', 'Tobi Young', 'student', { dateOfBirth: MINOR_DOB });
  return { store, hub, ctx, lecturer, admin, ada, bola, minor };
}

const lecturerActor = (u: User) => ({ userId: u.id, origin: '127.0.0.1', user: u });

function sockets(hub: RecordingHub, ...users: User[]) {
  const out = users.map((u) => new FakeSocket(u.id));
  for (const s of out) hub.register(s);
  return out;
}

async function course(ctx: ChatContext, code: string, members: User[], owner?: User): Promise<Room> {
  const room = await ctx.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code, name: `${code} room`, topic: '', createdBy: owner?.id ?? null, dmKey: null }, [
    ...(owner ? [{ userId: owner.id, role: 'owner' as const }] : []),
    ...members.map((m) => ({ userId: m.id, role: 'member' as const })),
  ]);
  return room;
}

describe('course codes', () => {
  test('normaliseCourseCode upper-cases, trims, and removes the space between letters and digits', () => {
    expect(normaliseCourseCode('csc101')).toBe('CSC101');
    expect(normaliseCourseCode('  csc 101 ')).toBe('CSC101');
    expect(normaliseCourseCode('gst   111')).toBe('GST111');
    expect(normaliseCourseCode('Mee 2104a')).toBe('MEE2104A');
  });

  test('COURSE_CODE_RE accepts codes like CSC101 or GST 111 and refuses others', () => {
    for (const ok of ['CSC101', 'GST 111', 'MEE2104A', 'AB123']) expect(COURSE_CODE_RE.test(ok)).toBe(true);
    for (const bad of ['C101', 'CSCABC101', 'CSC10', 'CSC12345', 'csc101', 'CSC-101', 'CSC 101 ', '<b>101']) expect(COURSE_CODE_RE.test(bad)).toBe(false);
  });
});

describe('createCourseRoom', () => {
  test('a lecturer creates a room: they own it, an audit entry is written, and their sockets learn about it', async () => {
    const { ctx, hub, store, lecturer, ada } = await setUp();
    const [ls] = sockets(hub, lecturer);
    const [as] = sockets(hub, ada);
    const room = await createCourseRoom(ctx, lecturerActor(lecturer), { code: ' csc 101 ', name: '  Intro to Computing ', topic: ' Weeks 1-12 ' });
    expect(room).toMatchObject({ kind: 'course', code: 'CSC101', name: 'Intro to Computing', topic: 'Weeks 1-12', createdBy: lecturer.id, archived: false, dmKey: null });
    expect(await store.rooms.members(room.id)).toEqual([expect.objectContaining({ userId: lecturer.id, role: 'owner' })]);

    const audit = await store.audit.list({ action: 'room.create' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: lecturer.id, target: room.id, origin: '127.0.0.1', details: { code: 'CSC101', name: 'Intro to Computing' } });

    expect(ls!.subs.has(topics.room(room.id))).toBe(true);
    expect(as!.subs.has(topics.room(room.id))).toBe(false);
    expect(hub.topicsPublished()).toEqual([topics.user(lecturer.id)]);
    const data = hub.log[0]!.data;
    expect(data.startsWith('<hx-partial hx-target="#room-list" hx-swap="afterbegin"><li id="rl-')).toBe(true);
    expect(data).toContain('CSC101 · Intro to Computing');
  });

  test('an administrator may create one; a student may not (forbidden, nothing written)', async () => {
    const { ctx, hub, store, admin, ada } = await setUp();
    const e = await expectAppError(createCourseRoom(ctx, lecturerActor(ada), { code: 'CSC102', name: 'Nope' }));
    expect(e.kind).toBe('forbidden');
    expect(await store.rooms.listCourses()).toEqual([]);
    expect(await store.audit.list({ action: 'room.create' })).toEqual([]);
    expect(hub.log).toEqual([]);
    expect((await createCourseRoom(ctx, lecturerActor(admin), { code: 'CSC102', name: 'Admin made' })).code).toBe('CSC102');
  });

  test('a blocked lecturer may not create one (it would claim a course code to post in); restricted, she may', async () => {
    const { ctx, store, lecturer } = await setUp();
    const block = await store.sanctions.create({ kind: 'block', userId: lecturer.id, roomId: null, caseIds: [], clause: 'SG-1', reason: 'test', evidence: '', actorId: null, deadline: Date.now() + 1e9 });
    const e = await expectAppError(createCourseRoom(ctx, lecturerActor(lecturer), { code: 'CSC999', name: 'Extra tutorials' }));
    expect(e.kind).toBe('forbidden');
    expect(e.message).toContain('Your account is blocked');
    expect(await store.rooms.byCode('CSC999')).toBeNull();
    await store.sanctions.transition(block.id, ['active'], { status: 'lifted', decidedAt: Date.now() });
    await store.sanctions.create({ kind: 'restriction', userId: lecturer.id, roomId: null, caseIds: [], clause: 'SG-1', reason: 'test', evidence: '', actorId: null, deadline: Date.now() + 1e9 });
    expect((await createCourseRoom(ctx, lecturerActor(lecturer), { code: 'CSC999', name: 'Extra tutorials' })).code).toBe('CSC999');
  });

  test('the CLI (no user) creates a room with no members and publishes nothing', async () => {
    const { ctx, hub, store } = await setUp();
    const room = await createCourseRoom(ctx, { ...CLI_ACTOR, user: null }, { code: 'GST 111', name: 'Use of English' });
    expect(room.code).toBe('GST111');
    expect(room.createdBy).toBeNull();
    expect(await store.rooms.members(room.id)).toEqual([]);
    expect(hub.log).toEqual([]);
    expect((await store.audit.list({ action: 'room.create' }))[0]).toMatchObject({ actorId: null, origin: 'cli', target: room.id });
  });

  test('bad codes and names are refused with a clear message', async () => {
    const { ctx, store, lecturer } = await setUp();
    const a = lecturerActor(lecturer);
    const e = await expectAppError(createCourseRoom(ctx, a, { code: 'computing', name: 'X' }));
    expect(e.kind).toBe('bad_request');
    expect(e.message).toBe('Course code "computing" should look like CSC101 or GST 111.');
    expect((await expectAppError(createCourseRoom(ctx, a, { code: 'CSC101', name: '   ' }))).kind).toBe('bad_request');
    expect((await expectAppError(createCourseRoom(ctx, a, { code: 'CSC101', name: 'x'.repeat(101) }))).kind).toBe('bad_request');
    expect(await store.rooms.listCourses()).toEqual([]);
  });

  test('a duplicate code is a conflict, whatever its case or spacing', async () => {
    const { ctx, store, lecturer, admin } = await setUp();
    await createCourseRoom(ctx, lecturerActor(lecturer), { code: 'CSC101', name: 'First' });
    for (const code of ['CSC101', 'csc101', 'Csc 101', ' CSC  101']) {
      const e = await expectAppError(createCourseRoom(ctx, lecturerActor(admin), { code, name: 'Second' }));
      expect(e.kind).toBe('conflict');
      expect(e.message).toBe("A room with code CSC101 already exists. To start a new session's room with this code, archive the old one first.");
    }
    expect(await store.rooms.listCourses()).toHaveLength(1);
    expect(await store.audit.list({ action: 'room.create' })).toHaveLength(1);
  });

  test("next session: once the old room is archived its code makes a new room; the old one cannot be restored over it", async () => {
    const { ctx, store, lecturer, admin } = await setUp();
    const past = await createCourseRoom(ctx, lecturerActor(lecturer), { code: 'HED204', name: 'Health Education 2025/26' });
    await archiveRoom(ctx, lecturerActor(admin), past.id, true);
    const next = await createCourseRoom(ctx, lecturerActor(lecturer), { code: 'hed 204', name: 'Health Education 2026/27' });
    expect(next.code).toBe('HED204');
    expect((await store.rooms.byId(past.id))?.code).toBe('HED204');
    const e = await expectAppError(archiveRoom(ctx, lecturerActor(admin), past.id, false));
    expect(e.kind).toBe('conflict');
    expect(e.message).toBe('Another room now uses the code HED204: archive that one before restoring this one.');
    expect((await store.rooms.byId(past.id))?.archived).toBe(true);
    expect(await store.audit.list({ action: 'room.unarchive' })).toHaveLength(0);
  });
});

describe('addMembers and removeMember', () => {
  test("addMembers subscribes only the added users' sockets and tells only them", async () => {
    const { ctx, hub, store, lecturer, ada, bola, minor } = await setUp();
    const room = await course(ctx, 'CSC101', [bola], lecturer);
    const [ls, as1, as2, bs, ms] = sockets(hub, lecturer, ada, ada, bola, minor);
    const added = await addMembers(ctx, CLI_ACTOR, room.id, [
      { userId: ada.id, role: 'moderator' },
      { userId: bola.id, role: 'owner' }, // already a member: keeps their role
    ]);
    expect(added).toEqual([ada.id]);
    expect((await store.rooms.membership(room.id, ada.id))!.role).toBe('moderator');
    expect((await store.rooms.membership(room.id, bola.id))!.role).toBe('member');

    const rt = topics.room(room.id);
    expect(as1!.calls).toEqual([`+${topics.user(ada.id)}`, `+${rt}`]);
    expect(as2!.calls).toEqual([`+${topics.user(ada.id)}`, `+${rt}`]);
    for (const s of [ls, bs, ms]) expect(s!.subs.has(rt)).toBe(false);

    expect(hub.topicsPublished()).toEqual([topics.user(ada.id), topics.user(ada.id)]);
    expect(hub.log[0]!.data).toContain(`<hx-partial hx-target="#room-list" hx-swap="afterbegin"><li id="rl-${room.id}"`);
    // A page of the room she had open (removed earlier) drops its "You were removed" line, and its
    // call bar asks for the call's state again (removal hid its buttons).
    expect(hub.log[1]!.data).toBe(
      `<hx-partial hx-target="#posting-${room.id}" hx-swap="innerHTML"></hx-partial><hx-partial hx-target="#call-status-${room.id}" hx-swap="outerHTML"><span class="call-status" id="call-status-${room.id}" data-active="false" data-closed="true" hx-get="/rooms/${room.id}/call/status" hx-trigger="load" hx-swap="outerHTML"></span></hx-partial>`,
    );
    expect(hub.log).toHaveLength(2);
    expect((await store.audit.list({ action: 'room.add_members' }))[0]).toMatchObject({ target: room.id, details: { count: 1, userIds: [ada.id] }, origin: 'cli' });
  });

  test('adding nobody new publishes nothing and writes no audit entry; an unknown room is not_found', async () => {
    const { ctx, hub, store, lecturer } = await setUp();
    const room = await course(ctx, 'CSC101', [], lecturer);
    expect(await addMembers(ctx, CLI_ACTOR, room.id, [{ userId: lecturer.id, role: 'member' }])).toEqual([]);
    expect(hub.log).toEqual([]);
    expect(await store.audit.list({ action: 'room.add_members' })).toEqual([]);
    expect((await expectAppError(addMembers(ctx, CLI_ACTOR, 'no-such-room', [{ userId: lecturer.id, role: 'member' }]))).kind).toBe('not_found');
  });

  test("removeMember unsubscribes that user's sockets and removes the entry from their room list only", async () => {
    const { ctx, hub, store, lecturer, ada, bola } = await setUp();
    const room = await course(ctx, 'CSC101', [ada, bola], lecturer);
    const [as, bs] = sockets(hub, ada, bola);
    hub.subscribeUser(ada.id, topics.room(room.id));
    hub.subscribeUser(bola.id, topics.room(room.id));
    hub.log.length = 0;

    expect(await removeMember(ctx, { userId: lecturer.id, origin: '127.0.0.1' }, room.id, ada.id)).toBe(true);
    expect(as!.subs.has(topics.room(room.id))).toBe(false);
    expect(bs!.subs.has(topics.room(room.id))).toBe(true);
    expect(hub.log).toEqual([
      { topic: topics.user(ada.id), data: `<hx-partial hx-target="#rl-${room.id}" hx-swap="outerHTML"></hx-partial>` },
      // Her page of that room, if open, says why nothing more arrives and her messages are refused,
      // and its call bar loses its buttons.
      {
        topic: topics.user(ada.id),
        data: `<hx-partial hx-target="#posting-${room.id}" hx-swap="innerHTML"><p class="alert banner" role="status">You were removed from this room: new messages no longer reach you here, and you cannot post.</p></hx-partial><hx-partial hx-target="#call-status-${room.id}" hx-swap="outerHTML"><span class="call-status" id="call-status-${room.id}" data-active="false" data-closed="true"></span></hx-partial>`,
      },
    ]);
    expect(await store.rooms.membership(room.id, ada.id)).toBeNull();
    expect((await store.audit.list({ action: 'room.remove_member' }))[0]).toMatchObject({ target: room.id, details: { userId: ada.id }, actorId: lecturer.id });

    // Ada can no longer post there.
    expect((await expectAppError(sendMessage(ctx, ada, { roomId: room.id, clientId: 'after-removal', body: 'hi' }))).kind).toBe('not_found');

    hub.log.length = 0;
    expect(await removeMember(ctx, CLI_ACTOR, room.id, ada.id)).toBe(false);
    expect(hub.log).toEqual([]);
  });
});

describe('startDm', () => {
  test('opens one conversation; calling again, or by the other person, returns the same room', async () => {
    const { ctx, hub, store, ada, bola, lecturer } = await setUp();
    const [as, bs, ls] = sockets(hub, ada, bola, lecturer);
    const room = await startDm(ctx, ada, bola.id);
    expect(room).toMatchObject({ kind: 'dm', code: null, dmKey: [ada.id, bola.id].sort().join(':') });
    expect((await store.rooms.members(room.id)).map((m) => [m.userId, m.role]).sort()).toEqual(
      [
        [ada.id, 'member'],
        [bola.id, 'member'],
      ].sort(),
    );
    expect(as!.subs.has(topics.room(room.id))).toBe(true);
    expect(bs!.subs.has(topics.room(room.id))).toBe(true);
    expect(ls!.subs.has(topics.room(room.id))).toBe(false);
    expect([...hub.topicsPublished()].sort()).toEqual([topics.user(ada.id), topics.user(bola.id)].sort());
    // Each side's room-list entry is named after the other person.
    const byTopic = new Map(hub.log.map((e) => [e.topic, e.data]));
    expect(byTopic.get(topics.user(ada.id))).toContain('<span class="name">Bola Ade</span>');
    expect(byTopic.get(topics.user(bola.id))).toContain('<span class="name">Ada Obi</span>');

    hub.log.length = 0;
    expect((await startDm(ctx, ada, bola.id)).id).toBe(room.id);
    expect((await startDm(ctx, bola, ada.id)).id).toBe(room.id);
    expect(hub.log).toEqual([]);
    expect((await store.rooms.listForUser(ada.id)).filter((x) => x.room.kind === 'dm')).toHaveLength(1);
  });

  test('nobody starts a conversation with themselves, with an unknown id, or with an inactive account', async () => {
    const { ctx, store, ada, bola } = await setUp();
    const self = await expectAppError(startDm(ctx, ada, ada.id));
    expect(self.kind).toBe('forbidden');
    expect(self.message).toBe('You cannot start a conversation with yourself.');
    expect((await expectAppError(startDm(ctx, ada, 'no-such-user'))).kind).toBe('not_found');
    await store.users.update(bola.id, { status: 'disabled' });
    const off = await expectAppError(startDm(ctx, ada, bola.id));
    expect(off.kind).toBe('forbidden');
    expect(off.message).toBe('This account is not active.');
    expect(await store.rooms.listForUser(ada.id)).toEqual([]);
  });

  test('a minor may message staff, but not an adult student without a shared course', async () => {
    const { ctx, store, minor, lecturer, admin, ada } = await setUp();
    expect((await startDm(ctx, minor, lecturer.id)).kind).toBe('dm');
    expect((await startDm(ctx, minor, admin.id)).kind).toBe('dm');
    const e = await expectAppError(startDm(ctx, minor, ada.id));
    expect(e.kind).toBe('forbidden');
    expect(e.message).toBe('You can message staff, and students who share a course with you.');
    expect(await store.rooms.byDmKey([minor.id, ada.id].sort().join(':'))).toBeNull();
  });

  test('an adult (student or lecturer) may message a minor only when they share a course room', async () => {
    const { ctx, minor, lecturer, ada, bola } = await setUp();
    for (const adult of [ada, lecturer]) {
      const e = await expectAppError(startDm(ctx, adult, minor.id));
      expect(e.kind).toBe('forbidden');
      expect(e.message).toBe('You cannot start a conversation with this person.');
    }
    // Sharing a group or a DM is not sharing a course.
    await createGroup(ctx, minor, { name: 'Study group', memberIds: [lecturer.id] });
    expect((await expectAppError(startDm(ctx, lecturer, minor.id))).kind).toBe('forbidden');

    await course(ctx, 'CSC101', [minor, ada, lecturer]);
    expect((await startDm(ctx, ada, minor.id)).kind).toBe('dm');
    expect((await startDm(ctx, lecturer, minor.id)).kind).toBe('dm');
    // …and the minor may message a student they share a course with.
    expect((await startDm(ctx, minor, ada.id)).kind).toBe('dm'); // the same room as above
    expect((await expectAppError(startDm(ctx, minor, bola.id))).kind).toBe('forbidden');
  });

  test('an administrator may message a minor without a shared course', async () => {
    const { ctx, admin, minor } = await setUp();
    expect((await startDm(ctx, admin, minor.id)).kind).toBe('dm');
  });

  test("the administrator's minor flag overrides the date of birth, both ways", async () => {
    const { ctx, store, ada, bola, minor } = await setUp();
    // An adult by date of birth marked as a minor is protected as a minor.
    await store.users.update(bola.id, { minorOverride: true });
    const flagged = (await store.users.byId(bola.id))!;
    expect((await expectAppError(startDm(ctx, ada, flagged.id))).kind).toBe('forbidden');
    expect((await expectAppError(startDm(ctx, flagged, ada.id))).kind).toBe('forbidden');
    // A minor by date of birth marked as an adult is treated as one.
    await store.users.update(minor.id, { minorOverride: false });
    expect((await startDm(ctx, ada, minor.id)).kind).toBe('dm');
  });

  test('an existing conversation stays usable after the rules would refuse a new one', async () => {
    const { ctx, store, ada, minor } = await setUp();
    const shared = await course(ctx, 'CSC101', [ada, minor]);
    const room = await startDm(ctx, ada, minor.id);
    await store.rooms.removeMember(shared.id, ada.id);
    expect((await startDm(ctx, ada, minor.id)).id).toBe(room.id);
  });
});

describe('conversations with a minor after the shared course ends', () => {
  test('an adult student and a minor: read-only for both once they share no course; a minor and a lecturer: still open (a minor may always reach staff)', async () => {
    const { ctx, store, ada, lecturer, minor } = await setUp();
    const csc = await course(ctx, 'CSC100', [ada, minor, lecturer]);
    const dm = await startDm(ctx, ada, minor.id);
    const withLecturer = await startDm(ctx, lecturer, minor.id);
    const say = (u: User, roomId: string) => sendMessage(ctx, u, { roomId, clientId: `c-${Bun.randomUUIDv7()}`, body: 'hello' });
    expect((await say(ada, dm.id)).created).toBe(true);
    await removeMember(ctx, CLI_ACTOR, csc.id, ada.id);
    await removeMember(ctx, CLI_ACTOR, csc.id, lecturer.id);
    for (const u of [ada, minor]) {
      const e = await expectAppError(say(u, dm.id));
      expect([e.kind, e.message]).toEqual(['forbidden', 'This conversation is read-only for you: you no longer share a course with someone in it, and one of you is under 18.']);
    }
    expect((await store.messages.history(dm.id, { limit: 10 })).length).toBe(1); // still readable
    expect((await postingSlot(store, ada, dm.id)).frozen).toBe(REFUSALS.noCourse); // the line on the room page
    // Deleting one's own words is still allowed (a minor her phone number).
    const [mine] = await store.messages.history(dm.id, { limit: 1 });
    expect((await deleteMessage(ctx, ada, { roomId: dm.id, messageId: mine!.id })).deletedAt).not.toBeNull();
    expect((await postingSlot(store, minor, withLecturer.id)).frozen).toBeNull();
    expect((await say(lecturer, withLecturer.id)).created).toBe(true);
    expect((await say(minor, withLecturer.id)).created).toBe(true);
    // Sharing a course again reopens it.
    await course(ctx, 'CSC200', [ada, minor]);
    expect((await say(ada, dm.id)).created).toBe(true);
  });
});

describe('createGroup', () => {
  test('the creator owns the group, the others are members, and each of them is told', async () => {
    const { ctx, hub, store, ada, bola, lecturer, admin } = await setUp();
    const [as, bs, ls, ads] = sockets(hub, ada, bola, lecturer, admin);
    const room = await createGroup(ctx, ada, { name: ' Project team ', memberIds: [bola.id, lecturer.id, bola.id, ada.id] });
    expect(room).toMatchObject({ kind: 'group', name: 'Project team', code: null, createdBy: ada.id });
    const roles = Object.fromEntries((await store.rooms.members(room.id)).map((m) => [m.userId, m.role]));
    expect(roles).toEqual({ [ada.id]: 'owner', [bola.id]: 'member', [lecturer.id]: 'member' });
    for (const s of [as, bs, ls]) expect(s!.subs.has(topics.room(room.id))).toBe(true);
    expect(ads!.subs.has(topics.room(room.id))).toBe(false);
    expect([...hub.topicsPublished()].sort()).toEqual([ada.id, bola.id, lecturer.id].map(topics.user).sort());
  });

  test('the name is screened like a message, whoever is in the group: a name at a hold threshold is refused and audited', async () => {
    const { store, hub, ada, bola, minor } = await setUp();
    const ctx = createChatContext(store, hub, 'Africa/Lagos', { moderation: createModeration('minors', () => fakeClassifier) });
    await course(ctx, 'CSC100', [ada, minor]);
    const e = await expectAppError(createGroup(ctx, ada, { name: 'HOLDME our secret', memberIds: [minor.id] }));
    expect([e.kind, e.message]).toEqual(['bad_request', 'This name cannot be used for a group: choose another.']);
    expect((await store.rooms.listForUser(minor.id)).map((r) => r.room.kind)).toEqual(['course']);
    const [entry] = await store.audit.list({ action: 'moderation.name_refused' });
    expect(entry).toMatchObject({ actorId: null, origin: 'system', target: ada.id, details: { kind: 'group', labels: ['grooming_signal'] } });
    expect(JSON.stringify(entry)).not.toContain('our secret');
    // refused among adults too (minors may be added later; refusing only where one is would tell who is)
    await expect(createGroup(ctx, ada, { name: 'HOLDME our secret', memberIds: [bola.id] })).rejects.toThrow('This name cannot be used for a group');
    // a name the model does not hold is fine
    expect((await createGroup(ctx, ada, { name: 'REVIEWME study', memberIds: [minor.id] })).name).toBe('REVIEWME study');
    // A lecturer's course room name and topic are screened too (minors are added to course rooms later).
    const lecturer = await person(store, 'lect2@unilag.edu.ng', 'Dr Two', 'lecturer');
    const asLecturer = { userId: lecturer.id, origin: '127.0.0.1', user: lecturer };
    await expect(createCourseRoom(ctx, asLecturer, { code: 'BIO301', name: 'Biology', topic: 'HOLDME our secret' })).rejects.toThrow('This name cannot be used for a room');
    expect(await store.rooms.byCode('BIO301')).toBeNull();
    expect((await createCourseRoom(ctx, asLecturer, { code: 'BIO302', name: 'Biology', topic: 'Cells' })).code).toBe('BIO302');
  });

  test('checks the rules for every member: one refused member means no group', async () => {
    const { ctx, hub, store, ada, bola, minor } = await setUp();
    const e = await expectAppError(createGroup(ctx, ada, { name: 'Mixed', memberIds: [bola.id, minor.id] }));
    expect(e.kind).toBe('forbidden');
    expect(e.message).toBe('You cannot start a conversation with this person.');
    expect(await store.rooms.listForUser(ada.id)).toEqual([]);
    expect(await store.rooms.listForUser(bola.id)).toEqual([]);
    expect(hub.log).toEqual([]);
    expect((await expectAppError(createGroup(ctx, ada, { name: 'Ghost', memberIds: [bola.id, 'no-such-user'] }))).kind).toBe('not_found');
    expect(await store.rooms.listForUser(bola.id)).toEqual([]);
  });

  test('the members must be allowed to meet each other, not only the creator: a course-mate cannot introduce a minor to an adult who shares nothing with her', async () => {
    const { ctx, hub, store, ada, bola, lecturer, minor } = await setUp();
    await course(ctx, 'CSC100', [ada, minor]); // Ada shares a course with the minor; Bola and the lecturer do not
    const e = await expectAppError(createGroup(ctx, ada, { name: 'Study group', memberIds: [minor.id, bola.id] }));
    expect([e.kind, e.message]).toEqual(['forbidden', 'Some of these people cannot be in a group together. A group can bring together only people who may message each other.']);
    // A minor and a lecturer may be in one (she may always message staff), as in a DM.
    expect((await store.rooms.listForUser(minor.id)).map((r) => r.room.kind)).toEqual(['course']);
    // Once they share a course, they may; an adult-only group needs no course at all.
    await course(ctx, 'CSC200', [bola, minor]);
    expect((await createGroup(ctx, ada, { name: 'Study group', memberIds: [minor.id, bola.id] })).kind).toBe('group');
    expect((await createGroup(ctx, ada, { name: 'Adults', memberIds: [bola.id, lecturer.id] })).kind).toBe('group');
    expect((await createGroup(ctx, ada, { name: 'Ask the lecturer', memberIds: [minor.id, lecturer.id] })).kind).toBe('group');
    // A member barred from contact with minors (a restriction) is not put in with one by someone else.
    await store.sanctions.create({ kind: 'restriction', userId: bola.id, roomId: null, caseIds: [], clause: 'SG-1', reason: 'test', evidence: '', actorId: null, deadline: Date.now() + 1e9 });
    hub.log.length = 0;
    expect((await expectAppError(createGroup(ctx, ada, { name: 'Study group 2', memberIds: [minor.id, bola.id] }))).kind).toBe('forbidden');
    expect(hub.log).toEqual([]);
  });

  test('name and size limits', async () => {
    const { ctx, store, ada, bola } = await setUp();
    expect((await expectAppError(createGroup(ctx, ada, { name: ' ', memberIds: [bola.id] }))).kind).toBe('bad_request');
    expect((await expectAppError(createGroup(ctx, ada, { name: 'x'.repeat(101), memberIds: [bola.id] }))).kind).toBe('bad_request');
    const alone = await expectAppError(createGroup(ctx, ada, { name: 'Just me', memberIds: [ada.id] }));
    expect(alone.kind).toBe('bad_request');
    expect(alone.message).toBe('Add at least one other person.');

    const others: User[] = [];
    for (let i = 0; i < MAX_GROUP_MEMBERS; i++) others.push(await person(store, `peer${i}@unilag.edu.ng`, `Peer ${i}`, 'student', { dateOfBirth: ADULT_DOB }));
    const big = await expectAppError(createGroup(ctx, ada, { name: 'Too big', memberIds: others.map((o) => o.id) }));
    expect(big.kind).toBe('bad_request');
    expect(big.message).toBe(`Groups can have at most ${MAX_GROUP_MEMBERS} people.`);
    const full = await createGroup(ctx, ada, { name: 'Full', memberIds: others.slice(1).map((o) => o.id) });
    expect(await store.rooms.members(full.id)).toHaveLength(MAX_GROUP_MEMBERS);
  });
});

describe('findPeople', () => {
  test('a minor is offered only people she may message; an adult, every active person (the conversation decides)', async () => {
    const { ctx, store, ada, bola, minor, lecturer, admin } = await setUp();
    const gone = await person(store, 'gone@unilag.edu.ng', 'Gone Student', 'student', { status: 'disabled' });
    const names = async (u: User, q: string) => (await findPeople(ctx, u, q)).map((p) => p.name).sort();

    // The adult student sees every active person but herself, the minor too: leaving her out would
    // say she is under 18. Not the disabled account.
    expect(await names(ada, 'unilag')).toEqual(['Bola Ade', 'Dr Okafor', 'Site Admin', 'Tobi Young']);
    // Offered, but the conversation is refused (and audited under her: groups.test.ts).
    expect((await expectAppError(startDm(ctx, ada, minor.id))).message).toBe('You cannot start a conversation with this person.');
    // The minor sees staff only…
    expect(await names(minor, 'unilag')).toEqual(['Dr Okafor', 'Site Admin']);
    // …until they share a course with a student.
    await course(ctx, 'CSC101', [minor, bola]);
    expect(await names(minor, 'unilag')).toEqual(['Bola Ade', 'Dr Okafor', 'Site Admin']);
    expect(await names(bola, 'unilag')).toEqual(['Ada Obi', 'Dr Okafor', 'Site Admin', 'Tobi Young']);
    // The administrator sees everyone active.
    expect(await names(admin, 'unilag')).toEqual(['Ada Obi', 'Bola Ade', 'Dr Okafor', 'Tobi Young']);
    expect(await names(lecturer, 'tobi')).toEqual(['Tobi Young']);
    expect(gone.status).toBe('disabled');

    // Matching is by name or email; short queries find nothing.
    expect(await names(ada, 'okaf')).toEqual(['Dr Okafor']);
    expect(await names(ada, 'Bola A')).toEqual(['Bola Ade']);
    expect(await findPeople(ctx, ada, 'b')).toEqual([]);
    expect(await findPeople(ctx, ada, '   ')).toEqual([]);
  });

  test('people the policy allows are found even when many refused ones match first', async () => {
    const { ctx, store, minor } = await setUp();
    // 60 adult students the minor shares no course with sort before the lecturer (by email).
    for (let i = 0; i < 60; i++) await person(store, `aaa.student${i}@unilag.edu.ng`, `Aaa Student ${i}`, 'student', { dateOfBirth: '2000-01-01' });
    const far = await person(store, 'zz.lecturer@unilag.edu.ng', 'Zz Lecturer', 'lecturer');
    expect((await findPeople(ctx, minor, 'unilag')).map((u) => u.id)).toContain(far.id);
  });
});

describe('summaries and roomTitle', () => {
  test('count unread messages (not one’s own, not deleted) and mentions since the read marker', async () => {
    const { ctx, store, ada, bola, lecturer } = await setUp();
    const room = await course(ctx, 'CSC101', [ada, bola], lecturer);
    const say = (u: User, body: string, id: string) => sendMessage(ctx, u, { roomId: room.id, clientId: id, body });
    await say(bola, 'hello all', 'sum-00001');
    await say(ada, 'hi @bola', 'sum-00002'); // Ada's own: never unread for her
    const { message: gone } = await say(bola, 'hey @ada', 'sum-00003');
    await say(lecturer, '@ada please see me', 'sum-00004');
    await say(bola, 'and @ADA again', 'sum-00005');
    await store.messages.delete(room.id, gone.id, bola.id);

    const s = (await summaries(ctx, ada)).find((x) => x.room.id === room.id)!;
    expect(s).toMatchObject({ title: 'CSC101 room', unread: 3, mentions: 2, lastReadSeq: 0 });

    await store.rooms.markRead(room.id, ada.id, 4);
    expect((await summaries(ctx, ada)).find((x) => x.room.id === room.id)).toMatchObject({ unread: 1, mentions: 1, lastReadSeq: 4 });
    expect((await summaries(ctx, bola)).find((x) => x.room.id === room.id)).toMatchObject({ unread: 2, mentions: 1 }); // Ada's and the lecturer's
  });

  test('a DM is titled with the other person’s name; summaries list only the user’s rooms', async () => {
    const { ctx, ada, bola, lecturer, admin } = await setUp();
    const dm = await startDm(ctx, ada, bola.id);
    await course(ctx, 'CSC101', [lecturer]);
    expect(await roomTitle(ctx, dm, ada)).toBe('Bola Ade');
    expect(await roomTitle(ctx, dm, bola)).toBe('Ada Obi');
    expect((await summaries(ctx, ada)).map((s) => s.title)).toEqual(['Bola Ade']);
    expect(await summaries(ctx, admin)).toEqual([]);
  });
});
