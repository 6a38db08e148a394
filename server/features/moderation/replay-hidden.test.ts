/**
 * A message hidden while a member was offline (an officer upheld it) is taken off that member's
 * page when they reconnect: the reconnect replay carries a tombstone that only replaces a copy the
 * page shows; a member who never had it learns nothing; the sender still sees it, held.
 */
import { expect, test } from 'bun:test';
import { deleteMessage, editMessage, historyPage, replay } from '../chat/messages';
import { decideCase } from './cases';
import { MAX_REPLAY } from '../chat/limits';
import { say, setUp } from './sanctions-cast';
import { RecordingHub } from '../../realtime/hub';
import { topics } from '../../realtime/topics';

test('an uphold while a member was offline reaches them on reconnect as a tombstone without the text', async () => {
  const s = await setUp();
  const { message } = await say(s, s.adult, s.withKid.id, 'REVIEWME I will hurt you after class');
  expect(message.held).toBe(false); // delivered (review level): the minor's page shows it
  const kidRev = message.rev; // …then the minor's socket drops
  const [c] = await s.store.cases.list({ messageId: message.id });
  await decideCase(s.ctx, s.a(s.officerA), c!.id, 'uphold', 'A threat.', { judgedLabels: ['threat'] });

  const back = (await replay(s.ctx, s.kid, s.withKid.id, kidRev))?.value ?? '';
  expect(back).toContain(`id="m-${message.id}"`);
  expect(back).toContain('data-replace-only');
  expect(back).toContain('This message was deleted.');
  expect(back).not.toContain('hurt');
  // A page loaded now has no trace of it; a client that had seen nothing up to it learns nothing.
  expect((await historyPage(s.ctx, s.kid, s.withKid.id)).messages.map((m) => m.id)).not.toContain(message.id);
  expect((await replay(s.ctx, s.kid, s.withKid.id, message.seq - 1))?.value ?? '').not.toContain(message.id);
  // The sender's replay shows it to them, held.
  const own = (await replay(s.ctx, s.adult, s.withKid.id, kidRev))?.value ?? '';
  expect(own).toContain('I will hurt you after class');
  expect(own).toContain('Held for review');
});

test('a message held from the start and then edited by its sender never reaches the others, not even as a tombstone', async () => {
  const s = await setUp({ restrictAfter: 5 });
  const { message } = await say(s, s.adult, s.withKid.id, 'HOLDME meet me alone');
  const later = await say(s, s.peer, s.withKid.id, 'homework is due friday');
  expect(message.held).toBe(true);
  const from = (s.hub as RecordingHub).log.length;
  await editMessage(s.ctx, s.adult, { roomId: s.withKid.id, messageId: message.id, body: 'HOLDME meet me alone tonight' });
  await editMessage(s.ctx, s.adult, { roomId: s.withKid.id, messageId: message.id, body: 'see you in class' });
  // live: only the sender's own topic heard of the edits
  const live = (s.hub as RecordingHub).log.slice(from).filter((e) => e.data.includes(message.id));
  expect(live.map((e) => e.topic)).toEqual([topics.user(s.adult.id), topics.user(s.adult.id)]);
  // on reconnect: nothing about it, whatever the page had seen
  for (const rev of [later.message.rev, message.seq, message.seq - 1]) expect((await replay(s.ctx, s.kid, s.withKid.id, rev))?.value ?? '').not.toContain(message.id);
  expect((await replay(s.ctx, s.adult, s.withKid.id, later.message.rev))?.value ?? '').toContain('see you in class');
});

