/**
 * End-to-end harness: a real server process on a loopback port, the real CLI against the same
 * DATA_DIR, and the system Chromium driven by playwright-core. Every e2e file wraps its suite in
 * `describeBrowser` so a missing browser skips locally but fails in CI.
 */
import { describe, test } from 'bun:test';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = resolve(import.meta.dir, '..');
export const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts');
const READY_TIMEOUT_MS = 15_000;

// Server settings a developer's shell might carry; the harness decides them, not the shell.
const APP_VARS = ['PORT', 'HOST', 'DATA_DIR', 'MONGODB_URI', 'REDIS_URL', 'PUBLIC_URL', 'SECRET_KEY', 'TRUST_PROXY', 'LOG_LEVEL', 'LOGIN_CODE_TTL_DAYS', 'SESSION_IDLE_DAYS', 'SESSION_MAX_DAYS', 'METRICS_TOKEN', 'TIME_ZONE'];

/**
 * Which store the e2e servers use: SQLite by default; with E2E_STORE=mongodb (scripts/test.ts
 * runs the chat suites a second time that way) each server gets its own fresh database on the
 * MONGODB_URI server (FerretDB in CI).
 */
export const E2E_STORE: 'sqlite' | 'mongodb' = process.env.E2E_STORE === 'mongodb' ? 'mongodb' : 'sqlite';

function storeEnv(): Record<string, string> {
  if (E2E_STORE !== 'mongodb') return {};
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error('E2E_STORE=mongodb needs MONGODB_URI');
  const u = new URL(uri);
  u.pathname = `/lt_e2e_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
  return { MONGODB_URI: u.toString() };
}

/** The server's own store, opened from the test process (e.g. to seed data while it runs). */
export async function serverStore(server: TestServer) {
  const { openStore } = await import('../server/store/open');
  return openStore({ mongodbUri: server.env.MONGODB_URI ?? null, dataDir: server.dataDir });
}

export interface TestServer {
  url: string;
  dataDir: string;
  env: Record<string, string>;
  stop(): Promise<void>;
  /** Ends the server process (SIGTERM) but keeps DATA_DIR: for outage tests. */
  kill(): Promise<void>;
  /** Starts a new server process on the same port and DATA_DIR (after `kill`). */
  start(): Promise<void>;
  /** `kill` then `start`. */
  restart(): Promise<void>;
  /** Freezes the server process (SIGSTOP): its sockets stay open and carry nothing, as on a dead link. */
  pause(): void;
  /** Lets a paused server go on (SIGCONT). */
  resume(): void;
  /** Everything the server wrote to stdout and stderr so far (across restarts). */
  logs(): string;
}

/**
 * Asks the kernel for a free loopback port. Another process could take it before the server binds;
 * startServer retries then (server/main.ts binds without SO_REUSEPORT, so a taken port fails).
 */
export function freePort(): number {
  const s = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

/** Appends a child's output stream to `sink` as it arrives (so logs survive a crash). */
function collect(stream: ReadableStream<Uint8Array>, sink: string[]) {
  void (async () => {
    const dec = new TextDecoder();
    for await (const chunk of stream) sink.push(dec.decode(chunk, { stream: true }));
  })();
}

async function waitHealthy(url: string, proc: Bun.Subprocess): Promise<'ok' | 'exited' | 'timeout'> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) return 'exited';
    try {
      const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      if (r.status === 200) return 'ok';
    } catch {
      // not listening yet
    }
    await Bun.sleep(100);
  }
  return 'timeout';
}

async function endProcess(proc: Bun.Subprocess) {
  proc.kill('SIGTERM');
  const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(5_000).then(() => false)]);
  if (!exited) proc.kill('SIGKILL');
  await proc.exited;
}

/** Spawns `bun server/main.ts` with `env` and waits until /healthz answers. */
async function spawnServer(env: Record<string, string>, out: string[]): Promise<{ proc: Bun.Subprocess; state: 'ok' | 'exited' | 'timeout' }> {
  const proc = Bun.spawn([process.execPath, 'server/main.ts'], { cwd: ROOT, env, stdout: 'pipe', stderr: 'pipe' });
  collect(proc.stdout, out);
  collect(proc.stderr, out);
  const state = await waitHealthy(`http://127.0.0.1:${env.PORT}`, proc);
  if (state !== 'ok') {
    proc.kill('SIGKILL');
    await proc.exited;
  }
  return { proc, state };
}

