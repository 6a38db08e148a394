/** Room freezes through the actions: read-only for everyone, the owner's hearing, the posting slots, who answers for the room. */
import { describe, expect, test } from 'bun:test';
import { topics } from '../../realtime/topics';
import { ACCOUNT_POSTING_ID, postingBannerId } from '../../../views/safeguarding';
import { actOnCase, ALREADY_DECIDED, decideCase, DECIDED_SINCE, MESSAGE_CHANGED, viewCase } from './cases';
import { OWN_CASE } from './hearing';
import { deleteMessage, editMessage, typing } from '../chat/messages';
import { postingSlot } from './posting-banner';
import { REFUSALS } from './restrictions';
import { decideAppeal, liftSanction, submitStatement } from './sanctions';
import { RESTRICTED_LINE, say, setUp } from './sanctions-cast';
import { addMembers } from '../chat/rooms';
import { makePerson } from '../../testing';

describe('room freeze', () => {
  test("a freeze and a restriction fill two slots: neither push empties the other's line", async () => {
    const s = await setUp();
    await say(s, s.adult, s.withKid.id, 'HOLDME one');
    await say(s, s.peer, s.withKid.id, 'REVIEWME look');
    const c = (await s.store.cases.list()).find((x) => x.senderId === s.peer.id)!;
    const freeze = await actOnCase(s.ctx, s.a(s.officerA), c.id, 'freeze', 'SG-6', 'Abuse.');
    s.hub.log.length = 0;
    // His second hold, in another room with the minor, restricts him while this room is frozen:
    // only his account slot is pushed.
    const other = await s.mk('group', null, [{ userId: s.adult.id, role: 'owner' }, { userId: s.kid.id, role: 'member' }]);
    await say(s, s.adult, other.id, 'HOLDME two');
    expect((await s.store.sanctions.list({ kind: ['restriction'] })).length).toBe(1);
    const pushed = () => s.hub.log.map((e) => e.data).join('');
    expect(pushed()).toContain(`<hx-partial hx-target="#${ACCOUNT_POSTING_ID}" hx-swap="innerHTML">${RESTRICTED_LINE}</hx-partial>`);
    expect(pushed()).not.toContain(`#${postingBannerId(s.withKid.id)}`);
    expect(await postingSlot(s.store, s.adult, s.withKid.id)).toEqual({ frozen: REFUSALS.frozen, account: REFUSALS.restricted });
    // The freeze ends: the room slot empties for everyone, the account slot is not touched.
    s.hub.log.length = 0;
    await liftSanction(s.ctx, s.a(s.officerB), freeze.id, 'Sorted out.');
    expect(pushed()).toContain(`<hx-partial hx-target="#${postingBannerId(s.withKid.id)}" hx-swap="innerHTML"></hx-partial>`);
    expect(pushed()).not.toContain(`#${ACCOUNT_POSTING_ID}`);
    expect(await postingSlot(s.store, s.adult, s.withKid.id)).toEqual({ frozen: null, account: REFUSALS.restricted });
  });

  test('a frozen room is read-only for everyone; its owner (only) may appeal; lifting reopens it', async () => {
    const s = await setUp();
    await say(s, s.peer, s.withKid.id, 'REVIEWME look');
    const [c] = await s.store.cases.list();
    const ended: string[] = [];
    s.ctx.calls = { endUser: (id) => void ended.push(`user:${id}`), endRoom: (id) => void ended.push(`room:${id}`), endSeats: () => {} };
    const freeze = await actOnCase(s.ctx, s.a(s.officerA), c!.id, 'freeze', 'SG-6', 'Repeated abuse in this room.');
    expect(ended).toEqual([`room:${s.withKid.id}`]);
    expect(freeze).toMatchObject({ kind: 'freeze', userId: null, roomId: s.withKid.id, evidence: 'REVIEWME look' });
    // Every open page of the room says so at once.
    expect(s.hub.log.filter((e) => e.topic === topics.room(s.withKid.id)).map((e) => e.data).join('')).toContain(
      `<hx-partial hx-target="#posting-${s.withKid.id}" hx-swap="innerHTML"><p class="alert banner" role="status">${REFUSALS.frozen}</p></hx-partial>`,
    );
    await expect(actOnCase(s.ctx, s.a(s.officerB), c!.id, 'freeze', 'SG-6', 'again')).rejects.toThrow(/already frozen/);
    for (const u of [s.adult, s.kid, s.peer]) await expect(say(s, u, s.withKid.id, 'hello')).rejects.toThrow(REFUSALS.frozen);
    // Read-only: no deleting (the owner would erase what officers are looking at), no typing line.
    const [peerMessage] = await s.store.messages.history(s.withKid.id, { limit: 1 });
    await expect(deleteMessage(s.ctx, s.adult, { roomId: s.withKid.id, messageId: peerMessage!.id })).rejects.toThrow(REFUSALS.frozen);
    await expect(deleteMessage(s.ctx, s.peer, { roomId: s.withKid.id, messageId: peerMessage!.id })).rejects.toThrow(REFUSALS.frozen);
    expect((await s.store.messages.byId(s.withKid.id, peerMessage!.id))!.body).toBe('REVIEWME look');
    expect(await typing(s.ctx, s.kid, s.withKid.id)).toBe(false);
    // An officer who is a member still can (audited as a moderator delete): the only way to remove
    // something harmful nobody flagged while the room is frozen.
    await s.store.rooms.addMembers(s.withKid.id, [{ userId: s.officerB.id, role: 'moderator' }]);
    expect((await deleteMessage(s.ctx, s.officerB, { roomId: s.withKid.id, messageId: peerMessage!.id })).deletedAt).not.toBeNull();
    expect((await s.store.audit.list({ action: 'message.moderator_delete' })).map((e) => e.actorId)).toEqual([s.officerB.id]);
    expect((await say(s, s.peer, s.adultsOnly.id, 'elsewhere is fine')).message.held).toBe(false);
    // The owner of BIO101 is `adult`; a plain member learns nothing.
    await expect(submitStatement(s.ctx, s.kid, freeze.id, 'unfair')).rejects.toThrow(/No such notice/);
    await submitStatement(s.ctx, s.adult, freeze.id, 'I will moderate it.');
    s.hub.log.length = 0;
    await decideAppeal(s.ctx, s.a(s.officerB), freeze.id, true, 'The owner will moderate.');
    // Members are told, and the "frozen" banner of pages loaded during the freeze is removed.
    const reopened = s.hub.log.filter((e) => e.topic === topics.room(s.withKid.id)).map((e) => e.data).join('');
    expect(reopened).toContain('This room is open again');
    expect(reopened).toContain(`<hx-partial hx-target="#posting-${s.withKid.id}" hx-swap="innerHTML"></hx-partial>`);
    expect((await say(s, s.kid, s.withKid.id, 'hello again')).message.held).toBe(false);
  });

  test('a freeze on a held message does not show its text to the owner', async () => {
    const s = await setUp();
    await say(s, s.peer, s.withKid.id, 'HOLDME secret');
    const [c] = await s.store.cases.list();
    const freeze = await actOnCase(s.ctx, s.a(s.officerA), c!.id, 'freeze', 'SG-2', 'Grooming attempts in this room.');
    expect(freeze.evidence).not.toContain('secret');
  });

  test('nor the held text of a message whose harmless edit was released since: the room saw only the edit', async () => {
    const s = await setUp();
    const room = await s.mk('group', null, [{ userId: s.kid.id, role: 'owner' }, { userId: s.adult.id, role: 'member' }]);
    const { message } = await say(s, s.adult, room.id, 'HOLDME secret words for you only');
    const [c] = await s.store.cases.list();
    await editMessage(s.ctx, s.adult, { roomId: room.id, messageId: message.id, body: 'see you in class' });
    const rev = (await s.store.messages.byId(room.id, message.id))!.rev;
    await decideCase(s.ctx, s.a(s.officerA), c!.id, 'release', 'The edit is harmless.', { seenRev: rev });
    const freeze = await actOnCase(s.ctx, s.a(s.officerB), c!.id, 'freeze', 'SG-6', 'A pattern in this group.');
    expect(freeze.evidence).not.toContain('secret');
    expect(freeze.evidence).toContain('never saw');
  });

  test('a block from a tab opened before another officer released the case says the case was decided, not that the message was edited', async () => {
    const s = await setUp();
    const { message } = await say(s, s.adult, s.withKid.id, 'HOLDME come alone');
    const [c] = await s.store.cases.list();
    const seen = (await viewCase(s.ctx, s.a(s.officerB), c!.id)).message!.rev;
    await decideCase(s.ctx, s.a(s.officerA), c!.id, 'release', 'Taken out of context.', { seenRev: seen });
    expect((await s.store.messages.byId(s.withKid.id, message.id))!.rev).not.toBe(seen);
    await expect(actOnCase(s.ctx, s.a(s.officerB), c!.id, 'block', 'SG-6', 'A threat.', { rev: seen })).rejects.toThrow(DECIDED_SINCE);
    expect(await s.store.sanctions.list({ kind: ['block'] })).toEqual([]);
  });

  test('a block from a tab that showed the case open is refused once another officer decided it, even when the decision left the message as it was', async () => {
    const s = await setUp();
    await say(s, s.adult, s.withKid.id, 'REVIEWME come alone');
    const [c] = await s.store.cases.list();
    const rev = (await viewCase(s.ctx, s.a(s.officerB), c!.id)).message!.rev;
    await decideCase(s.ctx, s.a(s.officerA), c!.id, 'release', 'Taken out of context.', { seenRev: rev });
    await expect(actOnCase(s.ctx, s.a(s.officerB), c!.id, 'block', 'SG-6', 'A threat.', { rev, open: true })).rejects.toThrow(DECIDED_SINCE);
    await expect(actOnCase(s.ctx, s.a(s.officerB), c!.id, 'freeze', 'SG-6', 'A threat.', { rev, open: true })).rejects.toThrow(DECIDED_SINCE);
    expect(await s.store.sanctions.list()).toEqual([]);
    // A page that showed it decided may act on it.
    expect((await actOnCase(s.ctx, s.a(s.officerB), c!.id, 'block', 'SG-6', 'A threat.', { rev, open: false })).kind).toBe('block');
  });

  for (const action of ['block', 'freeze'] as const) {
    test(`a ${action} is refused when another officer's release lands while it runs (after the case was read)`, async () => {
      const s = await setUp();
      await say(s, s.adult, s.withKid.id, 'REVIEWME come alone');
      const [c] = await s.store.cases.list();
      const rev = (await viewCase(s.ctx, s.a(s.officerB), c!.id)).message!.rev;
      // The release commits at actOnCase's next store read, after it read the case as open.
      const byId = s.store.messages.byId.bind(s.store.messages);
      let once = true;
      s.store.messages.byId = async (roomId: string, id: string) => {
        if (once) {
          once = false;
          await decideCase(s.ctx, s.a(s.officerA), c!.id, 'release', 'Harmless.', { seenRev: rev });
        }
        return byId(roomId, id);
      };
      await expect(actOnCase(s.ctx, s.a(s.officerB), c!.id, action, 'SG-6', 'A threat.', { rev, open: true })).rejects.toThrow(action === 'block' ? ALREADY_DECIDED : DECIDED_SINCE);
      expect(await s.store.sanctions.list()).toEqual([]);
    });
  }

  test("a release that comes while a freeze is being made waits for it: never a freeze made on a case released after its look", async () => {
    const s = await setUp();
    await say(s, s.adult, s.withKid.id, 'REVIEWME come alone');
    const [c] = await s.store.cases.list();
    const rev = (await viewCase(s.ctx, s.a(s.officerB), c!.id)).message!.rev;
    // Officer A's release is sent just as the freeze, its look done, writes the sanction.
    const create = s.store.sanctions.create.bind(s.store.sanctions);
    let release: Promise<unknown> | null = null;
    s.store.sanctions.create = async (input) => {
      release ??= decideCase(s.ctx, s.a(s.officerA), c!.id, 'release', 'Harmless.', { seenRev: rev });
      await Bun.sleep(20);
      return create(input);
    };
    const freeze = await actOnCase(s.ctx, s.a(s.officerB), c!.id, 'freeze', 'SG-6', 'A threat.', { rev, open: true });
    // The case was still open when the freeze was made: the release is decided after it (without
    // the lock it landed in the 20 ms between the freeze's look and its making).
    await release;
    expect((await s.store.cases.byId(c!.id))!.decidedAt!).toBeGreaterThanOrEqual(freeze.createdAt);
  });

  test('an officer who answers for the room (its owner) cannot freeze it; a block from a page opened before an edit is refused', async () => {
    const s = await setUp();
    const officerOwner = (await s.store.users.update(s.adult.id, { permissions: ['safeguarding'] }))!; // owns BIO101
    const { message } = await say(s, s.peer, s.withKid.id, 'REVIEWME look');
    const [c] = await s.store.cases.list();
    await expect(actOnCase(s.ctx, s.a(officerOwner), c!.id, 'freeze', 'SG-6', 'Mine.')).rejects.toThrow(OWN_CASE);
    expect(await s.store.sanctions.list({ kind: ['freeze'] })).toEqual([]);
    const seen = (await viewCase(s.ctx, s.a(s.officerA), c!.id)).message!.rev;
    await editMessage(s.ctx, s.peer, { roomId: s.withKid.id, messageId: message.id, body: 'sorry, see you at the lab' });
    await expect(actOnCase(s.ctx, s.a(s.officerA), c!.id, 'block', 'SG-6', 'A threat.', { rev: seen, open: true })).rejects.toThrow(MESSAGE_CHANGED);
    expect((await s.store.cases.byId(c!.id))!.status).toBe('open');
    expect(await s.store.sanctions.list({ kind: ['block'] })).toEqual([]);
  });
});

