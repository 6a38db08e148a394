/** Admin portal: bulk import — upload, validation report, plan, progress, one-time credentials download. */
import { html, type Raw } from '../server/http/html';
import type { ImportJob } from '../server/features/admin/import-jobs';
import { csrfField, rowErrors, type AdminView } from './admin';

// The pasted text has no maxlength: a browser cuts a longer paste silently (QA: 46,297 rows cut at
// 5,000,000 characters, mid-row, and the cut row passed the check). The server refuses more than
// 50 MB instead, with a message.
export function importForm(v: AdminView, opts: { update?: boolean; text?: string } = {}): Raw {
  return html`<form method="post" action="/admin/import" enctype="multipart/form-data" class="stack narrow">${csrfField(v)}
<label for="imp-file">CSV file</label>
<input id="imp-file" name="file" type="file" accept=".csv,text/csv" aria-describedby="imp-hint">
<p class="hint" id="imp-hint">The same file the command line takes: a header row, then <code>email,name,role,date_of_birth,matric_no</code> (email and name required; role is student, lecturer or admin; dates YYYY-MM-DD). Up to 50 MB and 50,000 rows. Nothing is written until you confirm.</p>
<details${opts.text ? html` open` : ''}><summary>Or paste the CSV</summary>
<label for="imp-text">CSV text</label>
<textarea id="imp-text" name="text" rows="6" spellcheck="false">${opts.text ?? ''}</textarea>
</details>
<label class="check"><input type="checkbox" name="update" value="yes"${opts.update ? html` checked` : ''}> Update existing users (name, and any non-blank role, date of birth and matric number) instead of skipping them</label>
<button type="submit">Check file</button>
</form>`;
}

export function importPage(v: AdminView, opts: { errors?: { line: number; reason: string }[]; fileName?: string; update?: boolean; text?: string }): Raw {
  const errors = opts.errors ?? [];
  return html`${errors.length
    ? html`<p class="alert" role="alert">${errors.length} row${errors.length === 1 ? '' : 's'} of ${opts.fileName || 'the file'} ${errors.length === 1 ? 'has a problem' : 'have problems'}. Nothing was written. Fix ${errors.length === 1 ? 'it' : 'them'} and check the file again.</p>${rowErrors(errors, 'Validation report')}`
    : ''}${importForm(v, opts)}`;
}

const MAX_LISTED = 500;
const more = (n: number) => (n > MAX_LISTED ? html`<p class="hint">… and ${n - MAX_LISTED} more.</p>` : '');

/** Every role the import changes, and every new administrator, named before the admin confirms. */
function rolesSection(job: ImportJob): Raw {
  const { roleChanges: changes, newAdmins } = job;
  if (!changes.length && !newAdmins.length) return html``;
  return html`<section id="plan-roles" aria-labelledby="plan-roles-h"><h2 id="plan-roles-h">Role changes</h2>
${changes.length
  ? html`<p>This import changes the role of ${changes.length} existing user${changes.length === 1 ? '' : 's'}:</p>
<div class="table-wrap"><table><caption class="visually-hidden">Role changes of existing users</caption>
<thead><tr><th scope="col">Line</th><th scope="col">Email</th><th scope="col">Role now</th><th scope="col">Role after the import</th></tr></thead>
<tbody>${changes.slice(0, MAX_LISTED).map((c) => html`<tr><td>${c.line}</td><td>${c.email}</td><td>${c.from}</td><td>${c.to === 'admin' ? html`<strong>${c.to}</strong>` : c.to}</td></tr>`)}</tbody></table></div>${more(changes.length)}`
  : ''}
${newAdmins.length
  ? html`<p>New users who will be <strong>administrators</strong> (${newAdmins.length}):</p><ul class="plain" id="plan-new-admins">${newAdmins.slice(0, MAX_LISTED).map((e) => html`<li>${e}</li>`)}</ul>${more(newAdmins.length)}`
  : ''}
</section>`;
}

/**
 * Minors, named before the admin confirms: the contact rules and screening protect only the students
 * the store knows are under 18, and a student without a date of birth counts as an adult.
 */
