/** Classification metrics used by training (model selection, thresholds) and by `moderation eval`. */

export interface Prf {
  precision: number;
  recall: number;
  f1: number;
  tp: number;
  fp: number;
  fn: number;
}

/** Precision, recall and F1 of boolean predictions (0 when undefined, e.g. no predicted positives). */
export function prf(truth: readonly boolean[], pred: readonly boolean[]): Prf {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < truth.length; i++) {
    if (pred[i] && truth[i]) tp++;
    else if (pred[i]) fp++;
    else if (truth[i]) fn++;
  }
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, tp, fp, fn };
}

/** A share for a report: null when there is nothing to share out (shown as "n/a", never as a made-up 0). */
export const share = (n: number, of: number): number | null => (of ? n / of : null);

/**
 * Precision, recall and F1 for a report (`moderation eval`, the model card): null where undefined
 * (nothing flagged; no positives; neither), where prf gives the 0 that model selection needs.
 * F1 = 2tp / (2tp + fp + fn): 0 when every positive is missed, even with nothing flagged.
 */
export function reportPrf(truth: readonly boolean[], pred: readonly boolean[]): { precision: number | null; recall: number | null; f1: number | null } {
  const { tp, fp, fn } = prf(truth, pred);
  return { precision: share(tp, tp + fp), recall: share(tp, tp + fn), f1: share(2 * tp, 2 * tp + fp + fn) };
}

/** ROC-AUC for a report: null when only one class is present (rocAuc's 0.5 would read as "no better than chance"). */
export function reportRocAuc(truth: readonly boolean[], scores: readonly number[]): number | null {
  return truth.includes(true) && truth.includes(false) ? rocAuc(truth, scores) : null;
}

/** ROC-AUC by the rank-sum formula (ties count half). 0.5 when only one class is present. */
export function rocAuc(truth: readonly boolean[], scores: readonly number[]): number {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0;
  let neg = 0;
  let rankSum = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (truth[idx[k]!]) rankSum += rank;
    i = j + 1;
  }
  for (const t of truth) t ? pos++ : neg++;
  if (!pos || !neg) return 0.5;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Value at quantile q (0..1) of a list of numbers (nearest rank). */
export function quantile(values: readonly number[], q: number): number {
  if (!values.length) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/**
 * The highest threshold whose recall is at least `minRecall` (ties resolved towards flagging),
 * i.e. the most precise operating point that still meets the recall target.
 */
export function thresholdForRecall(truth: readonly boolean[], scores: readonly number[], minRecall: number): number {
  const pos = scores.filter((_, i) => truth[i]).sort((a, b) => b - a);
  if (!pos.length) return 0.5;
  const need = Math.min(pos.length, Math.ceil(minRecall * pos.length));
  return pos[need - 1]!;
}

/** The lowest threshold with precision at least `minPrecision` among flagged items (and at least `minFlagged` of them). */
export function thresholdForPrecision(truth: readonly boolean[], scores: readonly number[], minPrecision: number, minFlagged = 5): number {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let tp = 0;
  let best = 1;
  for (let k = 0; k < idx.length; k++) {
    if (truth[idx[k]!]) tp++;
    const s = scores[idx[k]!]!;
    // only cut between distinct scores
    if (k + 1 < idx.length && scores[idx[k + 1]!] === s) continue;
    if (k + 1 >= minFlagged && tp / (k + 1) >= minPrecision) best = s;
  }
  return best;
}
