import { describe, expect, test } from 'bun:test';
import { computeIdf, decodeIdf, extract, type FeatureConfig } from './features';
import { LABELS } from './labels';
import { encodeModel, modelFromBytes } from './model';
import { prng, scoreWith, train, type TrainExample } from './train';

const CFG: FeatureConfig = { hashBits: 12, charMin: 2, charMax: 3, bigrams: true, skip: 0, wordWeight: 1, charWeight: 1, cueWeight: 0.5 };
const BAD = ['send', 'nudes', 'pic', 'alone', 'secret', 'tonight'];
const GOOD = ['lecture', 'notes', 'exam', 'library', 'timetable', 'project'];

/** A small synthetic dataset: label 0 when a "bad" word is present, label 3 when two are. */
function dataset(seed: number, n = 120): TrainExample[] {
  const r = prng(seed);
  const pick = (xs: string[]) => xs[Math.floor(r() * xs.length)]!;
  return Array.from({ length: n }, () => {
    const bad = Math.floor(r() * 3);
    const words = [pick(GOOD), pick(GOOD), ...Array.from({ length: bad }, () => pick(BAD))];
    const y = LABELS.map((_, l) => (l === 0 ? Number(bad > 0) : l === 3 ? Number(bad > 1) : 0));
    return { text: words.join(' '), y };
  });
}

function fit(seed: number) {
  const ex = dataset(seed);
  const idf = computeIdf(
    ex.map((e) => e.text),
    CFG,
  );
  const idfF = decodeIdf(idf.codes, idf.idfMax);
  const tw = train(ex, { features: CFG, l2: 0.1, iterations: 50 }, ex.map((e) => extract(e.text, CFG, idfF)));
  return { tw, idf, idfF };
}

describe('training', () => {
  test('deterministic: same seed and data give bit-identical weights and files', () => {
    const a = fit(7);
    const b = fit(7);
    expect(Buffer.from(a.tw.weights.buffer).equals(Buffer.from(b.tw.weights.buffer))).toBe(true);
    expect(Array.from(a.tw.bias)).toEqual(Array.from(b.tw.bias));
    const meta = (tw: typeof a.tw, idf: typeof a.idf) =>
      encodeModel(tw, idf, {
        recipe: 'test',
        features: CFG,
        thresholds: { review: Object.fromEntries(LABELS.map((l) => [l, 0.3])) as never, hold: Object.fromEntries(LABELS.map((l) => [l, 0.8])) as never },
        grooming: { window: 10, topK: 2, labelWeights: { grooming_signal: 1 }, base: 0.2, recipientMinor: 0.1, minorAndAdult: 0.5, noSharedCourse: 0.1, newContact: 0.1, threshold: 0.4 },
        training: {},
      });
    const fa = meta(a.tw, a.idf);
    const fb = meta(b.tw, b.idf);
    expect(Buffer.from(fa).equals(Buffer.from(fb))).toBe(true);
    expect(modelFromBytes(fa).version).toBe(modelFromBytes(fb).version);
  });

  test('a different seed gives different data and different weights', () => {
    const a = fit(7);
    const c = fit(8);
    expect(Buffer.from(a.tw.weights.buffer).equals(Buffer.from(c.tw.weights.buffer))).toBe(false);
  });

  test('learns the synthetic rule; labels with no positives stay low', () => {
    const { tw, idfF } = fit(7);
    const s = (t: string) => scoreWith(tw, extract(t, CFG, idfF));
    expect(s('library exam send nudes')[0]!).toBeGreaterThan(0.8);
    expect(s('library exam timetable')[0]!).toBeLessThan(0.2);
    expect(s('send nudes alone tonight')[3]!).toBeGreaterThan(s('library notes')[3]!);
    expect(s('send nudes')[4]!).toBeLessThan(0.1);
  });

  test('prng is deterministic per seed', () => {
    const a = prng(1);
    const b = prng(1);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });
});

describe('context group', () => {
  const C: FeatureConfig = { ...CFG, contextWeight: 1 };
  const lecturerDm = { context: 'dm', senderRole: 'lecturer' };

  test('extract: the context group comes last, from ctxFrom, three names at 1/√3 each; none without (both) facts or when off', () => {
    const f = extract('see me after class', C, undefined, true, lecturerDm);
    expect(f.n - f.ctxFrom).toBe(3);
    for (let j = f.ctxFrom; j < f.n; j++) expect(f.val[j]).toBeCloseTo(1 / Math.sqrt(3), 6);
    const plain = extract('see me after class', C);
    expect(plain.ctxFrom).toBe(plain.n);
    expect(Array.from(plain.idx.subarray(0, plain.n))).toEqual(Array.from(f.idx.subarray(0, f.ctxFrom)));
    expect(extract('see me after class', C, undefined, true, { context: 'dm' }).n).toBe(plain.n);
    const off = extract('see me after class', CFG, undefined, true, lecturerDm);
    expect(off.ctxFrom).toBe(off.n);
    // the shared (copy = false) buffers report the same boundary
    const shared = extract('see me after class', C, undefined, false, lecturerDm);
    expect([shared.n, shared.ctxFrom]).toEqual([f.n, f.ctxFrom]);
  });

  test('train: a label whose head reads context learns it; one that does not, cannot', () => {
    // labels 0 and 1 are both "sent in a DM"; the text says nothing
    const r = prng(7);
    const ex: TrainExample[] = Array.from({ length: 200 }, (_, i) => {
      const dm = r() < 0.5;
      return { text: `${GOOD[i % GOOD.length]} ${GOOD[(i * 7) % GOOD.length]}`, y: LABELS.map((_, l) => (l < 2 && dm ? 1 : 0)), ctx: { context: dm ? 'dm' : 'room', senderRole: 'student' } };
    });
    const tw = train(ex, { features: C, l2: 0.1, iterations: 100, contextLabels: [1, 0, 0, 0, 0, 0] });
    const score = (context: string) => scoreWith(tw, extract('lecture notes', C, undefined, true, { context, senderRole: 'student' }));
    const [dm, room] = [score('dm'), score('room')];
    expect(dm[0]! - room[0]!).toBeGreaterThan(0.5);
    expect(dm[1]).toBe(room[1]!);
    expect(Array.from(tw.contextColumns!)).toEqual([1, 0, 0, 0, 0, 0]);
  });
});
