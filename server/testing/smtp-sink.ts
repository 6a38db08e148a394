/**
 * A loopback SMTP server for tests (unit and e2e): listens on 127.0.0.1 (a random port unless one is
 * given), accepts every message and records its envelope and data. Never relays anything.
 *
 *   const sink = await startSmtpSink();            // { auth: { user, pass } } to require AUTH
 *   … SMTP_URL=smtp://127.0.0.1:${sink.port} …
 *   const m = await sink.waitFor((m) => m.to.includes('officer@x.test'), 5000);
 *   m.headers['subject'], m.text, sink.messages, sink.sessions; sink.stop();
 *
 * Speaks RFC 5321 without extensions beyond AUTH: EHLO/HELO, AUTH PLAIN (inline or after 334) and
 * AUTH LOGIN, MAIL FROM, RCPT TO, DATA (dot-unstuffed), RSET, NOOP, QUIT; with `tls`, also
 * STARTTLS (RFC 3207) or, with `tls.implicit`, TLS from the first byte (smtps). `rcpt` lets a test
 * answer RCPT with a chosen code (e.g. 450 or 550) for some addresses.
 */
import type { Socket, TCPSocketListener } from 'bun';

export interface SinkMessage {
  from: string;
  to: string[];
  /** The message as received (CRLF line ends, dots unstuffed). */
  data: string;
  /** Header fields by lower-case name, folded lines joined. */
  headers: Record<string, string>;
  /** The body, quoted-printable decoded when so labelled. */
  text: string;
  /** The AUTH identity used on the session, if any. */
  auth: { user: string; pass: string } | null;
  helo: string;
  /** Whether the session was encrypted when the message was sent. */
  secure: boolean;
}

export interface SinkOptions {
  port?: number;
  /** Require AUTH with these credentials before MAIL. */
  auth?: { user: string; pass: string };
  /** Mechanisms advertised (default PLAIN LOGIN). */
  mechanisms?: string[];
  /** A reply code for RCPT TO:<addr>, or undefined for 250. */
  rcpt?: (addr: string) => number | undefined;
  /** PEM certificate and key: offer STARTTLS, or with `implicit` speak TLS from the start. */
  tls?: { cert: string; key: string; implicit?: boolean };
}

export interface SmtpSink {
  port: number;
  messages: SinkMessage[];
  /** Every session's command lines (AUTH payloads included: test credentials only). */
  sessions: string[][];
  waitFor(pred: (m: SinkMessage) => boolean, timeoutMs?: number): Promise<SinkMessage>;
  stop(): void;
}

interface Session {
  buf: string;
  log: string[];
  mode: 'cmd' | 'data' | 'auth-plain' | 'auth-user' | 'auth-pass';
  helo: string;
  from: string | null;
  to: string[];
  data: string[];
  user: string;
  auth: { user: string; pass: string } | null;
  secure: boolean;
  /** The socket this session now talks through: after STARTTLS the plain one still sees the encrypted bytes. */
  sock: Socket<Session> | null;
}

const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

export function parseMessage(data: string): { headers: Record<string, string>; text: string } {
  const split = data.indexOf('\r\n\r\n');
  const head = split < 0 ? data : data.slice(0, split);
  const body = split < 0 ? '' : data.slice(split + 4);
  const headers: Record<string, string> = {};
  let last = '';
  for (const line of head.split('\r\n')) {
    if (/^[ \t]/.test(line) && last) headers[last] += ' ' + line.trim();
    else {
      const i = line.indexOf(':');
      if (i <= 0) continue;
      last = line.slice(0, i).trim().toLowerCase();
      headers[last] = line.slice(i + 1).trim();
    }
  }
  let text = body;
  if (/quoted-printable/i.test(headers['content-transfer-encoding'] ?? '')) {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16)));
    text = Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return { headers, text };
}

