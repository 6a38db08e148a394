/**
 * The contract suite against MongoDB (FerretDB v1 in CI). Runs whenever MONGODB_URI is set;
 * under CI=true a missing MONGODB_URI is a failure, not a skip.
 */
import { expect, test } from 'bun:test';
import { storeContract } from '../contract';
import { createMongoStore, MONGO_SCHEMA } from './mongo';
import { backfillArchivedCodes } from './rooms';
import { StoreVersionError } from '../version';
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
  test('a database written by a newer version is refused with one clear line; its own and older ones open', async () => {
    const name = `lt_test_schema_${Date.now()}`;
    dbs.push(name);
    await (await createMongoStore(uri, name)).close();
    const client = await new MongoClient(uri).connect();
    try {
      const meta = client.db(name).collection<{ _id: string; version: number }>('meta');
      expect(await meta.findOne({ _id: 'schema' })).toEqual({ _id: 'schema', version: MONGO_SCHEMA });
      // A database from before the record (no meta document) opens and gets one.
      await meta.deleteOne({ _id: 'schema' });
      await (await createMongoStore(uri, name)).close();
      expect((await meta.findOne({ _id: 'schema' }))?.version).toBe(MONGO_SCHEMA);
      // Upgraded by a newer version: refused, and left as it was.
      await meta.updateOne({ _id: 'schema' }, { $set: { version: MONGO_SCHEMA + 1 } });
      const refused = await createMongoStore(uri, name).then(
        () => null,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(StoreVersionError);
      expect((refused as Error).message).toBe(`the database is at schema version ${MONGO_SCHEMA + 1}, newer than this Lets Talk knows (${MONGO_SCHEMA}): it was upgraded by a newer version; run that version, or restore the backup taken before the upgrade`);
      expect((await meta.findOne({ _id: 'schema' }))?.version).toBe(MONGO_SCHEMA + 1);
    } finally {
      await client.close();
    }
  });
  test('schema 2: a room archived by an older version frees its course code at the next start', async () => {
    const name = `lt_test_codes_${Date.now()}`;
    dbs.push(name);
    const first = await createMongoStore(uri, name);
    const past = await first.rooms.create({ id: 'past', kind: 'course', code: 'HED204', name: 'Last year', topic: '', createdBy: null, dmKey: null }, []);
    await first.close();
    // As schema 1 archived it: the flag only, the code key kept.
    const client = await new MongoClient(uri).connect();
    try {
      await client.db(name).collection<{ _id: string }>('rooms').updateOne({ _id: past.id }, { $set: { archived: true, uniqueCode: 'code:HED204' } });
    } finally {
      await client.close();
    }
    const again = await createMongoStore(uri, name);
    expect(await again.rooms.byId('past')).toMatchObject({ code: 'HED204', archived: true });
    const next = await again.rooms.create({ id: 'next', kind: 'course', code: 'HED204', name: 'This year', topic: '', createdBy: null, dmKey: null }, []);
    expect((await again.rooms.byCode('HED204'))?.id).toBe(next.id);
    await again.close();
  });
  test('settledSeq stays below a number taken but not yet written, until its claim is done or stale', async () => {
    const name = `lt_test_settled_${Date.now()}`;
    dbs.push(name);
    const store = await createMongoStore(uri, name);
    const client = await new MongoClient(uri).connect();
    try {
      const db = client.db(name);
      await store.rooms.create({ id: 'r1', kind: 'group', code: null, name: 'R', topic: '', createdBy: null, dmKey: null }, []);
      const send = (body: string) => store.messages.append({ roomId: 'r1', senderId: 's', clientId: crypto.randomUUID(), kind: 'text', body, mentions: [] });
      await send('one');
      await send('two');
      expect(await store.messages.settledSeq('r1')).toBe(2);
      // A writer took number 3 from the counter and has not claimed it yet.
      await db.collection<{ _id: string; lastSeq: number }>('rooms').updateOne({ _id: 'r1' }, { $inc: { lastSeq: 1 } });
      expect(await store.messages.settledSeq('r1')).toBe(2);
      // It claimed 3; its write is still in flight, while number 4 was written meanwhile.
      await db.collection<{ _id: string }>('roomRevs').insertOne({ _id: 'r1:3', at: Date.now(), done: false } as { _id: string });
      await send('four');
      expect(await store.messages.settledSeq('r1')).toBe(2);
      // A writer that died leaves its claim undone: after a minute it no longer holds things back.
      expect(await (store.messages as unknown as { settledSeq(r: string, now: number): Promise<number> }).settledSeq('r1', Date.now() + 61_000)).toBe(4);
      await db.collection<{ _id: string; done: boolean }>('roomRevs').updateOne({ _id: 'r1:3' }, { $set: { done: true } });
      expect(await store.messages.settledSeq('r1')).toBe(4);
    } finally {
      await client.close();
      await store.close();
    }
  });
  test('a held message stored before heldRev keeps the rev it had then through later edits (as the SQLite migration fixes it)', async () => {
    const name = `lt_test_heldrev_${Date.now()}`;
    dbs.push(name);
    const store = await createMongoStore(uri, name);
    const client = await new MongoClient(uri).connect();
    try {
      await store.rooms.create({ id: 'r1', kind: 'group', code: null, name: 'R', topic: '', createdBy: null, dmKey: null }, []);
      const { message } = await store.messages.append({ roomId: 'r1', senderId: 's', clientId: 'c-legacy-0001', kind: 'text', body: 'old', mentions: [], held: true });
      await client.db(name).collection('messages').updateOne({ _id: message.id as never }, { $unset: { heldRev: '' } }); // as written before the field
      expect((await store.messages.byId('r1', message.id))?.heldRev).toBe(message.rev);
      const once = await store.messages.edit('r1', message.id, 'old v2', []);
      const twice = await store.messages.edit('r1', message.id, 'old v3', []);
      expect([once?.heldRev, twice?.heldRev]).toEqual([message.rev, message.rev]);
      expect(twice!.rev).toBeGreaterThan(message.rev);
    } finally {
      await client.close();
      await store.close();
    }
  });
  test('a database from before roomActivity: the room list is in order from the first start (backfilled once)', async () => {
    const name = `lt_test_activity_${Date.now()}`;
    dbs.push(name);
    const first = await createMongoStore(uri, name);
    const room = (id: string) => first.rooms.create({ id, kind: 'group', code: null, name: id, topic: '', createdBy: null, dmKey: null }, [{ userId: 'me', role: 'member' }]);
    // Created in the other order than their last messages: creation time alone would list them wrong.
    await room('recent');
    await Bun.sleep(5);
    await room('old-busy');
    const say = (roomId: string, body: string) => first.messages.append({ roomId, senderId: 's', clientId: crypto.randomUUID(), kind: 'text', body, mentions: [] });
    for (const b of ['1', '2', '3']) await say('old-busy', b);
    await Bun.sleep(5);
    await say('recent', 'latest');
    await first.close();
    // As an older version left it: no activity documents at all.
    const client = await new MongoClient(uri).connect();
    try {
      await client.db(name).collection('roomActivity').deleteMany({});
    } finally {
      await client.close();
    }
    const again = await createMongoStore(uri, name);
    expect((await again.rooms.listForUser('me')).map((e) => e.room.id)).toEqual(['recent', 'old-busy']);
    await again.close();
  });
  const codeRoom = (name: string, createdAt: number) => ({ id: Bun.randomUUIDv7(), kind: 'course' as const, code: 'HED204', name, topic: '', createdBy: null, dmKey: null, createdAt });
  test('course codes: two archived HED204 restored at once while a third is created: one live room', async () => {
    const name = `lt_test_codes_race_${Date.now()}`;
    dbs.push(name);
    const store = await createMongoStore(uri, name);
    try {
      const a = await store.rooms.create(codeRoom('a', 1), []);
      await store.rooms.update(a.id, { archived: true });
      const b = await store.rooms.create(codeRoom('b', 2), []);
      await store.rooms.update(b.id, { archived: true });
      const r = await Promise.allSettled([store.rooms.update(a.id, { archived: false }), store.rooms.update(b.id, { archived: false }), store.rooms.create(codeRoom('c', 3), [])]);
      const live = (await store.rooms.listCourses()).filter((x) => x.code === 'HED204');
      expect(live.length).toBe(1);
      expect(r.filter((x) => x.status === 'fulfilled').length).toBe(1);
    } finally {
      await store.close();
    }
  });

  test('course codes: the start-up backfill never strips the key of a room another node restored meanwhile', async () => {
    const name = `lt_test_codes_backfill_${Date.now()}`;
    dbs.push(name);
    const store = await createMongoStore(uri, name);
    const client = await new MongoClient(uri).connect();
    try {
      const db = client.db(name);
      const old = await store.rooms.create(codeRoom('old', 1), []);
      // Archived by the previous version: the code key stays.
      await db.collection('rooms').updateOne({ _id: old.id as never }, { $set: { archived: true } });
      // This node's backfill has read the room; another (already upgraded) node restores it before the write.
      const rooms = db.collection('rooms');
      const realUpdateOne = rooms.updateOne.bind(rooms);
      let restored = false;
      const proxy = new Proxy(db, {
        get(target, prop) {
          if (prop !== 'collection') return Reflect.get(target, prop);
          return (n: string) => {
            const c = target.collection(n);
            return new Proxy(c, {
              get(ct, p) {
                if (p === 'updateOne' && !restored) return async (...args: unknown[]) => { restored = true; await store.rooms.update(old.id, { archived: false }); return (realUpdateOne as (...a: unknown[]) => unknown)(...args); };
                const v = Reflect.get(ct, p);
                return typeof v === 'function' ? v.bind(ct) : v;
              },
            });
          };
        },
      });
      await backfillArchivedCodes(proxy as typeof db);
      expect((await store.rooms.byId(old.id))!.archived).toBe(false);
      await expect(store.rooms.create(codeRoom('second live', 2), [])).rejects.toThrow();
    } finally {
      await client.close();
      await store.close();
    }
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
