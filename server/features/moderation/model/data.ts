/**
 * Readers for the moderation data files: the campus schema (messages and conversations, also the
 * input of `moderation eval`) and the two public sets used as extra training data (EDOS, OpenAI
 * moderation samples), mapped onto our labels. Errors name the file and the 1-based line.
 */
import { parseCsv } from '../../../lib/csv';
import type { MessageContext } from './features';
import { LABELS, isLabel, type Label } from './labels';

export class DataError extends Error {
  override name = 'DataError';
}

export interface MessageItem {
  text: string;
  labels: Label[];
  lang: string;
  /** Free-text note (campus set); benign items with a note are the hard negatives. */
  note: string;
  /** `context` and `sender_role` of the line, when present. */
  ctx: MessageContext;
  line: number;
}

export interface Participant {
  speaker: string;
  role: string;
  age?: number;
  minor: boolean;
}

export interface ConversationTurn {
  turn: number;
  speaker: string;
  text: string;
  labels: Label[];
  /** The conversation's `context` and the turn's `sender_role` (else the speaker's role), when present. */
  ctx: MessageContext;
}

export interface ConversationItem {
  id: string;
  groomingRisk: boolean;
  lang: string;
  participants: Participant[];
  turns: ConversationTurn[];
  line: number;
}

function jsonLines(text: string, file: string): { line: number; value: Record<string, unknown> }[] {
  const out: { line: number; value: Record<string, unknown> }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (!raw) continue;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      throw new DataError(`${file}:${i + 1}: malformed JSON`);
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new DataError(`${file}:${i + 1}: expected a JSON object`);
    out.push({ line: i + 1, value: v as Record<string, unknown> });
  }
  return out;
}

function labelsOf(v: unknown, where: string): Label[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new DataError(`${where}: "labels" must be an array`);
  for (const l of v) if (!isLabel(l)) throw new DataError(`${where}: unknown label ${JSON.stringify(l)} (allowed: ${LABELS.join(', ')})`);
  return LABELS.filter((l) => v.includes(l));
}

/**
 * Optional context fields: strings are kept in lower case (`DM` is `dm`; unknown values are ignored
 * by the features), anything else dropped.
 */
function contextOf(context: unknown, role: unknown): MessageContext {
  const ctx: MessageContext = {};
  if (typeof context === 'string' && context) ctx.context = context.toLowerCase();
  if (typeof role === 'string' && role) ctx.senderRole = role.toLowerCase();
  return ctx;
}

/** Messages in the campus schema: `text` (required), `labels` (default []), `lang` (default "unknown"), `note`, `context`, `sender_role`. */
export function parseMessages(text: string, file: string): MessageItem[] {
  return jsonLines(text, file).map(({ line, value }) => {
    const where = `${file}:${line}`;
    if (typeof value.text !== 'string') throw new DataError(`${where}: "text" must be a string`);
    return {
      text: value.text,
      labels: labelsOf(value.labels, where),
      lang: typeof value.lang === 'string' && value.lang ? value.lang : 'unknown',
      note: typeof value.note === 'string' ? value.note : '',
      ctx: contextOf(value.context, value.sender_role),
      line,
    };
  });
}

/** Conversations in the campus schema: `participants`, `turns`, `grooming_risk`. */
export function parseConversations(text: string, file: string): ConversationItem[] {
  return jsonLines(text, file).map(({ line, value }) => {
    const where = `${file}:${line}`;
    if (!Array.isArray(value.participants) || !Array.isArray(value.turns)) throw new DataError(`${where}: "participants" and "turns" must be arrays`);
    if (typeof value.grooming_risk !== 'boolean') throw new DataError(`${where}: "grooming_risk" must be true or false`);
    const participants = value.participants.map((p: unknown): Participant => {
      const o = (p ?? {}) as Record<string, unknown>;
      if (typeof o.speaker !== 'string') throw new DataError(`${where}: every participant needs a "speaker"`);
      const age = typeof o.age === 'number' ? o.age : undefined;
      const minor = typeof o.minor === 'boolean' ? o.minor : age !== undefined && age < 18;
      return { speaker: o.speaker, role: typeof o.role === 'string' ? o.role : 'unknown', age, minor };
    });
    const turns = value.turns.map((t: unknown, i: number): ConversationTurn => {
      const o = (t ?? {}) as Record<string, unknown>;
      if (typeof o.speaker !== 'string' || typeof o.text !== 'string') throw new DataError(`${where}: turn ${i + 1} needs "speaker" and "text"`);
      const role = o.sender_role ?? participants.find((p) => p.speaker === o.speaker)?.role;
      return { turn: typeof o.turn === 'number' ? o.turn : i + 1, speaker: o.speaker, text: o.text, labels: labelsOf(o.labels, `${where} turn ${i + 1}`), ctx: contextOf(value.context, role) };
    });
    return {
      id: typeof value.id === 'string' ? value.id : `line-${line}`,
      groomingRisk: value.grooming_risk,
      lang: typeof value.lang === 'string' ? value.lang : 'unknown',
      participants,
      turns,
      line,
    };
  });
}

