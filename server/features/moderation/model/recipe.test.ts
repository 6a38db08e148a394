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
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('training recipe', () => {
  const opts = () => ({ ...DEFAULT_RECIPE, dataDir: dir, features: { ...DEFAULT_RECIPE.features, hashBits: 12 }, iterations: 40 });

  test('is deterministic end to end: the same data gives byte-identical weights files', () => {
    const a = runRecipe(opts());
    const b = runRecipe(opts());
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    expect(a.model.version).toBe(b.model.version);
  });

  test('produces a usable model: ordered thresholds, grooming parameters, dev report', () => {
    const r = runRecipe(opts());
    for (const l of LABELS) expect(r.model.thresholds.hold[l]).toBeGreaterThanOrEqual(r.model.thresholds.review[l]);
    expect(r.model.grooming.threshold).toBeGreaterThan(r.model.grooming.base + r.model.grooming.noSharedCourse + r.model.grooming.newContact);
    expect(r.dev.labels.sexual_solicitation.recall).toBeGreaterThanOrEqual(0.9);
    expect(r.data.train_messages).toBe(80);
    expect(r.model.classify('send me a pic tonight').review).toContain('sexual_solicitation');
  });
});
