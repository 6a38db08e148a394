/** The six per-message moderation labels, in the fixed order used by the weights file and the data. */
export const LABELS = [
  'sexual_solicitation',
  'sexual_harassment',
  'explicit',
  'grooming_signal',
  'threat',
  'other_toxic',
] as const;

export type Label = (typeof LABELS)[number];

/** One probability per label. */
export type Scores = Record<Label, number>;

export const isLabel = (s: unknown): s is Label => typeof s === 'string' && (LABELS as readonly string[]).includes(s);

/** Build a Scores record from a per-label array in LABELS order. */
export function scoresFrom(values: ArrayLike<number>): Scores {
  const out = {} as Scores;
  LABELS.forEach((l, i) => (out[l] = values[i] ?? 0));
  return out;
}
