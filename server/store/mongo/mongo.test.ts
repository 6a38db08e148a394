/**
 * The contract suite against MongoDB (FerretDB v1 in CI). Runs whenever MONGODB_URI is set;
 * under CI=true a missing MONGODB_URI is a failure, not a skip.
 */
import { expect, test } from 'bun:test';
import { storeContract } from '../contract';
import { createMongoStore } from './mongo';
import { MongoClient } from 'mongodb';

const uri = process.env.MONGODB_URI;

if (uri) {
  const dbs: string[] = [];
  storeContract('mongodb', async () => {
    const name = `lt_test_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
    dbs.push(name);
    return createMongoStore(uri, name);
  });
  test('opening the store again on an existing database works (a server restart)', async () => {
    const name = `lt_test_reopen_${Date.now()}`;
    dbs.push(name);
    const first = await createMongoStore(uri, name);
    await first.users.create({ id: 'u1', email: 'a@x.ng', name: 'A', role: 'student', dateOfBirth: null, minorOverride: null, matricNo: null, status: 'active', passwordHash: null, mustSetPassword: false, loginCodeHash: null, loginCodeExpiresAt: null, permissions: [] });
    await first.close();
    const again = await createMongoStore(uri, name);
    expect((await again.users.byEmail('a@x.ng'))?.id).toBe('u1');
    await again.close();
  });
  test('clean up test databases', async () => {
    const client = await new MongoClient(uri).connect();
    for (const d of dbs) await client.db(d).dropDatabase();
    await client.close();
  });
} else if (process.env.CI === 'true') {
  test('MongoDB contract suite', () => {
    throw new Error('MONGODB_URI is not set: the MongoDB store suite cannot run (CI must start FerretDB)');
  });
} else {
  console.warn('MongoDB store tests skipped: MONGODB_URI is not set');
}
