/** Store types for chat: rooms, memberships, messages (re-exported by types.ts). */
// ---------------------------------------------------------------------------------------------
// Chat: rooms, memberships, messages.
//
// Sequencing: every room has a counter `lastSeq`. Each change to the room's messages takes the
// next number: a new message gets seq = rev = n; an edit or delete sets that message's rev = n
// (seq stays). So `seq` is strictly increasing per room (with gaps where edits happened), and
// "everything that changed after rev r" is one ordered query: the reconnect protocol replays
// `changesSince(room, r)` in rev order.
// ---------------------------------------------------------------------------------------------

export const ROOM_KINDS = ['course', 'dm', 'group'] as const;
export type RoomKind = (typeof ROOM_KINDS)[number];
export const ROOM_ROLES = ['owner', 'moderator', 'member'] as const;
export type RoomRole = (typeof ROOM_ROLES)[number];

export interface Room {
  id: string;
  kind: RoomKind;
  /** Course code, unique among rooms (case-insensitive, stored upper-case); null for DMs and groups. */
  code: string | null;
  name: string;
  topic: string;
  createdBy: string | null;
  createdAt: number;
  archived: boolean;
  /**
   * Announcements only: only the room's leaders post (its owners and moderators, administrators,
   * and in a course room the lecturers); everyone else reads, reacts and votes (chat/posting.ts).
   */
  announcementsOnly: boolean;
  /** For DMs: the two user ids sorted and joined with ':'; unique. Null otherwise. */
  dmKey: string | null;
  lastSeq: number;
}

export type NewRoom = Omit<Room, 'lastSeq' | 'createdAt' | 'archived' | 'announcementsOnly'> & { createdAt?: number };
export type RoomPatch = Partial<Pick<Room, 'name' | 'topic' | 'archived' | 'announcementsOnly'>>;

export interface Membership {
  roomId: string;
  userId: string;
  role: RoomRole;
  joinedAt: number;
  /** Highest seq the user has read; only ever increases. */
  lastReadSeq: number;
}

/** `poll`: the body is the question and then one option per line; meta says how it is voted (features/chat/polls.ts). */
export type MessageKind = 'text' | 'file' | 'system' | 'poll';

/**
 * In a message's mentions: "@class" from a lecturer or the room's owner or moderator, which
 * mentions every member (counted and notified as a mention for each). Never a user id (ids have no @).
 */
export const CLASS_MENTION = '@class';

/** Whether a message's mentions name this user, themselves or through @class. */
export const mentionsUser = (mentions: readonly string[], userId: string) => mentions.includes(userId) || mentions.includes(CLASS_MENTION);

export interface Message {
  id: string;
  roomId: string;
  seq: number;
  /** Room sequence number of the last change (creation, edit or delete). */
  rev: number;
  senderId: string;
  /** Sender-generated id; (roomId, senderId, clientId) is unique: resending never duplicates. */
  clientId: string;
  kind: MessageKind;
  /** Raw text as typed (empty once deleted). Rendering escapes and formats it. */
  body: string;
  /** User ids mentioned in the body (resolved at send/edit time), and CLASS_MENTION for @class. */
  mentions: string[];
  /** Free-form data for non-text kinds (e.g. file metadata). */
  meta: Record<string, unknown> | null;
  createdAt: number;
  editedAt: number | null;
  deletedAt: number | null;
  deletedBy: string | null;
  /**
   * Held for safeguarding review (see features/moderation): stored but shown to nobody except its
   * sender until an officer releases it. Store reads that serve other users (history/changesSince
   * without the sender as viewer, unread, search) leave held messages out.
   */
  held: boolean;
  /**
   * While held: the rev of the change that hid it (its seq when stored held, so never shown to
   * others; a later rev when a shown message was hidden by an edit or an officer). Null when not
   * held. A page that saw revs up to R may show it only if seq ≤ R < heldRev (reconnect replay).
   */
  heldRev: number | null;
  /** The message of the same room this one answers (a reply quotes it), or null. */
  replyTo: string | null;
}

/** One emoji's reactions to a message (store `reactions`). */
export interface ReactionCount {
  emoji: string;
  count: number;
  /** The viewer asked about is among them (false when none was asked). */
  mine: boolean;
}

export interface AppendMessage {
  roomId: string;
  senderId: string;
  clientId: string;
  kind: MessageKind;
  body: string;
  mentions: string[];
  meta?: Record<string, unknown> | null;
  /** Store the message already held (default false). */
  held?: boolean;
  /** The id of the message it answers, in the same room (the caller checks it exists there). */
  replyTo?: string | null;
  now?: number;
}

