/**
 * Officers' decisions as training data: every decided case an officer judged becomes one line in the
 * campus data schema, the input of `bun run train:moderation --extra FILE`, so that the next model
 * learns from the university's own messages (docs/moderation-model.md, "Retraining on your
 * officers' decisions"). Released everyday messages are the model's false positives; upheld ones its
 * true positives.
 *
 * A line's labels are the last human judgement of the message itself:
 * - a removal or block citing the case was overturned on appeal, and no removal or block in force
 *   still cites it → [] (a second reviewer judged that the message broke no rule; it was delivered).
 *   Restrictions and freezes are not judgements of one message: their outcome changes nothing here;
 * - else the labels the deciding officer ticked (ModerationCase.judgedLabels; [] = harmless);
 * - else, upheld (by a block, which asks for no labels) → the message labels the model flagged.
 * Left out: cases released without an officer's labels (released when an action on them was
 * overturned, or decided before officers were asked), upheld cases with no message label (a
 * conversation-level grooming-risk hold), messages their sender has since deleted.
 *
 * Privacy: officers have read these texts already. A line keeps only the text as flagged, the room
 * type and the sender's role (what the model reads): no account names, ids, rooms or dates. E-mail
 * addresses, links, @handles, phone numbers and long numbers (matriculation numbers) are replaced;
 * names written inside a text are not, so the file is confidential. Every export is audited, after
 * the file is written.
 */
import { REPORTED_FILE } from './report';
import { SANCTION_IN_FORCE, type ModerationCase, type Room, type SanctionKind, type Store, type User } from '../../store/types';
import { recordAudit, type Actor } from '../audit/record';
import { LABELS, type Label } from './model/labels';
import { messageContext } from './screen';

export interface JudgedLine {
  text: string;
  labels: Label[];
  /** The campus schema's language; unknown here (the model does not read it). */
  lang: 'unknown';
  context?: string;
  sender_role?: string;
  /** How the labels were decided (a benign line with a note weighs as a hard negative in training). */
  note: string;
}

// What identifies a person or an account elsewhere. Links: with a scheme or www., or a bare domain
// with a common ending (`wa.me/…`, `t.me/…`, `instagram.com/…`), the usual way to move a chat to
// another app. Phones: Nigerian mobiles (0803…, +234 803…, +234 (0) 803…, 803…, written whole or
// in groups of three or more digits with spaces, dots, dashes or brackets: see replacePhones).
// Numbers: 7+ digits in a row (matriculation numbers) unless a naira price (N/₦ before it);
// registration numbers like CSC/2019/123 or 19/52HA123.
const LINK = /\b(?:https?:\/\/|www\.)\S*[^\s.,;:!?)\]'"]|(?<![@\w.-])(?:[a-z0-9-]+\.)+(?:com|ng|org|net|me|ly|io|co|edu|gov|app|link|gg|tv|info|xyz|to)\b(?:\/\S*[^\s.,;:!?)\]'"])?/gi;
const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
/** An address spelt out to dodge filters: `ada [at] gmail [dot] com`, `ada(at)gmail(dot)com`. */
const EMAIL_SPELT = /[\p{L}\p{N}._%+-]+\s*[[(]\s*at\s*[\])]\s*[\p{L}\p{N}-]+(?:\s*[[(]\s*dot\s*[\])]\s*[\p{L}\p{N}-]+)+/giu;
/** The same without brackets, ending in a mail domain (`ada at gmail dot com`): "meet at noon" stays. */
const EMAIL_WORDS = /[\p{L}\p{N}._%+-]+\s+at\s+[\p{L}\p{N}-]+(?:\s+dot\s+[\p{L}\p{N}-]+)*\s+dot\s+(?:com|ng|org|net|edu|co|uk|io|me)\b/giu;
/** Any domain with a path, whatever its ending (`linktr.ee/ada`, `snap.chat/ada`). */
const DOMAIN_PATH = /(?<![@\w.-])(?:[a-z0-9-]+\.)+[a-z]{2,}\/\S*[^\s.,;:!?)\]'"]/gi;
const HANDLE = /(^|[^\w@.])@[a-z0-9][a-z0-9._-]{0,63}/gi;
// Between two digits of a phone number: nothing, a space or two, or a dot or dash (spaces around it).
const SEP = String.raw`(?:[ \t]?[.-][ \t]?|[ \t]{1,2})?`;
// A country code (+234, 234, (+234)) with or without the trunk 0 (`0`, `(0)`), or the trunk 0 alone,
// or neither; then the ten digits of a mobile (70x, 80x, 81x, 90x, 91x…), the first three may be in
// brackets. Not inside a word or right after a naira sign (N8031234567, ₦9012345678 are prices).
const PHONE = new RegExp(
  String.raw`(?<![\w₦+])(?:\(?\+?234\)?${SEP}(?:\(0\)${SEP}|0${SEP})?|\(?0${SEP})?\(?[789]${SEP}[01]${SEP}\d\)?(?:${SEP}\d){7}(?!\d)`,
  'g',
);

/**
 * Replaces Nigerian mobile numbers however they are written. With a leading 0 or +234, in any
 * grouping (0803 123 4567, 0 803 123 4567, 0803 1 2 3 4 5 6 7, +234 (0) 803 123 4567): the count of
 * digits after a mobile prefix is the evidence. The ten digits alone (803 123 4567) in groups of
 * three or more, so that a list of small numbers ("marks 70 15 80 90 65") is not a phone, or digit
 * by digit (8 0 3 1 2 3 4 5 6 7: ten single digits that start like a mobile are no list of marks
 * anyone writes). A match that is not one is skipped by one character, so a phone number starting
 * inside it is still found.
 */
