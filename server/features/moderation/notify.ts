/**
 * Notifies the university's safeguarding officers when moderation opens or escalates a case: one
 * email to all configured officer addresses (notify-smtp.ts) and/or one signed webhook POST.
 *
 * - Off the message path: `notify` only queues; delivery runs in the background, with bounded
 *   retries (cfg.retryDelaysMs) on transient failures, and never throws. Outcomes go to the logger:
 *   every notice ends in exactly one "notified" or "not delivered" line per channel, or, at shutdown,
 *   in one "not delivered" line listing what was still pending (`close`).
 * - Shutdown: `close(graceMs)` lets attempts already under way finish for up to graceMs (no new
 *   retries are scheduled; a notice waiting for its retry is not tried again), then logs every
 *   notice still undelivered at error level, one JSON line each, so an operator can send it by hand.
 *   Nothing is persisted: a notice waiting for a retry does not survive a restart.
 * - Privacy: what leaves the server is exactly the normalised `CaseNotice` fields (case id, kind,
 *   severity, labels, summary, link, time). Callers write `summary` themselves and must never put
 *   chat text or names of minors in it; extra properties on the object are not sent.
 * - Webhook protocol: POST <url>, body = JSON of the notice, headers
 *     Content-Type: application/json
 *     X-LetsTalk-Timestamp: <unix seconds of this attempt>
 *     X-LetsTalk-Signature: sha256=<hex HMAC-SHA256 of `${timestamp}.${delivery}.${body}`, key = the secret>
 *       (the timestamp is signed, so a captured request cannot be replayed later under a fresh one;
 *       receivers check the signature, then that the timestamp is within a few minutes of their clock)
 *     X-LetsTalk-Delivery: <random id, one per notice, the same on every retry of it: receivers de-duplicate on it>
 *   2xx = delivered; 5xx, 408, 429 and network errors are retried; other statuses (4xx, redirects) are not.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { Logger } from '../../log';
import { metrics } from '../../metrics';
import type { NotifyConfig } from './notify-config';
import { buildMessage, normaliseNotice } from './notify-mail';
import { SmtpError, sendMail, type SmtpOptions, type SmtpResult } from './notify-smtp';
import { Pending } from '../../lib/pending';

export type { NotifyConfig } from './notify-config';

export type NoticeKind = 'hold' | 'review' | 'restriction' | 'appeal' | 'freeze';

export interface CaseNotice {
  caseId: string;
  kind: NoticeKind;
  severity: 'high' | 'medium';
  /** Model labels, e.g. ['grooming_signal']. */
  labels: string[];
  /** Short plain text written by the caller, never the message text. */
  summary: string;
  /** Absolute link to the case in the admin portal (/admin/moderation/cases/<id>). */
  url: string;
  /** ms epoch */
  at: number;
}

export interface Notifier {
  notify(n: CaseNotice): Promise<void>;
}

export interface NotifierDeps {
  fetch?: typeof fetch;
  now?: () => number;
  /** SMTP timeouts and test TLS settings. */
  smtp?: SmtpOptions;
  /** Per webhook request (default 10 s). */
  webhookTimeoutMs?: number;
  /** Deliveries kept pending at most (default MAX_PENDING; tests use a few). */
  maxPending?: number;
}

/**
 * `idle()` resolves when nothing is queued or being retried (tests). `close(graceMs)` is for
 * shutdown: it resolves once attempts under way have finished or graceMs has passed, after logging
 * every notice still undelivered; notices passed to `notify` after that are logged as undelivered.
 */
export type RunningNotifier = Notifier & { idle(): Promise<void>; close(graceMs?: number): Promise<void> };

/** How long `close` waits for attempts under way (a webhook request may take up to 10 s; SMTP longer). */
export const SHUTDOWN_GRACE_MS = 5_000;

/**
 * HMAC-SHA256 over `${timestamp}.${delivery}.${body}`, as `sha256=<hex>` (X-LetsTalk-Signature;
 * README "Notifications"): a captured request verifies neither with a fresh timestamp nor under
 * another delivery id, so a receiver that refuses stale timestamps and repeated ids drops every replay.
 */
