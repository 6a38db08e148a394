/**
 * What an email about missed messages says: for each queued room still holding something for her
 * that no email has covered yet, the room's name, how many messages wait unread, and the newest few.
 *
 * What counts (the same as the room list's badges, store `unread`): messages from others after her
 * read marker, not deleted, not held. In a course room only those that mention her (@class only
 * from when she joined). Nothing sent before `since` (an earlier email covered it, or she was
 * online then, or it is more than a day old) is emailed about again.
 */
import { mentionsUser, type Message, type Room, type RoomKind, type User } from '../../store/types';
import type { ChatContext } from '../chat/context';
import { sendersOf } from '../chat/context';
import { roomTitle } from '../chat/rooms';

/** The newest messages quoted per room. */
export const QUOTED_PER_ROOM = 3;
/** How far back a room is read for the messages to quote. */
const READ_BACK = 30;

export interface MissedLine {
  sender: string;
  at: number;
  kind: Message['kind'];
  /** The text, or a file's name. */
  text: string;
}

export interface MissedRoom {
  roomId: string;
  kind: RoomKind;
  title: string;
  /** Unread messages for her in the room (all unread in a conversation; the mentions in a course room). */
  unread: number;
  /** The newest messages no email covered yet, oldest first, at most QUOTED_PER_ROOM. */
  lines: MissedLine[];
  /** When the newest of them was sent. */
  newestAt: number;
}

const fileName = (m: Message) => (typeof m.meta?.name === 'string' ? m.meta.name : 'a file');

async function missedIn(ctx: ChatContext, user: User, room: Room, since: number): Promise<MissedRoom | null> {
  const membership = await ctx.store.rooms.membership(room.id, user.id);
  if (!membership) return null;
  const course = room.kind === 'course';
  const forHer = (m: Message) =>
    m.senderId !== user.id && m.seq > membership.lastReadSeq && m.deletedAt === null && !m.held && m.kind !== 'system' &&
    (!course || m.mentions.includes(user.id) || (mentionsUser(m.mentions, user.id) && m.createdAt >= membership.joinedAt));
  // No viewer: held messages are left out by the store as well.
  const recent = (await ctx.store.messages.history(room.id, { beforeSeq: room.lastSeq + 1, limit: READ_BACK })).filter(forHer);
  const fresh = recent.filter((m) => m.createdAt > since);
  if (!fresh.length) return null;
  const [unread, title, senders] = await Promise.all([
    ctx.store.messages.unread(room.id, user.id, membership.lastReadSeq, membership.joinedAt),
    roomTitle(ctx, room, user),
    sendersOf(ctx.store, fresh.map((m) => m.senderId)),
  ]);
  const lines = fresh.slice(-QUOTED_PER_ROOM).map((m) => ({ sender: senders.get(m.senderId)!.name, at: m.createdAt, kind: m.kind, text: m.kind === 'file' ? fileName(m) : m.body }));
  return { roomId: room.id, kind: room.kind, title, unread: Math.max(course ? unread.mentions : unread.count, fresh.length), lines, newestAt: fresh.at(-1)!.createdAt };
}

/** The rooms of `roomIds` with something new for her since `since`, the most recent first. */
export async function missedRooms(ctx: ChatContext, user: User, roomIds: readonly string[], since: number): Promise<MissedRoom[]> {
  const rooms = (await Promise.all(roomIds.map((id) => ctx.store.rooms.byId(id)))).filter((r): r is Room => r !== null);
  const found = (await Promise.all(rooms.map((r) => missedIn(ctx, user, r, since)))).filter((r): r is MissedRoom => r !== null);
  return found.sort((a, b) => b.newestAt - a.newestAt);
}
