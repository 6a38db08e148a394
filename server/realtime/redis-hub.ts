/**
 * Multi-node fan-out: every node runs its own LocalHub (Bun pub/sub to its own sockets) and relays
 * every hub operation through one Redis channel, so a message sent on node A reaches members
 * connected to node B. Operations are relayed as JSON:
 *   {o: originNodeId, k: 'p', t: topic, d: data}       publish
 *   {o, k: 's' | 'u', t: topic, u: userId}             subscribe / unsubscribe a user's sockets
 *   {o, k: 'c', u: userId, c: code, r: reason, s?}     close a user's sockets (only session s's, if given)
 *   {o, k: 'r'}                                        "you missed something of mine": catch up (below)
 * A node ignores its own operations (already applied locally). Bun's Redis client does not
 * reconnect by itself: we reconnect with back-off and re-subscribe. Operations published while
 * Redis is unreachable are lost for other nodes, and those nodes' sockets never dropped, so their
 * pages would not know. Catching up: a node closes its resumable sockets (1012), spread over a few
 * seconds, and each page reconnects and replays what it missed: when its own subscription is back
 * (it missed the others'), and when another node says `r` (that node's publishes failed: it says
 * so once one succeeds again, or once its publisher is rebuilt). A close lost that way (a
 * suspension) is caught by the session sweep (features/accounts/session-sweep.ts).
 * Bun's client with autoReconnect gives up after maxRetries and stays closed: the publisher is
 * then rebuilt by the same back-off loop as the subscriber.
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
  | { o: string; k: 'c'; u: string; c: number; r: string; s?: string }
  | { o: string; k: 'r' };

export class RedisHub implements Hub {
  readonly nodeId = crypto.randomUUID();
  private pub: RedisClient;
  private sub: RedisClient | null = null;
  private closed = false;
  /** Which connections have a reconnect loop running: at most one each. */
  private reconnecting = new Set<'subscriber' | 'publisher'>();
  private relayed = 0;
  /** A publish failed: other nodes missed something of ours, to be said (`r`) once we can. */
  private owed = false;
  /** Catch-up closes not yet done (cleared at close; a socket is scheduled once). */
  private catchUps = new Map<HubSocket, ReturnType<typeof setTimeout>>();

  private constructor(
    private local: LocalHub,
    private url: string,
    private logger: Logger,
    private maxRetries?: number,
  ) {
    this.pub = this.publisher();
  }

  /**
   * Fails (and the server does not start) when Redis does not answer within `waitMs`: with
   * autoReconnect it would wait silently. `maxRetries`: the publisher's (Bun's default unless given; tests).
   */
  static async connect(local: LocalHub, url: string, logger: Logger, waitMs = 10_000, opts: { maxRetries?: number } = {}): Promise<RedisHub> {
    const hub = new RedisHub(local, url, logger, opts.maxRetries);
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

  /** A publishing connection; when Bun gives up on it (maxRetries, idle timeout) a new one is built. */
  private publisher(): RedisClient {
    const pub = new RedisClient(this.url, { autoReconnect: true, ...(this.maxRetries === undefined ? {} : { maxRetries: this.maxRetries }) });
    pub.onclose = () => {
      if (this.pub !== pub || this.closed) return;
      this.owed = true;
      this.retry('publisher', async () => {
        const next = this.publisher();
        try {
          await next.connect();
        } catch (err) {
          next.onclose = null;
          next.close();
          throw err;
        }
        if (this.closed) return void next.close();
        this.pub = next;
        this.settle();
      });
    };
    return pub;
  }

  /** The subscriber was lost: one loop retries until it is back, then this node catches up. */
  private lost() {
    this.retry('subscriber', async () => {
      await this.subscribe();
      this.catchUp();
    });
  }

  /**
   * One loop per connection retries with back-off (0.5 s, doubling, at most 10 s) until `attempt`
   * succeeds. The subscriber's log lines are the ones operators know ("connection lost", "reconnected").
   */
  private retry(what: 'subscriber' | 'publisher', attempt: () => Promise<void>) {
    if (this.closed || this.reconnecting.has(what)) return;
    this.reconnecting.add(what);
    const name = what === 'subscriber' ? 'connection' : 'publisher';
    this.logger.warn(`redis fan-out ${name} lost; reconnecting`);
    void (async () => {
      for (let n = 1; !this.closed; n++) {
        await Bun.sleep(Math.min(10_000, 250 * 2 ** n));
        if (this.closed) break;
        try {
          await attempt();
          this.logger.info(what === 'subscriber' ? 'redis fan-out reconnected' : 'redis fan-out publisher reconnected', { attempts: n, catchingUp: this.catchUps.size });
          break;
        } catch (err) {
          // Said once a minute or so, not at every try.
          if (n % 6 === 0) this.logger.warn(`redis fan-out ${name} still unreachable`, { attempts: n, err: String(err) });
        }
      }
      this.reconnecting.delete(what);
    })();
  }

  /**
   * This node's resumable sockets may have missed something: each is closed with 1012 at a random
   * moment of the spread (all at once would be a thundering herd of resumes). A socket already
   * waiting for its close is not scheduled again (Redis flapping, or several nodes saying `r`).
   */
  private catchUp() {
    if (this.closed) return;
    const sockets = this.local.localSockets().filter((s) => s.resumes && !this.catchUps.has(s));
    const spread = catchUpSpreadMs(sockets.length);
    for (const s of sockets) {
      const timer = setTimeout(() => {
        this.catchUps.delete(s);
        s.close(1012, CATCH_UP_REASON);
      }, Math.random() * spread);
      this.catchUps.set(s, timer);
    }
  }

  /** Publishing works again after failing: the other nodes are told to catch up. */
  private settle() {
    if (!this.owed) return;
    this.owed = false;
    this.send({ o: this.nodeId, k: 'r' });
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
    else if (op.k === 'r') this.catchUp();
  }

  private send(op: Op) {
    this.pub.publish(FANOUT_CHANNEL, JSON.stringify(op)).then(
      () => this.settle(),
      (err) => {
        // Logged once per outage, not once per message.
        if (!this.owed) this.logger.error('redis fan-out publish failed; other nodes will catch up once it works', { err: String(err) });
        this.owed = true;
      },
    );
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
    for (const timer of this.catchUps.values()) clearTimeout(timer);
    this.catchUps.clear();
    this.sub?.close();
    this.pub.close();
  }
}
