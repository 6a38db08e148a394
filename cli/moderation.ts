/**
 * `letstalk moderation …`: evaluate the moderation model on labelled data (moderation-eval.ts),
 * score one message, export the officers' decided cases. eval and classify need no store and no
 * server setting: they read the shipped weights (or --weights).
 */
import { Command, Option } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import { CLI_ACTOR } from '../server/features/audit/record';
import { exportJudged, type JudgedLine } from '../server/features/moderation/judged';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { CONTEXTS, SENDER_ROLES } from '../server/features/moderation/model/features';
import { LABELS } from '../server/features/moderation/model/labels';
import { evalCommand, openModel } from './moderation-eval';
import { CliError, type CliContext } from './program';

export function moderationCommand(ctx: CliContext) {
  const { io } = ctx;
  const moderation = new Command('moderation').description('Child-safety moderation model: evaluate on labelled data, score a message');

  moderation.addCommand(evalCommand(io));

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
