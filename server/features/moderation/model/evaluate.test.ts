import { describe, expect, test } from 'bun:test';
import type { ConversationItem, MessageItem } from './data';
import { evaluateConversations, evaluateMessages, modelJudge, type Judge } from './evaluate';
import { LABELS, scoresFrom, type Label } from './labels';

const item = (labels: Label[], lang = 'en', line = 1): MessageItem => ({ text: `t${line}`, labels, lang, note: '', ctx: {}, line });
/** Flags what `flagged` says for each item's text, with score 1 for a flagged label and 0 otherwise. */
const judgeBy = (flagged: Record<string, Label[]>): Judge => (it) => {
  const f = flagged[it.text] ?? [];
  return { scores: scoresFrom(LABELS.map((l) => (f.includes(l) ? 1 : 0))), flagged: f };
};

describe('evaluateMessages', () => {
  test('per-language recall counts an item caught only by one of its own labels', () => {
    const items = [item(['threat'], 'en', 1), item(['threat', 'explicit'], 'en', 2), item(['other_toxic'], 'pcm', 3), item([], 'pcm', 4)];
    const r = evaluateMessages(items, judgeBy({ t1: ['explicit'], t2: ['explicit'], t3: ['other_toxic'], t4: ['threat'] }));
    // t1 is flagged, but for a label it does not have
    expect(r.languages.get('en')).toEqual({ recall: 0.5, false_positive_rate: null, positives: 2, benign: 0 });
    expect(r.languages.get('pcm')).toEqual({ recall: 1, false_positive_rate: 1, positives: 1, benign: 1 });
    expect(r.own_label_recall).toBe(2 / 3);
    // reaching a reviewer at all: any flag counts
    expect(r.any_label_recall).toBe(1);
  });

  test('a metric with no defined value is null, not 0 or 0.5', () => {
    const r = evaluateMessages([item([], 'en', 1), item(['threat'], 'en', 2)], judgeBy({}));
    // threat: nothing flagged (no precision), one positive missed (recall 0, F1 0), both classes (ROC-AUC defined)
    expect(r.labels.threat).toEqual({ precision: null, recall: 0, f1: 0, roc_auc: 0.5, support: 1 });
    // explicit: no positive and nothing flagged: nothing is defined
    expect(r.labels.explicit).toEqual({ precision: null, recall: null, f1: null, roc_auc: null, support: 0 });
    const benignOnly = evaluateMessages([item(['threat'])], judgeBy({ t1: ['threat'] }));
    expect([benignOnly.benign_false_positive_rate, benignOnly.hard_negative_false_positive_rate, benignOnly.languages.get('en')!.false_positive_rate]).toEqual([null, null, null]);
    expect(benignOnly.labels.threat.roc_auc).toBeNull();
  });

  test('languages: a Map sorted by name, where "__proto__" is a language like any other', () => {
    const r = evaluateMessages([item(['threat'], 'zz', 1), item(['threat'], '__proto__', 2), item([], 'constructor', 3)], judgeBy({ t2: ['threat'] }));
    expect([...r.languages.keys()]).toEqual(['__proto__', 'constructor', 'zz']);
    expect(r.languages.get('__proto__')!.recall).toBe(1);
  });

  test('latency is the whole classify call the app makes, not the scoring alone', () => {
    const busy = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    // a model whose thresholds and labels cost 3 ms beyond its (free) scoring
    const model = {
      scoreArray: () => new Float64Array(LABELS.length),
      classify: () => (busy(3), { scores: scoresFrom([]), review: [] as Label[], hold: [] as Label[] }),
    };
    const r = evaluateMessages([item([]), item(['threat'])], modelJudge(model, 'review'));
    expect(r.latency_ms.p50).toBeGreaterThanOrEqual(3);
  });
});

describe('evaluateConversations', () => {
  const params = { window: 10, topK: 1, labelWeights: { grooming_signal: 1 }, base: 1, recipientMinor: 0, minorAndAdult: 0, noSharedCourse: 0, newContact: 0, threshold: 0.5 };
  const conv = (groomingRisk: boolean): ConversationItem => ({
    id: 'c',
    groomingRisk,
    lang: 'en',
    participants: [{ speaker: 'A', role: 'staff', age: 40, minor: false }, { speaker: 'B', role: 'student', age: 15, minor: true }],
    turns: [{ turn: 1, speaker: 'A', text: 'hi', labels: [], ctx: {} }],
    line: 1,
  });
  const quiet = () => LABELS.map(() => 0);

  test('no grooming conversation and no alert: recall, precision and first alert turn are null', () => {
    expect(evaluateConversations([conv(false)], quiet, params)).toMatchObject({ recall: null, precision: null, mean_first_alert_turn: null });
  });

  test('a grooming conversation missed: recall 0, precision and first alert turn null', () => {
    expect(evaluateConversations([conv(true)], quiet, params)).toMatchObject({ recall: 0, precision: null, mean_first_alert_turn: null });
  });
});
