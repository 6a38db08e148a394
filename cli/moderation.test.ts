import { beforeAll, describe, expect, test } from 'bun:test';
import { jsonl, scratchDir } from './test-workspace';

const scratch = scratchDir('lt-mod-cli-');
const MESSAGES = [
  { text: 'send me your nudes tonight, nobody will know', labels: ['sexual_solicitation', 'grooming_signal'], lang: 'en' },
  { text: "Don't tell your parents about us. Delete this chat 🤫", labels: ['grooming_signal'], lang: 'en' },
  { text: 'Abeg snd ur pikz na, the one wey u snap for bathroom 🙈', labels: ['sexual_solicitation'], lang: 'pcm' },
  { text: 'The CSC 201 test has moved to Friday 10am in LT2.', labels: [], lang: 'en' },
  { text: 'Reminder: BIO 104 practical covers the human reproductive system.', labels: [], lang: 'en', note: 'biology class' },
  { text: 'Ẹ jọ̀ọ́ who has the past questions for MTH 101?', labels: [], lang: 'yo-en' },
];
const turn = (n: number, speaker: string, text: string, labels: string[] = []) => ({ turn: n, speaker, text, labels });
const CONVERSATIONS = [
  {
    id: 'c-1',
    grooming_risk: true,
    participants: [
      { speaker: 'A', role: 'staff', age: 40, minor: false },
      { speaker: 'B', role: 'student', age: 16, minor: true },
    ],
    turns: [
      turn(1, 'A', 'Hello, I saw your ID card at the gate'),
      turn(2, 'B', 'Oh thank you sir'),
      turn(3, 'A', "You're so mature for 16. Don't tell your parents we talk 🤫", ['grooming_signal']),
      turn(4, 'A', 'Come to my quarters tonight, alone. Nobody will know', ['grooming_signal']),
    ],
  },
  {
    id: 'c-2',
    grooming_risk: false,
    participants: [
      { speaker: 'A', role: 'student', age: 19, minor: false },
      { speaker: 'B', role: 'student', age: 20, minor: false },
    ],
    turns: [turn(1, 'A', 'did you finish the lab report?'), turn(2, 'B', 'yes, sending it now')],
  },
];

beforeAll(() => {
  scratch.file('messages.jsonl', jsonl(MESSAGES));
  scratch.file('conversations.jsonl', jsonl(CONVERSATIONS));
  scratch.file('bad.jsonl', jsonl(MESSAGES.slice(0, 2)) + '{"text": "oops", \n');
  scratch.file('badlabel.jsonl', jsonl([{ text: 'hi', labels: ['spam'] }]));
});
const cli = (...argv: string[]) => scratch.cli(argv);

