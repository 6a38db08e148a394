/** `letstalk users …`: import, create-admin, reset, disable, enable, list. Thin: parse, call actions, print. */
import { Command, Option } from 'commander';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { ROLES, type Role } from '../server/store/types';
import { CLI_ACTOR } from '../server/features/audit/record';
import { applyImport, credentialsCsv, planImport, roleChanges, validateImportCsv } from '../server/features/accounts/import';
import { ageChecks } from '../server/features/accounts/import-ages';
import { createUser, resetUser, setUserStatus } from '../server/features/accounts/actions';
import { isMinor } from '../server/features/accounts/model';
import { contactTightened } from '../server/features/moderation/restrictions';
import { screenForNewMinors } from '../server/features/moderation/screen-history';
import { CliError, type CliContext } from './program';
import { visible } from '../server/lib/csv';

const MAX_FILE_BYTES = 50 * 1024 * 1024;

function listSome(items: string[], max = 20): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} … and ${items.length - max} more` : shown;
}

export function usersCommand(ctx: CliContext) {
  const { io } = ctx;
  const progress = (msg: string) => {
    if (io.tty) io.err(`\r\x1b[K${msg}`);
  };
  const users = new Command('users').description('Manage user accounts (no self-registration: accounts come from here or the admin portal)');

  users
    .command('import')
    .description('Create users from a CSV file (columns: email,name,role,date_of_birth,matric_no; email and name required)')
    .argument('<file>', 'CSV file with a header row')
    .option('--credentials <out>', 'where to write the one-time login codes (CSV, mode 0600); required unless --dry-run')
    .option('--dry-run', 'validate and report; write nothing')
    .option('--update', 'update name, role, date of birth and matric number of existing users instead of skipping them')
    .action(async (file: string, opts: { credentials?: string; dryRun?: boolean; update?: boolean }) => {
      if (!opts.dryRun && !opts.credentials) throw new CliError('--credentials <out.csv> is required (or use --dry-run)');
      if (opts.credentials && existsSync(opts.credentials)) throw new CliError(`${opts.credentials} already exists; choose a new file so earlier codes are not lost`);
      if (!existsSync(file)) throw new CliError(`cannot read ${file}: no such file`);
      const bytes = readFileSync(file);
      if (bytes.length > MAX_FILE_BYTES) throw new CliError(`${file} is larger than 50 MB; split it`);
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        throw new CliError(`${file} is not UTF-8 text; save it as "CSV UTF-8"`);
      }
      progress('validating…');
      const v = validateImportCsv(text);
      if (!v.ok) {
        progress('');
        for (const e of v.errors) io.err(`${file}:${e.line}: ${visible(e.reason)}\n`);
        throw new CliError(`${v.errors.length} invalid row(s); nothing was written. Fix them and run the import again.`);
      }
      const store = await ctx.store();
      const plan = await planImport(store, v.rows, { update: Boolean(opts.update) });
      if (plan.skip.length) io.err(`skipped (already exist; use --update to change them): ${listSome(plan.skip.map((s) => s.row.email))}\n`);
      const roles = roleChanges(plan);
      if (roles.length) io.err(`role changes: ${listSome(roles.map((c) => `${c.email} ${c.from} → ${c.to}`))}\n`);
      // Safeguarding protects only the students known to be under 18: say who the import makes one.
      const ages = ageChecks(plan);
      if (ages.newMinors) io.err(`under 18: ${ages.newMinors} new user(s)\n`);
      if (ages.becomeMinor.length) io.err(`now under 18: ${listSome(ages.becomeMinor)}\n`);
      if (ages.becomeAdult.length) io.err(`now 18 or over (no longer protected as minors): ${listSome(ages.becomeAdult)}\n`);
      if (ages.noBirthDate.length) io.err(`warning: ${ages.noBirthDate.length} student(s) without a date of birth, treated as adults: ${listSome(ages.noBirthDate)}\n`);
      if (opts.dryRun) {
        io.out(`dry run: ${v.rows.length} valid row(s): would create ${plan.create.length}, update ${plan.update.length}, skip ${plan.skip.length}; invalid 0. Nothing was written.\n`);
        return;
      }
      // The codes go to the credentials file (created exclusively, mode 0600) before the store
      // write: if the file cannot be written, no user gets a code nobody has; if the store write
      // fails, the file is removed again.
      const out = opts.credentials!;
      let wrote = false;
      progress(`writing ${plan.create.length + plan.update.length} user(s)…`);
      try {
        const creds = await applyImport(store, plan, {
          codeTtlMs: ctx.config.loginCodeTtlMs,
          actor: CLI_ACTOR,
          // Someone made a minor: her rooms' history is screened around the write, as the portal does;
          // someone made a minor or no longer staff: calls end (none run from the CLI's process, but
          // the same follow-up keeps one code path).
          screenFor: async (ids, write) => screenForNewMinors(await ctx.chat(), ids, write),
          tightened: async (c) => contactTightened(await ctx.chat(), c),
          beforeWrite: (c) => {
            if (!c.length) return; // nothing new: no sheet to hand out
            writeFileSync(out, credentialsCsv(c), { mode: 0o600, flag: 'wx' });
            wrote = true;
          },
        });
        progress('');
        const where = creds.length ? `Login codes: ${out}` : 'No new users, so no credentials file was written.';
        io.out(`created ${creds.length}, updated ${plan.update.length}, skipped ${plan.skip.length}, invalid 0. ${where}\n`);
      } catch (e) {
        if (wrote && existsSync(out)) unlinkSync(out);
        throw e;
      }
    });

  users
    .command('create-admin')
    .description('Create an administrator and print a one-time login code')
    .requiredOption('--email <email>', 'email address')
    .requiredOption('--name <name>', 'full name')
    .action(async (opts: { email: string; name: string }) => {
      const r = await createUser(await ctx.store({ create: true }), { email: opts.email, name: opts.name, role: 'admin' }, { codeTtlMs: ctx.config.loginCodeTtlMs, actor: CLI_ACTOR });
      io.out(`created admin ${r.user.email}\nlogin code: ${r.loginCode}\nexpires: ${new Date(r.expiresAt).toISOString()}\n`);
    });

  users
    .command('reset')
    .description('Issue a new one-time login code; the password and all sessions stop working')
    .argument('<email>')
    .action(async (email: string) => {
      const r = await resetUser(await ctx.store(), email, { codeTtlMs: ctx.config.loginCodeTtlMs, actor: CLI_ACTOR });
      io.out(`reset ${r.user.email}\nlogin code: ${r.loginCode}\nexpires: ${new Date(r.expiresAt).toISOString()}\n`);
    });

  // Suspend as in the portal (a hearing, a lost device: for a while), with its reason in the audit
  // entry; the CLI had only disable, and enable spoke of suspended accounts (QA s17).
  for (const [name, status, what] of [
    ['disable', 'disabled', 'Disable an account and sign it out everywhere'],
    ['suspend', 'suspended', 'Suspend an account for a while (it cannot sign in) and sign it out everywhere'],
    ['enable', 'active', 'Re-enable a disabled or suspended account'],
  ] as const) {
    const cmd = users.command(name).description(what).argument('<email>');
    if (status !== 'active') cmd.option('--reason <text>', 'why (kept in the audit entry)');
    cmd.action(async (email: string, opts: { reason?: string }) => {
      const reason = opts.reason?.trim().slice(0, 500) || undefined;
      const u = await setUserStatus(await ctx.store(), email, status, CLI_ACTOR, undefined, reason);
      io.out(`${u.email} is now ${u.status}\n`);
    });
  }

  users
    .command('list')
    .description('List users')
    .addOption(new Option('--role <role>', 'only this role').choices(ROLES as unknown as string[]))
    .option('--json', 'print JSON')
    .action(async (opts: { role?: Role; json?: boolean }) => {
      const list = await (await ctx.store()).users.list({ role: opts.role });
      const rows = list.map((u) => ({ email: u.email, name: u.name, role: u.role, status: u.status, minor: isMinor(u), matricNo: u.matricNo, mustSetPassword: u.mustSetPassword }));
      if (opts.json) return io.out(JSON.stringify(rows, null, 2) + '\n');
      const w = Math.max(5, ...rows.map((r) => r.email.length));
      io.out(`${'EMAIL'.padEnd(w)}  ${'ROLE'.padEnd(8)}  ${'STATUS'.padEnd(9)}  MINOR  NAME\n`);
      for (const r of rows) io.out(`${r.email.padEnd(w)}  ${r.role.padEnd(8)}  ${r.status.padEnd(9)}  ${(r.minor ? 'yes' : 'no').padEnd(5)}  ${r.name}\n`);
      io.out(`${rows.length} user(s)\n`);
    });

  return users;
}
