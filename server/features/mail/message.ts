/**
 * The email about missed messages, as text. Pure: digest.ts says what was missed, job.ts sends it.
 *
 * Subject by case: one direct conversation "Bola Ade sent you 2 messages"; one group "3 new
 * messages in Project team"; one course room "Dr Okafor mentioned you in CSC201 · Algorithms";
 * more rooms "5 new messages for you in Lets Talk". Without MISSED_EMAIL_TEXT the body names rooms,
 * senders and counts, never the text. Message text is quoted one line each, cut at QUOTE_CHARS.
 */
import { oneLine } from '../moderation/notify-mail';
import type { TimeFormat } from '../../../views/chat';
import { delayText, plural } from '../../../views/mail';
import { cutLine } from '../../../views/quote-text';
import type { MissedRoom } from './digest';

/** Rooms listed in one email; more are counted. */
export const MAX_ROOMS = 5;
export const QUOTE_CHARS = 200;

const cut = (text: string) => cutLine(oneLine(text), QUOTE_CHARS);

export function subjectFor(rooms: readonly MissedRoom[]): string {
  const total = rooms.reduce((n, r) => n + r.unread, 0);
  if (rooms.length > 1) return `${plural(total, 'new message')} for you in Lets Talk`;
  const r = rooms[0]!;
  const who = r.lines.at(-1)!.sender;
  if (r.kind === 'dm') return `${who} sent you ${r.unread === 1 ? 'a message' : plural(r.unread, 'message')}`;
  if (r.kind === 'group') return `${plural(r.unread, 'new message')} in ${r.title}`;
  return `${who} mentioned you in ${r.title}`;
}

export interface MailLinks {
  /** The room list. */
  home: string;
  /** The room's page. */
  room(roomId: string): string;
  /** The settings page (signed in). */
  settings: string;
  /** Turns these emails off without signing in (signed for her). */
  stop: string;
}

export function bodyFor(name: string, rooms: readonly MissedRoom[], opts: { withText: boolean; tf: TimeFormat; afterMs: number; links: MailLinks }): string {
  const out = [`Hello ${oneLine(name)},`, '', 'Messages for you in Lets Talk have not been read:', ''];
  for (const r of rooms.slice(0, MAX_ROOMS)) {
    const where = r.kind === 'dm' ? `${oneLine(r.title)} (direct message)` : oneLine(r.title);
    const what = r.kind === 'course' ? (r.unread === 1 ? 'mentioned you' : `mentioned you ${r.unread} times`) : `${plural(r.unread, 'unread message')}`;
    out.push(`${where}: ${what}`);
    for (const l of r.lines) {
      const said = !opts.withText ? (l.kind === 'file' ? 'sent a file' : l.kind === 'poll' ? 'started a poll' : 'wrote') : l.kind === 'file' ? `sent a file: ${cut(l.text)}` : l.kind === 'poll' ? `started a poll: ${cut(l.text)}` : cut(l.text);
      out.push(`  ${opts.tf.time(l.at)}  ${oneLine(l.sender)}: ${said}`);
    }
    out.push(`  Read and answer: ${opts.links.room(r.roomId)}`, '');
  }
  if (rooms.length > MAX_ROOMS) out.push(`…and ${plural(rooms.length - MAX_ROOMS, 'more conversation')}: ${opts.links.home}`, '');
  out.push(
    '--',
    `You get this because these messages were still unread ${delayText(opts.afterMs)} after they were sent and no Lets Talk page of yours was open.`,
    `Change it in Lets Talk (Account, Email notifications): ${opts.links.settings}`,
    `Stop these emails: ${opts.links.stop}`,
  );
  return out.join('\n');
}