/** A training example from a public set: targets plus which labels the source can speak for. */
export interface ExternalExample {
  text: string;
  y: number[];
  known: number[];
  source: string;
}

const vec = (labels: Partial<Record<Label, number>>) => LABELS.map((l) => labels[l] ?? 0);
const knownVec = (labels: readonly Label[]) => LABELS.map((l) => (labels.includes(l) ? 1 : 0));

/**
 * EDOS (sexism in Reddit/Gab posts). Mapping, decided on dev:
 * - `2.3 dehumanising attacks & overt sexual objectification` → sexual_harassment;
 * - `1.1 threats of harm` → threat;
 * - other sexist categories (descriptive/aggressive attacks, slurs, stereotypes, prejudice) → other_toxic;
 * - not sexist → negative for sexual_harassment only (the post may still be toxic, threatening or crude,
 *   so other labels stay unknown).
 * sexual_solicitation, explicit and grooming_signal are always unknown.
 */
export function parseEdos(text: string, file: string): ExternalExample[] {
  const rows = parseCsv(text);
  const head = rows[0]?.fields ?? [];
  const col = (name: string) => {
    const i = head.indexOf(name);
    if (i < 0) throw new DataError(`${file}: missing column ${name}`);
    return i;
  };
  const ti = col('text');
  const vi = col('label_vector');
  const si = col('label_sexist');
  return rows.slice(1).map((r) => {
    const t = r.fields[ti] ?? '';
    const v = r.fields[vi] ?? '';
    if (r.fields[si] !== 'sexist') return { text: t, y: vec({}), known: knownVec(['sexual_harassment']), source: 'edos' };
    if (v.startsWith('2.3')) return { text: t, y: vec({ sexual_harassment: 1 }), known: knownVec(['sexual_harassment']), source: 'edos' };
    if (v.startsWith('1.1')) return { text: t, y: vec({ threat: 1 }), known: knownVec(['threat']), source: 'edos' };
    return { text: t, y: vec({ other_toxic: 1 }), known: knownVec(['other_toxic', 'sexual_harassment']), source: 'edos' };
  });
}

/**
 * OpenAI moderation samples. Mapping: S (sexual) → explicit; H, H2, HR (hate, harassment) →
 * other_toxic; V, V2 (violence) → threat. A label is known only where the source field is present
 * (0 or 1). S3, SH and the other labels are not used (S3 is sexual content about minors, not the
 * grooming tactics we label; SH is self-harm, out of scope).
 */
export function parseOpenAi(text: string, file: string): ExternalExample[] {
  return jsonLines(text, file).map(({ line, value }) => {
    if (typeof value.prompt !== 'string') throw new DataError(`${file}:${line}: "prompt" must be a string`);
    const y: Partial<Record<Label, number>> = {};
    const known: Label[] = [];
    const field = (k: string) => (value[k] === 0 || value[k] === 1 ? (value[k] as number) : undefined);
    const any = (...ks: string[]) => {
      const vs = ks.map(field).filter((x) => x !== undefined);
      return vs.length ? Math.max(...vs) : undefined;
    };
    const map: [Label, number | undefined][] = [
      ['explicit', field('S')],
      ['other_toxic', any('H', 'H2', 'HR')],
      ['threat', any('V', 'V2')],
    ];
    for (const [l, v] of map) {
      if (v === undefined) continue;
      known.push(l);
      y[l] = v;
    }
    return { text: value.prompt, y: vec(y), known: knownVec(known), source: 'openai' };
  });
}
