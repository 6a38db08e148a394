/**
 * `letstalk moderation …`: evaluate the moderation model on labelled data, or score one message.
 * Needs no store: it reads the shipped weights (or --weights).
 */
import { Command, Option } from 'commander';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { CLI_ACTOR } from '../server/features/audit/record';
import { exportJudged, type JudgedLine } from '../server/features/moderation/judged';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { DataError, parseConversations, parseMessages, type MessageItem } from '../server/features/moderation/model/data';
import { evaluateConversations, evaluateMessages, modelDecides, type ConversationReport, type MessageReport } from '../server/features/moderation/model/evaluate';
import { CONTEXTS, contextNames, SENDER_ROLES, type MessageContext } from '../server/features/moderation/model/features';
import { LABELS } from '../server/features/moderation/model/labels';
import { loadModel, ModelFormatError, type Model } from '../server/features/moderation/model/model';
import { CliError, type CliContext } from './program';

function readText(file: string): string {
  if (!existsSync(file)) throw new CliError(`cannot read ${file}: no such file`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file));
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${e instanceof TypeError ? 'not UTF-8 text' : (e as Error).message}`);
  }
}

function openModel(path?: string): Model {
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

/** The `--json` object: exactly these keys (conversations is null without --conversations). */
export function evalJson(m: MessageReport, c: ConversationReport | null) {
  return {
    labels: Object.fromEntries(LABELS.map((l) => [l, { precision: m.labels[l].precision, recall: m.labels[l].recall, f1: m.labels[l].f1, roc_auc: m.labels[l].roc_auc }])),
    languages: Object.fromEntries(Object.entries(m.languages).map(([k, v]) => [k, { recall: v.recall, false_positive_rate: v.false_positive_rate }])),
    benign_false_positive_rate: m.benign_false_positive_rate,
    conversations: c ? { recall: c.recall, precision: c.precision, mean_first_alert_turn: c.mean_first_alert_turn } : null,
    latency_ms: { p50: m.latency_ms.p50, p99: m.latency_ms.p99 },
  };
}

function evalText(model: Model, m: MessageReport, c: ConversationReport | null, msgs: readonly MessageItem[]): string {
  const n = msgs.length;
  const withCtx = msgs.filter((it) => contextNames(it.ctx).length).length;
  const f = (x: number) => x.toFixed(3).padStart(9);
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
  for (const [lang, x] of Object.entries(m.languages)) out.push(`${lang.padEnd(12)}${String(x.positives).padStart(9)}${f(x.recall)}${String(x.benign).padStart(9)}${f(x.false_positive_rate)}`);
  out.push('');
  out.push(`benign false-positive rate: ${m.benign_false_positive_rate.toFixed(3)} (${m.benign} benign)`);
  if (m.hard_negatives) out.push(`hard negatives (benign with a note): ${m.hard_negative_false_positive_rate.toFixed(3)} (${m.hard_negatives})`);
  out.push(`any-label recall: ${m.any_label_recall.toFixed(3)}`);
  if (c) {
    out.push('');
    out.push(
      `conversations: ${c.conversations} (${c.positives} grooming): recall ${c.recall.toFixed(3)}, precision ${c.precision.toFixed(3)}, mean first alert turn ${c.mean_first_alert_turn.toFixed(1)}`,
    );
  }
  out.push(`latency per message: p50 ${m.latency_ms.p50.toFixed(3)} ms, p99 ${m.latency_ms.p99.toFixed(3)} ms`);
  return out.join('\n') + '\n';
}

export function moderationCommand(ctx: CliContext) {
  const { io } = ctx;
  const moderation = new Command('moderation').description('Child-safety moderation model: evaluate on labelled data, score a message');

  moderation
    .command('eval')
    .description('Evaluate on labelled messages (JSONL: text, labels, lang) and optionally conversations (JSONL: participants, turns, grooming_risk)')
    .argument('<messages.jsonl>')
    .option('--conversations <conversations.jsonl>', 'also evaluate conversation-level grooming risk')
    .option('--weights <file>', 'weights file (default: the shipped model)')
    .option('--json', 'print one JSON object')
    .action((file: string, opts: { conversations?: string; weights?: string; json?: boolean }) => {
      const msgs = dataErrors(() => parseMessages(readText(file), file));
      if (!msgs.length) throw new CliError(`${file} has no messages (one JSON object per line)`);
      const convs = opts.conversations ? dataErrors(() => parseConversations(readText(opts.conversations!), opts.conversations!)) : null;
      const model = openModel(opts.weights);
      // each line's `context` and `sender_role` (when present) are what the app takes from the store
      const scorer = (t: string, ctx?: MessageContext) => model.scoreArray(t, undefined, ctx);
      // flagged exactly as the app decides (thresholds for messages with or without context; see Model.classify)
      const thresholds = modelDecides(model, 'review');
      // latency: steady state (one warm-up pass), median of 3 timings per message
      const m = evaluateMessages(msgs, scorer, thresholds, { warmup: true, repeats: 3 });
      const c = convs ? evaluateConversations(convs, scorer, model.grooming) : null;
      io.out(opts.json ? JSON.stringify(evalJson(m, c)) + '\n' : evalText(model, m, c, msgs));
    });

  moderation
    .command('classify')
    .description('Score one message (the text as arguments) and list the review and hold labels')
    .argument('<text...>')
    .option('--weights <file>', 'weights file (default: the shipped model)')
    .addOption(new Option('--context <kind>', 'where it is sent (with --role): a direct message or a group/course room').choices(CONTEXTS))
    .addOption(new Option('--role <role>', "the sender's role (with --context)").choices(SENDER_ROLES))
    .option('--json', 'print JSON')
    .action((words: string[], opts: { weights?: string; json?: boolean; context?: string; role?: string }, cmd: Command) => {
      // the model only knows a context with both facts (else it scores the text alone): a usage error (exit 2)
      if (Boolean(opts.context) !== Boolean(opts.role)) cmd.error('error: --context and --role go together');
      const model = openModel(opts.weights);
      const r = model.classify(words.join(' '), { context: opts.context, senderRole: opts.role });
      if (opts.json) return io.out(JSON.stringify(r) + '\n');
      for (const l of LABELS) io.out(`${l.padEnd(22)}${r.scores[l].toFixed(4)}${r.hold.includes(l) ? '  hold' : r.review.includes(l) ? '  review' : ''}\n`);
    });

  moderation
    .command('export-judged')
    .description("Write the officers' decided cases as training data (campus JSONL) for `bun run train:moderation --extra FILE`. Confidential: the flagged texts")
    .requiredOption('--out <file>', 'the new file to write (never overwritten; readable by its owner only)')
    .option('--since <YYYY-MM-DD>', 'only cases opened on or after this day (UTC)')
    .action(async (opts: { out: string; since?: string }) => {
      let since: number | undefined;
      if (opts.since !== undefined) {
        since = Date.parse(`${opts.since}T00:00:00Z`);
        // A real day: 2026-02-30 must not roll over into March.
        if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.since) || Number.isNaN(since) || new Date(since).toISOString().slice(0, 10) !== opts.since) throw new CliError(`--since must be a real date like 2026-09-01, got "${opts.since}"`);
      }
      if (existsSync(opts.out)) throw new CliError(`${opts.out} exists: choose a new file`);
      const file = resolve(opts.out);
      const write = (lines: JudgedLine[]) => {
        try {
          writeFileSync(file, lines.map((l) => JSON.stringify(l) + '\n').join(''), { mode: 0o600, flag: 'wx' });
        } catch (e) {
          throw new CliError(`cannot write ${opts.out}: ${(e as Error).message}`);
        }
      };
      // audited after the file is written, with who ran it (the CLI has no account) and where it went
      const lines = await exportJudged(await ctx.store(), CLI_ACTOR, write, { since, details: { file, osUser: userInfo().username } });
      const benign = lines.filter((l) => !l.labels.length).length;
      io.out(`wrote ${lines.length} line(s) to ${opts.out}: ${lines.length - benign} with labels, ${benign} harmless\n`);
    });

  return moderation;
}
