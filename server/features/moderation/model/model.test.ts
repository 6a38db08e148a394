import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { LABELS, type Label } from './labels';
import { DEFAULT_WEIGHTS_PATH, encodeModel, loadModel, MAGIC, ModelFormatError, modelFromBytes } from './model';
import { classify, groomingRisk } from './index';

const model = loadModel();

describe('shipped model', () => {
  test('loads once, with a version, six labels and ordered thresholds', () => {
    expect(loadModel()).toBe(model);
    expect(model.version).toMatch(/^\d+\.\d+\.\d+\+[0-9a-f]{8}$/);
    expect(model.labels).toEqual(LABELS);
    for (const l of LABELS) {
      expect(model.thresholds.review[l]).toBeGreaterThan(0);
      expect(model.thresholds.hold[l]).toBeGreaterThanOrEqual(model.thresholds.review[l]);
      expect(model.thresholds.hold[l]).toBeLessThanOrEqual(1);
    }
    expect(model.grooming.threshold).toBeGreaterThan(0);
  });

  test('weights file is commit-sized (≤ 4 MB) and in the documented format', () => {
    const bytes = readFileSync(DEFAULT_WEIGHTS_PATH);
    expect(bytes.length).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(bytes.subarray(0, 8).toString('latin1')).toBe(MAGIC);
  });

  test('scores are probabilities for every label, for any input', () => {
    for (const t of ['', 'hello', 'x'.repeat(4000), '😈'.repeat(300), 'Ọmọ mi, ẹ kú iṣẹ́ o', '\u0000\ud800']) {
      const s = model.score(t);
      expect(Object.keys(s)).toEqual([...LABELS]);
      for (const l of LABELS) {
        expect(Number.isFinite(s[l])).toBe(true);
        expect(s[l]).toBeGreaterThanOrEqual(0);
        expect(s[l]).toBeLessThanOrEqual(1);
      }
    }
  });

  test('pure: the same text always gives the same scores', () => {
    const a = model.score('send me a pic, nobody will know 🤫');
    model.score('something else entirely');
    expect(model.score('send me a pic, nobody will know 🤫')).toEqual(a);
  });

  test('obvious cases land on the right side of the review threshold', () => {
    expect(classify('send me your nudes tonight').review).toContain('sexual_solicitation');
    expect(classify('s3nd n00dz 2nite').review).toContain('sexual_solicitation');
    expect(classify('The CSC 201 test has moved to Friday 10am in LT2.').review).toEqual([]);
  });

  test('stretched letters do not hide a message: the same labels as the plain text', () => {
    // (capping runs at two, recipe 1.3.0, held none of these stretched messages, and missed the second)
    for (const [plain, stretched] of [
      ['send me your nudes tonight', 'seeeend me your nuuuudes toniiiight'],
      ['send nudes please', 'seeeend nuuuudes pleeeease'],
      ['delete our chat, nobody must know', 'deleeeete our chaaaat, nobody must knooow'],
      ['send me a pic of you in your underwear', 'seeeend me a piiiic of you in your underweeeear'],
    ]) {
      const [p, st] = [classify(plain!), classify(stretched!)];
      expect(p.review.length).toBeGreaterThan(0);
      expect([st.review, st.hold]).toEqual([p.review, p.hold]);
    }
    expect(classify('gooooood morning class, the lab opens at 9').review).toEqual([]);
    // questions, rooms and tests named by a letter and a digit are no leetspeak (1.3.1 reviewed both as solicitation)
    expect(classify('Has anyone solved Q3 and Q4?').review).toEqual([]);
    expect(classify('T1 and T2 results are out').review).toEqual([]);
  });

  test('words run together do not hide a message: the same labels as the plain text; real words stay whole', () => {
    // (recipe 1.3.1 reviewed two of these four run together and held one; the grooming in none)
    for (const [plain, joined] of [
      ['send me your nudes tonight', 'sendmeyournudes tonight'],
      ['send nudes please', 'sendnudes please'],
      ['delete our chat, nobody must know', 'deleteourchat, nobodymustknow'],
      ['come to my room alone tonight', 'cometomyroom alonetonight'],
    ]) {
      const [p, j] = [classify(plain!), classify(joined!)];
      expect(p.review.length).toBeGreaterThan(0);
      expect([j.review, j.hold]).toEqual([p.review, p.hold]);
    }
    // English words are not cut into harmful pieces: "button" is kept whole (the model's list), "assume"
    // would be mostly short pieces ("ass u me"); abuse run together is no English word and is cut
    const words = model.header.features.wholeWords!;
    expect(words).toContain('button');
    expect(words).not.toContain('cockslut');
    expect(classify('press the button and assume the printer is broken').review).toEqual([]);
  });

  const texts = ['send nudes', "don't tell your parents, come alone", 'you are so stupid', 'I will kill you', 'lecture notes please', 'come to my office after 6, alone', 'send nudes or stop wasting my time', "You're so beautiful for your age. I hope you know that"];

  test('everyday one- and two-word messages are not held (recipe 1.5.0 hold gate); short ones with a harm cue still are', () => {
    const ctx = { context: 'dm', senderRole: 'student' };
    for (const t of ['lol', '😂', '😂😂', 'again', 'Again', 'lmao', 'ok', 'haha', 'try again', 'lol no', 'see you', 'call me']) expect([t, model.classify(t, ctx).hold]).toEqual([t, []]);
    // Held by 1.4.0 and still held: a short request with a cue of the harm (camera), a longer one, and
    // short grooming probes (the gate covers only explicit and other_toxic).
    for (const t of ['send pics', 'send me nudes']) expect([t, model.classify(t, ctx).hold.length > 0]).toEqual([t, true]);
    for (const t of ['how old?', 'your age?', 'your parents?']) expect([t, model.classify(t, { context: 'dm', senderRole: 'lecturer' }).hold]).toEqual([t, ['grooming_signal']]);
  });

  test('classify without context: review and hold are exactly the labels at or above the text-only thresholds', () => {
    const th = model.thresholdsFor();
    for (const t of texts) {
      const c = model.classify(t);
      expect(c.review).toEqual(LABELS.filter((l) => c.scores[l] >= th.review[l]));
      expect(c.hold).toEqual(LABELS.filter((l) => c.scores[l] >= th.hold[l]));
      for (const l of c.hold) expect(c.review).toContain(l);
    }
  });

  test('classify with context: its thresholds, but context never releases what the text alone would hold', () => {
    const ctxs = [
      { context: 'dm', senderRole: 'lecturer' },
      { context: 'room', senderRole: 'lecturer' },
      { context: 'room', senderRole: 'student' },
    ];
    let floorUsed = 0;
    for (const t of texts)
      for (const ctx of ctxs) {
        const c = model.classify(t, ctx);
        const text = model.score(t);
        const textHold = LABELS.filter((l) => text[l] >= model.thresholdsFor().hold[l]);
        expect(c.scores).toEqual(model.score(t, ctx));
        expect(c.hold).toEqual(LABELS.filter((l) => c.scores[l] >= model.thresholds.hold[l] || textHold.includes(l)));
        expect(c.review).toEqual(LABELS.filter((l) => c.scores[l] >= model.thresholds.review[l] || c.hold.includes(l)));
        floorUsed += c.hold.filter((l) => c.scores[l] < model.thresholds.hold[l]).length;
      }
    // e.g. a lecturer's request for nudes in a course room scores below the hold threshold there (no such
    // post in the training data), and is still held
    expect(floorUsed).toBeGreaterThan(0);
  });

  test('module-level groomingRisk uses the shipped parameters', () => {
    const f = { recipientMinor: true, senderAdult: true, sharedCourse: false, newContact: true };
    expect(groomingRisk([], f)).toEqual(model.groomingRisk([], f));
  });
});

