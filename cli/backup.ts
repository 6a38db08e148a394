/** `letstalk backup --out DIR`: an online backup of the SQLite store (server/store/sqlite/backup.ts). */
import { Command } from 'commander';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { CLI_ACTOR, recordAudit } from '../server/features/audit/record';
import { backupSqlite, BackupError } from '../server/store/sqlite/backup';
import { CliError, type CliContext } from './program';

export function backupCommand(ctx: CliContext) {
  return new Command('backup')
    .description('Copy the database (a consistent snapshot) and the stored files into a new folder, while the server runs (SQLite; with MongoDB use mongodump)')
    .requiredOption('--out <dir>', 'a folder that does not exist yet (or is empty)')
    .action(async (opts: { out: string }) => {
      if (ctx.config.mongodbUri) throw new CliError('MONGODB_URI is set: back up MongoDB with its own tools (mongodump of the database, GridFS bucket "fs" included)');
      const out = resolve(opts.out);
      let r;
      try {
        r = await backupSqlite(resolve(ctx.config.dataDir), out);
      } catch (e) {
        if (e instanceof BackupError) throw new CliError(e.message);
        throw e;
      }
      // Opened only now: opening a store creates an empty database where DATA_DIR is wrong (e.g.
      // cron without the server's environment), which backupSqlite refuses to back up first.
      const store = await ctx.store(); // the live store, for the audit entry
      // A backup holds every conversation: who took one, and where it went, is on record.
      await recordAudit(store, CLI_ACTOR, 'store.backup', null, { out, files: r.files, bytes: r.bytes, missing: r.missing.length, osUser: userInfo().username });
      ctx.io.out(`backup written to ${out}: database (schema ${r.schema}), ${r.files} file(s), ${(r.bytes / 1048576).toFixed(1)} MB\n`);
      if (r.missing.length) ctx.io.err(`warning: ${r.missing.length} stored file(s) were deleted while the backup ran and are not in it: ${r.missing.slice(0, 5).join(', ')}${r.missing.length > 5 ? ', …' : ''}\n`);
    });
}
