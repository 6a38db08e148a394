/** `moderation eval`: what the report counts and how it reads its files (the process around it: main.test.ts). */
import { describe, expect, test } from 'bun:test';
import { jsonl, scratchDir } from './test-workspace';

const scratch = scratchDir('lt-mod-eval-');
const file = scratch.file;
const cli = scratch.cli;

const evalJson = async (messages: string, ...more: string[]) => {
  const r = await cli(['moderation', 'eval', messages, '--json', ...more]);
  expect(r.code).toBe(0);
  return { ...r, j: JSON.parse(r.out) };
};

const SOLICIT = 'send me your nudes tonight, nobody will know'; // reviewed for solicitation and grooming, not threat
const BENIGN = 'The CSC 201 test has moved to Friday 10am in LT2.'; // nothing flagged

describe('per-language recall', () => {
  test('a message is caught by one of its own labels, not by a neighbouring one', async () => {
    const { j } = await evalJson(
      file('own.jsonl', jsonl([
        { text: SOLICIT, labels: ['threat'], lang: 'xx' }, // flagged, but not for what it is
        { text: SOLICIT, labels: ['threat', 'grooming_signal'], lang: 'yy' },
      ])),
    );
    expect(j.languages.xx.recall).toBe(0);
    expect(j.languages.yy.recall).toBe(1);
  });

  test('languages are trimmed and lower-cased, and any name is a language (__proto__ too)', async () => {
    const { j, out } = await evalJson(
      file('langs.jsonl', jsonl([
        { text: SOLICIT, labels: ['sexual_solicitation'], lang: ' EN ' },
        { text: BENIGN, labels: [], lang: 'En' },
        { text: SOLICIT, labels: ['sexual_solicitation'], lang: '__proto__' },
        { text: BENIGN, labels: [], lang: 'constructor' },
        { text: BENIGN, labels: [], lang: '  ' },
      ])),
    );
    expect(out).toContain('"__proto__":{"recall":1,');
    expect(Object.keys(j.languages)).toEqual(['__proto__', 'constructor', 'en', 'unknown']);
    expect(j.languages.en).toEqual({ recall: 1, false_positive_rate: 0 });
    expect(Object.getOwnPropertyDescriptor(j.languages, '__proto__')?.value).toEqual({ recall: 1, false_positive_rate: null });
  });
});

describe('metrics without a defined value', () => {
  test('are null in --json and n/a in the text report, not 0 or 0.5', async () => {
    const f = file('benign.jsonl', jsonl([{ text: BENIGN, labels: [], lang: 'en' }]));
    const { j } = await evalJson(f);
    // nothing flagged, no positives: no precision, recall, F1 or ROC-AUC; no labelled English message
    expect(j.labels.threat).toEqual({ precision: null, recall: null, f1: null, roc_auc: null });
    expect(j.languages.en).toEqual({ recall: null, false_positive_rate: 0 });
    expect(j.benign_false_positive_rate).toBe(0);
    const text = await cli(['moderation', 'eval', f]);
    expect(text.out).toMatch(/^threat\s+0\s+[\d.]+\s+n\/a\s+n\/a\s+n\/a\s+n\/a$/m);
    expect(text.out).toMatch(/^en\s+0\s+n\/a\s+1\s+0\.000$/m);
  });

  test('conversations: no grooming conversation, no alert → recall, precision and first alert turn are null', async () => {
    const m = file('one.jsonl', jsonl([{ text: BENIGN, labels: [] }]));
    const c = file('quiet.jsonl', jsonl([{ grooming_risk: false, participants: [{ speaker: 'A', age: 20 }, { speaker: 'B', age: 21 }], turns: [{ speaker: 'A', text: 'hi' }] }]));
    const { j } = await evalJson(m, '--conversations', c);
    expect(j.conversations).toEqual({ recall: null, precision: null, mean_first_alert_turn: null });
    expect((await cli(['moderation', 'eval', m, '--conversations', c])).out).toContain('recall n/a, precision n/a, mean first alert turn n/a');
  });
});

