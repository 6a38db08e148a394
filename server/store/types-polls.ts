/** Store types for polls (features/chat/polls.ts; re-exported by types.ts). A poll is a message of kind `poll`; this is its votes and whether it is closed. */

/** What a poll stands at, for one reader. */
export interface PollTally {
  /** Votes per option, by option index (an option nobody chose may be missing: 0). */
  counts: number[];
  /** People who voted (someone who chose two options of a "several answers" poll counts once). */
  voters: number;
  /** The options the reader asked about chose (empty when none was asked, or she did not vote). */
  mine: number[];
  closedAt: number | null;
  closedBy: string | null;
}

export interface PollBallot {
  userId: string;
  option: number;
}

export interface PollStore {
  /**
   * Chooses (`on`) or takes back one answer for a person, atomically, and marks the poll changed at
   * `at`. With `single`, choosing an answer replaces her other choices (a one-answer poll). The same
   * request twice changes nothing the second time (`same`): a double tap, a resent frame. `closed`:
   * the poll was closed, nothing changed. On MongoDB (no transaction) a vote racing the close may
   * still count; on SQLite it cannot.
   */
  vote(v: { roomId: string; messageId: string; userId: string; option: number; on: boolean; single: boolean; at: number }): Promise<'changed' | 'same' | 'closed'>;
  /** Closes the poll (no more votes): false when it was closed already. */
  close(roomId: string, messageId: string, by: string, at: number): Promise<boolean>;
  /** Tallies of these polls of the room (a poll nobody voted in and not closed is left out); `mine` for `viewerId`. */
  tallies(roomId: string, messageIds: readonly string[], viewerId?: string): Promise<Map<string, PollTally>>;
  /** Every choice made in the poll (who chose what), for a poll whose votes are not anonymous. */
  ballots(roomId: string, messageId: string): Promise<PollBallot[]>;
  /** Polls of the room with a vote or a close after `since`, newest last (at most `limit`). */
  changedSince(roomId: string, since: number, limit: number): Promise<string[]>;
  /** Forgets the poll's votes (its message was deleted). */
  remove(roomId: string, messageId: string): Promise<void>;
}
