/** Test support for screening: a classifier whose outcome is decided by marker words. */
import { LABELS, type Classification } from './model';
import type { Classifier } from './screen';

/**
 * Deterministic stand-in: "HOLDME" → hold grooming_signal; "REVIEWME" → review threat; "GROOMY" →
 * review-level grooming_signal (0.4). Conversation risk: three GROOMY-level messages in the window
 * from an adult to a minor raise an alert.
 */
export const fakeClassifier: Classifier = {
  version: 'fake-1',
  grooming: { window: 10 },
  groomingRisk(window, facts) {
    const hits = window.filter((w) => (w.grooming_signal ?? 0) >= 0.4).length;
    const gate = facts.recipientMinor && facts.senderAdult ? 1 : 0;
    const risk = Math.min(1, hits / 3) * gate;
    return { risk, alert: risk >= 1, evidence: hits / 3, gate };
  },
  classify(text: string): Classification {
    const scores = Object.fromEntries(LABELS.map((l) => [l, 0.01])) as Classification['scores'];
    if (text.includes('HOLDME')) {
      scores.grooming_signal = 0.99;
      return { scores, review: ['grooming_signal'], hold: ['grooming_signal'] };
    }
    if (text.includes('GROOMY')) {
      scores.grooming_signal = 0.4;
      return { scores, review: ['grooming_signal'], hold: [] };
    }
    if (text.includes('REVIEWME')) {
      scores.threat = 0.6;
      return { scores, review: ['threat'], hold: [] };
    }
    return { scores, review: [], hold: [] };
  },
};

