import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABELS } from './labels';
import { DEFAULT_RECIPE, runRecipe } from './recipe';
import { prng } from './train';

let dir: string;
const BAD = ['send me a pic tonight', "don't tell your parents", 'come to my room alone', 'nobody will know', 'you look sexy'];
const GOOD = ['the lecture moved to friday', 'who has the past questions', 'library closes at ten', 'group study at noon', 'submit the lab report'];

function messages(seed: number, n: number) {
  const r = prng(seed);
  return Array.from({ length: n }, (_, i) => {
    const bad = r() < 0.5;
    const text = `${GOOD[Math.floor(r() * GOOD.length)]} ${bad ? BAD[Math.floor(r() * BAD.length)] : GOOD[Math.floor(r() * GOOD.length)]} ${i}`;
    const labels = bad ? (text.includes('alone') || text.includes('parents') || text.includes('nobody') ? ['sexual_solicitation', 'grooming_signal'] : ['sexual_solicitation']) : [];
    return { id: `m-${i}`, text, labels, lang: i % 3 ? 'en' : 'pcm', note: '' };
  });
}
function conversations(seed: number, n: number) {
  const r = prng(seed);
  return Array.from({ length: n }, (_, i) => {
    const g = i % 2 === 0;
    const turns = Array.from({ length: 6 }, (_, t) => {
      const speaker = t % 2 ? 'B' : 'A';
      const bad = g && speaker === 'A' && t >= 2;
      return { turn: t + 1, speaker, text: bad ? BAD[Math.floor(r() * BAD.length)]! : GOOD[Math.floor(r() * GOOD.length)]!, labels: bad ? ['grooming_signal'] : [] };
    });
    return {
      id: `c-${i}`,
      grooming_risk: g,
      participants: [
        { speaker: 'A', role: 'staff', age: 40, minor: false },
        { speaker: 'B', role: 'student', age: g ? 16 : 19, minor: g },
      ],
      turns,
    };
  });
}
const jsonl = (rows: unknown[]) => rows.map((x) => JSON.stringify(x)).join('\n') + '\n';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lt-recipe-'));
  mkdirSync(join(dir, 'campus'));
  writeFileSync(join(dir, 'campus/train.jsonl'), jsonl(messages(1, 80)));
  writeFileSync(join(dir, 'campus/dev.jsonl'), jsonl(messages(2, 30)));
  writeFileSync(join(dir, 'campus/conversations_train.jsonl'), jsonl(conversations(3, 10)));
  writeFileSync(join(dir, 'campus/conversations_dev.jsonl'), jsonl(conversations(4, 4)));
  // the English dictionary for the words kept whole ("reportage" would be cut into "report age")
  writeFileSync(join(dir, 'words.txt'), ['group', 'reportage', 'report', 'stupid'].join('\n'));
  // the same data where one phrase is grooming only when a lecturer sends it in a DM
  const withContext = (seed: number, n: number) =>
    messages(seed, n).map((m, i) => {
      const dm = i % 2 === 0;
      if (i % 4 > 1) return { ...m, context: dm ? 'dm' : 'room', sender_role: 'student' };
      return { ...m, text: `see me in my office after six ${i}`, labels: dm ? ['grooming_signal'] : [], context: dm ? 'dm' : 'room', sender_role: 'lecturer' };
    });
  mkdirSync(join(dir, 'ctx/campus'), { recursive: true });
  writeFileSync(join(dir, 'ctx/campus/train.jsonl'), jsonl(withContext(1, 120)));
  writeFileSync(join(dir, 'ctx/campus/dev.jsonl'), jsonl(withContext(2, 40)));
  writeFileSync(join(dir, 'ctx/campus/conversations_train.jsonl'), jsonl(conversations(3, 10)));
  writeFileSync(join(dir, 'ctx/campus/conversations_dev.jsonl'), jsonl(conversations(4, 4)));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each test trains small models (5 folds and a final fit); on a loaded 2-core machine one took over
// bun's 5 s default. The bound is generous on purpose: speed is not what these tests check.
const TRAINING = 60_000;

