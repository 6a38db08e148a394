#!/usr/bin/env bun
import { runCli } from './program';

const code = await runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  tty: Boolean(process.stderr.isTTY),
  env: process.env,
});
process.exit(code);
