/**
 * The store contract: one suite, run against every adapter (see sqlite/sqlite.test.ts and
 * mongo/mongo.test.ts). An adapter is correct when it passes all of it.
 */
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { verifyChain } from './audit-chain';
import { DuplicateEmailError, type NewUser, type Store } from './types';
import { chatContract } from './contract-chat';
import { casesContract } from './contract-cases';
import { filesContract } from './contract-files';
import { mailContract } from './contract-mail';
import { lecturesContract } from './contract-lectures';
import { pinsContract } from './contract-pins';
import { pollsContract } from './contract-polls';
import { reactionsContract } from './contract-reactions';

let n = 0;
export function newUser(over: Partial<NewUser> = {}): NewUser {
  n++;
  return {
    id: `u${n}-${crypto.randomUUID()}`,
    email: `Student${n}@Unilag.edu.ng`,
    name: `Student ${n}`,
    role: 'student',
    dateOfBirth: null,
    minorOverride: null,
    matricNo: null,
    status: 'active',
    passwordHash: null,
    mustSetPassword: false,
    loginCodeHash: null,
    loginCodeExpiresAt: null,
    permissions: [],
    ...over,
  };
}

export function storeContract(name: string, open: () => Promise<Store>) {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    const opened: Store[] = [];
    beforeEach(async () => {
      store = await open();
      opened.push(store);
    });
    afterAll(async () => {
      for (const s of opened) await s.close().catch(() => {});
    });

    test('creates a user and finds it by id and by email in any case', async () => {
      const u = await store.users.create(newUser({ email: 'Ada.Obi@Unilag.edu.ng', dateOfBirth: '2009-03-01', minorOverride: true, permissions: ['safeguarding'] }));
      expect(u.emailLower).toBe('ada.obi@unilag.edu.ng');
      expect(u.createdAt).toBeGreaterThan(0);
      expect((await store.users.byId(u.id))?.email).toBe('Ada.Obi@Unilag.edu.ng');
      const found = await store.users.byEmail('ADA.OBI@unilag.EDU.NG');
      expect(found?.id).toBe(u.id);
      expect(found?.minorOverride).toBe(true);
      expect(found?.dateOfBirth).toBe('2009-03-01');
      expect(found?.permissions).toEqual(['safeguarding']);
      expect(await store.users.byId('missing')).toBeNull();
      expect(await store.users.byEmail('nobody@x.ng')).toBeNull();
    });

    test('rejects a duplicate email regardless of case', async () => {
      await store.users.create(newUser({ email: 'dup@unilag.edu.ng' }));
      await expect(store.users.create(newUser({ email: 'DUP@unilag.edu.ng' }))).rejects.toBeInstanceOf(DuplicateEmailError);
    });

    test('importBatch is all-or-nothing', async () => {
      const existing = await store.users.create(newUser({ email: 'taken@unilag.edu.ng' }));
      const a = newUser({ email: 'a@unilag.edu.ng' });
      const clash = newUser({ email: 'TAKEN@unilag.edu.ng' });
      await expect(store.users.importBatch({ create: [a, clash], update: [{ id: existing.id, patch: { name: 'Changed' } }] })).rejects.toBeInstanceOf(DuplicateEmailError);
      expect(await store.users.byEmail('a@unilag.edu.ng')).toBeNull();
      expect((await store.users.byId(existing.id))?.name).toBe(existing.name);

      await store.users.importBatch({ create: [a], update: [{ id: existing.id, patch: { name: 'Changed', role: 'lecturer' } }] });
      expect((await store.users.byEmail('a@unilag.edu.ng'))?.id).toBe(a.id);
      const ex = await store.users.byId(existing.id);
      expect(ex?.name).toBe('Changed');
      expect(ex?.role).toBe('lecturer');
    });

    test('byEmails, list, count filter and sort', async () => {
      await store.users.importBatch({
        create: [
          newUser({ email: 'c@x.ng', name: 'Chika', role: 'lecturer' }),
          newUser({ email: 'a@x.ng', name: 'Ade 100%' }),
          newUser({ email: 'b@x.ng', name: 'Bola', status: 'disabled', matricNo: '190401004' }),
        ],
        update: [],
      });
      expect((await store.users.byEmails(['A@X.NG', 'c@x.ng', 'none@x.ng'])).map((u) => u.email).sort()).toEqual(['a@x.ng', 'c@x.ng']);
      const [a, c] = [(await store.users.byEmail('a@x.ng'))!, (await store.users.byEmail('c@x.ng'))!];
      expect((await store.users.byIds([c.id, 'nobody', a.id])).map((u) => u.email)).toEqual(['c@x.ng', 'a@x.ng']);
      expect(await store.users.byIds([])).toEqual([]);
      expect((await store.users.list()).map((u) => u.email)).toEqual(['a@x.ng', 'b@x.ng', 'c@x.ng']);
      expect((await store.users.list({ role: 'lecturer' })).map((u) => u.name)).toEqual(['Chika']);
      expect((await store.users.list({ status: 'disabled' })).map((u) => u.name)).toEqual(['Bola']);
      expect((await store.users.list({ query: 'BOL' })).map((u) => u.name)).toEqual(['Bola']);
      expect((await store.users.list({ query: '100%' })).map((u) => u.name)).toEqual(['Ade 100%']);
      expect((await store.users.list({ query: '_' })).length).toBe(0);
      // Matriculation numbers only where asked (the admin portal), not in people search.
      expect((await store.users.list({ query: '0401004' })).length).toBe(0);
      expect((await store.users.list({ query: '0401004', matric: true })).map((u) => u.name)).toEqual(['Bola']);
      expect(await store.users.count({ query: '190401004', matric: true })).toBe(1);
      expect((await store.users.list({ limit: 1, offset: 1 })).map((u) => u.email)).toEqual(['b@x.ng']);
      expect(await store.users.count()).toBe(3);
      expect(await store.users.count({ role: 'student' })).toBe(2);
    });

    test('byHandles: the whole local part of the email, any domain, any case', async () => {
      for (const email of ['a@x.ng', 'A@Y.NG', 'ab@x.ng', 'a.b@y.ng', 'ba@x.ng']) await store.users.create(newUser({ email, name: email }));
      expect((await store.users.byHandles(['A', 'a.b', 'zz'])).map((u) => u.emailLower).sort()).toEqual(['a.b@y.ng', 'a@x.ng', 'a@y.ng']);
      expect(await store.users.byHandles([])).toEqual([]);
    });

    test('update patches fields and returns null for a missing user', async () => {
      const u = await store.users.create(newUser());
      const up = await store.users.update(u.id, { status: 'suspended', minorOverride: false, passwordHash: 'h', mustSetPassword: true, email: 'New@x.ng' });
      expect(up?.status).toBe('suspended');
      expect(up?.minorOverride).toBe(false);
      expect(up?.mustSetPassword).toBe(true);
      expect(up?.emailLower).toBe('new@x.ng');
      expect(up!.updatedAt).toBeGreaterThanOrEqual(u.updatedAt);
      expect(await store.users.update('missing', { name: 'x' })).toBeNull();
    });

    test('consumeLoginCode succeeds once, and never for a wrong or expired code', async () => {
      const now = Date.now();
      const u = await store.users.create(newUser({ loginCodeHash: 'abc', loginCodeExpiresAt: now + 1000 }));
      expect(await store.users.consumeLoginCode(u.id, 'wrong', now)).toBe(false);
      expect(await store.users.consumeLoginCode(u.id, 'abc', now + 1000)).toBe(false); // expired
      const results = await Promise.all([store.users.consumeLoginCode(u.id, 'abc', now), store.users.consumeLoginCode(u.id, 'abc', now)]);
      expect(results.filter(Boolean).length).toBe(1);
      expect((await store.users.byId(u.id))?.loginCodeHash).toBeNull();
    });

    test('sessions: create, get, touch, revoke per user, purge expired', async () => {
      const now = Date.now();
      const s = { idHash: 'h1', userId: 'u1', createdAt: now, lastSeenAt: now, expiresAt: now + 1000, ip: '127.0.0.1', userAgent: 'ua' };
      await store.sessions.create(s);
      await store.sessions.create({ ...s, idHash: 'h2' });
      await store.sessions.create({ ...s, idHash: 'h3', userId: 'u2', expiresAt: now - 1 });
      expect(await store.sessions.get('h1')).toEqual(s);
      await store.sessions.touch('h1', now + 5, now + 5000);
      expect((await store.sessions.get('h1'))?.expiresAt).toBe(now + 5000);
      expect((await store.sessions.listForUser('u1')).length).toBe(2);
      // live: the ones that exist and have not expired; the others (h3 expired, h9 unknown) are not.
      expect([...(await store.sessions.live(['h1', 'h2', 'h3', 'h9'], now))].sort()).toEqual(['h1', 'h2']);
      expect((await store.sessions.live([], now)).size).toBe(0);
      expect((await store.sessions.live(['h1'], now + 5000)).size).toBe(0);
      // Begun before the longest a session may now last (SESSION_MAX_DAYS lowered since).
      expect((await store.sessions.live(['h1'], now, now)).size).toBe(0);
      expect((await store.sessions.live(['h1'], now, now - 1)).size).toBe(1);
      // Batched: more than one statement's worth.
      const many = [...Array.from({ length: 1200 }, (_, i) => `x${i}`), 'h2'];
      expect([...(await store.sessions.live(many, now))]).toEqual(['h2']);
      expect((await store.sessions.get('h1'))?.lastSeenAt).toBe(now + 5);
      expect(await store.sessions.purgeExpired(now)).toBe(1);
      expect(await store.sessions.get('h3')).toBeNull();
      await store.sessions.delete('h2');
      expect(await store.sessions.get('h2')).toBeNull();
      expect(await store.sessions.deleteForUser('u1')).toBe(1);
      expect(await store.sessions.get('h1')).toBeNull();
    });

    test('audit entries form a verifiable chain, also under concurrent appends', async () => {
      const base = { actorId: 'admin1', target: 'u9', origin: 'cli', details: { count: 3, nested: { b: 1, a: [1, 2] } } };
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.audit.append({ ...base, at: Date.now(), action: i % 2 ? 'user.create' : 'user.disable' })));
      const all = await store.audit.list();
      expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(verifyChain(all)).toEqual({ ok: true, count: 20 });
      expect(all[0]!.details).toEqual(base.details);
      expect((await store.audit.list({ action: 'user.create' })).length).toBe(10);
      expect((await store.audit.list({ afterSeq: 15 })).map((e) => e.seq)).toEqual([16, 17, 18, 19, 20]);
      expect((await store.audit.list({ limit: 2 })).length).toBe(2);
      // Newest first below a number (the audit page), and counts without the page's limit.
      expect((await store.audit.list({ newestFirst: true, beforeSeq: 18, limit: 3 })).map((e) => e.seq)).toEqual([17, 16, 15]);
      expect((await store.audit.list({ afterSeq: 15, beforeSeq: 18 })).map((e) => e.seq)).toEqual([16, 17]);
      expect(await store.audit.count()).toBe(20);
      expect(await store.audit.count({ action: 'user.create', limit: 1 })).toBe(10);
      // Any of several targets (a course code's rooms, this session's and last).
      await store.audit.append({ ...base, target: 'room-old', at: Date.now(), action: 'room.archive' });
      expect((await store.audit.list({ target: ['room-old', 'u9'] })).length).toBe(21);
      expect((await store.audit.list({ target: ['room-old', 'nobody'] })).map((e) => e.action)).toEqual(['room.archive']);
      expect(await store.audit.list({ target: [] })).toEqual([]);
      expect(await store.audit.count({ target: ['room-old'] })).toBe(1);
      const tampered = all.map((e) => (e.seq === 7 ? { ...e, target: 'someone-else' } : e));
      expect(verifyChain(tampered)).toMatchObject({ ok: false, brokenAt: 7 });
    });

    test('ping answers', async () => {
      await store.ping();
    });

    chatContract(() => store);
    casesContract(() => store);
    filesContract(() => store);
    mailContract(() => store);
    lecturesContract(() => store);
    pinsContract(() => store);
    pollsContract(() => store);
    reactionsContract(() => store);
  });
}
