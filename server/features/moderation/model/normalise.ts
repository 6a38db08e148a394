/**
 * Text normalisation for the moderation model: undoes the usual chat obfuscations so that
 * `s3nd p!c`, `n00dz`, `n u d e s`, `f*ck`, `sooooo` and `ṣé` reach the same features as their
 * plain forms. Pure and deterministic; used identically by training and scoring (any change here
 * changes the model: bump the model version and retrain).
 *
 * Steps, on the NFKC, lower-cased text without invisible characters (zero-width space, soft hyphen)
 * and with Cyrillic/Greek look-alike letters mapped to Latin:
 *  1. the tone-mark view: words that carry diacritics, kept as they are (extra features);
 *  2. diacritics stripped (NFD without combining marks): `ọmọ` → `omo`;
 *  3. emoji split off as their own tokens (variation selectors, joiners and skin tones dropped);
 *  4. spelt-out words joined: spaced letters (`n u d e s`; a run ends at a gap wider than its own,
 *     so `s e n d  m e` is two words), letters with dots, dashes or underscores (`n-u-d-e-s`,
 *     `s.m.a.s.h`), and with `/ | + ~ ^ •` when the result is a known word (`n/u/d/e/s`; `x/y/z` and
 *     `a+b+c` stay letters);
 *  5. leetspeak inside words: `s3nd` → `send`, `p!c` → `pic`, `@ss` → `ass`, `ca$h` → `cash`
 *     (course codes, times and ordinals such as `csc101`, `4pm`, `2nd` are left alone);
 *  6. masked words matched against a small lexicon: `f*ck` → `fuck`, `n*des` → `nudes`;
 *  7. stretched words undone: a run of three or more letters becomes the form of the word that the
 *     model's vocabulary has (`gooood` → `good`, `seeeend` → `send`, `asssss` → `ass`), else one
 *     letter (`pleeeease` → `please` through step 8); without a vocabulary (recipe < 1.3.1, cue
 *     phrases) runs are capped at two. A fully squeezed form is an extra feature. Then a word of six
 *     letters or more that the vocabulary lacks is cut into vocabulary words when it is made of them
 *     (`sendnudes` → `send nudes`), unless it is on the model's list of real words to keep whole
 *     (`button`); words.ts, recipe 1.4.0;
 *  8. a few chat spellings mapped to one form: `noodz`/`nudez` → `nudes`, `u` → `you`, `pls` → `please`.
 */

import { capRuns, makeVocabulary, namesIn, PLAIN, segment, squeeze, stripMarks, unstretch, type Vocabulary } from './words';

export { squeeze, type Vocabulary };

export interface Normalised {
  /** The normalised tokens (words and emoji), in order. */
  tokens: string[];
  /** `tokens.join(' ')`: the string the character n-grams are taken from. */
  text: string;
  /** Lower-cased words that carried diacritics, with their marks (the tone-mark view). */
  marked: string[];
  /** True when step 4, 5 or 6 changed something (an obfuscation was undone). */
  obfuscated: boolean;
}

const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '9': 'g', '@': 'a', $: 's', '!': 'i' };

/** Words that masked spellings (`f*ck`, `n*des`) are matched against, most likely first. */
const MASKED_LEXICON = [
  'fuck', 'fucks', 'fucked', 'fucking', 'fucker', 'fuckboy', 'fuckboys', 'dick', 'dicks', 'cock', 'pussy', 'nudes',
  'nude', 'naked', 'sex', 'sexy', 'sext', 'sexting', 'knack', 'knacking', 'boobs', 'tits', 'titties', 'porn', 'horny',
  'bitch', 'bitches', 'slut', 'sluts', 'whore', 'ashawo', 'shit', 'ass', 'asshole', 'cunt', 'twat', 'hoe', 'booty',
  'pics', 'pic', 'smash', 'rape', 'kill', 'damn', 'bastard', 'idiot', 'stupid', 'penis', 'vagina', 'nipples',
];

