/** What chat actions need: the store, the realtime hub, and how to show times. */
import type { Hub } from '../../realtime/hub';
import type { Store, User } from '../../store/types';
import { timeFormat, type Sender, type TimeFormat } from '../../../views/chat';
import { memoryLimiters, type LimiterFactory, type RateLimiter } from '../../lib/sliding-window';
import { createModeration, type Moderation } from '../moderation/screen';
import type { ModerationScope } from '../../config';

export interface ChatContext {
  store: Store;
  hub: Hub;
  tf: TimeFormat;
  /** Sends and edits per user and room: 10 in 10 s. */
  sendLimiter: RateLimiter;
  /** Reactions added or taken back per user and room: 30 in 10 s (reactions.ts). */
  reactLimiter: RateLimiter;
  /** Searches per user: 10 in 30 s. */
  searchLimiter: RateLimiter;
  /** Reports of messages per user: 20 an hour (moderation/report.ts). */
  reportLimiter: RateLimiter;
  /** New files (uploads begun, direct offers) per user and room: 30 a minute (files/actions.ts). */
  fileLimiter: RateLimiter;
  /** New conversations per user (keys `group:` and `dm:`): 20 an hour (groups.ts, rooms.ts startDm). */
  roomLimiter: RateLimiter;
  /** Safeguarding screening before delivery (features/moderation/screen.ts); absent = none. */
  moderation?: Moderation;
  /** Ends calls on this node when a safeguarding action takes effect (a block, a room freeze). */
  calls?: CallControl;
  /** Ends the direct transfers of a file offer on this node when its message is deleted or hidden. */
  offers?: { gone(messageId: string): void };
  /** Emails about missed messages: how long a message waits unread before one (features/mail); absent = none. */
  mailAfterMs?: number;
  /** A failure that must not fail the action it happened in (logged; absent in tests: ignored). */
  warn?: (message: string, fields: Record<string, unknown>) => void;
}

export interface CallControl {
  /** Removes the user from their calls on this node; with `where`, only from calls in rooms it accepts. */
  endUser(userId: string, opts?: { where?: (roomId: string) => Promise<boolean>; why?: string }): void;
  /** Removes from calls on this node each participant `which` names (rooms first, then users in them). */
  endSeats(which: { room(roomId: string): Promise<boolean>; user(roomId: string, userId: string): Promise<boolean> }, why: string): void;
  /** `why`: what every participant is told (default: the room was frozen by the safeguarding team). */
  endRoom(roomId: string, why?: string): void;
  /** Whether a call is in progress in the room on this node (the room list's call badge). */
  active?(roomId: string): boolean;
}

export function createChatContext(store: Store, hub: Hub, timeZone: string, opts: { moderationScope?: ModerationScope; moderation?: Moderation; limiters?: LimiterFactory } = {}): ChatContext {
  const moderation = opts.moderation ?? createModeration(opts.moderationScope ?? 'minors');
  const limiter = opts.limiters ?? memoryLimiters;
  return { store, hub, tf: timeFormat(timeZone), sendLimiter: limiter('send', 10, 10_000), reactLimiter: limiter('react', 30, 10_000), searchLimiter: limiter('search', 10, 30_000), reportLimiter: limiter('report', 20, 3_600_000), fileLimiter: limiter('file', 30, 60_000), roomLimiter: limiter('room', 20, 3_600_000), moderation };
}

/** Looks up display names for a set of user ids (one store read per distinct id). */
export async function sendersOf(store: Store, ids: Iterable<string>): Promise<Map<string, Sender>> {
  const out = new Map<string, Sender>();
  await Promise.all(
    [...new Set(ids)].map(async (id) => {
      const u = await store.users.byId(id);
      out.set(id, { id, name: u?.name ?? 'Former member' });
    }),
  );
  return out;
}

export const senderOf = (u: User): Sender => ({ id: u.id, name: u.name });
