/** Admin portal: user search, one user, create and edit forms, a one-time code shown once. */
import { html, type Raw } from '../server/http/html';
import { ROLES, USER_STATUSES, type AuditEvent, type Session, type User } from '../server/store/types';
import { isMinor } from '../server/features/accounts/model';
import type { UserSearch } from '../server/features/admin/users';
import { actionButton, csrfField, pager, qs, type AdminView } from './admin';

const option = (value: string, label: string, selected: string | undefined) => html`<option value="${value}"${selected === value ? html` selected` : ''}>${label}</option>`;
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function usersListBody(v: AdminView, f: UserSearch, r: { users: User[]; total: number; unknownCourse?: boolean }, page: number, pageSize: number): Raw {
  const link = (p: number) => `/admin/users${qs({ ...f, page: p || null })}`;
  return html`<p class="link-row"><a href="/admin/users/new" class="button-link">New user</a> · <a href="/admin/import">Import from CSV</a></p>
<form method="get" action="/admin/users" role="search" class="filters">
<div><label for="f-q">Name, email or matric no.</label><input id="f-q" name="q" type="search" maxlength="100" value="${f.q ?? ''}"></div>
<div><label for="f-role">Role</label><select id="f-role" name="role">${option('', 'Any', f.role)}${ROLES.map((x) => option(x, cap(x), f.role))}</select></div>
<div><label for="f-status">Status</label><select id="f-status" name="status">${option('', 'Any', f.status)}${USER_STATUSES.map((x) => option(x, cap(x), f.status))}</select></div>
<div><label for="f-minor">Minor</label><select id="f-minor" name="minor">${option('', 'Any', f.minor)}${option('yes', 'Minors only', f.minor)}${option('no', 'Adults only', f.minor)}</select></div>
<div><label for="f-pending">Signed in</label><select id="f-pending" name="pending">${option('', 'Any', f.pending)}${option('yes', 'Never (no password yet)', f.pending)}</select></div>
<div><label for="f-course">Course code</label><input id="f-course" name="course" maxlength="12" placeholder="CSC101" value="${f.course ?? ''}"></div>
<div><button type="submit">Search</button></div>
</form>
${r.unknownCourse ? html`<p class="alert" role="alert">There is no course room ${f.course}.</p>` : ''}
<p role="status">${r.total} user${r.total === 1 ? '' : 's'}</p>
${r.users.length
  ? html`<div class="table-wrap"><table><caption class="visually-hidden">Users</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Minor</th></tr></thead>
<tbody>${r.users.map(
      (u) => html`<tr><td><a href="/admin/users/${u.id}">${u.name}</a></td><td>${u.email}</td><td>${u.role}</td><td><span class="pill ${u.status}">${u.status}</span></td><td>${isMinor(u) ? 'yes' : 'no'}</td></tr>`,
    )}</tbody></table></div>`
  : ''}
${pager(page > 0 ? link(page - 1) : null, (page + 1) * pageSize < r.total ? link(page + 1) : null, 'User pages')}`;
}

export function newUserBody(v: AdminView, values: { email?: string; name?: string; role?: string }): Raw {
  return html`<form method="post" action="/admin/users" class="stack narrow">${csrfField(v)}
<label for="nu-email">Student or staff email</label><input id="nu-email" name="email" type="email" required maxlength="254" value="${values.email ?? ''}" autocomplete="off">
<label for="nu-name">Full name</label><input id="nu-name" name="name" required maxlength="100" value="${values.name ?? ''}" autocomplete="off">
<label for="nu-role">Role</label><select id="nu-role" name="role">${ROLES.map((x) => option(x, cap(x), values.role ?? 'student'))}</select>
<button type="submit">Create user</button>
</form><p class="link-row"><a href="/admin/users">Back to users</a></p>`;
}

/** The only place a login code is ever shown in the portal; the response is not cached. */
export function codeIssuedBody(v: AdminView, user: User, loginCode: string, expiresAt: number): Raw {
  return html`<section class="code-card" aria-labelledby="code-h">
<h2 id="code-h">One-time login code for ${user.name}</h2>
<p>Email: <strong>${user.email}</strong></p>
<p class="login-code"><code id="login-code">${loginCode}</code></p>
<p>Give this code to ${user.name} now: it is shown only once. They type it as the password at the sign-in page and then choose their own password. It works once and expires on ${v.dateTime(expiresAt)}.</p>
</section>
<p class="link-row"><a href="/admin/users/${user.id}">Back to ${user.name}</a></p>`;
}

function statusActions(v: AdminView, u: User): Raw {
  const to = (status: string, label: string, cls = 'secondary') => actionButton(v, `/admin/users/${u.id}/status`, label, { status }, cls);
  if (u.status === 'active') return html`${to('suspended', 'Suspend')}${to('disabled', 'Disable', 'danger')}`;
  if (u.status === 'suspended') return html`${to('active', 'Enable')}${to('disabled', 'Disable', 'danger')}`;
  return to('active', 'Enable');
}

