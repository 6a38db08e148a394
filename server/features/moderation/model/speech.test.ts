import { describe, expect, test } from 'bun:test';
import { extract } from './features';
import { normalise } from './normalise';
import { FEATURES } from './recipe';
import { ACT_CATEGORIES, actCategories } from './speech';

const acts = (s: string) => actCategories(s, normalise(s).tokens);

describe('speech-act categories', () => {
  test('only known category names, no repeats', () => {
    for (const t of ['', 'he asked me for pics, what should I do?', 'send pic now', 'PSA: "report it" everyone', 'x '.repeat(40)]) {
      const a = acts(t);
      expect(new Set(a).size).toBe(a.length);
      for (const c of a) expect(ACT_CATEGORIES as readonly string[]).toContain(c);
    }
  });

  test('a report of what a third person said to me', () => {
    const a = acts('He told me not to tell anyone. What should I do?');
    expect(a).toContain('act_third_to_me');
    expect(a).toContain('act_help_seeking');
    expect(a).toContain('act_question');
    expect(a).toContain('act_no_you');
  });

  test('a request addressed to the recipient', () => {
    const a = acts("Send me a pic, don't tell your parents");
    expect(a).toContain('act_imperative');
    expect(a).toContain('act_you');
    expect(a).not.toContain('act_third_to_me');
  });

  test('quotes, broadcasts, boundaries and refusals', () => {
    expect(acts('a guy said "come to my room" lol')).toContain('act_quote');
    expect(acts('PSA girls: report anyone who asks for pics')).toContain('act_broadcast');
    expect(acts("Please don't come to my house; use office hours.")).toContain('act_boundary');
    expect(acts('I said no and I blocked him')).toContain('act_i_refused');
  });

  test('the shipped features include them (cue group)', () => {
    const withActs = extract('he asked me for nudes, what should I do?', FEATURES);
    const without = extract('he asked me for nudes, what should I do?', { ...FEATURES, acts: false });
    expect(withActs.n).toBeGreaterThan(without.n);
  });
});
