/**
 * Conversation-level grooming risk for one sender → recipient pair. A pure function of the
 * per-message scores in a sliding window (the sender's recent messages to this recipient, oldest
 * first) and account facts that the caller takes from the store — never from the text.
 *
 *   evidence(message) = max over labels of weight[label] × score[label]
 *   E                 = mean of the top-k message evidences in the last `window` messages
 *                       (fewer than k messages count the missing ones as 0)
 *   gate(facts)       = base + recipientMinor·[recipient is a minor]
 *                            + minorAndAdult·[recipient is a minor and sender an adult]
 *                            + noSharedCourse·[no shared course] + newContact·[new contact]   (≤ 1)
 *   risk              = E × gate            alert = risk ≥ threshold
 *
 * So risk is 0 when every message scores 0, never decreases when a fact turns riskier, and never
 * decreases when a message score rises. Requiring k messages of evidence keeps one ambiguous line
 * from raising an alert on its own.
 */
import { LABELS, type Label, type Scores } from './labels';

export interface AccountFacts {
  /** The recipient is under 18 (by date of birth) or marked as a minor. */
  recipientMinor: boolean;
  /** The sender is an adult (18+, or staff/lecturer). */
  senderAdult: boolean;
  /** Sender and recipient share a course room. */
  sharedCourse: boolean;
  /** The pair had no conversation before the window (first contact). */
  newContact: boolean;
}

export interface GroomingParams {
  /** How many of the sender's most recent messages to this recipient are considered. */
  window: number;
  /** Evidence is the mean of the k highest message evidences. */
  topK: number;
  /** Per-label weight of a message score in its evidence (labels not listed count 0). */
  labelWeights: Partial<Record<Label, number>>;
  base: number;
  recipientMinor: number;
  minorAndAdult: number;
  noSharedCourse: number;
  newContact: number;
  /** Alert at risk ≥ threshold. */
  threshold: number;
}

export interface GroomingRisk {
  /** In [0, 1]. */
  risk: number;
  /** risk ≥ the shipped threshold. */
  alert: boolean;
  /** The window evidence E and the facts gate, for explanations. */
  evidence: number;
  gate: number;
}

export function gateOf(facts: AccountFacts, p: GroomingParams): number {
  let g = p.base;
  if (facts.recipientMinor) g += p.recipientMinor;
  if (facts.recipientMinor && facts.senderAdult) g += p.minorAndAdult;
  if (!facts.sharedCourse) g += p.noSharedCourse;
  if (facts.newContact) g += p.newContact;
  return Math.min(1, Math.max(0, g));
}

export function messageEvidence(s: Readonly<Partial<Scores>>, p: GroomingParams): number {
  let e = 0;
  for (const l of LABELS) {
    const w = p.labelWeights[l];
    const v = s[l];
    if (w && v !== undefined && Number.isFinite(v)) e = Math.max(e, w * Math.min(1, Math.max(0, v)));
  }
  return e;
}

export function windowEvidence(window: readonly Readonly<Partial<Scores>>[], p: GroomingParams): number {
  const recent = window.slice(-p.window).map((s) => messageEvidence(s, p));
  recent.sort((a, b) => b - a);
  let sum = 0;
  for (let i = 0; i < p.topK; i++) sum += recent[i] ?? 0;
  return sum / p.topK;
}

export function groomingRiskWith(window: readonly Readonly<Partial<Scores>>[], facts: AccountFacts, p: GroomingParams): GroomingRisk {
  const evidence = windowEvidence(window, p);
  const gate = gateOf(facts, p);
  const risk = evidence * gate;
  return { risk, alert: risk >= p.threshold, evidence, gate };
}
