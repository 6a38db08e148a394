import { type Collection, type Db, type MongoClient } from 'mongodb';
import { isDup } from './errors';
import { DuplicateEmailError, inOrder, type NewUser, type User, type UserFilter, type UserPatch, type UserStore } from '../types';

type Doc = Omit<User, 'id'> & { _id: string };

const toUser = ({ _id, ...rest }: Doc): User => ({ id: _id, ...rest });

function toDoc(u: NewUser): Doc {
  const { id, createdAt, ...rest } = u;
  const now = createdAt ?? Date.now();
  return { _id: id, ...rest, emailLower: u.email.toLowerCase(), createdAt: now, updatedAt: now };
}

function setOf(patch: UserPatch): Partial<Doc> {
  const set: Partial<Doc> = { updatedAt: Date.now() };
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) (set as Record<string, unknown>)[k] = v;
  if (patch.email) set.emailLower = patch.email.toLowerCase();
  return set;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class MongoUsers implements UserStore {
  private c: Collection<Doc>;
  private used: Collection<{ _id: string; userId: string; at: number }>;
  constructor(
    db: Db,
    private client: MongoClient,
    private transactions: boolean,
  ) {
    this.c = db.collection<Doc>('users');
    this.used = db.collection('usedLoginCodes');
  }

  async create(u: NewUser) {
    const doc = toDoc(u);
    try {
      await this.c.insertOne(doc);
    } catch (e) {
      if (isDup(e)) throw new DuplicateEmailError([u.email]);
      throw e;
    }
    return toUser(doc);
  }

  async importBatch(batch: { create: NewUser[]; update: { id: string; patch: UserPatch }[] }) {
    const existing = await this.byEmails(batch.create.map((u) => u.email));
    if (existing.length) throw new DuplicateEmailError(existing.map((u) => u.email));
    const docs = batch.create.map(toDoc);
    if (this.transactions) {
      const session = this.client.startSession();
      try {
        await session.withTransaction(async () => {
          if (docs.length) await this.c.insertMany(docs, { session, ordered: true });
          for (const { id, patch } of batch.update) await this.c.updateOne({ _id: id }, { $set: setOf(patch) }, { session });
        });
      } catch (e) {
        if (isDup(e)) throw new DuplicateEmailError(['(concurrent import)']);
        throw e;
      } finally {
        await session.endSession();
      }
      return;
    }
    // No transactions (standalone server, FerretDB): write, and on any failure undo what was
    // written: delete inserted users and restore the previous version of updated ones.
    const before = batch.update.length ? await this.c.find({ _id: { $in: batch.update.map((u) => u.id) } }).toArray() : [];
    try {
      for (let i = 0; i < docs.length; i += 1000) await this.c.insertMany(docs.slice(i, i + 1000), { ordered: true });
      for (const { id, patch } of batch.update) await this.c.updateOne({ _id: id }, { $set: setOf(patch) });
    } catch (e) {
      await this.c.deleteMany({ _id: { $in: docs.map((d) => d._id) } });
      for (const d of before) await this.c.replaceOne({ _id: d._id }, d);
      if (isDup(e)) throw new DuplicateEmailError(['(concurrent import)']);
      throw e;
    }
  }

  async byId(id: string) {
    const d = await this.c.findOne({ _id: id });
    return d ? toUser(d) : null;
  }

  async byEmail(email: string) {
    const d = await this.c.findOne({ emailLower: email.toLowerCase() });
    return d ? toUser(d) : null;
  }

  async byIds(ids: string[]) {
    const out: User[] = [];
    for (let i = 0; i < ids.length; i += 1000) out.push(...(await this.c.find({ _id: { $in: ids.slice(i, i + 1000) } }).toArray()).map(toUser));
    return inOrder(ids, out);
  }

  async byEmails(emails: string[]) {
    const out: User[] = [];
    for (let i = 0; i < emails.length; i += 1000) {
      const slice = emails.slice(i, i + 1000).map((e) => e.toLowerCase());
      out.push(...(await this.c.find({ emailLower: { $in: slice } }).toArray()).map(toUser));
    }
    return out;
  }

  async byHandles(handles: string[]) {
    if (!handles.length) return [];
    // Ranges on the email index ('h@' ≤ email < 'hA'; 'A' follows '@', emails are lower-cased).
    const ranges = handles.map((h) => ({ emailLower: { $gte: `${h.toLowerCase()}@`, $lt: `${h.toLowerCase()}A` } }));
    return (await this.c.find({ $or: ranges }).toArray()).map(toUser);
  }

  private query(f: Omit<UserFilter, 'limit' | 'offset'>) {
    const q: Record<string, unknown> = {};
    if (f.role) q.role = f.role;
    if (f.status) q.status = f.status;
    if (f.query) {
      const re = { $regex: escapeRegex(f.query), $options: 'i' };
      q.$or = [{ emailLower: re }, { name: re }, ...(f.matric ? [{ matricNo: re }] : [])];
    }
    return q;
  }

  async list(f: UserFilter = {}) {
    const docs = await this.c
      .find(this.query(f))
      .sort({ emailLower: 1 })
      .skip(f.offset ?? 0)
      .limit(f.limit ?? 100_000)
      .toArray();
    return docs.map(toUser);
  }

  async count(f: Omit<UserFilter, 'limit' | 'offset'> = {}) {
    return this.c.countDocuments(this.query(f));
  }

  async update(id: string, patch: UserPatch) {
    try {
      const r = await this.c.updateOne({ _id: id }, { $set: setOf(patch) });
      if (r.matchedCount === 0) return null;
    } catch (e) {
      if (isDup(e)) throw new DuplicateEmailError([patch.email ?? '']);
      throw e;
    }
    return this.byId(id);
  }

  /**
   * FerretDB applies updates as read-modify-write, so a conditional update alone lets two racing
   * sign-ins both win. The claim is an insert of the code hash under the unique _id of
   * `usedLoginCodes`: exactly one insert succeeds, on any MongoDB-compatible server.
   */
  async consumeLoginCode(id: string, codeHash: string, now: number) {
    const u = await this.c.findOne({ _id: id, loginCodeHash: codeHash, loginCodeExpiresAt: { $gt: now } });
    if (!u) return false;
    try {
      await this.used.insertOne({ _id: codeHash, userId: id, at: now });
    } catch (e) {
      if (isDup(e)) return false;
      throw e;
    }
    await this.c.updateOne({ _id: id, loginCodeHash: codeHash }, { $set: { loginCodeHash: null, loginCodeExpiresAt: null, updatedAt: now } });
    return true;
  }
}
