/**
 * MongoDB store. Production should run a replica set (transactions, durability); the adapter also
 * works on a standalone server and on FerretDB v1 (used in CI), which have no multi-document
 * transactions: there `importBatch` falls back to compensating writes (see users.ts).
 */
import { MongoClient, type Db } from 'mongodb';
import { MongoUsers } from './users';
import { MongoSessions } from './sessions';
import { MongoAudit } from './audit';
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
    async ping() {
      await db.command({ ping: 1 });
    },
    async close() {
      await client.close();
    },
  };
}
