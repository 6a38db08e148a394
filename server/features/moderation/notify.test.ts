import { afterEach, describe, expect, test } from 'bun:test';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { loadConfig } from '../../config';
import { memoryLogger } from '../../log';
import { metrics } from '../../metrics';
import { startSmtpSink, parseMessage, type SmtpSink } from '../../testing/smtp-sink';
import { createNotifier, webhookSignature, type CaseNotice } from './notify';
import { notifyConfigFromEnv, smtpWarnings, type NotifyConfig } from './notify-config';
import { buildMessage, dotStuff, normaliseNotice, quotedPrintable } from './notify-mail';

const FAST = [30, 60, 120];
const OFFICERS = 'officer.one@unilag.test, officer.two@unilag.test';
const CHAT_TEXT = 'send me a photo and do not tell your parents';

const notice = (over: Partial<CaseNotice> = {}): CaseNotice => ({
  caseId: 'c1234',
  kind: 'hold',
  severity: 'high',
  labels: ['grooming_signal'],
  summary: 'A message to a minor in a direct message was held before delivery.',
  url: 'https://chat.unilag.test/admin/moderation/cases/c1234',
  at: Date.UTC(2026, 10, 26, 15, 0, 0),
  ...over,
});

function cfgFor(env: Record<string, string>): NotifyConfig {
  return { ...notifyConfigFromEnv(env), retryDelaysMs: FAST };
}

const smtpEnv = (port: number, userinfo = '') => ({ SMTP_URL: `smtp://${userinfo}127.0.0.1:${port}`, SMTP_FROM: 'Lets Talk <noreply@unilag.test>', SAFEGUARDING_EMAILS: OFFICERS });

async function until(cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await Bun.sleep(10);
  }
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});
async function sink(opts: Parameters<typeof startSmtpSink>[0] = {}): Promise<SmtpSink> {
  const s = await startSmtpSink(opts);
  cleanups.push(() => s.stop());
  return s;
}

function freePort(): number {
  const s = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const p = s.port;
  s.stop(true);
  return p;
}

