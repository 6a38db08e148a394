/**
 * Training of the per-label logistic regressions on hashed features: the L2-regularised log loss,
 * minimised by L-BFGS from zero weights in a fixed order, so the same data and options always give
 * bit-identical weights.
 */
import { extract, type FeatureConfig, type Features, type MessageContext } from './features';
import { LABELS } from './labels';

export interface TrainExample {
  text: string;
  /** 0/1 target per label, in LABELS order. */
  y: ArrayLike<number>;
  /** 1 where the label is known for this example, 0 where it is not (public sets label only some). Default: all known. */
  known?: ArrayLike<number>;
  /** Example weight (default 1); out-of-domain data is down-weighted. */
  weight?: number;
  /** The message's context (room type, sender role), when known. */
  ctx?: MessageContext;
}

export interface TrainOptions {
  features: FeatureConfig;
  /** L2 strength λ: the objective is Σ weight·logloss + λ/2·‖w‖² (the bias is not penalised). */
  l2: number;
  /** L-BFGS iterations per label (the optimiser also stops when the gradient is tiny). */
  iterations: number;
  /** Positive-class weight multiplier (1: none). */
  positiveWeight?: number;
  /** Per label, 1 when its head uses the context group of the features, 0 when it ignores it (absent: all use it). */
  contextLabels?: ArrayLike<number>;
}

export interface TrainedWeights {
  hashBits: number;
  /** bucket-major: weights[bucket * columns + column] */
  weights: Float32Array;
  bias: Float32Array;
  /** Per column, 1 when it uses the context group (absent: all do); see Features.ctxFrom. */
  contextColumns?: Uint8Array;
}

/** mulberry32: small, fast, seedable PRNG (used for data splits and synthetic test data). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
/** log(1 + e^z), stable. */
const softplus = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

interface Problem {
  /** examples as rows over the compact parameter index (0..d-1); parameter d is the bias */
  rows: { idx: Int32Array; val: Float32Array }[];
  y: Float64Array;
  w: Float64Array;
  d: number;
  l2: number;
}

/** Objective and gradient at x (length d + 1, last entry = bias). */
function objective(p: Problem, x: Float64Array, grad: Float64Array): number {
  grad.fill(0);
  let f = 0;
  const b = x[p.d]!;
  for (let i = 0; i < p.rows.length; i++) {
    const wi = p.w[i]!;
    if (wi === 0) continue;
    const r = p.rows[i]!;
    let z = b;
    for (let j = 0; j < r.idx.length; j++) z += r.val[j]! * x[r.idx[j]!]!;
    const y = p.y[i]!;
    f += wi * (softplus(z) - y * z);
    const g = wi * (sigmoid(z) - y);
    for (let j = 0; j < r.idx.length; j++) grad[r.idx[j]!]! += g * r.val[j]!;
    grad[p.d]! += g;
  }
  for (let k = 0; k < p.d; k++) {
    f += 0.5 * p.l2 * x[k]! * x[k]!;
    grad[k]! += p.l2 * x[k]!;
  }
  return f;
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** Deterministic L-BFGS (memory 10) with a backtracking Armijo line search. */
function lbfgs(p: Problem, iterations: number): Float64Array {
  const n = p.d + 1;
  const m = 10;
  const x = new Float64Array(n);
  const g = new Float64Array(n);
  let f = objective(p, x, g);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const dir = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  const alpha = new Float64Array(m);
  for (let it = 0; it < iterations; it++) {
    const gnorm = Math.sqrt(dot(g, g));
    if (gnorm < 1e-6) break;
    // two-loop recursion
    for (let i = 0; i < n; i++) dir[i] = -g[i]!;
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = rho[k]! * dot(S[k]!, dir);
      const yk = Y[k]!;
      for (let i = 0; i < n; i++) dir[i]! -= alpha[k]! * yk[i]!;
    }
    const gamma = S.length ? dot(S[S.length - 1]!, Y[Y.length - 1]!) / dot(Y[Y.length - 1]!, Y[Y.length - 1]!) : 1 / gnorm;
    for (let i = 0; i < n; i++) dir[i]! *= gamma;
    for (let k = 0; k < S.length; k++) {
      const beta = rho[k]! * dot(Y[k]!, dir);
      const sk = S[k]!;
      for (let i = 0; i < n; i++) dir[i]! += (alpha[k]! - beta) * sk[i]!;
    }
    let slope = dot(g, dir);
    if (slope >= 0) {
      // not a descent direction: restart from steepest descent
      S.length = Y.length = rho.length = 0;
      for (let i = 0; i < n; i++) dir[i] = -g[i]! / gnorm;
      slope = dot(g, dir);
    }
    let step = 1;
    let fNew = 0;
    let ok = false;
    for (let ls = 0; ls < 30; ls++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + step * dir[i]!;
      fNew = objective(p, xNew, gNew);
      if (fNew <= f + 1e-4 * step * slope) {
        ok = true;
        break;
      }
      step *= 0.5;
    }
    if (!ok) break;
    const s = new Float64Array(n);
    const yv = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i]! - x[i]!;
      yv[i] = gNew[i]! - g[i]!;
    }
    const sy = dot(s, yv);
    if (sy > 1e-12) {
      S.push(s);
      Y.push(yv);
      rho.push(1 / sy);
      if (S.length > m) (S.shift(), Y.shift(), rho.shift());
    }
    x.set(xNew);
    g.set(gNew);
    const done = Math.abs(f - fNew) <= 1e-9 * Math.max(1, Math.abs(f));
    f = fNew;
    if (done) break;
  }
  return x;
}

