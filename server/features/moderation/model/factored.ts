/**
 * The factored heads (recipe ≥ 1.2): "some label" (harmful at all, learnt from every example) and
 * "label l given some label" (learnt among the labelled examples only), their product blended with
 * the flat per-label heads, and the weight columns they make together in the shipped file (model.ts
 * scores them).
 */
import type { Features } from './features';
import { LABELS } from './labels';
import { scoreWith, train, type TrainExample, type TrainedWeights, type TrainOptions } from './train';

/**
 * The factored heads: "some label" (all examples; column 0 of the first result) and "label l given
 * some label" (positives only: benign examples are masked out).
 */
export function factoredFit(ex: readonly TrainExample[], o: TrainOptions, f: readonly Features[]): [TrainedWeights, TrainedWeights] {
  const K = LABELS.length;
  const anyOf = (e: TrainExample) => (Array.from(e.y).some((v) => v > 0) ? 1 : 0);
  const onlyFirst = LABELS.map((_, l) => (l === 0 ? 1 : 0));
  const a = train(ex.map((e) => ({ ...e, y: new Array(K).fill(anyOf(e)), known: onlyFirst })), { ...o, contextLabels: onlyFirst }, f);
  const b = train(ex.map((e) => ({ ...e, known: new Array(K).fill(anyOf(e)) })), o, f);
  return [a, b];
}

export function factoredScore(a: TrainedWeights, b: TrainedWeights, f: Features): Float64Array {
  const pa = scoreWith(a, f)[0]!;
  return scoreWith(b, f).map((v) => v * pa);
}

export const mix = (fact: Float64Array, flat: Float64Array, blend: readonly number[]) => fact.map((v, l) => (1 - blend[l]!) * v + blend[l]! * flat[l]!);

/** The 2K + 1 weight columns of a factored model (model.ts): K flat heads, "some label", K conditional heads. */
export function combineHeads(flat: TrainedWeights, a: TrainedWeights, b: TrainedWeights): TrainedWeights {
  const K = LABELS.length;
  const C = 2 * K + 1;
  const buckets = 1 << flat.hashBits;
  const weights = new Float32Array(buckets * C);
  for (let k = 0; k < buckets; k++) {
    for (let l = 0; l < K; l++) weights[k * C + l] = flat.weights[k * K + l]!;
    weights[k * C + K] = a.weights[k * K]!;
    for (let l = 0; l < K; l++) weights[k * C + K + 1 + l] = b.weights[k * K + l]!;
  }
  const bias = new Float32Array(C);
  bias.set(flat.bias, 0);
  bias[K] = a.bias[0]!;
  bias.set(b.bias, K + 1);
  const all = new Uint8Array(K).fill(1);
  const contextColumns = new Uint8Array(C);
  contextColumns.set(flat.contextColumns ?? all, 0);
  contextColumns[K] = (a.contextColumns ?? all)[0]!;
  contextColumns.set(b.contextColumns ?? all, K + 1);
  return { hashBits: flat.hashBits, weights, bias, contextColumns };
}
