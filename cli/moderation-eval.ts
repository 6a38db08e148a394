/**
 * `letstalk moderation eval`: the moderation model on labelled data (campus schema), as a text
 * report or one JSON object. Needs no store and no server setting: it reads the shipped weights
 * (or --weights) and the files it is given.
 */
import { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { DataError, parseConversations, parseMessages, readNotes, type MessageItem, type ReadNotes } from '../server/features/moderation/model/data';
import { evaluateConversations, evaluateMessages, modelJudge, type ConversationReport, type MessageReport, type Metric } from '../server/features/moderation/model/evaluate';
import { contextNames, type MessageContext } from '../server/features/moderation/model/features';
import { LABELS } from '../server/features/moderation/model/labels';
import { loadModel, ModelFormatError, type Model } from '../server/features/moderation/model/model';
import { CliError, type CliIo } from './program';

function readText(file: string): string {
  if (!existsSync(file)) throw new CliError(`cannot read ${file}: no such file`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file));
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${e instanceof TypeError ? 'not UTF-8 text' : (e as Error).message}`);
  }
}

/** The shipped weights, or `path`; a file that is not one is a one-line error. */
export function openModel(path?: string): Model {
  if (path && !existsSync(path)) throw new CliError(`cannot read ${path}: no such file`);
  try {
    return loadModel(path);
  } catch (e) {
    if (e instanceof ModelFormatError) throw new CliError(`${path ?? 'weights.bin'}: ${e.message}`);
    throw e;
  }
}

const dataErrors = <T>(fn: () => T): T => {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DataError) throw new CliError(e.message);
    throw e;
  }
};

/** At most this many per-line warnings per file; the rest are counted. */
const MAX_LINE_WARNINGS = 20;

/**
 * What a lenient read let pass, on stderr: one warning per unknown label name (with how many lines
 * carry it), the lines left out for carrying only unknown labels, and each conversation whose
 * account facts could not all be read (by line; they take their defaults, which decide its alerts).
 */
function warnNotes(io: CliIo, file: string, notes: ReadNotes) {
  for (const [name, lines] of notes.unknownLabels) io.err(`warning: ${file}: unknown label ${JSON.stringify(name)} on ${lines} line(s), ignored (known: ${LABELS.join(', ')})\n`);
  if (notes.leftOut.length) {
    const shown = notes.leftOut.slice(0, MAX_LINE_WARNINGS).join(', ') + (notes.leftOut.length > MAX_LINE_WARNINGS ? ', …' : '');
    io.err(`warning: ${file}: ${notes.leftOut.length} line(s) left out, every label they carry is unknown (not benign either): line(s) ${shown}\n`);
  }
  for (const { line, problems } of notes.facts.slice(0, MAX_LINE_WARNINGS)) io.err(`warning: ${file}:${line}: account facts unreadable: ${problems.join('; ')}\n`);
  if (notes.facts.length > MAX_LINE_WARNINGS) io.err(`warning: ${file}: ${notes.facts.length - MAX_LINE_WARNINGS} more conversation(s) with unreadable account facts\n`);
}

/** The `--json` object: exactly these keys (conversations is null without --conversations; a metric with no defined value is null). */
export function evalJson(m: MessageReport, c: ConversationReport | null) {
  return {
    labels: Object.fromEntries(LABELS.map((l) => [l, { precision: m.labels[l].precision, recall: m.labels[l].recall, f1: m.labels[l].f1, roc_auc: m.labels[l].roc_auc }])),
    // fromEntries defines own properties: a language "__proto__" stays a key
    languages: Object.fromEntries([...m.languages].map(([k, v]) => [k, { recall: v.recall, false_positive_rate: v.false_positive_rate }])),
    benign_false_positive_rate: m.benign_false_positive_rate,
    conversations: c ? { recall: c.recall, precision: c.precision, mean_first_alert_turn: c.mean_first_alert_turn } : null,
    latency_ms: { p50: m.latency_ms.p50, p99: m.latency_ms.p99 },
  };
}

/** A metric for the text report: "n/a" where it has no defined value (not a 0 that reads as a result). */
const show = (x: Metric, digits = 3) => (x === null ? 'n/a' : x.toFixed(digits));

function evalText(model: Model, m: MessageReport, c: ConversationReport | null, msgs: readonly MessageItem[]): string {
  const n = msgs.length;
  const withCtx = msgs.filter((it) => contextNames(it.ctx).length).length;
  const f = (x: Metric) => show(x).padStart(9);
  const out: string[] = [];
  out.push(`model ${model.version}; ${n} message(s), ${withCtx} with context; metrics at the review thresholds`);
  out.push('');
  out.push(`${'label'.padEnd(22)}${'support'.padStart(9)}${'threshold'.padStart(11)}${'precision'.padStart(11)}${'recall'.padStart(9)}${'F1'.padStart(9)}${'ROC-AUC'.padStart(9)}`);
  const row = (name: string, x: MessageReport['overall'], th: string) =>
    `${name.padEnd(22)}${String(x.support).padStart(9)}${th.padStart(11)}  ${f(x.precision)}${f(x.recall)}${f(x.f1)}${f(x.roc_auc)}`;
  // the threshold column shows the set most of the messages were judged by (with or without context)
  const shown = withCtx * 2 >= n ? model.thresholds : model.thresholdsFor();
  for (const l of LABELS) out.push(row(l, m.labels[l], shown.review[l].toFixed(4)));
  out.push(row('overall (micro)', m.overall, ''));
  out.push('');
  out.push(`${'language'.padEnd(12)}${'labelled'.padStart(9)}${'recall'.padStart(9)}${'benign'.padStart(9)}${'FPR'.padStart(9)}`);
  for (const [lang, x] of m.languages) out.push(`${lang.padEnd(12)}${String(x.positives).padStart(9)}${f(x.recall)}${String(x.benign).padStart(9)}${f(x.false_positive_rate)}`);
  out.push('(recall: a labelled message is caught when one of its own labels is flagged)');
  out.push('');
  out.push(`benign false-positive rate: ${show(m.benign_false_positive_rate)} (${m.benign} benign)`);
  if (m.hard_negatives) out.push(`hard negatives (benign with a note): ${show(m.hard_negative_false_positive_rate)} (${m.hard_negatives})`);
  out.push(`recall, all languages: ${show(m.own_label_recall)}; with any label flagged, its own or not: ${show(m.any_label_recall)}`);
  if (c) {
    out.push('');
    out.push(`conversations: ${c.conversations} (${c.positives} grooming): recall ${show(c.recall)}, precision ${show(c.precision)}, mean first alert turn ${show(c.mean_first_alert_turn, 1)}`);
  }
  out.push(`latency per message (classify: normalisation, features, scores, thresholds): p50 ${m.latency_ms.p50.toFixed(3)} ms, p99 ${m.latency_ms.p99.toFixed(3)} ms`);
  return out.join('\n') + '\n';
}

export function evalCommand(io: CliIo) {
  return new Command('eval')
    .description('Evaluate on labelled messages (JSONL: text, labels, lang) and optionally conversations (JSONL: participants, turns, grooming_risk)')
    .argument('<messages.jsonl>')
    .option('--conversations <conversations.jsonl>', 'also evaluate conversation-level grooming risk')
    .option('--weights <file>', 'weights file (default: the shipped model)')
    .option('--json', 'print one JSON object')
    .action((file: string, opts: { conversations?: string; weights?: string; json?: boolean }) => {
      // Lenient: an unknown label is a warning, not the end of the run (malformed JSON still is).
      const notes = readNotes();
      const msgs = dataErrors(() => parseMessages(readText(file), file, notes));
      // A report of zeros for nothing would read as a result.
      if (!msgs.length) throw new CliError(notes.leftOut.length ? `${file} has no messages to evaluate: every line's labels are unknown` : `${file} has no messages (one JSON object per line)`);
      const convNotes = readNotes();
      const convs = opts.conversations ? dataErrors(() => parseConversations(readText(opts.conversations!), opts.conversations!, convNotes)) : null;
      if (convs && !convs.length) throw new CliError(`${opts.conversations} has no conversations (one JSON object per line)`);
      const model = openModel(opts.weights);
      warnNotes(io, file, notes);
      if (opts.conversations) warnNotes(io, opts.conversations, convNotes);
      // Flagged exactly as the app decides, and timed on that whole path (Model.classify with the line's
      // context, as the app takes it from the store): steady state (one warm-up pass), median of 3 per message.
      const m = evaluateMessages(msgs, modelJudge(model, 'review'), { warmup: true, repeats: 3 });
      const scorer = (t: string, ctx?: MessageContext) => model.scoreArray(t, undefined, ctx);
      const c = convs ? evaluateConversations(convs, scorer, model.grooming) : null;
      io.out(opts.json ? JSON.stringify(evalJson(m, c)) + '\n' : evalText(model, m, c, msgs));
    });
}
