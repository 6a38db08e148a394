/**
 * A small SMTP client (RFC 5321) over Bun's TCP sockets, enough to hand one text message to the
 * university's mail server: no pooling, no pipelining, one command and one reply at a time.
 *
 * Why our own and not nodemailer: we send one 7-bit text/plain message per case to a fixed server;
 * the whole protocol needed is the dialogue below (~200 lines), it runs on `Bun.connect` and
 * `upgradeTLS` without the node:net/tls compatibility layer, and the project adds packages only
 * where a library does clearly better.
 *
 * Dialogue:  connect (TLS from the start for smtps://)  <- 220 greeting
 *            EHLO name  <- 250 capabilities (HELO when EHLO is refused)
 *            [STARTTLS <- 220, TLS handshake, EHLO again]   when offered and starttls != never
 *            [AUTH PLAIN <b64 \0user\0pass> <- 235 | AUTH LOGIN <- 334 user <- 334 pass <- 235]
 *            MAIL FROM:<from>  <- 250;  RCPT TO:<addr> per officer  <- 250/251 (or a per-address refusal)
 *            DATA  <- 354;  dot-stuffed message, CRLF.CRLF  <- 250;  QUIT
 * Replies are "ddd-text" continuation lines ending with one "ddd text" line. 4xx is transient
 * (retry later), 5xx permanent. Credentials are never sent in clear to a host other than loopback.
 */
import type { Socket } from 'bun';
import { dotStuff } from './notify-mail';
import { isLoopback, type SmtpConfig } from './notify-config';
import { withTimeout } from '../../lib/timeout';

export interface SmtpTimeouts {
  connectMs: number;
  replyMs: number;
  /** For the reply after the message body, which servers answer only once it is queued. */
  dataMs: number;
}

export const DEFAULT_TIMEOUTS: SmtpTimeouts = { connectMs: 10_000, replyMs: 30_000, dataMs: 120_000 };

export interface SmtpOptions {
  timeouts?: Partial<SmtpTimeouts>;
  /** Extra TLS settings (a test CA); certificates are always verified. */
  tls?: { ca?: string };
  /** The name given in EHLO. */
  heloName?: string;
}

export class SmtpError extends Error {
  override name = 'SmtpError';
  /** `recipients`: when every address was refused or deferred at RCPT, which were which. */
  constructor(message: string, readonly permanent: boolean, readonly code?: number, readonly recipients?: Pick<SmtpResult, 'refused' | 'deferred'>) {
    super(message);
  }
}

/** Who the message reached: `deferred` got a 4xx at RCPT and should be tried again later. */
export interface SmtpResult {
  accepted: string[];
  refused: string[];
  deferred: string[];
}

interface Reply {
  code: number;
  lines: string[];
}

const enc = new TextEncoder();

/** One SMTP connection: buffers incoming bytes into reply lines, flushes writes under backpressure. */
class Conn {
  private sock!: Socket<undefined>;
  private buf = '';
  private lines: string[] = [];
  private wake: (() => void) | null = null;
  private pending: Uint8Array | null = null;
  closed: Error | null = null;
  tls = false;
  /**
   * After STARTTLS the plain socket's handlers still fire (with the encrypted bytes, and on close):
   * only the handlers of the current socket generation may touch the state.
   */
  private gen = 0;

