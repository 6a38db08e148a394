/**
 * Test support for the WebSocket endpoints on a real listening server: signed-in users, rooms, and
 * a client socket that queues what it receives. Call `closeAll` after each test.
 */
import { expect } from 'bun:test';
import { connect as tcpConnect } from 'node:net';
import type { Room, RoomRole, Store, User } from '../../store/types';
import { Client, listeningApp, makeUser, type ListeningApp } from '../../testing';

export type Server = ListeningApp;
const servers: Server[] = [];
const sockets: Sock[] = [];

export async function closeAll() {
  for (const s of sockets.splice(0)) s.ws.close();
  for (const s of servers.splice(0)) {
    await s.app.stop(true);
    await (s.app.hub as { close?: () => Promise<void> }).close?.(); // a node's RedisHub
  }
}

export async function start(opts: Parameters<typeof listeningApp>[0] = {}): Promise<Server> {
  const s = await listeningApp(opts);
  servers.push(s);
  return s;
}

/** A user signed in through /login (via app.handle); returns the session cookie. */
export async function signedIn(s: Server, email: string, name: string, role = 'student') {
  const issued = await makeUser(s.store, email, role);
  const client = new Client(s.app, `10.2.0.${servers.length}`);
  const r = await client.signIn(email, issued.loginCode);
  expect(r.status).toBe(303);
  const user = (await s.store.users.update(issued.user.id, { name, mustSetPassword: false }))!;
  const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  return { user, cookie, client };
}

export async function room(store: Store, code: string, members: [User, RoomRole][]): Promise<Room> {
  return store.rooms.create(
    { id: Bun.randomUUIDv7(), kind: 'course', code, name: `${code} room`, topic: '', createdBy: null, dmKey: null },
    members.map(([u, r]) => ({ userId: u.id, role: r })),
  );
}

/** A WebSocket client that queues what it receives. */
export class Sock {
  readonly frames: string[] = [];
  private cursor = 0;
  private wake: (() => void) | null = null;
  readonly closed: Promise<{ code: number; reason: string }>;
  constructor(readonly ws: WebSocket) {
    ws.addEventListener('message', (e) => {
      this.frames.push(typeof e.data === 'string' ? e.data : new TextDecoder().decode(e.data as ArrayBuffer));
      this.wake?.();
    });
    this.closed = new Promise((resolve) => ws.addEventListener('close', (e) => (resolve({ code: e.code, reason: e.reason }), this.wake?.())));
  }

  send(frame: unknown) {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame not yet consumed (waits up to `ms`). */
  async next(ms = 3000): Promise<string> {
    const deadline = Date.now() + ms;
    while (this.cursor >= this.frames.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${ms} ms; got so far: ${JSON.stringify(this.frames)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.wake = () => (clearTimeout(t), r());
      });
      this.wake = null;
    }
    return this.frames[this.cursor++]!;
  }

  async nextJson(ms?: number): Promise<Record<string, unknown>> {
    const f = await this.next(ms);
    try {
      return JSON.parse(f);
    } catch {
      throw new Error(`expected a JSON frame, got ${f}`);
    }
  }

  /** Consumes frames up to and including the first that matches. */
  async until(match: (f: string) => boolean, ms = 3000): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const f = await this.next(ms);
      out.push(f);
      if (match(f)) return out;
    }
  }

  /** Asserts that nothing more arrives within `ms`. */
  async quiet(ms = 150) {
    await Bun.sleep(ms);
    expect(this.frames.slice(this.cursor)).toEqual([]);
  }
}

export const isJson = (type: string) => (f: string) => f.startsWith('{') && JSON.parse(f).type === type;

export function openSocket(s: Server, headers: Record<string, string>, path = '/ws'): Promise<Sock> {
  // Bun's WebSocket client accepts extra headers (a browser sends Origin and the cookie itself).
  const ws = new WebSocket(`ws://127.0.0.1:${s.port}${path}`, { headers } as unknown as string[]);
  const sock = new Sock(ws);
  sockets.push(sock);
  return new Promise((resolve, reject) => {
    ws.addEventListener('open', () => resolve(sock));
    ws.addEventListener('error', () => reject(new Error('websocket error')));
    ws.addEventListener('close', (e) => reject(new Error(`closed before open: ${e.code}`)));
  });
}

/** Opens a socket and waits until the server has finished setting it up (resume → resumed). */
export async function connect(s: Server, cookie: string, rooms: Record<string, number> = {}): Promise<Sock> {
  const sock = await openSocket(s, { cookie, origin: s.origin });
  sock.send({ type: 'resume', rooms });
  await sock.until(isJson('resumed'));
  return sock;
}

/** The status line of a raw HTTP upgrade request to /ws. */
export function upgradeStatus(s: Server, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = tcpConnect(s.port, '127.0.0.1');
    let buf = '';
    c.on('connect', () => {
      const lines = [
        'GET /ws HTTP/1.1',
        `Host: 127.0.0.1:${s.port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Sec-WebSocket-Version: 13',
        `Sec-WebSocket-Key: ${Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64')}`,
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ];
      c.write(lines.join('\r\n') + '\r\n\r\n');
    });
    c.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) {
        c.destroy();
        resolve(buf.split('\r\n')[0]!);
      }
    });
    c.on('error', reject);
  });
}

export async function setUp(opts: { store?: Store } = {}) {
  const s = await start(opts);
  const ada = await signedIn(s, 'ada@unilag.edu.ng', 'Ada Obi');
  const bola = await signedIn(s, 'bola@unilag.edu.ng', 'Bola Ade');
  const cid = await signedIn(s, 'cid@unilag.edu.ng', 'Cid Eze');
  const csc = await room(s.store, 'CSC101', [
    [ada.user, 'member'],
    [bola.user, 'member'],
  ]);
  const other = await room(s.store, 'MTH101', [[cid.user, 'member']]);
  return { s, ada, bola, cid, csc, other };
}

let clientSeq = 0;
export const cid = () => `ws-client-${String(++clientSeq).padStart(6, '0')}`;
