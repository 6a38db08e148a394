/**
 * Notifies the university's safeguarding officers when moderation opens or escalates a case: one
 * email to all configured officer addresses (notify-smtp.ts) and/or one signed webhook POST.
 *
 * - Off the message path: `notify` only queues; delivery runs in the background, with bounded
 *   retries (cfg.retryDelaysMs) on transient failures, and never throws. Outcomes go to the logger.
 * - Privacy: what leaves the server is exactly the normalised `CaseNotice` fields (case id, kind,
 *   severity, labels, summary, link, time). Callers write `summary` themselves and must never put
 *   chat text or names of minors in it; extra properties on the object are not sent.
 * - Webhook protocol: POST <url>, body = JSON of the notice, headers
 *     Content-Type: application/json
 *     X-LetsTalk-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes, key = the secret>
 *     X-LetsTalk-Timestamp: <unix seconds of this attempt>
 *     X-LetsTalk-Delivery: <id, the same on every retry of one notice: receivers de-duplicate on it>
 *   2xx = delivered; 5xx, 408, 429 and network errors are retried; other statuses (4xx, redirects) are not.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { Logger } from '../../log';
import type { NotifyConfig } from './notify-config';
import { buildMessage, normaliseNotice } from './notify-mail';
import { SmtpError, sendMail, type SmtpOptions } from './notify-smtp';

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
}

/** `idle()` resolves when nothing is queued or being retried (tests; graceful shutdown). */
export type RunningNotifier = Notifier & { idle(): Promise<void> };

/** Deliveries in flight or waiting for a retry; beyond this a notice is dropped with an error log. */
const MAX_PENDING = 1000;
/** Connections or requests at the same time, so a burst of cases does not open hundreds of sockets. */
const MAX_CONCURRENT = 4;

/** One attempt: done, or failed (retry: worth trying again later). */
type Outcome = { ok: true } | { ok: false; retry: boolean; error: string };
type Attempt = () => Promise<Outcome>;

export function createNotifier(cfg: NotifyConfig, logger: Logger, deps: NotifierDeps = {}): RunningNotifier {
  const log = logger.child({ component: 'safeguarding-notify' });
  const now = deps.now ?? Date.now;
  const doFetch = deps.fetch ?? fetch;
  if (!cfg.smtp && !cfg.webhook) {
    log.warn('safeguarding officers will not be notified: set SMTP_URL, SMTP_FROM and SAFEGUARDING_EMAILS and/or SAFEGUARDING_WEBHOOK_URL');
    return { notify: async () => {}, idle: async () => {} };
  }
  log.info('safeguarding notifications on', { emailRecipients: cfg.smtp?.to.length ?? 0, webhook: cfg.webhook ? new URL(cfg.webhook.url).host : null });

  const pending = new Set<Promise<void>>();
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
  function emailAttempt(n: CaseNotice): Attempt {
    const smtp = cfg.smtp!;
    let to = smtp.to;
    return async () => {
      try {
        const r = await sendMail(smtp, to, buildMessage(n, smtp, now()), deps.smtp);
        if (r.refused.length) log.error('officer addresses refused by the mail server', { caseId: n.caseId, refused: r.refused });
        if (!r.deferred.length) return { ok: true };
        to = r.deferred;
        return { ok: false, retry: true, error: `deferred for ${r.deferred.join(', ')}` };
      } catch (e) {
        const permanent = e instanceof SmtpError && e.permanent;
        return { ok: false, retry: !permanent, error: (e as Error).message };
      }
    };
  }

  function webhookAttempt(n: CaseNotice): Attempt {
    const hook = cfg.webhook!;
    const body = JSON.stringify(n);
    const signature = 'sha256=' + createHmac('sha256', hook.secret).update(body).digest('hex');
    const delivery = randomUUID();
    return async () => {
      try {
        const res = await doFetch(hook.url, {
          method: 'POST',
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(deps.webhookTimeoutMs ?? 10_000),
          headers: {
            'Content-Type': 'application/json',
            'User-Agent': 'LetsTalk-Safeguarding/1',
            'X-LetsTalk-Signature': signature,
            'X-LetsTalk-Timestamp': String(Math.floor(now() / 1000)),
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
  }

  async function deliver(channel: 'email' | 'webhook', n: CaseNotice, attempt: Attempt) {
    const fields = { caseId: n.caseId, kind: n.kind, channel };
    for (let i = 0; ; i++) {
      const out = await limited(attempt);
      if (out.ok) {
        log.info('safeguarding officers notified', { ...fields, attempts: i + 1 });
        return;
      }
      const delay = cfg.retryDelaysMs[i];
      if (!out.retry || delay === undefined) {
        log.error('safeguarding notification not delivered', { ...fields, attempts: i + 1, error: out.error, retried: out.retry });
        return;
      }
      log.warn('safeguarding notification failed, will retry', { ...fields, attempt: i + 1, retryInMs: delay, error: out.error });
      await Bun.sleep(delay);
    }
  }

  function track(p: Promise<void>) {
    const q = p.catch((e) => log.error('safeguarding notification crashed', { error: e }));
    pending.add(q);
    void q.finally(() => pending.delete(q));
  }

  return {
    async notify(raw) {
      try {
        const n = normaliseNotice(raw);
        if (pending.size >= MAX_PENDING) {
          log.error('safeguarding notification dropped: too many undelivered notices', { caseId: n.caseId, kind: n.kind, pending: pending.size });
          return;
        }
        if (cfg.smtp) track(deliver('email', n, emailAttempt(n)));
        if (cfg.webhook) track(deliver('webhook', n, webhookAttempt(n)));
      } catch (e) {
        log.error('safeguarding notification could not be queued', { error: e });
      }
    },
    async idle() {
      while (pending.size) await Promise.all([...pending]);
    },
  };
}
