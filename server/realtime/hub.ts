/**
 * The realtime hub: the one way state changes reach browsers. Built on Bun's native pub/sub
 * (`server.publish` sends one frame to every socket subscribed to a topic, without JS per
 * subscriber). The hub also knows which sockets belong to which user, so membership changes can
 * (un)subscribe a user's live connections and an admin action can close them.
 *
 * Invariant: a socket is subscribed to room:X only while its user is a member of X; callers that
 * change membership call subscribeUser/unsubscribeUser in the same action.
 */
import { topics } from './topics';

export interface HubSocket {
  readonly id: string;
  readonly userId: string;
  /** The session it was opened with (its hash), so that ending one session closes its sockets. */
  readonly session?: string;
  /**
   * Closing it with 1012 makes its page reconnect and replay what it missed (the chat socket's
   * resume step): what a node does after losing Redis for a while (redis-hub.ts).
   */
  readonly resumes?: boolean;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  send(data: string): void;
  close(code: number, reason: string): void;
}

export interface Publisher {
  publish(topic: string, data: string): number | void;
}

export interface Hub {
  publish(topic: string, data: string): void;
  register(socket: HubSocket): void;
  unregister(socket: HubSocket): void;
  socketsOf(userId: string): HubSocket[];
  /** Every live connection on this node (not other nodes'). */
  localSockets(): HubSocket[];
  /** Subscribes every live connection of the user (e.g. after they join a room). */
  subscribeUser(userId: string, topic: string): void;
  unsubscribeUser(userId: string, topic: string): void;
  /** Closes every live connection of the user (disabled, suspended, signed out everywhere), or only those of one session (signed out). */
  closeUser(userId: string, code: number, reason: string, session?: string): void;
  stats(): { connections: number; users: number; published: number };
}

export class LocalHub implements Hub {
  private byUser = new Map<string, Set<HubSocket>>();
  private connections = 0;
  private published = 0;

  /** `server` is looked up on each publish: it exists only once the app listens. */
  constructor(private server: () => Publisher | null | undefined) {}

  publish(topic: string, data: string) {
    this.published++;
    this.server()?.publish(topic, data);
  }

  register(socket: HubSocket) {
    let set = this.byUser.get(socket.userId);
    if (!set) this.byUser.set(socket.userId, (set = new Set()));
    set.add(socket);
    this.connections++;
    socket.subscribe(topics.user(socket.userId));
  }

  unregister(socket: HubSocket) {
    const set = this.byUser.get(socket.userId);
    if (set?.delete(socket)) {
      this.connections--;
      if (!set.size) this.byUser.delete(socket.userId);
    }
  }

  socketsOf(userId: string) {
    return [...(this.byUser.get(userId) ?? [])];
  }

  localSockets() {
    return [...this.byUser.values()].flatMap((set) => [...set]);
  }

  subscribeUser(userId: string, topic: string) {
    for (const s of this.socketsOf(userId)) s.subscribe(topic);
  }

  unsubscribeUser(userId: string, topic: string) {
    for (const s of this.socketsOf(userId)) s.unsubscribe(topic);
  }

  closeUser(userId: string, code: number, reason: string, session?: string) {
    for (const s of this.socketsOf(userId)) if (session === undefined || s.session === session) s.close(code, reason);
  }

  stats() {
    return { connections: this.connections, users: this.byUser.size, published: this.published };
  }
}

/** For tests: records what was published, to assert audiences. */
export class RecordingHub extends LocalHub {
  readonly log: { topic: string; data: string }[] = [];
  constructor() {
    super(() => null);
  }
  override publish(topic: string, data: string) {
    this.log.push({ topic, data });
    super.publish(topic, data);
  }
  topicsPublished() {
    return this.log.map((e) => e.topic);
  }
}
