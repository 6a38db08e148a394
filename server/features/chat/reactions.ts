/**
 * Reactions: a member adds or takes back one of a fixed set of emoji (views/reaction-set.ts) on a
 * message everyone in the room can see. Reacting is posting, in what it may tell others: refused
 * where a block, restriction or freeze stops the person posting, and in an archived room. A
 * change gives the message a new rev (reconnect replay brings it) and goes to the room as the
 * whole message, with who changed what (each page keeps its own pressed chips: views/chat.ts).
 */
import { badRequest, notFound, rateLimited } from '../../errors';
import type { Message, ReactionCount, User } from '../../store/types';
import { isReaction } from '../../../views/reaction-set';
import type { ChatContext } from './context';
import { memberRoom, publishVisible } from './messages';
import { assertMayPost } from '../moderation/restrictions';

export async function react(ctx: ChatContext, user: User, input: { roomId: string; messageId: string; emoji: string; on: boolean }): Promise<Message | null> {
  if (!isReaction(input.emoji)) throw badRequest('That reaction is not one of the offered ones.');
  const { room } = await memberRoom(ctx, user, input.roomId);
  if (room.archived) throw badRequest('This room is archived: you can read it but not react.');
  const message = await ctx.store.messages.byId(room.id, input.messageId);
  // A held message is for its sender and the officers only: nobody reacts to it (not even its sender, whose reaction others would see on release).
  if (!message || message.held) throw notFound('No such message.');
  if (message.deletedAt) throw badRequest('This message was deleted.');
  await assertMayPost(ctx.store, user, room);
  const wait = await ctx.reactLimiter.take(`${user.id}:${room.id}`);
  if (wait) throw rateLimited(`You are reacting too fast. Wait ${wait} second${wait === 1 ? '' : 's'} and try again.`, wait);
  const changed = await ctx.store.messages.react(room.id, message.id, user.id, input.emoji, input.on);
  if (changed) await publishVisible(ctx, changed, { userId: user.id, emoji: input.emoji, on: input.on });
  return changed;
}

/** The reactions of these messages, by message id (per room: one store read each); `mine` for `viewerId`. */
export async function reactionsFor(ctx: ChatContext, messages: readonly Message[], viewerId?: string): Promise<Map<string, ReactionCount[]>> {
  const byRoom = new Map<string, string[]>();
  for (const m of messages) if (!m.deletedAt) (byRoom.get(m.roomId) ?? byRoom.set(m.roomId, []).get(m.roomId)!).push(m.id);
  const maps = await Promise.all([...byRoom].map(([roomId, ids]) => ctx.store.messages.reactions(roomId, ids, viewerId)));
  return new Map(maps.flatMap((m) => [...m]));
}