test('a delivered message edited into held text leaves the others\' pages at once, and the page of one who was offline on reconnect', async () => {
  const s = await setUp({ restrictAfter: 5 });
  const { message } = await say(s, s.adult, s.withKid.id, 'see you at the lab');
  expect(message.held).toBe(false);
  const from = (s.hub as RecordingHub).log.length;
  const edited = await editMessage(s.ctx, s.adult, { roomId: s.withKid.id, messageId: message.id, body: 'HOLDME see you at the lab, alone' });
  expect(edited.held).toBe(true);
  const live = (s.hub as RecordingHub).log.slice(from).filter((e) => e.data.includes(message.id));
  const room = live.filter((e) => e.topic === topics.room(s.withKid.id));
  expect(room.length).toBe(1);
  expect(room[0]!.data).toContain('This message was deleted.');
  expect(room[0]!.data).not.toContain('see you at the lab');
  expect(live.find((e) => e.topic === topics.user(s.adult.id))?.data).toContain('alone');
  // the minor's socket had dropped before the edit: the replay takes it off her page
  const back = (await replay(s.ctx, s.kid, s.withKid.id, message.rev))?.value ?? '';
  expect(back).toContain(`id="m-${message.id}"`);
  expect(back).toContain('data-replace-only');
  expect(back).not.toContain('see you at the lab');
  // a page loaded after it has no trace of it
  expect((await replay(s.ctx, s.kid, s.withKid.id, edited.rev))?.value ?? '').not.toContain(message.id);
});

test('a hide the page missed inside the reorder window (a later message reached it first) still reaches it on reconnect', async () => {
  const s = await setUp({ restrictAfter: 5 });
  const { message } = await say(s, s.adult, s.withKid.id, 'see you at the lab');
  const edited = await editMessage(s.ctx, s.adult, { roomId: s.withKid.id, messageId: message.id, body: 'HOLDME see you at the lab, alone' });
  const next = await say(s, s.peer, s.withKid.id, 'lab at 10');
  // The page got the next message (and the first) but not the tombstone of the hide, then dropped.
  const back = (await replay(s.ctx, s.kid, s.withKid.id, next.message.rev, [message.rev]))?.value ?? '';
  expect(back).toContain(`id="m-${message.id}"`);
  expect(back).toContain('data-replace-only');
  expect(back).not.toContain('see you at the lab');
  // A page that had the hide's tombstone gets nothing more about it.
  expect((await replay(s.ctx, s.kid, s.withKid.id, next.message.rev, [message.rev, edited.rev]))?.value ?? '').not.toContain(message.id);
});

test('a held message the page never had is not replayed, even inside the reorder window; a room owner cannot delete it', async () => {
  const s = await setUp({ restrictAfter: 5 });
  const a = await say(s, s.kid, s.withKid.id, 'morning all');
  const held = await say(s, s.peer, s.withKid.id, 'HOLDME meet me alone');
  const b = await say(s, s.kid, s.withKid.id, 'lab at 10');
  // The minor's page has a and b, never the held one, and reconnects telling what it holds.
  const back = (await replay(s.ctx, s.kid, s.withKid.id, b.message.rev, [a.message.rev]))?.value ?? '';
  expect(back).not.toContain(held.message.id);
  // The owner of the room (not an officer) cannot remove it; its sender can.
  await expect(deleteMessage(s.ctx, s.adult, { roomId: s.withKid.id, messageId: held.message.id })).rejects.toThrow('No such message.');
  expect((await s.store.messages.byId(s.withKid.id, held.message.id))!.deletedAt).toBeNull();
  expect((await deleteMessage(s.ctx, s.peer, { roomId: s.withKid.id, messageId: held.message.id })).deletedAt).not.toBeNull();
});

test('held rows left out of a long replay do not hide that it was cut off: the page is replaced with the latest', async () => {
  const s = await setUp({ restrictAfter: 99 });
  const room = s.withKid.id;
  const first = await s.store.messages.append({ roomId: room, senderId: s.peer.id, clientId: 'c-first-0000', kind: 'text', body: 'seen', mentions: [] });
  await s.store.messages.append({ roomId: room, senderId: s.adult.id, clientId: 'c-held-00000', kind: 'text', body: 'held text', mentions: [], held: true });
  let last = '';
  for (let i = 0; i < MAX_REPLAY + 1; i++) {
    last = (await s.store.messages.append({ roomId: room, senderId: s.peer.id, clientId: `c-msg-${String(i).padStart(6, '0')}`, kind: 'text', body: `m${i}`, mentions: [] })).message.id;
  }
  const back = (await replay(s.ctx, s.kid, room, first.message.rev))?.value ?? '';
  expect(back).toContain('hx-swap="innerHTML"');
  expect(back).toContain(last);
  expect(back).not.toContain('held text');
});