export async function startServer(opts: { env?: Record<string, string> } = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'letstalk-e2e-'));
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !APP_VARS.includes(k)) base[k] = v;
  let lastError = '';
  const mongoEnv = storeEnv();
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = freePort();
    const env = { ...base, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...mongoEnv, ...opts.env };
    // opts.env may name the port (a test that sets PUBLIC_URL to it).
    const url = `http://127.0.0.1:${env.PORT}`;
    const out: string[] = [];
    const logs = () => out.join('');
    const first = await spawnServer(env, out);
    if (first.state === 'ok') {
      let proc: Bun.Subprocess | null = first.proc;
      const server: TestServer = {
        url,
        dataDir,
        env,
        logs,
        async kill() {
          if (proc) await endProcess(proc);
          proc = null;
        },
        async start() {
          if (proc) throw new Error('server is already running');
          // Same port: a client reconnecting must find the same address. Retry briefly in case
          // the old listening socket is not released yet.
          for (let i = 0; i < 20; i++) {
            out.push(`\n--- restart (attempt ${i + 1}) ---\n`);
            const next = await spawnServer(env, out);
            if (next.state === 'ok') {
              proc = next.proc;
              return;
            }
            await Bun.sleep(250);
          }
          throw new Error(`server did not come back on ${url}\n--- server output ---\n${logs()}`);
        },
        async restart() {
          await server.kill();
          await server.start();
        },
        pause: () => void proc?.kill('SIGSTOP'),
        resume: () => void proc?.kill('SIGCONT'),
        async stop() {
          await server.kill();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
      return server;
    }
    lastError = `server ${first.state === 'timeout' ? `not healthy after ${READY_TIMEOUT_MS} ms` : `exited with code ${first.proc.exitCode}`} on ${url}\n--- server output ---\n${logs()}`;
    // Only a lost race for the port is worth another try.
    if (!/EADDRINUSE|in use/i.test(logs())) break; // Bun: "Failed to start server. Is port N in use?"
  }
  rmSync(dataDir, { recursive: true, force: true });
  throw new Error(lastError);
}

/** Runs the admin CLI (`bun cli/main.ts …`) against the server's store. */
export async function cli(server: Pick<TestServer, 'env'>, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn([process.execPath, 'cli/main.ts', ...args], { cwd: ROOT, env: server.env, stdout: 'pipe', stderr: 'pipe' });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

export function browserAvailable(): boolean {
  return existsSync(CHROMIUM);
}

/** A suite's afterAll: the browser, then the server (either is missing if beforeAll failed before it). */
export async function stopAll(browser: Browser | undefined, server: TestServer | undefined) {
  await browser?.close();
  await server?.stop();
}

/** `extraArgs`: more Chromium flags, e.g. Blink settings for a device the emulation cannot describe. */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // No sandbox: containers usually lack user namespaces. The rest keeps Chromium off the network
    // (tests only talk to 127.0.0.1) and quick to start.
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

/**
 * `describe` for browser suites. Without Chromium: skip with a message locally, but fail in CI
 * (CI=true), where a silently skipped browser suite would look like a pass.
 */
export function describeBrowser(name: string, fn: () => void) {
  if (browserAvailable()) return describe(name, fn);
  const reason = `${CHROMIUM} not found`;
  if (process.env.CI === 'true') {
    return describe(name, () => {
      test('chromium is installed', () => {
        throw new Error(`browser tests cannot run in CI: ${reason}`);
      });
    });
  }
  console.log(`browser tests skipped: ${reason}`);
  return describe.skip(name, fn);
}

/** Path under test-artifacts/ at the repo root (created on demand). */
export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** Runs `fn`; if it throws, saves a screenshot and the server output as artifacts first. */
export async function withArtifactsOnFailure(name: string, page: Page, server: TestServer, fn: () => Promise<void>) {
  try {
    await fn();
  } catch (e) {
    await page.screenshot({ path: artifactPath(`${name}-failure.png`), fullPage: true }).catch(() => {});
    // One failure stays one: the next tests on this page get it online, without a dialog handler
    // left waiting for a dialog that never came.
    await page.context().setOffline(false).catch(() => {});
    page.removeAllListeners('dialog');
    await Bun.write(artifactPath(`${name}-server.log`), server.logs());
    // CI keeps only the printed output: the server's last words (warnings and errors) go there too.
    const tail = server.logs().trimEnd().split('\n').slice(-30).join('\n');
    if (tail) console.error(`--- ${name}: last server log lines ---\n${tail}\n---`);
    throw e;
  }
}
