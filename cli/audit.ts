/** `letstalk audit …`: check the audit log's hash chain; export entries. */
import { Command } from 'commander';
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { describeVerification, exportAudit, verifyAudit, type AuditQuery } from '../server/features/admin/audit';
import { CLI_ACTOR } from '../server/features/audit/record';
import { CliError, type CliContext } from './program';

/**
 * The chain's hashes are plain SHA-256, so whoever can write the database can also recompute the
 * whole chain after changing an entry, and `verify` alone then passes (QA s17). The newest entry's
 * hash, printed by `verify` and kept elsewhere, is what such a rewrite cannot match: `--expect`
 * checks that entry still has it.
 */
export function auditCommand(ctx: CliContext) {
  const audit = new Command('audit').description('The audit log (a hash chain in the store)');
  audit
    .command('verify')
    .description('Check every entry against its hash and the previous entry; exit 1 if the chain is broken. Prints the newest entry\'s hash: keep it elsewhere')
    .option('--expect <seq:hash>', 'also check that entry <seq> still has <hash> (as printed by an earlier verify)')
    .action(async (opts: { expect?: string }) => {
      const expected = opts.expect === undefined ? null : /^(\d+):([0-9a-f]{64})$/.exec(opts.expect);
      if (opts.expect !== undefined && !expected) throw new CliError('--expect takes <seq>:<hash>, as printed by audit verify (e.g. 1024:9f86d0…)');
      const store = await ctx.store();
      const v = await verifyAudit(store);
      // Broken: one line on stderr ("error: audit chain BROKEN at entry N: reason"), exit 1.
      if (!v.ok) throw new CliError(describeVerification(v));
      if (expected) {
        const seq = Number(expected[1]);
        const [entry] = await store.audit.list({ afterSeq: seq - 1, limit: 1 });
        if (entry?.seq !== seq) throw new CliError(`audit chain REWRITTEN: entry ${seq} is gone (the chain now has ${v.count} entries)`);
        if (entry.hash !== expected[2]) throw new CliError(`audit chain REWRITTEN: entry ${seq} no longer has the hash kept from an earlier check`);
      }
      ctx.io.out(`${describeVerification(v)}\n`);
      if (v.reached.seq) ctx.io.out(`newest: ${v.reached.seq}:${v.reached.hash} (keep this line elsewhere; audit verify --expect ${v.reached.seq}:${v.reached.hash} checks it later)\n`);
    });
  audit
    .command('export')
    .description("The matching entries as CSV, oldest first (as the portal's Export CSV), on stdout or into a file; the export is itself audited")
    .option('--action <name>', 'one action, e.g. user.suspend')
    .option('--actor <email>', 'entries by this account')
    .option('--target <what>', 'an email, a room id or a course code (every room that had it)')
    .option('--from <YYYY-MM-DD>', 'from this day (the server\'s TIME_ZONE)')
    .option('--to <YYYY-MM-DD>', 'up to and including this day')
    .option('--out <file>', 'a new file for the CSV instead of stdout (never overwritten; readable by its owner only)')
    .action(async (opts: AuditQuery & { out?: string }) => {
      const store = await ctx.store();
      const { out, ...q } = opts;
      if (!out) {
        const r = await exportAudit(store, CLI_ACTOR, q, ctx.config.timeZone, { refuseProblems: true });
        if (!r.chunks) throw new CliError(r.problems.join(' '));
        for await (const chunk of r.chunks) ctx.io.out(chunk);
        return;
      }
      // Emails, suspension reasons, addresses: the file is its owner's alone, and an existing one is never replaced.
      if (existsSync(out)) throw new CliError(`${out} exists: choose a new file`);
      const file = resolve(out);
      const write = async (chunks: AsyncGenerator<string>) => {
        let fd: number;
        try {
          fd = openSync(file, 'wx', 0o600);
        } catch (e) {
          throw new CliError(`cannot write ${out}: ${(e as Error).message}`);
        }
        try {
          for await (const chunk of chunks) writeSync(fd, chunk);
        } finally {
          closeSync(fd);
        }
      };
      const r = await exportAudit(store, CLI_ACTOR, q, ctx.config.timeZone, { refuseProblems: true, write, details: { file, osUser: userInfo().username } });
      if (r.problems.length) throw new CliError(r.problems.join(' '));
      ctx.io.err(`${r.count} entr${r.count === 1 ? 'y' : 'ies'} exported to ${out}\n`);
    });
  return audit;
}
