/**
 * Multi-node fan-out: every node runs its own LocalHub (Bun pub/sub to its own sockets) and relays
 * every hub operation through one Redis channel, so a message sent on node A reaches members
 * connected to node B. Operations are relayed as JSON:
 *   {o: originNodeId, k: 'p', t: topic, d: data}       publish
 *   {o, k: 's' | 'u', t: topic, u: userId}             subscribe / unsubscribe a user's sockets
 *   {o, k: 'c', u: userId, c: code, r: reason, s?}     close a user's sockets (only session s's, if given)
 * A node ignores its own operations (already applied locally). Bun's Redis client does not
 * reconnect by itself: we reconnect with back-off and re-subscribe. Operations published while
 * Redis is unreachable are lost for other nodes, and those nodes' sockets never dropped, so their
 * pages would not know: once its subscription is back, a node closes its resumable sockets (1012),
 * spread over a few seconds, and each page reconnects and replays what it missed. A close lost
 * that way (a suspension) is caught by the session sweep (features/accounts/session-sweep.ts).
 */
import { RedisClient } from 'bun';
import type { Logger } from '../log';
import { withTimeout } from '../lib/timeout';
import type { Hub, HubSocket, LocalHub } from './hub';

export const FANOUT_CHANNEL = 'letstalk:hub';

/** Over how long a node's sockets are closed after an outage: 3 ms each, from 1 s to 30 s (10,000 sockets: 30 s). */
export const catchUpSpreadMs = (sockets: number) => Math.min(30_000, Math.max(1_000, sockets * 3));
export const CATCH_UP_REASON = 'Catching up after a lost connection between servers.';

type Op =
  | { o: string; k: 'p'; t: string; d: string }
  | { o: string; k: 's' | 'u'; t: string; u: string }
  | { o: string; k: 'c'; u: string; c: number; r: string; s?: string };

export class RedisHub implements Hub {
  readonly nodeId = crypto.randomUUID();
  private pub: RedisClient;
  private sub: RedisClient | null = null;
  private closed = false;
  private reconnecting = false;
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

  /**
   * Opens the one subscriber connection. Only the current subscriber's close starts a reconnect,
   * and only one reconnect loop runs at a time: each failed try used to be retried twice (from its
   * close and from its error), so a 15 s Redis outage grew to 20,000 connections, 137,000 log
   * lines and a node that no longer stopped (QA s17). A failed try's connection is closed.
   */
  private async subscribe(): Promise<void> {
    const sub = new RedisClient(this.url, { autoReconnect: false });
    sub.onclose = () => {
      if (this.sub !== sub) return;
      this.sub = null;
      this.lost();
    };
    try {
      await sub.connect();
      await sub.subscribe(FANOUT_CHANNEL, (message) => this.apply(message));
      if (!sub.connected) throw new Error('redis fan-out connection closed while subscribing');
    } catch (err) {
      sub.close();
      throw err;
    }
    // Closed meanwhile (a start-up that timed out, or shutdown): this connection must not live on.
    if (this.closed) return void sub.close();
    this.sub = sub;
  }

  /** The subscriber was lost: one loop retries with back-off (0.5 s, doubling, at most 10 s) until it is back. */
  private lost() {
    if (this.closed || this.reconnecting) return;
    this.reconnecting = true;
    this.logger.warn('redis fan-out connection lost; reconnecting');
    void (async () => {
      for (let attempt = 1; !this.closed; attempt++) {
        await Bun.sleep(Math.min(10_000, 250 * 2 ** attempt));
        if (this.closed) break;
        try {
          await this.subscribe();
          this.logger.info('redis fan-out reconnected', { attempts: attempt, catchingUp: this.catchUp() });
          break;
        } catch (err) {
          // Said once a minute or so, not at every try.
          if (attempt % 6 === 0) this.logger.warn('redis fan-out still unreachable', { attempts: attempt, err: String(err) });
        }
      }
      this.reconnecting = false;
    })();
  }

  /**
   * What other nodes published while this node was not subscribed never reached its sockets: each
   * resumable one is closed with 1012 at a random moment of the spread (all at once would be a
   * thundering herd of resumes). Returns how many will be closed.
   */
  private catchUp(): number {
    const sockets = this.local.localSockets().filter((s) => s.resumes);
    const spread = catchUpSpreadMs(sockets.length);
    for (const s of sockets) setTimeout(() => s.close(1012, CATCH_UP_REASON), Math.random() * spread);
    return sockets.length;
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
  localSockets() {
    return this.local.localSockets();
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
