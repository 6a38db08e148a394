import { describe, expect, test } from 'bun:test';
import { prf, quantile, reportPrf, reportRocAuc, rocAuc, thresholdForPrecision, thresholdForRecall } from './metrics';

describe('metrics', () => {
  test('precision, recall, F1', () => {
    const m = prf([true, true, false, false], [true, false, true, false]);
    expect([m.precision, m.recall, m.f1]).toEqual([0.5, 0.5, 0.5]);
    expect(prf([false], [false]).precision).toBe(0);
  });

  test('ROC-AUC with ties and degenerate input', () => {
    expect(rocAuc([false, false, true, true], [0.1, 0.2, 0.3, 0.4])).toBe(1);
    expect(rocAuc([true, true, false, false], [0.1, 0.2, 0.3, 0.4])).toBe(0);
    expect(rocAuc([true, false], [0.5, 0.5])).toBe(0.5);
    expect(rocAuc([true, true], [0.1, 0.9])).toBe(0.5);
  });

  test('threshold for a recall target is the highest that reaches it', () => {
    const truth = [true, true, true, true, false];
    const s = [0.9, 0.8, 0.7, 0.2, 0.75];
    expect(thresholdForRecall(truth, s, 0.75)).toBe(0.7);
    expect(thresholdForRecall(truth, s, 1)).toBe(0.2);
  });

  test('threshold for a precision target is the lowest that keeps it', () => {
    const truth = [true, true, false, true, false, false];
    const s = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
    expect(thresholdForPrecision(truth, s, 1, 1)).toBe(0.8);
    expect(thresholdForPrecision(truth, s, 0.75, 1)).toBe(0.6);
  });

  test('quantile (nearest rank)', () => {
    expect(quantile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(quantile([5, 1, 3, 2, 4], 0.99)).toBe(5);
    expect(quantile([], 0.5)).toBe(0);
  });
});

describe('metrics for reports', () => {
  test('precision, recall, F1 and ROC-AUC are null where undefined (prf and rocAuc keep the 0 and 0.5 training needs)', () => {
    expect(reportPrf([false, false], [false, false])).toEqual({ precision: null, recall: null, f1: null });
    expect(reportPrf([true, false], [false, false])).toEqual({ precision: null, recall: 0, f1: 0 });
    expect(reportPrf([false, false], [true, false])).toEqual({ precision: 0, recall: null, f1: 0 });
    expect(reportPrf([true, true, false, false], [true, false, true, false])).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5 });
    expect(reportRocAuc([true, true], [0.1, 0.9])).toBeNull();
    expect(reportRocAuc([false, true], [0.1, 0.9])).toBe(1);
  });
});
