/**
 * MongoDB store. Production should run a replica set (transactions, durability); the adapter also
 * works on a standalone server and on FerretDB v1 (used in CI), which have no multi-document
 * transactions: there `importBatch` falls back to compensating writes (see users.ts).
 *
 * FerretDB v1 also applies updates as read, modify in memory, write back, so concurrent updates
 * of one document can be lost ($inc, $max, conditional updates included). Only inserts under a
 * unique index are race-free there; the message counter relies on that (see messages.ts).
 */
import { MongoClient, MongoServerError, type Db, type IndexDescription } from 'mongodb';
import { MongoUsers } from './users';
import { MongoSessions } from './sessions';
import { MongoAudit } from './audit';
import { backfillArchivedCodes, backfillRoomActivity, MongoRooms } from './rooms';
import { MongoMessages } from './messages';
import { MongoFiles } from './files';
import { MongoCases } from './cases';
import { backfillSanctionSlots, MongoSanctions } from './sanctions';
import { MongoMail } from './mail';
import { MongoLectures } from './lectures';
import { MongoPins } from './pins';
import { MongoPolls } from './polls';
import type { Store } from '../types';
import { newerStoreMessage, StoreVersionError } from '../version';

/**
 * Creates only the indexes that do not exist yet (by name). MongoDB accepts createIndexes for
 * existing indexes, but FerretDB v1 drops the connection when a multi-index createIndexes names
 * indexes that already exist, i.e. on every restart against an existing database.
 */
async function createMissing(db: Db, collection: string, specs: IndexDescription[]) {
  const c = db.collection(collection);
  let existing: string[] = [];
  try {
    existing = (await c.listIndexes().toArray()).map((i) => String(i.name));
  } catch (e) {
    if (!(e instanceof MongoServerError && e.code === 26)) throw e; // 26: the collection does not exist yet
  }
  const missing = specs.filter((s) => !existing.includes(s.name!));
  if (missing.length) await c.createIndexes(missing);
}

export async function ensureIndexes(db: Db) {
  await createMissing(db, 'users', [
    { key: { emailLower: 1 }, name: 'email_unique', unique: true },
    { key: { role: 1, emailLower: 1 }, name: 'role_email' },
  ]);
  await createMissing(db, 'sessions', [
    { key: { userId: 1 }, name: 'user' },
    { key: { expiresAt: 1 }, name: 'expiry' },
  ]);
  await createMissing(db, 'audit', [
    { key: { seq: 1 }, name: 'seq_unique', unique: true },
    { key: { action: 1, seq: 1 }, name: 'action_seq' },
    { key: { target: 1, seq: 1 }, name: 'target_seq' },
  ]);
  // Plain (not sparse/partial) unique indexes: FerretDB supports no other kind; see rooms.ts.
  await createMissing(db, 'rooms', [
    { key: { uniqueCode: 1 }, name: 'code_unique', unique: true },
    { key: { uniqueDm: 1 }, name: 'dm_unique', unique: true },
    { key: { kind: 1, code: 1 }, name: 'kind_code' },
  ]);
  await createMissing(db, 'memberships', [
    { key: { roomId: 1, userId: 1 }, name: 'room_user_unique', unique: true },
    { key: { userId: 1 }, name: 'user' },
  ]);
  await createMissing(db, 'messages', [
    { key: { roomId: 1, seq: 1 }, name: 'room_seq_unique', unique: true },
    { key: { roomId: 1, senderId: 1, clientId: 1 }, name: 'room_client_unique', unique: true },
    { key: { roomId: 1, rev: 1 }, name: 'room_rev' },
  ]);
  await createMissing(db, 'uploads', [
    { key: { userId: 1, roomId: 1, sha256: 1, size: 1, name: 1 }, name: 'upload_key_unique', unique: true },
    { key: { updatedAt: 1 }, name: 'updated' },
    { key: { roomId: 1 }, name: 'room' },
  ]);
  await createMissing(db, 'uploadChunks', [{ key: { uploadId: 1, offset: 1 }, name: 'upload_offset' }]);
  await createMissing(db, 'files', [
    { key: { roomId: 1 }, name: 'room' },
    { key: { uploaderId: 1 }, name: 'uploader' },
  ]);
  await createMissing(db, 'moderationCases', [
    { key: { status: 1, createdAt: -1 }, name: 'status_created' },
    { key: { messageId: 1 }, name: 'message' },
    { key: { senderId: 1, createdAt: -1 }, name: 'sender_created' },
  ]);
  await createMissing(db, 'sanctions', [
    { key: { userId: 1, status: 1 }, name: 'user_status' },
    { key: { roomId: 1, status: 1 }, name: 'room_status' },
    { key: { status: 1, createdAt: -1 }, name: 'status_created' },
  ]);
  await createMissing(db, 'mailQueue', [
    { key: { dueAt: 1 }, name: 'due' },
    { key: { userId: 1 }, name: 'user' },
  ]);
  await createMissing(db, 'mailClaims', [{ key: { at: 1 }, name: 'at' }]);
  await createMissing(db, 'reactions', [
    { key: { roomId: 1, messageId: 1 }, name: 'room_message' },
    { key: { messageId: 1 }, name: 'message' },
  ]);
  await createMissing(db, 'reactionMarks', [{ key: { roomId: 1, at: 1 }, name: 'room_at' }]);
  await createMissing(db, 'lectures', [{ key: { roomId: 1, startedAt: -1 }, name: 'room_started' }]);
  await createMissing(db, 'lectureSeats', [{ key: { lectureId: 1, userId: 1 }, name: 'lecture_user' }]);
  await createMissing(db, 'lectureRefusals', [{ key: { lectureId: 1, userId: 1 }, name: 'lecture_user' }]);
  await createMissing(db, 'pins', [{ key: { roomId: 1, at: -1 }, name: 'room_at' }]);
  await createMissing(db, 'polls', [{ key: { roomId: 1, changedAt: 1 }, name: 'room_changed' }, { key: { roomId: 1, messageId: 1 }, name: 'room_message' }]);
  await createMissing(db, 'pollVotes', [{ key: { roomId: 1, messageId: 1 }, name: 'room_message' }]);
  await backfillSanctionSlots(db);
  await backfillRoomActivity(db);
  await backfillArchivedCodes(db);
  await createMissing(db, 'sanctions', [{ key: { slot: 1 }, name: 'slot_unique', unique: true }]);
}

