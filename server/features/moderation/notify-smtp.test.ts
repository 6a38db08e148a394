/**
 * The SMTP client's TLS paths (STARTTLS, smtps) against the loopback sink, with a throw-away
 * self-signed certificate made by openssl for 127.0.0.1. Without openssl the suite says so and
 * skips, except under CI=true where it fails (as the other suites that need a tool do).
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger } from '../../log';
import { startSmtpSink, type SmtpSink } from '../../testing/smtp-sink';
import { createNotifier, type CaseNotice } from './notify';
import { notifyConfigFromEnv } from './notify-config';

const openssl = Bun.which('openssl');
if (!openssl && process.env.CI === 'true') throw new Error('openssl is needed for the SMTP TLS tests');
if (!openssl) console.log('notify-smtp TLS tests skipped: no openssl to make a test certificate');

function makeCert(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lt-smtp-tls-'));
  try {
    const r = Bun.spawnSync([openssl!, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stderr: 'pipe' });
    if (r.exitCode !== 0) throw new Error(`openssl failed: ${r.stderr.toString()}`);
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pem = openssl ? makeCert() : { cert: '', key: '' };
const sinks: SmtpSink[] = [];
afterAll(() => sinks.forEach((s) => s.stop()));

const notice: CaseNotice = { caseId: 'c77', kind: 'restriction', severity: 'high', labels: ['sexual_minor'], summary: 'An account was restricted automatically.', url: 'https://chat.unilag.test/admin/moderation/cases/c77', at: 0 };

async function send(sinkOpts: Parameters<typeof startSmtpSink>[0], url: (port: number) => string, trustSinkCert = true) {
  const sink = await startSmtpSink(sinkOpts);
  sinks.push(sink);
  const cfg = { ...notifyConfigFromEnv({ SMTP_URL: url(sink.port), SMTP_FROM: 'noreply@unilag.test', SAFEGUARDING_EMAILS: 'officer@unilag.test' }), retryDelaysMs: [] };
  const log = memoryLogger();
  const n = createNotifier(cfg, log, { smtp: { tls: trustSinkCert ? { ca: pem.cert } : undefined, timeouts: { replyMs: 2000 } } });
  await n.notify(notice);
  await n.idle();
  return { sink, log, commands: sink.sessions.flat() };
}

describe.skipIf(!openssl)('SMTP over TLS', () => {
  test('STARTTLS when offered, then AUTH inside TLS', async () => {
    const { sink, commands } = await send({ tls: pem, auth: { user: 'alerts', pass: 'pw' } }, (p) => `smtp://alerts:pw@127.0.0.1:${p}`);
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]).toMatchObject({ secure: true, auth: { user: 'alerts', pass: 'pw' }, to: ['officer@unilag.test'] });
    expect(sink.messages[0]!.headers['subject']).toBe('[Lets Talk safeguarding] Action c77: user restricted automatically (sexual_minor)');
    expect(commands.indexOf('STARTTLS')).toBeGreaterThan(-1);
    expect(commands.indexOf('STARTTLS')).toBeLessThan(commands.findIndex((c) => c.startsWith('AUTH')));
  });

  test('smtps: TLS from the first byte', async () => {
    const { sink } = await send({ tls: { ...pem, implicit: true } }, (p) => `smtps://127.0.0.1:${p}`);
    expect(sink.messages[0]).toMatchObject({ secure: true, to: ['officer@unilag.test'] });
  });

  test('an untrusted certificate stops delivery before the credentials are sent', async () => {
    const { sink, log, commands } = await send({ tls: pem, auth: { user: 'alerts', pass: 'pw' } }, (p) => `smtp://alerts:pw@127.0.0.1:${p}`, false);
    expect(sink.messages).toHaveLength(0);
    expect(commands.some((c) => c.startsWith('AUTH'))).toBe(false);
    expect(String(log.lines.find((l) => l.msg === 'safeguarding notification not delivered')?.error)).toContain('TLS handshake failed');
  });

  test('starttls=never stays plain; starttls=required fails without it', async () => {
    const plain = await send({ tls: pem }, (p) => `smtp://127.0.0.1:${p}?starttls=never`);
    expect(plain.sink.messages[0]).toMatchObject({ secure: false });
    const required = await send({}, (p) => `smtp://127.0.0.1:${p}?starttls=required`);
    expect(required.sink.messages).toHaveLength(0);
    expect(required.log.lines.find((l) => l.msg === 'safeguarding notification not delivered')).toMatchObject({ retried: false });
  });
});
