/**
 * Officers' decisions as training data: every decided case becomes one line in the campus data
 * schema, the input of `bun run train:moderation --extra FILE`, so that the next model learns from
 * the university's own messages (docs/moderation-model.md, "Retraining on your officers' decisions").
 * Released everyday messages are exactly the model's false positives; upheld ones its true positives.
 *
 * A line's labels are the last human word on the message:
 * - an action citing the case was overturned on appeal → [] (a second reviewer judged that the
 *   message broke no rule, and it was delivered);
 * - else the labels the deciding officer judged (ModerationCase.judgedLabels, [] = harmless);
 * - else (decided by a block, or before officers were asked): released → []; upheld → the
 *   message labels the model flagged; an upheld case with none (a conversation-level grooming-risk
 *   hold only) says nothing about the message's own labels and is left out.
 *
 * Privacy: officers have read these texts already; the export keeps only the text as flagged, the
 * room type and the sender's role (what the model reads), no names, ids, rooms or dates. E-mail
 * addresses, links, @handles and long numbers (phones, matriculation numbers) are replaced. Other
 * names in a text are not: the file is confidential. Every export is audited.
 */
import type { ModerationCase, Store } from '../../store/types';
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

/** Replaces what identifies a person without changing what the message does. */
export function scrub(text: string): string {
  return text
    .replace(/\b(?:https?:\/\/|www\.)\S+/gi, 'https://example.com')
    .replace(/[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu, 'someone@example.com')
    .replace(/(^|[^\w@.])@[a-z0-9][a-z0-9._-]{0,63}/gi, '$1@someone')
    .replace(/\+?\d(?:[ -]?\d){6,}/g, '0000000');
}

const NOTE = {
  overturned: 'an action on it was overturned on appeal',
  judged: 'labels judged by a safeguarding officer',
  released: 'released by a safeguarding officer',
  upheld: 'upheld by a safeguarding officer (labels as flagged)',
};

function labelsOf(c: ModerationCase, overturned: boolean): { labels: Label[]; note: string } | null {
  if (overturned) return { labels: [], note: NOTE.overturned };
  if (c.judgedLabels) return { labels: LABELS.filter((l) => c.judgedLabels!.includes(l)), note: NOTE.judged };
  if (c.decision === 'release') return { labels: [], note: NOTE.released };
  const flagged = LABELS.filter((l) => c.labels.includes(l));
  return flagged.length ? { labels: flagged, note: NOTE.upheld } : null;
}

export const MAX_EXPORT = 100_000;

/**
 * The decided cases opened since `since` (ms) as training lines, newest case first, one line per
 * distinct text (the newest decision wins: a resend or an unchanged edit is one example). Audited
 * as 'moderation.export' with the count.
 */
export async function exportJudged(store: Store, actor: Actor, opts: { since?: number } = {}): Promise<JudgedLine[]> {
  const cases = await store.cases.list({ status: 'decided', since: opts.since, limit: MAX_EXPORT });
  const overturned = new Set((await store.sanctions.list({ status: ['overturned'], limit: MAX_EXPORT })).flatMap((s) => s.caseIds));
  const rooms = new Map<string, Awaited<ReturnType<Store['rooms']['byId']>>>();
  const users = new Map<string, Awaited<ReturnType<Store['users']['byId']>>>();
  const seen = new Set<string>();
  const out: JudgedLine[] = [];
  for (const c of cases) {
    const judged = labelsOf(c, overturned.has(c.id));
    const text = scrub(c.text).trim();
    if (!judged || !text || seen.has(text)) continue;
    seen.add(text);
    if (!rooms.has(c.roomId)) rooms.set(c.roomId, await store.rooms.byId(c.roomId));
    if (!users.has(c.senderId)) users.set(c.senderId, await store.users.byId(c.senderId));
    const room = rooms.get(c.roomId);
    const sender = users.get(c.senderId);
    // both facts or neither: the model scores a message with half a context on its text alone
    const ctx = room && sender ? messageContext(room, sender) : null;
    out.push({ text, labels: judged.labels, lang: 'unknown', ...(ctx ? { context: ctx.context, sender_role: ctx.senderRole } : {}), note: judged.note });
  }
  await recordAudit(store, actor, 'moderation.export', null, { lines: out.length, cases: cases.length, since: opts.since ?? null });
  return out;
}
