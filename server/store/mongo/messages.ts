/**
 * Messages on MongoDB, without multi-document transactions (FerretDB v1 has none).
 *
 * Numbers (seq for a new message, rev for an edit or delete) come from the room counter: an
 * atomic `findOneAndUpdate {$inc: {lastSeq: 1}}` on the room. FerretDB v1 does not apply that
 * atomically (it reads the document, changes it in memory and writes it back, so concurrent
 * increments are lost and hand out the same number twice). Every number is therefore also
 * *claimed* by inserting `<roomId>:<n>` into `roomRevs`, whose `_id` is unique on every server:
 * a duplicate claim means someone else owns n, and we take the next one. On MongoDB claims never
 * collide; the cost is one small insert per change. Claims are never deleted (the room's whole
 * number space stays reserved), which is what makes them a correct guard.
 *
 * Without a transaction the number and the write are two steps, so two concurrent changes may
 * become visible out of number order (n+1 before n) for a moment. The unique indexes on
 * (roomId, seq) and (roomId, senderId, clientId) back up the invariants regardless.
 */
import { MongoServerError, type Collection, type Db } from 'mongodb';
import { NotFoundStoreError, type AppendMessage, type Message, type MessageStore } from '../types';
import { newMessage } from '../new-message';
import type { RoomDoc } from './rooms';

type Doc = Omit<Message, 'id'> & { _id: string };

// Documents written before the safeguarding change have no `held`: they are not held.
const toMessage = ({ _id, ...rest }: Doc): Message => ({ id: _id, ...rest, held: rest.held === true });
/** Held messages are visible only to their sender (`viewerId`); see types.ts. */
const visibleTo = (viewerId: string | undefined) =>
  viewerId === undefined ? { held: { $ne: true } } : { $or: [{ held: { $ne: true } }, { senderId: viewerId }] };
const isDup = (e: unknown) => e instanceof MongoServerError && e.code === 11000;
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class MongoMessages implements MessageStore {
  private c: Collection<Doc>;
  private rooms: Collection<RoomDoc>;
  private revs: Collection<{ _id: string }>;
  constructor(db: Db) {
    this.c = db.collection<Doc>('messages');
    this.rooms = db.collection<RoomDoc>('rooms');
    this.revs = db.collection<{ _id: string }>('roomRevs');
  }

  /** The room's next unused number. Throws `NotFoundStoreError` if the room does not exist. */
  private async allocate(roomId: string): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      // No projection: FerretDB does not implement `fields` on findAndModify.
      const room = await this.rooms.findOneAndUpdate({ _id: roomId }, { $inc: { lastSeq: 1 } }, { returnDocument: 'after' });
      if (!room) throw new NotFoundStoreError(`room ${roomId}`);
      try {
        await this.revs.insertOne({ _id: `${roomId}:${room.lastSeq}` });
        return room.lastSeq;
      } catch (e) {
        if (!isDup(e) || attempt >= 1000) throw e;
      }
    }
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
    } catch (e) {
      // A concurrent resend with the same clientId won the unique index: return its message.
      // Our number stays unused (a gap, which the sequencing rules allow).
      if (isDup(e)) {
        const winner = await this.c.findOne(key);
        if (winner) return { message: toMessage(winner), created: false };
      }
      throw e;
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
      const live = await this.c.findOne(which, { projection: { _id: 1 } });
      if (!live) return null;
      const rev = await this.allocate(roomId);
      const d = await this.c.findOneAndUpdate(
        { ...which, rev: { $lt: rev } },
        { $set: { ...set, rev } },
        { returnDocument: 'after' },
      );
      if (d) return toMessage(d);
    }
    throw new Error(`message ${messageId}: too many concurrent changes`);
  }

  async edit(roomId: string, messageId: string, body: string, mentions: string[], now = Date.now()) {
    return this.change(roomId, messageId, { body, mentions, editedAt: now });
  }

  async delete(roomId: string, messageId: string, deletedBy: string, now = Date.now()) {
    return this.change(roomId, messageId, { body: '', mentions: [], deletedAt: now, deletedBy });
  }

  async setHeld(roomId: string, messageId: string, held: boolean) {
    return this.change(roomId, messageId, { held }, true);
  }

  async byId(roomId: string, messageId: string) {
    const d = await this.c.findOne({ _id: messageId, roomId });
    return d ? toMessage(d) : null;
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

  async changesSince(roomId: string, rev: number, limit: number, viewerId?: string) {
    return (await this.c.find({ roomId, rev: { $gt: rev }, ...visibleTo(viewerId) }).sort({ rev: 1 }).limit(limit).toArray()).map(toMessage);
  }

  async unread(roomId: string, userId: string, afterSeq: number) {
    const q = { roomId, seq: { $gt: afterSeq }, deletedAt: null, held: { $ne: true }, senderId: { $ne: userId } };
    const [count, mentions] = await Promise.all([this.c.countDocuments(q), this.c.countDocuments({ ...q, mentions: userId })]);
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
