/**
 * Server secrets, generated on first start and kept in DATA_DIR (mode 0600) so a restart does
 * not sign everyone out. Several nodes behind a load balancer must share them: set SECRET_KEY
 * (64 hex characters) on every node instead.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './config';

export interface Secrets {
  /** HMAC key for session-token digests stored in the database. */
  sessionKey: string;
}

export function randomSecrets(): Secrets {
  return { sessionKey: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex') };
}

export function loadSecrets(dataDir: string, envKey?: string): Secrets {
  if (envKey) {
    if (!/^[0-9a-f]{64}$/i.test(envKey)) throw new ConfigError('SECRET_KEY must be 64 hexadecimal characters (32 random bytes)');
    return { sessionKey: envKey.toLowerCase() };
  }
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    // EEXIST here is a file in the folder's place ("mkdir failed" named no setting: QA s17).
    throw new ConfigError(`DATA_DIR ${dataDir} cannot be used as the data folder (${(err as NodeJS.ErrnoException).code ?? String(err)}): it must be a folder the server's user can write, or a path where one can be made`);
  }
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    const damaged = new ConfigError(`${file} is damaged; delete it to generate new secrets (this signs everyone out)`);
    let s: Secrets;
    try {
      s = JSON.parse(readFileSync(file, 'utf8')) as Secrets;
    } catch {
      throw damaged;
    }
    if (typeof s?.sessionKey !== 'string' || s.sessionKey.length !== 64) throw damaged;
    return s;
  }
  const s = randomSecrets();
  // 'wx' fails if another process created it first; then use theirs. Any other failure (a folder
  // the server's user may not write: systemd's User= without a chown) stops the start with the
  // reason: retrying it spun at full CPU for ever, saying nothing (QA s17).
  try {
    writeFileSync(file, JSON.stringify(s), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadSecrets(dataDir);
    throw new ConfigError(`cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}): DATA_DIR must be writable by the server's user`);
  }
  chmodSync(file, 0o600);
  return s;
}
