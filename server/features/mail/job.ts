/**
 * The email job: every 30 s (mailTiming) each node records who has a tab open on it, then takes the people
 * whose queued rooms are due and emails each of them once about what they missed.
 *
 * Rules (README "Emails about missed messages"):
 * - nobody is emailed while a tab of theirs is open on any node (seen within ONLINE_MS): the page
 *   shows the messages and may notify; what came until then is treated as seen by email;
 * - nobody suspended or disabled, nor anyone who turned the emails off;
 * - a message is emailed about once (MailState.emailedThrough), and never when more than a day old;
 * - a mail server that answers "try later" gets the rooms again in RETRY_MS; one that refuses the
 *   address is logged, not retried.
 * Each (person, room) queue entry is taken by one node (store `takeDue`).
 */
import type { Logger } from '../../log';
import type { Hub } from '../../realtime/hub';
import type { Store, User } from '../../store/types';
import type { MissedMailConfig } from '../../config';
import type { ChatContext } from '../chat/context';
import type { SmtpConfig } from '../moderation/notify-config';
import { textMail } from '../moderation/notify-mail';
import { SmtpError, sendMail } from '../moderation/notify-smtp';
import { missedRooms } from './digest';
import { mailLinks } from './links';
import { bodyFor, subjectFor } from './message';

export const MAIL_JOB_MS = 30_000;
/** Seen this recently on some node: a tab is open (two job periods and a margin). */
export const ONLINE_MS = 75_000;

/**
 * The job's period and online window for a delay: every 30 s, or a quarter of a delay shorter than
 * two minutes (MISSED_EMAIL_MINUTES=0.1 is 6 s: an email then comes about 6–8 s after a message).
 */
export function mailTiming(afterMs: number): { everyMs: number; onlineMs: number } {
  const everyMs = Math.min(MAIL_JOB_MS, Math.max(1_000, Math.round(afterMs / 4)));
  return { everyMs, onlineMs: everyMs * 2.5 };
}
export const RETRY_MS = 300_000;
/** Older messages are not emailed about (a mail server down for a day, a queue left from before). */
export const MAX_AGE_MS = 86_400_000;
/** People emailed per pass and node. */
const BATCH = 50;

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
  /** The transport; tests pass a recorder or the SMTP sink's options. */
  send?: (to: string, message: string) => Promise<unknown>;
}

type Outcome = 'sent' | 'online' | 'nothing' | 'off' | 'inactive' | 'failed';

async function mailOne(d: MailJobDeps, user: User, roomIds: string[], now: number): Promise<Outcome> {
  const { store } = d;
  if (user.status !== 'active') return 'inactive';
  const state = await store.mail.state(user.id);
  if (state.off) return 'off';
  const rooms = await missedRooms(d.chat, user, roomIds, Math.max(state.emailedThrough, now - MAX_AGE_MS));
  if (!rooms.length) return 'nothing';
  const through = Math.max(...rooms.map((r) => r.newestAt));
  if (d.hub.socketsOf(user.id).length || (state.lastSeenAt !== null && state.lastSeenAt > now - (d.onlineMs ?? ONLINE_MS))) {
    // Her page showed them (and may have notified): they are never emailed, not even once she is gone.
    await store.mail.update(user.id, { emailedThrough: through });
    return 'online';
  }
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
    const permanent = err instanceof SmtpError && err.permanent;
    d.logger.error('missed-message email not sent', { userId: user.id, rooms: rooms.length, err, retry: !permanent });
    if (!permanent) for (const r of rooms) await store.mail.queue(r.roomId, [user.id], now + RETRY_MS);
    return 'failed';
  }
  await store.mail.update(user.id, { emailedThrough: through });
  d.logger.info('missed-message email sent', { userId: user.id, rooms: rooms.length });
  return 'sent';
}

/** One pass: this node's open tabs recorded, then every due person handled. Returns the outcomes. */
export async function mailPass(d: MailJobDeps, now = Date.now()): Promise<Outcome[]> {
  const online = d.hub.localSockets().map((s) => s.userId);
  if (online.length) await d.store.mail.seen(online, now);
  const out: Outcome[] = [];
  for (;;) {
    const due = await d.store.mail.takeDue(now, BATCH);
    if (!due.size) return out;
    const users = await d.store.users.byIds([...due.keys()]);
    for (const u of users) {
      try {
        out.push(await mailOne(d, u, due.get(u.id)!, now));
      } catch (err) {
        d.logger.error('missed-message email failed', { userId: u.id, err });
        out.push('failed');
      }
    }
    if (due.size < BATCH) return out;
  }
}

/** Runs a pass every period (mailTiming) until the returned function is called; one pass at a time. */
export function startMailJob(deps: MailJobDeps): () => void {
  const { everyMs, onlineMs } = mailTiming(deps.config.afterMs);
  const d = { ...deps, onlineMs };
  let running = false;
  const timer = setInterval(async () => {
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
  return () => clearInterval(timer);
}