/**
 * Fits one L2-regularised logistic regression per label (L-BFGS, from zero weights). Fully
 * deterministic: no randomness, a fixed iteration order, so the same data gives identical weights.
 */
export function train(examples: readonly TrainExample[], opts: TrainOptions, pre?: readonly Features[]): TrainedWeights {
  const K = LABELS.length;
  const feats = pre ?? examples.map((e) => extract(e.text, opts.features, undefined, true, e.ctx));
  // compact parameter index over the buckets that occur in the data
  const buckets = 1 << opts.features.hashBits;
  const slot = new Int32Array(buckets).fill(-1);
  const used: number[] = [];
  for (const f of feats)
    for (let j = 0; j < f.n; j++) {
      const bkt = f.idx[j]!;
      if (slot[bkt] === -1) {
        slot[bkt] = used.length;
        used.push(bkt);
      }
    }
  const rows = feats.map((f) => ({ idx: Int32Array.from(f.idx.subarray(0, f.n), (b) => slot[b]!), val: f.val.subarray(0, f.n) }));
  // the same rows without the context group, for the heads that ignore it
  const textRows = rows.map((r, i) => (feats[i]!.ctxFrom >= feats[i]!.n ? r : { idx: r.idx.subarray(0, feats[i]!.ctxFrom), val: r.val.subarray(0, feats[i]!.ctxFrom) }));
  const contextColumns = Uint8Array.from({ length: K }, (_, l) => (opts.contextLabels ? (opts.contextLabels[l] ? 1 : 0) : 1));
  const weights = new Float32Array(buckets * K);
  const bias = new Float32Array(K);
  for (let l = 0; l < K; l++) {
    const y = Float64Array.from(examples, (e) => e.y[l]!);
    const w = Float64Array.from(examples, (e) => ((e.known ? e.known[l]! : 1) ? (e.weight ?? 1) * (e.y[l] ? (opts.positiveWeight ?? 1) : 1) : 0));
    const x = lbfgs({ rows: contextColumns[l] ? rows : textRows, y, w, d: used.length, l2: opts.l2 }, opts.iterations);
    for (let k = 0; k < used.length; k++) weights[used[k]! * K + l] = x[k]!;
    bias[l] = x[used.length]!;
  }
  return { hashBits: opts.features.hashBits, weights, bias, contextColumns };
}

/** Raw probabilities from float weights (used during training and model selection). */
export function scoreWith(tw: TrainedWeights, f: Features): Float64Array {
  const K = LABELS.length;
  const z = new Float64Array(K);
  for (let l = 0; l < K; l++) z[l] = tw.bias[l]!;
  for (let j = 0; j < f.n; j++) {
    const base = f.idx[j]! * K;
    const v = f.val[j]!;
    const all = j < f.ctxFrom || !tw.contextColumns;
    for (let l = 0; l < K; l++) if (all || tw.contextColumns![l]) z[l] = z[l]! + v * tw.weights[base + l]!;
  }
  for (let l = 0; l < K; l++) z[l] = sigmoid(z[l]!);
  return z;
}
