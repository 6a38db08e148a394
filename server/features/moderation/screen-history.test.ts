/** A room's history, screened when a student under 18 joins it or a member becomes one. */
import { expect, test } from 'bun:test';
import { RecordingHub } from '../../realtime/hub';
import { topics } from '../../realtime/topics';
import { addMembers } from '../chat/rooms';
import { historyPage } from '../chat/messages';
import { becameMinors } from './restrictions';
import { say, setUp } from './sanctions-cast';

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
  expect(s.notices.map((n) => n.summary)).toContain('A message already in a room was held when a student under 18 joined it.');
  expect((await s.store.audit.list({})).find((e) => e.action === 'moderation.hold' && e.details.messageId === bad.message.id)?.details).toMatchObject({ found: 'history' });

  // Another minor joining finds nothing new.
  const kid2 = await (await import('./sanctions-cast')).person(s.store, 'kid2@unilag.edu.ng', 'Kid Two', { dateOfBirth: '2012-01-01' });
  await addMembers(s.ctx, s.a(s.officerA), room, [{ userId: kid2.id, role: 'member' }]);
  expect((await s.store.cases.list()).length).toBe(2);
});

test('a member made a minor: the history of her rooms is screened too; adults joining screen nothing', async () => {
  const s = await setUp();
  const room = s.adultsOnly.id;
  const bad = await say(s, s.adult, room, 'HOLDME said among adults');
  const tolu = await (await import('./sanctions-cast')).person(s.store, 'tolu@unilag.edu.ng', 'Tolu', { dateOfBirth: '1990-01-01' });
  await addMembers(s.ctx, s.a(s.officerA), room, [{ userId: tolu.id, role: 'member' }]);
  expect((await s.store.messages.byId(room, bad.message.id))?.held).toBe(false);
  await s.store.users.update(s.peer.id, { dateOfBirth: '2011-03-03' });
  await becameMinors(s.ctx, [s.peer.id]);
  expect((await s.store.messages.byId(room, bad.message.id))?.held).toBe(true);
  expect((await historyPage(s.ctx, s.peer, room)).messages.map((m) => m.id)).not.toContain(bad.message.id);
});