/** Chat spellings mapped to one form (applied after leet and masking). */
const CANONICAL = new Map<string, string>(Object.entries({
  noods: 'nudes', noodz: 'nudes', nudez: 'nudes', nuds: 'nudes', nudess: 'nudes', nudies: 'nudes',
  fuk: 'fuck', fck: 'fuck', fuq: 'fuck', fvck: 'fuck', phuck: 'fuck', fking: 'fucking', fcking: 'fucking', fuking: 'fucking',
  secks: 'sex', sechs: 'sex', seggs: 'sex', sexx: 'sex', sexi: 'sexy', sexii: 'sexy', sexxy: 'sexy', secksy: 'sexy',
  horni: 'horny', hornii: 'horny', pix: 'pics', picz: 'pics', pikz: 'pics', piks: 'pics', pik: 'pic', pikchur: 'picture',
  pikcha: 'picture', u: 'you', ur: 'your', r: 'are', pls: 'please', plz: 'please', plss: 'please', plzz: 'please',
  pleasee: 'please', '2nite': 'tonight', '2night': 'tonight', tonite: 'tonight', '2nyt': 'tonight', y: 'why', b4: 'before',
  luv: 'love', babe: 'baby', bby: 'baby', thicc: 'thick', dm: 'dm', dms: 'dm',
}));

/** This file's own words (chat spellings before mapping, masked-word targets): stretched forms of these are found too (`noooodz`). */
const OWN_WORDS: ReadonlySet<string> = new Set([...CANONICAL.keys(), ...MASKED_LEXICON]);
const CANONICAL_TARGETS: ReadonlySet<string> = new Set(CANONICAL.values());

/** Cyrillic and Greek letters that look like Latin ones (after lower-casing). */
const HOMOGLYPHS: Record<string, string> = {
  а: 'a', е: 'e', о: 'o', р: 'p', с: 'c', х: 'x', у: 'y', і: 'i', ј: 'j', ѕ: 's', к: 'k', м: 'm', т: 't', в: 'b', н: 'h',
  α: 'a', ο: 'o', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ρ: 'p', τ: 't', υ: 'u', χ: 'x',
};

const EMOJI = /\p{Extended_Pictographic}/u;
const EMOJI_G = /\p{Extended_Pictographic}/gu;
const LETTER = /\p{L}/u;
// Course codes, times, ordinals and levels: digits here are not leetspeak.
const NOT_LEET = /^(?:[a-z]{2,4}\d{2,4}[a-z]?|\d+(?:am|pm|st|nd|rd|th|k|hrs?|mins?|l|lvl|ish|x|s)?)$/;
// A letter with a number (`Q3`, `Q11`, `A101`, `3b`, `Q3b`) names a question, a room, a part or a
// test, or is a price in naira (`N1500`); read as leetspeak, "has anyone solved Q3 and Q4?" became
// "qe and qa", two undone obfuscations, and was reviewed as solicitation. Such a token is leetspeak
// only when it spells a word:
// with one letter and one digit, one of these (`m3`, `n0`: the campus data's; not `hi`, `as`, `it`,
// which are `H1`, `A5`, `i7` as often); longer, a word the model knows (`s33`, `h0t`, `t00`).
const LEET_PAIRS: ReadonlySet<string> = new Set(['me', 'so', 'go', 'to', 'no', 'yo', 'do', 'be', 'we', 'on', 'of', 'in', 'mi']);
const LETTER_AND_NUMBER = /^(?:[a-z]\d{1,6}[a-z]?|\d{1,6}[a-z])$/;
const URL_OR_EMAIL = /^(?:https?:\/\/\S+|www\.\S+|[\w.+-]+@[\w-]+\.[\w.-]+)$/;
const SINGLE = /^[\p{L}\p{N}@$!]$/u;
// Separators between single letters. Dots, dashes and underscores are always undone ("n.u.d.e.s");
// the others only when the letters spell a known word: "x/y/z", "a+b+c", "a|b|c" are maths and options.
const SEPARATOR = /[-.·_/|+~^•]/;
const SEPARATORS = /[-.·_/|+~^•]/g;
const ALWAYS_JOINED = /^[^/|+~^•]*$/;
const DOTTED = /^[\p{L}\p{N}@$!](?:[-.·_/|+~^•][\p{L}\p{N}@$!])+$/u;

const isLetter = (c: string | undefined) => c !== undefined && LETTER.test(c);

