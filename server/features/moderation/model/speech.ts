/**
 * Speech-act and addressee cues: what a message *does* rather than which words it contains. Most
 * benign look-alikes in the data report, ask about, quote or discuss a tactic ("he told me not to
 * tell anyone, what should I do?"), address a group ("PSA girls: …") or set a boundary ("please don't
 * come to my house"); the harmful messages address the recipient ("you", "your") and ask for
 * something. These categories join the cue group (cues.ts), so the model also sees their pairs with
 * the tactic categories ("secrecy" said by a third person to me vs by me to you).
 *
 * Written from the label definitions (campus README: "reports and discussion are benign", "the label
 * describes what the message does") and general English/Pidgin grammar, never from dev items.
 */

/** Category names (sorted at use); each becomes a cue-group feature and pairs with the others. */
export const ACT_CATEGORIES = [
  'act_question',
  'act_quote',
  'act_you',
  'act_no_you',
  'act_third',
  'act_third_not_you',
  'act_first',
  'act_third_to_me',
  'act_i_refused',
  'act_help_seeking',
  'act_broadcast',
  'act_group',
  'act_imperative',
  'act_boundary',
  'act_len_short',
  'act_len_long',
] as const;

// Yoruba "o"/"e" (you) are too ambiguous on their own: only plain English/Pidgin second person counts.
// Tokens are normalised: no apostrophes ("don't" → "dont", "I'm" → "im").
const YOU = new Set(['you', 'your', 'yours', 'yourself', 'youre', 'yourselves']);
const THIRD = new Set(['he', 'she', 'him', 'her', 'his', 'hers', 'they', 'them', 'their', 'dem', 'someone', 'somebody', 'guy', 'man', 'woman', 'lecturer', 'stranger', 'anyone']);
const FIRST = new Set(['i', 'me', 'my', 'mine', 'myself', 'im', 'ive', 'we', 'us', 'our']);
const REPORT_VERBS = new Set([
  'asked', 'asks', 'told', 'tells', 'said', 'says', 'say', 'keeps', 'kept', 'sent', 'sends', 'offered', 'offers', 'wants', 'wanted',
  'called', 'calls', 'texted', 'texts', 'messaged', 'messages', 'tried', 'threatened', 'touched', 'dey', 'talk', 'commented', 'promised',
  'insisted', 'invited', 'follows', 'followed', 'dm', 'dmed',
]);
const REFUSAL = [
  ['i', 'said', 'no'], ['i', 'blocked'], ['i', 'reported'], ['i', 'refused'], ['i', 'walked', 'out'], ['i', 'told', 'him'], ['i', 'told', 'her'],
  ['i', 'no', 'gree'], ['i', 'don', 'report'], ['i', 'ignored'], ['i', 'left'], ['i', 'declined'],
];
const HELP = [
  ['what', 'should', 'i'], ['what', 'do', 'i'], ['what', 'can', 'i'], ['who', 'do', 'i'], ['who', 'do', 'we'], ['who', 'should', 'i'],
  ['should', 'i'], ['is', 'this', 'normal'], ['is', 'that', 'normal'], ['is', 'it', 'normal'], ['how', 'do', 'i'], ['how', 'can', 'i'],
  ['where', 'do', 'i'], ['can', 'i', 'report'], ['wetin', 'i', 'go', 'do'], ['wetin', 'i', 'fit', 'do'], ['i', 'no', 'know', 'wetin'],
  ['is', 'it', 'okay'], ['is', 'this', 'okay'], ['am', 'i', 'overreacting'], ['how', 'do', 'we'],
];
const BROADCAST = new Set(['psa', 'reminder', 'notice', 'announcement', 'everyone', 'everybody', 'anyone', 'anybody', 'students', 'guys', 'una', 'all', 'class', 'girls', 'ladies', 'freshers']);
const GROUP = [
  ['with', 'the', 'girls'], ['with', 'the', 'boys'], ['the', 'others'], ['everybody', 'go'], ['all', 'of', 'us'], ['group'], ['together'],
  ['with', 'your', 'guardian'], ['with', 'your', 'parents'], ['the', 'tas'], ['roommates'],
];
const IMPERATIVE = new Set([
  'send', 'come', 'show', 'meet', 'delete', 'tell', 'call', 'keep', 'dont', 'turn', 'wait', 'bring', 'take', 'go', 'make', 'abeg', 'oya',
  'please', 'give', 'let', 'lets', 'text', 'visit', 'snap', 'switch', 'open', 'lock', 'remove', 'wear', 'move', 'stop', 'just',
]);
const BOUNDARY = [
  ['dont', 'come', 'to', 'my'], ['not', 'to', 'me'], ['use', 'office', 'hours'], ['no', 'need', 'to', 'come'], ['dont', 'need', 'to', 'come'],
  ['i', 'dont', 'accept'], ['i', 'dont', 'discuss'], ['please', 'stop'], ['through', 'the'], ['door', 'open'], ['office', 'hours'],
];

