/**
 * Settings for notifying safeguarding officers (README "Configuration" and "Chat → Safeguarding →
 * Notifications"), parsed from the environment by server/config.ts. Kept here, beside the notifier,
 * so the rules for what is a valid address or URL live with the code that relies on them.
 *
 *   SMTP_URL                     smtp://[user:pass@]host[:port][?starttls=auto|required|never]
 *                                smtps://[user:pass@]host[:port]   (TLS from the first byte)
 *   SMTP_FROM                    noreply@example.edu  or  Lets Talk <noreply@example.edu>
 *   SAFEGUARDING_EMAILS          comma-separated officer addresses (optional: without it the mail
 *                                server serves only emails about people's missed messages)
 *   SAFEGUARDING_WEBHOOK_URL     https://… (http:// only to a loopback host)
 *   SAFEGUARDING_WEBHOOK_SECRET  HMAC key for X-LetsTalk-Signature, 16+ characters
 */

export type StartTls = 'auto' | 'required' | 'never';

export interface SmtpConfig {
  host: string;
  port: number;
  /** Implicit TLS (smtps://); otherwise plain TCP upgraded with STARTTLS per `starttls`. */
  secure: boolean;
  /** auto = upgrade when the server offers it; required = fail without it; never = stay plain. */
  starttls: StartTls;
  user: string | null;
  pass: string | null;
  /** Envelope sender (bare address) and the From header (may carry a display name). */
  from: string;
  fromHeader: string;
  to: string[];
}

export interface WebhookConfig {
  url: string;
  secret: string;
}

export interface NotifyConfig {
  smtp: SmtpConfig | null;
  webhook: WebhookConfig | null;
  /** Wait before each retry; its length bounds the attempts (1 + length). */
  retryDelaysMs: number[];
}

export const DEFAULT_RETRY_DELAYS_MS = [10_000, 60_000, 300_000, 900_000];

// RFC 5321 addr-spec restricted to the unquoted dot-atom form: no spaces, quotes, angle brackets or
// control characters can reach an SMTP command or a header through an address.
const ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export const isAddress = (s: string) => s.length <= 254 && ADDRESS.test(s);

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;
export const isLoopback = (host: string) => LOOPBACK.test(host);

function parseFrom(raw: string): { from: string; fromHeader: string } {
  const named = /^\s*([^<>\r\n]*?)\s*<([^<>\s]+)>\s*$/.exec(raw);
  const addr = named ? named[2]! : raw.trim();
  if (!isAddress(addr)) throw new Error(`SMTP_FROM must be an address such as noreply@unilag.edu.ng or "Lets Talk <noreply@unilag.edu.ng>", got "${raw}"`);
  const name = named?.[1]?.replace(/"/g, '').trim();
  return { from: addr, fromHeader: name ? `${name} <${addr}>` : addr };
}

function parseSmtpUrl(raw: string): Omit<SmtpConfig, 'from' | 'fromHeader' | 'to'> {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error('SMTP_URL must be a URL such as smtp://user:pass@mail.example.edu:587 or smtps://…:465');
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new Error(`SMTP_URL must start with smtp:// or smtps://, got "${u.protocol}//"`);
  if (!u.hostname) throw new Error('SMTP_URL has no host');
  const secure = u.protocol === 'smtps:';
  const mode = u.searchParams.get('starttls') ?? 'auto';
  if (mode !== 'auto' && mode !== 'required' && mode !== 'never') throw new Error(`SMTP_URL starttls must be auto, required or never, got "${mode}"`);
  const user = u.username ? decodeURIComponent(u.username) : null;
  const pass = u.password ? decodeURIComponent(u.password) : null;
  if ((user === null) !== (pass === null)) throw new Error('SMTP_URL needs both a user name and a password, or neither');
  return { host: u.hostname, port: u.port ? Number(u.port) : secure ? 465 : 587, secure, starttls: secure ? 'never' : mode, user, pass };
}

/**
 * SMTP settings that parse but cannot work: said at start (main.ts), not refused (an unusual port
 * may be set up just so), since the officers would otherwise learn it from emails that never came.
 */
export function smtpWarnings(s: Pick<SmtpConfig, 'host' | 'port' | 'secure' | 'starttls' | 'user'>): string[] {
  const out: string[] = [];
  if (s.secure && (s.port === 587 || s.port === 25)) out.push(`SMTP_URL is smtps:// (TLS from the first byte) on port ${s.port}, where mail servers expect STARTTLS: use smtp://…:${s.port} (or smtps://…:465); officers' emails will fail to connect`);
  if (!s.secure && s.port === 465) out.push("SMTP_URL is smtp:// on port 465, where mail servers expect TLS from the first byte: use smtps://…:465; officers' emails will fail to connect");
  // notify-smtp.ts never sends credentials in clear beyond loopback: every email would fail.
  if (!s.secure && s.starttls === 'never' && s.user !== null && !isLoopback(s.host)) out.push("SMTP_URL has starttls=never with a user name and password: credentials are never sent without TLS, so officers' emails will fail; use starttls=auto (or required), or no credentials");
  return out;
}

/** Throws Error with a one-line message naming the variable; config.ts turns it into ConfigError. */
export function notifyConfigFromEnv(env: Record<string, string | undefined>): NotifyConfig {
  const url = env.SMTP_URL || '';
  const emails = (env.SAFEGUARDING_EMAILS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const e of emails) if (!isAddress(e)) throw new Error(`SAFEGUARDING_EMAILS has "${e}", which is not an email address`);
  let smtp: SmtpConfig | null = null;
  if (url) {
    // The URL itself first: a wrong one named only the missing addresses (QA s17).
    const server = parseSmtpUrl(url);
    // Without SAFEGUARDING_EMAILS the server still mails people about their missed messages (features/mail).
    if (!env.SMTP_FROM) throw new Error('SMTP_URL needs SMTP_FROM (the sender address of notifications)');
    smtp = { ...server, ...parseFrom(env.SMTP_FROM), to: [...new Set(emails)] };
  } else if (emails.length) throw new Error('SAFEGUARDING_EMAILS needs SMTP_URL (the mail server to send through)');
  else if (env.SMTP_FROM) throw new Error('SMTP_FROM needs SMTP_URL');

  let webhook: WebhookConfig | null = null;
  const hookUrl = env.SAFEGUARDING_WEBHOOK_URL || '';
  const secret = env.SAFEGUARDING_WEBHOOK_SECRET || '';
  if (hookUrl) {
    let u: URL;
    try {
      u = new URL(hookUrl);
    } catch {
      throw new Error(`SAFEGUARDING_WEBHOOK_URL must be an absolute https:// URL, got "${hookUrl}"`);
    }
    // Plain http would expose case ids and labels on the wire; allowed only on this machine (tests, a local relay).
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopback(u.hostname))) {
      throw new Error('SAFEGUARDING_WEBHOOK_URL must use https (http only for 127.0.0.1 or localhost)');
    }
    if (secret.length < 16) throw new Error('SAFEGUARDING_WEBHOOK_URL needs SAFEGUARDING_WEBHOOK_SECRET of at least 16 characters');
    webhook = { url: u.href, secret };
  } else if (secret) throw new Error('SAFEGUARDING_WEBHOOK_SECRET is set but SAFEGUARDING_WEBHOOK_URL is not');
  return { smtp, webhook, retryDelaysMs: DEFAULT_RETRY_DELAYS_MS };
}