describe('threshold logic on a hand-made model', () => {
  // one bucket-free model: all weights 0, so every score is sigmoid(bias)
  const hashBits = 4;
  const biases = [2, 0, -2, 0.5, -0.5, 0]; // sigmoid ≈ 0.881, 0.5, 0.119, 0.622, 0.378, 0.5
  const th = (xs: number[]) => Object.fromEntries(LABELS.map((l, i) => [l, xs[i]!])) as Record<Label, number>;
  const bytes = encodeModel(
    { hashBits, weights: new Float32Array(16 * LABELS.length), bias: Float32Array.from(biases) },
    { codes: new Uint8Array(16), idfMax: 2 },
    {
      recipe: '0.0.0',
      features: { hashBits, charMin: 2, charMax: 3, bigrams: true, skip: 0, wordWeight: 1, charWeight: 1, cueWeight: 0 },
      thresholds: { review: th([0.5, 0.5, 0.5, 0.6, 0.3, 0.5]), hold: th([0.85, 0.9, 0.9, 0.9, 0.9, 0.5]) },
      grooming: { window: 10, topK: 2, labelWeights: { grooming_signal: 1 }, base: 0.2, recipientMinor: 0.1, minorAndAdult: 0.5, noSharedCourse: 0.1, newContact: 0.1, threshold: 0.4 },
      training: {},
    },
  );
  const m = modelFromBytes(bytes);

  test('at or above review → review; at or above hold → hold (a score equal to a threshold counts)', () => {
    const c = m.classify('anything');
    expect(c.scores.sexual_harassment).toBe(0.5);
    expect(c.review).toEqual(['sexual_solicitation', 'sexual_harassment', 'grooming_signal', 'threat', 'other_toxic']);
    expect(c.hold).toEqual(['sexual_solicitation', 'other_toxic']);
  });

  test('the hold gate: a message of fewer than minTokens tokens is held only with a harm cue; it is still reviewed', () => {
    const header = JSON.parse(JSON.stringify(m.header));
    const gatedBytes = encodeModel(
      { hashBits, weights: new Float32Array(16 * LABELS.length), bias: Float32Array.from(biases) },
      { codes: new Uint8Array(16), idfMax: 2 },
      { recipe: '0.0.0', features: header.features, thresholds: header.thresholds, grooming: header.grooming, holdGate: { minTokens: 3, labels: ['sexual_solicitation', 'other_toxic'], cues: ['secrecy'] }, training: {} },
    );
    const g = modelFromBytes(gatedBytes);
    expect(g.classify('lol').hold).toEqual([]);
    expect(g.classify('lol').review).toEqual(m.classify('lol').review);
    expect(g.classify('lol ok', { context: 'dm', senderRole: 'student' }).hold).toEqual([]);
    expect(g.classify('see you tomorrow then').hold).toEqual(['sexual_solicitation', 'other_toxic']); // three tokens or more
    expect(g.classify('our secret').hold).toEqual(['sexual_solicitation', 'other_toxic']); // a cue of a harm (secrecy)
    expect(m.classify('lol').hold).toEqual(['sexual_solicitation', 'other_toxic']); // no gate in the header: as before
  });

  test('rejects files that are not weights files', () => {
    expect(() => modelFromBytes(new TextEncoder().encode('hello world, not a model'))).toThrow(ModelFormatError);
    expect(() => modelFromBytes(bytes.subarray(0, bytes.length - 1))).toThrow(ModelFormatError);
    const broken = bytes.slice();
    broken[12] = 0x7b + 1; // corrupt the JSON header
    expect(() => modelFromBytes(broken)).toThrow(ModelFormatError);
  });
});

