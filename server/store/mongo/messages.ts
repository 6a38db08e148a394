/**
 * Messages on MongoDB, without multi-document transactions (FerretDB v1 has none).
 *
 * Numbers (seq for a new message, rev for an edit or delete) come from the room counter: an
 * atomic `findOneAndUpdate {$inc: {lastSeq: 1}}` on the room. FerretDB v1 does not apply that
 * atomically (it reads the document, changes it in memory and writes it back, so concurrent
 * increments are lost and hand out the same number twice). Every number is therefore also
 * *claimed* by inserting `{_id: "<roomId>:<n>", done: false}` into `roomRevs`, whose `_id` is
 * unique on every server: a duplicate claim means someone else owns n, and we take the next one.
 * On MongoDB claims never collide; the cost is one small insert per change. Claims are never
 * deleted (the room's whole number space stays reserved), which is what makes them a correct guard.
 *
 * Without a transaction the number and the write are separate steps, so a number can exist (in
 * `lastSeq`) before its change is visible, and two concurrent changes may become visible out of
 * number order (n+1 before n). A claim is marked `done` once its write has finished or failed;
 * `settledSeq` is the number below the first claim still in flight (or not yet made), which is
 * where a room page starts its reconnect replay, so that a message numbered while the page was
 * read is replayed instead of lost. The unique indexes on (roomId, seq) and (roomId, senderId,
 * clientId) back up the invariants regardless.
 */
import { type Collection, type Db } from 'mongodb';
import { isDup } from './errors';
import { CLASS_MENTION, NotFoundStoreError, type AppendMessage, type Message, type MessageStore, type ReactionCount } from '../types';
import { newMessage } from '../new-message';
import { ROOM_ACTIVITY, seenAt, type ActivityDoc, type RoomDoc } from './rooms';

type Doc = Omit<Message, 'id'> & { _id: string };
/** A claimed number. Claims written before `settledSeq` existed have only `_id` (all settled). */
type Claim = { _id: string; at?: number; done?: boolean };
/** A claim still not done after this long belongs to a writer that died; it no longer holds `settledSeq` back. */
const CLAIM_STALE_MS = 60_000;
/** How many of the latest numbers `settledSeq` checks: far more changes than are ever in flight at once in one room. */
const SETTLE_WINDOW = 64;

// Documents written before the safeguarding change have no `held`: they are not held. Held ones
// written before `heldRev` take their rev (as the SQLite migration does).
const toMessage = ({ _id, ...rest }: Doc): Message => ({ id: _id, ...rest, held: rest.held === true, heldRev: rest.held === true ? (rest.heldRev ?? rest.rev) : null, replyTo: rest.replyTo ?? null });
/** Held messages are visible only to their sender (`viewerId`); see types.ts. */
const visibleTo = (viewerId: string | undefined) =>
  viewerId === undefined ? { held: { $ne: true } } : { $or: [{ held: { $ne: true } }, { senderId: viewerId }] };
/** One person's reaction to a message (store `react`). */
interface ReactionDoc {
  _id: string;
  roomId: string;
  messageId: string;
  userId: string;
  emoji: string;
  at: number;
}