/** A phrase list indexed by its first token (one pass over the message per list). */
type Phrases = Map<string, string[][]>;
function phrases(seqs: readonly string[][]): Phrases {
  const m: Phrases = new Map();
  for (const p of seqs) {
    const l = m.get(p[0]!) ?? [];
    l.push(p);
    m.set(p[0]!, l);
  }
  return m;
}
/** Every word the categories look for (they are in the model's vocabulary: see FeatureConfig.vocabulary). */
export const SPEECH_WORDS: readonly string[] = [
  ...[YOU, THIRD, FIRST, REPORT_VERBS, BROADCAST, IMPERATIVE].flatMap((s) => [...s]),
  ...[REFUSAL, HELP, GROUP, BOUNDARY].flatMap((l) => l.flat()),
];

const REFUSAL_P = phrases(REFUSAL);
const HELP_P = phrases(HELP);
const GROUP_P = phrases(GROUP);
const BOUNDARY_P = phrases(BOUNDARY);

function has(tokens: readonly string[], list: Phrases): boolean {
  for (let i = 0; i < tokens.length; i++) {
    const cands = list.get(tokens[i]!);
    if (!cands) continue;
    for (const p of cands) {
      if (i + p.length > tokens.length) continue;
      let ok = true;
      for (let k = 1; k < p.length && ok; k++) if (tokens[i + k] !== p[k]) ok = false;
      if (ok) return true;
    }
  }
  return false;
}

/**
 * The speech-act categories of a message (names from ACT_CATEGORIES, no repeats). `raw` is the
 * original text (quotes and question marks), `tokens` its normalised tokens.
 */
export function actCategories(raw: string, tokens: readonly string[]): string[] {
  const out: string[] = [];
  if (raw.includes('?')) out.push('act_question');
  if (/["“”«»]/.test(raw) || /(^|\s)'[^']{2,}'/.test(raw)) out.push('act_quote');
  let you = 0;
  let third = 0;
  let first = 0;
  let thirdToMe = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (YOU.has(t)) you++;
    else if (FIRST.has(t)) first++;
    else if (THIRD.has(t)) {
      third++;
      // "he asked me", "she keeps texting me", "dem dey ask me", "he told my roommate"
      if (REPORT_VERBS.has(tokens[i + 1] ?? '')) {
        const a = tokens[i + 2] ?? '';
        const b = tokens[i + 3] ?? '';
        if (FIRST.has(a) || FIRST.has(b) || REPORT_VERBS.has(a)) thirdToMe = true;
      }
    }
  }
  out.push(you ? 'act_you' : 'act_no_you');
  if (third) out.push('act_third');
  if (third > you) out.push('act_third_not_you');
  if (first) out.push('act_first');
  if (thirdToMe) out.push('act_third_to_me');
  if (has(tokens, REFUSAL_P)) out.push('act_i_refused');
  if (has(tokens, HELP_P)) out.push('act_help_seeking');
  if (tokens.some((t) => BROADCAST.has(t))) out.push('act_broadcast');
  if (has(tokens, GROUP_P)) out.push('act_group');
  if (IMPERATIVE.has(tokens[0] ?? '')) out.push('act_imperative');
  if (has(tokens, BOUNDARY_P)) out.push('act_boundary');
  if (tokens.length <= 6) out.push('act_len_short');
  if (tokens.length >= 25) out.push('act_len_long');
  return out;
}
