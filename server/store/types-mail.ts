/** Store types for emails about missed messages (features/mail; re-exported by types.ts). */

/** What the mail job keeps per person. */
export interface MailState {
  /** When one of the person's pages was last seen open on some node (null: never). */
  lastSeenAt: number | null;
  /** The person turned these emails off. */
  off: boolean;
}

/** One person's queued room: an email is due about it, covering its messages from `fromSeq` on. */
export interface MailEntry {
  roomId: string;
  fromSeq: number;
}

export interface MailStore {
  /**
   * Queues each user for an email about `roomId` covering messages from `fromSeq` on, due at
   * `dueAt`; a user already queued for the room keeps the earlier due time and the lower seq. One
   * entry per (user, room), however many messages.
   */
  queue(roomId: string, userIds: readonly string[], dueAt: number, fromSeq: number): Promise<void>;
  /**
   * Takes (removes and returns) the queued rooms of up to `limit` users who have a room due by
   * `now` (the earliest due first): all of each such user's rooms, due or not, so one email covers
   * them. Each (user, room) entry is returned to one caller only, whichever node asks.
   */
  takeDue(now: number, limit: number): Promise<Map<string, MailEntry[]>>;
  /** Records that these users have a page open at `at` (a node's live sockets). */
  seen(userIds: readonly string[], at: number): Promise<void>;
  /** The person's state (for someone never recorded: never seen, emails on). */
  state(userId: string): Promise<MailState>;
  setOff(userId: string, off: boolean): Promise<void>;
}
