/** Shared set-up for the admin portal's integration tests (signed-in clients, CSRF, file stores). */
import { expect } from 'bun:test';
import { join } from 'node:path';
import { createApp } from '../../app';
import { loadConfig } from '../../config';
import { loadAssets } from '../../http/assets';
import { memoryLogger } from '../../log';
import { RecordingHub, type HubSocket } from '../../realtime/hub';
import { randomSecrets } from '../../secrets';
import { createSqliteStore } from '../../store/sqlite/sqlite';
import type { Store } from '../../store/types';
import { Client, ORIGIN, makeUser, testApp, type TestApp } from '../../testing';
import { createModeration } from '../moderation/screen';
import { fakeClassifier } from '../moderation/test-support';

export const PASSWORD = 'correct horse battery';

export interface Person {
  client: Client;
  id: string;
  email: string;
}

/** A user of `role` who has signed in with their code and chosen a password. */
export async function person(t: Pick<TestApp, 'app' | 'store'>, email: string, role: string, ip = '10.0.0.9'): Promise<Person> {
  const issued = await makeUser(t.store, email, role);
  const client = new Client(t.app, ip);
  expect((await client.signIn(email, issued.loginCode)).status).toBe(303);
  expect((await client.post('/password', { new_password: PASSWORD, confirm_password: PASSWORD })).status).toBe(303);
  return { client, id: issued.user.id, email };
}

export const csrfOf = (page: string) => {
  const m = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!m) throw new Error('no CSRF field in the page');
  return m[1]!;
};

/** An admin client whose posts carry the session's CSRF token. */
export class AdminClient {
  constructor(
    readonly p: Person,
    readonly csrf: string,
  ) {}
  get(path: string) {
    return this.p.client.get(path);
  }
  /** An array value sends the field once per item (ticked checkboxes). */
  post(path: string, form: Record<string, string | string[]> = {}) {
    const pairs = Object.entries({ _csrf: this.csrf, ...form }).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x): [string, string] => [k, x]) : [[k, v] as [string, string]]));
    return this.p.client.post(path, pairs);
  }
  /** multipart/form-data, as a browser sends a form with a file input. */
  upload(path: string, fields: Record<string, string | File>) {
    const fd = new FormData();
    fd.set('_csrf', this.csrf);
    for (const [k, v] of Object.entries(fields)) fd.set(k, v);
    return this.p.client.request(path, { method: 'POST', body: fd, headers: { 'sec-fetch-site': 'same-origin', origin: ORIGIN } });
  }
}

export async function asAdmin(p: Person): Promise<AdminClient> {
  const page = await p.client.get('/admin/users/new');
  expect(page.status).toBe(200);
  return new AdminClient(p, csrfOf(await page.text()));
}

/** The app with an admin, a student and a lecturer, all signed in. */
export async function adminSetup(env: Record<string, string> = {}) {
  const t = await testApp(env);
  return withPeople(t);
}

async function withPeople<T extends Pick<TestApp, 'app' | 'store'>>(t: T) {
  const adminPerson = await person(t, 'admin@unilag.edu.ng', 'admin', '10.1.2.3');
  const student = await person(t, 'ada@unilag.edu.ng', 'student');
  const lecturer = await person(t, 'lect@unilag.edu.ng', 'lecturer');
  return { ...t, admin: await asAdmin(adminPerson), student, lecturer };
}

/** Like adminSetup, but on a SQLite file in `dir` (for tests that edit the database directly). */
export async function adminSetupOnFile(dir: string) {
  const config = loadConfig({ LOG_LEVEL: 'debug', TRUST_PROXY: 'true', DATA_DIR: dir });
  const store: Store = createSqliteStore(dir);
  const hub = new RecordingHub();
  const app = createApp({ config, store, logger: memoryLogger(), secrets: randomSecrets(), assets: await loadAssets(), hub });
  return { ...(await withPeople({ app, store })), hub, dbPath: join(dir, 'letstalk.db') };
}

/** A stand-in for a live WebSocket, registered with the hub like ws.ts does. */
export function fakeSocket(hub: RecordingHub, userId: string) {
  const closed: { code: number; reason: string }[] = [];
  const s: HubSocket = { id: crypto.randomUUID(), userId, subscribe() {}, unsubscribe() {}, send() {}, close: (code, reason) => void closed.push({ code, reason }) };
  hub.register(s);
  return { closed };
}

export const auditActions = async (store: Store) => (await store.audit.list({ limit: 100_000 })).map((e) => e.action);

/**
 * The safeguarding cast, on an app that screens with the fake classifier (moderation/test-support.ts):
 * an admin, an adult lecturer, a student under 18, a lecturer who may become an officer, and a room
 * (a DM, or a course room the adult owns) of the adult and the minor.
 */
export async function safeguardingCast(kind: 'dm' | 'course') {
  const t = await testApp({}, { moderation: createModeration('minors', () => fakeClassifier) });
  const admin = await asAdmin(await person(t, 'admin@unilag.edu.ng', 'admin', '10.1.2.3'));
  const adult = await person(t, 'adult@unilag.edu.ng', 'lecturer');
  const kid = await person(t, 'kid@unilag.edu.ng', 'student');
  const officerP = await person(t, 'officer@unilag.edu.ng', 'lecturer');
  await t.store.users.update(kid.id, { dateOfBirth: '2012-02-02' });
  const room =
    kind === 'dm'
      ? await t.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'dm', code: null, name: '', topic: '', createdBy: adult.id, dmKey: [adult.id, kid.id].sort().join(':') }, [
          { userId: adult.id, role: 'member' },
          { userId: kid.id, role: 'member' },
        ])
      : await t.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'BIO101', name: 'Biology', topic: '', createdBy: null, dmKey: null }, [
          { userId: adult.id, role: 'owner' },
          { userId: kid.id, role: 'member' },
        ]);
  const adultUser = (await t.store.users.byId(adult.id))!;
  return { t, admin, adult, adultUser, kid, officerP, room };
}
