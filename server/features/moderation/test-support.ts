/** Test support for screening: a classifier whose outcome is decided by marker words. */
import { LABELS, type Classification } from './model';
import type { Classifier } from './screen';

/** Deterministic stand-in: "HOLDME" → hold grooming_signal; "REVIEWME" → review threat. */
export const fakeClassifier: Classifier = {
  version: 'fake-1',
  classify(text: string): Classification {
    const scores = Object.fromEntries(LABELS.map((l) => [l, 0.01])) as Classification['scores'];
    if (text.includes('HOLDME')) {
      scores.grooming_signal = 0.99;
      return { scores, review: ['grooming_signal'], hold: ['grooming_signal'] };
    }
    if (text.includes('REVIEWME')) {
      scores.threat = 0.6;
      return { scores, review: ['threat'], hold: [] };
    }
    return { scores, review: [], hold: [] };
  },
};

