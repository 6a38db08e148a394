import type { Collection, Db } from 'mongodb';
import type { PollBallot, PollStore, PollTally } from '../types';
import { isDup } from './errors';

/**
 * An upsert racing another on the same `_id` may fail as a duplicate (FerretDB; MongoDB retries some
 * itself): the document exists by then, so the same update again only updates.
 */
async function upsert<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (!isDup(e)) throw e;
    return write();
  }
}

/** `_id`: `${roomId}|${messageId}`; written at the first vote or the close. `closedAt` may be missing (FerretDB drops the nulls of `$setOnInsert`): read as null. */
interface PollDoc {
  _id: string;
  roomId: string;
  messageId: string;
  closedAt: number | null;
  closedBy: string | null;
  changedAt: number;
}

/**
 * One answer one person chose. `_id`: `${roomId}|${messageId}|${userId}|${option}`: choosing is an
 * insert and taking back a delete, each atomic on its own (FerretDB does not apply `$addToSet` to
 * one document atomically: two answers chosen at once from two devices lost one).
 */
interface VoteDoc {
  _id: string;
  roomId: string;
  messageId: string;
  userId: string;
  option: number;
}

export class MongoPolls implements PollStore {
  private polls: Collection<PollDoc>;
  private votes: Collection<VoteDoc>;
  constructor(db: Db) {
    this.polls = db.collection<PollDoc>('polls');
    this.votes = db.collection<VoteDoc>('pollVotes');
  }

  private touch(roomId: string, messageId: string, at: number) {
    return upsert(() => this.polls.updateOne({ _id: `${roomId}|${messageId}` }, { $max: { changedAt: at }, $setOnInsert: { roomId, messageId, closedAt: null, closedBy: null } }, { upsert: true }));
  }

  async vote(v: { roomId: string; messageId: string; userId: string; option: number; on: boolean; single: boolean; at: number }) {
    const poll = await this.polls.findOne({ _id: `${v.roomId}|${v.messageId}` }, { projection: { closedAt: 1 } });
    if (poll?.closedAt != null) return 'closed' as const;
    const mine = { roomId: v.roomId, messageId: v.messageId, userId: v.userId };
    const _id = `${v.roomId}|${v.messageId}|${v.userId}|${v.option}`;
    let changed = false;
    if (v.on) {
      try {
        await this.votes.insertOne({ _id, ...mine, option: v.option });
        changed = true;
      } catch (e) {
        if (!isDup(e)) throw e;
      }
      // One answer: her others go (two devices choosing two answers at the same instant may leave both or neither).
      if (v.single) changed = (await this.votes.deleteMany({ ...mine, option: { $ne: v.option } })).deletedCount > 0 || changed;
    } else changed = (await this.votes.deleteOne({ _id })).deletedCount > 0;
    if (!changed) return 'same' as const;
    await this.touch(v.roomId, v.messageId, v.at);
    return 'changed' as const;
  }

  async close(roomId: string, messageId: string, by: string, at: number) {
    await this.touch(roomId, messageId, at);
    return (await this.polls.updateOne({ _id: `${roomId}|${messageId}`, closedAt: null }, { $set: { closedAt: at, closedBy: by } })).modifiedCount > 0;
  }

  async tallies(roomId: string, messageIds: readonly string[], viewerId?: string) {
    const out = new Map<string, PollTally>();
    if (!messageIds.length) return out;
    const ids = [...messageIds];
    for (const p of await this.polls.find({ roomId, messageId: { $in: ids } }).toArray()) out.set(p.messageId, { counts: [], voters: 0, mine: [], closedAt: p.closedAt ?? null, closedBy: p.closedBy ?? null });
    const voters = new Map<string, Set<string>>();
    for (const v of await this.votes.find({ roomId, messageId: { $in: ids } }).toArray()) {
      const t = out.get(v.messageId);
      if (!t) continue;
      (voters.get(v.messageId) ?? voters.set(v.messageId, new Set()).get(v.messageId)!).add(v.userId);
      t.counts[v.option] = (t.counts[v.option] ?? 0) + 1;
      if (v.userId === viewerId) t.mine.push(v.option);
    }
    for (const [id, t] of out) {
      t.voters = voters.get(id)?.size ?? 0;
      t.mine.sort((a, b) => a - b);
    }
    for (const t of out.values()) t.counts = Array.from(t.counts, (n) => n ?? 0);
    return out;
  }

  async ballots(roomId: string, messageId: string): Promise<PollBallot[]> {
    const docs = await this.votes.find({ roomId, messageId }).toArray();
    return docs.map((d) => ({ userId: d.userId, option: d.option })).sort((a, b) => a.option - b.option || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  }

  async changedSince(roomId: string, since: number, limit: number) {
    const docs = await this.polls.find({ roomId, changedAt: { $gt: since } }).sort({ changedAt: -1 }).limit(limit).toArray();
    return docs.reverse().map((d) => d.messageId);
  }

  async remove(roomId: string, messageId: string) {
    await this.votes.deleteMany({ roomId, messageId });
    await this.polls.deleteOne({ _id: `${roomId}|${messageId}` });
  }
}
