/**
 * Who a message is queued for: an email about it goes out if it is still unread some minutes
 * after it was sent (MISSED_EMAIL_MINUTES) and no page of theirs is open then (job.ts).
 * - a direct conversation or group: every other member;
 * - a course room: the members it mentions (every member for @class), nobody else: a class of 300
 *   would bury the messages that are for them.
 * Called when a message is delivered: sent (also on a resend, in case the first attempt stopped
 * before queueing; the queue keeps one entry per person and room), or released by an officer.
 * Held messages are queued for no one; edits queue nothing (as they notify no one).
 */
import { CLASS_MENTION, type Message, type Room } from '../../store/types';
import type { ChatContext } from '../chat/context';

export async function queueMissed(ctx: ChatContext, message: Message, known?: Room): Promise<void> {
  const afterMs = ctx.mailAfterMs;
  if (!afterMs || message.held || message.deletedAt !== null || message.kind === 'system') return;
  const room = known ?? (await ctx.store.rooms.byId(message.roomId));
  if (!room) return;
  const everyone = room.kind !== 'course' || message.mentions.includes(CLASS_MENTION);
  const ids = everyone ? (await ctx.store.rooms.members(room.id)).map((m) => m.userId) : message.mentions;
  const to = ids.filter((id) => id !== message.senderId);
  if (to.length) await ctx.store.mail.queue(room.id, to, message.createdAt + afterMs, message.seq);
}
