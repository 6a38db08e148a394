import { describe, expect, test } from 'bun:test';
import { normalise, prepareVocabulary, squeeze, vocabularyOf } from './normalise';

const norm = (s: string) => normalise(s).text;

describe('normalise', () => {
  test('leetspeak maps to the plain word', () => {
    expect(norm('s3nd p!c')).toBe('send pic');
    expect(norm('y0u l00k s3xy')).toBe('you look sexy');
    expect(norm('kn@ck')).toBe('knack');
    expect(norm('wanna do $ex 4 ca$h')).toBe('wanna do sex 4 cash');
    expect(norm('nice @ss')).toBe('nice ass');
  });

  test('slang spellings of nudes map to one form', () => {
    expect(norm('n00dz')).toBe('nudes');
    expect(norm('send the noods')).toBe('send the nudes');
    expect(norm('nudez')).toBe('nudes');
  });

  test('spaced, dotted and dashed letters are joined', () => {
    expect(norm('n u d e s')).toBe('nudes');
    expect(norm('s e n d')).toBe('send');
    expect(norm('n-u-d-e-s or else')).toBe('nudes or else');
    expect(norm("let's s.m.a.s.h")).toBe('lets smash');
    expect(norm('s.m.a.s.h!')).toBe('smash');
    // punctuation ends a run of single letters
    expect(norm('s t o p, u know')).toBe('stop you know');
    // wider gaps, consistently, are no way round it; line breaks neither (CRLF as in form posts)
    expect(norm('n  u  d  e  s')).toBe('nudes');
    expect(norm('s  e  n  d   m  e   n  u  d  e  s')).toBe('send me nudes');
    expect(norm('n\r\nu\r\nd\r\ne\r\ns')).toBe('nudes');
    // a gap wider than the run's own separates spelt-out words, down to two letters
    expect(norm('s e n d  m e  y o u r  n u d e s')).toBe('send me your nudes');
    expect(norm('s e n d   n u d e s')).toBe('send nudes');
    // an irregular gap inside one word: fragments that are only a word together are that word
    expect(norm('n u d  e s')).toBe('nudes');
    expect(normalise('s e  n d   n u d  e s', prepareVocabulary(['send'])).text).toBe('send nudes');
    expect(normalise('n u d  e s', prepareVocabulary(['send'])).obfuscated).toBe(true);
    // but two letters are joined only in a message spelt out elsewhere too
    expect(norm('ok  u r  the best')).toBe('ok you are the best');
    expect(normalise('ok  u r  the best').obfuscated).toBe(false);
    expect(norm('Options:  a) yes  b) no.  I  am  here')).toBe('options a yes b no i am here');
  });

  test('other separators join letters only into a known word: lists, maths and options stay letters', () => {
    for (const sep of ['/', '|', '+', '~', '^', '•']) {
      expect(norm(['n', 'u', 'd', 'e', 's'].join(sep) + ' tonight')).toBe('nudes tonight');
      expect(normalise(['s', 'e', 'x'].join(sep)).obfuscated).toBe(true);
    }
    for (const benign of ['rows x,y,z', 'vars i,j,k', 'x/y/z', 'a/b/c/d', 'use a,b,c,d', 'my sizes are s/m/l', 'options a|b|c', 'f(x,y,z) = x+y+z', 'n/a', 's/o', 'and/or 12/05 1/2']) {
      expect(normalise(benign).obfuscated).toBe(false);
    }
    expect(norm('and/or 12/05 1/2')).toBe('and or 12 05 1 2');
    expect(norm('a/b/c/d')).toBe('a b c d');
    // the model's vocabulary counts as known
    const v = prepareVocabulary(['send', 'tonight']);
    expect(normalise('s/e/n/d', v).text).toBe('send');
    expect(normalise('t|o|n|i|g|h|t', v).text).toBe('tonight');
    // two dotted letters are an abbreviation, joined but not an obfuscation; three are
    expect(normalise('see you at 4 p.m., e.g. after class').text).toBe('see you at 4 pm eg after class');
    expect(normalise('see you at 4 p.m., e.g. after class').obfuscated).toBe(false);
    expect(normalise('s.e.x').obfuscated).toBe(true);
  });

  test('masked words are recovered from the lexicon', () => {
    expect(norm('f*ck')).toBe('fuck');
    expect(norm('snd n*des')).toBe('snd nudes');
    expect(norm('d*ck pics')).toBe('dick pics');
    expect(norm('y0 s3xy, l3ts f***')).toBe('yo sexy lets fuck');
  });

  test('without a vocabulary, runs are capped at two; squeeze removes all repeats', () => {
    expect(norm('soooooo horniiiii')).toBe('soo horny');
    expect(squeeze('sooo')).toBe('so');
  });

  test("stretched words become the vocabulary's word with the same letters, else one letter", () => {
    const v = prepareVocabulary(['good', 'god', 'ass', 'kiss', 'boobs', 'feel', 'sleep', 'send', 'me', 'so']);
    const n = (s: string) => normalise(s, v).text;
    expect(n('seeeend meeee your nuuuudes pleeeease')).toBe('send me your nudes please');
    // the longest word whose runs fit: "good", not "god"; unstretched runs must match exactly
    expect(n('gooood girl, nice asssss')).toBe('good girl nice ass');
    expect(n('goood godd')).toBe('good godd');
    expect(n('soooooo horniiiii')).toBe('so horny');
    // several stretched runs
    expect(n('boooobbbs')).toBe('boobs');
    expect(n('kiiisssss')).toBe('kiss');
    // a word the vocabulary lacks ("sleepy") falls back to one letter per stretched run
    expect(n('feeeeel sleeeeepy')).toBe('feel slepy');
    // a word that is not stretched is left as it is, known or not; digits are capped at two as before
    expect(n('need 50000 naira')).toBe('need 500 naira');
    expect(n('pleease')).toBe('pleease');
    // chat spellings still map after the stretch is undone
    expect(n('plsssss noooodz')).toBe('please nudes');
  });

  test('a letter with a number is leetspeak only when it spells a word; else it names a question, a room, a part or a test', () => {
    const v = prepareVocabulary(['see', 'hot', 'pic', 'now', 'send', 'your']);
    const n = (t: string) => normalise(t, v);
    expect(n('has anyone solved Q3 and Q4?')).toMatchObject({ text: 'has anyone solved q3 and q4', obfuscated: false });
    expect(n('room A1, part 3b, T1 results, Q10 and Q11, Q3b, A101').text).toBe('room a1 part 3b t1 results q10 and q11 q3b a101');
    expect(n('the handout is N1500')).toMatchObject({ text: 'the handout is n1500', obfuscated: false }); // naira (1.3.1: "nisoo")
    // one letter and one digit: only the short words the campus data spells so (not H1 → "hi", A5 → "as", F1 → "fi")
    expect(n('F1 tonight, H1 results, A5 paper').text).toBe('f1 tonight h1 results a5 paper');
    expect(n('s3nd m3 ur p1c n0w')).toMatchObject({ text: 'send me your pic now', obfuscated: true });
    // longer: when the result is a word the model knows
    expect(n('s33 h0t')).toMatchObject({ text: 'see hot', obfuscated: true });
    expect(n('snap me b4 you sleep').text).toBe('snap me before you sleep'); // a chat spelling, not "ba"
    expect(normalise('s33').text).toBe('see'); // without a vocabulary (recipe < 1.4.0), as before
  });

  test('acronyms written with dots in capitals are joined but are no obfuscation; the same letters in lower case are', () => {
    expect(normalise('W.A.E.C and N.E.C.O results, A.S.U.U strike')).toMatchObject({ text: 'waec and neco results asuu strike', obfuscated: false });
    expect(normalise('send N.U.D.E.S')).toMatchObject({ text: 'send nudes', obfuscated: false }); // still the word
    expect(normalise('send n.u.d.e.s')).toMatchObject({ text: 'send nudes', obfuscated: true });
    expect(normalise('J.A.M.B and s.m.a.s.h')).toMatchObject({ text: 'jamb and smash', obfuscated: true });
  });

  test('a long message of stretched words is undone word by word (its cost is measured in bench/moderation.ts)', () => {
    const v = prepareVocabulary(['good', 'send']);
    const text = 'aaabbbcccdddeeefffggghhh seeeend gooooood '.repeat(100); // 4,100 characters, every word stretched
    expect(normalise(text, v).text).toBe('abcdefgh send good '.repeat(100).trim());
  });

  test('the vocabulary of texts and phrases: words only, as normalised, sorted, once', () => {
    expect(vocabularyOf(['Good morning, see you at 10:00', 'gooood', 'soooo cool'], ['kiss me', 'the office'])).toEqual(['at', 'cool', 'good', 'kiss', 'me', 'morning', 'office', 'see', 'soo', 'the', 'you']);
  });

  test('Yoruba tone marks are stripped, and kept in the marked view', () => {
    const n = normalise('Ọmọ mi, má sọ fún ẹnikẹ́ni');
    expect(n.text).toBe('omo mi ma so fun enikeni');
    expect(n.marked).toContain('ọmọ');
    expect(n.marked).toContain('ẹnikẹ́ni');
    expect(norm('Omo mi, ma so fun enikeni')).toBe(n.text);
  });

  test('emoji become their own tokens (skin tones and joiners dropped)', () => {
    expect(normalise('come sit on my 🍆lol').tokens).toEqual(['come', 'sit', 'on', 'my', '🍆', 'lol']);
    expect(normalise('👍🏾').tokens).toEqual(['👍']);
  });

  test('course codes, times and ordinals are not treated as leetspeak', () => {
    expect(norm('CSC101 at 4pm on the 2nd floor')).toBe('csc101 at 4pm on the 2nd floor');
    expect(normalise('CSC101 at 4pm').obfuscated).toBe(false);
  });

  test('fullwidth and styled letters fold to ASCII; obfuscation is flagged', () => {
    expect(norm('𝐬𝐞𝐧𝐝 ｎｕｄｅｓ')).toBe('send nudes');
    expect(normalise('s3nd p!c').obfuscated).toBe(true);
    expect(normalise('send pic').obfuscated).toBe(false);
  });

  test('invisible characters and look-alike letters from other scripts', () => {
    expect(norm('nu\u200bdes')).toBe('nudes');
    expect(norm('sеnd nudеs')).toBe('send nudes'); // Cyrillic е
  });

  test('emails and links are replaced by placeholders', () => {
    expect(norm('mail tolu@unilag.edu.ng or see https://x.y/z')).toBe('mail emailaddress or see weblink');
  });

  test('is total: empty and odd input', () => {
    expect(normalise('').tokens).toEqual([]);
    expect(normalise('!!! *** ...').tokens).toEqual([]);
    expect(() => normalise('\u0000\ud800 \u200d')).not.toThrow();
  });
});