describe('moderation eval', () => {
  test('--json prints exactly one object with the documented keys', async () => {
    const r = await cli('moderation', 'eval', scratch.path('messages.jsonl'), '--conversations', scratch.path('conversations.jsonl'), '--json');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out.trim().split('\n')).toHaveLength(1);
    const j = JSON.parse(r.out);
    expect(Object.keys(j)).toEqual(['labels', 'languages', 'benign_false_positive_rate', 'conversations', 'latency_ms']);
    expect(Object.keys(j.labels)).toEqual(['sexual_solicitation', 'sexual_harassment', 'explicit', 'grooming_signal', 'threat', 'other_toxic']);
    for (const v of Object.values(j.labels) as Record<string, number | null>[]) {
      expect(Object.keys(v)).toEqual(['precision', 'recall', 'f1', 'roc_auc']);
      for (const x of Object.values(v)) expect(x === null || typeof x === 'number').toBe(true);
    }
    // no threat in the fixture: its recall and ROC-AUC have no value (they printed 0 and 0.5)
    expect(j.labels.threat).toMatchObject({ recall: null, roc_auc: null });
    expect(Object.keys(j.languages).sort()).toEqual(['en', 'pcm', 'yo-en']);
    for (const v of Object.values(j.languages) as Record<string, number>[]) expect(Object.keys(v)).toEqual(['recall', 'false_positive_rate']);
    expect(typeof j.benign_false_positive_rate).toBe('number');
    expect(Object.keys(j.conversations)).toEqual(['recall', 'precision', 'mean_first_alert_turn']);
    expect(Object.keys(j.latency_ms)).toEqual(['p50', 'p99']);
    expect(j.latency_ms.p99).toBeGreaterThanOrEqual(j.latency_ms.p50);
    // the fixture's obvious cases
    expect(j.labels.sexual_solicitation.recall).toBe(1);
    expect(j.conversations.recall).toBe(1);
    expect(j.conversations.mean_first_alert_turn).toBeGreaterThanOrEqual(3);
  });

  test('without --conversations, conversations is null', async () => {
    const r = await cli('moderation', 'eval', scratch.path('messages.jsonl'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).conversations).toBeNull();
  });

  test('text report lists labels, languages, benign FPR and conversations', async () => {
    const r = await cli('moderation', 'eval', scratch.path('messages.jsonl'), '--conversations', scratch.path('conversations.jsonl'));
    expect(r.code).toBe(0);
    for (const s of ['sexual_solicitation', 'overall (micro)', 'pcm', 'benign false-positive rate', 'conversations: 2 (1 grooming)', 'p99']) expect(r.out).toContain(s);
  });

  test('bad input: one-line errors, exit 1', async () => {
    const missing = await cli('moderation', 'eval', scratch.path('nope.jsonl'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^error: cannot read .*nope\.jsonl: no such file\n$/);
    const bad = await cli('moderation', 'eval', scratch.path('bad.jsonl'));
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^error: .*bad\.jsonl:3: malformed JSON\n$/);
    // an unknown label is a warning (moderation-eval.test.ts); a file of nothing else has nothing to evaluate
    const label = await cli('moderation', 'eval', scratch.path('badlabel.jsonl'));
    expect(label.code).toBe(1);
    expect(label.err).toEndWith(`error: ${scratch.path('badlabel.jsonl')} has no messages to evaluate: every line's labels are unknown\n`);
    const conv = await cli('moderation', 'eval', scratch.path('messages.jsonl'), '--conversations', scratch.path('messages.jsonl'));
    expect(conv.code).toBe(1);
    expect(conv.err.trim().split('\n')).toHaveLength(1);
    const weights = await cli('moderation', 'eval', scratch.path('messages.jsonl'), '--weights', scratch.path('messages.jsonl'));
    expect(weights.code).toBe(1);
    expect(weights.err).toContain('not a moderation weights file');
    // An empty file is no evaluation (it printed zeros and exit 0).
    scratch.file('empty.jsonl', '\n');
    expect(await cli('moderation', 'eval', scratch.path('empty.jsonl'))).toMatchObject({ code: 1, err: `error: ${scratch.path('empty.jsonl')} has no messages (one JSON object per line)\n` });
  });

  test('context and sender_role are read whatever their case (DM is dm)', async () => {
    scratch.file('cased.jsonl', jsonl([{ text: 'send me your pics', labels: ['sexual_solicitation'], context: 'DM', sender_role: 'Student' }]));
    scratch.file('lower.jsonl', jsonl([{ text: 'send me your pics', labels: ['sexual_solicitation'], context: 'dm', sender_role: 'student' }]));
    const [cased, lower] = (await Promise.all(['cased', 'lower'].map(async (f) => (await cli('moderation', 'eval', scratch.path(`${f}.jsonl`))).out))) as [string, string];
    expect(cased).toContain('1 with context');
    expect(cased.replace(/p50 .*\n/g, '').replace(/[\d.]+ ms/g, '')).toBe(lower.replace(/p50 .*\n/g, '').replace(/[\d.]+ ms/g, ''));
  });

  test('usage errors exit 2', async () => {
    expect((await cli('moderation', 'eval')).code).toBe(2);
    expect((await cli('moderation', 'eval', 'a', '--bogus')).code).toBe(2);
  });
});

describe('moderation classify', () => {
  test('prints every label and the review/hold flags', async () => {
    const r = await cli('moderation', 'classify', '--json', 's3nd', 'n00dz', '2nite');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.review).toContain('sexual_solicitation');
    const t = await cli('moderation', 'classify', 'hello', 'there');
    expect(t.out.trim().split('\n')).toHaveLength(6);
  });

  test('--context and --role give the model where and by whom the message is sent', async () => {
    const text = ['come', 'to', 'my', 'office', 'after', '6pm,', 'alone'];
    const bare = JSON.parse((await cli('moderation', 'classify', '--json', ...text)).out);
    const r = await cli('moderation', 'classify', '--json', '--context', 'dm', '--role', 'lecturer', ...text);
    expect(r.code).toBe(0);
    const withCtx = JSON.parse(r.out);
    expect(withCtx.scores.grooming_signal).not.toBe(bare.scores.grooming_signal);
    expect((await cli('moderation', 'classify', '--context', 'forum', 'hi')).code).toBe(2);
    expect((await cli('moderation', 'classify', '--role', 'dean', 'hi')).code).toBe(2);
    const half = await cli('moderation', 'classify', '--role', 'lecturer', 'hi');
    expect(half.code).toBe(2); // a usage error, like every other one
    expect(half.err).toContain('--context and --role go together');
  });
});
