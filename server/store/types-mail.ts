/** Store types for emails about missed messages (features/mail; re-exported by types.ts). */

/** What the mail job keeps per person. */
export interface MailState {
  /** When one of the person's tabs was last seen open on some node (null: never). */
  lastSeenAt: number | null;
  /** Messages sent up to this time were emailed about (or seen): never emailed (again). */
  emailedThrough: number;
  /** The person turned these emails off. */
  off: boolean;
}

export interface MailStore {
  /**
   * Queues each user for an email about `roomId`, due at `dueAt`; a user already queued for the room
   * keeps the earlier due time. One entry per (user, room), however many messages.
   */
  queue(roomId: string, userIds: readonly string[], dueAt: number): Promise<void>;
  /**
   * Takes (removes and returns) the queued rooms of up to `limit` users who have a room due by
   * `now`: all of each such user's rooms, due or not, so one email covers them. Each (user, room)
   * entry is returned to one caller only, whichever node asks.
   */
  takeDue(now: number, limit: number): Promise<Map<string, string[]>>;
  /** Records that these users have a tab open at `at` (a node's live sockets). */
  seen(userIds: readonly string[], at: number): Promise<void>;
  /** The person's state (defaults for someone never recorded: never seen, nothing emailed, on). */
  state(userId: string): Promise<MailState>;
  /** `emailedThrough` only ever rises. */
  update(userId: string, patch: Partial<Pick<MailState, 'emailedThrough' | 'off'>>): Promise<void>;
}
