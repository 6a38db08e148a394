/**
 * Rooms and memberships on MongoDB, without multi-document transactions (FerretDB v1 has none).
 *
 * Uniqueness of course codes and DM keys rests on plain unique indexes over `uniqueCode` and
 * `uniqueDm`: FerretDB ignores `sparse` and rejects `partialFilterExpression`, so a room without a
 * code or DM key gets a filler value `id:<roomId>` instead of null (null would collide). The
 * prefixes `code:`/`dm:`/`id:` keep the three kinds of value from ever colliding with each other.
 *
 * Room creation is two writes (room, then members); if the members fail, the room is deleted
 * again, so a failed create leaves nothing behind. A reader may briefly see the room before its
 * members exist; callers only learn the room id once create resolves.
 */
import { MongoBulkWriteError, MongoServerError, type Collection, type Db } from 'mongodb';
import { isDup } from './errors';
import { DuplicateRoomError, NotFoundStoreError, type Membership, type NewRoom, type Room, type RoomKind, type RoomPatch, type RoomRole, type RoomStore } from '../types';

export type RoomDoc = Omit<Room, 'id'> & { _id: string; uniqueCode: string; uniqueDm: string };

/**
 * When each room's last visible message was sent (listForUser's order), one document per room, apart from
 * the room's: FerretDB v1 applies an update by rewriting the whole document, so a `$max` on the
 * room racing the `$inc` of its lastSeq could undo that increment and hand out a number twice.
 * Here a race can only leave an older time (a room listed a little lower), never a wrong number.
 */
export const ROOM_ACTIVITY = 'roomActivity';
export type ActivityDoc = { _id: string; lastAt: number };

/** A message sent at `at` became visible in the room: its activity moves up to it (never back). */
export const seenAt = (activity: Collection<ActivityDoc>, roomId: string, at: number) => activity.updateOne({ _id: roomId }, { $max: { lastAt: at } }, { upsert: true });

/** Marks a database whose roomActivity was filled from its messages (backfillRoomActivity). */
const BACKFILLED = '~backfilled';

/**
 * Once per database (a store from before roomActivity existed): each room's latest visible message
 * time, from its messages (newest by seq, through the roomId+seq index), so the room list is in
 * order from the first start rather than only as rooms get new messages.
 */
export async function backfillRoomActivity(db: Db) {
  const activity = db.collection<ActivityDoc>(ROOM_ACTIVITY);
  if (await activity.findOne({ _id: BACKFILLED })) return;
  const messages = db.collection<{ roomId: string; seq: number; createdAt: number; held?: boolean; deletedAt?: number | null }>('messages');
  for await (const room of db.collection<RoomDoc>('rooms').find({}, { projection: { _id: 1 } })) {
    const last = await messages.findOne({ roomId: room._id, held: { $ne: true } }, { sort: { seq: -1 }, projection: { createdAt: 1 } });
    if (last) await seenAt(activity, room._id, last.createdAt);
  }
  await activity.updateOne({ _id: BACKFILLED }, { $set: { lastAt: 0 } }, { upsert: true });
}

/**
 * Archived rooms free their course code (schema 2): rooms archived before keep `code:X` as their
 * unique key, which would refuse next session's room. Idempotent (only archived rooms still holding
 * a code key are rewritten), so it simply runs at every start.
 */
export async function backfillArchivedCodes(db: Db) {
  const rooms = db.collection<RoomDoc>('rooms');
  for await (const r of rooms.find({ archived: true, uniqueCode: { $regex: '^code:' } }, { projection: { _id: 1, uniqueCode: 1 } })) {
    // Only if still archived with that key: another node may have restored it since the read (review s14).
    await rooms.updateOne({ _id: r._id, archived: true, uniqueCode: r.uniqueCode }, { $set: { uniqueCode: `id:${r._id}` } });
  }
}
type MemberDoc = Membership;

// Rooms written before announcementsOnly existed have none: false.
const toRoom = ({ _id, uniqueCode: _c, uniqueDm: _d, ...rest }: RoomDoc): Room => ({ id: _id, ...rest, announcementsOnly: rest.announcementsOnly === true });
const NO_ID = { projection: { _id: 0 } } as const;

/** First occurrence of each user wins, like INSERT OR IGNORE in the SQLite adapter. */
function dedupe(members: { userId: string; role: RoomRole }[]) {
  const seen = new Set<string>();
  return members.filter((m) => !seen.has(m.userId) && seen.add(m.userId));
}