/** When a message's reactions last changed (store `reactionsChangedSince`). */
interface MarkDoc {
  _id: string;
  roomId: string;
  at: number;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class MongoMessages implements MessageStore {
  private c: Collection<Doc>;
  private rooms: Collection<RoomDoc>;
  private activity: Collection<ActivityDoc>;
  private revs: Collection<Claim>;
  private reactionsC: Collection<ReactionDoc>;
  private marks: Collection<MarkDoc>;
  constructor(db: Db) {
    this.reactionsC = db.collection<ReactionDoc>('reactions');
    this.marks = db.collection<MarkDoc>('reactionMarks');
    this.c = db.collection<Doc>('messages');
    this.rooms = db.collection<RoomDoc>('rooms');
    this.activity = db.collection<ActivityDoc>(ROOM_ACTIVITY);
    this.revs = db.collection<Claim>('roomRevs');
  }

  /** The room's next unused number, claimed. Throws `NotFoundStoreError` if the room does not exist. */
  private async allocate(roomId: string): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      // No projection: FerretDB does not implement `fields` on findAndModify.
      const room = await this.rooms.findOneAndUpdate({ _id: roomId }, { $inc: { lastSeq: 1 } }, { returnDocument: 'after' });
      if (!room) throw new NotFoundStoreError(`room ${roomId}`);
      try {
        await this.revs.insertOne({ _id: `${roomId}:${room.lastSeq}`, at: Date.now(), done: false });
        return room.lastSeq;
      } catch (e) {
        if (!isDup(e) || attempt >= 1000) throw e;
      }
    }
  }

  /** The change numbered `n` has been written (or has failed): it no longer holds `settledSeq` back. */
  private async settle(roomId: string, n: number) {
    await this.revs.updateOne({ _id: `${roomId}:${n}` }, { $set: { done: true } });
  }

  /**
   * lastSeq, or one below the lowest of the last SETTLE_WINDOW numbers whose claim is missing
   * (taken from the counter, not claimed yet) or not done (written now). A claim left undone by a
   * writer that died stops counting after CLAIM_STALE_MS; a number that was never claimed (the
   * writer died in between) only holds the result back until it is SETTLE_WINDOW numbers old.
   * Holding back costs a few replayed messages, which clients drop as duplicates.
   */
  async settledSeq(roomId: string, now = Date.now()) {
    const room = await this.rooms.findOne({ _id: roomId });
    if (!room) return 0;
    const from = Math.max(1, room.lastSeq - SETTLE_WINDOW + 1);
    const ids = Array.from({ length: room.lastSeq - from + 1 }, (_, i) => `${roomId}:${from + i}`);
    const claims = new Map((await this.revs.find({ _id: { $in: ids } }).toArray()).map((c) => [c._id, c]));
    for (let n = from; n <= room.lastSeq; n++) {
      const c = claims.get(`${roomId}:${n}`);
      // Claims made before this field existed have no `done`: settled long ago.
      if (!c || (c.done === false && (c.at ?? 0) > now - CLAIM_STALE_MS)) return n - 1;
    }
    return room.lastSeq;
  }

  async append(m: AppendMessage) {
    const key = { roomId: m.roomId, senderId: m.senderId, clientId: m.clientId };
    const existing = await this.c.findOne(key);
    if (existing) return { message: toMessage(existing), created: false };
    const seq = await this.allocate(m.roomId);
    const { id, ...fields } = newMessage(m, seq);
    const doc: Doc = { _id: id, ...fields };
    try {
      await this.c.insertOne(doc);
      // The room list's order only (rooms.ts roomActivity): a failure here must not fail a send that is stored.
      if (!doc.held) await seenAt(this.activity, m.roomId, doc.createdAt).catch(() => {});
    } catch (e) {
      // A concurrent resend with the same clientId won the unique index: return its message.
      // Our number stays unused (a gap, which the sequencing rules allow).
      if (isDup(e)) {
        const winner = await this.c.findOne(key);
        if (winner) return { message: toMessage(winner), created: false };
      }
      throw e;
    } finally {
      await this.settle(m.roomId, seq);
    }
    return { message: toMessage(doc), created: true };
  }

  /**
   * Applies `set` to a live message under a fresh rev. The update only matches while the stored
   * rev is lower than ours, so a slower change can never overwrite a newer one and move rev
   * backwards; if a newer change landed first we take another number and apply ours on top
   * (the last request wins, at the highest rev).
   */
  private async change(roomId: string, messageId: string, set: Partial<Doc>, evenDeleted = false) {
    const which = evenDeleted ? { _id: messageId, roomId } : { _id: messageId, roomId, deletedAt: null };
    for (let attempt = 0; attempt < 100; attempt++) {
      const live = await this.c.findOne(which, { projection: { _id: 1, held: 1, heldRev: 1, rev: 1 } });
      if (!live) return null;
      const rev = await this.allocate(roomId);
      // heldRev (types-chat.ts): hidden by this change → ours; already held → kept; released → none.
      // Decided on the state read above, so the update also requires that state (else: again).
      const wasHeld = live.held === true;
      // A held document from before heldRev keeps the rev it had then (as the SQLite migration fixes it).
      const kept = wasHeld && live.heldRev == null ? { heldRev: live.rev } : {};
      const hold = set.held === undefined ? kept : set.held ? { heldRev: wasHeld ? (live.heldRev ?? live.rev) : rev } : { heldRev: null };
      const guard = set.held === undefined ? {} : wasHeld ? { held: true } : { held: { $ne: true } };
      try {
        const d = await this.c.findOneAndUpdate({ ...which, ...guard, rev: { $lt: rev } }, { $set: { ...set, ...hold, rev } }, { returnDocument: 'after' });
        if (d) return toMessage(d);
      } finally {
        await this.settle(roomId, rev);
      }
    }
    throw new Error(`message ${messageId}: too many concurrent changes`);
  }

  async edit(roomId: string, messageId: string, body: string, mentions: string[], now = Date.now(), opts: { hold?: boolean } = {}) {
    return this.change(roomId, messageId, { body, mentions, editedAt: now, ...(opts.hold ? { held: true } : {}) });
  }

  async delete(roomId: string, messageId: string, deletedBy: string, now = Date.now()) {
    const m = await this.change(roomId, messageId, { body: '', mentions: [], deletedAt: now, deletedBy });
    // Who reacted to it goes with it (react refuses a deleted message, so none come after).
    if (m) await this.reactionsC.deleteMany({ messageId });
    return m;
  }

  async setHeld(roomId: string, messageId: string, held: boolean) {
    const m = await this.change(roomId, messageId, { held }, true);
    // Released: now a message everyone sees, so it counts for the room list's order (rooms.ts).
    if (m && !held && !m.deletedAt) await seenAt(this.activity, roomId, m.createdAt).catch(() => {});
    return m;
  }

  async byId(roomId: string, messageId: string) {
    const d = await this.c.findOne({ _id: messageId, roomId });
    return d ? toMessage(d) : null;
  }

  async byClientId(roomId: string, senderId: string, clientId: string) {
    const d = await this.c.findOne({ roomId, senderId, clientId });
    return d ? toMessage(d) : null;
  }

  async react(roomId: string, messageId: string, userId: string, emoji: string, on: boolean, now = Date.now()) {
    if (!(await this.c.findOne({ _id: messageId, roomId, deletedAt: null }, { projection: { _id: 1 } }))) return false;
    const _id = `${messageId}|${userId}|${emoji}`;
    if (on) {
      // An insert under a unique _id: of two at once, one adds it (the one write FerretDB v1 does not race).
      try {
        await this.reactionsC.insertOne({ _id, roomId, messageId, userId, emoji, at: now });
      } catch (e) {
        if (isDup(e)) return false;
        throw e;
      }
    } else if ((await this.reactionsC.deleteOne({ _id })).deletedCount === 0) return false;
    // The change's time, for reconnect catch-up; never the message document (see types-chat.ts).
    await this.marks.updateOne({ _id: messageId }, { $set: { roomId }, $max: { at: now } }, { upsert: true });
    return true;
  }

  async reactionsChangedSince(roomId: string, since: number, limit: number) {
    return (await this.marks.find({ roomId, at: { $gt: since } }).sort({ at: 1 }).limit(limit).toArray()).map((d) => d._id);
  }

  async reactions(roomId: string, messageIds: readonly string[], viewerId?: string) {
    const out = new Map<string, ReactionCount[]>();
    if (!messageIds.length) return out;
    const docs = await this.reactionsC.find({ roomId, messageId: { $in: [...messageIds] } }).sort({ at: 1 }).toArray();
    for (const d of docs) {
      const list = out.get(d.messageId) ?? out.set(d.messageId, []).get(d.messageId)!;
      const r = list.find((x) => x.emoji === d.emoji) ?? (list.push({ emoji: d.emoji, count: 0, mine: false }), list.at(-1)!);
      r.count++;
      if (d.userId === viewerId) r.mine = true;
    }
    return out;
  }

  async history(roomId: string, opts: { beforeSeq?: number; afterSeq?: number; limit: number; viewerId?: string }) {
    if (opts.afterSeq !== undefined) {
      const after = await this.c.find({ roomId, seq: { $gt: opts.afterSeq }, ...visibleTo(opts.viewerId) }).sort({ seq: 1 }).limit(opts.limit).toArray();
      return after.map(toMessage);
    }
    const base = opts.beforeSeq === undefined ? { roomId } : { roomId, seq: { $lt: opts.beforeSeq } };
    const q = { ...base, ...visibleTo(opts.viewerId) };
    const docs = await this.c.find(q).sort({ seq: -1 }).limit(opts.limit).toArray();
    return docs.reverse().map(toMessage);
  }

  async changesSince(roomId: string, rev: number, limit: number, viewerId?: string, opts: { withHeld?: boolean } = {}) {
    return (await this.c.find({ roomId, rev: { $gt: rev }, ...(opts.withHeld ? {} : visibleTo(viewerId)) }).sort({ rev: 1 }).limit(limit).toArray()).map(toMessage);
  }

  async unread(roomId: string, userId: string, afterSeq: number, joinedAt = 0) {
    const q = { roomId, seq: { $gt: afterSeq }, deletedAt: null, held: { $ne: true }, senderId: { $ne: userId } };
    const [count, mentions] = await Promise.all([this.c.countDocuments(q), this.c.countDocuments({ ...q, $or: [{ mentions: userId }, { mentions: CLASS_MENTION, createdAt: { $gte: joinedAt } }] })]);
    return { count, mentions };
  }

  /**
   * No $text on FerretDB, so each word is a case-insensitive substring regex and all must match.
   * Words are split the way the SQLite adapter splits them (runs of letters and digits), so both
   * adapters agree on what a word is; escaping is belt and braces.
   */
  async search(roomIds: string[], query: string, limit: number) {
    const words = (query.match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 16);
    if (words.length === 0 || roomIds.length === 0) return [];
    const docs = await this.c
      .find({
        roomId: { $in: roomIds },
        deletedAt: null,
        held: { $ne: true },
        $and: words.map((w) => ({ body: { $regex: escapeRegex(w), $options: 'i' } })),
      })
      .sort({ createdAt: -1, seq: -1 })
      .limit(limit)
      .toArray();
    return docs.map(toMessage);
  }
}