describe('configuration', () => {
  test('parses SMTP and webhook settings', () => {
    const c = loadConfig({ SMTP_URL: 'smtp://alert%40unilag:p%3Ass@mail.unilag.test', SMTP_FROM: 'noreply@unilag.test', SAFEGUARDING_EMAILS: ' a@unilag.test,b@unilag.test ,a@unilag.test', SAFEGUARDING_WEBHOOK_URL: 'https://hooks.unilag.test/safeguarding', SAFEGUARDING_WEBHOOK_SECRET: 'x'.repeat(32) }).notify;
    expect(c.smtp).toMatchObject({ host: 'mail.unilag.test', port: 587, secure: false, starttls: 'auto', user: 'alert@unilag', pass: 'p:ss', from: 'noreply@unilag.test', to: ['a@unilag.test', 'b@unilag.test'] });
    expect(c.webhook).toEqual({ url: 'https://hooks.unilag.test/safeguarding', secret: 'x'.repeat(32) });
    const s = notifyConfigFromEnv({ SMTP_URL: 'smtps://mail.unilag.test', SMTP_FROM: 'x@unilag.test', SAFEGUARDING_EMAILS: 'a@unilag.test' }).smtp!;
    expect([s.port, s.secure]).toEqual([465, true]);
    expect(notifyConfigFromEnv({ SMTP_URL: 'smtp://m.test:25?starttls=required', SMTP_FROM: 'x@m.test', SAFEGUARDING_EMAILS: 'a@m.test' }).smtp!.starttls).toBe('required');
  });

  test('settings that parse but cannot work, or send the password in clear, are warned about (not refused)', () => {
    const warn = (url: string) => smtpWarnings(notifyConfigFromEnv({ SMTP_URL: url, SMTP_FROM: 'x@m.test', SAFEGUARDING_EMAILS: 'a@m.test' }).smtp!);
    expect(warn('smtp://u:p@mail.unilag.test:587')).toEqual([]);
    expect(warn('smtps://u:p@mail.unilag.test')).toEqual([]);
    expect(warn('smtp://relay.unilag.test:25?starttls=never')).toEqual([]); // no password to leak
    expect(warn('smtps://u:p@mail.unilag.test:587')).toEqual(["SMTP_URL is smtps:// (TLS from the first byte) on port 587, where mail servers expect STARTTLS: use smtp://…:587 (or smtps://…:465); officers' emails will fail to connect"]);
    expect(warn('smtp://mail.unilag.test:465')).toEqual(["SMTP_URL is smtp:// on port 465, where mail servers expect TLS from the first byte: use smtps://…:465; officers' emails will fail to connect"]);
    expect(warn('smtp://u:p@mail.unilag.test:587?starttls=never')).toEqual(["SMTP_URL has starttls=never with a user name and password: credentials are never sent without TLS, so officers' emails will fail; use starttls=auto (or required), or no credentials"]);
    expect(warn('smtp://u:p@127.0.0.1:587?starttls=never')).toEqual([]); // a local relay may take them
  });

  test('nothing set: both channels off', () => {
    expect(loadConfig({}).notify).toMatchObject({ smtp: null, webhook: null });
  });

  test.each([
    [{ SMTP_URL: 'mail.unilag.test:587', SMTP_FROM: 'x@u.test', SAFEGUARDING_EMAILS: 'a@u.test' }, /SMTP_URL must/],
    [{ SMTP_URL: 'http://mail.unilag.test', SMTP_FROM: 'x@u.test', SAFEGUARDING_EMAILS: 'a@u.test' }, /smtp:\/\/ or smtps:\/\//],
    [{ SMTP_URL: 'smtp://m.test?starttls=maybe', SMTP_FROM: 'x@u.test', SAFEGUARDING_EMAILS: 'a@u.test' }, /starttls must be/],
    [{ SMTP_URL: 'smtp://m.test', SMTP_FROM: 'x@u.test', SAFEGUARDING_EMAILS: 'a@u.test, not an address' }, /SAFEGUARDING_EMAILS has "not an address"/],
    [{ SMTP_URL: 'smtp://m.test', SMTP_FROM: 'x@u.test', SAFEGUARDING_EMAILS: 'a@u.test>\r\nRCPT TO:<b@evil.test' }, /SAFEGUARDING_EMAILS has/],
    [{ SMTP_URL: 'smtp://m.test', SMTP_FROM: 'nobody', SAFEGUARDING_EMAILS: 'a@u.test' }, /SMTP_FROM must be an address/],
    [{ SMTP_URL: 'smtp://m.test', SAFEGUARDING_EMAILS: 'a@u.test' }, /needs SMTP_FROM/],
    // A wrong URL is named first, whatever else is missing.
    [{ SMTP_URL: 'http://mail.x' }, /smtp:\/\/ or smtps:\/\//],
    [{ SAFEGUARDING_EMAILS: 'a@u.test' }, /needs SMTP_URL/],
    [{ SAFEGUARDING_WEBHOOK_URL: 'http://hooks.unilag.test/x', SAFEGUARDING_WEBHOOK_SECRET: 'x'.repeat(32) }, /must use https/],
    [{ SAFEGUARDING_WEBHOOK_URL: 'https://hooks.unilag.test/x', SAFEGUARDING_WEBHOOK_SECRET: 'short' }, /at least 16/],
    [{ SAFEGUARDING_WEBHOOK_SECRET: 'x'.repeat(32) }, /SAFEGUARDING_WEBHOOK_URL is not/],
  ])('rejects %o', (env, msg) => {
    expect(() => loadConfig(env)).toThrow(msg);
  });
});

describe('message text', () => {
  test('quoted-printable keeps lines short and round-trips UTF-8', () => {
    const text = `Ẹ kú àárọ̀ = ok \n${'a'.repeat(200)}\nend `;
    const qp = quotedPrintable(text);
    for (const l of qp.split('\r\n')) expect(l.length).toBeLessThanOrEqual(76);
    expect(qp).toMatch(/=20$/);
    expect(parseMessage(`Content-Transfer-Encoding: quoted-printable\r\n\r\n${qp}`).text).toBe(text.replace(/\n/g, '\r\n'));
  });

  test('dot-stuffing doubles a leading dot on every line', () => {
    expect(dotStuff('.a\r\nb\r\n.\r\n..c')).toBe('..a\r\nb\r\n..\r\n...c');
  });

  test('non-ASCII subject text becomes encoded words', () => {
    const msg = buildMessage(normaliseNotice(notice({ caseId: 'Àdé-1' })), { from: 'x@u.test', fromHeader: 'Ìfẹ́ <x@u.test>', to: ['a@u.test'] }, 0);
    const h = parseMessage(msg).headers;
    expect(h['subject']).toMatch(/^=\?UTF-8\?B\?/);
    const decoded = h['subject']!.split(' ').map((w) => Buffer.from(w.slice(10, -2), 'base64').toString()).join('');
    expect(decoded).toBe('[Lets Talk safeguarding] Case Àdé-1: message held (grooming_signal)');
    expect(h['from']).toMatch(/^=\?UTF-8\?B\?.+\?= <x@u\.test>$/);
    expect(h['date']).toBe('Thu, 01 Jan 1970 00:00:00 +0000');
  });
});

describe('email', () => {
  test('one message to every officer, with proper headers, the link and no chat text', async () => {
    const s = await sink();
    const log = memoryLogger();
    const n = createNotifier(cfgFor(smtpEnv(s.port)), log, { now: () => Date.UTC(2026, 10, 26, 15, 0, 5) });
    // A careless caller passing the message along: it must not leave the server.
    const leaky = { ...notice({ summary: 'Held in a DM with a minor.\n.\nSecond paragraph.' }), text: CHAT_TEXT, senderName: 'Tolu Adebayo' } as CaseNotice;
    await n.notify(leaky);
    await n.idle();
    expect(s.messages).toHaveLength(1);
    const m = s.messages[0]!;
    expect(m.from).toBe('noreply@unilag.test');
    expect(m.to).toEqual(['officer.one@unilag.test', 'officer.two@unilag.test']);
    expect(m.headers['subject']).toBe('[Lets Talk safeguarding] Case c1234: message held (grooming_signal)');
    expect(m.headers['date']).toBe('Thu, 26 Nov 2026 15:00:05 +0000');
    expect(m.headers['message-id']).toBe(`<letstalk.case.c1234.hold.${notice().at}@unilag.test>`);
    expect(m.headers['from']).toBe('"Lets Talk" <noreply@unilag.test>');
    expect(m.headers['to']).toBe('officer.one@unilag.test, officer.two@unilag.test');
    expect(m.headers['mime-version']).toBe('1.0');
    expect(m.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(m.headers['content-transfer-encoding']).toBe('quoted-printable');
    expect(m.text).toContain('\r\nhttps://chat.unilag.test/admin/moderation/cases/c1234\r\n');
    expect(m.text).toContain('Severity: high');
    expect(m.text).toContain('Held in a DM with a minor.\r\n.\r\nSecond paragraph.');
    expect(m.data).not.toContain('photo');
    expect(m.data).not.toContain('Tolu');
    expect(m.data.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(log.lines.some((l) => l.msg === 'safeguarding officers notified' && l.channel === 'email')).toBe(true);
  });

  test('CR/LF in labels, case id or summary cannot add headers, recipients or messages', async () => {
    const s = await sink();
    const n = createNotifier(cfgFor(smtpEnv(s.port)), memoryLogger());
    await n.notify(notice({
      caseId: 'c9\r\nBcc: evil@attacker.test',
      labels: ['grooming_signal\r\nX-Injected: 1', 'self_harm'],
      // SMTP smuggling attempt: a lone dot would end DATA and start a second transaction.
      summary: 'ok\r\n.\r\nMAIL FROM:<evil@attacker.test>\r\nRCPT TO:<evil@attacker.test>\r\nDATA\r\nSubject: forged\r\n\r\nhi',
    }));
    await n.idle();
    expect(s.messages).toHaveLength(1);
    const m = s.messages[0]!;
    expect(m.to).not.toContain('evil@attacker.test');
    expect(m.headers['bcc']).toBeUndefined();
    expect(m.headers['x-injected']).toBeUndefined();
    expect(m.headers['subject']).toBe('[Lets Talk safeguarding] Case c9 Bcc: evil@attacker.test: message held (grooming_signal__X-Injected:_1, self_harm)');
    const head = m.data.slice(0, m.data.indexOf('\r\n\r\n'));
    expect(head).not.toMatch(/^(Bcc|X-Injected):/im);
    expect(s.sessions.flat().filter((c) => c.startsWith('MAIL'))).toHaveLength(1);
  });

  test('AUTH PLAIN with the URL credentials', async () => {
    const s = await sink({ auth: { user: 'alerts', pass: 's3cr:t' } });
    const n = createNotifier(cfgFor(smtpEnv(s.port, 'alerts:s3cr%3At@')), memoryLogger());
    await n.notify(notice());
    await n.idle();
    expect(s.messages[0]?.auth).toEqual({ user: 'alerts', pass: 's3cr:t' });
    expect(s.sessions[0]!.some((c) => c.startsWith('AUTH PLAIN '))).toBe(true);
  });

  test('AUTH LOGIN when that is all the server offers', async () => {
    const s = await sink({ auth: { user: 'alerts', pass: 'pw' }, mechanisms: ['LOGIN'] });
    const n = createNotifier(cfgFor(smtpEnv(s.port, 'alerts:pw@')), memoryLogger());
    await n.notify(notice());
    await n.idle();
    expect(s.messages[0]?.auth).toEqual({ user: 'alerts', pass: 'pw' });
  });

  test('wrong credentials: logged, not retried', async () => {
    const s = await sink({ auth: { user: 'alerts', pass: 'right' } });
    const log = memoryLogger();
    const n = createNotifier(cfgFor(smtpEnv(s.port, 'alerts:wrong@')), log);
    await n.notify(notice());
    await n.idle();
    expect(s.messages).toHaveLength(0);
    expect(s.sessions).toHaveLength(1);
    const err = log.lines.find((l) => l.msg === 'safeguarding notification not delivered');
    expect(err).toMatchObject({ level: 'error', caseId: 'c1234', channel: 'email', retried: false });
    expect(String(err!.error)).toContain('535');
  });

  test('mail server down: notify does not throw, delivery is retried until it is up', async () => {
    const port = freePort();
    const log = memoryLogger();
    const n = createNotifier({ ...cfgFor(smtpEnv(port)), retryDelaysMs: [50, 100, 200, 400] }, log);
    await n.notify(notice());
    await until(() => log.lines.some((l) => l.msg === 'safeguarding notification failed, will retry'));
    const s = await sink({ port });
    await s.waitFor((m) => m.headers['subject']!.includes('c1234'), 3000);
    await n.idle();
    const done = log.lines.find((l) => l.msg === 'safeguarding officers notified')!;
    expect(done.attempts as number).toBeGreaterThanOrEqual(2);
  });

  test('a server that never answers times out and the attempts stay bounded', async () => {
    const silent = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
    cleanups.push(() => silent.stop(true));
    const log = memoryLogger();
    const n = createNotifier({ ...cfgFor(smtpEnv(silent.port)), retryDelaysMs: [10, 10] }, log, { smtp: { timeouts: { replyMs: 100 } } });
    await n.notify(notice());
    await n.idle();
    expect(log.lines.filter((l) => l.msg === 'safeguarding notification failed, will retry')).toHaveLength(2);
    expect(log.lines.find((l) => l.msg === 'safeguarding notification not delivered')).toMatchObject({ attempts: 3, error: 'no reply to greeting within 100 ms' });
  });

  test('a deferred officer address is retried alone; a refused one is logged', async () => {
    let deferring = true;
    const s = await sink({ rcpt: (a) => (a.startsWith('officer.two') ? (deferring ? 450 : undefined) : a.startsWith('gone') ? 550 : undefined) });
    const log = memoryLogger();
    const n = createNotifier(cfgFor({ ...smtpEnv(s.port), SAFEGUARDING_EMAILS: `${OFFICERS}, gone@unilag.test` }), log);
    await n.notify(notice());
    await s.waitFor((m) => m.to.includes('officer.one@unilag.test'));
    deferring = false;
    await n.idle();
    expect(s.messages.map((m) => m.to)).toEqual([['officer.one@unilag.test'], ['officer.two@unilag.test']]);
    expect(s.messages[1]!.headers['to']).toContain('gone@unilag.test');
    expect(log.lines.find((l) => l.msg === 'officer addresses refused by the mail server')).toMatchObject({ refused: ['gone@unilag.test'] });
  });

  test('when no address is accepted (one deferred, one refused), the retry goes to the deferred one only', async () => {
    let deferring = true;
    const asked: string[] = [];
    const s = await sink({ rcpt: (a) => (asked.push(a), a.startsWith('officer.two') ? (deferring ? 450 : undefined) : a.startsWith('gone') ? 550 : undefined) });
    const log = memoryLogger();
    const n = createNotifier({ ...cfgFor({ ...smtpEnv(s.port), SAFEGUARDING_EMAILS: 'officer.two@unilag.test, gone@unilag.test' }), retryDelaysMs: [50, 50] }, log);
    await n.notify(notice());
    await until(() => asked.length >= 2);
    deferring = false;
    await n.idle();
    expect(s.messages.map((m) => m.to)).toEqual([['officer.two@unilag.test']]);
    expect(asked).toEqual(['officer.two@unilag.test', 'gone@unilag.test', 'officer.two@unilag.test']);
    expect(log.lines.find((l) => l.msg === 'officer addresses refused by the mail server')).toMatchObject({ refused: ['gone@unilag.test'] });
  });
});

describe('webhook', () => {
  const SECRET = 'webhook-secret-0123456789';

  async function hookServer(statuses: number[]) {
    const got: { body: string; headers: Headers }[] = [];
    const server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      async fetch(req) {
        got.push({ body: await req.text(), headers: req.headers });
        return new Response('', { status: statuses[Math.min(got.length - 1, statuses.length - 1)] });
      },
    });
    cleanups.push(() => server.stop(true));
    const cfg = cfgFor({ SAFEGUARDING_WEBHOOK_URL: `http://127.0.0.1:${server.port}/hook`, SAFEGUARDING_WEBHOOK_SECRET: SECRET });
    return { got, cfg };
  }

  /** What README tells a receiver to do: HMAC-SHA256 of `${timestamp}.${delivery}.${raw body}`, compared in constant time. */
  const verifies = (body: string, headers: Headers, secret = SECRET) => {
    const expected = Buffer.from('sha256=' + createHmac('sha256', secret).update(`${headers.get('x-letstalk-timestamp')}.${headers.get('x-letstalk-delivery')}.${body}`).digest('hex'));
    const got = Buffer.from(headers.get('x-letstalk-signature') ?? '');
    return got.length === expected.length && timingSafeEqual(got, expected);
  };

  test('signed JSON of the notice only', async () => {
    const { got, cfg } = await hookServer([204]);
    const n = createNotifier(cfg, memoryLogger(), { now: () => 1_800_000_000_500 });
    await n.notify({ ...notice(), text: CHAT_TEXT } as CaseNotice);
    await n.idle();
    expect(got).toHaveLength(1);
    const { body, headers } = got[0]!;
    expect(headers.get('x-letstalk-timestamp')).toBe('1800000000');
    const delivery = headers.get('x-letstalk-delivery')!;
    expect(headers.get('x-letstalk-signature')).toBe('sha256=' + createHmac('sha256', SECRET).update(`1800000000.${delivery}.${body}`).digest('hex'));
    expect(headers.get('x-letstalk-signature')).toBe(webhookSignature(SECRET, '1800000000', delivery, body));
    expect(verifies(body, headers)).toBe(true);
    expect(verifies(body, headers, 'other-secret-0123456')).toBe(false);
    expect(headers.get('x-letstalk-delivery')).toMatch(/^[0-9a-f-]{36}$/);
    expect(headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(body)).toEqual(notice());
    expect(body).not.toContain('photo');
  });

  test('the signature covers the timestamp: a captured request does not verify under a fresh one', async () => {
    const { got, cfg } = await hookServer([503, 204]);
    let clock = 1_800_000_000_000;
    const n = createNotifier(cfg, memoryLogger(), { now: () => (clock += 60_000) });
    await n.notify(notice());
    await n.idle();
    expect(got).toHaveLength(2);
    const [first, retry] = got as [(typeof got)[0], (typeof got)[0]];
    // Same body and delivery id on the retry, but its own timestamp and a signature over that timestamp.
    expect(retry.body).toBe(first.body);
    expect(retry.headers.get('x-letstalk-delivery')).toBe(first.headers.get('x-letstalk-delivery'));
    expect(retry.headers.get('x-letstalk-timestamp')).not.toBe(first.headers.get('x-letstalk-timestamp'));
    expect(verifies(first.body, first.headers)).toBe(true);
    expect(verifies(retry.body, retry.headers)).toBe(true);
    expect(retry.headers.get('x-letstalk-signature')).not.toBe(first.headers.get('x-letstalk-signature'));
    // An attacker replaying the first request with a fresh timestamp (to pass a freshness check) fails verification.
    const replay = new Headers(first.headers);
    replay.set('x-letstalk-timestamp', String(Math.floor(clock / 1000) + 60));
    expect(verifies(first.body, replay)).toBe(false);
    // …or under another delivery id (to pass a receiver's check for repeated ids).
    const renamed = new Headers(first.headers);
    renamed.set('x-letstalk-delivery', crypto.randomUUID());
    expect(verifies(first.body, renamed)).toBe(false);
    // So does a body signed alone (the old scheme).
    const bodyOnly = new Headers(first.headers);
    bodyOnly.set('x-letstalk-signature', 'sha256=' + createHmac('sha256', SECRET).update(first.body).digest('hex'));
    expect(verifies(first.body, bodyOnly)).toBe(false);
  });

  test('delivery id: one per notice, the same on every retry of it', async () => {
    const calls: Headers[] = [];
    const seen = new Set<string>();
    const fetchStub = (async (_u: string, init: RequestInit) => {
      const h = new Headers(init.headers);
      calls.push(h);
      const id = h.get('x-letstalk-delivery')!;
      const first = !seen.has(id);
      seen.add(id);
      return new Response(null, { status: first ? 503 : 200 });
    }) as unknown as typeof fetch;
    const cfg = cfgFor({ SAFEGUARDING_WEBHOOK_URL: 'http://127.0.0.1:9/hook', SAFEGUARDING_WEBHOOK_SECRET: SECRET });
    const n = createNotifier(cfg, memoryLogger(), { fetch: fetchStub });
    // Two notices that are alike in every field still get distinct ids.
    await n.notify(notice());
    await n.notify(notice());
    await n.notify(notice({ caseId: 'c5678' }));
    await n.idle();
    expect(calls).toHaveLength(6);
    const ids = calls.map((h) => h.get('x-letstalk-delivery')!);
    expect(new Set(ids).size).toBe(3);
    for (const id of new Set(ids)) expect(ids.filter((x) => x === id)).toHaveLength(2);
  });

  test('5xx is retried with the same delivery id until delivered', async () => {
    const { got, cfg } = await hookServer([503, 500, 200]);
    const log = memoryLogger();
    const n = createNotifier(cfg, log);
    const delivered = metrics.noticesDelivered;
    await n.notify(notice());
    await n.idle();
    expect(got).toHaveLength(3);
    expect(metrics.noticesDelivered).toBe(delivered + 1); // /metrics counts it once
    expect(new Set(got.map((g) => g.headers.get('x-letstalk-delivery'))).size).toBe(1);
    expect(log.lines.find((l) => l.msg === 'safeguarding officers notified')).toMatchObject({ channel: 'webhook', attempts: 3 });
  });

  test('5xx every time: bounded attempts, then an error', async () => {
    const { got, cfg } = await hookServer([502]);
    const log = memoryLogger();
    const n = createNotifier(cfg, log);
    await n.notify(notice());
    await n.idle();
    expect(got).toHaveLength(FAST.length + 1);
    expect(log.lines.find((l) => l.msg === 'safeguarding notification not delivered')).toMatchObject({ level: 'error', error: 'webhook answered 502' });
  });

  test('4xx is not retried', async () => {
    const { got, cfg } = await hookServer([400, 200]);
    const log = memoryLogger();
    const n = createNotifier(cfg, log);
    const undelivered = metrics.noticesUndelivered;
    await n.notify(notice());
    await n.idle();
    expect(got).toHaveLength(1);
    expect(metrics.noticesUndelivered).toBe(undelivered + 1);
    expect(log.lines.find((l) => l.msg === 'safeguarding notification not delivered')).toMatchObject({ error: 'webhook answered 400', retried: false });
  });
});

describe('a full queue', () => {
  test('keeps the urgent: a hold takes the place of the oldest routine notice waiting; a routine one is dropped; never a hold for a routine one', async () => {
    const got: string[] = [];
    // The webhook is down (503) until it comes back: every notice waits for its retry meanwhile.
    let up = false;
    const fetchStub = (async (_u: string, init: RequestInit) => {
      if (!up) return new Response(null, { status: 503 });
      got.push(JSON.parse(String(init.body)).caseId);
      return new Response(null, { status: 204 });
    }) as unknown as typeof fetch;
    const log = memoryLogger();
    const cfg = { ...notifyConfigFromEnv({ SAFEGUARDING_WEBHOOK_URL: 'http://127.0.0.1:9/hook', SAFEGUARDING_WEBHOOK_SECRET: 'webhook-secret-0123456789' }), retryDelaysMs: [400, 400] };
    const n = createNotifier(cfg, log, { fetch: fetchStub, maxPending: 3 });
    const review = (id: string) => notice({ caseId: id, kind: 'review', severity: 'medium', url: `https://chat.unilag.test/admin/moderation/cases/${id}` });
    for (const id of ['r1', 'r2', 'r3']) await n.notify(review(id));
    await until(() => log.lines.filter((l) => l.msg === 'safeguarding notification failed, will retry').length === 3);
    await n.notify(review('r4')); // routine, queue full: dropped
    await n.notify(notice({ caseId: 'h1' })); // urgent: takes r1's place
    await n.notify(notice({ caseId: 'h2' })); // and r2's
    await n.notify(notice({ caseId: 'h3' })); // and r3's
    await n.notify(notice({ caseId: 'h4' })); // only holds left: dropped, none of them is
    const lines = log.lines.filter((l) => /not delivered|dropped/.test(String(l.msg)));
    expect(lines.map((l) => [l.msg, l.caseId])).toEqual([
      ['safeguarding notification dropped: too many undelivered notices', 'r4'],
      ['safeguarding notification not delivered', 'r1'],
      ['safeguarding notification not delivered', 'r2'],
      ['safeguarding notification not delivered', 'r3'],
      ['safeguarding notification dropped: too many undelivered notices', 'h4'],
    ]);
    expect(lines[1]).toMatchObject({ level: 'error', reason: 'dropped for a more urgent notice: too many undelivered notices', url: review('r1').url });
    expect(lines[4]).toMatchObject({ level: 'error', severity: 'high', url: notice({ caseId: 'h4' }).url });
    up = true;
    await n.idle();
    expect(got.sort()).toEqual(['h1', 'h2', 'h3']); // the dropped routine notices are not sent after all
  });
});

describe('shutdown (close)', () => {
  const SECRET = 'webhook-secret-0123456789';
  const hookEnv = { SAFEGUARDING_WEBHOOK_URL: 'http://127.0.0.1:9/hook', SAFEGUARDING_WEBHOOK_SECRET: SECRET };
  const undelivered = (log: ReturnType<typeof memoryLogger>) => log.lines.filter((l) => l.msg === 'safeguarding notification not delivered');

  test('a notice waiting for its retry is not lost silently: one error line with what was pending', async () => {
    const calls: Headers[] = [];
    const fetchStub = (async (_u: string, init: RequestInit) => (calls.push(new Headers(init.headers)), new Response(null, { status: 503 }))) as unknown as typeof fetch;
    const log = memoryLogger();
    // The default delays: the first retry is 10 s away, the last ~21 min.
    const n = createNotifier(notifyConfigFromEnv(hookEnv), log, { fetch: fetchStub });
    await n.notify(notice());
    await until(() => log.lines.some((l) => l.msg === 'safeguarding notification failed, will retry'));
    const t0 = Date.now();
    await n.close(3000);
    expect(Date.now() - t0).toBeLessThan(1000); // nothing under way: no need to wait out the grace
    expect(calls).toHaveLength(1); // not tried again
    const lines = undelivered(log);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'error',
      caseId: 'c1234',
      kind: 'hold',
      severity: 'high',
      url: notice().url,
      reason: 'server shutting down',
      pending: [{ channel: 'webhook', state: 'waiting for a retry', attempts: 1, lastError: 'webhook answered 503', delivery: calls[0]!.get('x-letstalk-delivery') }],
    });
    expect(Date.parse(String((lines[0]!.pending as { retryWasDue: string }[])[0]!.retryWasDue))).toBeGreaterThan(t0);
    expect(log.lines.at(-1)).toMatchObject({ level: 'info', msg: 'safeguarding notifications stopped', undelivered: 1 });
    await n.idle(); // the retry loop has ended too: nothing keeps running after close
  });

  test('an attempt under way is given the grace period to finish', async () => {
    const fetchStub = (async () => (await Bun.sleep(150), new Response(null, { status: 200 }))) as unknown as typeof fetch;
    const log = memoryLogger();
    const n = createNotifier(cfgFor(hookEnv), log, { fetch: fetchStub });
    await n.notify(notice());
    await n.close(3000);
    expect(log.lines.find((l) => l.msg === 'safeguarding officers notified')).toMatchObject({ channel: 'webhook', attempts: 1 });
    expect(undelivered(log)).toHaveLength(0);
    expect(log.lines.at(-1)).toMatchObject({ msg: 'safeguarding notifications stopped', undelivered: 0 });
  });

  test('a failure during the grace period is not retried; past the deadline, the outcome is unknown; one line per notice', async () => {
    const port = freePort(); // mail server down: email fails at once and waits for its retry
    let hang = true;
    const fetchStub = (async (_u: string, init: RequestInit) => {
      if (hang) return new Promise<Response>((_, reject) => init.signal!.addEventListener('abort', () => reject(new Error('aborted'))));
      await Bun.sleep(20);
      return new Response(null, { status: 502 });
    }) as unknown as typeof fetch;
    const log = memoryLogger();
    const n = createNotifier(cfgFor({ ...smtpEnv(port), ...hookEnv }), log, { fetch: fetchStub, webhookTimeoutMs: 5000 });
    await n.notify(notice()); // webhook hangs past the grace
    await until(() => log.lines.some((l) => l.msg === 'safeguarding notification failed, will retry' && l.channel === 'email'));
    hang = false;
    await n.notify(notice({ caseId: 'c2', kind: 'appeal' })); // webhook fails (502) during the grace
    const t0 = Date.now();
    await n.close(400);
    expect(Date.now() - t0).toBeLessThan(2000);
    const lines = undelivered(log);
    expect(lines.map((l) => l.caseId).sort()).toEqual(['c1234', 'c2']);
    const first = lines.find((l) => l.caseId === 'c1234')!;
    expect(first.reason).toContain('waited 400 ms');
    expect(first.pending).toMatchObject([
      { channel: 'email', state: 'waiting for a retry', attempts: 1, to: ['officer.one@unilag.test', 'officer.two@unilag.test'] },
      { channel: 'webhook', state: 'attempt under way at shutdown, outcome unknown', attempts: 1 },
    ]);
    const second = lines.find((l) => l.caseId === 'c2')!;
    expect(second).toMatchObject({ kind: 'appeal' });
    const secondWebhook = (second.pending as Record<string, unknown>[]).find((p) => p.channel === 'webhook');
    expect(secondWebhook).toMatchObject({ state: 'failed during shutdown, not retried', lastError: 'webhook answered 502' });
    expect(log.lines.filter((l) => l.msg === 'safeguarding notification failed, will retry' && l.caseId === 'c2' && l.channel === 'webhook')).toHaveLength(0);
  });

  test('after close, a notice is logged as undelivered at once and nothing is sent; close twice is one close', async () => {
    const calls: unknown[] = [];
    const log = memoryLogger();
    const n = createNotifier(cfgFor(hookEnv), log, { fetch: (async (...a: unknown[]) => (calls.push(a), new Response())) as unknown as typeof fetch });
    await Promise.all([n.close(100), n.close(100)]);
    await n.notify(notice({ kind: 'restriction' }));
    expect(calls).toHaveLength(0);
    expect(undelivered(log)).toMatchObject([{ level: 'error', caseId: 'c1234', kind: 'restriction', pending: [{ channel: 'webhook', state: 'not attempted yet', attempts: 0 }] }]);
    expect(log.lines.filter((l) => l.msg === 'safeguarding notifications stopped')).toHaveLength(1);
  });
});

