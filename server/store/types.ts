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
import type { MessageStore, RoomStore } from './types-chat';
import type { FileStore } from './types-files';
import type { CaseStore, SanctionStore } from './types-cases';
import type { MailStore } from './types-mail';
import type { LectureStore } from './types-lectures';
import type { PinStore } from './types-pins';
import type { PollStore } from './types-polls';

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
  /** Case-insensitive substring of name or email (and of the matriculation number with `matric`). */
  query?: string;
  /** The query also matches matriculation numbers: the admin portal (a help desk is given one); not people search. */
  matric?: boolean;
  limit?: number;
  offset?: number;
}

/** `found` in the order of `ids` (the adapters' byIds: a query's rows come in index order), unknown ids left out. */
export function inOrder(ids: readonly string[], found: readonly User[]): User[] {
  const byId = new Map(found.map((u) => [u.id, u]));
  return ids.flatMap((id) => byId.get(id) ?? []);
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
  /** Users whose id is in the list, in the list's order (unknown ids are left out): one query for a room's members. */
  byIds(ids: string[]): Promise<User[]>;
  /** Users whose email (case-insensitive) is in the list. */
  byEmails(emails: string[]): Promise<User[]>;
  /** Users whose email's local part (before the @, case-insensitive) is one of `handles` (mentions). */
  byHandles(handles: string[]): Promise<User[]>;
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
  /**
   * Which of these sessions exist, have not expired at `now` and (if given) began after
   * `startedAfter` (SESSION_MAX_DAYS lowered since they began). Read only: none is touched.
   */
  live(idHashes: string[], now: number, startedAfter?: number): Promise<Set<string>>;
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
  /** One target, or any of several (a course code names every room that ever had it). */
  target?: string | string[];
  since?: number;
  until?: number;
  /** Return entries with seq greater than this (for paging and verification). */
  afterSeq?: number;
  /** Return entries with seq less than this (paging newest first). */
  beforeSeq?: number;
  /** Newest first (highest seq first) instead of oldest first. */
  newestFirst?: boolean;
  limit?: number;
}

export interface AuditStore {
  /** Appends to the hash chain; safe under concurrent writers (several processes or nodes). */
  append(input: AuditInput): Promise<AuditEvent>;
  /** Ordered by seq ascending (descending with `newestFirst`). */
  list(filter?: AuditFilter): Promise<AuditEvent[]>;
  /** How many entries match (the filter without `limit`). */
  count(filter?: AuditFilter): Promise<number>;
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
  readonly sanctions: SanctionStore;
  /** Emails about missed messages: the queue, who is online, each person's choice. */
  readonly mail: MailStore;
  /** Lecture attendance: who was in each lecture, when. */
  readonly lectures: LectureStore;
  /** Pinned messages, per room. */
  readonly pins: PinStore;
  /** Poll votes and closes, per poll message. */
  readonly polls: PollStore;
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

export * from './types-chat';
export * from './types-files';
export * from './types-cases';
export * from './types-mail';
export * from './types-lectures';
export * from './types-pins';
export * from './types-polls';
