import type { Collection, Db } from 'mongodb';
import type { MailState, MailStore } from '../types';

interface QueueDoc {
  _id: string;
  userId: string;
  roomId: string;
  dueAt: number;
}

interface StateDoc {
  _id: string;
  lastSeenAt?: number;
  emailedThrough?: number;
  off?: boolean;
}

export class MongoMail implements MailStore {
  private queueC: Collection<QueueDoc>;
  private stateC: Collection<StateDoc>;
  constructor(db: Db) {
    this.queueC = db.collection<QueueDoc>('mailQueue');
    this.stateC = db.collection<StateDoc>('mailState');
  }

  async queue(roomId: string, userIds: readonly string[], dueAt: number) {
    if (!userIds.length) return;
    await this.queueC.bulkWrite(
      [...new Set(userIds)].map((userId) => ({ updateOne: { filter: { _id: `${userId}|${roomId}` }, update: { $min: { dueAt }, $setOnInsert: { userId, roomId } }, upsert: true } })),
      { ordered: false },
    );
  }

  async takeDue(now: number, limit: number) {
    const due = await this.queueC.find({ dueAt: { $lte: now } }, { projection: { userId: 1 } }).sort({ dueAt: 1 }).limit(limit * 20).toArray();
    const users = [...new Set(due.map((d) => d.userId))].slice(0, limit);
    const out = new Map<string, string[]>();
    for (const userId of users) {
      const entries = await this.queueC.find({ userId }, { projection: { _id: 1 } }).toArray();
      // One delete per entry: whichever node deletes it takes it, so no room is emailed about twice.
      const taken = await Promise.all(entries.map((e) => this.queueC.findOneAndDelete({ _id: e._id })));
      const rooms = taken.flatMap((d) => (d ? [d.roomId] : [])).sort();
      if (rooms.length) out.set(userId, rooms);
    }
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
    return { lastSeenAt: d?.lastSeenAt ?? null, emailedThrough: d?.emailedThrough ?? 0, off: d?.off === true };
  }

  async update(userId: string, patch: Partial<Pick<MailState, 'emailedThrough' | 'off'>>) {
    const update: Record<string, object> = {};
    if (patch.emailedThrough !== undefined) update.$max = { emailedThrough: patch.emailedThrough };
    if (patch.off !== undefined) update.$set = { off: patch.off };
    if (Object.keys(update).length) await this.stateC.updateOne({ _id: userId }, update, { upsert: true });
  }
}
