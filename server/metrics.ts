/**
 * Process-wide counters for the admin status page and the Prometheus endpoint (`/metrics`).
 * The code paths that do the work increment them (HTTP responses in app.ts, WebSocket events in
 * chat/ws.ts, stored messages in chat/messages.ts); gauges are read when a snapshot is taken.
 * One server process = one set of counters (Prometheus sums across nodes).
 */
import { timingSafeEqual } from 'node:crypto';
import type { Store } from './store/types';

export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
/** A room counts as active while it had a message in this window. */
export const ACTIVE_ROOM_MS = 5 * 60_000;
const RATE_WINDOW_SEC = 60;

export class Metrics {
  readonly startedAt = Date.now();
  readonly http: Record<(typeof STATUS_CLASSES)[number], number> = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
  wsOpened = 0;
  wsClosed = 0;
  wsFrames = 0;
  messages = 0;
  /** Safeguarding notices (notify.ts): delivered to a channel, or given up on (logged at error level). */
  noticesDelivered = 0;
  noticesUndelivered = 0;
  /** Messages per second over the last minute: [epoch second, count] buckets. */
  private buckets = Array.from({ length: RATE_WINDOW_SEC }, () => ({ sec: 0, count: 0 }));
  private roomLastMessage = new Map<string, number>();
  private cpuMark = { at: performance.now(), usage: process.cpuUsage() };

  request(status: number) {
    const cls = STATUS_CLASSES[Math.floor(status / 100) - 1];
    if (cls) this.http[cls]++;
  }

  wsOpen() {
    this.wsOpened++;
  }

  wsClose() {
    this.wsClosed++;
  }

  wsFrame() {
    this.wsFrames++;
  }

  messageSent(roomId: string, now = Date.now()) {
    this.messages++;
    const sec = Math.floor(now / 1000);
    const b = this.buckets[sec % RATE_WINDOW_SEC]!;
    if (b.sec !== sec) (b.sec = sec), (b.count = 0);
    b.count++;
    this.roomLastMessage.set(roomId, now);
  }

  /** Messages stored in the last minute. */
  messagesLastMinute(now = Date.now()): number {
    const sec = Math.floor(now / 1000);
    return this.buckets.reduce((n, b) => (sec - b.sec < RATE_WINDOW_SEC ? n + b.count : n), 0);
  }

  /** Rooms with a message in the last five minutes (older entries are forgotten here). */
  activeRooms(now = Date.now()): number {
    for (const [id, at] of this.roomLastMessage) if (now - at > ACTIVE_ROOM_MS) this.roomLastMessage.delete(id);
    return this.roomLastMessage.size;
  }

  /** CPU use (user + system) as a percentage of one core since the previous call. */
  cpuPercentSinceLast(): number {
    const now = performance.now();
    const usage = process.cpuUsage();
    const elapsedUs = (now - this.cpuMark.at) * 1000;
    const usedUs = usage.user - this.cpuMark.usage.user + (usage.system - this.cpuMark.usage.system);
    this.cpuMark = { at: now, usage };
    return elapsedUs > 0 ? Math.round((usedUs / elapsedUs) * 1000) / 10 : 0;
  }
}

/** The server's counters. */
export const metrics = new Metrics();

export interface HubStats {
  connections: number;
  users: number;
}

export interface StatusSnapshot {
  storeKind: Store['kind'];
  connections: number;
  connectedUsers: number;
  activeRooms: number;
  /** Calls in progress on this server (the SFU's count). */
  activeCalls: number;
  messagesLastMinute: number;
  memory: NodeJS.MemoryUsage;
  cpuSeconds: number;
  cpuPercent: number;
  uptimeSec: number;
  counters: Metrics;
}