describe('factored scoring on a hand-made model', () => {
  // all weights 0: the flat heads give sigmoid(flat bias), "some label" sigmoid(2) and label l given some label sigmoid(cond bias)
  const hashBits = 4;
  const K = LABELS.length;
  const sig = (z: number) => 1 / (1 + Math.exp(-z));
  const flat = [2, 0, -2, 0.5, -0.5, 0];
  const cond = [1, -1, 0, 3, -3, 0.5];
  const blend = [1, 0.75, 0.5, 0, 0, 0.25];
  const th = (x: number) => Object.fromEntries(LABELS.map((l) => [l, x])) as Record<Label, number>;
  const meta = {
    recipe: '0.0.0',
    features: { hashBits, charMin: 2, charMax: 3, bigrams: true, skip: 0, wordWeight: 1, charWeight: 1, cueWeight: 0 },
    thresholds: { review: th(0.5), hold: th(0.9) },
    grooming: { window: 10, topK: 2, labelWeights: { grooming_signal: 1 }, base: 0.2, recipientMinor: 0.1, minorAndAdult: 0.5, noSharedCourse: 0.1, newContact: 0.1, threshold: 0.4 },
    training: {},
  };
  const weights = { hashBits, weights: new Float32Array(16 * (2 * K + 1)), bias: Float32Array.from([...flat, 2, ...cond]) };

  test('score = (1 − blend) · P(some label) · P(label | some label) + blend · P(label)', () => {
    const m = modelFromBytes(encodeModel(weights, { codes: new Uint8Array(16), idfMax: 2 }, { ...meta, factored: { blend } }));
    const s = m.scoreArray('anything');
    LABELS.forEach((_, l) => expect(s[l]).toBeCloseTo((1 - blend[l]!) * sig(2) * sig(cond[l]!) + blend[l]! * sig(flat[l]!), 6));
  });

  test('the columns must match the scoring', () => {
    expect(() => encodeModel(weights, { codes: new Uint8Array(16), idfMax: 2 }, meta)).toThrow(ModelFormatError);
  });
});

