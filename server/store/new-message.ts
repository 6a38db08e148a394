/** The one definition of a newly appended message (both adapters store exactly this). */
import type { AppendMessage, Message } from './types';

export function newMessage(m: AppendMessage, seq: number): Message {
  return {
    id: crypto.randomUUID(),
    roomId: m.roomId,
    seq,
    rev: seq,
    senderId: m.senderId,
    clientId: m.clientId,
    kind: m.kind,
    body: m.body,
    mentions: m.mentions,
    meta: m.meta ?? null,
    createdAt: m.now ?? Date.now(),
    editedAt: null,
    deletedAt: null,
    deletedBy: null,
    held: m.held ?? false,
    heldRev: m.held ? seq : null,
    replyTo: m.replyTo ?? null,
  };
}