export class MongoRooms implements RoomStore {
  private rooms: Collection<RoomDoc>;
  private mem: Collection<MemberDoc>;
  private activity: Collection<ActivityDoc>;
  private users: Collection<{ _id: string; minorOverride: boolean | null; dateOfBirth: string | null }>;
  constructor(db: Db) {
    this.rooms = db.collection<RoomDoc>('rooms');
    this.mem = db.collection<MemberDoc>('memberships');
    this.activity = db.collection<ActivityDoc>(ROOM_ACTIVITY);
    this.users = db.collection<{ _id: string; minorOverride: boolean | null; dateOfBirth: string | null }>('users');
  }

  async create(room: NewRoom, members: { userId: string; role: RoomRole }[]) {
    const code = room.code === null ? null : room.code.toUpperCase();
    const createdAt = room.createdAt ?? Date.now();
    const doc: RoomDoc = {
      _id: room.id,
      kind: room.kind,
      code,
      name: room.name,
      topic: room.topic,
      createdBy: room.createdBy,
      createdAt,
      archived: false,
      announcementsOnly: false,
      dmKey: room.dmKey,
      lastSeq: 0,
      uniqueCode: code !== null ? `code:${code}` : `id:${room.id}`,
      uniqueDm: room.dmKey !== null ? `dm:${room.dmKey}` : `id:${room.id}`,
    };
    try {
      await this.rooms.insertOne(doc);
    } catch (e) {
      if (!isDup(e)) throw e;
      // Which key clashed: ask rather than parse the error (its shape differs across servers).
      if (code !== null && (await this.rooms.findOne({ uniqueCode: `code:${code}` }))) throw new DuplicateRoomError(code);
      if (room.dmKey !== null && (await this.byDmKey(room.dmKey))) throw new DuplicateRoomError(room.dmKey);
      throw new DuplicateRoomError(room.id);
    }
    const docs = dedupe(members).map((m) => ({ roomId: room.id, userId: m.userId, role: m.role, joinedAt: createdAt, lastReadSeq: 0 }));
    try {
      if (docs.length) await this.mem.insertMany(docs, { ordered: true });
    } catch (e) {
      // Compensate: no transaction, so undo by hand to keep create all-or-nothing.
      await this.mem.deleteMany({ roomId: room.id });
      await this.rooms.deleteOne({ _id: room.id });
      throw e;
    }
    return toRoom(doc);
  }

  async byId(id: string) {
    const d = await this.rooms.findOne({ _id: id });
    return d ? toRoom(d) : null;
  }

  /** The live room with the code, else the newest archived one (an archived room frees its code: `update`). */
  async byCode(code: string) {
    const c = code.toUpperCase();
    const d = (await this.rooms.findOne({ uniqueCode: `code:${c}` })) ?? (await this.rooms.find({ kind: 'course', code: c }).sort({ createdAt: -1, _id: -1 }).limit(1).toArray())[0];
    return d ? toRoom(d) : null;
  }

  async byDmKey(dmKey: string) {
    const d = await this.rooms.findOne({ uniqueDm: `dm:${dmKey}` });
    return d ? toRoom(d) : null;
  }

