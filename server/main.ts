/** Entry point: config → secrets → store → app → listen. The only module with process-level side effects. */
import { smtpWarnings } from './features/moderation/notify-config';
import { loadConfig, ConfigError } from './config';
import { createLogger, type Logger } from './log';
import { loadSecrets } from './secrets';
import { openStore } from './store/open';
import { StoreVersionError } from './store/version';
import { createApp } from './app';
import { createNotifier } from './features/moderation/notify';
import { loadAssets } from './http/assets';
import { MAX_REQUEST_BODY_BYTES } from './http/body-limit';
import { stopServer } from './lib/stop';
import { LocalHub } from './realtime/hub';
import { RedisHub } from './realtime/redis-hub';
import { RedisLimiters } from './realtime/redis-limiter';
import { cleanStaleUploads } from './features/files/actions';
import { loadModel, ModelFormatError } from './features/moderation/model';
import { startSessionSweep } from './features/accounts/session-sweep';
import { startMailJob } from './features/mail/job';

function loadModerationModel(path: string) {
  try {
    return loadModel(path);
  } catch (e) {
    const why = e instanceof ModelFormatError ? e.message : (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(e);
    throw new ConfigError(`MODERATION_WEIGHTS=${path}: ${why}`);
  }
}

/** How long a shutdown lets requests under way finish before closing every connection. */
const STOP_GRACE_MS = 3_000;

async function main() {
  // Everything written under DATA_DIR (the database, uploaded files, secrets) is the server's
  // alone: conversations, password hashes, minors' dates of birth.
  process.umask(0o077);
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  logStrayRejections(logger);
  const secrets = loadSecrets(config.dataDir, process.env.SECRET_KEY);
  if (config.moderationWeights) {
    // A retrained model (docs/moderation-model.md, "Retraining"): checked now, not at the first message in scope.
    const model = loadModerationModel(config.moderationWeights);
    logger.info('moderation model', { weights: config.moderationWeights, version: model.version });
  }
  const store = await openStore(config);
  // The hub publishes through the listening server, which exists only once the app listens.
  let app: ReturnType<typeof createApp> | undefined;
  const local = new LocalHub(() => app?.server);
  const hub = config.redisUrl ? await RedisHub.connect(local, config.redisUrl, logger) : local;
  // With Redis, rate limits (sign-in, sends) are counted across every node, not per node.
  const limits = config.redisUrl ? await RedisLimiters.connect(config.redisUrl, logger) : null;
  const notifier = createNotifier(config.notify, logger);
  app = createApp({ config, store, logger, secrets, assets: await loadAssets(), hub, notifier, limiters: limits?.factory });
  // reusePort off: a second server on a busy port must fail, not silently share it (Elysia turns it on).
  // maxRequestBodySize: the largest body a route takes (an admin CSV import), not Bun's 128 MB; the
  // app refuses smaller bodies per route before reading them (http/body-limit.ts).
  app.listen({ port: config.port, hostname: config.host, reusePort: false, maxRequestBodySize: MAX_REQUEST_BODY_BYTES });
  const port = app.server?.port;
  if (hub instanceof RedisHub) logger.info('fan-out through redis', { nodeId: hub.nodeId });
  // Several nodes (REDIS_URL) each with their own secrets.json sign a person out whenever the load
  // balancer sends her to another node.
  const f = config.files;
  if (f.maxFileBytes < f.directThresholdBytes) {
    // Legal, but rarely meant: a lowered FILE_MAX_BYTES alone refuses the middle sizes only.
    logger.warn('files between FILE_MAX_BYTES and FILE_DIRECT_THRESHOLD_BYTES are refused, larger ones are sent directly: set FILE_DIRECT_THRESHOLD_BYTES to FILE_MAX_BYTES to send every file too big to store directly', { maxFileBytes: f.maxFileBytes, directThresholdBytes: f.directThresholdBytes });
  }
  for (const w of config.notify.smtp ? smtpWarnings(config.notify.smtp) : []) logger.warn(w);
  if (config.redisUrl && !process.env.SECRET_KEY) logger.warn('REDIS_URL is set but SECRET_KEY is not: give every node the same SECRET_KEY, or sessions work on one node only (README, Scaling out)');
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  logger.info('listening', { url: `http://${shownHost}:${port}`, store: store.kind, dataDir: config.dataDir });
  if ((await store.users.count()) === 0) {
    logger.warn('no users yet: create the first administrator with `bun cli/main.ts users create-admin --email you@example.edu --name "Your Name"`');
  }
  // Hourly clean-up of expired sessions.
  const purge = setInterval(() => store.sessions.purgeExpired(Date.now()).catch((err) => logger.error('session purge failed', { err })), 3_600_000);
  // Unfinished uploads untouched for UPLOAD_EXPIRE_HOURS are deleted (checked every 10 minutes).
  const sweep = setInterval(
    () => cleanStaleUploads(store, config.files.uploadExpireMs).then((n) => n && logger.info('stale uploads removed', { count: n }), (err) => logger.error('upload clean-up failed', { err })),
    600_000,
  );
  // Open tabs of sessions ended elsewhere (the CLI, expiry) are sent to sign-in (accounts/session-sweep.ts).
  const stopSweep = startSessionSweep(hub, store.sessions, logger, config.sessionMaxMs);
  // Emails about missed messages (features/mail): every node runs the job; each email is sent by one.
  const mail = config.missedMail;
  const stopMail = mail && config.notify.smtp && config.publicUrl
    ? startMailJob({ store, chat: app.chat, hub, smtp: config.notify.smtp, config: mail, publicUrl: config.publicUrl, key: secrets.sessionKey, logger: logger.child({ component: 'missed-mail' }) })
    : () => {};
  if (mail) logger.info('emails about missed messages on', { afterMinutes: mail.afterMs / 60_000, withText: mail.withText });
  else if (config.notify.smtp && !config.publicUrl) logger.warn('no emails about missed messages: set PUBLIC_URL (the address people open Lets Talk at), which their links need');
  // Recordings a crash or kill left unfinished (never while this process records: it has not started any).
  if (config.rtc.recordingDir) {
    void app.recordings.recover(config.rtc.recordingDir).then((n) => n && logger.info('interrupted recordings stored', { count: n }), (err) => logger.error('recovering recordings failed', { err }));
  }
  let stopping = false;
  const stop = async (signal: string) => {
    // A second signal while the first waits (for instance on safeguarding notices) changes nothing.
    if (stopping) return logger.info('already shutting down', { signal });
    stopping = true;
    logger.info('shutting down', { signal });
    clearInterval(purge);
    clearInterval(sweep);
    stopSweep();
    stopMail();
    try {
      // Requests under way get a moment, then every connection closes (lib/stop.ts).
      await stopServer(app!, STOP_GRACE_MS);
      // Lectures end here: recordings are finished and stored, and attendance written, before the store closes.
      await app.sfu.close();
      await app.sfu.drain();
      await app.recordings.drain();
      await app.attendance.drain();
    } finally {
      // Safeguarding notices: attempts under way get a few seconds (SHUTDOWN_GRACE_MS), then every notice
      // still undelivered (waiting for a retry, say) is logged at error level, one line each (README, Notifications).
      await notifier.close();
    }
    if (hub instanceof RedisHub) await hub.close();
    limits?.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/**
 * What stopped the start, for the operator: a configuration, a store from a newer version, or the
 * machine (a port in use, a folder that cannot be made, a damaged database, MongoDB unreachable)
 * is its message alone; only what looks like a bug keeps its stack.
 */
/**
 * A promise rejected with nobody waiting for it (a werift timer's, say) would end the process, and
 * every chat, call and upload with it: it is logged at error level instead (a bug to fix, with its
 * stack), and the server goes on. Exceptions thrown synchronously still end it: state may be broken.
 */
export function logStrayRejections(logger: Pick<Logger, 'error'>, on: (event: 'unhandledRejection', fn: (reason: unknown) => void) => unknown = (e, fn) => process.on(e, fn)) {
  on('unhandledRejection', (reason) => logger.error('unhandled rejection', { err: reason }));
}

export function startupFailure(err: unknown): { error: string; stack?: string } {
  if (err instanceof ConfigError || err instanceof StoreVersionError) return { error: err.message };
  const e = err as (Error & { code?: unknown }) | undefined;
  if (!(e instanceof Error)) return { error: String(err) };
  const operational = typeof e.code === 'string' || e.name === 'SQLiteError' || e.name.startsWith('Mongo');
  const error = typeof e.code === 'string' && !e.message.includes(e.code) ? `${e.code}: ${e.message}` : e.message;
  return operational ? { error } : { error, stack: e.stack };
}

if (import.meta.main) {
  main().catch((err) => {
    process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'start-up failed', ...startupFailure(err) }) + '\n');
    process.exit(1);
  });
}
