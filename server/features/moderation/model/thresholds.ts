/**
 * Choosing the review and hold thresholds from held-out scores (recipe step 4, docs/moderation-model.md):
 * the train messages' out-of-fold scores pooled with the final model's dev scores, so a threshold does
 * not hinge on two or three dev items.
 * - review, recall labels: the highest threshold with recall ≥ `reviewRecall` on the pool and ≥
 *   `reviewRecallDev` on dev alone (a margin for held-out data); other labels: the best F1 on the pool;
 * - hold: the lowest threshold with precision ≥ `holdPrecision` on the pool (at least 10 flagged), never
 *   below review.
 * Thresholds are rounded down to 6 decimals, so no item at the boundary is lost.
 */
import type { MessageItem } from './data';
import { LABELS, scoresFrom, type Label, type Scores } from './labels';
import { thresholdForPrecision, thresholdForRecall } from './metrics';

export interface Thresholds {
  review: Scores;
  hold: Scores;
}

export interface ThresholdOptions {
  recallLabels: Label[];
  reviewRecall: number;
  reviewRecallDev: number;
  holdPrecision: number;
}

export function chooseThresholds(
  data: { train: readonly MessageItem[]; dev: readonly MessageItem[] },
  scores: { train: readonly ArrayLike<number>[]; dev: readonly ArrayLike<number>[] },
  opts: ThresholdOptions,
): Thresholds {
  const review = [] as number[];
  const hold = [] as number[];
  LABELS.forEach((l, li) => {
    const devTruth = data.dev.map((m) => m.labels.includes(l));
    const devS = scores.dev.map((x) => x[li]!);
    const truth = [...data.train.map((m) => m.labels.includes(l)), ...devTruth];
    const s = [...scores.train.map((x) => x[li]!), ...devS];
    const r = opts.recallLabels.includes(l)
      ? Math.min(thresholdForRecall(truth, s, opts.reviewRecall), thresholdForRecall(devTruth, devS, opts.reviewRecallDev))
      : bestF1Threshold(truth, s);
    review.push(r);
    hold.push(Math.max(r, thresholdForPrecision(truth, s, opts.holdPrecision, 10)));
  });
  const round = (x: number) => Math.floor(x * 1e6) / 1e6;
  return { review: scoresFrom(review.map(round)), hold: scoresFrom(hold.map(round)) };
}

/** Threshold with the best F1 (ties: the lower threshold). */
export function bestF1Threshold(truth: readonly boolean[], scores: readonly number[]): number {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const P = truth.filter(Boolean).length;
  let tp = 0;
  let bestF = -1;
  let bestT = 0.5;
  for (let k = 0; k < idx.length; k++) {
    if (truth[idx[k]!]) tp++;
    if (k + 1 < idx.length && scores[idx[k + 1]!] === scores[idx[k]!]) continue;
    const f = (2 * tp) / (k + 1 + P);
    if (f >= bestF) {
      bestF = f;
      bestT = scores[idx[k]!]!;
    }
  }
  return bestT;
}