export function snapshot(m: Metrics, hub: HubStats, storeKind: Store['kind'], activeCalls = 0, now = Date.now()): StatusSnapshot {
  const cpu = process.cpuUsage();
  return {
    storeKind,
    connections: hub.connections,
    connectedUsers: hub.users,
    activeRooms: m.activeRooms(now),
    activeCalls,
    messagesLastMinute: m.messagesLastMinute(now),
    memory: process.memoryUsage(),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    cpuPercent: m.cpuPercentSinceLast(),
    uptimeSec: Math.round((now - m.startedAt) / 1000),
    counters: m,
  };
}

/** The safeguarding queue, read from the store at each scrape: what an on-call alert watches. */
export interface SafeguardingGauges {
  openHeld: number;
  openReview: number;
  /** Age of the oldest held message waiting for an officer (0 when none). */
  oldestHeldSec: number;
}

/** Prometheus text exposition format 0.0.4. */
export function prometheusText(s: StatusSnapshot, safeguarding?: SafeguardingGauges): string {
  const out: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: [string, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) out.push(`${name}${labels} ${Number.isFinite(v) ? v : 0}`);
  };
  const c = s.counters;
  metric('letstalk_http_requests_total', 'counter', 'HTTP responses by status class.', STATUS_CLASSES.map((k) => [`{class="${k}"}`, c.http[k]]));
  metric('letstalk_websocket_opened_total', 'counter', 'WebSocket connections opened.', [['', c.wsOpened]]);
  metric('letstalk_websocket_closed_total', 'counter', 'WebSocket connections closed.', [['', c.wsClosed]]);
  metric('letstalk_websocket_frames_received_total', 'counter', 'WebSocket frames received from browsers.', [['', c.wsFrames]]);
  metric('letstalk_messages_sent_total', 'counter', 'Chat messages stored.', [['', c.messages]]);
  metric('letstalk_messages_last_minute', 'gauge', 'Chat messages stored in the last 60 seconds.', [['', s.messagesLastMinute]]);
  metric('letstalk_websocket_connections', 'gauge', 'Open WebSocket connections.', [['', s.connections]]);
  metric('letstalk_connected_users', 'gauge', 'Users with at least one open connection.', [['', s.connectedUsers]]);
  metric('letstalk_active_rooms', 'gauge', 'Rooms with a message in the last 5 minutes.', [['', s.activeRooms]]);
  metric('letstalk_active_calls', 'gauge', 'Calls in progress.', [['', s.activeCalls]]);
  metric('letstalk_store_info', 'gauge', 'The store this server uses.', [[`{kind="${s.storeKind}"}`, 1]]);
  metric('letstalk_safeguarding_notices_total', 'counter', 'Safeguarding notices to officers by outcome (per channel; undelivered ones are also logged at error level).', [['{outcome="delivered"}', c.noticesDelivered], ['{outcome="undelivered"}', c.noticesUndelivered]]);
  if (safeguarding) {
    metric('letstalk_safeguarding_open_cases', 'gauge', 'Safeguarding cases waiting for an officer, by severity (hold: the message is hidden until decided).', [['{severity="hold"}', safeguarding.openHeld], ['{severity="review"}', safeguarding.openReview]]);
    metric('letstalk_safeguarding_oldest_held_seconds', 'gauge', 'How long the oldest held message has waited for an officer (0 when none).', [['', safeguarding.oldestHeldSec]]);
  }
  metric('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [['', s.memory.rss]]);
  metric('process_heap_used_bytes', 'gauge', 'JavaScript heap in use, in bytes.', [['', s.memory.heapUsed]]);
  metric('process_cpu_seconds_total', 'counter', 'User and system CPU time spent, in seconds.', [['', s.cpuSeconds]]);
  metric('process_start_time_seconds', 'gauge', 'Start time of the process since the Unix epoch, in seconds.', [['', Math.floor(c.startedAt / 1000)]]);
  return out.join('\n') + '\n';
}

/** Constant-time token check (both sides hashed first, so lengths never leak either). */
export function tokenMatches(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const h = (s: string) => new Bun.CryptoHasher('sha256').update(s).digest();
  return timingSafeEqual(h(given), h(expected));
}
