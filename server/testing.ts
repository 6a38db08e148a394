/**
 * Test support: the app on an in-memory SQLite store, and a tiny cookie-keeping client that
 * calls `app.handle` directly (no socket). Browser-level tests live in e2e/.
 */
import { createApp } from './app';
import { loadConfig, type Config } from './config';
import { memoryLogger } from './log';
import { randomSecrets } from './secrets';
import { createSqliteStore } from './store/sqlite/sqlite';
import { loadAssets } from './http/assets';
import type { Store, User, UserPatch } from './store/types';
import { AppError } from './errors';
import { createUser } from './features/accounts/actions';
import { CLI_ACTOR } from './features/audit/record';
import { LocalHub, RecordingHub } from './realtime/hub';
import { RedisHub } from './realtime/redis-hub';
import type { Moderation } from './features/moderation/screen';

export const ORIGIN = 'http://localhost';

/** `opts.moderation`: a screening stand-in (e.g. a fake classifier) instead of the shipped model. */
export async function testApp(env: Record<string, string> = {}, opts: { moderation?: Moderation } = {}) {
  const config: Config = loadConfig({ LOG_LEVEL: 'debug', TRUST_PROXY: 'true', ...env });
  const store = createSqliteStore(null);
  const logger = memoryLogger();
  const hub = new RecordingHub();
  const secrets = randomSecrets();
  const app = createApp({ config, store, logger, secrets, assets: await loadAssets(), hub, moderation: opts.moderation });
  return { app, store, logger, config, hub, secrets };
}

export type TestApp = Awaited<ReturnType<typeof testApp>>;

export interface ListeningApp {
  app: ReturnType<typeof createApp>;
  store: Store;
  port: number;
  origin: string;
}

/**
 * The app listening on a free loopback port (for real WebSocket clients), with the realtime hub
 * publishing through that server. The caller stops it (`app.stop(true)`).
 */
export async function listeningApp(opts: { store?: Store; env?: Record<string, string>; moderation?: Moderation; redisUrl?: string } = {}): Promise<ListeningApp> {
  const config = loadConfig({ LOG_LEVEL: 'debug', ...opts.env });
  const store = opts.store ?? createSqliteStore(null);
  // One node of several (as server/main.ts wires it), relaying through Redis; the caller closes the hub.
  let app: ReturnType<typeof createApp> | undefined;
  const hub = opts.redisUrl ? await RedisHub.connect(new LocalHub(() => app?.server), opts.redisUrl, memoryLogger()) : undefined;
  app = createApp({ config, store, logger: memoryLogger(), secrets: randomSecrets(), assets: await loadAssets(), moderation: opts.moderation, hub });
  app.listen({ port: 0, hostname: '127.0.0.1' });
  const port = app.server!.port!;
  return { app, store, port, origin: `http://127.0.0.1:${port}` };
}

/** A browser-like client: keeps cookies, sends same-origin fetch metadata on unsafe requests. */
export class Client {
  cookies = new Map<string, string>();
  constructor(
    private app: TestApp['app'],
    readonly ip = '127.0.0.1',
  ) {}

  async request(path: string, init: RequestInit & { form?: Record<string, string> | [string, string][] } = {}) {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    if (!headers.has('accept')) headers.set('accept', 'text/html');
    headers.set('x-forwarded-for', this.ip);
    let body = init.body;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers.set('content-type', 'application/x-www-form-urlencoded');
      if (!headers.has('sec-fetch-site')) headers.set('sec-fetch-site', 'same-origin');
      if (!headers.has('origin')) headers.set('origin', ORIGIN);
    }
    const res = await this.app.handle(new Request(ORIGIN + path, { ...init, headers, body, redirect: 'manual' }));
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const [k, v] = pair!.split('=') as [string, string];
      if (!v || attrs.some((a) => /max-age=0\b/i.test(a.trim()) || /expires=Thu, 01 Jan 1970/i.test(a))) this.cookies.delete(k.trim());
      else this.cookies.set(k.trim(), v);
    }
    return res;
  }

  get(path: string, init: RequestInit = {}) {
    return this.request(path, init);
  }

  /** `form` as pairs when a field repeats (ticked checkboxes). */
  post(path: string, form: Record<string, string> | [string, string][], init: RequestInit = {}) {
    return this.request(path, { ...init, method: 'POST', form });
  }

  /** Signs in and, after a one-time code, sets `password`. */
  async signIn(email: string, secret: string) {
    return this.post('/login', { email, password: secret });
  }
}

export async function makeUser(store: Store, email = 'ada@unilag.edu.ng', role = 'student') {
  return createUser(store, { email, name: 'Ada Obi', role }, { codeTtlMs: 86_400_000, actor: CLI_ACTOR });
}

/** A user with a distinct display name (makeUser names everyone "Ada Obi") and any account facts in `patch`. */
export async function makePerson(store: Store, email: string, name: string, role = 'student', patch: UserPatch = {}): Promise<User> {
  const { user } = await makeUser(store, email, role);
  return (await store.users.update(user.id, { name, ...patch }))!;
}

let clientIp = 0;

/** A person signed in through /login with their one-time code (the password step skipped in the store), each from an address of their own. */
export async function signedInClient(t: Pick<TestApp, 'app' | 'store'>, email: string, name: string, role = 'student', patch: UserPatch = {}): Promise<{ user: User; client: Client }> {
  const issued = await makeUser(t.store, email, role);
  const client = new Client(t.app, `10.1.${(++clientIp >> 8) & 255}.${clientIp & 255}`);
  const r = await client.signIn(email, issued.loginCode);
  if (r.status !== 303) throw new Error(`sign-in of ${email} answered ${r.status}`);
  const user = (await t.store.users.update(issued.user.id, { name, mustSetPassword: false, ...patch }))!;
  return { user, client };
}

/** The AppError `p` rejects with (anything else, or success, fails the test). */
export async function expectAppError(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError, but the call succeeded');
}
