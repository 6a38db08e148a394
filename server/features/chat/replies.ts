/**
 * Replies: a message may answer another message of the same room, which its page quotes (who wrote
 * it and its first words, a link to it).
 *
 * Invariants:
 * - the quoted text is the answered message's text for everyone in the room, so it is shown only
 *   while that message is visible to everyone: deleted, or held by safeguarding (its text is for
 *   its sender and the officers only), the quote says only that the message is gone. Open pages
 *   follow its later changes themselves (views/client/replies.ts);
 * - a reply to a message that is gone by the time it is sent is sent as a plain message (the reply
 *   loses its quote, not its text); a reply to something that is not a message id is refused.
 */
import { badRequest } from '../../errors';
import type { Message, Room } from '../../store/types';
import type { Quote } from '../../../views/chat';
import { sendersOf, type ChatContext } from './context';
import { pollOf } from '../../../views/polls';

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** The message a new message may answer, or null (none asked, or it is gone). */
export async function replyTarget(ctx: ChatContext, room: Room, replyTo: string | undefined): Promise<string | null> {
  if (replyTo === undefined || replyTo === '') return null;
  if (!ID_RE.test(replyTo)) throw badRequest('The message you replied to is malformed.');
  const target = await ctx.store.messages.byId(room.id, replyTo);
  return target && visibleToAll(target) ? target.id : null;
}

const visibleToAll = (m: Message) => m.deletedAt === null && !m.held;

/** The quotes of the replies among `messages`, by the answered message's id: one read per distinct one. */
export async function quotesFor(ctx: ChatContext, messages: readonly Message[]): Promise<Map<string, Quote>> {
  const out = new Map<string, Quote>();
  const byRoom = new Map<string, Set<string>>();
  for (const m of messages) if (m.replyTo && !m.deletedAt) (byRoom.get(m.roomId) ?? byRoom.set(m.roomId, new Set()).get(m.roomId)!).add(m.replyTo);
  const targets = (await Promise.all([...byRoom].flatMap(([roomId, ids]) => [...ids].map((id) => ctx.store.messages.byId(roomId, id))))).filter((m): m is Message => m !== null);
  const senders = await sendersOf(ctx.store, targets.map((t) => t.senderId));
  for (const t of targets) {
    const shown = visibleToAll(t);
    out.set(t.id, { id: t.id, roomId: t.roomId, seq: t.seq, rev: t.rev, sender: senders.get(t.senderId)!.name, text: !shown ? null : t.kind === 'file' ? `📎 ${typeof t.meta?.name === 'string' ? t.meta.name : 'a file'}` : t.kind === 'poll' ? `📊 ${pollOf(t)!.question}` : t.body });
  }
  return out;
}
