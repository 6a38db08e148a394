/** Admin portal: the audit log — verification status, filters, entries, CSV export. */
import { html, type Raw } from '../server/http/html';
import type { AuditEvent } from '../server/store/types';
import type { AuditPage, AuditQuery, Verification } from '../server/features/admin/audit';
import { csrfField, pager, qs, type AdminView } from './admin';

export const KNOWN_ACTIONS = [
  'user.create', 'user.import', 'user.import.credentials_downloaded', 'user.update', 'user.reset', 'user.suspend', 'user.disable',
  'user.enable', 'user.revoke_sessions', 'user.password_set', 'session.login', 'session.login_failed', 'session.login_locked', 'room.create',
  'room.add_members', 'group.members_refused', 'contact.refused', 'room.remove_member', 'room.leave', 'room.set_role', 'room.archive', 'room.unarchive', 'room.announcements_only', 'room.register_exported', 'lecture.removed', 'message.moderator_delete', 'audit.export',
  'store.backup',
  // Safeguarding (QA: none was suggested): the model's, the members', the officers'.
  'moderation.hold', 'moderation.flag', 'moderation.report', 'moderation.name_refused', 'moderation.case_view', 'moderation.release', 'moderation.uphold',
  'moderation.block', 'moderation.restriction', 'moderation.freeze', 'moderation.removal', 'moderation.statement', 'moderation.lift',
  'moderation.appeal_upheld', 'moderation.appeal_overturned', 'moderation.action_view', 'moderation.export',
];

export function verificationPanel(v: Verification): Raw {
  return v.ok
    ? html`<p class="notice chain-ok" role="status" id="chain-status">Tamper check passed: all ${v.count} entries link up and match their hashes.</p>`
    : html`<div class="alert chain-broken" role="alert" id="chain-status"><strong>Tamper check FAILED at entry ${v.brokenAt}:</strong> ${v.reason}. An entry was changed or removed outside the application. Export the log and investigate.</div>`;
}

function who(e: AuditEvent, names: Map<string, string>): string {
  if (e.actorId) return names.get(e.actorId) ?? e.actorId;
  return e.origin === 'cli' ? 'command line' : (e.origin ?? 'system');
}

export function auditBody(v: AdminView, opts: { q: AuditQuery; verification: Verification; page: AuditPage; names: Map<string, string>; problems: string[] }): Raw {
  const { q, page, names } = opts;
  const link = (before: number) => `/admin/audit${qs({ ...q, before: before || null })}`;
  return html`${verificationPanel(opts.verification)}
<form method="get" action="/admin/audit" role="search" class="filters">
<div><label for="a-action">Action</label><input id="a-action" name="action" list="a-actions" maxlength="64" value="${q.action ?? ''}"><datalist id="a-actions">${KNOWN_ACTIONS.map((a) => html`<option value="${a}"></option>`)}</datalist></div>
<div><label for="a-actor">Done by (email)</label><input id="a-actor" name="actor" maxlength="254" value="${q.actor ?? ''}"></div>
<div><label for="a-target">Target (email, course code or id)</label><input id="a-target" name="target" maxlength="254" value="${q.target ?? ''}"></div>
<div><label for="a-from">From</label><input id="a-from" name="from" type="date" value="${q.from ?? ''}"></div>
<div><label for="a-to">To</label><input id="a-to" name="to" type="date" value="${q.to ?? ''}"></div>
<div><button type="submit">Filter</button></div>
</form>
${opts.problems.map((p) => html`<p class="alert" role="alert">${p}</p>`)}
<div class="actions-row"><p role="status">${page.total} matching entr${page.total === 1 ? 'y' : 'ies'}</p>
<form method="post" action="/admin/audit/export" class="inline">${csrfField(v)}${(['action', 'actor', 'target', 'from', 'to'] as const).map(
    (k) => (q[k] ? html`<input type="hidden" name="${k}" value="${q[k]}">` : ''),
  )}<button type="submit" class="secondary">Export CSV</button></form></div>
${page.entries.length
  ? html`<div class="table-wrap"><table class="audit"><caption class="visually-hidden">Audit entries, newest first</caption>
<thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">From</th><th scope="col">Details</th></tr></thead>
<tbody>${page.entries.map(
      (e) => html`<tr><td>${e.seq}</td><td><time datetime="${new Date(e.at).toISOString()}">${v.dateTime(e.at)}</time></td><td>${who(e, names)}</td><td><code>${e.action}</code></td><td>${e.target ? (names.get(e.target) ?? e.target) : ''}</td><td>${e.origin ?? ''}</td><td class="details">${detailsText(e.details)}</td></tr>`,
    )}</tbody></table></div>`
  : ''}
${pager(page.newer !== null ? link(page.newer) : null, page.older !== null ? link(page.older) : null, 'Audit pages', { prev: 'Newer entries', next: 'Older entries' })}`;
}

/** An entry's details as JSON; long lists (the people added to a room) show their first ten here, all in the export. */
export function detailsText(details: Record<string, unknown>): string {
  if (!Object.keys(details).length) return '';
  return JSON.stringify(details, (_, v: unknown) => (Array.isArray(v) && v.length > 10 ? [...v.slice(0, 10), `… and ${v.length - 10} more (all in the export)`] : v));
}
