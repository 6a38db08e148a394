import { describe, expect, test } from 'bun:test';
import { normalise, prepareVocabulary, wordsToKeepWhole } from './normalise';
import { segment } from './words';

const WORDS = ['send', 'nudes', 'come', 'over', 'tonight', 'alone', 'butt', 'pass', 'age', 'your', 'pic', 'picture', 'lecture', 'notes', 'photo', 'graph', 'partner', 'partners', 'ships', 'hips', 'son'];
const vocab = (whole: string[] = []) => prepareVocabulary(WORDS, whole);

describe('words run together', () => {
  test('are cut into the fewest vocabulary words, the most even cut on a tie', () => {
    const v = vocab();
    expect(segment('sendnudes', v)).toEqual(['send', 'nudes']);
    expect(segment('comeoveralone', v)).toEqual(['come', 'over', 'alone']);
    expect(segment('yourpicture', v)).toEqual(['your', 'picture']); // two pieces, not "your pic ture"
    expect(segment('partnerships', v)).toEqual(['partner', 'ships']); // not "partners hips"
    expect(segment('photograph', v)).toEqual(['photo', 'graph']); // not in this vocabulary, nor kept whole here
    // short function words are pieces too ("me", "i", "u"…), whether or not the vocabulary has them
    expect(segment('sendmeyourpic', v)).toEqual(['send', 'me', 'your', 'pic']);
    expect(normalise('sendmeyourpic', v).text).toBe('send me your pic');
    expect(normalise('seeeendnudes', v).text).toBe('send nudes'); // stretched, then cut
  });

  test('are left alone: known words, short words, a part that is no word, mostly short pieces, English words kept whole', () => {
    const v = vocab(['button', 'passage']);
    expect(segment('tonight', v)).toBeNull(); // a vocabulary word
    expect(segment('sendus', v)).toEqual(['send', 'us']);
    expect(segment('senda', v)).toBeNull(); // under 6 letters
    expect(segment('sendnudesxq', v)).toBeNull(); // a part that is no word
    expect(segment('imitation', v)).toBeNull(); // "im it at i on": more than half short pieces
    expect(segment('isendupics', v)).toBeNull(); // "pics" is no vocabulary word
    expect(segment('passage', v)).toBeNull(); // kept whole (not "pass age")
    expect(normalise('button', v).text).toBe('button'); // not "butt on"
    expect(normalise('the passage on page 4', v).text).toBe('the passage on page 4');
    // normalise's own words (masked-word targets such as "dicks", chat spellings) are no pieces: the model may never have seen them
    expect(segment('dickson', v)).toEqual(null);
    // an email address or a link is one placeholder token, never cut into words
    expect(normalise('write to ade@unilag.edu.ng or see https://lms.unilag.edu.ng', prepareVocabulary([...WORDS, 'email', 'address', 'web', 'link'], [])).tokens).toEqual(['write', 'to', 'emailaddress', 'or', 'see', 'weblink']);
  });

  test('a name (a word Capitalised inside a sentence) is not cut; the first word of a sentence may be', () => {
    const v = prepareVocabulary([...WORDS, 'dick', 'saw', 'tell', 'ask', 'bra', 'him', 'oluwa', 'seun'], []);
    const n = (t: string) => normalise(t, v).text;
    expect(n('I saw Dickson at the lecture')).toBe('i saw dickson at the lecture');
    expect(n('ask Dickson. Dickson has the notes')).toBe('ask dickson dickson has the notes'); // once is enough
    expect(n('I met Prof. Dickson and Mr. Ibrahim')).toBe('i met prof dickson and mr ibrahim'); // a title's full stop ends no sentence
    expect(n('tell Olúwaṣeun and Ibrahimmmm')).toBe('tell oluwaseun and ibrahim'); // compared as normalised
    // keyboards capitalise the first word of a sentence, whatever comes before it
    for (const t of ['Sendnudes tonight', 'ok. Sendnudes tonight', 'ok\nSendnudes tonight', '"Sendnudes" tonight', '(Sendnudes) tonight', '😏 Sendnudes tonight'])
      expect(n(t).replace(/^(ok|😏) /, '')).toBe('send nudes tonight');
    expect(n('ok sendnudes tonight')).toBe('ok send nudes tonight');
    expect(n('hey IBRAHIM')).toBe('hey i bra him'); // capitals only: no name
  });

  test('a vocabulary without the whole-word list (recipe < 1.4.0) cuts nothing', () => {
    expect(normalise('sendnudes', prepareVocabulary(WORDS)).text).toBe('sendnudes');
    expect(normalise('sendnudes').text).toBe('sendnudes');
  });

  test('the words to keep whole: the dictionary words that the vocabulary would cut, sorted', () => {
    const dictionary = ['the', 'button', 'passage', 'tonight', 'partnerships', 'photograph', 'imitation', 'Button', 'sendnudes'];
    // (not "tonight": a vocabulary word; not "imitation": it would not be cut; "Button": no dictionary form)
    expect(wordsToKeepWhole(dictionary, WORDS)).toEqual(['button', 'partnerships', 'passage', 'photograph', 'sendnudes']);
  });

  test('a 1,000-letter word is cut back into the words it was made of', () => {
    const v = vocab();
    const words = Array.from({ length: 220 }, (_, i) => WORDS[(i * 7) % WORDS.length]!);
    const joined = words.join('');
    expect(joined.length).toBeGreaterThan(900);
    expect(segment(joined, v)).toEqual(words);
  });
});
