/**
 * Moderation model latency: scores messages of 10 to 1,000 characters (built from synthetic chat
 * lines, including obfuscated spellings, emoji and Yoruba tone marks) with the shipped model, and a
 * baseline measured in the same run: `text.toLowerCase().split(' ')` plus a loop over the words.
 * Prints wall-time p50/p99/max and CPU-time p50/p99 per message for both, and the ratio, for mixed
 * lengths, for 1,000-character messages, for 1,000-character messages of stretched and spelt-out
 * words, and for 1,000-character messages of words run together (the normaliser's worst cases). Usage: bun bench/moderation.ts [messages]
 */
import { loadModel } from '../server/features/moderation/model/model';
import { prng } from '../server/features/moderation/model/train';

const N = Number(process.argv[2] ?? 20_000);
const LINES = [
  'Reminder: BIO 104 practical on Thursday covers the human reproductive system.',
  's3nd p!c pls, just 4 me 😉',
  'n u d e s? 👀 nobody go know',
  'Ọmọ mi, wá sí ilé on Sunday for lunch, your aunty is cooking ẹ̀fọ́',
  'Abeg who get the past questions for CSC 201? I go pay for printing',
  "Don't tell your parents about us, delete this chat 🤫",
  'soooo tiredddd of this hostel water wahala, na wa o!!!',
  'I reported him to the gender desk with screenshots of every message.',
];
const rnd = prng(42);
function message(len: number): string {
  let s = '';
  while (s.length < len) s += (s ? ' ' : '') + LINES[Math.floor(rnd() * LINES.length)]!;
  return s.slice(0, len);
}
const texts = Array.from({ length: N }, (_, i) => message(10 + ((i * 7919) % 991)));

function percentiles(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return { p50: q(0.5), p99: q(0.99), max: s[s.length - 1]! };
}

/**
 * Wall time per call, and CPU time per call (process.cpuUsage, µs resolution): on a busy machine the
 * wall-time tail is mostly the process being descheduled, which CPU time leaves out.
 */
function run(label: string, fn: (t: string) => number, texts: string[]) {
  for (let i = 0; i < 2000; i++) fn(texts[i % texts.length]!); // warm-up
  const times = new Array<number>(texts.length);
  const cpu = new Array<number>(texts.length);
  let sink = 0;
  for (let i = 0; i < texts.length; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    sink += fn(texts[i]!);
    times[i] = performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpu[i] = (c.user + c.system) / 1000;
  }
  const p = percentiles(times);
  const c = percentiles(cpu);
  console.log(
    `${label.padEnd(10)} wall p50 ${p.p50.toFixed(4)} ms  p99 ${p.p99.toFixed(4)} ms  max ${p.max.toFixed(3)} ms | cpu p50 ${c.p50.toFixed(3)} ms  p99 ${c.p99.toFixed(3)} ms  (sink ${sink.toFixed(0)})`,
  );
  return { ...p, cpuP99: c.p99 };
}
const modCpu = (r: { cpuP99: number }) => r.cpuP99;

const t0 = performance.now();
const model = loadModel();
console.log(`model ${model.version} loaded in ${(performance.now() - t0).toFixed(0)} ms; ${N} messages of 10–1,000 characters`);
const out = new Float64Array(model.labels.length);
const baseline = (t: string) => {
  let n = 0;
  for (const w of t.toLowerCase().split(' ')) n += w.length;
  return n;
};
// as the app screens: classify with the message's context from the store (scores with and without
// context in one pass, thresholds, the labels flagged)
const ctx = { context: 'dm', senderRole: 'student' };
const score = (t: string) => model.classify(t, ctx).scores.sexual_solicitation + out.length;
const base = run('baseline', baseline, texts);
const mod = run('model', score, texts);
console.log(`ratio model/baseline: p50 ${(mod.p50 / base.p50).toFixed(1)}×, p99 ${(mod.p99 / base.p99).toFixed(1)}×`);
const long = Array.from({ length: Math.max(1000, N / 4) }, () => message(1000));
console.log('1,000-character messages only:');
const baseL = run('baseline', baseline, long);
const modL = run('model', score, long);
console.log(`ratio model/baseline: p50 ${(modL.p50 / baseL.p50).toFixed(1)}×, p99 ${(modL.p99 / baseL.p99).toFixed(1)}×`);
// The worst case for normalisation: every word stretched or spelt out (each stretched word is looked
// up in the model's vocabulary; spelt-out runs are scanned twice).
const WORDS = ['seeeend', 'nuuuudes', 'gooooood', 'aaabbbcccddd', 'n u d e s', 's.m.a.s.h', 'n/u/d/e/s', 'pleeeeease', 'x/y/z', 's  e  n  d'];
const hard = Array.from({ length: Math.max(1000, N / 4) }, () => {
  let s = '';
  while (s.length < 1000) s += (s ? ' ' : '') + WORDS[Math.floor(rnd() * WORDS.length)]!;
  return s.slice(0, 1000);
});
console.log('1,000-character messages of stretched and spelt-out words only:');
const baseH = run('baseline', baseline, hard);
const modH = run('model', score, hard);
console.log(`ratio model/baseline: p50 ${(modH.p50 / baseH.p50).toFixed(1)}×, p99 ${(modH.p99 / baseH.p99).toFixed(1)}×`);
// Words run together (each unknown word of 6+ letters is cut into vocabulary words, words.ts
// segment): 1,000-character messages with no spaces at all, and with a few.
const runTogether = Array.from({ length: Math.max(1000, N / 4) }, (_, i) => {
  const m = message(1000);
  return i % 2 ? m.replace(/\s+/g, '') : m.replace(/\s+/g, () => (rnd() < 0.8 ? '' : ' '));
});
console.log('1,000-character messages of words run together:');
const baseR = run('baseline', baseline, runTogether);
const modR = run('model', score, runTogether);
console.log(`ratio model/baseline: p50 ${(modR.p50 / baseR.p50).toFixed(1)}×, p99 ${(modR.p99 / baseR.p99).toFixed(1)}×`);
const { loadavg } = await import('node:os');
const all = [mod, modL, modH, modR];
console.log(
  `budget p99 ≤ 1 ms per message up to 1,000 characters: wall ${Math.max(...all.map((r) => r.p99)) <= 1 ? 'met' : 'NOT met'}, cpu ${Math.max(...all.map(modCpu)) <= 1 ? 'met' : 'NOT met'} (load average ${loadavg()[0]!.toFixed(1)} on ${navigator.hardwareConcurrency} cores)`,
);