export interface RoomStore {
  /**
   * Atomic: creates the room and its initial members. Throws `DuplicateRoomError` when the code
   * (case-insensitive) or dmKey is taken.
   */
  create(room: NewRoom, members: { userId: string; role: RoomRole }[]): Promise<Room>;
  byId(id: string): Promise<Room | null>;
  byCode(code: string): Promise<Room | null>;
  byDmKey(dmKey: string): Promise<Room | null>;
  update(id: string, patch: RoomPatch): Promise<Room | null>;
  /** Course rooms (optionally including archived), sorted by code. */
  listCourses(opts?: { includeArchived?: boolean }): Promise<Room[]>;
  /**
   * The user's rooms with their membership: live before archived, then the room whose last message
   * anyone can see was sent most recently (its creation before any), then id. Not by `lastSeq`,
   * which counts changes per room and says nothing across rooms; not by a held message's time,
   * which would tell recipients something came that they cannot see.
   */
  listForUser(userId: string): Promise<{ room: Room; membership: Membership }[]>;
  /** Adds members; existing members keep their role. Returns the user ids actually added. */
  addMembers(roomId: string, members: { userId: string; role: RoomRole }[]): Promise<string[]>;
  /** Returns whether a membership was removed. */
  removeMember(roomId: string, userId: string): Promise<boolean>;
  setRole(roomId: string, userId: string, role: RoomRole): Promise<boolean>;
  membership(roomId: string, userId: string): Promise<Membership | null>;
  members(roomId: string): Promise<Membership[]>;
  /**
   * Ids of the members who are minors: minorOverride true, or no override and a date of birth
   * after `adultBornBy` (ISO date: someone born on or before it is 18 or older; see accounts/model.ts
   * adultBornBy). One query, however large the room: screening asks this for every message.
   */
  minorMembers(roomId: string, adultBornBy: string): Promise<string[]>;
  /** Raises lastReadSeq to `seq` (never lowers it); returns the resulting value, or null if not a member. */
  markRead(roomId: string, userId: string, seq: number): Promise<number | null>;
  /** Whether the two users are both members of at least one room of one of these kinds that is not archived (an archived course is a past one). */
  shareRoom(userA: string, userB: string, kinds: RoomKind[]): Promise<boolean>;
}

export interface MessageStore {
  /**
   * Idempotent append: if (roomId, senderId, clientId) exists, returns it with created=false and
   * changes nothing. Otherwise takes the room's next seq (seq = rev) and stores the message.
   * Durable when the promise resolves. Throws `NotFoundStoreError` if the room does not exist.
   */
  append(input: AppendMessage): Promise<{ message: Message; created: boolean }>;
  /** The message (roomId, senderId, clientId) names, if it was stored (a resend finds what the first send stored). */
  byClientId(roomId: string, senderId: string, clientId: string): Promise<Message | null>;
  /**
   * Replaces the body and mentions, sets editedAt, takes a new rev. Null if missing or deleted.
   * `hold`: the new text is held in the same write (it is never stored visible, whatever a
   * concurrent release does); without it `held` is left as it is. Either way an already held
   * message keeps its `heldRev`.
   */
  edit(roomId: string, messageId: string, body: string, mentions: string[], now?: number, opts?: { hold?: boolean }): Promise<Message | null>;
  /** Tombstones: body '' and mentions [], deletedAt/deletedBy set, new rev; its reactions go. Null if missing or already deleted. */
  delete(roomId: string, messageId: string, deletedBy: string, now?: number): Promise<Message | null>;
  byId(roomId: string, messageId: string): Promise<Message | null>;
  /**
   * Up to `limit` messages with seq < beforeSeq (all when omitted), returned oldest first; with
   * `afterSeq` instead, the first `limit` messages with seq > afterSeq (oldest first). Held
   * messages are left out, except those sent by `viewerId`.
   */
  history(roomId: string, opts: { beforeSeq?: number; afterSeq?: number; limit: number; viewerId?: string }): Promise<Message[]>;
  /**
   * A number n such that every change numbered ≤ n is visible to reads that start after this
   * returns (0 for an unknown room). A page read after it can start its reconnect replay from n
   * and miss nothing. SQLite: the room's lastSeq (a number and its write are one transaction).
   * MongoDB: numbers are claimed before their write (mongo/messages.ts), so it can be lower.
   */
  settledSeq(roomId: string): Promise<number>;
  /**
   * Messages whose rev > `rev`, ordered by rev, at most `limit`; held ones only when sent by
   * `viewerId`, or all of them with `withHeld` (the caller turns others' into tombstones).
   */
  changesSince(roomId: string, rev: number, limit: number, viewerId?: string, opts?: { withHeld?: boolean }): Promise<Message[]>;
  /** Sets held (a release clears it) under a fresh rev, so reconnect replay delivers it. Null if missing. */
  setHeld(roomId: string, messageId: string, held: boolean): Promise<Message | null>;
  /**
   * Non-deleted, non-held messages with seq > afterSeq not sent by userId: how many, and how many
   * mention userId. @class counts only from `joinedAt` (the member's): a student added in week 8
   * was not in the class that the earlier announcements called.
   */
  unread(roomId: string, userId: string, afterSeq: number, joinedAt?: number): Promise<{ count: number; mentions: number }>;
  /**
   * Adds (`on`) or removes `userId`'s reaction `emoji` to a live message; whether that changed
   * anything (false: already so, or the message is missing or deleted). A change is marked with
   * its time (`reactionsChangedSince`). The message itself is not written: reactions take no rev,
   * so they never race an edit, a delete or a hide of the message, nor hold up the room's numbers.
   */
  react(roomId: string, messageId: string, userId: string, emoji: string, on: boolean, now?: number): Promise<boolean>;
  /** The reactions to these messages of the room: per message, per emoji, how many, and whether `viewerId` is among them. */
  reactions(roomId: string, messageIds: readonly string[], viewerId?: string): Promise<Map<string, ReactionCount[]>>;
  /** Ids of the room's messages whose reactions changed after `since` (oldest change first, at most `limit`): a reconnecting page's catch-up. */
  reactionsChangedSince(roomId: string, since: number, limit: number): Promise<string[]>;
  /**
   * Case-insensitive search of non-deleted, non-held message bodies in the given rooms, newest first.
   * Every word of the query must occur (SQLite: FTS5 prefix match; MongoDB: regex per word).
   */
  search(roomIds: string[], query: string, limit: number): Promise<Message[]>;
}

export class DuplicateRoomError extends Error {
  override name = 'DuplicateRoomError';
  constructor(readonly key: string) {
    super(`room already exists: ${key}`);
  }
}

export class NotFoundStoreError extends Error {
  override name = 'NotFoundStoreError';
}
