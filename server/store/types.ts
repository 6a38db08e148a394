/**
 * The store interface: every persistent read and write goes through these methods. Two adapters
 * implement it (bun:sqlite, the embedded default, and MongoDB) and both must pass the one contract
 * suite in `contract.ts`. Times are epoch milliseconds; ids are opaque strings.
 *
 * Invariants every adapter keeps:
 * - `emailLower` is unique across users (case-insensitive email).
 * - Multi-record writes documented as atomic are all-or-nothing.
 * - Audit entries form a hash chain: entry n stores the hash of entry n-1 (`prevHash`), and `seq`
 *   is gap-free from 1.
 */
export const ROLES = ['student', 'lecturer', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const USER_STATUSES = ['active', 'suspended', 'disabled'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export interface User {
  id: string;
  email: string;
  /** Lower-cased email, the unique key. */
  emailLower: string;
  name: string;
  role: Role;
  /** ISO date YYYY-MM-DD, or null when unknown. */
  dateOfBirth: string | null;
  /** Admin's explicit minor flag; null = derive from dateOfBirth. */
  minorOverride: boolean | null;
  matricNo: string | null;
  status: UserStatus;
  /** argon2id hash from Bun.password; null until the user sets a password. */
  passwordHash: string | null;
  /** True after signing in with a one-time code, until a password is set. */
  mustSetPassword: boolean;
  /** SHA-256 (hex) of the current one-time login code; codes are high-entropy so no slow hash is needed. */
  loginCodeHash: string | null;
  loginCodeExpiresAt: number | null;
  /** Extra permissions beyond the role, e.g. 'safeguarding'. */
  permissions: string[];
  createdAt: number;
  updatedAt: number;
}

export type NewUser = Omit<User, 'emailLower' | 'createdAt' | 'updatedAt'> & { createdAt?: number };
export type UserPatch = Partial<Omit<User, 'id' | 'emailLower' | 'createdAt'>>;

export interface UserFilter {
  role?: Role;
  status?: UserStatus;
  /** Case-insensitive substring of name or email. */
  query?: string;
  limit?: number;
  offset?: number;
}

export interface UserStore {
  /** Throws `DuplicateEmailError` when the email (case-insensitive) exists. */
  create(user: NewUser): Promise<User>;
  /**
   * Atomic: creates every user in `create` and applies every patch in `update`, or nothing.
   * Throws `DuplicateEmailError` (and writes nothing) when any new email exists.
   */
  importBatch(batch: { create: NewUser[]; update: { id: string; patch: UserPatch }[] }): Promise<void>;
  byId(id: string): Promise<User | null>;
  byEmail(email: string): Promise<User | null>;
  /** Users whose email (case-insensitive) is in the list. */
  byEmails(emails: string[]): Promise<User[]>;
  /** Sorted by emailLower. */
  list(filter?: UserFilter): Promise<User[]>;
  count(filter?: Omit<UserFilter, 'limit' | 'offset'>): Promise<number>;
  /** Returns the updated user, or null when it does not exist. */
  update(id: string, patch: UserPatch): Promise<User | null>;
  /**
   * Atomically clears the login code if it still equals `codeHash` and has not expired; returns
   * whether it did. Two concurrent sign-ins with one code: exactly one wins.
   */
  consumeLoginCode(id: string, codeHash: string, now: number): Promise<boolean>;
}

export interface Session {
  /** SHA-256 (hex) of the cookie token; the token itself is never stored. */
  idHash: string;
  userId: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  ip: string | null;
  userAgent: string | null;
}

export interface SessionStore {
  create(session: Session): Promise<void>;
  get(idHash: string): Promise<Session | null>;
  touch(idHash: string, lastSeenAt: number, expiresAt: number): Promise<void>;
  delete(idHash: string): Promise<void>;
  /** Revokes every session of a user; returns how many were removed. */
  deleteForUser(userId: string): Promise<number>;
  listForUser(userId: string): Promise<Session[]>;
  purgeExpired(now: number): Promise<number>;
}

export interface AuditInput {
  at: number;
  /** User id of who acted; null for the system or a CLI operator without an account. */
  actorId: string | null;
  /** Dotted verb, e.g. 'user.create', 'user.import', 'session.login_failed'. */
  action: string;
  /** What was acted on, e.g. a user id or email. */
  target: string | null;
  /** Where from: an IP address, or 'cli'. */
  origin: string | null;
  details: Record<string, unknown>;
}

export interface AuditEvent extends AuditInput {
  seq: number;
  prevHash: string;
  hash: string;
}

export interface AuditFilter {
  action?: string;
  actorId?: string;
  target?: string;
  since?: number;
  until?: number;
  /** Return entries with seq greater than this (for paging and verification). */
  afterSeq?: number;
  limit?: number;
}

export interface AuditStore {
  /** Appends to the hash chain; safe under concurrent writers (several processes or nodes). */
  append(input: AuditInput): Promise<AuditEvent>;
  /** Ordered by seq ascending. */
  list(filter?: AuditFilter): Promise<AuditEvent[]>;
}

export interface Store {
  readonly kind: 'sqlite' | 'mongodb';
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly audit: AuditStore;
  readonly rooms: RoomStore;
  readonly messages: MessageStore;
  readonly files: FileStore;
  readonly cases: CaseStore;
  /** Cheap liveness check for /healthz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class DuplicateEmailError extends Error {
  override name = 'DuplicateEmailError';
  constructor(readonly emails: string[]) {
    super(`email already exists: ${emails.join(', ')}`);
  }
}

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
  /** For DMs: the two user ids sorted and joined with ':'; unique. Null otherwise. */
  dmKey: string | null;
  lastSeq: number;
}

export type NewRoom = Omit<Room, 'lastSeq' | 'createdAt' | 'archived'> & { createdAt?: number };
export type RoomPatch = Partial<Pick<Room, 'name' | 'topic' | 'archived'>>;

export interface Membership {
  roomId: string;
  userId: string;
  role: RoomRole;
  joinedAt: number;
  /** Highest seq the user has read; only ever increases. */
  lastReadSeq: number;
}

export type MessageKind = 'text' | 'file' | 'system';

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
  /** User ids mentioned in the body (resolved at send/edit time). */
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
  /** The user's rooms with their membership, non-archived first, then by lastSeq descending. */
  listForUser(userId: string): Promise<{ room: Room; membership: Membership }[]>;
  /** Adds members; existing members keep their role. Returns the user ids actually added. */
  addMembers(roomId: string, members: { userId: string; role: RoomRole }[]): Promise<string[]>;
  /** Returns whether a membership was removed. */
  removeMember(roomId: string, userId: string): Promise<boolean>;
  setRole(roomId: string, userId: string, role: RoomRole): Promise<boolean>;
  membership(roomId: string, userId: string): Promise<Membership | null>;
  members(roomId: string): Promise<Membership[]>;
  /** Raises lastReadSeq to `seq` (never lowers it); returns the resulting value, or null if not a member. */
  markRead(roomId: string, userId: string, seq: number): Promise<number | null>;
  /** Whether the two users are both members of at least one room of one of these kinds. */
  shareRoom(userA: string, userB: string, kinds: RoomKind[]): Promise<boolean>;
}

export interface MessageStore {
  /**
   * Idempotent append: if (roomId, senderId, clientId) exists, returns it with created=false and
   * changes nothing. Otherwise takes the room's next seq (seq = rev) and stores the message.
   * Durable when the promise resolves. Throws `NotFoundStoreError` if the room does not exist.
   */
  append(input: AppendMessage): Promise<{ message: Message; created: boolean }>;
  /** Replaces the body and mentions, sets editedAt, takes a new rev. Null if missing or deleted. */
  edit(roomId: string, messageId: string, body: string, mentions: string[], now?: number): Promise<Message | null>;
  /** Tombstones: body '' and mentions [], deletedAt/deletedBy set, new rev. Null if missing or already deleted. */
  delete(roomId: string, messageId: string, deletedBy: string, now?: number): Promise<Message | null>;
  byId(roomId: string, messageId: string): Promise<Message | null>;
  /**
   * Up to `limit` messages with seq < beforeSeq (all when omitted), returned oldest first; with
   * `afterSeq` instead, the first `limit` messages with seq > afterSeq (oldest first). Held
   * messages are left out, except those sent by `viewerId`.
   */
  history(roomId: string, opts: { beforeSeq?: number; afterSeq?: number; limit: number; viewerId?: string }): Promise<Message[]>;
  /** Messages whose rev > `rev`, ordered by rev, at most `limit`; held ones only when sent by `viewerId`. */
  changesSince(roomId: string, rev: number, limit: number, viewerId?: string): Promise<Message[]>;
  /** Sets held (a release clears it) under a fresh rev, so reconnect replay delivers it. Null if missing. */
  setHeld(roomId: string, messageId: string, held: boolean): Promise<Message | null>;
  /** Non-deleted, non-held messages with seq > afterSeq not sent by userId: how many, and how many mention userId. */
  unread(roomId: string, userId: string, afterSeq: number): Promise<{ count: number; mentions: number }>;
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

// ---------------------------------------------------------------------------------------------
// Files: resumable uploads and stored files. Metadata lives in the store; bytes live on disk
// under DATA_DIR (SQLite) or in GridFS (MongoDB), so every node of a MongoDB deployment sees the
// same files. Bytes always stream in and out: no method holds a whole file in memory.
// ---------------------------------------------------------------------------------------------

export interface Upload {
  id: string;
  userId: string;
  roomId: string;
  /** Sanitised file name. */
  name: string;
  /** Declared size in bytes. */
  size: number;
  /** Declared (sanitised) media type. */
  type: string;
  /** Declared SHA-256 (hex) of the whole file; checked on completion. */
  sha256: string;
  /** Bytes stored so far: the next chunk must start here. */
  offset: number;
  createdAt: number;
  updatedAt: number;
}

export type NewUpload = Omit<Upload, 'offset' | 'updatedAt'>;

export interface StoredFile {
  id: string;
  roomId: string;
  uploaderId: string;
  name: string;
  size: number;
  type: string;
  sha256: string;
  createdAt: number;
  /** The room message that shows the file; null until it is posted. */
  messageId: string | null;
}

export interface FileStore {
  /** Creates an upload at offset 0, or returns the unfinished one with the same (user, room, sha256, size, name). */
  beginUpload(u: NewUpload): Promise<Upload>;
  upload(id: string): Promise<Upload | null>;
  /**
   * Stores `bytes` at `offset`, which must equal the upload's current offset (else throws
   * `OffsetMismatchError` carrying the stored offset and writes nothing visible). Returns the new
   * offset; durable when the promise resolves.
   */
  appendChunk(id: string, offset: number, bytes: Uint8Array, now?: number): Promise<number>;
  /** The stored bytes of an unfinished upload, streamed from the start. */
  readUpload(id: string): ReadableStream<Uint8Array>;
  /** Moves a finished upload (offset = size) to permanent storage as file `fileId`; the upload is gone afterwards. */
  completeUpload(id: string, fileId: string, now?: number): Promise<StoredFile>;
  /** Removes an unfinished upload and its bytes (no error when missing). */
  abortUpload(id: string): Promise<void>;
  /** Unfinished uploads last written before `before`. */
  staleUploads(before: number): Promise<Upload[]>;
  byId(id: string): Promise<StoredFile | null>;
  /** Links the file to the message that shows it. */
  setMessage(id: string, messageId: string): Promise<void>;
  /** Deletes a stored file and its bytes (no error when missing). */
  remove(id: string): Promise<void>;
  /**
   * Bytes start..end (inclusive) of a stored file, for a Response body: a lazy Blob where the
   * bytes are a local file (Bun then sends it with sendfile, with a Content-Length), else a stream.
   */
  read(id: string, start: number, end: number): Promise<Blob | ReadableStream<Uint8Array>>;
  /** Bytes stored and reserved by unfinished uploads, of one uploader (all rooms) or in one room. */
  usage(by: { userId: string } | { roomId: string }): Promise<number>;
}

export class OffsetMismatchError extends Error {
  override name = 'OffsetMismatchError';
  constructor(readonly offset: number) {
    super(`upload is at offset ${offset}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Safeguarding: moderation cases opened by the automated classifier (features/moderation).
// A case points at one message; officers decide it once (status open → decided). Later work
// (notifications, restrictions, hearings, appeals) hangs off the case id.
// ---------------------------------------------------------------------------------------------

export type CaseSeverity = 'hold' | 'review';
export type CaseStatus = 'open' | 'decided';
export type CaseDecision = 'release' | 'uphold';

export interface ModerationCase {
  id: string;
  roomId: string;
  messageId: string;
  senderId: string;
  /** Labels at or above their threshold for `severity`, in label order. */
  labels: string[];
  scores: Record<string, number>;
  /**
   * The text exactly as classified: evidence that survives a later edit or delete of the message
   * (the sender can still edit or delete a held message).
   */
  text: string;
  modelVersion: string;
  severity: CaseSeverity;
  status: CaseStatus;
  createdAt: number;
  decidedBy: string | null;
  decidedAt: number | null;
  decision: CaseDecision | null;
  reason: string | null;
}

export type NewCase = Omit<ModerationCase, 'id' | 'status' | 'createdAt' | 'decidedBy' | 'decidedAt' | 'decision' | 'reason'> & { now?: number };

export interface CaseStore {
  create(c: NewCase): Promise<ModerationCase>;
  byId(id: string): Promise<ModerationCase | null>;
  /** Newest first. */
  list(filter?: { status?: CaseStatus; limit?: number }): Promise<ModerationCase[]>;
  /** Records the decision only while the case is open (one decision wins); null otherwise. */
  decide(id: string, d: { decidedBy: string; decision: CaseDecision; reason: string; now?: number }): Promise<ModerationCase | null>;
}
