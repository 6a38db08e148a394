/**
 * The store contract for chat (rooms and messages; moderation cases and sanctions are in
 * contract-cases.ts, files in contract-files.ts). Runs inside `storeContract` (contract.ts) on the
 * store it opened.
 */
import { beforeEach, describe, expect, test } from 'bun:test';
import { newUser } from './contract';
import { CLASS_MENTION, DuplicateRoomError, NotFoundStoreError, type AppendMessage, type NewRoom, type Store } from './types';

let r = 0;
export function newRoom(over: Partial<NewRoom> = {}): NewRoom {
  r++;
  return { id: `r${r}-${crypto.randomUUID()}`, kind: 'group', code: null, name: `Room ${r}`, topic: '', createdBy: null, dmKey: null, ...over };
}

/** A text message from `senderId`, with a fresh clientId unless `over` gives one (the contract files' sends). */
export const appendText = (store: Store, roomId: string, senderId: string, body: string, over: Partial<AppendMessage> = {}) =>
  store.messages.append({ roomId, senderId, clientId: crypto.randomUUID(), kind: 'text', body, mentions: [], ...over });

/** Rooms and messages; runs inside `storeContract`, on the store its `beforeEach` opened. */
export function chatContract(current: () => Store) {
  describe('rooms and messages', () => {
    let store: Store;
    beforeEach(() => {
      store = current();
    });
    const send = (roomId: string, senderId: string, body: string, over: Partial<AppendMessage> = {}) => appendText(store, roomId, senderId, body, over);
    const sorted = (xs: string[]) => [...xs].sort();

    test('create stores the room and its members; found by id, code in any case, and dmKey', async () => {
      const c = await store.rooms.create(newRoom({ kind: 'course', code: 'csc201', name: 'Data Structures', createdBy: 'l1', createdAt: 1000 }), [
        { userId: 'l1', role: 'owner' },
        { userId: 's1', role: 'member' },
      ]);
      expect(c).toMatchObject({ kind: 'course', code: 'CSC201', name: 'Data Structures', createdBy: 'l1', createdAt: 1000, archived: false, dmKey: null, lastSeq: 0 });
      expect(await store.rooms.byId(c.id)).toEqual(c);
      expect((await store.rooms.byCode('Csc201'))?.id).toBe(c.id);
      expect((await store.rooms.members(c.id)).map((m) => [m.userId, m.role, m.lastReadSeq])).toEqual([['l1', 'owner', 0], ['s1', 'member', 0]]);
      const dm = await store.rooms.create(newRoom({ kind: 'dm', dmKey: 'a:b' }), [{ userId: 'a', role: 'member' }, { userId: 'b', role: 'member' }]);
      expect((await store.rooms.byDmKey('a:b'))?.id).toBe(dm.id);
      // Rooms without code or dmKey never clash with each other.
      await store.rooms.create(newRoom(), []);
      await store.rooms.create(newRoom(), []);
      expect(await store.rooms.byId('missing')).toBeNull();
      expect(await store.rooms.byCode('NOPE')).toBeNull();
      expect(await store.rooms.byDmKey('x:y')).toBeNull();
    });

    test('a duplicate code (any case) or dmKey is rejected and leaves nothing behind', async () => {
      await store.rooms.create(newRoom({ kind: 'course', code: 'GST101' }), []);
      const again = newRoom({ kind: 'course', code: 'gst101' });
      await expect(store.rooms.create(again, [{ userId: 'u', role: 'member' }])).rejects.toBeInstanceOf(DuplicateRoomError);
      expect(await store.rooms.byId(again.id)).toBeNull();
      expect(await store.rooms.members(again.id)).toEqual([]);
      await store.rooms.create(newRoom({ kind: 'dm', dmKey: 'p:q' }), []);
      await expect(store.rooms.create(newRoom({ kind: 'dm', dmKey: 'p:q' }), [])).rejects.toBeInstanceOf(DuplicateRoomError);
    });

    test('update patches; listCourses sorts by code and hides archived unless asked', async () => {
      const b = await store.rooms.create(newRoom({ kind: 'course', code: 'B200' }), []);
      // Announcements only: off for a new room, set and cleared by a patch of its own.
      expect(b.announcementsOnly).toBe(false);
      expect(await store.rooms.update(b.id, { announcementsOnly: true })).toMatchObject({ announcementsOnly: true, name: b.name });
      expect((await store.rooms.byId(b.id))!.announcementsOnly).toBe(true);
      expect(await store.rooms.update(b.id, { topic: 'x' })).toMatchObject({ announcementsOnly: true });
      expect(await store.rooms.update(b.id, { announcementsOnly: false })).toMatchObject({ announcementsOnly: false });
      await store.rooms.create(newRoom({ kind: 'course', code: 'A100' }), []);
      await store.rooms.create(newRoom({ kind: 'course', code: 'C300' }), []);
      await store.rooms.create(newRoom({ kind: 'group' }), []);
      expect(await store.rooms.update(b.id, { name: 'Renamed', topic: 'Week 1', archived: true })).toMatchObject({ name: 'Renamed', topic: 'Week 1', archived: true, code: 'B200' });
      expect(await store.rooms.update('missing', { name: 'x' })).toBeNull();
      expect((await store.rooms.listCourses()).map((c) => c.code)).toEqual(['A100', 'C300']);
      expect((await store.rooms.listCourses({ includeArchived: true })).map((c) => c.code)).toEqual(['A100', 'B200', 'C300']);
    });

    test("an archived room frees its course code for next session's room; restoring it while a live room has the code is refused", async () => {
      const old = await store.rooms.create(newRoom({ kind: 'course', code: 'HED204', name: '2025/26', createdAt: 1000 }), [{ userId: 'l1', role: 'owner' }]);
      await expect(store.rooms.create(newRoom({ kind: 'course', code: 'hed204' }), [])).rejects.toBeInstanceOf(DuplicateRoomError);
      expect(await store.rooms.update(old.id, { archived: true })).toMatchObject({ archived: true, code: 'HED204' });
      // Only an archived one: found by its code (to restore it by code).
      expect((await store.rooms.byCode('hed204'))?.id).toBe(old.id);
      const fresh = await store.rooms.create(newRoom({ kind: 'course', code: 'hed204', name: '2026/27', createdAt: 2000 }), []);
      expect(fresh.code).toBe('HED204');
      expect((await store.rooms.byCode('HED204'))?.id).toBe(fresh.id);
      expect((await store.rooms.byId(old.id))).toMatchObject({ code: 'HED204', archived: true, name: '2025/26' });
      expect((await store.rooms.listCourses()).map((c) => c.name)).toEqual(['2026/27']);
      expect((await store.rooms.listCourses({ includeArchived: true })).map((c) => [c.code, c.name])).toEqual([['HED204', '2026/27'], ['HED204', '2025/26']]);
      // A third live one is still refused; restoring the old one while the new one is live, too (nothing changes).
      await expect(store.rooms.create(newRoom({ kind: 'course', code: 'HED204' }), [])).rejects.toBeInstanceOf(DuplicateRoomError);
      await expect(store.rooms.update(old.id, { archived: false })).rejects.toBeInstanceOf(DuplicateRoomError);
      expect(await store.rooms.byId(old.id)).toMatchObject({ archived: true, code: 'HED204' });
      expect((await store.rooms.byCode('HED204'))?.id).toBe(fresh.id);
      // Archive the new one: the old one can come back, and holds the code again.
      await store.rooms.update(fresh.id, { archived: true });
      expect((await store.rooms.byCode('HED204'))?.id).toBe(fresh.id); // the newest archived
      expect(await store.rooms.update(old.id, { archived: false })).toMatchObject({ archived: false, code: 'HED204' });
      expect((await store.rooms.byCode('HED204'))?.id).toBe(old.id);
      await expect(store.rooms.create(newRoom({ kind: 'course', code: 'HED204' }), [])).rejects.toBeInstanceOf(DuplicateRoomError);
      await expect(store.rooms.update(fresh.id, { archived: false })).rejects.toBeInstanceOf(DuplicateRoomError);
      // Archiving twice, or restoring a live room, changes nothing.
      expect(await store.rooms.update(fresh.id, { archived: true })).toMatchObject({ archived: true, code: 'HED204' });
      expect(await store.rooms.update(old.id, { archived: false })).toMatchObject({ archived: false, code: 'HED204' });
    });

    test("listForUser: the user's rooms with membership, live first, then the most recent message (not the most messages); a held one moves nothing", async () => {
      const mine = async (role: 'owner' | 'member') => store.rooms.create(newRoom(), [{ userId: 'me', role }]);
      const [a, b, c, d] = [await mine('owner'), await mine('member'), await mine('member'), await mine('member')];
      await store.rooms.create(newRoom(), [{ userId: 'someone-else', role: 'owner' }]);
      const later = () => Bun.sleep(5);
      await later();
      for (const body of ['1', '2', '3', '4', '5']) await send(a.id, 'x', body);
      await later();
      await send(b.id, 'x', 'just now');
      await later();
      const held = (await send(c.id, 'x', 'held for review', { held: true })).message;
      await later();
      await send(d.id, 'x', 'latest, but archived');
      await store.rooms.update(d.id, { archived: true });
      const list = await store.rooms.listForUser('me');
      expect(list.map((e) => e.room.id)).toEqual([b.id, a.id, c.id, d.id]);
      expect(list[1]!.membership).toMatchObject({ roomId: a.id, userId: 'me', role: 'owner' });
      expect(list[1]!.room.lastSeq).toBe(5);
      // Released, everyone sees it: it counts from its own time (after b's message).
      await store.messages.setHeld(c.id, held.id, false);
      expect((await store.rooms.listForUser('me')).map((e) => e.room.id)).toEqual([c.id, b.id, a.id, d.id]);
      expect(await store.rooms.listForUser('nobody')).toEqual([]);
    });

    test('addMembers adds only newcomers and keeps existing roles; removeMember; setRole', async () => {
      const room = await store.rooms.create(newRoom(), [{ userId: 'u1', role: 'owner' }]);
      const added = await store.rooms.addMembers(room.id, [{ userId: 'u1', role: 'member' }, { userId: 'u2', role: 'member' }, { userId: 'u3', role: 'moderator' }, { userId: 'u2', role: 'owner' }]);
      expect(sorted(added)).toEqual(['u2', 'u3']);
      expect(await store.rooms.addMembers(room.id, [{ userId: 'u2', role: 'owner' }])).toEqual([]);
      expect((await store.rooms.membership(room.id, 'u1'))?.role).toBe('owner');
      expect((await store.rooms.membership(room.id, 'u2'))?.role).toBe('member');
      expect((await store.rooms.members(room.id)).length).toBe(3);
      expect(await store.rooms.removeMember(room.id, 'u2')).toBe(true);
      expect(await store.rooms.removeMember(room.id, 'u2')).toBe(false);
      expect(await store.rooms.membership(room.id, 'u2')).toBeNull();
      expect(await store.rooms.setRole(room.id, 'u3', 'member')).toBe(true);
      expect((await store.rooms.membership(room.id, 'u3'))?.role).toBe('member');
      expect(await store.rooms.setRole(room.id, 'u2', 'owner')).toBe(false);
      await expect(store.rooms.addMembers('missing', [{ userId: 'u1', role: 'member' }])).rejects.toBeInstanceOf(NotFoundStoreError);
    });

    test('markRead only ever raises lastReadSeq', async () => {
      const room = await store.rooms.create(newRoom(), [{ userId: 'u', role: 'member' }]);
      expect(await store.rooms.markRead(room.id, 'u', 5)).toBe(5);
      expect(await store.rooms.markRead(room.id, 'u', 3)).toBe(5);
      expect(await store.rooms.markRead(room.id, 'u', 7)).toBe(7);
      expect((await store.rooms.membership(room.id, 'u'))?.lastReadSeq).toBe(7);
      expect(await store.rooms.markRead(room.id, 'stranger', 9)).toBeNull();
    });

    test('minorMembers: override first, then a date of birth after the cut-off; members only', async () => {
      const mk = (email: string, dateOfBirth: string | null, minorOverride: boolean | null) => store.users.create(newUser({ email, dateOfBirth, minorOverride }));
      const young = await mk('young@unilag.edu.ng', '2012-01-01', null);
      const flagged = await mk('flagged@unilag.edu.ng', '1990-01-01', true);
      const cleared = await mk('cleared@unilag.edu.ng', '2012-01-01', false);
      const unknown = await mk('unknown@unilag.edu.ng', null, null);
      const grown = await mk('grown@unilag.edu.ng', '2008-11-26', null);
      const outsider = await mk('outsider@unilag.edu.ng', '2013-01-01', null);
      const room = await store.rooms.create(newRoom({ kind: 'group' }), [young, flagged, cleared, unknown, grown].map((u) => ({ userId: u.id, role: 'member' as const })));
      expect(await store.rooms.minorMembers(room.id, '2008-11-26')).toEqual([young.id, flagged.id].sort());
      // A day earlier, `grown` was still 17.
      expect(await store.rooms.minorMembers(room.id, '2008-11-25')).toEqual([young.id, flagged.id, grown.id].sort());
      expect(await store.rooms.minorMembers('missing', '2008-11-26')).toEqual([]);
      // A minor who is not a member is not counted (already implied above; explicit for the reader).
      expect(await store.rooms.minorMembers(room.id, '2008-11-26')).not.toContain(outsider.id);
    });

    test('shareRoom: both users in one room of the given kinds, not archived', async () => {
      const shared = await store.rooms.create(newRoom({ kind: 'course', code: 'SHR100' }), [{ userId: 'u1', role: 'member' }, { userId: 'u2', role: 'member' }]);
      await store.rooms.create(newRoom({ kind: 'group' }), [{ userId: 'u1', role: 'owner' }, { userId: 'u3', role: 'member' }]);
      await store.rooms.create(newRoom({ kind: 'dm', dmKey: 'u2:u4' }), [{ userId: 'u2', role: 'member' }, { userId: 'u4', role: 'member' }]);
      expect(await store.rooms.shareRoom('u1', 'u2', ['course'])).toBe(true);
      expect(await store.rooms.shareRoom('u2', 'u1', ['course', 'dm'])).toBe(true);
      expect(await store.rooms.shareRoom('u1', 'u2', ['group', 'dm'])).toBe(false);
      expect(await store.rooms.shareRoom('u1', 'u3', ['group'])).toBe(true);
      expect(await store.rooms.shareRoom('u2', 'u3', ['course', 'group', 'dm'])).toBe(false);
      expect(await store.rooms.shareRoom('u1', 'u2', [])).toBe(false);
      await store.rooms.update(shared.id, { archived: true });
      expect(await store.rooms.shareRoom('u1', 'u2', ['course'])).toBe(false);
    });

    test('append is idempotent per (sender, clientId); seq = rev and strictly increases', async () => {
      const room = await store.rooms.create(newRoom(), []);
      const first = await send(room.id, 's1', 'hello', { clientId: 'c1', mentions: ['s2'], now: 5000 });
      expect(first.created).toBe(true);
      expect(first.message).toMatchObject({ roomId: room.id, seq: 1, rev: 1, senderId: 's1', clientId: 'c1', body: 'hello', mentions: ['s2'], meta: null, createdAt: 5000, editedAt: null, deletedAt: null, deletedBy: null, replyTo: null });
      const again = await send(room.id, 's1', 'hello (resent)', { clientId: 'c1' });
      expect(again.created).toBe(false);
      expect(again.message).toEqual(first.message);
      const other = await send(room.id, 's2', 'same clientId, other sender', { clientId: 'c1' });
      expect(other.created).toBe(true);
      // Found by who sent it and its client id, in its room only.
      expect(await store.messages.byClientId(room.id, 's1', 'c1')).toEqual(first.message);
      expect((await store.messages.byClientId(room.id, 's2', 'c1'))?.id).toBe(other.message.id);
      expect(await store.messages.byClientId(room.id, 's3', 'c1')).toBeNull();
      expect(await store.messages.byClientId('elsewhere', 's1', 'c1')).toBeNull();
      const file = await send(room.id, 's1', 'notes.pdf', { kind: 'file', meta: { name: 'notes.pdf', size: 3 } });
      expect((await store.messages.byId(room.id, file.message.id))?.meta).toEqual({ name: 'notes.pdf', size: 3 });
      expect([first, other, file].map((x) => x.message.seq)).toEqual([1, 2, 3]);
      expect((await store.rooms.byId(room.id))?.lastSeq).toBe(3);
      // A reply keeps what it answers, in every read.
      const reply = await send(room.id, 's2', 'hello to you', { replyTo: first.message.id });
      expect(reply.message.replyTo).toBe(first.message.id);
      expect((await store.messages.byId(room.id, reply.message.id))?.replyTo).toBe(first.message.id);
      expect((await store.messages.history(room.id, { limit: 10 })).map((m) => m.replyTo)).toEqual([null, null, null, first.message.id]);
      expect((await store.messages.changesSince(room.id, 3, 10)).map((m) => m.replyTo)).toEqual([first.message.id]);
      const racing = await Promise.all(Array.from({ length: 5 }, () => send(room.id, 's3', 'double tap', { clientId: 'dbl' })));
      expect(racing.filter((x) => x.created).length).toBe(1);
      expect(new Set(racing.map((x) => x.message.id)).size).toBe(1);
      await expect(send('missing', 's1', 'x')).rejects.toBeInstanceOf(NotFoundStoreError);
    });

    test('concurrent appends take distinct, increasing numbers', async () => {
      const room = await store.rooms.create(newRoom(), []);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => send(room.id, `s${i % 3}`, `m${i}`)));
      const seqs = results.map((x) => x.message.seq);
      expect(new Set(seqs).size).toBe(20);
      const history = await store.messages.history(room.id, { limit: 100 });
      expect(history.length).toBe(20);
      expect(history.every((m, i) => i === 0 || m.seq > history[i - 1]!.seq)).toBe(true);
      expect((await store.rooms.byId(room.id))?.lastSeq).toBe(Math.max(...seqs));
    });

    test('edit and delete take new revs; changesSince replays them in rev order', async () => {
      const room = await store.rooms.create(newRoom(), []);
      const [a, b, c] = [(await send(room.id, 's', 'a')).message, (await send(room.id, 's', 'b')).message, (await send(room.id, 's', 'c')).message];
      const edited = await store.messages.edit(room.id, a.id, 'a2 @t', ['t'], 7000);
      expect(edited).toMatchObject({ id: a.id, seq: 1, rev: 4, body: 'a2 @t', mentions: ['t'], editedAt: 7000, deletedAt: null });
      const deleted = await store.messages.delete(room.id, b.id, 'mod', 8000);
      expect(deleted).toMatchObject({ id: b.id, seq: 2, rev: 5, body: '', mentions: [], deletedAt: 8000, deletedBy: 'mod' });
      const d = (await send(room.id, 's', 'd')).message;
      expect(d.seq).toBe(6);
      expect(await store.messages.edit(room.id, b.id, 'undelete?', [])).toBeNull();
      expect(await store.messages.delete(room.id, b.id, 'mod')).toBeNull();
      expect(await store.messages.edit(room.id, 'missing', 'x', [])).toBeNull();
      expect(await store.messages.edit('other-room', a.id, 'x', [])).toBeNull();
      expect(await store.messages.byId('other-room', a.id)).toBeNull();
      expect(await store.messages.byId(room.id, a.id)).toEqual(edited!);
      const all = await store.messages.changesSince(room.id, 0, 100);
      expect(all.map((m) => [m.id, m.rev])).toEqual([[c.id, 3], [a.id, 4], [b.id, 5], [d.id, 6]]);
      expect((await store.messages.changesSince(room.id, 3, 2)).map((m) => m.id)).toEqual([a.id, b.id]);
      expect(await store.messages.changesSince(room.id, 6, 10)).toEqual([]);
      expect((await store.rooms.byId(room.id))?.lastSeq).toBe(6);
    });

    test('settledSeq: every change up to it is visible (after changes finish: the last number)', async () => {
      const room = await store.rooms.create(newRoom(), []);
      expect(await store.messages.settledSeq(room.id)).toBe(0);
      const a = (await send(room.id, 's', 'a')).message;
      await send(room.id, 's', 'b');
      await store.messages.edit(room.id, a.id, 'a2', []);
      await Promise.all(Array.from({ length: 6 }, (_, i) => send(room.id, 's', `c${i}`)));
      const settled = await store.messages.settledSeq(room.id);
      expect(settled).toBe((await store.rooms.byId(room.id))!.lastSeq);
      expect(Math.max(...(await store.messages.changesSince(room.id, 0, 100)).map((m) => m.rev))).toBe(settled);
      expect(await store.messages.settledSeq('no-such-room')).toBe(0);
    });

    test('history pages backwards by seq, oldest first, tombstones included', async () => {
      const room = await store.rooms.create(newRoom(), []);
      const ms = [];
      for (let i = 1; i <= 7; i++) ms.push((await send(room.id, 's', `m${i}`)).message);
      await store.messages.delete(room.id, ms[2]!.id, 's');
      const seqs = async (beforeSeq: number | undefined, limit: number) => (await store.messages.history(room.id, { beforeSeq, limit })).map((m) => m.seq);
      expect(await seqs(undefined, 3)).toEqual([5, 6, 7]);
      expect(await seqs(5, 3)).toEqual([2, 3, 4]);
      expect(await seqs(2, 3)).toEqual([1]);
      expect(await seqs(1, 3)).toEqual([]);
      expect((await store.messages.history(room.id, { beforeSeq: 4, limit: 1 }))[0]?.deletedAt).not.toBeNull();
    });

    test("unread counts others' live messages after a seq, and mentions of the user", async () => {
      const room = await store.rooms.create(newRoom(), []);
      await send(room.id, 'other', 'hi');
      await send(room.id, 'me', 'my own, even mentioning me', { mentions: ['me'] });
      await send(room.id, 'other', '@me look', { mentions: ['me', 'x'] });
      const gone = (await send(room.id, 'other', '@me deleted', { mentions: ['me'] })).message;
      await store.messages.delete(room.id, gone.id, 'other');
      await send(room.id, 'other', 'bye');
      expect(await store.messages.unread(room.id, 'me', 0)).toEqual({ count: 3, mentions: 1 });
      expect(await store.messages.unread(room.id, 'me', 3)).toEqual({ count: 1, mentions: 0 });
      expect(await store.messages.unread(room.id, 'other', 0)).toEqual({ count: 1, mentions: 0 });
      expect(await store.messages.unread(room.id, 'me', 99)).toEqual({ count: 0, mentions: 0 });
      // @class mentions every member but its sender, once even when she is named too.
      const after = (await send(room.id, 'lecturer', '@class and @me: read chapter 3', { mentions: [CLASS_MENTION, 'me'] })).message.seq - 1;
      expect(await store.messages.unread(room.id, 'me', after)).toEqual({ count: 1, mentions: 1 });
      expect(await store.messages.unread(room.id, 'other', after)).toEqual({ count: 1, mentions: 1 });
      expect(await store.messages.unread(room.id, 'lecturer', after)).toEqual({ count: 0, mentions: 0 });
      // Someone who joined after it: counted as unread, not as calling her.
      const sentAt = (await store.messages.history(room.id, { limit: 1 }))[0]!.createdAt;
      expect(await store.messages.unread(room.id, 'late', after, sentAt + 1)).toEqual({ count: 1, mentions: 0 });
      expect(await store.messages.unread(room.id, 'late', after, sentAt)).toEqual({ count: 1, mentions: 1 });
    });

    test('search: every word, any case, given rooms only, newest first, never deleted text', async () => {
      const r1 = (await store.rooms.create(newRoom(), [])).id;
      const r2 = (await store.rooms.create(newRoom(), [])).id;
      const first = (await send(r1, 's', 'Exam timetable for CSC 201 is out', { now: 1000 })).message;
      const monday = (await send(r1, 's', 'The exam is on Monday', { now: 2000 })).message;
      const changed = (await send(r1, 's', 'Timetable changed', { now: 3000 })).message;
      const other = (await send(r2, 's', 'exam timetable for room two', { now: 4000 })).message;
      const secret = (await send(r1, 's', 'secret exam timetable', { now: 5000 })).message;
      await store.messages.delete(r1, secret.id, 's');
      const ids = async (rooms: string[], q: string, limit = 10) => (await store.messages.search(rooms, q, limit)).map((m) => m.id);
      expect(await ids([r1], 'EXAM timetable')).toEqual([first.id]);
      expect(await ids([r1, r2], 'exam   Timetable')).toEqual([other.id, first.id]);
      expect(await ids([r1], 'exam')).toEqual([monday.id, first.id]);
      expect(await ids([r1], 'exam', 1)).toEqual([monday.id]);
      expect(await ids([r1], 'csc-201')).toEqual([first.id]);
      expect(await ids([r1], 'secret')).toEqual([]);
      expect(await ids([r2], 'monday')).toEqual([]);
      expect(await ids([], 'exam')).toEqual([]);
      expect(await ids([r1], '  ')).toEqual([]);
      for (const q of ['"foo* OR (bar', 'exam" NOT', 'NEAR(exam timetable)', 'body:exam', '^exam', '.*', '\\', '(']) {
        expect(Array.isArray(await store.messages.search([r1], q, 10))).toBe(true);
      }
      await store.messages.edit(r1, changed.id, 'Venue moved', []);
      expect(await ids([r1], 'venue')).toEqual([changed.id]);
      expect(await ids([r1], 'changed')).toEqual([]);
    });
  
    test('held messages: only the sender sees them in history and replay; never in unread or search; release takes a new rev', async () => {
      const room = await store.rooms.create(newRoom(), []);
      const before = (await send(room.id, 'adult', 'hello class')).message;
      const held = (await send(room.id, 'adult', 'secret meetup plan', { held: true })).message;
      expect(held.held).toBe(true);
      expect(before.held).toBe(false);
      expect((await store.messages.byId(room.id, held.id))?.held).toBe(true);
      const ids = (ms: { id: string }[]) => ms.map((m) => m.id);
      expect(ids(await store.messages.history(room.id, { limit: 10 }))).toEqual([before.id]);
      expect(ids(await store.messages.history(room.id, { limit: 10, viewerId: 'minor' }))).toEqual([before.id]);
      expect(ids(await store.messages.history(room.id, { limit: 10, viewerId: 'adult' }))).toEqual([before.id, held.id]);
      const after = (await send(room.id, 'minor', 'reply')).message;
      expect(ids(await store.messages.history(room.id, { afterSeq: before.seq, limit: 10, viewerId: 'minor' }))).toEqual([after.id]);
      expect(ids(await store.messages.history(room.id, { afterSeq: 0, limit: 2, viewerId: 'adult' }))).toEqual([before.id, held.id]);
      expect(ids(await store.messages.changesSince(room.id, 0, 10, 'minor'))).toEqual([before.id, after.id]);
      expect(ids(await store.messages.changesSince(room.id, 0, 10, 'adult'))).toEqual([before.id, held.id, after.id]);
      expect(ids(await store.messages.changesSince(room.id, 0, 10, 'minor', { withHeld: true }))).toEqual([before.id, held.id, after.id]);
      expect(await store.messages.unread(room.id, 'minor', 0)).toEqual({ count: 1, mentions: 0 });
      expect(await store.messages.search([room.id], 'meetup', 10)).toEqual([]);
      // Edits keep it held.
      expect((await store.messages.edit(room.id, held.id, 'secret meetup plan v2', []))?.held).toBe(true);
      const released = await store.messages.setHeld(room.id, held.id, false);
      expect(released).toMatchObject({ id: held.id, held: false, seq: held.seq });
      expect(released!.rev).toBeGreaterThan(after.seq);
      expect(ids(await store.messages.changesSince(room.id, after.seq, 10, 'minor'))).toEqual([held.id]);
      expect(await store.messages.unread(room.id, 'minor', 0)).toEqual({ count: 2, mentions: 0 });
      expect(ids(await store.messages.search([room.id], 'meetup', 10))).toEqual([held.id]);
      expect(await store.messages.setHeld(room.id, 'missing', false)).toBeNull();
      // A tombstoned held message stays held (hidden), and can still be marked.
      const other = (await send(room.id, 'adult', 'another', { held: true })).message;
      const gone = await store.messages.delete(room.id, other.id, 'officer');
      expect(gone).toMatchObject({ held: true, body: '' });
      expect(ids(await store.messages.history(room.id, { limit: 10, viewerId: 'minor' }))).not.toContain(other.id);
      // An edit can hold in the same write (a visible message whose new text is held).
      const visible = (await send(room.id, 'adult', 'see you at the lab')).message;
      const heldByEdit = await store.messages.edit(room.id, visible.id, 'see you at the lab, alone', [], undefined, { hold: true });
      expect(heldByEdit).toMatchObject({ held: true, body: 'see you at the lab, alone' });
      expect(heldByEdit!.rev).toBeGreaterThan(visible.rev);
    });

    test('heldRev: the change that hid a message (its seq when stored held; kept while held; none once released)', async () => {
      const room = await store.rooms.create(newRoom(), []);
      const fromStart = (await send(room.id, 'adult', 'meet me alone', { held: true })).message;
      expect(fromStart.heldRev).toBe(fromStart.seq);
      expect((await send(room.id, 'adult', 'hello')).message.heldRev).toBeNull();
      // edits, with or without a hold, and a delete keep it: it was never shown
      expect((await store.messages.edit(room.id, fromStart.id, 'meet me alone v2', []))?.heldRev).toBe(fromStart.seq);
      expect((await store.messages.edit(room.id, fromStart.id, 'meet me alone v3', [], undefined, { hold: true }))?.heldRev).toBe(fromStart.seq);
      expect((await store.messages.byId(room.id, fromStart.id))?.heldRev).toBe(fromStart.seq);
      // released (shown), then hidden again by an officer: that change's rev
      expect((await store.messages.setHeld(room.id, fromStart.id, false))?.heldRev).toBeNull();
      const hidden = await store.messages.setHeld(room.id, fromStart.id, true);
      expect(hidden!.heldRev).toBe(hidden!.rev);
      expect((await store.messages.setHeld(room.id, fromStart.id, true))?.heldRev).toBe(hidden!.rev);
      // a shown message whose edit is held: the edit's rev
      const shown = (await send(room.id, 'adult', 'see you at the lab')).message;
      const byEdit = await store.messages.edit(room.id, shown.id, 'see you at the lab, alone', [], undefined, { hold: true });
      expect(byEdit!.heldRev).toBe(byEdit!.rev);
      expect((await store.messages.delete(room.id, shown.id, 'adult'))?.heldRev).toBe(byEdit!.rev);
      expect((await store.messages.changesSince(room.id, 0, 10, 'minor', { withHeld: true })).find((m) => m.id === shown.id)?.heldRev).toBe(byEdit!.rev);
    });
  });
}
