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

/**
 * What a lenient read (`moderation eval`) met and let pass, for the caller to warn about. Training
 * reads strictly (no notes): its data must not lose a label, or a fact, without stopping.
 */
export interface ReadNotes {
  /** Label names outside LABELS (non-strings as JSON), with the number of lines carrying each: ignored. */
  unknownLabels: Map<string, number>;
  /** Lines left out: every label they carry is unknown, so they are neither benign nor scoreable. */
  leftOut: number[];
  /** Conversations whose account facts could not all be read (the facts then take their defaults). */
  facts: { line: number; problems: string[] }[];
}

export const readNotes = (): ReadNotes => ({ unknownLabels: new Map(), leftOut: [], facts: [] });

/** `null` is missing (benign); with notes, an unknown name is counted and ignored, else an error. */
function labelsOf(v: unknown, where: string, notes?: ReadNotes): { labels: Label[]; onlyUnknown: boolean } {
  if (v === undefined || v === null) return { labels: [], onlyUnknown: false };
  if (!Array.isArray(v)) throw new DataError(`${where}: "labels" must be an array`);
  const unknown = new Set<string>();
  for (const l of v) {
    if (isLabel(l)) continue;
    if (!notes) throw new DataError(`${where}: unknown label ${JSON.stringify(l)} (allowed: ${LABELS.join(', ')})`);
    unknown.add(typeof l === 'string' ? l : JSON.stringify(l));
  }
  for (const name of unknown) notes!.unknownLabels.set(name, (notes!.unknownLabels.get(name) ?? 0) + 1);
  const labels = LABELS.filter((l) => v.includes(l));
  return { labels, onlyUnknown: unknown.size > 0 && labels.length === 0 };
}

/** Trimmed and in lower case (` EN` is `en`); missing or blank is "unknown". */
const langOf = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().toLowerCase() : 'unknown');

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

/**
 * Messages in the campus schema: `text` (required), `labels` (default []), `lang` (default "unknown"), `note`, `context`, `sender_role`.
 * With `notes` (lenient): unknown labels are ignored, and a line whose labels are all unknown is left out.
 */
export function parseMessages(text: string, file: string, notes?: ReadNotes): MessageItem[] {
  const out: MessageItem[] = [];
  for (const { line, value } of jsonLines(text, file)) {
    const where = `${file}:${line}`;
    if (typeof value.text !== 'string') throw new DataError(`${where}: "text" must be a string`);
    const { labels, onlyUnknown } = labelsOf(value.labels, where, notes);
    if (onlyUnknown) {
      notes!.leftOut.push(line);
      continue;
    }
    out.push({
      text: value.text,
      labels,
      lang: langOf(value.lang),
      note: typeof value.note === 'string' ? value.note : '',
      ctx: contextOf(value.context, value.sender_role),
      line,
    });
  }
  return out;
}

/**
 * Conversations in the campus schema: `participants`, `turns`, `grooming_risk`. With `notes`
 * (lenient): the turns' labels are not read (the evaluation does not use them), and what keeps the
 * account facts from being read is noted per line (see factsProblems).
 */
export function parseConversations(text: string, file: string, notes?: ReadNotes): ConversationItem[] {
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
      const labels = notes ? [] : labelsOf(o.labels, `${where} turn ${i + 1}`).labels;
      return { turn: typeof o.turn === 'number' ? o.turn : i + 1, speaker: o.speaker, text: o.text, labels, ctx: contextOf(value.context, role) };
    });
    if (notes) {
      const problems = factsProblems(value.participants as unknown[], turns);
      if (problems.length) notes.facts.push({ line, problems });
    }
    return {
      id: typeof value.id === 'string' ? value.id : `line-${line}`,
      groomingRisk: value.grooming_risk,
      lang: langOf(value.lang),
      participants,
      turns,
      line,
    };
  });
}

/**
 * Why the account facts of a conversation (evaluate.ts factsFromParticipants: recipient a minor,
 * sender an adult) cannot all be read: a participant without a usable `minor` (true/false) or `age`
 * (a number) is taken as no minor, and a turn whose speaker is no participant has no facts at all.
 */
function factsProblems(raw: readonly unknown[], turns: readonly ConversationTurn[]): string[] {
  const problems: string[] = [];
  for (const p of raw) {
    const o = p as Record<string, unknown>;
    const name = JSON.stringify(o.speaker);
    const minor = typeof o.minor === 'boolean';
    const age = typeof o.age === 'number';
    if (!minor && !age) problems.push(`participant ${name} has no "minor" (true or false) or "age" (a number): taken as not a minor`);
    else if (o.minor !== undefined && !minor) problems.push(`participant ${name}'s "minor" is not true or false: taken from "age"`);
    else if (o.age !== undefined && !age) problems.push(`participant ${name}'s "age" is not a number`);
  }
  const speakers = new Set(raw.map((p) => (p as Record<string, unknown>).speaker));
  const strangers = [...new Set(turns.filter((t) => !speakers.has(t.speaker)).map((t) => JSON.stringify(t.speaker)))];
  if (strangers.length) problems.push(`turns by ${strangers.join(', ')}, who ${strangers.length > 1 ? 'are' : 'is'} not among the participants (no facts)`);
  return problems;
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
