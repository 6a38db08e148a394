import { describe, expect, test } from 'bun:test';
import { normalise, prepareVocabulary, wordsToKeepWhole } from './normalise';
import { segment } from './words';

const WORDS = ['me', 'on', 'us', 'send', 'nudes', 'come', 'over', 'tonight', 'alone', 'butt', 'pass', 'age', 'your', 'pic', 'picture', 'lecture', 'notes', 'photo', 'graph'];
const vocab = (whole: string[] = []) => prepareVocabulary(WORDS, whole);

describe('words run together', () => {
  test('are cut into the fewest vocabulary words, the longest pieces on a tie', () => {
    const v = vocab();
    expect(segment('sendnudes', v)).toEqual(['send', 'nudes']);
    expect(segment('comeoveralone', v)).toEqual(['come', 'over', 'alone']);
    // short pieces only from the list of function words: "me", "i", "u" yes…
    expect(segment('sendmeyourpic', v)).toEqual(['send', 'me', 'your', 'pic']);
    expect(segment('isendupics', v)).toBeNull(); // "pics" is no vocabulary word
    // …"picture" (one piece) rather than "pic" + an unknown rest; "photograph" stays whole when known
    expect(segment('yourpicture', v)).toEqual(['your', 'picture']);
    expect(normalise('sendmeyourpic', v).text).toBe('send me your pic');
    expect(normalise('seeeendnudes', v).text).toBe('send nudes'); // stretched, then cut
  });

  test('are left alone: known words, short words, words with an unknown part, real words kept whole', () => {
    const v = vocab(['button', 'passage']);
    expect(segment('tonight', v)).toBeNull(); // a vocabulary word
    expect(segment('sendus', v)).toEqual(['send', 'us']);
    expect(segment('senda', v)).toBeNull(); // under 6 letters
    expect(segment('sendnudesxq', v)).toBeNull(); // a part that is no word
    expect(segment('passage', v)).toBeNull(); // kept whole (not "pass age")
    expect(normalise('button', v).text).toBe('button'); // not "butt on"
    expect(normalise('the passage on page 4', v).text).toBe('the passage on page 4');
  });

  test('a vocabulary without the whole-word list (recipe < 1.4.0) cuts nothing', () => {
    expect(normalise('sendnudes', prepareVocabulary(WORDS)).text).toBe('sendnudes');
    expect(normalise('sendnudes').text).toBe('sendnudes');
  });

  test('the words to keep whole: real words of some texts that the vocabulary would cut, once, sorted', () => {
    expect(wordsToKeepWhole(['Press the BUTTON twice', 'a passage, a button', 'sendnudes is a word here', 'age and photograph'], WORDS)).toEqual(['button', 'passage', 'photograph', 'sendnudes']);
    // (the real texts are English as people write it, where run-together words are rare)
  });

  test('a 1,000-letter word is cut in one pass (no backtracking): the same pieces as its spaced form', () => {
    const v = vocab();
    const spaced = Array.from({ length: 200 }, (_, i) => WORDS[(i * 7) % WORDS.length]).join(' ').slice(0, 1000).replace(/\s\S*$/, '');
    expect(normalise(spaced.replace(/ /g, ''), v).text.length).toBeGreaterThan(900);
    expect(segment(spaced.replace(/ /g, ''), v)?.length).toBeLessThanOrEqual(spaced.split(' ').length);
  });
});