describe('context on a hand-made model', () => {
  // every weight 1; words and characters have IDF code 0 (never seen, dropped), so only the context
  // group (no IDF) can move a score, and only in the columns that read it
  const hashBits = 4;
  const K = LABELS.length;
  const th = (x: number) => Object.fromEntries(LABELS.map((l) => [l, x])) as Record<Label, number>;
  const contextColumns = Uint8Array.from([1, 0, 0, 1, 0, 1]);
  const m = modelFromBytes(
    encodeModel(
      { hashBits, weights: new Float32Array(16 * K).fill(1), bias: new Float32Array(K), contextColumns },
      { codes: new Uint8Array(16), idfMax: 2 },
      {
        recipe: '0.0.0',
        features: { hashBits, charMin: 2, charMax: 3, bigrams: true, skip: 0, wordWeight: 1, charWeight: 1, cueWeight: 0, contextWeight: 1 },
        thresholds: { review: th(0.5), hold: th(0.9) },
        textThresholds: { review: th(0.6), hold: th(0.95) },
        grooming: { window: 10, topK: 2, labelWeights: { grooming_signal: 1 }, base: 0.2, recipientMinor: 0.1, minorAndAdult: 0.5, noSharedCourse: 0.1, newContact: 0.1, threshold: 0.4 },
        training: {},
      },
    ),
  );

  test('a message without context is judged by the text-only thresholds', () => {
    expect(m.classify('anything').review).toEqual([]);
    expect(m.thresholdsFor().review.threat).toBe(0.6);
    expect(m.classify('anything', { context: 'room', senderRole: 'lecturer' }).review).toEqual([...LABELS]);
    expect(m.thresholdsFor({ context: 'dm', senderRole: 'staff' }).review.threat).toBe(0.5);
    // half a context is no context: training only ever sees both
    expect(m.thresholdsFor({ senderRole: 'staff' }).review.threat).toBe(0.6);
    expect(Array.from(m.scoreArray('anything at all', undefined, { context: 'dm' }))).toEqual(new Array(K).fill(0.5));
  });

  test('the text alone leaves every score at its bias', () => {
    expect(Array.from(m.scoreArray('anything at all'))).toEqual(new Array(K).fill(0.5));
  });

  test('a context moves only the columns that read it; unknown values are ignored', () => {
    const s = m.scoreArray('anything at all', undefined, { context: 'dm', senderRole: 'lecturer' });
    LABELS.forEach((_, l) => (contextColumns[l] ? expect(s[l]).toBeGreaterThan(0.5) : expect(s[l]).toBe(0.5)));
    expect(m.header.contextColumns).toEqual(Array.from(contextColumns));
    const unknown = m.scoreArray('anything at all', undefined, { context: 'forum', senderRole: 'dean' });
    expect(Array.from(unknown)).toEqual(new Array(K).fill(0.5));
  });
});
