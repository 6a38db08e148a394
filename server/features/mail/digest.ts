/**
 * What an email about missed messages says: for each queued room still holding something for her
 * since its queue entry's first message, the room's name, how many messages wait unread, and the
 * newest few.
 *
 * What counts (as the room list's badges do, store `unread`): messages from others after her read
 * marker, not deleted, not held, not older than MAX_AGE_MS. In a course room only those that
 * mention her (@class only from when she joined). Each queue entry covers the messages from its
 * `fromSeq` on: earlier ones were emailed about, or seen, when their own entry was taken.
 */
import { CLASS_MENTION, type MailEntry, type Message, type Room, type RoomKind, type User } from '../../store/types';
import type { ChatContext } from '../chat/context';
import { sendersOf } from '../chat/context';
import { roomTitle } from '../chat/rooms';
import { pollOf } from '../../../views/polls';

/** The newest messages quoted per room. */
export const QUOTED_PER_ROOM = 3;
/** Messages read per store call, and at most per room (a course room's busy ten minutes is far fewer). */
const PAGE = 250;
const MAX_READ = 2_000;
/** Older messages are not emailed about (a mail server down for a day, a queue left from before). */
export const MAX_AGE_MS = 86_400_000;

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
  /** The newest messages for her since the entry, oldest first, at most QUOTED_PER_ROOM. */
  lines: MissedLine[];
  /** When the newest of them was sent. */
  newestAt: number;
}

const fileName = (m: Message) => (typeof m.meta?.name === 'string' ? m.meta.name : 'a file');

async function missedIn(ctx: ChatContext, user: User, room: Room, fromSeq: number, now: number): Promise<MissedRoom | null> {
  const membership = await ctx.store.rooms.membership(room.id, user.id);
  if (!membership) return null;
  const course = room.kind === 'course';
  const forHer = (m: Message) =>
    m.senderId !== user.id && m.seq > membership.lastReadSeq && m.deletedAt === null && !m.held && m.kind !== 'system' && m.createdAt > now - MAX_AGE_MS &&
    (!course || m.mentions.includes(user.id) || (m.mentions.includes(CLASS_MENTION) && m.createdAt >= membership.joinedAt));
  // Forward from the entry's first message (or her read marker, if later); no viewer, so held ones are left out.
  const fresh: Message[] = [];
  let after = Math.max(fromSeq - 1, membership.lastReadSeq);
  for (let read = 0; read < MAX_READ; read += PAGE) {
    const page = await ctx.store.messages.history(room.id, { afterSeq: after, limit: PAGE });
    fresh.push(...page.filter(forHer));
    if (page.length < PAGE) break;
    after = page.at(-1)!.seq;
  }
  if (!fresh.length) return null;
  const [unread, title, senders] = await Promise.all([
    ctx.store.messages.unread(room.id, user.id, membership.lastReadSeq, membership.joinedAt),
    roomTitle(ctx, room, user),
    sendersOf(ctx.store, fresh.slice(-QUOTED_PER_ROOM).map((m) => m.senderId)),
  ]);
  const lines = fresh.slice(-QUOTED_PER_ROOM).map((m) => ({ sender: senders.get(m.senderId)!.name, at: m.createdAt, kind: m.kind, text: m.kind === 'file' ? fileName(m) : (pollOf(m)?.question ?? m.body) }));
  return { roomId: room.id, kind: room.kind, title, unread: Math.max(course ? unread.mentions : unread.count, fresh.length), lines, newestAt: fresh.at(-1)!.createdAt };
}

/** The entries' rooms with something for her, the most recent first. */
export async function missedRooms(ctx: ChatContext, user: User, entries: readonly MailEntry[], now: number): Promise<MissedRoom[]> {
  const found = await Promise.all(
    entries.map(async (e) => {
      const room = await ctx.store.rooms.byId(e.roomId);
      return room ? missedIn(ctx, user, room, e.fromSeq, now) : null;
    }),
  );
  return found.filter((r): r is MissedRoom => r !== null).sort((a, b) => b.newestAt - a.newestAt);
}
