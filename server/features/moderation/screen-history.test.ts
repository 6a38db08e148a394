/** A room's history, screened when a student under 18 joins it or a member becomes one. */
import { expect, test } from 'bun:test';
import { RecordingHub } from '../../realtime/hub';
import { topics } from '../../realtime/topics';
import { addMembers } from '../chat/rooms';
import { editMessage, historyPage, sendMessage } from '../chat/messages';
import { cid, person, say, setUp } from './sanctions-cast';
import { decideCase } from './cases';
import { roomsOf, screenRoomsFor } from './screen-history';
import type { Message } from '../../store/types';

test('a minor added to an adults\' room: its hold-level history is held for review (not towards her sender\'s restriction), the rest stays', async () => {
  const s = await setUp({ restrictAfter: 1 });
  const room = s.adultsOnly.id;
  const bad = await say(s, s.peer, room, 'HOLDME from before anyone young was here');
  const flagged = await say(s, s.adult, room, 'REVIEWME a review-level one');
  const fine = await say(s, s.adult, room, 'lab report due friday');
  const file = await s.store.messages.append({ roomId: room, senderId: s.peer.id, clientId: 'file-history-1', kind: 'file', body: 'HOLDME_pics.jpg', mentions: [], meta: { fileId: 'f1', name: 'HOLDME_pics.jpg', size: 1, type: 'image/jpeg' } });
  expect([bad.message.held, flagged.message.held]).toEqual([false, false]); // out of scope when sent
  expect(await s.store.cases.list()).toEqual([]);
  const from = (s.hub as RecordingHub).log.length;

  await addMembers(s.ctx, s.a(s.officerA), room, [{ userId: s.kid.id, role: 'member' }]);
  // The minor never sees it; its sender sees it held; the adults' pages lose it at once.
  expect((await historyPage(s.ctx, s.kid, room)).messages.map((m) => m.id)).toEqual([flagged.message.id, fine.message.id]);
  expect((await s.store.messages.byId(room, file.message.id))?.held).toBe(true); // a file, by its name
  expect((await historyPage(s.ctx, s.peer, room)).messages.find((m) => m.id === bad.message.id)?.held).toBe(true);
  const pushed = (s.hub as RecordingHub).log.slice(from).filter((e) => e.topic === topics.room(room) && e.data.includes(bad.message.id));
  expect(pushed.length).toBe(1);
  expect(pushed[0]!.data).not.toContain('from before');
  // One hold case, for an officer; not towards a minor, so no automatic restriction; noticed and audited as found in history.
  const cases = await s.store.cases.list();
  expect(cases.map((c) => [c.messageId, c.severity, c.towardsMinor]).sort()).toEqual([[bad.message.id, 'hold', false], [file.message.id, 'hold', false]].sort());
  expect(await s.store.sanctions.list()).toEqual([]);
  // One notice for the two it held, linking to the queue.
  expect(s.notices.map((n) => [n.summary, n.url])).toEqual([['2 messages already in a room were held when a student under 18 joined it.', 'https://chat.example.edu/admin/moderation']]);
  expect((await s.store.audit.list({})).find((e) => e.action === 'moderation.hold' && e.details.messageId === bad.message.id)?.details).toMatchObject({ found: 'history' });

  // Released by an officer, it stays released: the minor leaves, another joins, nothing is held again.
  const c = cases.find((x) => x.messageId === bad.message.id)!;
  await decideCase(s.ctx, s.a(s.officerA), c.id, 'release', 'A quote from the set text.', { judgedLabels: [] });
  expect((await s.store.messages.byId(room, bad.message.id))?.held).toBe(false);
  await s.store.rooms.removeMember(room, s.kid.id);
  const kid2 = await person(s.store, 'kid2@unilag.edu.ng', 'Kid Two', { dateOfBirth: '2012-01-01' });
  await addMembers(s.ctx, s.a(s.officerA), room, [{ userId: kid2.id, role: 'member' }]);
  expect((await s.store.messages.byId(room, bad.message.id))?.held).toBe(false);
  expect((await s.store.cases.list()).length).toBe(2);
});

