/**
 * Evaluation of a scorer on campus-schema data: per-label precision/recall/F1/ROC-AUC at given
 * thresholds, per-language recall and false-positive rate, benign and hard-negative false-positive
 * rates, conversation-level grooming alerts, and per-message latency. Used by `moderation eval`
 * and by the training script (model card).
 */
import type { ConversationItem, MessageItem } from './data';
import type { MessageContext } from './features';
import type { Model } from './model';
import { groomingRiskWith, type AccountFacts, type GroomingParams } from './grooming';
import { LABELS, scoresFrom, type Label, type Scores } from './labels';
import { prf, quantile, rocAuc } from './metrics';

/** Scores one message; `ctx` is the line's context and sender role when the data has them. */
export type Scorer = (text: string, ctx?: MessageContext) => ArrayLike<number>;

export interface LabelMetrics {
  precision: number;
  recall: number;
  f1: number;
  roc_auc: number;
  support: number;
}

export interface MessageReport {
  labels: Record<Label, LabelMetrics>;
  /** Micro-average over all labels. */
  overall: LabelMetrics;
  languages: Record<string, { recall: number; false_positive_rate: number; positives: number; benign: number }>;
  benign_false_positive_rate: number;
  benign: number;
  /** Benign items with a note (the campus set's hard negatives: sex education, reports, banter…). */
  hard_negative_false_positive_rate: number;
  hard_negatives: number;
  /** Items with at least one label flagged / items with at least one label. */
  any_label_recall: number;
  latency_ms: { p50: number; p99: number };
}

export interface ConversationReport {
  recall: number;
  precision: number;
  /** Mean turn number of the first alert, over grooming conversations that were caught. */
  mean_first_alert_turn: number;
  conversations: number;
  positives: number;
  /** Per conversation: the first alert turn (null when none) and the highest risk reached. */
  alerts: { id: string; grooming_risk: boolean; first_alert_turn: number | null; max_risk: number }[];
}

/**
 * Which labels a message is flagged for, when that is more than score ≥ threshold: a model with
 * context features has text-only thresholds for messages without context and never lets context
 * release a message its text alone would hold (Model.classify).
 */
export type Decide = (item: MessageItem, scores: ArrayLike<number>) => readonly boolean[];

/** The model's review (or hold) decisions, exactly as the app takes them (classify with the item's context). */
export function modelDecides(model: Pick<Model, 'classify'>, which: 'review' | 'hold'): Decide {
  return (it) => {
    const c = model.classify(it.text, it.ctx);
    return LABELS.map((l) => c[which].includes(l));
  };
}

/**
 * `timing.repeats`: each message is scored that many times and its latency is the median (robust to
 * the process being descheduled on a busy machine); `timing.warmup` scores the messages once first.
 */
