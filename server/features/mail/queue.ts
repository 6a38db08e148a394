/**
 * Who a new message is queued for: an email about it goes out if it is still unread some minutes
 * later (MISSED_EMAIL_MINUTES) and no tab of theirs is open then (job.ts).
 * - a direct conversation or group: every other member;
 * - a course room: the members it mentions (every member for @class), nobody else: a class of 300
 *   would bury the messages that are for them.
 * Held messages are queued for no one (a hold shows a message to its sender only); edits queue
 * nothing (as they notify no one); the store keeps one entry per person and room, however many
 * messages come.
 */
import { CLASS_MENTION, type Message, type Room } from '../../store/types';
import type { ChatContext } from '../chat/context';

export async function queueMissed(ctx: ChatContext, room: Room, message: Message): Promise<void> {
  const afterMs = ctx.mailAfterMs;
  if (!afterMs || message.held || message.deletedAt !== null || message.kind === 'system') return;
  const everyone = room.kind !== 'course' || message.mentions.includes(CLASS_MENTION);
  const ids = everyone ? (await ctx.store.rooms.members(room.id)).map((m) => m.userId) : message.mentions;
  const to = ids.filter((id) => id !== message.senderId);
  if (to.length) await ctx.store.mail.queue(room.id, to, message.createdAt + afterMs);
}