/** Leetspeak inside one word (see step 5). */
function unleet(w: string, vocab: Vocabulary | undefined): string {
  if (!/[0-9@$!]/.test(w) || !/\p{L}/u.test(w) || NOT_LEET.test(w)) return w;
  if (LETTER_AND_NUMBER.test(w)) {
    const word = leetMap(w);
    if (w.length === 2) return LEET_PAIRS.has(word) ? word : w;
    return !vocab || vocab.words.has(word) ? word : w; // (without a vocabulary: as before 1.4.0)
  }
  return leetMap(w);
}

function leetMap(w: string): string {
  const c = [...w];
  let out = '';
  for (let i = 0; i < c.length; i++) {
    const ch = c[i]!;
    const m = LEET[ch];
    if (m === undefined) {
      out += ch;
      continue;
    }
    // Map when a letter (or another leet character next to a letter) is on either side.
    let j = i - 1;
    while (j >= 0 && LEET[c[j]!] !== undefined) j--;
    let k = i + 1;
    while (k < c.length && LEET[c[k]!] !== undefined) k++;
    const letterBefore = j >= 0 && isLetter(c[j]);
    const letterAfter = k < c.length && isLetter(c[k]);
    if (ch === '!' && !letterAfter) continue; // trailing "!" is punctuation
    out += letterBefore || letterAfter ? m : ch;
  }
  return out;
}

const maskCache = new Map<string, string>();
/** `f*ck` → `fuck` when exactly the lexicon explains the mask; otherwise the mask is dropped. */
function unmask(w: string): string {
  if (!w.includes('*')) return w;
  const hit = maskCache.get(w);
  if (hit !== undefined) return hit;
  let out = w.replace(/\*+/g, '');
  const core = w.replace(/^\*+/, ''); // a trailing mask stays: "f***"
  if (/[a-z]/.test(core)) {
    const re = new RegExp('^' + core.replace(/[^a-z*]/g, '').replace(/\*+/g, (m) => `[a-z]{1,${Math.max(m.length, 3)}}`) + '$');
    const found = MASKED_LEXICON.find((x) => re.test(x));
    if (found) out = found;
  }
  if (maskCache.size < 10_000) maskCache.set(w, out);
  return out;
}

/**
 * The model's vocabulary prepared for normalisation (words.ts), with this file's own words (chat
 * spellings before mapping, masked-word targets) added. Made once per model (features.ts).
 */
export function prepareVocabulary(words: Iterable<string>, whole?: Iterable<string>): Vocabulary {
  return makeVocabulary([...words], OWN_WORDS, whole);
}

/**
 * The vocabulary the model carries (FeatureConfig.vocabulary): the words (letters only) of some texts
 * normalised without a vocabulary (so runs are capped at two) and of the given phrases (the cue and
 * speech-act lists). Sorted, no repeats.
 */
export function vocabularyOf(texts: Iterable<string>, phrases: Iterable<string> = []): string[] {
  const out = new Set<string>();
  for (const list of [texts, phrases]) for (const text of list) for (const t of normalise(text).tokens) if (PLAIN.test(t)) out.add(t);
  return [...out].sort();
}
/**
 * The words of an English dictionary that `vocabulary` would cut into pieces (`button` → `butt on`,
 * `bravery` → `bra very`, `attractive` → `at tract ive`): the model keeps them whole
 * (FeatureConfig.wholeWords). Abuse run together (`cockslut`) is no dictionary word and is cut.
 * Sorted, no repeats.
 */