  async update(id: string, patch: RoomPatch) {
    const set: Partial<RoomDoc> = {};
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.topic !== undefined) set.topic = patch.topic;
    if (patch.archived !== undefined) set.archived = patch.archived;
    if (patch.announcementsOnly !== undefined) set.announcementsOnly = patch.announcementsOnly;
    if (Object.keys(set).length === 0) return this.byId(id);
    // Archiving frees the code for a new live room; restoring takes it back (refused by the unique
    // index when a live room has it: one document's update, so nothing changes then).
    if (patch.archived !== undefined) {
      const code = (await this.rooms.findOne({ _id: id }, { projection: { code: 1 } }))?.code ?? null;
      set.uniqueCode = !patch.archived && code !== null ? `code:${code}` : `id:${id}`;
    }
    let d: RoomDoc | null;
    try {
      d = await this.rooms.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: 'after' });
    } catch (e) {
      // Which key clashed: ask (FerretDB reports a clash in findAndModify with its own error code).
      const held = set.uniqueCode?.startsWith('code:') ? await this.rooms.findOne({ uniqueCode: set.uniqueCode, _id: { $ne: id } }) : null;
      if (held) throw new DuplicateRoomError(held.code ?? id);
      throw e;
    }
    return d ? toRoom(d) : null;
  }

  async listCourses(opts: { includeArchived?: boolean } = {}) {
    const q = opts.includeArchived ? { kind: 'course' as const } : { kind: 'course' as const, archived: false };
    return (await this.rooms.find(q).sort({ code: 1, archived: 1, createdAt: -1 }).toArray()).map(toRoom);
  }

  async listForUser(userId: string) {
    const ms = await this.mem.find({ userId }, NO_ID).toArray();
    if (ms.length === 0) return [];
    const ids = ms.map((m) => m.roomId);
    const [docs, activity] = await Promise.all([this.rooms.find({ _id: { $in: ids } }).toArray(), this.activity.find({ _id: { $in: ids } }).toArray()]);
    const rooms = new Map(docs.map((d) => [d._id, toRoom(d)]));
    const lastAt = new Map(activity.map((a) => [a._id, a.lastAt]));
    const out: { room: Room; membership: Membership; at: number }[] = [];
    for (const membership of ms) {
      const room = rooms.get(membership.roomId);
      if (room) out.push({ room, membership, at: lastAt.get(room.id) ?? room.createdAt });
    }
    // Same order as the SQLite adapter: live rooms first, most recent message first, then id.
    return out
      .sort((a, b) => Number(a.room.archived) - Number(b.room.archived) || b.at - a.at || (a.room.id < b.room.id ? -1 : a.room.id > b.room.id ? 1 : 0))
      .map(({ room, membership }) => ({ room, membership }));
  }

  /** Throws `NotFoundStoreError` when the room does not exist. */
  async addMembers(roomId: string, members: { userId: string; role: RoomRole }[]) {
    if (!(await this.rooms.findOne({ _id: roomId }, { projection: { _id: 1 } }))) throw new NotFoundStoreError(`room ${roomId}`);
    const wanted = dedupe(members);
    const existing = new Set(
      (await this.mem.find({ roomId, userId: { $in: wanted.map((m) => m.userId) } }, { projection: { userId: 1 } }).toArray()).map((m) => m.userId),
    );
    const now = Date.now();
    const docs = wanted.filter((m) => !existing.has(m.userId)).map((m) => ({ roomId, userId: m.userId, role: m.role, joinedAt: now, lastReadSeq: 0 }));
    if (docs.length === 0) return [];
    try {
      await this.mem.insertMany(docs, { ordered: false });
      return docs.map((d) => d.userId);
    } catch (e) {
      // A concurrent add got some of them first: the unique (roomId, userId) index rejected those
      // (and kept their role); report only the ones this call inserted.
      if (!(e instanceof MongoBulkWriteError)) throw e;
      const errs = Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors];
      if (errs.some((w) => w.code !== 11000)) throw e;
      const failed = new Set(errs.map((w) => w.index));
      return docs.filter((_, i) => !failed.has(i)).map((d) => d.userId);
    }
  }

  async removeMember(roomId: string, userId: string) {
    return (await this.mem.deleteOne({ roomId, userId })).deletedCount === 1;
  }

  async setRole(roomId: string, userId: string, role: RoomRole) {
    return (await this.mem.updateOne({ roomId, userId }, { $set: { role } })).matchedCount === 1;
  }

  async membership(roomId: string, userId: string) {
    return this.mem.findOne({ roomId, userId }, NO_ID);
  }

  async members(roomId: string) {
    return this.mem.find({ roomId }, NO_ID).sort({ joinedAt: 1, userId: 1 }).toArray();
  }

  async minorMembers(roomId: string, adultBornBy: string) {
    const ids = (await this.mem.find({ roomId }, { projection: { userId: 1 } }).toArray()).map((m) => m.userId);
    if (!ids.length) return [];
    const minors = await this.users
      .find({ _id: { $in: ids }, $or: [{ minorOverride: true }, { minorOverride: null, dateOfBirth: { $gt: adultBornBy } }] }, { projection: { _id: 1 } })
      .toArray();
    return minors.map((u) => u._id).sort();
  }

  async markRead(roomId: string, userId: string, seq: number) {
    // $max never lowers the value (atomic on MongoDB; see mongo.ts for FerretDB's caveat).
    const d = await this.mem.findOneAndUpdate({ roomId, userId }, { $max: { lastReadSeq: seq } }, { returnDocument: 'after' });
    return d ? d.lastReadSeq : null;
  }

  async shareRoom(userA: string, userB: string, kinds: RoomKind[]) {
    if (kinds.length === 0) return false;
    const aRooms = (await this.mem.find({ userId: userA }, { projection: { roomId: 1 } }).toArray()).map((m) => m.roomId);
    if (aRooms.length === 0) return false;
    const ofKind = (await this.rooms.find({ _id: { $in: aRooms }, kind: { $in: kinds }, archived: { $ne: true } }, { projection: { _id: 1 } }).toArray()).map((r) => r._id);
    if (ofKind.length === 0) return false;
    return (await this.mem.findOne({ userId: userB, roomId: { $in: ofKind } }, { projection: { _id: 1 } })) !== null;
  }
}