/** What an administrator typed in the edit form, shown again with the reason it was refused. */
export interface UserEditForm {
  name: string;
  role: string;
  dateOfBirth: string;
  minor: string;
  safeguarding: boolean;
}

export function userDetailBody(v: AdminView, u: User, sessions: Session[], history: AuditEvent[], form?: UserEditForm): Raw {
  const minorChoice = form?.minor ?? (u.minorOverride === null ? 'auto' : u.minorOverride ? 'yes' : 'no');
  const codePending = u.loginCodeHash && u.loginCodeExpiresAt ? (u.loginCodeExpiresAt > Date.now() ? `unused, expires ${v.dateTime(u.loginCodeExpiresAt)}` : 'expired') : 'none';
  return html`<dl class="facts">
<dt>Email</dt><dd>${u.email}</dd>
<dt>Role</dt><dd>${u.role}</dd>
<dt>Status</dt><dd><span class="pill ${u.status}">${u.status}</span></dd>
<dt>Minor</dt><dd>${isMinor(u) ? 'yes' : 'no'} ${u.minorOverride === null ? html`<span class="hint">(from date of birth)</span>` : html`<span class="hint">(set by an administrator)</span>`}</dd>
<dt>Date of birth</dt><dd>${u.dateOfBirth ?? 'unknown'}</dd>
<dt>Matric number</dt><dd>${u.matricNo ?? '—'}</dd>
<dt>Password</dt><dd>${u.passwordHash ? 'set' : 'not set yet'}</dd>
<dt>Login code</dt><dd>${codePending}</dd>
<dt>Created</dt><dd>${v.dateTime(u.createdAt)}</dd>
</dl>

<section aria-labelledby="edit-h"><h2 id="edit-h">Edit</h2>
<form method="post" action="/admin/users/${u.id}" class="stack narrow">${csrfField(v)}
<label for="e-name">Full name</label><input id="e-name" name="name" required maxlength="100" value="${form?.name ?? u.name}">
<label for="e-role">Role</label><select id="e-role" name="role">${ROLES.map((x) => option(x, cap(x), form?.role ?? u.role))}</select>
<label for="e-dob">Date of birth</label><input id="e-dob" name="date_of_birth" type="date" min="1900-01-01" value="${form?.dateOfBirth ?? u.dateOfBirth ?? ''}" aria-describedby="e-dob-hint">
<p class="hint" id="e-dob-hint">Leave empty when unknown.</p>
<label for="e-minor">Minor</label><select id="e-minor" name="minor">${option('auto', 'Decide from the date of birth', minorChoice)}${option('yes', 'Yes, treat as a minor', minorChoice)}${option('no', 'No, treat as an adult', minorChoice)}</select>
<input type="hidden" name="permissions_shown" value="yes">
<label><input type="checkbox" name="safeguarding" value="yes"${(form ? form.safeguarding : u.permissions.includes('safeguarding')) ? html` checked` : ''} aria-describedby="e-sg-hint"> Safeguarding officer</label>
<p class="hint" id="e-sg-hint">Can review flagged messages under Safeguarding (administrators always can).</p>
<button type="submit">Save changes</button>
</form></section>

<section aria-labelledby="acct-h"><h2 id="acct-h">Account</h2>
<div class="actions-row">${statusActions(v, u)}</div>
<div class="actions-row">${actionButton(v, `/admin/users/${u.id}/code`, 'Issue a new login code')}${actionButton(v, `/admin/users/${u.id}/sessions`, `Sign out everywhere (${sessions.length} session${sessions.length === 1 ? '' : 's'})`)}</div>
</section>

<section aria-labelledby="sess-h"><h2 id="sess-h">Sessions</h2>
${sessions.length
  ? html`<ul class="plain">${sessions.map((s) => html`<li>Since ${v.dateTime(s.createdAt)}, last used ${v.dateTime(s.lastSeenAt)} from ${s.ip ?? 'unknown'} <span class="hint">${s.userAgent ?? ''}</span></li>`)}</ul>`
  : html`<p class="hint">Not signed in anywhere.</p>`}
</section>

<section aria-labelledby="hist-h"><h2 id="hist-h">Recent administration</h2>
${history.length
  ? html`<ul class="plain">${history.map((e) => html`<li>${v.dateTime(e.at)}: <code>${e.action}</code> from ${e.origin ?? 'unknown'}</li>`)}</ul>`
  : html`<p class="hint">Nothing recorded.</p>`}
<p class="link-row"><a href="/admin/audit${qs({ target: u.email })}">All audit entries for ${u.email}</a></p>
</section>`;
}
