import { describe, expect, test } from 'bun:test';
import { BitrateEstimator, KeyframeLimiter, LossTracker, PacketCache, pickLayer, videoBudgets, type LayerState } from './control';
import { canModerate, canPublish, canPublishAnything, canRaiseHand, defaultView, isLectureHost } from './permissions';

const layers = (l: number, m: number, h: number, live = [true, true, true]): LayerState[] => [
  { rid: 'l', bitrate: l, live: live[0]! },
  { rid: 'm', bitrate: m, live: live[1]! },
  { rid: 'h', bitrate: h, live: live[2]! },
];

describe('layer choice', () => {
  const three = layers(150_000, 500_000, 1_500_000);
  test('explicit modes', () => {
    expect(pickLayer('audio-only', three, 10e6, 'h')).toBeNull();
    expect(pickLayer('low', three, 10e6, 'h')).toBe('l');
    expect(pickLayer('high', three, 0, 'l')).toBe('h');
  });
  test('auto takes the best layer the budget carries, with headroom to go up', () => {
    expect(pickLayer('auto', three, 2e6, null)).toBe('h');
    expect(pickLayer('auto', three, 700_000, null)).toBe('m');
    // From m, h needs 1.25 × 1.5 Mbps; staying on h needs only 1.5 Mbps.
    expect(pickLayer('auto', three, 1_600_000, 'm')).toBe('m');
    expect(pickLayer('auto', three, 1_600_000, 'h')).toBe('h');
    expect(pickLayer('auto', three, 1_900_000, 'm')).toBe('h');
    // Nothing fits: the lowest layer rather than a frozen picture.
    expect(pickLayer('auto', three, 10_000, 'h')).toBe('l');
  });
  test('layers the publisher stopped sending are skipped', () => {
    const noHigh = layers(150_000, 500_000, 1_500_000, [true, true, false]);
    expect(pickLayer('high', noHigh, 0, null)).toBe('m');
    expect(pickLayer('auto', noHigh, 10e6, null)).toBe('m');
    expect(pickLayer('auto', layers(1, 1, 1, [false, false, false]), 10e6, 'm')).toBe('m');
  });
  test('budgets: audio first, then screens, the rest split between cameras', () => {
    expect(videoBudgets(1_000_000, 2, [300_000], 2)).toEqual({ screen: 300_000, camera: 310_000 });
    expect(videoBudgets(50_000, 2, [], 1).camera).toBe(0);
  });
});

describe('key-frame requests', () => {
  test('at most one per interval; a request inside it is sent when it ends, unless a key frame came', () => {
    const k = new KeyframeLimiter(500);
    expect(k.request(0)).toBe(true);
    expect(k.request(100)).toBe(false);
    expect(k.request(200)).toBe(false);
    expect(k.due(400)).toBe(false);
    expect(k.due(500)).toBe(true);
    expect(k.due(600)).toBe(false);
    expect(k.request(700)).toBe(false);
    k.satisfied();
    expect(k.due(1200)).toBe(false);
    expect(k.request(1200)).toBe(true);
  });
});

describe('bitrate estimate', () => {
  test('grows 8 %/s without loss, drops with loss over 10 %, holds in between', () => {
    const e = new BitrateEstimator(100_000, 5_000_000, 1_000_000);
    e.value(0);
    expect(e.value(1000)).toBe(1_080_000);
    e.onLoss(0.2, 1000);
    expect(e.value(1000)).toBe(972_000);
    e.onLoss(0.05, 2000);
    expect(e.value(3000)).toBe(972_000);
    e.onLoss(0, 3000);
    expect(e.value(4000)).toBeGreaterThan(972_000);
    e.onLoss(1, 5000);
    e.onLoss(1, 5000);
    e.onLoss(1, 5000);
    e.onLoss(1, 5000);
    expect(e.value(5000)).toBe(100_000 * 1); // floor
  });
  test('a falling REMB below what we send means overuse; a climbing one does not hold us down', () => {
    const e = new BitrateEstimator(100_000, 5_000_000, 2_000_000);
    e.onRemb(600_000, 500_000, 0); // first report: nothing to compare with
    e.onRemb(800_000, 500_000, 100); // climbing, follows us
    expect(e.value(100)).toBeGreaterThanOrEqual(2_000_000);
    e.onRemb(400_000, 500_000, 200); // fell, below what we send
    expect(e.value(200)).toBe(400_000);
  });
});

describe('packet cache and loss tracking', () => {
  test('the cache answers only for the exact sequence number it holds', () => {
    const c = new PacketCache<string>(4);
    for (let s = 65533; s < 65540; s++) c.put(s & 0xffff, `p${s & 0xffff}`);
    expect(c.get(3)).toBe('p3');
    expect(c.get(0)).toBe('p0');
    expect(c.get(65535)).toBeUndefined(); // overwritten
    c.clear();
    expect(c.get(3)).toBeUndefined();
  });
  test('gaps are NACKed, retried a few times, and forgotten when the packet comes', () => {
    const t = new LossTracker(64, 2, 40);
    t.add(65534);
    expect(t.add(2)).toBe(3); // 65535, 0, 1 missing (across the wrap)
    expect(t.due(0)).toEqual([65535, 0, 1]);
    expect(t.due(10)).toEqual([]);
    t.add(0);
    expect(t.due(50)).toEqual([65535, 1]);
    expect(t.due(100)).toEqual([]); // two tries each, then given up
    expect(t.missing).toBe(0);
    expect(t.add(1000)).toBe(997); // too big a gap to chase
    expect(t.missing).toBe(0);
  });
});

describe('permissions', () => {
  const student = { host: false, micGranted: false };
  const granted = { host: false, micGranted: true };
  const host = { host: true, micGranted: false };
  test('group calls: everyone publishes everything', () => {
    for (const s of ['mic', 'cam', 'screen'] as const) expect(canPublish('group', student, s)).toBe(true);
    expect(canModerate('group', host)).toBe(false);
    expect(canRaiseHand('group', student)).toBe(false);
    expect(defaultView('group', student)).toBe('auto');
  });
  test('lectures: hosts publish and moderate; students listen (audio only) until granted the mic', () => {
    expect(canPublish('lecture', host, 'screen')).toBe(true);
    expect(canModerate('lecture', host)).toBe(true);
    expect(canPublishAnything('lecture', student)).toBe(false);
    expect(canPublish('lecture', granted, 'mic')).toBe(true);
    expect(canPublish('lecture', granted, 'cam')).toBe(false);
    expect(canPublish('lecture', granted, 'screen')).toBe(false);
    expect(canModerate('lecture', granted)).toBe(false);
    expect(canRaiseHand('lecture', student)).toBe(true);
    expect(defaultView('lecture', student)).toBe('audio-only');
    expect(defaultView('lecture', host)).toBe('auto');
  });
  test('lecture hosts: lecturers, administrators, room owners', () => {
    expect(isLectureHost('lecturer', 'member')).toBe(true);
    expect(isLectureHost('admin', 'member')).toBe(true);
    expect(isLectureHost('student', 'owner')).toBe(true);
    expect(isLectureHost('student', 'moderator')).toBe(false);
    expect(isLectureHost('student', 'member')).toBe(false);
  });
});
