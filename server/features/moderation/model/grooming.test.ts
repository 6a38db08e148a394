import { describe, expect, test } from 'bun:test';
import { groomingRiskWith, type AccountFacts, type GroomingParams } from './grooming';
import { loadModel } from './model';
import type { Scores } from './labels';

const P: GroomingParams = {
  window: 10,
  topK: 2,
  labelWeights: { grooming_signal: 1, sexual_solicitation: 0.5 },
  base: 0.2,
  recipientMinor: 0.1,
  minorAndAdult: 0.5,
  noSharedCourse: 0.1,
  newContact: 0.1,
  threshold: 0.4,
};
const s = (grooming_signal: number, sexual_solicitation = 0): Partial<Scores> => ({ grooming_signal, sexual_solicitation });
const facts = (o: Partial<AccountFacts> = {}): AccountFacts => ({ recipientMinor: false, senderAdult: false, sharedCourse: true, newContact: false, ...o });
const ALL_FACTS: AccountFacts[] = [];
for (const recipientMinor of [false, true])
  for (const senderAdult of [false, true])
    for (const sharedCourse of [false, true]) for (const newContact of [false, true]) ALL_FACTS.push({ recipientMinor, senderAdult, sharedCourse, newContact });

describe('groomingRisk', () => {
  const risky = [s(0.9), s(0.1), s(0.8, 0.3)];

  test('a minor recipient with an adult sender raises the risk', () => {
    const adultToAdult = groomingRiskWith(risky, facts({ senderAdult: true }), P);
    const adultToMinor = groomingRiskWith(risky, facts({ senderAdult: true, recipientMinor: true }), P);
    expect(adultToMinor.risk).toBeGreaterThan(adultToAdult.risk);
    expect(adultToMinor.alert).toBe(true);
    expect(adultToAdult.alert).toBe(false);
  });

  test('monotonic in every fact: turning a fact riskier never lowers the risk', () => {
    const riskier: ((f: AccountFacts) => AccountFacts)[] = [
      (f) => ({ ...f, recipientMinor: true }),
      (f) => ({ ...f, senderAdult: true }),
      (f) => ({ ...f, sharedCourse: false }),
      (f) => ({ ...f, newContact: true }),
    ];
    for (const f of ALL_FACTS) for (const r of riskier) expect(groomingRiskWith(risky, r(f), P).risk).toBeGreaterThanOrEqual(groomingRiskWith(risky, f, P).risk);
  });

  test('no risk from benign scores, whatever the facts', () => {
    const benign = [s(0), s(0), s(0, 0)];
    for (const f of ALL_FACTS) {
      const r = groomingRiskWith(benign, f, P);
      expect(r.risk).toBe(0);
      expect(r.alert).toBe(false);
    }
    expect(groomingRiskWith([], facts({ recipientMinor: true, senderAdult: true }), P).risk).toBe(0);
  });

  test('monotonic in the message scores, and in [0, 1]', () => {
    const f = facts({ recipientMinor: true, senderAdult: true, sharedCourse: false, newContact: true });
    let prev = -1;
    for (const g of [0, 0.1, 0.3, 0.5, 0.9, 1]) {
      const r = groomingRiskWith([s(g), s(g)], f, P);
      expect(r.risk).toBeGreaterThanOrEqual(prev);
      expect(r.risk).toBeGreaterThanOrEqual(0);
      expect(r.risk).toBeLessThanOrEqual(1);
      prev = r.risk;
    }
    // out-of-range scores are clamped
    expect(groomingRiskWith([s(7), s(7)], f, P).risk).toBe(1);
  });

  test('evidence is the mean of the top k: one strong message alone is not enough', () => {
    const f = facts({ recipientMinor: true, senderAdult: true, sharedCourse: false, newContact: true });
    expect(groomingRiskWith([s(0.7)], f, P).alert).toBe(false); // 0.35 < 0.4
    expect(groomingRiskWith([s(0.7), s(0.5)], f, P).alert).toBe(true); // 0.6
  });

  test('only the last `window` messages count', () => {
    const f = facts({ recipientMinor: true, senderAdult: true });
    const old = [s(1), s(1), ...Array.from({ length: 10 }, () => s(0))];
    expect(groomingRiskWith(old, f, P).risk).toBe(0);
  });

  test('label weights: solicitation counts at half weight here', () => {
    const f = facts({ recipientMinor: true, senderAdult: true, sharedCourse: false, newContact: true });
    expect(groomingRiskWith([s(0, 1), s(0, 1)], f, P).evidence).toBeCloseTo(0.5);
  });

  test('the shipped parameters keep the properties', () => {
    const m = loadModel();
    const high: Partial<Scores> = { grooming_signal: 0.99, sexual_solicitation: 0.99, threat: 0.99 };
    const minor = m.groomingRisk([high, high, high], { recipientMinor: true, senderAdult: true, sharedCourse: false, newContact: true });
    const adult = m.groomingRisk([high, high, high], { recipientMinor: false, senderAdult: true, sharedCourse: true, newContact: false });
    expect(minor.alert).toBe(true);
    expect(minor.risk).toBeGreaterThan(adult.risk);
    expect(m.groomingRisk([{}, {}], { recipientMinor: true, senderAdult: true, sharedCourse: false, newContact: true }).risk).toBe(0);
  });
});
