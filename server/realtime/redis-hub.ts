/**
 * Multi-node fan-out: every node runs its own LocalHub (Bun pub/sub to its own sockets) and relays
 * every hub operation through one Redis channel, so a message sent on node A reaches members
 * connected to node B. Operations are relayed as JSON:
 *   {o: originNodeId, k: 'p', t: topic, d: data}       publish
 *   {o, k: 's' | 'u', t: topic, u: userId}             subscribe / unsubscribe a user's sockets
 *   {o, k: 'c', u: userId, c: code, r: reason, s?}     close a user's sockets (only session s's, if given)
 * A node ignores its own operations (already applied locally). Bun's Redis client does not
 * reconnect by itself: we reconnect with back-off and re-subscribe. Operations published while
 * Redis is unreachable are lost for other nodes; clients catch up on their next reconnect (resume).
 */
import { RedisClient } from 'bun';
import type { Logger } from '../log';
import { withTimeout } from '../lib/timeout';
import type { Hub, HubSocket, LocalHub } from './hub';

export const FANOUT_CHANNEL = 'letstalk:hub';

type Op =
  | { o: string; k: 'p'; t: string; d: string }
  | { o: string; k: 's' | 'u'; t: string; u: string }
  | { o: string; k: 'c'; u: string; c: number; r: string; s?: string };

export class RedisHub implements Hub {
  readonly nodeId = crypto.randomUUID();
  private pub: RedisClient;
  private sub: RedisClient | null = null;
  private closed = false;
  private relayed = 0;

  private constructor(
    private local: LocalHub,
    private url: string,
    private logger: Logger,
  ) {
    this.pub = new RedisClient(url, { autoReconnect: true });
  }

  /** Fails (and the server does not start) when Redis does not answer within `waitMs`: with autoReconnect it would wait silently. */
  static async connect(local: LocalHub, url: string, logger: Logger, waitMs = 10_000): Promise<RedisHub> {
    const hub = new RedisHub(local, url, logger);
    const connected = (async () => (await hub.pub.connect(), await hub.subscribe()))();
    try {
      await withTimeout(connected, waitMs, () => new Error(`Redis at REDIS_URL did not answer within ${waitMs / 1000} s`));
    } catch (err) {
      await hub.close();
      throw err;
    }
    return hub;
  }

  private async subscribe(attempt = 0): Promise<void> {
    if (this.closed) return;
    const sub = new RedisClient(this.url, { autoReconnect: false });
    sub.onclose = (err) => {
      if (this.closed) return;
      this.logger.warn('redis fan-out connection lost; reconnecting', { err });
      setTimeout(() => void this.subscribe(1).catch(() => {}), 500);
    };
    try {
      await sub.connect();
      await sub.subscribe(FANOUT_CHANNEL, (message) => this.apply(message));
      // Closed meanwhile (a start-up that timed out, or shutdown): this connection must not live on.
      if (this.closed) return sub.close();
      this.sub = sub;
      if (attempt) this.logger.info('redis fan-out reconnected');
    } catch (err) {
      if (!attempt) throw err;
      setTimeout(() => void this.subscribe(attempt + 1).catch(() => {}), Math.min(10_000, 500 * 2 ** attempt));
    }
  }

  private apply(message: string) {
    let op: Op;
    try {
      op = JSON.parse(message);
    } catch {
      return;
    }
    if (op.o === this.nodeId) return;
    this.relayed++;
    if (op.k === 'p') this.local.publish(op.t, op.d);
    else if (op.k === 's') this.local.subscribeUser(op.u, op.t);
    else if (op.k === 'u') this.local.unsubscribeUser(op.u, op.t);
    else if (op.k === 'c') this.local.closeUser(op.u, op.c, op.r, op.s);
  }

  private send(op: Op) {
    this.pub.publish(FANOUT_CHANNEL, JSON.stringify(op)).catch((err) => this.logger.error('redis fan-out publish failed', { err }));
  }

  publish(topic: string, data: string) {
    this.local.publish(topic, data);
    this.send({ o: this.nodeId, k: 'p', t: topic, d: data });
  }
  subscribeUser(userId: string, topic: string) {
    this.local.subscribeUser(userId, topic);
    this.send({ o: this.nodeId, k: 's', t: topic, u: userId });
  }
  unsubscribeUser(userId: string, topic: string) {
    this.local.unsubscribeUser(userId, topic);
    this.send({ o: this.nodeId, k: 'u', t: topic, u: userId });
  }
  closeUser(userId: string, code: number, reason: string, session?: string) {
    this.local.closeUser(userId, code, reason, session);
    this.send({ o: this.nodeId, k: 'c', u: userId, c: code, r: reason, s: session });
  }
  register(socket: HubSocket) {
    this.local.register(socket);
  }
  unregister(socket: HubSocket) {
    this.local.unregister(socket);
  }
  socketsOf(userId: string) {
    return this.local.socketsOf(userId);
  }
  stats() {
    return { ...this.local.stats(), relayed: this.relayed };
  }
  async close() {
    this.closed = true;
    this.sub?.close();
    this.pub.close();
  }
}
