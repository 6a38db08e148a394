/**
 * The notification email as RFC 5322 text (CRLF line ends, 7-bit: quoted-printable body, RFC 2047
 * encoded words for non-ASCII header text). Pure functions; the SMTP transport is notify-smtp.ts.
 *
 * Privacy: the message carries only what `CaseNotice` carries (case id, kind, severity, labels,
 * the caller's summary, the link) and never chat text or names; see notify.ts.
 * Header injection: every header value passes through `oneLine`, which removes CR, LF and other
 * control characters, so no caller-supplied text can start a new header or the body.
 */
import type { SmtpConfig } from './notify-config';
import type { CaseNotice, NoticeKind } from './notify';

export const KIND_PHRASE: Record<NoticeKind, string> = {
  hold: 'message held',
  review: 'message queued for review',
  restriction: 'user restricted automatically',
  appeal: 'appeal submitted',
  freeze: 'conversation frozen',
};

const MAX_SUMMARY = 1000;

/** Control characters (CR and LF included) become spaces; runs of spaces collapse. */
export const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ').trim();

/** Labels are model label names; anything else in them (spaces, CR/LF, markup) becomes `_`. */
export const cleanLabel = (s: string) => s.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 64);

/** The notice as sent on every channel: only the known fields, each bounded and single-line where it must be. */
export function normaliseNotice(n: CaseNotice): CaseNotice {
  return {
    caseId: oneLine(String(n.caseId)).slice(0, 128),
    kind: Object.hasOwn(KIND_PHRASE, n.kind) ? n.kind : 'review',
    severity: n.severity === 'high' ? 'high' : 'medium',
    labels: (Array.isArray(n.labels) ? n.labels : []).map((l) => cleanLabel(String(l))).filter(Boolean).slice(0, 20),
    summary: String(n.summary).replace(/\r\n?/g, '\n').replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, ' ').slice(0, MAX_SUMMARY),
    url: oneLine(String(n.url)),
    at: Number.isFinite(n.at) ? n.at : Date.now(),
  };
}

// RFC 2047 "B" encoded words, at most 75 characters each, split on code-point boundaries.
function encodeWords(s: string): string {
  const words: string[] = [];
  let chunk = '';
  for (const ch of s) {
    if (Buffer.byteLength(chunk + ch) > 42) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join('\r\n ');
}

/** A header value: one line, ASCII as is, otherwise encoded words. */
export const headerText = (s: string) => {
  const v = oneLine(s);
  return /^[\x20-\x7e]*$/.test(v) ? v : encodeWords(v);
};

/** RFC 5322 date-time in UTC, e.g. "Thu, 26 Nov 2026 15:00:00 +0000". */
export const rfc5322Date = (ms: number) => new Date(ms).toUTCString().replace(/GMT$/, '+0000');

/** Quoted-printable (RFC 2045 §6.7) for UTF-8 text with CRLF line breaks; lines at most 76 characters. */
export function quotedPrintable(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      let out = '';
      let len = 0;
      const bytes = Buffer.from(line, 'utf8');
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i]!;
        const last = i === bytes.length - 1;
        // Printable ASCII except '='; a space or tab at the end of a line must be encoded.
        const literal = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last);
        const piece = literal ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
        if (len + piece.length > 75) {
          out += '=\r\n';
          len = 0;
        }
        out += piece;
        len += piece.length;
      }
      return out;
    })
    .join('\r\n');
}

/** hold/review notices are about a moderation case; the others about an action on an account or room. */
const nounOf = (n: CaseNotice) => (n.kind === 'hold' || n.kind === 'review' ? 'Case' : 'Action');

export function subjectOf(n: CaseNotice): string {
  const labels = n.labels.length ? ` (${n.labels.join(', ')})` : '';
  return `[Lets Talk safeguarding] ${nounOf(n)} ${n.caseId}: ${KIND_PHRASE[n.kind]}${labels}`.slice(0, 300);
}

export function bodyOf(n: CaseNotice): string {
  const lines = [
    `A safeguarding case needs attention: ${KIND_PHRASE[n.kind]}.`,
    '',
    `${`${nounOf(n)}:`.padEnd(10)}${n.caseId}`,
    `Severity: ${n.severity}`,
    `Labels:   ${n.labels.join(', ') || '(none)'}`,
    `Time:     ${new Date(n.at).toISOString()}`,
    '',
    n.summary,
    '',
    `Open the ${nounOf(n).toLowerCase()} in the admin portal (sign-in required):`,
    n.url,
    '',
    '--',
    'This notice never contains message text or names; read the case in the portal.',
    'Sent by Lets Talk to the configured safeguarding officers.',
  ];
  return lines.join('\n');
}

/** Stable across retries, so a mailbox that receives a retried message can see it is the same one. */
export function messageIdOf(n: CaseNotice, from: string): string {
  const id = n.caseId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  return `<letstalk.case.${id}.${n.kind}.${n.at}@${from.split('@')[1]}>`;
}

/** The whole message (headers + CRLF + body), not yet dot-stuffed. `n` must be normalised. */
export function buildMessage(n: CaseNotice, smtp: Pick<SmtpConfig, 'from' | 'fromHeader' | 'to'>, nowMs: number): string {
  return textMail({
    smtp,
    to: smtp.to,
    subject: subjectOf(n),
    body: bodyOf(n),
    messageId: messageIdOf(n, smtp.from),
    nowMs,
    headers: ['Auto-Submitted: auto-generated', ...(n.severity === 'high' ? ['Importance: high', 'X-Priority: 1'] : [])],
  });
}

/**
 * A UTF-8 text/plain email (headers + CRLF + quoted-printable body), not yet dot-stuffed: the
 * officers' notices and people's emails about missed messages (features/mail). The subject passes
 * through headerText (one line, encoded when not ASCII); `to` must be checked addresses and
 * `headers` whole header lines the caller built (never text from users).
 */
export function textMail(m: { smtp: Pick<SmtpConfig, 'from' | 'fromHeader'>; to: readonly string[]; subject: string; body: string; messageId: string; nowMs: number; headers?: readonly string[] }): string {
  const { smtp } = m;
  const name = /<.*>$/.test(smtp.fromHeader) ? oneLine(smtp.fromHeader.replace(/\s*<.*>$/, '')).replace(/["\\]/g, '') : '';
  // A display name is quoted (it may hold commas or colons) or, when not ASCII, encoded.
  const from = !name ? smtp.from : /^[\x20-\x7e]*$/.test(name) ? `"${name}" <${smtp.from}>` : `${headerText(name)} <${smtp.from}>`;
  const headers = [
    `Date: ${rfc5322Date(m.nowMs)}`,
    `Message-ID: ${m.messageId}`,
    `From: ${from}`,
    `To: ${m.to.join(',\r\n ')}`,
    `Subject: ${headerText(m.subject)}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    ...(m.headers ?? []),
  ];
  return `${headers.join('\r\n')}\r\n\r\n${quotedPrintable(m.body)}\r\n`;
}

/** SMTP DATA transparency (RFC 5321 §4.5.2): a line starting with "." gets one more. */
export const dotStuff = (data: string) => data.replace(/(^|\r\n)\./g, '$1..');