function agesSection(job: ImportJob): Raw {
  const { newMinors, becomeMinor, becomeAdult, noBirthDate } = job.ages;
  const list = (id: string, emails: string[]) => html`<ul class="plain" id="${id}">${emails.slice(0, MAX_LISTED).map((e) => html`<li>${e}</li>`)}</ul>${more(emails.length)}`;
  return html`<section id="plan-ages" aria-labelledby="plan-ages-h"><h2 id="plan-ages-h">Students under 18</h2>
<p id="plan-minors">${newMinors ? `${newMinors} new user${newMinors === 1 ? ' is' : 's are'} under 18: the rules for minors apply (who may message them; their conversations are screened).` : 'No new user is under 18.'}</p>
${becomeMinor.length ? html`<p>The new date of birth makes ${becomeMinor.length} existing user${becomeMinor.length === 1 ? '' : 's'} under 18:</p>${list('plan-become-minor', becomeMinor)}` : ''}
${becomeAdult.length ? html`<p>The new date of birth makes ${becomeAdult.length} existing user${becomeAdult.length === 1 ? '' : 's'} <strong>18 or over</strong> (no longer protected as a minor):</p>${list('plan-become-adult', becomeAdult)}` : ''}
${noBirthDate.length ? html`<div class="alert" role="note"><p><strong>${noBirthDate.length} student${noBirthDate.length === 1 ? ' has' : 's have'} no date of birth</strong> and will be treated as ${noBirthDate.length === 1 ? 'an adult' : 'adults'}: if any is under 18, safeguarding will not protect them. Add the dates to the file, or mark them as minors on their page under Users.</p>${list('plan-no-birth-date', noBirthDate)}</div>` : ''}
</section>`;
}

export function planBody(v: AdminView, job: ImportJob): Raw {
  const c = job.counts;
  const skippedShown = job.skipped.slice(0, 50);
  return html`<p role="status">${job.fileName || 'The file'} is valid. Nothing has been written yet.</p>
<dl class="facts">
<dt>New users to create</dt><dd id="plan-create">${c.create}</dd>
<dt>Existing users to update</dt><dd id="plan-update">${c.update}</dd>
<dt>Existing users to skip</dt><dd id="plan-skip">${c.skip}</dd>
${c.refused ? html`<dt>Rows left out</dt><dd id="plan-refused">${c.refused}</dd>` : ''}
</dl>
${job.refused.length ? rowErrors(job.refused, 'Left out (will not be imported)', MAX_LISTED) : ''}
${rolesSection(job)}
${c.create + c.update > 0 ? agesSection(job) : ''}
${skippedShown.length
  ? html`<details><summary>Skipped (already have an account)</summary><ul class="plain">${skippedShown.map((e) => html`<li>${e}</li>`)}</ul>${job.skipped.length > 50 ? html`<p class="hint">… and ${job.skipped.length - 50} more.</p>` : ''}</details>`
  : ''}
${c.create + c.update > 0
  ? html`<form method="post" action="/admin/import/${job.token}/confirm" class="stack narrow">${csrfField(v)}
<p>Each new user gets a one-time login code. You can download the sheet of codes once, right after the import.</p>
<button type="submit">Confirm import</button></form>`
  : html`<p>There is nothing to import.</p>`}
<p class="link-row"><a href="/admin/import">Start again with another file</a></p>`;
}

/** The progress panel: polls itself while the import runs, then shows the result. */
export function progressPanel(v: AdminView, job: ImportJob, sheetReady: boolean): Raw {
  if (job.state === 'running') {
    return html`<section id="import-progress" class="progress" hx-get="/admin/import/${job.token}/progress" hx-trigger="every 500ms" hx-swap="outerHTML" aria-live="polite">
<p>${job.phase}…</p>
<progress aria-label="Import progress" max="100" value="${job.progress}">${job.progress}%</progress>
<noscript><p class="link-row"><a href="/admin/import/${job.token}">Refresh to see the progress</a></p></noscript>
</section>`;
  }
  if (job.state === 'failed') {
    return html`<section id="import-progress" class="progress"><p class="alert" role="alert">${job.error}</p><p class="link-row"><a href="/admin/import">Back to import</a></p></section>`;
  }
  const c = job.counts;
  return html`<section id="import-progress" class="progress" aria-live="polite">
<progress aria-label="Import progress" max="100" value="100">100%</progress>
<p class="notice" role="status">Import complete: created ${c.create}, updated ${c.update}, skipped ${c.skip}${c.refused ? html`, left out ${c.refused}` : ''}.</p>
${sheetReady
  ? html`<form method="post" action="/admin/import/download/${job.downloadToken ?? ''}" class="stack narrow">${csrfField(v)}
<p>Download the login codes now: the sheet can be downloaded <strong>once</strong> and is deleted from the server after that (or in 15 minutes). Keep it safe and hand each student their own code.</p>
<button type="submit">Download credentials</button></form>`
  : job.downloadToken
    ? html`<p>The credentials sheet has been downloaded (or has expired) and is no longer on the server. A user without a code can get a new one from their page under <a href="/admin/users">Users</a>.</p>`
    : html`<p>No new users, so there are no login codes.</p>`}
<p class="link-row"><a href="/admin/users">Go to users</a> · <a href="/admin/import">Import another file</a></p>
</section>`;
}

export function jobBody(v: AdminView, job: ImportJob, sheetReady: boolean): Raw {
  return job.state === 'planned' ? planBody(v, job) : progressPanel(v, job, sheetReady);
}
