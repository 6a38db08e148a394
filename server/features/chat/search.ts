/**
 * Message search across the rooms the user belongs to (and only those). A search reads the whole
 * campus's index (the store filters by room after matching), so it is rate-limited per person and
 * one-letter words are left out: as prefixes they match nearly every message.
 */
import { rateLimited } from '../../errors';
import type { User } from '../../store/types';
import type { ChatContext } from './context';
import { sendersOf } from './context';
import { roomTitle } from './rooms';

/** The words a search looks for: runs of letters and digits, two characters or more, at most 16. */
export const searchWords = (query: string) => (query.slice(0, 200).match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => [...w].length >= 2).slice(0, 16);

export async function searchMessages(ctx: ChatContext, user: User, query: string) {
  const words = searchWords(query);
  if (!words.length) return [];
  const wait = await ctx.searchLimiter.take(user.id);
  if (wait) throw rateLimited(`You are searching too fast. Wait ${wait} second${wait === 1 ? '' : 's'} and try again.`, wait);
  const q = words.join(' ');
  const mine = await ctx.store.rooms.listForUser(user.id);
  const rooms = new Map(mine.map((x) => [x.room.id, x.room]));
  const found = await ctx.store.messages.search([...rooms.keys()], q, 50);
  const senders = await sendersOf(ctx.store, found.map((m) => m.senderId));
  const titles = new Map<string, string>();
  for (const id of new Set(found.map((m) => m.roomId))) titles.set(id, await roomTitle(ctx, rooms.get(id)!, user));
  return found.filter((m) => rooms.has(m.roomId)).map((m) => ({ message: m, sender: senders.get(m.senderId)!, roomTitle: titles.get(m.roomId)!, roomLastSeq: rooms.get(m.roomId)!.lastSeq }));
}
