/**
 * Test support for the signalling socket suites: a listening app with an in-memory store, signed-in
 * people, a /rtc socket that keeps what it receives, and a wait.
 */
import { expect } from 'bun:test';
import { createApp } from '../../app';
import { loadConfig } from '../../config';
import { loadAssets } from '../../http/assets';
import { memoryLogger } from '../../log';
import { RecordingHub } from '../../realtime/hub';
import { randomSecrets } from '../../secrets';
import { createSqliteStore } from '../../store/sqlite/sqlite';
import type { Store, UserPatch } from '../../store/types';
import { Client, makeUser } from '../../testing';

const stops: (() => Promise<void>)[] = [];

/** Stops every app `start` made: each test file calls it in its own afterEach (a module's hooks would run for the first file only). */
export async function stopStarted() {
  for (const s of stops.splice(0)) await s();
}

export async function start(wrap: (s: Store) => Store = (s) => s, env: Record<string, string> = {}) {
  const store = wrap(createSqliteStore(null));
  const hub = new RecordingHub();
  const app = createApp({ config: loadConfig({ LOG_LEVEL: 'error', RTC_LISTEN_IP: '127.0.0.1', ...env }), store, logger: memoryLogger(), secrets: randomSecrets(), assets: await loadAssets(), hub });
  app.listen({ port: 0, hostname: '127.0.0.1' });
  const origin = `http://127.0.0.1:${app.server!.port}`;
  stops.push(async () => {
    await app.sfu.close();
    await app.stop(true);
  });
  return { app, store, hub, origin };
}

export async function person(s: { app: ReturnType<typeof createApp>; store: Store }, email: string, role = 'student', patch: UserPatch = {}) {
  const issued = await makeUser(s.store, email, role);
  const client = new Client(s.app);
  expect((await client.signIn(email, issued.loginCode)).status).toBe(303);
  await s.store.users.update(issued.user.id, { mustSetPassword: false, ...patch });
  return { user: issued.user, client, cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
}

export function socket(origin: string, headers: Record<string, string>) {
  const ws = new WebSocket(`${origin.replace('http', 'ws')}/rtc`, { headers } as unknown as string[]);
  const got: Record<string, unknown>[] = [];
  ws.addEventListener('message', (e) => got.push(JSON.parse(String(e.data))));
  let code: number | null = null;
  const closed = new Promise<number>((r) => ws.addEventListener('close', (e) => r((code = e.code))));
  const opened = new Promise<boolean>((r) => {
    ws.addEventListener('open', () => r(true));
    ws.addEventListener('close', () => r(false));
  });
  return { ws, got, closed, opened, code: () => code, send: (m: unknown) => ws.send(JSON.stringify(m)) };
}

export const until = async (fn: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await Bun.sleep(10);
  }
};

/** A /rtc socket of `who` that sent `join` for `roomId` (with `how`: start, rejoin…) and got `joined`. */
export async function joinCall(origin: string, who: { cookie: string }, roomId: string, how: Record<string, unknown> = {}) {
  const ws = socket(origin, { cookie: who.cookie, origin });
  await ws.opened;
  ws.send({ type: 'join', room: roomId, ...how });
  await until(() => ws.got.some((m) => m.type === 'joined'));
  return ws;
}