  handlers() {
    const gen = this.gen;
    const live = () => gen === this.gen;
    return {
      data: (_s: Socket<undefined>, chunk: Buffer) => {
        if (!live()) return;
        this.buf += chunk.toString('latin1');
        let i: number;
        while ((i = this.buf.indexOf('\n')) >= 0) {
          this.lines.push(this.buf.slice(0, i).replace(/\r$/, ''));
          this.buf = this.buf.slice(i + 1);
        }
        // RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets; anything far longer is not SMTP.
        if (this.buf.length > 65_536 || this.lines.length > 1000) this.fail(new SmtpError('the server sent an oversized reply', false));
        this.poke();
      },
      drain: (s: Socket<undefined>) => {
        if (live()) this.flush(s);
      },
      close: () => {
        if (live()) this.fail(new SmtpError('connection closed by the server', false));
      },
      error: (_s: Socket<undefined>, e: Error) => {
        if (live()) this.fail(new SmtpError(`socket error: ${e.message}`, false));
      },
      handshake: (_s: Socket<undefined>, ok: boolean, authError: Error | null) => {
        if (live() && (!ok || authError)) this.fail(new SmtpError(`TLS handshake failed: ${authError?.message ?? 'refused'}`, false));
      },
    };
  }

  private fail(e: Error) {
    this.closed ??= e;
    this.poke();
  }

