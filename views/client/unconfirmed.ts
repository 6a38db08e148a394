/**
 * Deletes and reports have no outbox (a delete sent much later could surprise; a report is a
 * choice made looking at the message): each waits for the server's answer (`deleted`, `reported`).
 * A socket lost before the answer came is said in the room, since the action may not have
 * happened: a report lost silently was the worst of it (QA, s16). Doing either again is harmless
 * (a delete of a deleted message does nothing; a second report joins the first's case).
 */
export type Unconfirmed = 'delete' | 'report';

export const LOST: Record<Unconfirmed, string> = {
  delete: 'The connection dropped before the delete was confirmed: if the message is still there, delete it again.',
  report: 'The connection dropped before your report was confirmed: please report the message again.',
};

export function unconfirmedActions(say: (room: string, text: string) => void) {
  const waiting = new Map<string, { room: string; kind: Unconfirmed }>();
  return {
    sent(kind: Unconfirmed, room: string, messageId: string) {
      waiting.set(`${kind}:${messageId}`, { room, kind });
    },
    /** The server answered: true if this page was waiting for it. */
    answered(kind: Unconfirmed, messageId: string) {
      return waiting.delete(`${kind}:${messageId}`);
    },
    /**
     * The socket is gone: every action still waiting is said to be unconfirmed, in one line per
     * room (the room has one line: a report's warning said after a delete's replaced it; review s17).
     */
    lost() {
      const byRoom = new Map<string, Set<Unconfirmed>>();
      for (const { room, kind } of waiting.values()) byRoom.set(room, (byRoom.get(room) ?? new Set()).add(kind));
      waiting.clear();
      for (const [room, kinds] of byRoom) say(room, (['delete', 'report'] as const).filter((k) => kinds.has(k)).map((k) => LOST[k]).join(' '));
    },
  };
}
