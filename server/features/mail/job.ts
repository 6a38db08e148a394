/**
 * The email job. On each node: every period (mailTiming) it records who has a page open here, on
 * a timer of its own; and every period it takes the people whose queued rooms are due and emails
 * each of them once about what they missed.
 *
 * Rules (README "Emails about missed messages"):
 * - nobody is emailed while a page of theirs is open on any node (seen within the online window,
 *   judged when their email is due): the page showed the messages and may have notified; those
 *   messages are then never emailed;
 * - nobody suspended or disabled, nor anyone who turned the emails off (their queue is dropped);
 * - a queue entry is taken once (store `takeDue`) and covers the messages from its first on;
 * - a mail server that refuses the address (at RCPT) is logged, not retried; any other failure
 *   (the network, a 4xx, a refused sign-in or sender, a store error) queues the rooms again in RETRY_MS.
 */
import type { Logger } from '../../log';
import type { Hub } from '../../realtime/hub';
import type { MailEntry, Store, User } from '../../store/types';
import type { MissedMailConfig } from '../../config';
import type { ChatContext } from '../chat/context';
import type { SmtpConfig } from '../moderation/notify-config';
import { textMail } from '../moderation/notify-mail';
import { SmtpError, sendMail } from '../moderation/notify-smtp';
import { missedRooms } from './digest';
import { mailLinks } from './links';
import { bodyFor, subjectFor } from './message';

export const MAIL_JOB_MS = 30_000;
/** Seen this recently on some node: a page is open (two periods and a margin). */
export const ONLINE_MS = 75_000;
export const RETRY_MS = 300_000;
/** People taken per store call. */
const BATCH = 50;

/**
 * The job's period and online window for a delay: every 30 s, or a quarter of a delay shorter than
 * two minutes (MISSED_EMAIL_MINUTES=0.1 is 6 s: an email then comes about 6–8 s after a message).
 */
export function mailTiming(afterMs: number): { everyMs: number; onlineMs: number } {
  const everyMs = Math.min(MAIL_JOB_MS, Math.max(1_000, Math.round(afterMs / 4)));
  return { everyMs, onlineMs: everyMs * 2.5 };
}

export interface MailJobDeps {
  store: Store;
  chat: ChatContext;
  hub: Hub;
  smtp: SmtpConfig;
  config: MissedMailConfig;
  publicUrl: string;
  /** The server's secret (the stop link's signature). */
  key: string;
  logger: Logger;
  /** Seen this recently on some node: online (default ONLINE_MS; startMailJob sets it from mailTiming). */
  onlineMs?: number;
  /** The transport; tests pass a recorder. */
  send?: (to: string, message: string) => Promise<unknown>;
}

type Outcome = 'sent' | 'online' | 'nothing' | 'off' | 'inactive' | 'failed';

/** Only a refusal of the address itself is final; a refused sign-in or sender is the server's setup, fixed later. */
const addressRefused = (err: unknown, to: string) => err instanceof SmtpError && err.permanent && (err.recipients?.refused.includes(to) ?? false);

/** `clock`: the time on the pass's clock now (online is judged when each email is due, not at the pass's start). */
async function mailOne(d: MailJobDeps, user: User, entries: MailEntry[], now: number, clock: () => number): Promise<Outcome> {
  const { store } = d;
  if (user.status !== 'active') return 'inactive';
  if ((await store.mail.state(user.id)).off) return 'off';
  const rooms = await missedRooms(d.chat, user, entries, now);
  if (!rooms.length) return 'nothing';
  // Read now, not before the rooms: another node records its open pages meanwhile.
  const seen = (await store.mail.state(user.id)).lastSeenAt;
  if (d.hub.socketsOf(user.id).length || (seen !== null && seen > clock() - (d.onlineMs ?? ONLINE_MS))) return 'online';
  const links = mailLinks(d.publicUrl, d.key, user.id);
  const message = textMail({
    smtp: d.smtp,
    to: [user.email],
    subject: subjectFor(rooms),
    body: bodyFor(user.name, rooms, { withText: d.config.withText, tf: d.chat.tf, afterMs: d.config.afterMs, links }),
    messageId: `<letstalk.missed.${user.id.replace(/[^A-Za-z0-9_-]/g, '_')}.${now}@${d.smtp.from.split('@')[1]}>`,
    nowMs: now,
    headers: ['Auto-Submitted: auto-generated', `List-Unsubscribe: <${links.stop}>`, 'List-Unsubscribe-Post: List-Unsubscribe=One-Click'],
  });
  try {
    await (d.send ?? ((to, m) => sendMail(d.smtp, [to], m)))(user.email, message);
  } catch (err) {
    const final = addressRefused(err, user.email);
    d.logger.error('missed-message email not sent', { userId: user.id, rooms: rooms.length, err, retry: !final });
    if (!final) await requeue(d, user.id, entries, now);
    return 'failed';
  }
  d.logger.info('missed-message email sent', { userId: user.id, rooms: rooms.length });
  return 'sent';
}

async function requeue(d: MailJobDeps, userId: string, entries: MailEntry[], now: number) {
  for (const e of entries) await d.store.mail.queue(e.roomId, [userId], now + RETRY_MS, e.fromSeq);
}

/** Records who has a page open on this node (every node does, so that each knows of the others'). */
export async function recordOpenPages(d: Pick<MailJobDeps, 'hub' | 'store'>, now = Date.now()) {
  const online = d.hub.localSockets().map((s) => s.userId);
  if (online.length) await d.store.mail.seen(online, now);
}

/** One pass at `now`: this node's open pages recorded, then every due person handled. Returns the outcomes. */
export async function mailPass(d: MailJobDeps, now = Date.now()): Promise<Outcome[]> {
  const started = Date.now();
  const clock = () => now + (Date.now() - started);
  await recordOpenPages(d, now);
  const out: Outcome[] = [];
  for (;;) {
    const due = await d.store.mail.takeDue(now, BATCH);
    if (!due.size) return out;
    const users = new Map((await d.store.users.byIds([...due.keys()])).map((u) => [u.id, u]));
    for (const [userId, entries] of due) {
      const user = users.get(userId);
      if (!user) continue;
      try {
        out.push(await mailOne(d, user, entries, now, clock));
      } catch (err) {
        // Taken from the queue already: put back, or they would never be emailed.
        d.logger.error('missed-message email failed', { userId, err });
        await requeue(d, userId, entries, now).catch((e) => d.logger.error('missed-message email lost', { userId, err: e }));
        out.push('failed');
      }
    }
    if (due.size < BATCH) return out;
  }
}

/** Runs the job until the returned function is called: open pages recorded every period, one pass at a time. */
export function startMailJob(deps: MailJobDeps): () => void {
  const { everyMs, onlineMs } = mailTiming(deps.config.afterMs);
  const d = { ...deps, onlineMs };
  // Its own timer: a long pass (a slow mail server, a class of 300) must not let this node's open pages look closed to the others.
  const seen = setInterval(() => recordOpenPages(d).catch((err) => d.logger.error('recording open pages failed', { err })), everyMs);
  let running = false;
  const pass = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await mailPass(d);
    } catch (err) {
      d.logger.error('missed-message email pass failed', { err });
    } finally {
      running = false;
    }
  }, everyMs);
  return () => {
    clearInterval(seen);
    clearInterval(pass);
  };
}