  private poke() {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  attach(s: Socket<undefined>) {
    this.sock = s;
  }

  private flush(s: Socket<undefined>) {
    if (!this.pending) return;
    const n = s.write(this.pending);
    this.pending = n >= this.pending.length ? null : this.pending.subarray(Math.max(n, 0));
  }

  write(text: string) {
    if (this.closed) throw this.closed;
    const bytes = enc.encode(text);
    if (this.pending) {
      const joined = new Uint8Array(this.pending.length + bytes.length);
      joined.set(this.pending);
      joined.set(bytes, this.pending.length);
      this.pending = joined;
    } else this.pending = bytes;
    this.flush(this.sock);
  }

  async reply(timeoutMs: number, what: string): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    const got: string[] = [];
    for (;;) {
      while (this.lines.length) {
        const line = this.lines.shift()!;
        const m = /^(\d{3})([ -]?)(.*)$/.exec(line);
        if (!m) throw new SmtpError(`malformed reply to ${what}: ${line.slice(0, 100)}`, false);
        got.push(m[3]!);
        if (m[2] !== '-') return { code: Number(m[1]), lines: got };
      }
      if (this.closed) throw this.closed;
      const left = deadline - Date.now();
      if (left <= 0) throw new SmtpError(`no reply to ${what} within ${timeoutMs} ms`, false);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  async command(line: string | null, expect: number[], what: string, timeoutMs: number): Promise<Reply> {
    if (line !== null) this.write(line + '\r\n');
    const r = await this.reply(timeoutMs, what);
    if (!expect.includes(r.code)) throw new SmtpError(`${what} refused: ${r.code} ${r.lines.join(' ').slice(0, 200)}`, r.code >= 500, r.code);
    return r;
  }

  end() {
    try {
      this.sock?.end();
    } catch {
      // Already closed: nothing to release.
    }
  }

  upgrade(host: string, tls: SmtpOptions['tls']) {
    // Anything the server sent before the handshake is discarded (RFC 3207 §4.2: no pipelining across STARTTLS).
    this.buf = '';
    this.lines = [];
    this.gen++;
    const [, secured] = this.sock.upgradeTLS({ tls: { serverName: host, ...tls }, socket: this.handlers() });
    this.sock = secured as Socket<undefined>;
    this.tls = true;
  }
}

async function connect(cfg: SmtpConfig, conn: Conn, t: SmtpTimeouts, tls: SmtpOptions['tls']) {
  const attempt = Bun.connect({
    hostname: cfg.host,
    port: cfg.port,
    socket: conn.handlers(),
    ...(cfg.secure ? { tls: { serverName: cfg.host, ...tls } } : {}),
  });
  try {
    conn.attach(await withTimeout(attempt, t.connectMs, () => new SmtpError(`could not connect to ${cfg.host}:${cfg.port} within ${t.connectMs} ms`, false)));
    conn.tls = cfg.secure;
  } catch (e) {
    attempt.then((s) => s.end(), () => {});
    throw e instanceof SmtpError ? e : new SmtpError(`could not connect to ${cfg.host}:${cfg.port}: ${(e as Error).message}`, false);
  }
}

/** EHLO (falling back to HELO); returns the upper-cased capability lines. */
async function hello(conn: Conn, name: string, t: SmtpTimeouts): Promise<string[]> {
  conn.write(`EHLO ${name}\r\n`);
  const r = await conn.reply(t.replyMs, 'EHLO');
  if (r.code === 250) return r.lines.slice(1).map((l) => l.toUpperCase());
  await conn.command(`HELO ${name}`, [250], 'HELO', t.replyMs);
  return [];
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

async function authenticate(conn: Conn, cfg: SmtpConfig, caps: string[], t: SmtpTimeouts) {
  if (!conn.tls && !isLoopback(cfg.host)) throw new SmtpError('refusing to send SMTP credentials without TLS (the server offered no STARTTLS)', true);
  const auth = caps.find((c) => /^AUTH[ =]/.test(c))?.slice(5).split(/\s+/) ?? [];
  const user = cfg.user!;
  const pass = cfg.pass!;
  if (auth.includes('PLAIN') || !auth.includes('LOGIN')) {
    await conn.command(`AUTH PLAIN ${b64(`\0${user}\0${pass}`)}`, [235], 'AUTH PLAIN', t.replyMs);
  } else {
    await conn.command('AUTH LOGIN', [334], 'AUTH LOGIN', t.replyMs);
    await conn.command(b64(user), [334], 'AUTH LOGIN user', t.replyMs);
    await conn.command(b64(pass), [235], 'AUTH LOGIN password', t.replyMs);
  }
}

/**
 * Sends `message` (RFC 5322 text with CRLF line ends) to `to`. Throws SmtpError when nobody
 * accepted it; per-address refusals are reported in the result instead.
 */
export async function sendMail(cfg: SmtpConfig, to: string[], message: string, opts: SmtpOptions = {}): Promise<SmtpResult> {
  const t = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const name = opts.heloName ?? 'letstalk.localhost';
  const conn = new Conn();
  await connect(cfg, conn, t, opts.tls);
  try {
    await conn.command(null, [220], 'greeting', t.replyMs);
    let caps = await hello(conn, name, t);
    if (!cfg.secure && cfg.starttls !== 'never') {
      if (caps.includes('STARTTLS')) {
        await conn.command('STARTTLS', [220], 'STARTTLS', t.replyMs);
        conn.upgrade(cfg.host, opts.tls);
        caps = await hello(conn, name, t);
      } else if (cfg.starttls === 'required') throw new SmtpError('the server does not offer STARTTLS (SMTP_URL has starttls=required)', true);
    }
    if (cfg.user !== null) await authenticate(conn, cfg, caps, t);
    await conn.command(`MAIL FROM:<${cfg.from}>`, [250], 'MAIL FROM', t.replyMs);
    const result: SmtpResult = { accepted: [], refused: [], deferred: [] };
    for (const addr of to) {
      conn.write(`RCPT TO:<${addr}>\r\n`);
      const r = await conn.reply(t.replyMs, 'RCPT TO');
      if (r.code === 250 || r.code === 251) result.accepted.push(addr);
      else (r.code >= 500 ? result.refused : result.deferred).push(addr);
    }
    if (!result.accepted.length) {
      await conn.command('RSET', [250], 'RSET', t.replyMs).catch(() => {});
      throw new SmtpError(`no recipient accepted (refused: ${result.refused.length}, deferred: ${result.deferred.length})`, result.deferred.length === 0, undefined, result);
    }
    await conn.command('DATA', [354], 'DATA', t.replyMs);
    conn.write(`${dotStuff(message.endsWith('\r\n') ? message : message + '\r\n')}.\r\n`);
    await conn.command(null, [250], 'message data', t.dataMs);
    await conn.command('QUIT', [221], 'QUIT', t.replyMs).catch(() => {});
    return result;
  } finally {
    conn.end();
  }
}
