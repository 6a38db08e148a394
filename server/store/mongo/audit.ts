import { MongoServerError, type Collection, type Db } from 'mongodb';
import { GENESIS_HASH, chainEntry } from '../audit-chain';
import type { AuditEvent, AuditFilter, AuditInput, AuditStore } from '../types';

type Doc = AuditEvent & { _id: number };

/** The filter's conditions (limit and order aside) as a query. */
function auditQuery(f: AuditFilter): Record<string, unknown> {
  const q: Record<string, unknown> = {};
  if (f.action !== undefined) q.action = f.action;
  if (f.actorId !== undefined) q.actorId = f.actorId;
  if (f.target !== undefined) q.target = typeof f.target === 'string' ? f.target : { $in: f.target };
  if (f.since !== undefined || f.until !== undefined) {
    q.at = { ...(f.since !== undefined && { $gte: f.since }), ...(f.until !== undefined && { $lt: f.until }) };
  }
  if (f.afterSeq !== undefined || f.beforeSeq !== undefined) {
    q.seq = { ...(f.afterSeq !== undefined && { $gt: f.afterSeq }), ...(f.beforeSeq !== undefined && { $lt: f.beforeSeq }) };
  }
  return q;
}

export class MongoAudit implements AuditStore {
  private c: Collection<Doc>;
  constructor(db: Db) {
    this.c = db.collection<Doc>('audit');
  }

  /**
   * Optimistic append: read the tail, insert seq+1 under the unique seq index; a racing writer
   * that took the same seq makes the insert fail with a duplicate key, and we retry on the new tail.
   * This keeps the chain gap-free and linear without transactions (FerretDB has none).
   */
  async append(input: AuditInput) {
    for (let attempt = 0; ; attempt++) {
      const last = await this.c.find({}, { projection: { seq: 1, hash: 1 } }).sort({ seq: -1 }).limit(1).next();
      const e = chainEntry((last?.seq ?? 0) + 1, last?.hash ?? GENESIS_HASH, input);
      try {
        await this.c.insertOne({ _id: e.seq, ...e });
        return e;
      } catch (err) {
        if (err instanceof MongoServerError && err.code === 11000 && attempt < 200) {
          await Bun.sleep(Math.random() * 5 * Math.min(attempt + 1, 10));
          continue;
        }
        throw err;
      }
    }
  }

  async list(f: AuditFilter = {}) {
    const docs = await this.c.find(auditQuery(f)).sort({ seq: f.newestFirst ? -1 : 1 }).limit(f.limit ?? 1000).toArray();
    return docs.map(({ _id, ...e }) => e as AuditEvent);
  }

  async count(f: AuditFilter = {}) {
    return this.c.countDocuments(auditQuery(f));
  }
}