export function evaluateMessages(
  items: readonly MessageItem[],
  score: Scorer,
  decide: ArrayLike<number> | Decide,
  timing: { repeats?: number; warmup?: boolean } = {},
): MessageReport {
  const times: number[] = [];
  const scores: number[][] = [];
  const repeats = Math.max(1, timing.repeats ?? 1);
  if (timing.warmup) for (const it of items) score(it.text, it.ctx);
  for (const it of items) {
    const ts: number[] = [];
    let s: ArrayLike<number> = [];
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      s = score(it.text, it.ctx);
      ts.push(performance.now() - t0);
    }
    times.push(quantile(ts, 0.5));
    scores.push(Array.from(s));
  }
  // per item and label: flagged or not (thresholds, or the model's own decision, see Decide)
  const flags = items.map((it, i) => (typeof decide === 'function' ? decide(it, scores[i]!) : LABELS.map((_, li) => scores[i]![li]! >= decide[li]!)));
  const labels = {} as Record<Label, LabelMetrics>;
  const allT: boolean[] = [];
  const allP: boolean[] = [];
  const allS: number[] = [];
  LABELS.forEach((l, li) => {
    const truth = items.map((it) => it.labels.includes(l));
    const sc = scores.map((s) => s[li]!);
    const pred = flags.map((f) => f[li]!);
    const m = prf(truth, pred);
    labels[l] = { precision: m.precision, recall: m.recall, f1: m.f1, roc_auc: rocAuc(truth, sc), support: truth.filter(Boolean).length };
    allT.push(...truth);
    allP.push(...pred);
    allS.push(...sc);
  });
  const om = prf(allT, allP);
  const anyFlag = flags.map((f) => f.some(Boolean));
  const languages: MessageReport['languages'] = {};
  const langs = [...new Set(items.map((i) => i.lang))].sort();
  for (const lang of langs) {
    const idx = items.map((it, i) => (it.lang === lang ? i : -1)).filter((i) => i >= 0);
    const pos = idx.filter((i) => items[i]!.labels.length > 0);
    const ben = idx.filter((i) => items[i]!.labels.length === 0);
    languages[lang] = {
      recall: pos.length ? pos.filter((i) => anyFlag[i]).length / pos.length : 0,
      false_positive_rate: ben.length ? ben.filter((i) => anyFlag[i]).length / ben.length : 0,
      positives: pos.length,
      benign: ben.length,
    };
  }
  const ben = items.map((it, i) => (it.labels.length === 0 ? i : -1)).filter((i) => i >= 0);
  const hard = ben.filter((i) => items[i]!.note !== '');
  const pos = items.map((it, i) => (it.labels.length > 0 ? i : -1)).filter((i) => i >= 0);
  const rate = (xs: number[]) => (xs.length ? xs.filter((i) => anyFlag[i]).length / xs.length : 0);
  return {
    labels,
    overall: { precision: om.precision, recall: om.recall, f1: om.f1, roc_auc: rocAuc(allT, allS), support: allT.filter(Boolean).length },
    languages,
    benign_false_positive_rate: rate(ben),
    benign: ben.length,
    hard_negative_false_positive_rate: rate(hard),
    hard_negatives: hard.length,
    any_label_recall: rate(pos),
    latency_ms: { p50: quantile(times, 0.5), p99: quantile(times, 0.99) },
  };
}

/**
 * Account facts for a sender → recipient pair from a conversation's participants: the recipient is a
 * minor per its `minor` flag (or age < 18); the sender is an adult when not a minor (age ≥ 18, or
 * staff/lecturer without an age). Shared course is unknown in the data → false; new contact → true.
 */
export function factsFromParticipants(c: ConversationItem, sender: string, recipient: string): AccountFacts {
  const s = c.participants.find((p) => p.speaker === sender);
  const r = c.participants.find((p) => p.speaker === recipient);
  const senderAdult = s ? (s.age !== undefined ? s.age >= 18 : !s.minor || s.role === 'lecturer' || s.role === 'staff') : false;
  return { recipientMinor: Boolean(r?.minor), senderAdult: senderAdult && !s?.minor, sharedCourse: false, newContact: true };
}

/**
 * Replays each conversation turn by turn. For every ordered pair, the window holds the sender's
 * messages to the recipient so far; the conversation is flagged at the first turn whose window risk
 * reaches the threshold.
 */
export function evaluateConversations(convs: readonly ConversationItem[], score: Scorer, params: GroomingParams): ConversationReport {
  const alerts: ConversationReport['alerts'] = [];
  for (const c of convs) {
    const windows = new Map<string, Scores[]>();
    let first: number | null = null;
    let maxRisk = 0;
    for (const t of c.turns) {
      const others = c.participants.filter((p) => p.speaker !== t.speaker);
      const s = scoresFrom(score(t.text, t.ctx));
      for (const r of others) {
        const key = `${t.speaker}>${r.speaker}`;
        const w = windows.get(key) ?? [];
        w.push(s);
        windows.set(key, w);
        const g = groomingRiskWith(w, factsFromParticipants(c, t.speaker, r.speaker), params);
        maxRisk = Math.max(maxRisk, g.risk);
        if (first === null && g.alert) first = t.turn;
      }
    }
    alerts.push({ id: c.id, grooming_risk: c.groomingRisk, first_alert_turn: first, max_risk: maxRisk });
  }
  const m = prf(
    alerts.map((a) => a.grooming_risk),
    alerts.map((a) => a.first_alert_turn !== null),
  );
  const caught = alerts.filter((a) => a.grooming_risk && a.first_alert_turn !== null);
  return {
    recall: m.recall,
    precision: m.precision,
    mean_first_alert_turn: caught.length ? caught.reduce((s, a) => s + a.first_alert_turn!, 0) / caught.length : 0,
    conversations: convs.length,
    positives: alerts.filter((a) => a.grooming_risk).length,
    alerts,
  };
}