/** Whether the deployment supports multi-document transactions (replica set or sharded). */
async function supportsTransactions(db: Db): Promise<boolean> {
  try {
    const hello = await db.admin().command({ hello: 1 });
    return Boolean(hello.setName) || hello.msg === 'isdbgrid';
  } catch {
    return false;
  }
}

/**
 * The layout this code writes. Bump it when a change makes older code unsafe on the data (a new
 * required field, a backfill older code would undo): an older server or CLI then refuses the
 * database instead of writing into it (a rollback needs the backup taken before the upgrade).
 * Databases from before this guard have no record: they are at most this version.
 */
// 2: an archived room frees its course code (its unique key becomes `id:`; rooms.ts backfillArchivedCodes).
// Older code would restore one without taking the code back, leaving two live rooms with one code.
export const MONGO_SCHEMA = 2;

interface Meta {
  _id: string;
  version: number;
}

async function checkSchema(db: Db): Promise<void> {
  const found = (await db.collection<Meta>('meta').findOne({ _id: 'schema' }))?.version ?? 0;
  if (found > MONGO_SCHEMA) throw new StoreVersionError(newerStoreMessage(found, MONGO_SCHEMA));
}

export async function createMongoStore(uri: string, dbName?: string): Promise<Store> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  const db = client.db(dbName);
  try {
    await checkSchema(db);
  } catch (e) {
    await client.close();
    throw e;
  }
  await ensureIndexes(db);
  // After the indexes and backfills: the record says what the data is ready for.
  await db.collection<Meta>('meta').updateOne({ _id: 'schema' }, { $max: { version: MONGO_SCHEMA } }, { upsert: true });
  const tx = await supportsTransactions(db);
  return {
    kind: 'mongodb',
    users: new MongoUsers(db, client, tx),
    sessions: new MongoSessions(db),
    audit: new MongoAudit(db),
    rooms: new MongoRooms(db),
    messages: new MongoMessages(db),
    files: new MongoFiles(db),
    cases: new MongoCases(db),
    sanctions: new MongoSanctions(db),
    mail: new MongoMail(db),
    lectures: new MongoLectures(db),
    pins: new MongoPins(db),
    polls: new MongoPolls(db),
    async ping() {
      await db.command({ ping: 1 });
    },
    async close() {
      await client.close();
    },
  };
}
