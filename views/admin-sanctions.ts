/**
 * Safeguarding actions in the admin portal: block/freeze forms on a case page, the list of
 * actions (restrictions, blocks, freezes, removals) and one action with its hearing.
 */
import { html, type Raw } from '../server/http/html';
import type { Sanction, SanctionStatus } from '../server/store/types';
import { CLAUSES, clauseById } from '../server/features/moderation/policy-clauses';
import type { Check } from '../server/features/moderation/hearing';
import { csrfField, type AdminView } from './admin';
import { formatMessage } from './format';

export const KIND_TEXT: Record<Sanction['kind'], string> = {
  restriction: 'Restriction (cannot post where students under 18 are)',
  block: 'Account block (read-only)',
  freeze: 'Room freeze (read-only room)',
  removal: 'Message removal',
};

export const STATUS_TEXT: Record<SanctionStatus, string> = {
  active: 'in force, no statement yet',
  appealed: 'appealed: awaiting a different reviewer',
  upheld: 'appeal dismissed: in force',
  overturned: 'overturned on appeal: restored',
  lifted: 'lifted (its evidence stays as decided)',
};

const clauseSelect = (id: string) => html`<label for="${id}">Policy clause</label><select id="${id}" name="clause" required><option value="">Choose…</option>${CLAUSES.map((c) => html`<option value="${c.id}">${c.id} · ${c.title}</option>`)}</select>`;

/** Block the sender / freeze the room, from a case page. */
/**
 * `rev`: the message as the officer sees it (a block decides the case: refused if it changed since);
 * `open`: whether the case was open on this page (refused if another officer decided it since).
 */
export function caseActions(v: AdminView, caseId: string, rev: number | undefined, open: boolean): Raw {
  const action = `/admin/moderation/cases/${caseId}/act`;
  return html`<section aria-labelledby="act-h"><h2 id="act-h">Act on the account or room</h2>
<p class="hint">The person affected gets a notice with your reason, the evidence and the clause, and can respond. Their appeal is decided by another officer.</p>
<form method="post" action="${action}" class="stack narrow">${csrfField(v)}${rev !== undefined ? html`<input type="hidden" name="rev" value="${rev}">` : ''}<input type="hidden" name="seen" value="${open ? 'open' : 'decided'}">
<fieldset><legend>Action</legend>
<label><input type="radio" name="action" value="block" required> Block the sender (they can read but not post anywhere)</label>
<label><input type="radio" name="action" value="freeze"> Freeze the room (nobody can post; its owners, in a group its adult members, can respond)</label>
</fieldset>
${clauseSelect('act-clause')}
<label for="act-reason">Reason (shown to the person affected)</label><textarea id="act-reason" name="reason" required maxlength="2000" rows="3"></textarea>
<button type="submit">Continue</button>
</form></section>`;
}

export function sanctionListBody(v: AdminView, rows: { s: Sanction; subject: string }[], showing: 'open' | 'all'): Raw {
  return html`<p>${showing === 'open' ? html`Actions in force, appeals first. <a href="/admin/moderation/actions?status=all">Show all</a>` : html`All actions, newest first. <a href="/admin/moderation/actions">Show those in force</a>`} · <a href="/admin/moderation">Cases</a></p>
${rows.length
  ? html`<div class="table-wrap"><table><caption class="visually-hidden">Safeguarding actions</caption>
<thead><tr><th scope="col">Taken</th><th scope="col">Action</th><th scope="col">Who or what</th><th scope="col">Clause</th><th scope="col">By</th><th scope="col">Status</th></tr></thead>
<tbody>${rows.map(({ s, subject }) => html`<tr><td><a href="/admin/moderation/actions/${s.id}">${v.dateTime(s.createdAt)}</a></td><td>${KIND_TEXT[s.kind]}</td><td>${subject}</td><td>${s.clause}</td><td>${s.actorId ? 'an officer' : 'automatic'}</td><td>${s.status === 'appealed' ? html`<strong>${STATUS_TEXT[s.status]}</strong>` : STATUS_TEXT[s.status]}</td></tr>`)}</tbody></table></div>`
  : html`<p class="hint">No actions.</p>`}`;
}