test('no gap: a message sent while the history is screened (the room still without a minor) is screened before she reads it', async () => {
  const s = await setUp();
  const room = (await s.store.rooms.byId(s.adultsOnly.id))!;
  let during: Message | null = null;
  await screenRoomsFor(s.ctx, [room], async () => {
    during = (await say(s, s.peer, room.id, 'HOLDME sent mid-screening')).message;
    expect(during.held).toBe(false); // out of scope when sent
    await s.store.rooms.addMembers(room.id, [{ userId: s.kid.id, role: 'member' }]);
  });
  expect((await s.store.messages.byId(room.id, during!.id))?.held).toBe(true);
  expect((await historyPage(s.ctx, s.kid, room.id)).messages.map((m) => m.id)).not.toContain(during!.id);
});

test('two screenings at once open one case for a message; a room that already has a minor is screened too (its history may never have been)', async () => {
  const s = await setUp();
  const room = (await s.store.rooms.byId(s.adultsOnly.id))!;
  const bad = await say(s, s.peer, room.id, 'HOLDME twice?');
  await Promise.all([screenRoomsFor(s.ctx, [room]), screenRoomsFor(s.ctx, [room])]);
  expect((await s.store.cases.list({ messageId: bad.message.id })).length).toBe(1);
  // BIO101 has a minor, who joined before screening history existed: her messages' history was not screened.
  const old = await s.store.messages.append({ roomId: s.withKid.id, senderId: s.peer.id, clientId: 'c-unscreened-1', kind: 'text', body: 'HOLDME written straight to the store', mentions: [] });
  const kid2 = await person(s.store, 'kid2@unilag.edu.ng', 'Kid Two', { dateOfBirth: '2012-01-01' });
  await addMembers(s.ctx, s.a(s.officerA), s.withKid.id, [{ userId: kid2.id, role: 'member' }]);
  expect((await s.store.messages.byId(s.withKid.id, old.message.id))?.held).toBe(true);
});

test('a released message edited since (while no minor was there) is screened again on its new text', async () => {
  const s = await setUp();
  const room = (await s.store.rooms.byId(s.adultsOnly.id))!;
  const m = await say(s, s.peer, room.id, 'HOLDME a quote from the set text');
  await addMembers(s.ctx, s.a(s.officerA), room.id, [{ userId: s.kid.id, role: 'member' }]);
  const [c] = await s.store.cases.list({ messageId: m.message.id });
  await decideCase(s.ctx, s.a(s.officerA), c!.id, 'release', 'A quote.', { judgedLabels: [] });
  await s.store.rooms.removeMember(room.id, s.kid.id);
  await editMessage(s.ctx, s.peer, { roomId: room.id, messageId: m.message.id, body: 'HOLDME and now something else entirely' });
  expect((await s.store.messages.byId(room.id, m.message.id))?.held).toBe(false); // no minor: not screened
  await addMembers(s.ctx, s.a(s.officerA), room.id, [{ userId: s.kid.id, role: 'member' }]);
  expect((await s.store.messages.byId(room.id, m.message.id))?.held).toBe(true);
  expect((await s.store.cases.list({ messageId: m.message.id })).length).toBe(2);
});

test('a member made a minor: the history of her rooms is screened too; adults joining screen nothing', async () => {
  const s = await setUp();
  const room = s.adultsOnly.id;
  const bad = await say(s, s.adult, room, 'HOLDME said among adults');
  const tolu = await person(s.store, 'tolu@unilag.edu.ng', 'Tolu', { dateOfBirth: '1990-01-01' });
  await addMembers(s.ctx, s.a(s.officerA), room, [{ userId: tolu.id, role: 'member' }]);
  expect((await s.store.messages.byId(room, bad.message.id))?.held).toBe(false);
  // As the portal's edit does: her rooms' history first, then the write that makes her a minor.
  await screenRoomsFor(s.ctx, await roomsOf(s.ctx, [s.peer.id]), () => s.store.users.update(s.peer.id, { dateOfBirth: '2011-03-03' }));
  expect((await s.store.messages.byId(room, bad.message.id))?.held).toBe(true);
  expect((await historyPage(s.ctx, s.peer, room)).messages.map((m) => m.id)).not.toContain(bad.message.id);
});

