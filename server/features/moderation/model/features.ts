/**
 * Hashed features for the moderation model, in four groups: words (unigrams, bigrams, squeezed
 * words, the tone-mark view, emoji, an "obfuscation undone" flag), character n-grams of the normalised
 * text, cue categories (cues.ts) and speech-act categories (speech.ts) with their pairs, and the
 * message's context (room type and sender role, from the store; MessageContext). Values are sublinear tf × IDF, each group
 * scaled to a fixed L2 norm. Character n-gram strings are never built: the hash is rolled over the
 * UTF-16 code units. A 1,000-character message takes about 0.2 ms in all (normalisation included).
 */
import { CUE_CATEGORIES, cueCategories } from './cues';
import { normalise, prepareVocabulary, squeeze, type Vocabulary } from './normalise';
import { actCategories } from './speech';

export interface FeatureConfig {
  /** log2 of the number of hash buckets. */
  hashBits: number;
  /** Character n-gram lengths (inclusive). */
  charMin: number;
  charMax: number;
  /** Word bigrams on or off. */
  bigrams: boolean;
  /** Unordered word pairs up to this distance apart (0: off), e.g. "come … alone". */
  skip: number;
  /** L2 norm of the word group and of the char group. */
  wordWeight: number;
  charWeight: number;
  /** L2 norm of the cue group (categories from cues.ts and their pairs); 0: off. */
  cueWeight: number;
  /** Speech-act categories (speech.ts) join the cue group, and pair with the cue categories; absent: off. */
  acts?: boolean;
  /** L2 norm of the context group (room type and sender role, see MessageContext); absent or 0: off. */
  contextWeight?: number;
  /**
   * The words of the training texts and of the cue and speech-act phrases, which stretched words
   * (`gooood` → `good`, `seeeend` → `send`) and letters spelt out with `/ | + ~ ^ •` are matched
   * against (normalise.ts). Absent: runs capped at two, only normalise.ts's own words known (recipe < 1.3.1).
   */
  vocabulary?: string[];
  /**
   * With a vocabulary: words run together (`sendnudes`) are cut into vocabulary words, except these
   * (real words that would be cut: `button`, `assume`; normalise.ts wordsToKeepWhole). Absent: not cut (recipe < 1.4.0).
   */
  wholeWords?: string[];
}

const prepared = new WeakMap<string[], Map<string[] | undefined, Vocabulary>>();
/**
 * The config's vocabulary (with its words kept whole) prepared for normalise, made once per pair of
 * lists (the scoring path calls this per message).
 */
function vocabularyFor(cfg: FeatureConfig): Vocabulary | undefined {
  if (!cfg.vocabulary) return undefined;
  let byWhole = prepared.get(cfg.vocabulary);
  if (!byWhole) prepared.set(cfg.vocabulary, (byWhole = new Map()));
  let v = byWhole.get(cfg.wholeWords);
  if (!v) byWhole.set(cfg.wholeWords, (v = prepareVocabulary(cfg.vocabulary, cfg.wholeWords)));
  return v;
}

/** Kinds of conversation and sender roles the model knows (the campus data's `context` and `sender_role`). */
export const CONTEXTS = ['dm', 'room'] as const;
export const SENDER_ROLES = ['student', 'lecturer', 'staff', 'unknown'] as const;

/**
 * Facts about where a message is sent and by whom, from the store (never from the text): `dm` for a
 * conversation its sender chose (a direct message; in the app also a group, see screen.ts), `room` for
 * a course room; the sender's role. Without both (or with unknown values) the message is scored on its
 * text alone; the model is trained for that too.
 */
export interface MessageContext {
  context?: string;
  senderRole?: string;
}

/**
 * The context group's feature names: the room type, the role, and the two together. Both must be
 * known values, else there are none (the message is scored on its text alone): training only ever
 * sees both, so half a context would be an input the model never learnt.
 * (Like every hashed feature these may share a bucket with some text feature; training and scoring
 * agree on it, as for any other collision.)
 */
