/**
 * Reactions: a member adds or takes back one of a fixed set of emoji (views/reaction-set.ts) on a
 * message everyone in the room can see. Reacting is posting, in what it may tell others: refused
 * where a block, restriction or freeze stops the person posting, and in an archived room.
 *
 * Protocol: reactions are not changes of the message (no rev: they never race an edit, a delete or
 * a hide, nor an officer's "the message changed since you opened it"). A change goes to the room
 * as the message's reaction box alone (`rx-<id>`), counts and who changed what, with the time the
 * counts were read: pages keep the newest box they have seen of a message. A reconnecting page
 * asks for the boxes changed since the newest time it saw (`catchUp`). A change that changes
 * nothing (a page that showed a stale state) is answered to its sender alone, rendered for her.
 */
import { badRequest, notFound, rateLimited } from '../../errors';
import type { Message, ReactionCount, User } from '../../store/types';
import { html, type Raw } from '../../http/html';
import { isReaction } from '../../../views/reaction-set';
import { reactionBox, reactionsId } from '../../../views/chat';
import { partial } from '../../../views/partials';
import { topics } from '../../realtime/topics';
import type { ChatContext } from './context';
import { memberRoom } from './messages';
import { BOX_CATCH_UP, BOX_CLOCK_MARGIN_MS } from './limits';
import { groupBy } from '../../lib/group-by';
import { assertMayPost } from '../moderation/restrictions';


/** Returns, when nothing changed, the message's box rendered for `user` (her page showed a stale state). */
export async function react(ctx: ChatContext, user: User, input: { roomId: string; messageId: string; emoji: string; on: boolean }): Promise<Raw | null> {
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
  if (!changed) return boxesFor(ctx, room.id, [message.id], user.id);
  ctx.hub.publish(topics.room(room.id), (await boxesFor(ctx, room.id, [message.id], undefined, { userId: user.id, emoji: input.emoji, on: input.on })).value);
  return null;
}

/** Reaction-box partials for these messages of the room (empty boxes too: a page drops what it showed). */
async function boxesFor(ctx: ChatContext, roomId: string, ids: readonly string[], viewerId?: string, actor?: { userId: string; emoji: string; on: boolean }): Promise<Raw> {
  const at = Date.now();
  const counts = await ctx.store.messages.reactions(roomId, ids, viewerId);
  return html`${ids.map((id) => partial(reactionsId(id), 'outerHTML', reactionBox(id, { list: counts.get(id), forViewer: viewerId !== undefined, actor, at })))}`;
}

/** For a reconnecting page: the boxes of the room's messages whose reactions changed after `since`, rendered for `user`. */
export async function catchUp(ctx: ChatContext, user: User, roomId: string, since: number): Promise<Raw | null> {
  const ids = await ctx.store.messages.reactionsChangedSince(roomId, since - BOX_CLOCK_MARGIN_MS, BOX_CATCH_UP);
  return ids.length ? boxesFor(ctx, roomId, ids, user.id) : null;
}

/** The reactions of these messages, by message id (per room: one store read each); `mine` for `viewerId`. */
export async function reactionsFor(ctx: ChatContext, messages: readonly Message[], viewerId?: string): Promise<Map<string, ReactionCount[]>> {
  const byRoom = groupBy(messages.filter((m) => !m.deletedAt), (m) => m.roomId);
  const maps = await Promise.all([...byRoom].map(([roomId, ms]) => ctx.store.messages.reactions(roomId, ms.map((m) => m.id), viewerId)));
  return new Map(maps.flatMap((m) => [...m]));
}