export function wordsToKeepWhole(dictionary: Iterable<string>, vocabulary: Iterable<string>): string[] {
  const vocab = prepareVocabulary(vocabulary, []);
  const out = new Set<string>();
  for (const w of dictionary) if (PLAIN.test(w) && segment(w, vocab)) out.add(w);
  return [...out].sort();
}
/** A word the model knows, or one of this file's own (for joins that are only undone when they make a word). */
const isKnown = (w: string, vocab: Vocabulary | undefined) => (vocab ? vocab.words.has(w) : OWN_WORDS.has(w)) || CANONICAL_TARGETS.has(w);
const canonical = (w: string) => CANONICAL.get(w) ?? w;
/** A chunk without its trailing punctuation. */
const core = (c: string) => c.replace(/[,.?;:!"')(]+$/, '') || c;
/** What an email address or a link becomes (one token each, never cut into words). */
const EMAIL = 'emailaddress';
const LINK = 'weblink';
const PLACEHOLDERS: ReadonlySet<string> = new Set([EMAIL, LINK]);

const DOTTED_CAPITALS = /(?<![\p{L}\p{N}])\p{Lu}(?:\.\p{Lu})+\.?(?![\p{L}\p{N}])/gu;
/** Acronyms written with dots (`J.A.M.B`), as the joined lower-case word (`jamb`). */
function dottedCapitals(text: string): Set<string> {
  return new Set(Array.from(text.matchAll(DOTTED_CAPITALS), (m) => m[0].replace(/\./g, '').toLowerCase()));
}

/** `vocab`: the model's vocabulary (see `unstretch` and step 4); absent: runs capped at two, only own words known. */
export function normalise(input: string, vocab?: Vocabulary): Normalised {
  const nfkc = input.normalize('NFKC');
  // Acronyms written with dots in capitals (step 4), found on first use: few messages have dotted letters.
  let acronyms: Set<string> | undefined;
  // Names: a word written Capitalised inside a sentence is not cut as words run together: "Ibrahim",
  // "Dickson" are no "i bra him", "dick son" (the dictionary of words kept whole has no names;
  // keyboards capitalise only a sentence's first word). Found on first use: most messages have no
  // word to cut.
  let names: Set<string> | undefined | null = null;
  const isName = (w: string) => (names === null ? (names = namesIn(nfkc, vocab)) : names)?.has(w) ?? false;
  let s = nfkc.toLowerCase();
  // invisible characters inside words ("nu\u200bdes"), then look-alike letters from other scripts
  s = s.replace(/[\u00ad\u200b\u200c\u2060\u180e]/g, '');
  if (/[\u0400-\u04ff\u0370-\u03ff]/.test(s)) s = s.replace(/[\u0400-\u04ff\u0370-\u03ff]/g, (c) => HOMOGLYPHS[c] ?? c);
  s = s.replace(/[\u2018\u2019\u02bc`´]/g, "'").replace(/[\ufe0f\ufe0e\u200d\u20e3]|\p{Emoji_Modifier}/gu, ' ');

  // 1. tone-mark view
  const marked: string[] = [];
  if (/[^\x00-\x7f]/.test(s)) {
    for (const w of s.normalize('NFC').match(/[\p{L}\p{M}]+/gu) ?? []) {
      if (stripMarks(w) !== w) marked.push(capRuns(w));
    }
  }
  // 2. diacritics stripped; 3. emoji as separate chunks
  s = stripMarks(s);
  if (EMOJI.test(s)) s = s.replace(EMOJI_G, ' $& ');

  // The chunks and the width of the gap before each (a line break counts as one character).
  const chunks: string[] = [];
  const gap: number[] = [];
  const parts = s.replace(/\r\n/g, '\n').split(/(\s+)/);
  for (let i = 0; i < parts.length; i += 2)
    if (parts[i]) {
      chunks.push(parts[i]!);
      gap.push(i > 0 ? parts[i - 1]!.length : 0);
    }
  let obfuscated = false;
  const maybeEmoji = (c: string) => c.charCodeAt(0) >= 0x2000 && EMOJI.test(c);
  const single = (k: number) => chunks[k]!.length <= 4 && SINGLE.test(core(chunks[k]!)) && !maybeEmoji(chunks[k]!);
  // A run of spelt-out letters (`n u d e s`, `n  u  d  e  s`) ends at punctuation ("s t o p, u") or at
  // a gap wider than the run's own first gap, so `s e n d  n u d e s` is two words.
  const runEnd = (i: number) => {
    const inner = gap[i + 1] ?? 0;
    let j = i;
    while (j < chunks.length && (j === i || gap[j]! <= inner) && single(j)) {
      j++;
      if (core(chunks[j - 1]!) !== chunks[j - 1]) break;
    }
    return j;
  };
  // Is the message written letter by letter somewhere (a run of three or more)? Then two letters
  // set apart by wider gaps are a spelt-out word too ("s e n d  m e"), not "u r" in "ok  u r  the best".
  let spelt = false;
  for (let i = 0; i < chunks.length && !spelt; ) {
    const j = runEnd(i);
    spelt = j - i >= 3;
    i = Math.max(j, i + 1);
  }

  // 4. spelt-out words
  const joined: string[] = [];
  const fromLetters: boolean[] = []; // joined[k] was spelt out letter by letter
  for (let i = 0; i < chunks.length; ) {
    const j = runEnd(i);
    const inner = gap[i + 1] ?? 0;
    const apart = j - i === 2 && spelt && (i === 0 || gap[i]! > inner) && (j === chunks.length || gap[j]! > inner);
    if (j - i >= 3 || apart) {
      joined.push(chunks.slice(i, j).map(core).join('') + (chunks[j - 1]!.slice(core(chunks[j - 1]!).length) || ''));
      fromLetters[joined.length - 1] = true;
      if (!apart) obfuscated = true;
      i = j;
      continue;
    }
    const c = chunks[i++]!;
    if (PLAIN.test(c)) {
      joined.push(c);
      continue;
    }
    if (/[@.:]/.test(c) && URL_OR_EMAIL.test(c)) {
      joined.push(c.includes('@') ? EMAIL : LINK);
      continue;
    }
    if (SEPARATOR.test(c)) {
      const stripped = c.replace(/^[("']+|[,?;:!"').]+$/g, ''); // "p.m.," and "s.m.a.s.h!" too
      const word = stripped.replace(SEPARATORS, '');
      if (DOTTED.test(stripped) && /\p{L}/u.test(stripped) && (ALWAYS_JOINED.test(stripped) || isKnown(word, vocab))) {
        joined.push(word);
        // two letters are an abbreviation ("p.m.", "e.g.", "i.e.", "p.s."), not a hidden word: flagging
        // them doubled the benign review rate of messages that say "see you at 4 p.m."; and capitals
        // with dots are how acronyms are written here (J.A.M.B, W.A.E.C, A.S.U.U, U.N.I.L.A.G): 1.3.1
        // reviewed "W.A.E.C and N.E.C.O results" as solicitation. (They are still joined: N.U.D.E.S is nudes.)
        if (word.length > 2 && !(acronyms ??= dottedCapitals(nfkc)).has(word)) obfuscated = true;
        continue;
      }
    }
    joined.push(c);
  }

  // An irregular gap inside one spelt-out word ("n u d  e s"): neighbouring fragments that are no
  // words of their own but one together are that word ("send" and "me" stay two).
  for (let x = 0; x + 1 < joined.length; x++) {
    const p = joined[x]!;
    const q = joined[x + 1]!;
    if (fromLetters[x] && fromLetters[x + 1] && core(p) === p && !isKnown(p, vocab) && !isKnown(core(q), vocab) && isKnown(p + core(q), vocab)) {
      joined.splice(x, 2, p + q);
      fromLetters.splice(x, 2, true);
      obfuscated = true;
      x--;
    }
  }

  // 5–8. per word
  const tokens: string[] = [];
  const pushWord = (w: string) => {
    let pieces = PLAIN.test(w) && !PLACEHOLDERS.has(w) ? segment(w, vocab) : null;
    if (pieces && isName(w)) pieces = null;
    if (pieces) for (const p of pieces) tokens.push(canonical(p));
    else tokens.push(canonical(w));
  };
  for (const chunk of joined) {
    if (PLAIN.test(chunk)) {
      pushWord(unstretch(chunk, vocab));
      continue;
    }
    if (maybeEmoji(chunk)) {
      tokens.push(chunk);
      continue;
    }
    for (let w of chunk.split(/[^\p{L}\p{N}@$!*']+/u)) {
      if (!PLAIN.test(w)) {
        w = w.replace(/'/g, '').replace(/^[!*]+/, '').replace(/!+$/, '');
        if (!w) continue;
        if (w.includes('*')) {
          const u = unmask(w);
          if (u !== w) obfuscated = true;
          w = u;
        }
        const l = unleet(w, vocab);
        if (l !== w) {
          obfuscated = true;
          w = l;
        }
        w = w.replace(/[@$!*]/g, '');
        if (!w) continue;
      }
      pushWord(unstretch(w, vocab));
    }
  }
  return { tokens, text: tokens.join(' '), marked, obfuscated };
}
