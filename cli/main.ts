#!/usr/bin/env bun
import { runCli } from './program';

// Credentials files, exports and a database the CLI makes are for the operator alone.
process.umask(0o077);

const code = await runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  tty: Boolean(process.stderr.isTTY),
  env: process.env,
});
process.exit(code);