export function webhookSignature(secret: string, timestamp: string, delivery: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${delivery}.${body}`).digest('hex');
}

/**
 * Deliveries in flight or waiting for a retry; beyond this a notice is dropped with an error log
 * (makeRoomFor: an urgent one takes the place of the oldest routine one instead).
 */
const MAX_PENDING = 1000;
/** Connections or requests at the same time, so a burst of cases does not open hundreds of sockets. */
const MAX_CONCURRENT = 4;

/** One attempt: done, or failed (retry: worth trying again later). */
type Outcome = { ok: true } | { ok: false; retry: boolean; error: string };
type Attempt = () => Promise<Outcome>;
type Channel = 'email' | 'webhook';

/** One notice on one channel, from `notify` until it is logged as delivered or not. */
interface Delivery {
  notice: CaseNotice;
  channel: Channel;
  /** queued: waiting for a connection slot; sending: an attempt is under way; waiting: for its retry. */
  state: 'queued' | 'sending' | 'waiting';
  attempts: number;
  error?: string;
  retryAt?: number;
  /** What is left to do on this channel (email: the addresses not yet accepted; webhook: the delivery id). */
  left(): Record<string, unknown>;
  /** Ends the wait for a retry (shutdown). */
  wake?: () => void;
  /** Listed as undelivered by `close`: nothing more is logged about it unless it is delivered after all. */
  reported?: boolean;
}

function stateText(d: Delivery): string {
  if (d.state === 'queued') return d.attempts ? 'waiting for a connection slot to retry' : 'not attempted yet';
  if (d.state === 'sending') return 'attempt under way at shutdown, outcome unknown';
  return d.retryAt ? 'waiting for a retry' : 'failed during shutdown, not retried';
}

export function createNotifier(cfg: NotifyConfig, logger: Logger, deps: NotifierDeps = {}): RunningNotifier {
  // A mail server with no officer addresses serves only people's own emails (features/mail): no email channel here.
  if (cfg.smtp && !cfg.smtp.to.length) cfg = { ...cfg, smtp: null };
  const log = logger.child({ component: 'safeguarding-notify' });
  const now = deps.now ?? Date.now;
  const doFetch = deps.fetch ?? fetch;
  if (!cfg.smtp && !cfg.webhook) {
    log.warn('safeguarding officers will not be notified: set SMTP_URL, SMTP_FROM and SAFEGUARDING_EMAILS and/or SAFEGUARDING_WEBHOOK_URL');
    return { notify: async () => {}, idle: async () => {}, close: async () => {} };
  }
  log.info('safeguarding notifications on', { emailRecipients: cfg.smtp?.to.length ?? 0, webhook: cfg.webhook ? new URL(cfg.webhook.url).host : null });

  /** Every notice × channel not yet logged as delivered or not, and the background loops delivering them. */
  const deliveries = new Set<Delivery>();
  const loops = new Pending();
  let stopping = false;
  let closed = false;
  let closing: Promise<void> | undefined;
  let running = 0;
  const slots: (() => void)[] = [];
  async function limited<T>(fn: () => Promise<T>): Promise<T> {
    if (running >= MAX_CONCURRENT) await new Promise<void>((r) => slots.push(r));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      slots.shift()?.();
    }
  }

  /** Email: one message to every officer; addresses deferred (4xx) at RCPT are tried again alone. */
  function emailAttempt(n: CaseNotice): { attempt: Attempt; left: () => Record<string, unknown> } {
    const smtp = cfg.smtp!;
    let to = smtp.to;
    const left = () => ({ to });
    // What the server said at RCPT, whether or not anyone accepted: refused addresses are logged
    // (they would be refused again), deferred ones are the next attempt's list.
    const heard = (r: Pick<SmtpResult, 'refused' | 'deferred'>) => {
      if (r.refused.length) log.error('officer addresses refused by the mail server', { caseId: n.caseId, refused: r.refused });
      if (r.deferred.length) to = r.deferred;
    };
    const attempt: Attempt = async () => {
      try {
        const r = await sendMail(smtp, to, buildMessage(n, smtp, now()), deps.smtp);
        heard(r);
        if (!r.deferred.length) return { ok: true };
        return { ok: false, retry: true, error: `deferred for ${r.deferred.join(', ')}` };
      } catch (e) {
        const permanent = e instanceof SmtpError && e.permanent;
        if (e instanceof SmtpError && e.recipients) heard(e.recipients);
        return { ok: false, retry: !permanent, error: (e as Error).message };
      }
    };
    return { attempt, left };
  }

  function webhookAttempt(n: CaseNotice): { attempt: Attempt; left: () => Record<string, unknown> } {
    const hook = cfg.webhook!;
    const body = JSON.stringify(n);
    // One id per notice, created once: every retry of this notice carries it, no other notice does.
    const delivery = randomUUID();
    const attempt: Attempt = async () => {
      // Signed per attempt: the signature covers this attempt's timestamp, so it cannot be reused under another.
      const timestamp = String(Math.floor(now() / 1000));
      try {
        const res = await doFetch(hook.url, {
          method: 'POST',
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(deps.webhookTimeoutMs ?? 10_000),
          headers: {
            'Content-Type': 'application/json',
            'User-Agent': 'LetsTalk-Safeguarding/1',
            'X-LetsTalk-Signature': webhookSignature(hook.secret, timestamp, delivery, body),
            'X-LetsTalk-Timestamp': timestamp,
            'X-LetsTalk-Delivery': delivery,
          },
        });
        await res.body?.cancel().catch(() => {});
        if (res.status >= 200 && res.status < 300) return { ok: true };
        const retry = res.status >= 500 || res.status === 408 || res.status === 429;
        return { ok: false, retry, error: `webhook answered ${res.status}` };
      } catch (e) {
        return { ok: false, retry: true, error: `webhook request failed: ${(e as Error).message}` };
      }
    };
    return { attempt, left: () => ({ delivery }) };
  }

  async function deliver(d: Delivery, attempt: Attempt) {
    const fields = { caseId: d.notice.caseId, kind: d.notice.kind, channel: d.channel };
    const done = () => void deliveries.delete(d);
    for (let i = 0; ; i++) {
      d.state = 'queued';
      const out = await limited<Outcome>(() => {
        // Left in the queue past the shutdown deadline: already reported, not started any more.
        if (d.reported) return Promise.resolve({ ok: false, retry: false, error: 'server shut down' });
        d.state = 'sending';
        d.attempts = i + 1;
        d.retryAt = undefined;
        return attempt();
      });
      if (out.ok) {
        log.info('safeguarding officers notified', { ...fields, attempts: i + 1, ...(d.reported ? { afterShutdownReport: true } : {}) });
        metrics.noticesDelivered++;
        return done();
      }
      if (d.reported) return done();
      d.error = out.error;
      const delay = cfg.retryDelaysMs[i];
      if (!out.retry || delay === undefined) {
        log.error('safeguarding notification not delivered', { ...fields, attempts: i + 1, error: out.error, retried: out.retry });
        metrics.noticesUndelivered++;
        return done();
      }
      d.state = 'waiting';
      // Shutting down: no retry is scheduled; `close` lists the notice as undelivered.
      if (stopping) return;
      d.retryAt = Date.now() + delay;
      log.warn('safeguarding notification failed, will retry', { ...fields, attempt: i + 1, retryInMs: delay, error: out.error });
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        d.wake = () => (clearTimeout(t), resolve());
      });
      d.wake = undefined;
      // Shutting down, or dropped for a more urgent notice (makeRoomFor): reported already.
      if (stopping || d.reported) return;
    }
  }

  /**
   * A full queue keeps the urgent: when the mail server or the webhook has been down long enough to
   * fill it with routine notices (medium severity: a report between adults), a high-severity notice
   * (a held message, a restriction) takes the place of the oldest routine one not being sent, which is
   * logged as not delivered (its case waits in the queue all the same). Never the other way round.
   */
  function makeRoomFor(n: CaseNotice): boolean {
    if (n.severity !== 'high') return false;
    const victim = [...deliveries].find((d) => d.notice.severity !== 'high' && d.state !== 'sending' && !d.reported);
    if (!victim) return false;
    reportUndelivered([...deliveries].filter((d) => d.notice === victim.notice && d.state !== 'sending'), 'dropped for a more urgent notice: too many undelivered notices');
    return true;
  }

  function track(n: CaseNotice, channel: Channel, { attempt, left }: { attempt: Attempt; left: () => Record<string, unknown> }) {
    const d: Delivery = { notice: n, channel, state: 'queued', attempts: 0, left };
    deliveries.add(d);
    const q = deliver(d, attempt).catch((e) => {
      deliveries.delete(d);
      log.error('safeguarding notification crashed', { caseId: n.caseId, kind: n.kind, channel, error: e });
    });
    loops.add(q);
  }

  /** Logs every notice with a channel not yet delivered (`ds`): one error line per notice. */
  function reportUndelivered(ds: Iterable<Delivery>, reason: string): number {
    const byNotice = new Map<CaseNotice, Delivery[]>();
    for (const d of ds) {
      d.reported = true;
      d.wake?.();
      deliveries.delete(d);
      metrics.noticesUndelivered++;
      byNotice.set(d.notice, [...(byNotice.get(d.notice) ?? []), d]);
    }
    for (const [n, ds] of byNotice) {
      log.error('safeguarding notification not delivered', {
        caseId: n.caseId,
        kind: n.kind,
        severity: n.severity,
        at: new Date(n.at).toISOString(),
        url: n.url,
        reason,
        pending: ds.map((d) => ({
          channel: d.channel,
          state: stateText(d),
          attempts: d.attempts,
          ...(d.error ? { lastError: d.error } : {}),
          ...(d.state === 'waiting' && d.retryAt ? { retryWasDue: new Date(d.retryAt).toISOString() } : {}),
          ...d.left(),
        })),
      });
    }
    return byNotice.size;
  }

  async function shutdown(graceMs: number) {
    stopping = true;
    // Notices waiting for a retry end their wait now (they are reported below); attempts under way run on.
    for (const d of deliveries) d.wake?.();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
    let timedOut = false;
    while (loops.size && !timedOut) timedOut = (await Promise.race([loops.current(), deadline])) === 'timeout';
    clearTimeout(timer);
    closed = true;
    const undelivered = reportUndelivered([...deliveries], timedOut ? `server shutting down (waited ${graceMs} ms for attempts under way)` : 'server shutting down');
    log.info('safeguarding notifications stopped', { undelivered });
  }

  return {
    async notify(raw) {
      try {
        const n = normaliseNotice(raw);
        if (closed) {
          // After the shutdown report: nothing more is sent, but the notice is logged like the others.
          const channels: Channel[] = [...(cfg.smtp ? (['email'] as const) : []), ...(cfg.webhook ? (['webhook'] as const) : [])];
          reportUndelivered(channels.map((channel) => ({ notice: n, channel, state: 'queued', attempts: 0, left: () => (channel === 'email' ? { to: cfg.smtp!.to } : {}) })), 'server shutting down');
          return;
        }
        if (deliveries.size >= (deps.maxPending ?? MAX_PENDING) && !makeRoomFor(n)) {
          log.error('safeguarding notification dropped: too many undelivered notices', { caseId: n.caseId, kind: n.kind, severity: n.severity, url: n.url, pending: deliveries.size });
          return;
        }
        if (cfg.smtp) track(n, 'email', emailAttempt(n));
        if (cfg.webhook) track(n, 'webhook', webhookAttempt(n));
      } catch (e) {
        log.error('safeguarding notification could not be queued', { error: e });
      }
    },
    idle: () => loops.drain(),
    close(graceMs = SHUTDOWN_GRACE_MS) {
      return (closing ??= shutdown(graceMs));
    },
  };
}
