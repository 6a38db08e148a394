/**
 * MongoDB store. Production should run a replica set (transactions, durability); the adapter also
 * works on a standalone server and on FerretDB v1 (used in CI), which have no multi-document
 * transactions: there `importBatch` falls back to compensating writes (see users.ts).
 *
 * FerretDB v1 also applies updates as read, modify in memory, write back, so concurrent updates
 * of one document can be lost ($inc, $max, conditional updates included). Only inserts under a
 * unique index are race-free there; the message counter relies on that (see messages.ts).
 */
import { MongoClient, type Db } from 'mongodb';
import { MongoUsers } from './users';
import { MongoSessions } from './sessions';
import { MongoAudit } from './audit';
import { MongoRooms } from './rooms';
import { MongoMessages } from './messages';
import type { Store } from '../types';

export async function ensureIndexes(db: Db) {
  await db.collection('users').createIndexes([
    { key: { emailLower: 1 }, name: 'email_unique', unique: true },
    { key: { role: 1, emailLower: 1 }, name: 'role_email' },
  ]);
  await db.collection('sessions').createIndexes([
    { key: { userId: 1 }, name: 'user' },
    { key: { expiresAt: 1 }, name: 'expiry' },
  ]);
  await db.collection('audit').createIndexes([
    { key: { seq: 1 }, name: 'seq_unique', unique: true },
    { key: { action: 1, seq: 1 }, name: 'action_seq' },
  ]);
  // Plain (not sparse/partial) unique indexes: FerretDB supports no other kind; see rooms.ts.
  await db.collection('rooms').createIndexes([
    { key: { uniqueCode: 1 }, name: 'code_unique', unique: true },
    { key: { uniqueDm: 1 }, name: 'dm_unique', unique: true },
    { key: { kind: 1, code: 1 }, name: 'kind_code' },
  ]);
  await db.collection('memberships').createIndexes([
    { key: { roomId: 1, userId: 1 }, name: 'room_user_unique', unique: true },
    { key: { userId: 1 }, name: 'user' },
  ]);
  await db.collection('messages').createIndexes([
    { key: { roomId: 1, seq: 1 }, name: 'room_seq_unique', unique: true },
    { key: { roomId: 1, senderId: 1, clientId: 1 }, name: 'room_client_unique', unique: true },
    { key: { roomId: 1, rev: 1 }, name: 'room_rev' },
  ]);
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

export async function createMongoStore(uri: string, dbName?: string): Promise<Store> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  const db = client.db(dbName);
  await ensureIndexes(db);
  const tx = await supportsTransactions(db);
  return {
    kind: 'mongodb',
    users: new MongoUsers(db, client, tx),
    sessions: new MongoSessions(db),
    audit: new MongoAudit(db),
    rooms: new MongoRooms(db),
    messages: new MongoMessages(db),
    async ping() {
      await db.command({ ping: 1 });
    },
    async close() {
      await client.close();
    },
  };
}