export async function startSmtpSink(opts: SinkOptions = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const sessions: string[][] = [];
  const waiters = new Set<() => void>();
  const mechanisms = opts.mechanisms ?? ['PLAIN', 'LOGIN'];

  function line(sock: Socket<Session>, s: Session, l: string) {
    const say = (r: string) => sock.write(r + '\r\n');
    if (s.mode === 'data') {
      if (l === '.') {
        const data = s.data.join('\r\n') + '\r\n';
        messages.push({ from: s.from ?? '', to: s.to, data, ...parseMessage(data), auth: s.auth, helo: s.helo, secure: s.secure });
        s.mode = 'cmd';
        s.from = null;
        s.to = [];
        s.data = [];
        say('250 2.0.0 queued');
        for (const w of waiters) w();
      } else s.data.push(l.startsWith('.') ? l.slice(1) : l);
      return;
    }
    s.log.push(l);
    const checkAuth = (user: string, pass: string) => {
      s.mode = 'cmd';
      if (opts.auth && (user !== opts.auth.user || pass !== opts.auth.pass)) return say('535 5.7.8 authentication failed');
      s.auth = { user, pass };
      say('235 2.7.0 authenticated');
    };
    if (s.mode === 'auth-plain') {
      const [, user = '', pass = ''] = unb64(l).split('\0');
      return checkAuth(user, pass);
    }
    if (s.mode === 'auth-user') {
      s.user = unb64(l);
      s.mode = 'auth-pass';
      return say('334 UGFzc3dvcmQ6');
    }
    if (s.mode === 'auth-pass') return checkAuth(s.user, unb64(l));
    const [verb = '', ...rest] = l.split(' ');
    const arg = rest.join(' ');
    switch (verb.toUpperCase()) {
      case 'EHLO':
        s.helo = arg;
        return say(`250-smtp-sink greets ${arg}\r\n250-8BITMIME\r\n${offerTls(s) ? '250-STARTTLS\r\n' : ''}250 AUTH ${mechanisms.join(' ')}`);
      case 'STARTTLS': {
        if (!offerTls(s)) return say('502 5.5.1 STARTTLS not offered');
        say('220 2.0.0 ready to start TLS');
        // RFC 3207 §4.2: the session starts over (no HELO, no envelope, no AUTH).
        Object.assign(s, { buf: '', helo: '', from: null, to: [], auth: null, secure: true });
        const [, secured] = sock.upgradeTLS<Session>({ data: s, tls: { cert: opts.tls!.cert, key: opts.tls!.key }, socket: handlers });
        s.sock = secured;
        return;
      }
      case 'HELO':
        s.helo = arg;
        return say('250 smtp-sink');
      case 'AUTH': {
        const [mech = '', initial] = arg.split(' ');
        if (!mechanisms.includes(mech.toUpperCase())) return say('504 5.5.4 mechanism not supported');
        if (mech.toUpperCase() === 'LOGIN') {
          s.mode = 'auth-user';
          return say('334 VXNlcm5hbWU6');
        }
        if (initial) {
          const [, user = '', pass = ''] = unb64(initial).split('\0');
          return checkAuth(user, pass);
        }
        s.mode = 'auth-plain';
        return say('334 ');
      }
      case 'MAIL': {
        if (opts.auth && !s.auth) return say('530 5.7.0 authentication required');
        const m = /^FROM:\s*<([^>]*)>/i.exec(arg);
        if (!m) return say('501 5.5.4 syntax: MAIL FROM:<address>');
        s.from = m[1]!;
        s.to = [];
        return say('250 2.1.0 ok');
      }
      case 'RCPT': {
        const m = /^TO:\s*<([^>]+)>/i.exec(arg);
        if (!m) return say('501 5.5.4 syntax: RCPT TO:<address>');
        if (s.from === null) return say('503 5.5.1 MAIL first');
        const code = opts.rcpt?.(m[1]!);
        if (code && code !== 250) return say(`${code} ${code >= 500 ? '5.1.1 no such user' : '4.2.1 try later'}`);
        s.to.push(m[1]!);
        return say('250 2.1.5 ok');
      }
      case 'DATA':
        if (!s.to.length) return say('503 5.5.1 RCPT first');
        s.mode = 'data';
        return say('354 end data with <CR><LF>.<CR><LF>');
      case 'RSET':
        s.from = null;
        s.to = [];
        return say('250 2.0.0 ok');
      case 'NOOP':
        return say('250 2.0.0 ok');
      case 'QUIT':
        say('221 2.0.0 bye');
        return sock.end();
      default:
        return say('502 5.5.2 command not recognised');
    }
  }

  const offerTls = (s: Session) => !!opts.tls && !opts.tls.implicit && !s.secure;
  const handlers = {
    open(sock: Socket<Session>) {
      if (sock.data?.sock) return; // the TLS side of a STARTTLS upgrade: the session exists
      const log: string[] = [];
      sessions.push(log);
      sock.data = { buf: '', log, mode: 'cmd', helo: '', from: null, to: [], data: [], user: '', auth: null, secure: !!opts.tls?.implicit, sock };
      sock.write('220 smtp-sink ESMTP ready\r\n');
    },
    data(sock: Socket<Session>, chunk: Buffer) {
      const s = sock.data;
      if (s.sock !== sock) return;
      s.buf += chunk.toString('latin1');
      let i: number;
      while ((i = s.buf.indexOf('\r\n')) >= 0) {
        const l = Buffer.from(s.buf.slice(0, i), 'latin1').toString('utf8');
        s.buf = s.buf.slice(i + 2);
        line(sock, s, l);
      }
    },
  };
  const server: TCPSocketListener<Session> = Bun.listen<Session>({
    hostname: '127.0.0.1',
    port: opts.port ?? 0,
    socket: handlers,
    ...(opts.tls?.implicit ? { tls: { cert: opts.tls.cert, key: opts.tls.key } } : {}),
  });

  return {
    port: server.port,
    messages,
    sessions,
    waitFor(pred, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = messages.find(pred);
          if (!m) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(m);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`smtp-sink: no matching message within ${timeoutMs} ms (${messages.length} received)`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    stop: () => server.stop(true),
  };
}
