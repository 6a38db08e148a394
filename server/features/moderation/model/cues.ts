/**
 * A small cue lexicon: phrases grouped into the tactics and topics that the labels are about
 * (secrecy, meeting alone, age probing, gifts, platform moves, camera/photo requests, body comments,
 * reports and sex education …). Each category present in a message, and each pair of categories,
 * becomes a feature, so the model learns one weight per tactic from all the examples that use any
 * of its phrasings — including phrasings it never saw in training. Written from the label
 * definitions and the train split (never dev); phrases are normalised like messages, so write them
 * plainly ("don't tell" matches "d0nt t3ll").
 */
import { normalise } from './normalise';

const CUES: Record<string, string[]> = {
  secrecy: [
    'no go tell', 'ni ikoko', 'nobody go see', 'no one saw', 'nobody saw',
    "don't tell", 'dont tell', 'no tell', "don't mention", 'no need to mention', 'between us', 'between me and you', 'between you and me',
    'our secret', 'our little', 'keep it quiet', 'keep quiet', 'keep it to yourself', 'keep am to yourself', 'nobody will know',
    'no one will know', 'nobody go know', 'nobody need know', 'no one needs to know', 'nobody needs to know', 'nobody has to know',
    "doesn't need to know", 'no need to know', 'no need know', 'delete', 'discreet', 'off the record', 'if anyone asks', 'if anybody ask',
    'secret', 'ma so fun', 'ko si eni', 'ma je ki won mo', 'ikoko', "don't involve", 'nobody go hear', "won't tell", 'i no go tell',
    'no let anybody', 'tell your parents you', 'just between', 'no questions asked', 'nobody need to know', '🤫',
  ],
  alone: [
    'come my place', 'come my house', 'for my side', 'my side', 'wa si ile mi', 'wa si yara mi', 'yara mi', 'ile mi',
    'come alone', 'alone', 'just us', 'just you', 'just the two of us', 'two of us', 'only you and me', 'just you and me', 'nikan',
    'in private', 'privately', 'private', 'when everybody', 'when everyone', "when it's quiet", 'empties', 'after hours', 'tonight',
    'at night', 'for night', 'lale', 'my place', 'my house', 'my room', 'my quarters', 'my office', 'my side', 'hotel', 'guest house',
    'guest room', 'lodge', 'staff quarters', 'back gate', 'back door', 'lock your door', 'lock door', 'behind the building', 'store room',
    'whole place to ourselves', 'pick you', 'come and see me', 'come see me', 'visit me', 'come to my', 'not your friends', 'room',
  ],
  age: [
    'how old', 'your age', 'for your age', '16', '17', 'sixteen', 'seventeen', 'age is just', 'old enough', 'grown', 'growing up',
    'age mates', 'my age', 'ss3', 'young', 'younger', 'mature', 'child', 'underage', 'omo odun', 'older', 'birthday',
  ],
  guardians: [
    'parents', 'parent', 'mum', 'mom', 'mummy', 'dad', 'daddy', 'papa', 'mama', 'guardian', 'warden', 'course adviser', 'adviser',
    'roommate', 'roommates', 'obi', 'iya', 'your people', 'mentoring centre', 'counsellor', 'porter', 'curfew',
  ],
  gifts: [
    'airtime', 'data', 'credit', 'recharge', 'transfer', 'alert', 'money', 'cash', 'pay your', 'buy you', 'bought you', 'iphone',
    'phone', 'gift', 'allowance', 'sugar', 'rent', 'take care of you', 'my treat', 'naira', 'something for you', 'something special',
    'spoil you', 'lift', '💵', '💰', '🎁',
  ],
  platform: [
    'telegram', 'whatsapp', 'snapchat', 'snap', 'instagram', 'other account', 'private line', 'this app', 'dm only', 'monitored',
    'location', 'read receipt', 'new account', 'my number', 'your number', 'call me',
  ],
  camera: ['camera', 'video', 'video call', 'pic', 'pics', 'picture', 'photo', 'photos', 'show me', 'selfie', 'aworan', 'send me', '📸'],
  flattery: [
    'special', 'only one', 'only me', 'understand you', 'understands you', 'trust', 'favourite', 'jealous', 'your friends', 'childish',
    'you have me', 'beautiful', 'so smart', 'different', 'nobody understands', 'only friend', 'look after you', 'take care of you',
  ],
  quid_pro_quo: [
    'marks', 'mark', 'grade', 'grades', 'score', 'result', 'results', 'carry over', 'carryover', 'ca', 'script', 'pass', 'fail', 'sort',
    'sorting', 'signature', 'portal', 'registration', 'bed space', 'fix your', 'extra marks', 'admission', 'course form', 'approve',
    'nothing dey free', 'thank me', 'settle',
  ],
  body: [
    'in the face', 'from the back', 'bend', 'jiggle', 'yansh', 'chest', '👙', '🍒',
    'body', 'breast', 'breasts', 'boobs', 'chest', 'backside', 'nyansh', 'nyash', 'yansh', 'idi', 'ass', 'butt', 'bum', 'shape', 'figure',
    'waist', 'hips', 'thighs', 'legs', 'lips', 'rack', 'curves', 'measurements', 'sexy', 'hot', 'fine', 'gorgeous', 'pretty', 'tight',
    'skirt', 'gown', 'jeans', 'shorts', 'crop top', 'dress', 'wear', 'wearing', 'clothes', 'aso', 'ara', '🍑', '🔥',
  ],
  sexual: [
    'sleeping with', 'in bed', 'for bed', 'sweet for bed', 'link up', 'make we link', 'quiet quiet', 'toto', 'preek', 'kpekus', 'ikebe', 'bobbi', 'bobby', 'lie down with me', 'come over', 'spend the night', 'sun pelu',
    'sex', 'knack', 'smash', 'sleep with', 'slept with', 'bed', 'kiss', 'cuddle', 'naked', 'nude', 'nudes', 'horny', 'fuck', 'hook up',
    'one night', 'virgin', 'threesome', 'do', 'freak', 'spicy', 'naughty', 'side chick', 'sugar baby', 'shower', '🍆', '💦', '👅',
  ],
  sexual_insult: ['ashawo', 'asewo', 'olosho', 'runs', 'runs girl', 'slut', 'whore', 'hoe', 'prostitute', 'customer', 'how much', 'your rate', 'price'],
  persistence: [
    'always find a way', 'new accounts', 'followed', 'stalking', 'your schedule', 'avoid me', 'avoiding me', 'moved too', 'still waiting', 'asking again', 'how many times', 'ignored', 'wont give up', 'no be by force', 'disturb you',
    'asked you', 'times', 'again', 'no means', 'said stop', 'said no', "won't give up", 'keep', 'until you', 'dodging', 'ignoring',
    'ignore', 'blocked', 'prude', 'uptight', 'forming', 'shakara', 'gree', 'why are you still', 'refused', 'stop pretending', 'by force',
  ],
  threat: [
    'i will', 'ill', 'i go', 'or else', 'or i', 'see what', 'you will see', 'you go see', 'expose', 'post', 'leak', 'share', 'fail you',
    'your head', 'kill', 'beat', 'deal with', 'regret', "if you don't", 'if you no', 'or we', 'watch your back', 'wait till', 'catch you',
    'dark', 'ruin', 'tell everyone', 'go public', 'screenshots', 'everybody go believe', 'graduate', 'slap',
  ],
  insult: [
    'stupid', 'idiot', 'fool', 'dumb', 'ugly', 'useless', 'nobody', 'mumu', 'olodo', 'goat', 'animal', 'monkey', 'bastard', 'shut up',
    'tribe', 'cripple', 'retard', 'mad', 'fat', 'brain', 'dirty', 'smell', 'loser',
  ],
  commerce: [
    'onlyfans', 'subscribe', 'link in bio', 'private channel', 'quick cash', 'sugar daddy', 'sugar mummy', 'pay well', 'per night',
    'hmu', 'serious people', 'aristo', 'how much', 'your rate', 'allowance', 'i can pay', 'earn', 'private shows',
  ],
  rumour: [
    'slept with', 'sleep with', 'her way', 'his way', 'studied with', 'everybody knows', 'everyone knows', 'dem say', 'i hear say',
    'they say', 'rumour', 'lasts', 'dms are', 'with lecturers', 'for marks', 'for hotel', 'every weekend', 'sun pelu',
  ],
  rating: ['rate', 'rating', 'hottest', 'poll', 'judging', 'best body', 'for my eyes', 'distracted', 'distracting', '/10', 'out of 10', 'nominations'],
  suggestive: ['😏', '😈', '😉', '😩', '😋', '👀', '😍', '🌶', 'wink', 'you know what', 'you know wetin', 'if you know what i mean'],
  report: [
    'report', 'reported', 'reporting', 'complaint', 'committee', 'gender desk', 'safeguarding', 'hod', 'screenshot', 'evidence',
    'he asked me', 'she asked me', 'he said', 'he told me', 'he keeps', 'what should i do', 'what do i do', 'help', 'advice', 'survey',
    'counselling', 'support', 'harassment', 'abuse', 'victim', 'is this normal', 'he sent me', 'they said',
  ],
  education: [
    'biology', 'reproductive', 'contraception', 'hiv', 'sti', 'stis', 'lecture', 'essay', 'textbook', 'chapter', 'quiz', 'practical',
    'anatomy', 'hormones', 'menstrual', 'clinic', 'health centre', 'condoms', 'consent', 'law', 'sociology', 'novel', 'film',
    'character', 'literature', 'class', 'assignment', 'notes', 'slides',
  ],
};

