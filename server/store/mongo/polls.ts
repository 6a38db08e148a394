import type { Collection, Db } from 'mongodb';
import type { PollBallot, PollStore, PollTally } from '../types';

/** `_id`: `${roomId}|${messageId}`; written at the first vote or the close. `closedAt` may be missing (FerretDB drops the nulls of `$setOnInsert`): read as null. */
interface PollDoc {
  _id: string;
  roomId: string;
  messageId: string;
  closedAt: number | null;
  closedBy: string | null;
  changedAt: number;
}

/** One person's choices in one poll. `_id`: `${roomId}|${messageId}|${userId}`. */
interface VoteDoc {
  _id: string;
  roomId: string;
  messageId: string;
  userId: string;
  options: number[];
}

export class MongoPolls implements PollStore {
  private polls: Collection<PollDoc>;
  private votes: Collection<VoteDoc>;
  constructor(db: Db) {
    this.polls = db.collection<PollDoc>('polls');
    this.votes = db.collection<VoteDoc>('pollVotes');
  }

  private touch(roomId: string, messageId: string, at: number) {
    return this.polls.updateOne({ _id: `${roomId}|${messageId}` }, { $max: { changedAt: at }, $setOnInsert: { roomId, messageId, closedAt: null, closedBy: null } }, { upsert: true });
  }

  async vote(roomId: string, messageId: string, userId: string, options: readonly number[], at: number) {
    const poll = await this.polls.findOne({ _id: `${roomId}|${messageId}` }, { projection: { closedAt: 1 } });
    if (poll?.closedAt != null) return 'closed' as const;
    const _id = `${roomId}|${messageId}|${userId}`;
    if (options.length) await this.votes.replaceOne({ _id }, { roomId, messageId, userId, options: [...new Set(options)].sort((a, b) => a - b) }, { upsert: true });
    else await this.votes.deleteOne({ _id });
    await this.touch(roomId, messageId, at);
    return 'ok' as const;
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
    for (const v of await this.votes.find({ roomId, messageId: { $in: ids } }).toArray()) {
      const t = out.get(v.messageId);
      if (!t) continue;
      t.voters++;
      for (const o of v.options) t.counts[o] = (t.counts[o] ?? 0) + 1;
      if (v.userId === viewerId) t.mine = [...v.options];
    }
    for (const t of out.values()) t.counts = Array.from(t.counts, (n) => n ?? 0);
    return out;
  }

  async ballots(roomId: string, messageId: string): Promise<PollBallot[]> {
    const docs = await this.votes.find({ roomId, messageId }).toArray();
    return docs.flatMap((d) => d.options.map((option) => ({ userId: d.userId, option }))).sort((a, b) => a.option - b.option || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
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
