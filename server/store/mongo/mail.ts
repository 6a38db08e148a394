import { type Collection, type Db } from 'mongodb';
import { isDup } from './errors';
import type { MailEntry, MailState, MailStore } from '../types';

interface QueueDoc {
  _id: string;
  userId: string;
  roomId: string;
  dueAt: number;
  fromSeq: number;
}

/** A taken queue entry: `${entry _id}@${its dueAt}`, inserted once (a unique _id) by whoever takes it. */
interface ClaimDoc {
  _id: string;
  at: number;
}

/** Claims are kept this long (only a race of the same instant needs them). */
const CLAIM_KEEP_MS = 3_600_000;

interface StateDoc {
  _id: string;
  lastSeenAt?: number;
  off?: boolean;
}

export class MongoMail implements MailStore {
  private queueC: Collection<QueueDoc>;
  private stateC: Collection<StateDoc>;
  private claimC: Collection<ClaimDoc>;
  constructor(db: Db) {
    this.queueC = db.collection<QueueDoc>('mailQueue');
    this.stateC = db.collection<StateDoc>('mailState');
    this.claimC = db.collection<ClaimDoc>('mailClaims');
  }

  async queue(roomId: string, userIds: readonly string[], dueAt: number, fromSeq: number) {
    if (!userIds.length) return;
    await this.queueC.bulkWrite(
      [...new Set(userIds)].map((userId) => ({ updateOne: { filter: { _id: `${userId}|${roomId}` }, update: { $min: { dueAt, fromSeq }, $setOnInsert: { userId, roomId } }, upsert: true } })),
      { ordered: false },
    );
  }

  async takeDue(now: number, limit: number) {
    const due = await this.queueC.find({ dueAt: { $lte: now } }, { projection: { userId: 1 } }).sort({ dueAt: 1 }).limit(limit * 20).toArray();
    const users = [...new Set(due.map((d) => d.userId))].slice(0, limit);
    const out = new Map<string, MailEntry[]>();
    for (const userId of users) {
      const entries = await this.queueC.find({ userId }).toArray();
      // An entry is taken by whoever inserts its claim: an insert under a unique _id is the one
      // write FerretDB v1 does not race (it runs findOneAndDelete as read, then delete, so two
      // callers could both get the entry). The entry goes after; one queued again meanwhile has a
      // later due time, so a new claim.
      const taken = await Promise.all(
        entries.map(async (e) => {
          try {
            await this.claimC.insertOne({ _id: `${e._id}@${e.dueAt}`, at: now });
          } catch (err) {
            if (isDup(err)) return null;
            throw err;
          }
          await this.queueC.deleteOne({ _id: e._id, dueAt: e.dueAt });
          return { roomId: e.roomId, fromSeq: e.fromSeq };
        }),
      );
      const rooms = taken.filter((r): r is MailEntry => r !== null).sort((a, b) => (a.roomId < b.roomId ? -1 : 1));
      if (rooms.length) out.set(userId, rooms);
    }
    if (users.length) await this.claimC.deleteMany({ at: { $lt: now - CLAIM_KEEP_MS } });
    return out;
  }

  async seen(userIds: readonly string[], at: number) {
    const ids = [...new Set(userIds)];
    for (let i = 0; i < ids.length; i += 1000) {
      await this.stateC.bulkWrite(ids.slice(i, i + 1000).map((_id) => ({ updateOne: { filter: { _id }, update: { $max: { lastSeenAt: at } }, upsert: true } })), { ordered: false });
    }
  }

  async state(userId: string): Promise<MailState> {
    const d = await this.stateC.findOne({ _id: userId });
    return { lastSeenAt: d?.lastSeenAt ?? null, off: d?.off === true };
  }

  async setOff(userId: string, off: boolean) {
    await this.stateC.updateOne({ _id: userId }, { $set: { off } }, { upsert: true });
  }
}
