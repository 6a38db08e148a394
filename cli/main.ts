#!/usr/bin/env bun
import { runCli } from './program';

// Credentials files, exports and a database the CLI makes are for the operator alone.
process.umask(0o077);

// process.exit does not wait for a pipe to take what was written: a large report piped to a slow
// reader (`… --json | jq`) was cut at the pipe's buffer (64 KiB). Each write resolves when it is
// handed to the OS (or fails, e.g. the reader is gone), and we exit after the last one.
const pending: Promise<void>[] = [];
const write = (stream: NodeJS.WriteStream) => (s: string) => {
  pending.push(new Promise<void>((done) => stream.write(s, () => done())));
};

const code = await runCli(process.argv.slice(2), {
  out: write(process.stdout),
  err: write(process.stderr),
  tty: Boolean(process.stderr.isTTY),
  env: process.env,
});
await Promise.all(pending);
process.exit(code);
