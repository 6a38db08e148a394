/** Sanctions and their hearings on MongoDB (see the sanctions section of types-cases.ts). */
import { MongoServerError, type Collection, type Db, type Filter } from 'mongodb';
import { DuplicateSanctionError, SANCTION_IN_FORCE, sanctionSlot, type NewSanction, type Sanction, type SanctionFilter, type SanctionPatch, type SanctionStatus, type SanctionStore } from '../types';

/**
 * `slot` is unique (a plain index: FerretDB has no partial ones), so it is never null: the
 * sanction's slot while in force (types-cases.ts sanctionSlot), else its own id.
 */
type Doc = Omit<Sanction, 'id'> & { _id: string; slot?: string };

const toSanction = ({ _id, slot: _slot, ...rest }: Doc): Sanction => ({ id: _id, ...rest });

/** Gives sanctions written before slots existed their own id as slot, so that the unique index can be built. */
export async function backfillSanctionSlots(db: Db) {
  const c = db.collection<Doc>('sanctions');
  for (const d of await c.find({ slot: { $exists: false } }, { projection: { _id: 1 } }).toArray()) await c.updateOne({ _id: d._id }, { $set: { slot: d._id } });
}

export class MongoSanctions implements SanctionStore {
  private c: Collection<Doc>;
  constructor(db: Db) {
    this.c = db.collection<Doc>('sanctions');
  }

  async create({ now, ...s }: NewSanction) {
    const id = crypto.randomUUID();
    const slot = sanctionSlot(s);
    const doc: Doc = { _id: id, ...s, createdAt: now ?? Date.now(), statement: null, statementBy: null, statementAt: null, status: 'active', decidedBy: null, decidedAt: null, decisionReason: null, slot: slot ?? id };
    try {
      await this.c.insertOne(doc);
    } catch (e) {
      if (slot && e instanceof MongoServerError && e.code === 11000) throw new DuplicateSanctionError(slot);
      throw e;
    }
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
    if (f.roomIds !== undefined) q.$and = [{ roomId: { $in: f.roomIds } }];
    return (await this.c.find(q).sort({ createdAt: -1, _id: -1 }).limit(f.limit ?? 100).toArray()).map(toSanction);
  }

  /** Conditional on the status, so one transition wins (FerretDB v1: see MongoCases.decide). */
  async transition(id: string, from: SanctionStatus[], patch: SanctionPatch) {
    if (!Object.keys(patch).length || !from.length) return null;
    // Leaving force frees the slot (the document's own id takes its place).
    const frees = patch.status !== undefined && !SANCTION_IN_FORCE.includes(patch.status);
    const doc = await this.c.findOneAndUpdate({ _id: id, status: { $in: from } }, { $set: frees ? { ...patch, slot: id } : patch }, { returnDocument: 'after' });
    return doc ? toSanction(doc) : null;
  }
}