export function contextNames(ctx: MessageContext | undefined): string[] {
  const c = ctx?.context;
  const r = ctx?.senderRole;
  if (!c || !r || !(CONTEXTS as readonly string[]).includes(c) || !(SENDER_ROLES as readonly string[]).includes(r)) return [];
  return ['c:' + c, 'r:' + r, 'x:' + c + '|' + r];
}

/**
 * Sparse feature vector: bucket indices and values (unique within a group; the same bucket may appear
 * in two groups). Entries from `ctxFrom` on are the context group (always last): the heads that do
 * not use context (ModelHeader.contextColumns) stop there.
 */
export interface Features {
  idx: Int32Array;
  val: Float32Array;
  n: number;
  ctxFrom: number;
  /** Tokens of the normalised text (words, emoji): how much the message says (see ModelHeader.holdGate). */
  tokens: number;
  /** The cue categories present (cues.ts). */
  cues: readonly string[];
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 16777619;

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 32-bit hash of a string in a namespace (one character, e.g. 'w' for words). */
export function hashString(ns: string, s: string): number {
  let h = FNV_OFFSET ^ ns.charCodeAt(0);
  h = Math.imul(h, FNV_PRIME);
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return fmix(h);
}

/** Reusable output buffers (scoring is synchronous, so one set per process is enough). */
class Buf {
  idx = new Int32Array(4096);
  val = new Float32Array(4096);
  n = 0;
  push(i: number) {
    if (this.n === this.idx.length) {
      const idx = new Int32Array(this.n * 2);
      idx.set(this.idx);
      this.idx = idx;
      const val = new Float32Array(this.n * 2);
      val.set(this.val);
      this.val = val;
    }
    this.idx[this.n++] = i;
  }
}
const shared = new Buf();

/** Sorts `idx[from..to)` and merges repeats: returns the new end; `val` gets the counts. */
function merge(b: Buf, from: number, to: number): number {
  if (to - from > 1) b.idx.subarray(from, to).sort();
  let w = from;
  for (let r = from; r < to; ) {
    const v = b.idx[r]!;
    let c = 0;
    while (r < to && b.idx[r] === v) (c++, r++);
    b.idx[w] = v;
    b.val[w] = c;
    w++;
  }
  return w;
}

/** Sublinear term frequency × IDF, scaled so the group has L2 norm `weight`. */
function weigh(b: Buf, from: number, to: number, weight: number, idf: Float32Array | undefined) {
  let ss = 0;
  for (let i = from; i < to; i++) {
    const c = b.val[i]!;
    const v = (c === 1 ? 1 : 1 + Math.log(c)) * (idf ? idf[b.idx[i]!]! : 1);
    b.val[i] = v;
    ss += v * v;
  }
  const k = ss > 0 ? weight / Math.sqrt(ss) : 0;
  for (let i = from; i < to; i++) b.val[i] = b.val[i]! * k;
}

/**
 * Features of one message: unique buckets with tf-idf values. `idf` is per bucket (1 when absent).
 * With `copy` false the result views shared buffers that the next call overwrites (the scoring path).
 */
export function extract(text: string, cfg: FeatureConfig, idf?: Float32Array, copy = true, ctx?: MessageContext): Features {
  const mask = (1 << cfg.hashBits) - 1;
  const b = shared;
  b.n = 0;
  const norm = normalise(text, vocabularyFor(cfg));
  const toks = norm.tokens;

  // word group
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    b.push(hashString('w', t) & mask);
    const sq = squeeze(t);
    if (sq !== t) b.push(hashString('s', sq) & mask);
    if (cfg.bigrams && i + 1 < toks.length) b.push(hashString('b', t + ' ' + toks[i + 1]) & mask);
    for (let j = i + 2; j <= i + cfg.skip && j < toks.length; j++) {
      const u = toks[j]!;
      b.push(hashString('p', t < u ? t + ' ' + u : u + ' ' + t) & mask);
    }
  }
  for (const m of norm.marked) b.push(hashString('d', m) & mask);
  if (norm.obfuscated) b.push(hashString('f', 'obfuscated') & mask);
  const wordEnd = b.n;