describe('training recipe', () => {
  const opts = () => ({ ...DEFAULT_RECIPE, dataDir: dir, dictionaryFile: join(dir, 'words.txt'), features: { ...DEFAULT_RECIPE.features, hashBits: 12 }, iterations: 40 });

  test('is deterministic end to end: the same data gives byte-identical weights files', () => {
    const a = runRecipe(opts());
    const b = runRecipe(opts());
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    expect(a.model.version).toBe(b.model.version);
  }, TRAINING);

  test('produces a usable model: ordered thresholds, grooming parameters, dev report', () => {
    const r = runRecipe(opts());
    for (const l of LABELS) expect(r.model.thresholds.hold[l]).toBeGreaterThanOrEqual(r.model.thresholds.review[l]);
    expect(r.model.grooming.threshold).toBeGreaterThan(r.model.grooming.base + r.model.grooming.noSharedCourse + r.model.grooming.newContact);
    expect(r.dev.labels.sexual_solicitation.recall).toBeGreaterThanOrEqual(0.9);
    expect(r.data.train_messages).toBe(80);
    expect(r.model.classify('send me a pic tonight').review).toContain('sexual_solicitation');
    // the vocabulary of the training texts and of the phrase lists, which stretched words are matched against
    const vocabulary = r.model.header.features.vocabulary!;
    expect(vocabulary).toContain('tell'); // "don't tell your parents" (train)
    expect(vocabulary).toContain('keeps'); // a speech-act word, in no training text
    expect(vocabulary).not.toContain('10'); // words only
    expect(r.model.score('seeeend me a piiic toniiight')).toEqual(r.model.score('send me a pic tonight'));
    // words run together are cut into vocabulary words, except the dictionary's words that would be cut
    expect(r.model.header.features.wholeWords).toEqual(['reportage']);
    expect(r.model.score('sendmeapic tonight')).toEqual(r.model.score('send me a pic tonight'));
  }, TRAINING);

  test('learns from the context where the data has it; text-only thresholds for messages without', () => {
    const r = runRecipe({ ...opts(), dataDir: join(dir, 'ctx') });
    const office = 'see me in my office after six';
    const dm = r.model.score(office, { context: 'dm', senderRole: 'lecturer' }).grooming_signal;
    const room = r.model.score(office, { context: 'room', senderRole: 'lecturer' }).grooming_signal;
    expect(dm).toBeGreaterThan(room + 0.3);
    expect(r.model.classify(office, { context: 'dm', senderRole: 'lecturer' }).review).toContain('grooming_signal');
    expect(r.model.classify(office, { context: 'room', senderRole: 'lecturer' }).review).not.toContain('grooming_signal');
    expect(r.model.header.textThresholds).toBeDefined();
    expect(r.model.thresholdsFor()).toEqual(r.model.header.textThresholds!);
    expect(r.model.thresholdsFor({ context: 'dm', senderRole: 'student' })).toEqual(r.model.thresholds);
    expect(r.model.thresholdsFor({ context: 'dm' })).toEqual(r.model.header.textThresholds!);
    // harassment reads no context (DEFAULT_RECIPE.contextLabels): its flat and conditional columns are off
    const cols = r.model.header.contextColumns!;
    expect(cols[LABELS.indexOf('sexual_harassment')]).toBe(0);
    expect(cols[LABELS.indexOf('grooming_signal')]).toBe(1);
    // the plain data has no context: no second set of thresholds
    expect(runRecipe(opts()).model.header.textThresholds).toBeUndefined();
  }, TRAINING);

  test("--extra: a university's judged messages are fitted with the train split (released ones as hard negatives)", () => {
    // officers released this everyday phrase many times: it shares "send me" and "tonight" with a request
    const phrase = 'send me the handout tonight';
    const released = Array.from({ length: 12 }, (_, i) => ({ text: `${phrase} ${i}`, labels: [], note: 'released by a safeguarding officer' }));
    writeFileSync(join(dir, 'judged.jsonl'), jsonl(released));
    const before = runRecipe(opts());
    const after = runRecipe({ ...opts(), extraFiles: [join(dir, 'judged.jsonl')] });
    expect(after.data.train_extra).toBe(12);
    expect(after.data.train_messages).toBe(80);
    expect(before.data.train_extra).toBeUndefined();
    expect(after.model.score(phrase).sexual_solicitation).toBeLessThan(before.model.score(phrase).sexual_solicitation / 2);
    // still caught: the request itself
    expect(after.model.classify('send me a pic tonight').review).toContain('sexual_solicitation');
    expect(after.model.header.training).toMatchObject({ extraFiles: ['judged.jsonl'] });
  }, TRAINING);
});
