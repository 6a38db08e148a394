/** Message search across the rooms the user belongs to (and only those). */
import type { User } from '../../store/types';
import type { ChatContext } from './context';
import { sendersOf } from './context';
import { roomTitle } from './rooms';

export async function searchMessages(ctx: ChatContext, user: User, query: string) {
  const q = query.trim().slice(0, 200);
  if (!q) return [];
  const mine = await ctx.store.rooms.listForUser(user.id);
  const rooms = new Map(mine.map((x) => [x.room.id, x.room]));
  const found = await ctx.store.messages.search([...rooms.keys()], q, 50);
  const senders = await sendersOf(ctx.store, found.map((m) => m.senderId));
  const titles = new Map<string, string>();
  for (const id of new Set(found.map((m) => m.roomId))) titles.set(id, await roomTitle(ctx, rooms.get(id)!, user));
  return found.filter((m) => rooms.has(m.roomId)).map((m) => ({ message: m, sender: senders.get(m.senderId)!, roomTitle: titles.get(m.roomId)! }));
}