describe('no configuration', () => {
  test('sends nothing and says so once', async () => {
    const calls: unknown[] = [];
    const log = memoryLogger();
    const n = createNotifier(loadConfig({}).notify, log, { fetch: (async (...a: unknown[]) => (calls.push(a), new Response())) as unknown as typeof fetch });
    await n.notify(notice());
    await n.notify(notice({ kind: 'appeal' }));
    await n.idle();
    expect(calls).toHaveLength(0);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatchObject({ level: 'warn' });
    expect(String(log.lines[0]!.msg)).toContain('will not be notified');
  });

  test('both channels configured: each gets the notice', async () => {
    const s = await sink();
    const bodies: string[] = [];
    const cfg = cfgFor({ ...smtpEnv(s.port), SAFEGUARDING_WEBHOOK_URL: 'http://127.0.0.1:9/hook', SAFEGUARDING_WEBHOOK_SECRET: 'y'.repeat(20) });
    const n = createNotifier(cfg, memoryLogger(), { fetch: (async (_u: string, init: RequestInit) => (bodies.push(String(init.body)), new Response(null, { status: 200 }))) as unknown as typeof fetch });
    await n.notify(notice({ kind: 'appeal', severity: 'medium', labels: [] }));
    await n.idle();
    expect(s.messages[0]!.headers['subject']).toBe('[Lets Talk safeguarding] Action c1234: appeal submitted');
    expect(JSON.parse(bodies[0]!).kind).toBe('appeal');
  });
});