describe('who answers for a frozen room', () => {
  test('the owners; without owners, the moderators; without either, the staff members; they get the banner count', async () => {
    const s = await setUp();
    const { openNoticeCount } = await import('./notices');
    const { affectedParty } = await import('./party');
    const lecturer = (await s.store.users.update(s.peer.id, { role: 'lecturer' }))!;
    const plain = await s.mk('course', 'CHM100', [{ userId: s.adult.id, role: 'member' }, { userId: s.kid.id, role: 'member' }, { userId: lecturer.id, role: 'member' }]);
    await say(s, s.kid, plain.id, 'REVIEWME x');
    const [c] = await s.store.cases.list();
    const freeze = await actOnCase(s.ctx, s.a(s.officerA), c!.id, 'freeze', 'SG-6', 'Abuse.');
    expect(await affectedParty(s.ctx, freeze)).toEqual([lecturer.id]);
    expect(await openNoticeCount(s.ctx, lecturer)).toBe(1);
    expect(await openNoticeCount(s.ctx, s.adult)).toBe(0);
    await s.store.rooms.setRole(plain.id, s.adult.id, 'moderator');
    expect(await affectedParty(s.ctx, freeze)).toEqual([s.adult.id]);
    // A minor made its owner does not answer for the adults in it; alone with other minors, she would.
    await s.store.rooms.setRole(plain.id, s.kid.id, 'owner');
    expect(await affectedParty(s.ctx, freeze)).toEqual([s.adult.id]);
    expect(await openNoticeCount(s.ctx, s.kid)).toBe(0);
    await s.store.rooms.setRole(plain.id, s.adult.id, 'member');
    expect(await affectedParty(s.ctx, freeze)).toEqual([lecturer.id]);
    expect(await openNoticeCount(s.ctx, s.kid)).toBe(0);
  });

  test('a frozen group: its adult members answer whoever owns it, so passing it to a minor tells nobody her age; the one who leaves loses the notice link, one added gets it', async () => {
    const s = await setUp();
    const { leaveGroup } = await import('../chat/groups');
    const { affectedParty, isAffected } = await import('./party');
    const { NOTICE_BANNER_ID } = await import('../../../views/safeguarding');
    const third = await makePerson(s.store, 'third@unilag.edu.ng', 'Third Student', 'student', { dateOfBirth: '2000-01-01' });
    // The owner leaves and the group passes to the member who joined first: the minor.
    const group = await s.mk('group', null, [{ userId: s.adult.id, role: 'owner' }, { userId: s.kid.id, role: 'member' }, { userId: s.peer.id, role: 'member' }]);
    await say(s, s.peer, group.id, 'REVIEWME look');
    const c = (await s.store.cases.list()).find((x) => x.roomId === group.id)!;
    const freeze = await actOnCase(s.ctx, s.a(s.officerA), c.id, 'freeze', 'SG-6', 'Abuse.');
    expect((await affectedParty(s.ctx, freeze)).sort()).toEqual([s.adult.id, s.peer.id].sort());
    s.hub.log.length = 0;
    await leaveGroup(s.ctx, s.adult, group.id);
    expect((await s.store.rooms.membership(group.id, s.kid.id))!.role).toBe('owner');
    const banner = (id: string) => s.hub.log.filter((e) => e.topic === topics.user(id) && e.data.includes(`#${NOTICE_BANNER_ID}`)).map((e) => e.data);
    expect(banner(s.adult.id)).toEqual([`<hx-partial hx-target="#${NOTICE_BANNER_ID}" hx-swap="innerHTML"></hx-partial>`]);
    // The adult who stays answered before and answers now: nothing pushed, nothing learnt.
    expect(banner(s.peer.id)).toEqual([]);
    expect(await affectedParty(s.ctx, freeze)).toEqual([s.peer.id]);
    expect(banner(s.kid.id)).toEqual([]); // a minor does not answer for a group with an adult in it
    expect(await isAffected(s.ctx, freeze, s.kid)).toBe(false);
    // An adult added answers too, and her open pages get the notice link.
    await addMembers(s.ctx, { userId: null, origin: 'cli' }, group.id, [{ userId: third.id, role: 'member' }]);
    expect(banner(third.id)).toHaveLength(1);
    expect(banner(third.id)[0]).toContain('You have a safeguarding notice');
    expect(await isAffected(s.ctx, freeze, third)).toBe(true);
  });

  test('the notices page lists a freeze of their room however many freezes the campus has had since', async () => {
    const s = await setUp();
    const { noticesFor, openNoticeCount } = await import('./notices');
    const base = { kind: 'freeze' as const, userId: null, caseIds: [], clause: 'SG-6', reason: 'Abuse.', evidence: '', actorId: s.officerA.id, deadline: Date.now() + 1e9 };
    const mine = await s.store.sanctions.create({ ...base, roomId: s.withKid.id, now: 1000 });
    for (let i = 0; i < 510; i++) await s.store.sanctions.create({ ...base, roomId: `elsewhere-${i}`, now: 2000 + i });
    expect((await noticesFor(s.ctx, s.adult)).map((n) => n.s.id)).toEqual([mine.id]); // the owner of BIO101
    expect(await openNoticeCount(s.ctx, s.adult)).toBe(1); // in force too, though 510 newer ones are
  });

  test('a conversation nobody owns: its adult members answer, not the minor in it; two minors answer for theirs; a statement is read by its author only', async () => {
    const s = await setUp();
    const { openNoticeCount } = await import('./notices');
    const { affectedParty } = await import('./party');
    const { safeguardingPage } = await import('../../../views/safeguarding');
    const dm = await s.mk('group', null, [{ userId: s.adult.id, role: 'member' }, { userId: s.kid.id, role: 'member' }, { userId: s.peer.id, role: 'member' }]);
    await say(s, s.adult, dm.id, 'REVIEWME x');
    const freeze = await actOnCase(s.ctx, s.a(s.officerA), (await s.store.cases.list())[0]!.id, 'freeze', 'SG-6', 'Abuse.');
    expect((await affectedParty(s.ctx, freeze)).sort()).toEqual([s.adult.id, s.peer.id].sort());
    expect(await openNoticeCount(s.ctx, s.kid)).toBe(0);
    await expect(submitStatement(s.ctx, s.kid, freeze.id, 'x')).rejects.toThrow(/No such notice/);
    const appealed = await submitStatement(s.ctx, s.adult, freeze.id, 'We were planning the class party, nothing else.');
    // The co-member who answers too learns that a statement was sent, not what it says.
    const page = (own: boolean) => safeguardingPage([{ s: appealed, roomName: 'Study group', canRespond: false, ownStatement: own, closedReason: null }], s.ctx.tf).value;
    expect(page(true)).toContain('class party');
    expect(page(false)).not.toContain('class party');
    expect(page(false)).toContain('Another person who answers for this room sent a statement');
    expect(page(false)).toContain('A statement was received');
    expect(page(false)).not.toContain('Your statement');
    expect(page(true)).toContain('Your statement was received');

    const kid2 = await (await import('./sanctions-cast')).person(s.store, 'kid2@unilag.edu.ng', 'Kid Two', { dateOfBirth: '2012-01-01' });
    await s.store.rooms.addMembers(s.withKid.id, [{ userId: kid2.id, role: 'member' }]); // course-mates
    const minors = await s.mk('group', null, [{ userId: s.kid.id, role: 'member' }, { userId: kid2.id, role: 'member' }]);
    await say(s, s.kid, minors.id, 'REVIEWME y');
    const c2 = (await s.store.cases.list()).find((c) => c.roomId === minors.id)!;
    const f2 = await actOnCase(s.ctx, s.a(s.officerA), c2.id, 'freeze', 'SG-6', 'Abuse.');
    expect((await affectedParty(s.ctx, f2)).sort()).toEqual([s.kid.id, kid2.id].sort());
  });
});