  // char group: n-grams of " text "
  const s = ' ' + norm.text + ' ';
  const L = s.length;
  for (let i = 0; i < L; i++) {
    let h = FNV_OFFSET ^ 0x63; // 'c'
    h = Math.imul(h, FNV_PRIME);
    for (let k = 0; k < cfg.charMax && i + k < L; k++) {
      h ^= s.charCodeAt(i + k);
      h = Math.imul(h, FNV_PRIME);
      if (k + 1 >= cfg.charMin) {
        if (k === 0 && s.charCodeAt(i) === 32) continue;
        b.push(fmix(h ^ (k + 1)) & mask);
      }
    }
  }
  const charEnd = b.n;

  // cue group: categories and pairs of categories
  const cues = cueCategories(toks).map((c) => CUE_CATEGORIES[c]!);
  if (cfg.cueWeight > 0) {
    const names = [...cues];
    if (cfg.acts) names.push(...actCategories(text, toks));
    for (let i = 0; i < names.length; i++) {
      b.push(hashString('k', names[i]!) & mask);
      for (let j = i + 1; j < names.length; j++) b.push(hashString('q', names[i]! + '|' + names[j]!) & mask);
    }
  }
  const cueEnd = b.n;

  // context group: a few fixed names (no IDF: they are not words of the text)
  if (cfg.contextWeight) for (const n of contextNames(ctx)) b.push(hashString('m', n) & mask);
  const ctxEnd = b.n;

  // merge each group in place (groups are moved down as earlier ones shrink), then weigh it
  let out = 0;
  let ctxFrom = -1;
  const groups: [number, number, number, boolean][] = [
    [0, wordEnd, cfg.wordWeight, true],
    [wordEnd, charEnd, cfg.charWeight, true],
    [charEnd, cueEnd, cfg.cueWeight, true],
    [cueEnd, ctxEnd, cfg.contextWeight ?? 0, false],
  ];
  for (const [from, to, weight, useIdf] of groups) {
    if (!useIdf) ctxFrom = out;
    if (to === from) continue;
    if (out !== from) b.idx.copyWithin(out, from, to);
    const end = merge(b, out, out + (to - from));
    weigh(b, out, end, weight, useIdf ? idf : undefined);
    out = end;
  }
  b.n = out;
  if (!copy) return { idx: b.idx, val: b.val, n: b.n, ctxFrom, tokens: toks.length, cues };
  return { idx: b.idx.slice(0, b.n), val: b.val.slice(0, b.n), n: b.n, ctxFrom, tokens: toks.length, cues };
}

/** IDF values are stored as one byte per bucket: 0 = bucket never seen in training (feature dropped). */
export const IDF_LEVELS = 255;

/** Decodes stored IDF bytes: code c > 0 → 1 + (c − 1) / (IDF_LEVELS − 1) × (idfMax − 1). */
export function decodeIdf(codes: Uint8Array, idfMax: number): Float32Array {
  const table = new Float32Array(256);
  for (let c = 1; c <= IDF_LEVELS; c++) table[c] = 1 + ((c - 1) / (IDF_LEVELS - 1)) * (idfMax - 1);
  return Float32Array.from(codes, (c) => table[c]!);
}

/**
 * Smoothed IDF per bucket from training texts, ln((1 + n) / (1 + df)) + 1, quantised to one byte
 * (training uses the quantised values, so scoring sees exactly what training saw). Buckets that never
 * occur get code 0: at scoring time such features are dropped, as a vocabulary-based vectoriser would.
 */
export function computeIdf(texts: readonly string[], cfg: FeatureConfig): { codes: Uint8Array; idfMax: number } {
  const df = new Float64Array(1 << cfg.hashBits);
  for (const t of texts) {
    const f = extract(t, cfg, undefined, false);
    for (let i = 0; i < f.n; i++) df[f.idx[i]!] = df[f.idx[i]!]! + 1;
  }
  const n = texts.length;
  const idfMax = Math.log(1 + n) + 1;
  const codes = Uint8Array.from(df, (d) => (d === 0 ? 0 : 1 + Math.round(((Math.log((1 + n) / (1 + d)) + 1 - 1) / (idfMax - 1)) * (IDF_LEVELS - 1))));
  return { codes, idfMax };
}