test('a message out of scope when screened but stored after a minor joined is screened then, and taken back if it holds', async () => {
  const s = await setUp();
  const room = s.adultsOnly.id;
  // The store write lands after the minor was added (MongoDB: a number taken, the write late).
  const messages = Object.create(s.store.messages) as typeof s.store.messages;
  messages.append = async (m) => {
    await s.store.rooms.addMembers(room, [{ userId: s.kid.id, role: 'member' }]);
    return s.store.messages.append(m);
  };
  const ctx = { ...s.ctx, store: { ...s.store, messages } };
  const from = (s.hub as RecordingHub).log.length;
  const { message } = await sendMessage(ctx, s.peer, { roomId: room, clientId: cid(), body: 'HOLDME sent as she joined' });
  expect((await s.store.messages.byId(room, message.id))?.held).toBe(true);
  // Screened before it was published: the room never got it, not even as a tombstone; its sender sees it held.
  const pushed = (s.hub as RecordingHub).log.slice(from).filter((e) => e.data.includes(message.id));
  expect(pushed.map((e) => e.topic)).toEqual([topics.user(s.peer.id)]);
  expect(s.notices.map((n) => n.summary)).toEqual(['A message sent as a student under 18 joined its room was held.']);
  expect((await historyPage(s.ctx, s.kid, room)).messages.map((m) => m.id)).not.toContain(message.id);
  expect((await s.store.cases.list({ messageId: message.id })).map((c) => c.towardsMinor)).toEqual([false]);
});

test('failures: before the write, a minor is not let into an unscreened room, but a member is still made a minor; after it, the write stands', async () => {
  const s = await setUp();
  const room = (await s.store.rooms.byId(s.adultsOnly.id))!;
  await say(s, s.peer, room.id, 'HOLDME among adults');
  const warned: string[] = [];
  const broken = (failOn: number) => {
    let calls = 0;
    const messages = Object.create(s.store.messages) as typeof s.store.messages;
    messages.history = async (...a) => {
      if (++calls === failOn) throw new Error('store down');
      return s.store.messages.history(...a);
    };
    return { ...s.ctx, warn: (m: string) => void warned.push(m), store: { ...s.store, messages } };
  };
  // Adding: refused, nobody added.
  await expect(addMembers(broken(1), s.a(s.officerA), room.id, [{ userId: s.kid.id, role: 'member' }])).rejects.toThrow('store down');
  expect(await s.store.rooms.membership(room.id, s.kid.id)).toBeNull();
  // Made a minor: written anyway, logged, and the room screened after the write.
  let wrote = false;
  await screenRoomsFor(broken(1), [room], async () => void (wrote = true), { reason: 'became_minor', onFailure: 'write' });
  expect(wrote).toBe(true);
  expect(warned).toEqual(['history screening failed before the write; writing anyway']);
  expect((await s.store.cases.list()).length).toBe(1);
  expect(s.notices.map((n) => n.summary)).toEqual(['A message was held in the rooms of a member just recorded as under 18.']);
  // After the write: logged, and the caller goes on (the member is in, announced and audited).
  const other = (await s.store.rooms.byId(s.withKid.id))!;
  const kid2 = await person(s.store, 'kid2@unilag.edu.ng', 'Kid Two', { dateOfBirth: '2012-01-01' });
  let failed = 0;
  const later = Object.create(s.store.messages) as typeof s.store.messages;
  later.changesSince = async () => {
    failed++;
    throw new Error('store down later');
  };
  await addMembers({ ...s.ctx, warn: (m: string) => void warned.push(m), store: { ...s.store, messages: later } }, s.a(s.officerA), other.id, [{ userId: kid2.id, role: 'member' }]);
  expect(failed).toBe(1);
  expect(warned.at(-1)).toBe('history screening failed after the write');
  expect(await s.store.rooms.membership(other.id, kid2.id)).not.toBeNull();
  expect((await s.store.audit.list({})).some((e) => e.action === 'room.add_members' && e.target === other.id)).toBe(true);
});

test('one notice for a screening of several rooms', async () => {
  const s = await setUp();
  const a = (await s.store.rooms.byId(s.adultsOnly.id))!;
  const b = await s.mk('group', null, [{ userId: s.adult.id, role: 'owner' }, { userId: s.peer.id, role: 'member' }]);
  await say(s, s.adult, a.id, 'HOLDME one');
  await say(s, s.adult, b.id, 'HOLDME two');
  await screenRoomsFor(s.ctx, [a, b], undefined, { reason: 'became_minor' });
  expect(s.notices.map((n) => [n.summary, n.url])).toEqual([['2 messages were held in the rooms of a member just recorded as under 18.', 'https://chat.example.edu/admin/moderation']]);
});
