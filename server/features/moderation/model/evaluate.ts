/**
 * Evaluation of a model on campus-schema data: per-label precision/recall/F1/ROC-AUC at its
 * decisions, per-language recall and false-positive rate, benign and hard-negative false-positive
 * rates, conversation-level grooming alerts, and per-message latency. Used by `moderation eval`
 * and by the training script (model card). A metric with no defined value is null, not 0 or 0.5.
 */
import type { ConversationItem, MessageItem } from './data';
import type { MessageContext } from './features';
import type { Model } from './model';
import { groomingRiskWith, type AccountFacts, type GroomingParams } from './grooming';
import { LABELS, scoresFrom, type Label, type Scores } from './labels';
import { quantile, reportPrf, reportRocAuc, share } from './metrics';

/** Scores one message; `ctx` is the line's context and sender role when the data has them. */
export type Scorer = (text: string, ctx?: MessageContext) => ArrayLike<number>;

/** A metric, or null where it has no defined value (precision with nothing flagged, ROC-AUC with one class…). */
export type Metric = number | null;

export interface LabelMetrics {
  precision: Metric;
  recall: Metric;
  f1: Metric;
  roc_auc: Metric;
  support: number;
}

export interface LanguageMetrics {
  /** Labelled items caught by one of their own labels / labelled items. */
  recall: Metric;
  /** Benign items with any label flagged / benign items. */
  false_positive_rate: Metric;
  positives: number;
  benign: number;
}

export interface MessageReport {
  labels: Record<Label, LabelMetrics>;
  /** Micro-average over all labels. */
  overall: LabelMetrics;
  /** By language (trimmed, lower case), sorted by name. A Map: a language named "__proto__" is a language. */
  languages: Map<string, LanguageMetrics>;
  benign_false_positive_rate: Metric;
  benign: number;
  /** Benign items with a note (the campus set's hard negatives: sex education, reports, banter…). */
  hard_negative_false_positive_rate: Metric;
  hard_negatives: number;
  /** Labelled items with one of their own labels flagged / labelled items: the per-language recall, over all languages. */
  own_label_recall: Metric;
  /** Labelled items with any label flagged, theirs or not (the message reaches a reviewer all the same) / labelled items. */
  any_label_recall: Metric;
  latency_ms: { p50: number; p99: number };
}

export interface ConversationReport {
  recall: Metric;
  precision: Metric;
  /** Mean turn number of the first alert, over grooming conversations that were caught (null: none caught). */
  mean_first_alert_turn: Metric;
  conversations: number;
  positives: number;
  /** Per conversation: the first alert turn (null when none) and the highest risk reached. */
  alerts: { id: string; grooming_risk: boolean; first_alert_turn: number | null; max_risk: number }[];
}

/** One message through the path under evaluation: its scores and the labels it is flagged for. */
export type Judge = (item: MessageItem) => { scores: Scores; flagged: readonly Label[] };

/**
 * The model's review (or hold) decisions, exactly as the app takes them: `classify` with the item's
 * context (normalisation, features, both score vectors, thresholds for messages with or without
 * context, the hold gate). This is also what the latency measures.
 */
export function modelJudge(model: Pick<Model, 'classify'>, which: 'review' | 'hold'): Judge {
  return (it) => {
    const c = model.classify(it.text, it.ctx);
    return { scores: c.scores, flagged: c[which] };
  };
}

/** Flagged when score ≥ threshold (LABELS order): for a bare scorer without a model's decisions. */
export function thresholdJudge(score: Scorer, thresholds: ArrayLike<number>): Judge {
  return (it) => {
    const scores = scoresFrom(score(it.text, it.ctx));
    return { scores, flagged: LABELS.filter((l, i) => scores[l] >= thresholds[i]!) };
  };
}

/**
 * `timing.repeats`: each message is judged that many times and its latency is the median (robust to
 * the process being descheduled on a busy machine); `timing.warmup` judges the messages once first.
 */
export function evaluateMessages(items: readonly MessageItem[], judge: Judge, timing: { repeats?: number; warmup?: boolean } = {}): MessageReport {
  const times: number[] = [];
  const results: ReturnType<Judge>[] = [];
  const repeats = Math.max(1, timing.repeats ?? 1);
  if (timing.warmup) for (const it of items) judge(it);
  for (const it of items) {
    const ts: number[] = [];
    let r: ReturnType<Judge> | undefined;
    for (let k = 0; k < repeats; k++) {
      const t0 = performance.now();
      r = judge(it);
      ts.push(performance.now() - t0);
    }
    times.push(quantile(ts, 0.5));
    results.push(r!);
  }
  const labels = {} as Record<Label, LabelMetrics>;
  const allT: boolean[] = [];
  const allP: boolean[] = [];
  const allS: number[] = [];
  for (const l of LABELS) {
    const truth = items.map((it) => it.labels.includes(l));
    const sc = results.map((r) => r.scores[l]);
    const pred = results.map((r) => r.flagged.includes(l));
    labels[l] = { ...reportPrf(truth, pred), roc_auc: reportRocAuc(truth, sc), support: truth.filter(Boolean).length };
    allT.push(...truth);
    allP.push(...pred);
    allS.push(...sc);
  }
  const anyFlag = results.map((r) => r.flagged.length > 0);
  // "caught when any of its labels is flagged": one of the item's own, not a neighbouring label
  const ownFlag = items.map((it, i) => it.labels.some((l) => results[i]!.flagged.includes(l)));
  const groups = new Map<string, number[]>();
  items.forEach((it, i) => {
    const g = groups.get(it.lang);
    if (g) g.push(i);
    else groups.set(it.lang, [i]);
  });
  const languages = new Map<string, LanguageMetrics>();
  for (const lang of [...groups.keys()].sort()) {
    const idx = groups.get(lang)!;
    const pos = idx.filter((i) => items[i]!.labels.length > 0);
    const ben = idx.filter((i) => items[i]!.labels.length === 0);
    languages.set(lang, { recall: rate(pos, ownFlag), false_positive_rate: rate(ben, anyFlag), positives: pos.length, benign: ben.length });
  }
  const ben = items.flatMap((it, i) => (it.labels.length === 0 ? [i] : []));
  const hard = ben.filter((i) => items[i]!.note !== '');
  const pos = items.flatMap((it, i) => (it.labels.length > 0 ? [i] : []));
  return {
    labels,
    overall: { ...reportPrf(allT, allP), roc_auc: reportRocAuc(allT, allS), support: allT.filter(Boolean).length },
    languages,
    benign_false_positive_rate: rate(ben, anyFlag),
    benign: ben.length,
    hard_negative_false_positive_rate: rate(hard, anyFlag),
    hard_negatives: hard.length,
    own_label_recall: rate(pos, ownFlag),
    any_label_recall: rate(pos, anyFlag),
    latency_ms: { p50: quantile(times, 0.5), p99: quantile(times, 0.99) },
  };
}

/** The share of the items `idx` for which `hit` is true (null for no items). */
const rate = (idx: readonly number[], hit: readonly boolean[]) => share(idx.filter((i) => hit[i]).length, idx.length);

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
  const m = reportPrf(
    alerts.map((a) => a.grooming_risk),
    alerts.map((a) => a.first_alert_turn !== null),
  );
  const caught = alerts.filter((a) => a.grooming_risk && a.first_alert_turn !== null);
  return {
    recall: m.recall,
    precision: m.precision,
    mean_first_alert_turn: share(caught.reduce((s, a) => s + a.first_alert_turn!, 0), caught.length),
    conversations: convs.length,
    positives: alerts.filter((a) => a.grooming_risk).length,
    alerts,
  };
}
