/**
 * The admin CLI (commander). `runCli` is the whole program with its I/O passed in, so tests run it
 * in-process; cli/main.ts binds it to the real process. Exit codes: 0 ok, 1 bad input or a
 * refused operation, 2 usage error.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { loadConfig, ConfigError, type Config } from '../server/config';
import { AppError } from '../server/errors';
import { openStore } from '../server/store/open';
import { createChatContext, type ChatContext } from '../server/features/chat/context';
import { createNotifier, type RunningNotifier } from '../server/features/moderation/notify';
import { createModeration } from '../server/features/moderation/screen';
import { loadModel } from '../server/features/moderation/model';
import { LocalHub } from '../server/realtime/hub';
import { createLogger } from '../server/log';
import type { Store } from '../server/store/types';
import { usersCommand } from './users';
import { roomsCommand } from './rooms';
import { auditCommand } from './audit';
import { moderationCommand } from './moderation';
import { backupCommand } from './backup';

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** True when stderr is a terminal (progress display). */
  tty: boolean;
  env: Record<string, string | undefined>;
}

export interface CliContext {
  io: CliIo;
  /**
   * The server's configuration from the environment, read on first use: commands that need no
   * server settings (`moderation eval`, `moderation classify`) must not fail on one they never
   * read (a PORT=abc in the shell). A bad value is a ConfigError: one line, exit 1.
   */
  readonly config: Config;
  /**
   * Opens the store on first use; closed by runCli. On SQLite a missing database is refused (a
   * mistyped DATA_DIR, or the CLI run from another folder than the server's `./data`, would
   * otherwise answer from a new empty one, or create an administrator nobody's server sees),
   * unless `create` (the first administrator, before the server's first start), said on stderr.
   */
  store: (opts?: { create?: boolean }) => Promise<Store>;
  /**
   * What chat actions need, as the server builds it: the configured screening (scope, weights,
   * policy) and officers' notifications (runCli waits for them before exiting). No live
   * connections: members see changes on their next page load or reconnect.
   */
  chat: () => Promise<ChatContext>;
}

/** An error the user caused (bad file, unknown email): one line on stderr, exit 1. */
export class CliError extends Error {
  override name = 'CliError';
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let opened: Store | undefined;
  let loaded: Config | undefined;
  const configOf = () => (loaded ??= loadConfig(io.env));
  let notifier: RunningNotifier | undefined;
  /** Officers' notices the command's actions asked for (a message held by screening). */
  let notices = 0;
  let chat: ChatContext | undefined;
  const store = async (opts: { create?: boolean } = {}) => {
    const config = configOf();
    if (!opened && !config.mongodbUri) {
      const db = resolve(config.dataDir, 'letstalk.db');
      const missing = (() => {
        try {
          statSync(db);
          return false;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          // The data folder is the server user's alone (mode 0700): say so, not "no database".
          if (code === 'EACCES') throw new CliError(`cannot read ${db}: permission denied (run the CLI as the server's user, e.g. sudo -u letstalk env DATA_DIR=… bun cli/main.ts …)`);
          if (code === 'ENOENT' || code === 'ENOTDIR') return true;
          throw e;
        }
      })();
      if (missing) {
        if (!opts.create) throw new CliError(`no database at ${db}: set DATA_DIR to the server's data folder (the server makes the database on its first start)`);
        io.err(`note: no database at ${db}: a new one is made there (the server must use the same DATA_DIR)\n`);
      }
    }
    return (opened ??= await openStore(config));
  };
  const ctx: CliContext = {
    io,
    get config() {
      return configOf();
    },
    store,
    async chat() {
      if (chat) return chat;
      const config = configOf();
      // Errors only (an undelivered notice): "no officer address configured" is the server's warning to give.
      const sender = createNotifier(config.notify, createLogger('error', (l) => io.err(l + '\n')));
      notifier = { ...sender, notify: (n) => (notices++, sender.notify(n)) };
      const moderation = createModeration(config.moderationScope, () => loadModel(config.moderationWeights ?? undefined), { policy: config.moderationPolicy, notifier, publicUrl: config.publicUrl });
      chat = createChatContext(await store(), new LocalHub(() => null), config.timeZone, { moderation });
      chat.warn = (message, fields) => io.err(`warning: ${message} ${JSON.stringify(fields)}\n`);
      return chat;
    },
  };
  const program = new Command()
    .name('letstalk')
    .description('Lets Talk administration. Uses the same store as the server (DATA_DIR or MONGODB_URI).')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run with --help for usage)');
  program.addCommand(usersCommand(ctx));
  program.addCommand(roomsCommand(ctx));
  program.addCommand(auditCommand(ctx));
  program.addCommand(moderationCommand(ctx));
  program.addCommand(backupCommand(ctx));
  // Commands built apart from `program` do not inherit its settings: apply them to the whole tree
  // so usage errors everywhere exit through CommanderError (code 2) instead of process.exit.
  const inherit = (c: Command) => c.commands.forEach((sub) => (sub.copyInheritedSettings(c), inherit(sub)));
  inherit(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit through here with code 0
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof CliError || e instanceof AppError || e instanceof ConfigError) {
      io.err(`error: ${e.message}\n`);
      return 1;
    }
    io.err(`error: ${(e as Error)?.message ?? e}\n`);
    return 1;
  } finally {
    // Officers' notices queued by what the command did (a message held by screening) go out first.
    await notifier?.close(10_000);
    // The CLI runs with its shell's environment, not the server's (a cron job, an admin's terminal):
    // a notice with no officer address here was sent to nobody, and nobody would know.
    if (notices && loaded && !loaded.notify.smtp && !loaded.notify.webhook) {
      io.err(`warning: ${notices} safeguarding notice(s) were not sent: SMTP_URL/SAFEGUARDING_WEBHOOK_URL are not set in this shell (set the server's values); officers see the cases in Admin → Safeguarding\n`);
    }
    await opened?.close();
  }
}
