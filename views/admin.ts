/**
 * The admin portal's page shell and shared pieces: navigation, the CSRF field every form carries,
 * confirmation pages for destructive actions (plain forms: they work without JavaScript), paging.
 */
import { html, type Raw } from '../server/http/html';
import type { User } from '../server/store/types';
import { alert, layout } from './layout';
import { heldWaitingBanner } from './safeguarding';
import { accountMenu } from './shell';

export interface AdminView {
  user: User;
  csrf: string;
  asset: (name: string) => string;
  /** Formats an epoch-ms time for display in the configured time zone. */
  dateTime: (ms: number) => string;
}

const SECTIONS = [
  ['users', 'Users', '/admin/users'],
  ['import', 'Import', '/admin/import'],
  ['rooms', 'Rooms', '/admin/rooms'],
  ['audit', 'Audit log', '/admin/audit'],
  ['status', 'Status', '/admin/status'],
  ['moderation', 'Safeguarding', '/admin/moderation'],
] as const;
export type Section = (typeof SECTIONS)[number][0];

/** `heldWaiting`: open hold cases and welfare concerns, said on every page but the queue's own (views/safeguarding.ts). */
export function adminPage(v: AdminView, opts: { title: string; section: Section; body: Raw; status?: string | null; error?: string | null; heldWaiting?: { held: number; concerns: number } }): Raw {
  const body = html`<div class="admin">
<a href="#main" class="skip-link">Skip to content</a>
<header class="topbar">
  <a href="${v.user.role === 'admin' ? '/admin' : '/admin/moderation'}" class="brand">Lets Talk · Admin</a>
  <span class="who">${v.user.name}</span>
  <a href="/">Chat</a>
  ${accountMenu(v.user)}
</header>
<nav class="admin-nav" aria-label="Admin"><ul>${SECTIONS.filter(([key]) => v.user.role === 'admin' || key === 'moderation').map(
    ([key, label, href]) => html`<li><a href="${href}"${key === opts.section ? html` aria-current="page"` : ''}>${label}</a></li>`,
  )}</ul></nav>
<main class="admin-main" id="main">
${opts.section === 'moderation' ? '' : heldWaitingBanner(opts.heldWaiting)}
<h1>${opts.title}</h1>
${opts.status ? html`<p class="notice" role="status">${opts.status}</p>` : ''}${alert(opts.error)}
${opts.body}
</main>
</div>`;
  return layout({ title: `${opts.title} · Admin`, body, asset: v.asset, scripts: ['htmx.js'] });
}

export function csrfField(v: Pick<AdminView, 'csrf'>): Raw {
  return html`<input type="hidden" name="_csrf" value="${v.csrf}">`;
}

/** A one-button POST form (e.g. "Suspend"); destructive ones lead to a confirmation page first. */
export function actionButton(v: AdminView, action: string, label: string, fields: Record<string, string> = {}, cls = 'secondary', ariaLabel?: string): Raw {
  return html`<form method="post" action="${action}" class="inline">${csrfField(v)}${Object.entries(fields).map(
    ([k, val]) => html`<input type="hidden" name="${k}" value="${val}">`,
  )}<button type="submit" class="${cls}"${ariaLabel ? html` aria-label="${ariaLabel}"` : ''}>${label}</button></form>`;
}

/**
 * "Are you sure?" for a destructive action: the same POST again with confirm=yes. Cancel goes back
 * to where the admin came from.
 */
/** `reason`: an optional reason field, kept with the action in the audit log (e.g. why an account was suspended). */
export function confirmBody(v: AdminView, opts: { question: string; detail?: Raw | string; action: string; fields?: Record<string, string>; yes: string; cancel: string; reason?: boolean }): Raw {
  return html`<section class="confirm" aria-labelledby="confirm-q">
<p id="confirm-q" class="question"><strong>${opts.question}</strong></p>
${opts.detail ? html`<p>${opts.detail}</p>` : ''}
<form method="post" action="${opts.action}" class="stack">${csrfField(v)}${Object.entries(opts.fields ?? {}).map(
    ([k, val]) => html`<input type="hidden" name="${k}" value="${val}">`,
  )}<input type="hidden" name="confirm" value="yes">
${opts.reason ? html`<label for="confirm-reason">Reason (optional; kept in the audit log)</label><textarea id="confirm-reason" name="reason" rows="2" maxlength="500"></textarea>` : ''}
<button type="submit" class="danger">${opts.yes}</button>
</form>
<p class="link-row"><a href="${opts.cancel}">Cancel</a></p>
</section>`;
}

/** Builds a query string from the non-empty values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, val] of Object.entries(params)) if (val !== undefined && val !== null && val !== '') p.set(k, String(val));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export function pager(prev: string | null, next: string | null, label: string, text = { prev: 'Previous', next: 'Next' }): Raw {
  if (!prev && !next) return html``;
  return html`<nav class="pager" aria-label="${label}">${prev ? html`<a href="${prev}" rel="prev">${text.prev}</a>` : html`<span></span>`}${next ? html`<a href="${next}" rel="next">${text.next}</a>` : ''}</nav>`;
}

/** Problems from a CSV check, "line N: reason", as a list the admin can work through. */
export function rowErrors(errors: { line: number; reason: string }[], heading: string, max = 500): Raw {
  const shown = errors.slice(0, max);
  return html`<section class="report" aria-labelledby="report-h"><h2 id="report-h">${heading}</h2>
<ul class="errors">${shown.map((e) => html`<li><span class="line">line ${e.line}:</span> ${e.reason}</li>`)}</ul>
${errors.length > max ? html`<p class="hint">… and ${errors.length - max} more.</p>` : ''}</section>`;
}

export function adminHome(counts: { users: number; rooms: number }): Raw {
  return html`<ul class="tiles">
<li><a href="/admin/users"><strong>Users</strong><span>${counts.users} accounts: search, create, edit, suspend, new login codes</span></a></li>
<li><a href="/admin/import"><strong>Import</strong><span>Create many students from a CSV file</span></a></li>
<li><a href="/admin/rooms"><strong>Rooms</strong><span>${counts.rooms} course room${counts.rooms === 1 ? '' : 's'}: members, moderators, archive</span></a></li>
<li><a href="/admin/audit"><strong>Audit log</strong><span>Who did what, when and from where; tamper check</span></a></li>
<li><a href="/admin/status"><strong>Status</strong><span>Connections, message rate, memory and CPU</span></a></li>
</ul>`;
}
