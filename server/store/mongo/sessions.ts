import type { Collection, Db } from 'mongodb';
import type { Session, SessionStore } from '../types';

type Doc = Omit<Session, 'idHash'> & { _id: string };

const toSession = ({ _id, ...rest }: Doc): Session => ({ idHash: _id, ...rest });

export class MongoSessions implements SessionStore {
  private c: Collection<Doc>;
  constructor(db: Db) {
    this.c = db.collection<Doc>('sessions');
  }
  async create({ idHash, ...rest }: Session) {
    await this.c.insertOne({ _id: idHash, ...rest });
  }
  async get(idHash: string) {
    const d = await this.c.findOne({ _id: idHash });
    return d ? toSession(d) : null;
  }
  async touch(idHash: string, lastSeenAt: number, expiresAt: number) {
    await this.c.updateOne({ _id: idHash }, { $set: { lastSeenAt, expiresAt } });
  }
  async delete(idHash: string) {
    await this.c.deleteOne({ _id: idHash });
  }
  async live(idHashes: string[], now: number, startedAfter?: number) {
    const found = new Set<string>();
    for (let i = 0; i < idHashes.length; i += 500) {
      const docs = await this.c.find({ _id: { $in: idHashes.slice(i, i + 500) }, expiresAt: { $gt: now }, ...(startedAfter === undefined ? {} : { createdAt: { $gt: startedAfter } }) }, { projection: { _id: 1 } }).toArray();
      for (const d of docs) found.add(d._id);
    }
    return found;
  }
  async deleteForUser(userId: string) {
    return (await this.c.deleteMany({ userId })).deletedCount;
  }
  async listForUser(userId: string) {
    return (await this.c.find({ userId }).sort({ createdAt: 1 }).toArray()).map(toSession);
  }
  async purgeExpired(now: number) {
    return (await this.c.deleteMany({ expiresAt: { $lte: now } })).deletedCount;
  }
}