function replacePhones(text: string): string {
  let out = '';
  let from = 0;
  PHONE.lastIndex = 0;
  for (let m = PHONE.exec(text); m; m = PHONE.exec(text)) {
    const groups = m[0].match(/\d+/g)!;
    const prefixed = /^\(?(?:\+?234|0)/.test(m[0]);
    const rest = groups[0] === '234' && /^\(?\+?234/.test(m[0]) ? groups.slice(1) : groups;
    const subscriber = rest[0] === '0' ? rest.slice(1) : rest;
    if (prefixed || subscriber.every((g) => g.length >= 3) || subscriber.every((g) => g.length === 1)) {
      out += text.slice(from, m.index) + '0800 000 0000';
      from = PHONE.lastIndex;
    } else PHONE.lastIndex = m.index + 1;
  }
  return out + text.slice(from);
}
const REG_NO = /\b(?:[A-Z]{2,5}\/\d{2,4}\/\d{2,6}|\d{2}\/\d{2}[A-Z]{2,3}\d{2,4})\b/gi;
const LONG_NUMBER = /(?<![N₦\d])\d{7,}/g;

/** Replaces what identifies a person without changing what the message does. */
export function scrub(text: string): string {
  return replacePhones(
    text
      .replace(EMAIL, 'someone@example.com')
      .replace(EMAIL_SPELT, 'someone@example.com')
      .replace(EMAIL_WORDS, 'someone@example.com')
      .replace(LINK, 'https://example.com')
      .replace(DOMAIN_PATH, 'https://example.com')
      .replace(HANDLE, '$1@someone'),
  )
    .replace(REG_NO, 'ABC/2020/000')
    .replace(LONG_NUMBER, '0000000');
}

const NOTE = {
  overturned: 'an action on it was overturned on appeal',
  judged: 'labels judged by a safeguarding officer',
  upheld: 'upheld by a safeguarding officer (labels as flagged)',
};

function labelsOf(c: ModerationCase, overturned: boolean): { labels: Label[]; note: string } | null {
  if (overturned) return { labels: [], note: NOTE.overturned };
  if (c.judgedLabels) {
    const labels = LABELS.filter((l) => c.judgedLabels!.includes(l));
    // upheld means a rule was broken: an upheld case judged harmless is a contradiction, not data
    return c.decision === 'uphold' && !labels.length ? null : { labels, note: NOTE.judged };
  }
  if (c.decision === 'release') return null;
  const flagged = LABELS.filter((l) => c.labels.includes(l));
  return flagged.length ? { labels: flagged, note: NOTE.upheld } : null;
}

/** Actions that judge the message itself (an upheld removal hides it; a block cites it as the reason). */
const ON_THE_MESSAGE: SanctionKind[] = ['removal', 'block'];

export const MAX_EXPORT = 100_000;

/** Cases cited by an overturned removal or block that no removal or block in force still cites. */
async function overturnedCases(store: Store): Promise<Set<string>> {
  const [overturned, inForce] = await Promise.all([
    store.sanctions.list({ status: ['overturned'], kind: ON_THE_MESSAGE, limit: MAX_EXPORT }),
    store.sanctions.list({ status: [...SANCTION_IN_FORCE], kind: ON_THE_MESSAGE, limit: MAX_EXPORT }),
  ]);
  const cited = new Set(inForce.flatMap((s) => s.caseIds));
  return new Set(overturned.flatMap((s) => s.caseIds).filter((id) => !cited.has(id)));
}

/**
 * The decided cases opened since `since` (ms) as training lines, newest decision first, one line per
 * distinct text (the newest decision wins: a resend or an unchanged edit is one example). `write`
 * stores them; then the export is audited as 'moderation.export' with `details` (e.g. the file).
 */
export async function exportJudged(
  store: Store,
  actor: Actor,
  write: (lines: JudgedLine[]) => void | Promise<void>,
  opts: { since?: number; details?: Record<string, unknown> } = {},
): Promise<JudgedLine[]> {
  const cases = (await store.cases.list({ status: 'decided', since: opts.since, limit: MAX_EXPORT })).sort((a, b) => (b.decidedAt ?? 0) - (a.decidedAt ?? 0));
  const overturned = await overturnedCases(store);
  const rooms = new Map<string, Room | null>();
  const users = new Map<string, User | null>();
  const seen = new Set<string>();
  const out: JudgedLine[] = [];
  for (const c of cases) {
    // A reported file was judged by its content; its case's text is only its name.
    if (c.modelVersion === REPORTED_FILE) continue;
    const judged = labelsOf(c, overturned.has(c.id));
    const text = scrub(c.text).trim();
    if (!judged || !text || seen.has(text)) continue;
    // a sender who deleted their message wanted it gone: it is not kept as data either
    if ((await store.messages.byId(c.roomId, c.messageId))?.deletedAt) continue;
    seen.add(text);
    if (!rooms.has(c.roomId)) rooms.set(c.roomId, await store.rooms.byId(c.roomId));
    if (!users.has(c.senderId)) users.set(c.senderId, await store.users.byId(c.senderId));
    const room = rooms.get(c.roomId);
    const sender = users.get(c.senderId);
    // both facts or neither: the model scores a message with half a context on its text alone
    const ctx = room && sender ? messageContext(room, sender) : null;
    out.push({ text, labels: judged.labels, lang: 'unknown', ...(ctx ? { context: ctx.context, sender_role: ctx.senderRole } : {}), note: judged.note });
  }
  await write(out);
  await recordAudit(store, actor, 'moderation.export', null, { ...opts.details, lines: out.length, cases: cases.length, since: opts.since ?? null });
  return out;
}