export const CUE_CATEGORIES = Object.keys(CUES).sort();

/** Every cue phrase (their words are in the model's vocabulary: see FeatureConfig.vocabulary). */
export const CUE_PHRASES: readonly string[] = Object.values(CUES).flat();

/** first token → [phrase tokens, category index][] */
const index = new Map<string, [string[], number][]>();
CUE_CATEGORIES.forEach((cat, ci) => {
  for (const phrase of CUES[cat]!) {
    const toks = normalise(phrase).tokens;
    if (!toks.length) continue;
    const list = index.get(toks[0]!) ?? [];
    list.push([toks, ci]);
    index.set(toks[0]!, list);
  }
});

/** Indices (into CUE_CATEGORIES) of the categories whose phrases occur in the tokens, ascending. */
export function cueCategories(tokens: readonly string[]): number[] {
  const found = new Set<number>();
  const gifts = CUE_CATEGORIES.indexOf('gifts');
  for (let i = 0; i < tokens.length; i++) {
    if (/^\d+k$/.test(tokens[i]!)) found.add(gifts); // "20k": an amount of naira
    const cands = index.get(tokens[i]!);
    if (!cands) continue;
    for (const [p, ci] of cands) {
      if (found.has(ci) || i + p.length > tokens.length) continue;
      let ok = true;
      for (let k = 1; k < p.length; k++) if (tokens[i + k] !== p[k]) (ok = false);
      if (ok) found.add(ci);
    }
  }
  return [...found].sort((a, b) => a - b);
}
