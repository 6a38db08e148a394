/** `letstalk audit …`: check the audit log's hash chain. */
import { Command } from 'commander';
import { describeVerification, verifyAudit } from '../server/features/admin/audit';
import { CliError, type CliContext } from './program';

export function auditCommand(ctx: CliContext) {
  const audit = new Command('audit').description('The audit log (a hash chain in the store)');
  audit
    .command('verify')
    .description('Check every entry against its hash and the previous entry; exit 1 if the chain is broken')
    .action(async () => {
      const v = await verifyAudit(await ctx.store());
      // Broken: one line on stderr ("error: audit chain BROKEN at entry N: reason"), exit 1.
      if (!v.ok) throw new CliError(describeVerification(v));
      ctx.io.out(`${describeVerification(v)}\n`);
    });
  return audit;
}
