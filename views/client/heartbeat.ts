/**
 * Finding a chat socket that stopped carrying bytes without closing: a frozen server, a mobile link
 * gone dead, a NAT that forgot the connection. TCP says nothing for minutes, and the page went on
 * showing itself connected while deletes and reports sent into it were lost (QA, s16).
 *
 * Protocol: when nothing has been received for PING_AFTER_MS, the page sends `{"type":"ping"}`
 * (the server answers `{"type":"pong"}`); when nothing at all arrives within PONG_WITHIN_MS of
 * it, the socket is given up and replaced (network.ts replaceSocket). Any frame received counts as
 * an answer. Pure: the caller gives the time, so it is tested without a clock.
 */
export const PING_AFTER_MS = 15_000;
export const PONG_WITHIN_MS = 10_000;

export class Heartbeat {
  private lastHeard = 0;
  private pingedAt: number | null = null;

  constructor(
    private readonly pingAfter = PING_AFTER_MS,
    private readonly within = PONG_WITHIN_MS,
  ) {}

  /** The socket opened, or something arrived on it. */
  heard(now: number) {
    this.lastHeard = now;
    this.pingedAt = null;
  }

  /** On an open socket: send a ping now, give the socket up, or nothing yet. */
  check(now: number): 'ping' | 'dead' | null {
    if (this.pingedAt !== null) return now - this.pingedAt >= this.within ? 'dead' : null;
    if (now - this.lastHeard < this.pingAfter) return null;
    this.pingedAt = now;
    return 'ping';
  }
}

/** How long a new socket may stay connecting before it is given up and another one tried. */
export const CONNECT_WITHIN_MS = 15_000;

/**
 * A new socket that never opens: on a dead mobile link its upgrade request goes nowhere and
 * Chromium waits minutes for TCP, showing "Reconnecting…" long after the link is back (hx-ws
 * opens another only when the last one is closed; review s17). The caller passes the socket
 * being opened (null when none is) on every check; a true answer means "give it up".
 */
export class ConnectWatch<T> {
  private socket: T | null = null;
  private since = 0;

  constructor(private readonly within = CONNECT_WITHIN_MS) {}

  check(connecting: T | null, now: number): boolean {
    if (connecting !== this.socket) {
      this.socket = connecting;
      this.since = now;
      return false;
    }
    return connecting !== null && now - this.since >= this.within;
  }
}