export interface SanctionPage {
  s: Sanction;
  subject: string;
  names: Map<string, string>;
  /** Whether this officer may decide the appeal, and why not. */
  review: Check;
  lift: Check;
}

export function sanctionBody(v: AdminView, p: SanctionPage): Raw {
  const { s, names } = p;
  const base = `/admin/moderation/actions/${s.id}`;
  const clause = clauseById(s.clause);
  const who = (id: string | null) => (id ? (names.get(id) ?? 'Former member') : 'the automated safeguarding check');
  const reasonField = (id: string) => html`<label for="${id}">Reason (shown to the person affected and recorded in the audit log)</label><textarea id="${id}" name="reason" required maxlength="4000" rows="3"></textarea>`;
  const decide = s.status === 'appealed'
    ? p.review.ok
      ? html`<section aria-labelledby="appeal-h"><h2 id="appeal-h">Decide the appeal</h2>
<form method="post" action="${base}/decide" class="stack narrow">${csrfField(v)}
<fieldset><legend>Outcome</legend>
<label><input type="radio" name="outcome" value="overturn" required> Overturn: end the action and restore everything (held messages delivered)</label>
<label><input type="radio" name="outcome" value="uphold"> Dismiss the appeal: the action stays in force</label>
</fieldset>${reasonField('appeal-reason')}<button type="submit">Continue</button></form></section>`
      : html`<p class="alert" role="note">${p.review.reason}</p>`
    : '';
  const lift = p.lift.ok
    ? html`<section aria-labelledby="lift-h"><h2 id="lift-h">Lift</h2><p class="hint">Ends the action now. It judges no message: held messages stay held until their cases are decided (release them from the case queue), and an upheld message stays hidden.</p>
<form method="post" action="${base}/lift" class="stack narrow">${csrfField(v)}${reasonField('lift-reason')}<button type="submit" class="secondary">Continue</button></form></section>`
    : '';
  return html`<dl class="facts">
<dt>Action</dt><dd>${KIND_TEXT[s.kind]}</dd>
<dt>Who or what</dt><dd>${p.subject}</dd>
<dt>Status</dt><dd>${STATUS_TEXT[s.status]}</dd>
<dt>Taken by</dt><dd>${who(s.actorId)} on ${v.dateTime(s.createdAt)}</dd>
<dt>Policy clause</dt><dd>${clause ? html`${clause.id} · ${clause.title}: ${clause.text}` : s.clause}</dd>
<dt>Reason given</dt><dd>${s.reason}</dd>
<dt>Evidence shown to them</dt><dd><blockquote class="flagged-text">${formatMessage(s.evidence)}</blockquote></dd>
<dt>Cases</dt><dd>${s.caseIds.length ? html`${s.caseIds.map((id, i) => html`${i ? ', ' : ''}<a href="/admin/moderation/cases/${id}">case ${i + 1}</a>`)}` : 'none'}</dd>
<dt>Statement deadline</dt><dd>${v.dateTime(s.deadline)}</dd>
</dl>
<section aria-labelledby="statement-h"><h2 id="statement-h">Statement</h2>
${s.statement ? html`<p>From ${who(s.statementBy)} on ${s.statementAt ? v.dateTime(s.statementAt) : ''}:</p><blockquote class="statement">${formatMessage(s.statement)}</blockquote>` : html`<p class="hint">No statement yet.</p>`}
</section>
${s.decidedAt ? html`<p><strong>Decided</strong> by ${who(s.decidedBy)} on ${v.dateTime(s.decidedAt)}: ${STATUS_TEXT[s.status]}. Reason: ${s.decisionReason}</p>` : ''}
${decide}${lift}`;
}
