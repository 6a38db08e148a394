/** Sanctions and their hearings on MongoDB (see the sanctions section of types-cases.ts). */
import type { Collection, Db, Filter } from 'mongodb';
import type { NewSanction, Sanction, SanctionFilter, SanctionPatch, SanctionStatus, SanctionStore } from '../types';

type Doc = Omit<Sanction, 'id'> & { _id: string };

const toSanction = ({ _id, ...rest }: Doc): Sanction => ({ id: _id, ...rest });

export class MongoSanctions implements SanctionStore {
  private c: Collection<Doc>;
  constructor(db: Db) {
    this.c = db.collection<Doc>('sanctions');
  }

  async create({ now, ...s }: NewSanction) {
    const doc: Doc = { _id: crypto.randomUUID(), ...s, createdAt: now ?? Date.now(), statement: null, statementBy: null, statementAt: null, status: 'active', decidedBy: null, decidedAt: null, decisionReason: null };
    await this.c.insertOne(doc);
    return toSanction(doc);
  }

  async byId(id: string) {
    const d = await this.c.findOne({ _id: id });
    return d ? toSanction(d) : null;
  }

  async list(f: SanctionFilter = {}) {
    const q: Filter<Doc> = {};
    if (f.status) q.status = { $in: f.status };
    if (f.kind) q.kind = { $in: f.kind };
    if (f.userId !== undefined) q.userId = f.userId;
    if (f.roomId !== undefined) q.roomId = f.roomId;
    return (await this.c.find(q).sort({ createdAt: -1, _id: -1 }).limit(f.limit ?? 100).toArray()).map(toSanction);
  }

  /** Conditional on the status, so one transition wins (FerretDB v1: see MongoCases.decide). */
  async transition(id: string, from: SanctionStatus[], patch: SanctionPatch) {
    if (!Object.keys(patch).length || !from.length) return null;
    const doc = await this.c.findOneAndUpdate({ _id: id, status: { $in: from } }, { $set: patch }, { returnDocument: 'after' });
    return doc ? toSanction(doc) : null;
  }
}
