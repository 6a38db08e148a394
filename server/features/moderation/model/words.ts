/**
 * The moderation model's vocabulary (the words of its training texts, FeatureConfig.vocabulary) and
 * what normalise.ts does with it: stretched words back to a word the model knows (`seeeend` →
 * `send`) and words run together cut into words it knows (`sendnudes` → `send nudes`). Pure.
 */
import { groupBy } from '../../../lib/group-by';

const hasRun3 = (w: string) => {
  for (let i = 2; i < w.length; i++) if (w.charCodeAt(i) === w.charCodeAt(i - 1) && w.charCodeAt(i) === w.charCodeAt(i - 2)) return true;
  return false;
};
/** Runs of three or more identical characters are cut to two. */
export function capRuns(w: string): string {
  return hasRun3(w) ? w.replace(/(.)\1{2,}/gu, '$1$1') : w;
}

/** The model's vocabulary, prepared for normalisation: every word by its fully squeezed form (`good` and `god` under `god`). */
export interface Vocabulary {
  readonly words: ReadonlySet<string>;
  /** Words never cut into pieces (see segment); absent: run-together words are not cut (recipe < 1.4.0). */
  readonly whole?: ReadonlySet<string>;
  readonly bySqueezed: ReadonlyMap<string, readonly string[]>;
  /** The pieces a run-together word may be cut into, as a trie (see segment). */
  readonly pieces: Trie;
}

/** A trie of a–z words: node 0 is the root; `next[node * 26 + letter]` is a child (0: none). */
interface Trie {
  next: Int32Array;
  end: Uint8Array;
}

/** A word of letters a–z only (what the normaliser leaves of a plain word). */
export const PLAIN = /^[a-z]+$/;

function makeTrie(words: Iterable<string>): Trie {
  const list = [...words].filter((w) => PLAIN.test(w));
  let size = 1;
  for (const w of list) size += w.length;
  const next = new Int32Array(size * 26);
  const end = new Uint8Array(size);
  let nodes = 1;
  for (const w of list) {
    let node = 0;
    for (let k = 0; k < w.length; k++) {
      const slot = node * 26 + w.charCodeAt(k) - 97;
      node = next[slot] || (next[slot] = nodes++);
    }
    end[node] = 1;
  }
  return { next: next.slice(0, nodes * 26), end: end.slice(0, nodes) };
}

/** Words under three letters a run-together word may be cut into (longer pieces must be in the model's vocabulary). */
const SHORT_PIECES: ReadonlySet<string> = new Set(['a', 'i', 'u', 'am', 'an', 'as', 'at', 'be', 'by', 'do', 'go', 'he', 'if', 'in', 'is', 'it', 'me', 'my', 'no', 'of', 'on', 'or', 'so', 'to', 'up', 'us', 'we', 'na', 'ur', 'ya', 'im']);

/**
 * `words`: the model's vocabulary, the only words a run-together word is cut into (with the short
 * function words); `extra`: more words known for the other uses (normalise.ts's own chat spellings
 * and masked-word targets, which the model may never have seen: no pieces).
 */
export function makeVocabulary(words: readonly string[], extra: Iterable<string>, whole?: Iterable<string>): Vocabulary {
  const all = new Set<string>([...words, ...extra]);
  const bySqueezed = groupBy(all, squeeze);
  const pieces = makeTrie([...words.filter((w) => w.length >= 3), ...SHORT_PIECES]);
  return { words: all, bySqueezed, pieces, ...(whole ? { whole: new Set(whole) } : {}) };
}

/** Lengths of the runs of identical characters of `w` (code units; the callers' words are letters). */
function runLengths(w: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < w.length; ) {
    let j = i + 1;
    while (j < w.length && w.charCodeAt(j) === w.charCodeAt(i)) j++;
    out.push(j - i);
    i = j;
  }
  return out;
}

/**
 * A stretched word (a run of three or more) back to a word: the longest vocabulary word with the
 * same letters in the same order whose runs fit (no longer than the stretched ones, and exactly the
 * unstretched ones: `gooood` → `good`, `seeeend` → `send`); else every stretched letter run cut to
 * one and other characters capped at two (`5000000` → `500`). Stretching is how people write in chat
 * (`pleeease`, `heyyy`) and an easy way round a word list: capping at two turned `seeeend` into
 * `seend`, a word the model never saw. Linear in the word's length (one squeeze, one lookup).
 */
export function unstretch(w: string, vocab: Vocabulary | undefined): string {
  if (!hasRun3(w)) return w;
  if (!vocab || w.length > 64) return capRuns(w);
  const runs = runLengths(w);
  let best: string | undefined;
  for (const c of vocab.bySqueezed.get(squeeze(w)) ?? []) {
    const cr = runLengths(c);
    if (cr.length !== runs.length) continue;
    let fits = true;
    for (let k = 0; k < runs.length && fits; k++) fits = runs[k]! >= 3 ? cr[k]! <= runs[k]! : cr[k] === runs[k];
    if (fits && (!best || c.length > best.length || (c.length === best.length && c < best))) best = c;
  }
  return best ?? capRuns(w.replace(/(\p{L})\1{2,}/gu, '$1'));
}