describe('reading the files', () => {
  test('an empty or blank conversations file is an error, like an empty messages file', async () => {
    const m = file('m.jsonl', jsonl([{ text: BENIGN, labels: [] }]));
    for (const [name, text] of [['empty.jsonl', ''], ['blank.jsonl', '\n  \n\t\n']] as const) {
      const c = file(name, text);
      expect(await cli(['moderation', 'eval', m, '--conversations', c, '--json'])).toEqual({ code: 1, out: '', err: `error: ${c} has no conversations (one JSON object per line)\n` });
      expect(await cli(['moderation', 'eval', c, '--json'])).toEqual({ code: 1, out: '', err: `error: ${c} has no messages (one JSON object per line)\n` });
    }
  });

  test('unknown labels: one warning per name with its count, the label ignored; labels null is benign', async () => {
    const f = file('unknown.jsonl', jsonl([
      { text: SOLICIT, labels: ['sexual_solicitation', 'spam'], lang: 'en' },
      { text: SOLICIT, labels: ['spam', 'sexual_solicitation', 'spam'], lang: 'en' },
      { text: BENIGN, labels: ['spam'], lang: 'en' }, // nothing we can score: left out, not benign
      { text: BENIGN, labels: [7], lang: 'en' },
      { text: BENIGN, labels: null, lang: 'en' },
    ]));
    const r = await cli(['moderation', 'eval', f]);
    expect(r.code).toBe(0);
    expect(r.err.split('\n').filter(Boolean)).toEqual([
      `warning: ${f}: unknown label "spam" on 3 line(s), ignored (known: sexual_solicitation, sexual_harassment, explicit, grooming_signal, threat, other_toxic)`,
      `warning: ${f}: unknown label "7" on 1 line(s), ignored (known: sexual_solicitation, sexual_harassment, explicit, grooming_signal, threat, other_toxic)`,
      `warning: ${f}: 2 line(s) left out, every label they carry is unknown (not benign either): line(s) 3, 4`,
    ]);
    expect(r.out).toContain('3 message(s)');
    expect(r.out).toContain('(1 benign)');
    expect(r.out).toMatch(/^sexual_solicitation\s+2\s/m);
    // a malformed line is still the end of the run
    expect((await cli(['moderation', 'eval', file('broken.jsonl', '{"text": "hi", "labels": [\n')])).code).toBe(1);
  });

  test("conversations: turn labels are not read; unreadable account facts are a warning naming the line", async () => {
    const m = file('m2.jsonl', jsonl([{ text: BENIGN, labels: [] }]));
    const ok = { grooming_risk: false, participants: [{ speaker: 'A', age: 30 }, { speaker: 'B', minor: true }], turns: [{ speaker: 'A', text: 'hello', labels: ['spam'] }, { speaker: 'B', text: 'hi', labels: 'none' }] };
    const c = file('facts.jsonl', jsonl([
      ok,
      { ...ok, participants: [{ speaker: 'A', role: 'staff' }, { speaker: 'B', minor: 'yes', age: '15' }] },
      { ...ok, turns: [...ok.turns, { speaker: 'C', text: 'hey' }] },
      { ...ok, participants: [{ speaker: 'A', age: 30, minor: 'no' }, { speaker: 'B', minor: true, age: 'fifteen' }] },
    ]));
    const r = await cli(['moderation', 'eval', m, '--conversations', c, '--json']);
    expect(r.code).toBe(0);
    expect(r.err.split('\n').filter(Boolean)).toEqual([
      `warning: ${c}:2: account facts unreadable: participant "A" has no "minor" (true or false) or "age" (a number): taken as not a minor; participant "B" has no "minor" (true or false) or "age" (a number): taken as not a minor`,
      `warning: ${c}:3: account facts unreadable: turns by "C", who is not among the participants (no facts)`,
      `warning: ${c}:4: account facts unreadable: participant "A"'s "minor" is not true or false: taken from "age"; participant "B"'s "age" is not a number`,
    ]);
  });
});
