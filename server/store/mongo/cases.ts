/** Moderation cases on MongoDB (see the safeguarding section of types.ts). */
import type { Collection, Db, Filter } from 'mongodb';
import type { CaseDecisionInput, CaseFilter, CaseStore, ModerationCase, NewCase } from '../types';

type Doc = Omit<ModerationCase, 'id'> & { _id: string };

// judgedLabels: cases decided before the field existed have none.
const toCase = ({ _id, ...rest }: Doc): ModerationCase => ({ id: _id, ...rest, judgedLabels: rest.judgedLabels ?? null });

/** The CaseFilter's conditions as a query. */
function caseQuery(filter: CaseFilter): Filter<Doc> {
  const q: Filter<Doc> = {};
  if (filter.messageId !== undefined) q.messageId = filter.messageId;
  if (filter.status) q.status = filter.status;
  if (filter.severity) q.severity = filter.severity;
  if (filter.label !== undefined) q.labels = filter.label;
  if (filter.senderId !== undefined) q.senderId = filter.senderId;
  if (filter.since !== undefined) q.createdAt = { $gte: filter.since };
  return q;
}

export class MongoCases implements CaseStore {
  private c: Collection<Doc>;
  constructor(db: Db) {
    this.c = db.collection<Doc>('moderationCases');
  }

  async create({ now, ...c }: NewCase) {
    const doc: Doc = { _id: crypto.randomUUID(), ...c, status: 'open', createdAt: now ?? Date.now(), decidedBy: null, decidedAt: null, decision: null, reason: null, judgedLabels: null };
    await this.c.insertOne(doc);
    return toCase(doc);
  }

  async byId(id: string) {
    const d = await this.c.findOne({ _id: id });
    return d ? toCase(d) : null;
  }

  async list(filter: CaseFilter = {}) {
    const dir = filter.oldestFirst ? 1 : -1;
    return (await this.c.find(caseQuery(filter)).sort({ createdAt: dir, _id: dir }).limit(filter.limit ?? 100).toArray()).map(toCase);
  }

  async addLabel(id: string, label: string) {
    const r = await this.c.updateOne({ _id: id, status: 'open', labels: { $ne: label } }, { $push: { labels: label } });
    return r.modifiedCount === 1;
  }

  async count(filter: CaseFilter = {}) {
    return this.c.countDocuments(caseQuery(filter));
  }

  async countHolds(senderId: string, since: number) {
    return this.c.countDocuments({ senderId, createdAt: { $gte: since }, severity: 'hold', towardsMinor: true, decision: { $ne: 'release' } });
  }

  /**
   * Conditional on status 'open' so one decision wins on MongoDB. (FerretDB v1 applies updates as
   * read-modify-write, so two simultaneous decisions there could both report success; the
   * audit log records both.)
   */
  async decide(id: string, d: CaseDecisionInput) {
    const doc = await this.c.findOneAndUpdate(
      { _id: id, status: 'open' },
      { $set: { status: 'decided', decidedBy: d.decidedBy, decidedAt: d.now ?? Date.now(), decision: d.decision, reason: d.reason, judgedLabels: d.judgedLabels ?? null } },
      { returnDocument: 'after' },
    );
    return doc ? toCase(doc) : null;
  }
}