/** Every run cut to one character (extra "squeezed" feature). */
export function squeeze(w: string): string {
  for (let i = 1; i < w.length; i++) if (w.charCodeAt(i) === w.charCodeAt(i - 1)) return w.replace(/(.)\1+/gu, '$1');
  return w;
}

/**
 * A word (a–z) that the vocabulary lacks, cut into the fewest vocabulary words that make it up
 * (`sendnudes` → `send nudes`), ties to the most even cut (`partner ships`, not `partners hips`);
 * null when there is none, or when more than half of the pieces are short words (`imitation` is not
 * `im it at i on`).
 * Words run together are an easy way round a word list (every space removed, 1.3.1 caught 0.401 of
 * the labelled dev messages). Only words of 6 letters or more, never a word the model knows nor one
 * of `vocab.whole` (English words the vocabulary would cut: `button` is not `butt on`). Pieces under
 * three letters only from a short list of function words (`me`, `on`). Linear: a walk down the trie
 * from each reachable position, at most the longest vocabulary word deep.
 */
export function segment(w: string, vocab: Vocabulary | undefined): string[] | null {
  if (!vocab?.whole || w.length < 6 || vocab.words.has(w) || vocab.whole.has(w)) return null;
  const { next, end } = vocab.pieces;
  const n = w.length;
  // cost[i]: fewest pieces for w[0, i); score[i]: sum of squared piece lengths (lower = more even)
  const cost = new Float64Array(n + 1).fill(Infinity);
  const score = new Float64Array(n + 1);
  const from = new Int32Array(n + 1).fill(-1);
  cost[0] = 0;
  for (let j = 0; j < n; j++) {
    if (cost[j] === Infinity) continue;
    let node = 0;
    for (let i = j; i < n; i++) {
      const c = w.charCodeAt(i) - 97;
      if (c < 0 || c > 25 || !(node = next[node * 26 + c]!)) break;
      if (!end[node]) continue;
      const pieces = cost[j]! + 1;
      const len = i + 1 - j;
      const sc = score[j]! + len * len;
      if (pieces < cost[i + 1]! || (pieces === cost[i + 1]! && sc < score[i + 1]!)) {
        cost[i + 1] = pieces;
        score[i + 1] = sc;
        from[i + 1] = j;
      }
    }
  }
  if (cost[n] === Infinity || cost[n]! < 2) return null;
  const out: string[] = [];
  let short = 0;
  for (let i = n; i > 0; i = from[i]!) {
    out.push(w.slice(from[i]!, i));
    if (i - from[i]! < 3) short++;
  }
  return short * 2 > out.length ? null : out.reverse();
}

const MARKS = /\p{M}/gu;
/** The text without diacritics (NFD, combining marks removed): `ọmọ` → `omo`. */
export const stripMarks = (text: string) => text.normalize('NFD').replace(MARKS, '');
const TITLES: ReadonlySet<string> = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'engr', 'rev', 'sir', 'ma', 'st', 'hon', 'barr', 'arc', 'pst']);
const CAPITALISED = /\p{Lu}\p{Ll}{5,}/gu;

/**
 * Names: the words written Capitalised inside a sentence (`Ibrahim` in "tell Ibrahim", "Mr. Dickson"),
 * in the form normalise gives them (marks stripped, stretched letters undone), so that the cutter
 * leaves them whole: the dictionary of words kept whole has no names. A word first in a sentence
 * (at the start, after a line break or `. ! ?`, whatever quotes, brackets or emoji come between) is
 * no name: keyboards capitalise it. Linear: each look back stops at the first letter or digit.
 */
export function namesIn(text: string, vocab: Vocabulary | undefined): Set<string> | undefined {
  const plain = stripMarks(text);
  let out: Set<string> | undefined;
  for (const m of plain.matchAll(CAPITALISED)) {
    const at = m.index!;
    const end = at + m[0].length;
    if ((at > 0 && /[\p{L}\p{N}]/u.test(plain[at - 1]!)) || (end < plain.length && /[\p{L}\p{N}]/u.test(plain[end]!))) continue; // inside a word
    let i = at - 1;
    while (i >= 0 && !/[\p{L}\p{N}.!?\n]/u.test(plain[i]!)) i--;
    if (i < 0 || plain[i] === '\n' || plain[i] === '!' || plain[i] === '?') continue; // first in a sentence
    if (plain[i] === '.') {
      let j = i;
      while (j > 0 && /\p{L}/u.test(plain[j - 1]!)) j--;
      if (!TITLES.has(plain.slice(j, i).toLowerCase())) continue; // after a full stop, unless it ends a title
    }
    (out ??= new Set()).add(unstretch(m[0].toLowerCase(), vocab));
  }
  return out;
}
