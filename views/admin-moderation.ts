/**
 * Safeguarding pages (/admin/moderation): the case queue and one case. A case page shows only the
 * flagged message and its small context window, never the conversation.
 */
import { html, type Raw } from '../server/http/html';
import type { Message, ModerationCase } from '../server/store/types';
import type { CaseQueue, CaseSummary, CaseView, Party } from '../server/features/moderation/cases';
import { csrfField, type AdminView } from './admin';
import { formatMessage } from './format';
import { KIND_TEXT, STATUS_TEXT } from './admin-sanctions';
import { LABELS, type Label } from '../server/features/moderation/model/labels';
import { CONCERN_LABEL, isConcernOnly } from '../server/features/moderation/concern';

/** The labels' names as officers read them (the campus data's definitions, docs/moderation-model.md). */
export const LABEL_TEXT: Record<Label, string> = {
  sexual_solicitation: 'Sexual solicitation (asks for sex, nudes, sex for grades)',
  sexual_harassment: 'Sexual harassment (body comments, sexual rumours or insults, pushing after a no)',
  explicit: 'Explicit (crude sexual words)',
  grooming_signal: 'Grooming tactic (secrecy, gifts, meeting alone, moving platform…)',
  threat: 'Threat (harm, blackmail, retaliation)',
  other_toxic: 'Other abuse (insults, hate, no sexual content)',
};

/** What an officer judged: the confirmation page and the decided case say it the same way. */
export const judgedText = (labels: readonly string[] | null) =>
  labels === null ? 'not recorded' : labels.length ? labels.join(', ') : 'none (harmless)';

const pct = (x: number | undefined) => `${Math.round((x ?? 0) * 100)}%`;
// A report has no score: its label stands alone.
const labelList = (c: ModerationCase) => html`${c.labels.map((l, i) => html`${i ? ', ' : ''}${l}${c.scores[l] === undefined ? '' : html` (${pct(c.scores[l])})`}`)}`;
const partyText = (p: Party | null) => (p ? html`${p.name} <span class="pill">${p.role}</span>${p.age !== null ? html` <span class="pill">age ${p.age}</span>` : ''}${p.minor ? html` <span class="pill">minor</span>` : ''}` : html`<em>unknown account</em>`);
const roomText = (s: CaseSummary) => html`${s.room.name} <span class="hint">(${s.room.kind ?? '?'}, ${s.room.members} member${s.room.members === 1 ? '' : 's'}, ${s.room.minors} minor${s.room.minors === 1 ? '' : 's'})</span>`;
const outcome = (c: ModerationCase) => (c.status === 'open' ? html`<strong>open</strong>` : html`${c.decision === 'release' ? 'released' : 'upheld'}`);

/** `reviewCases`: whether review-level flags open cases (MODERATION_REVIEW_CASES). */
export function caseQueueBody(v: AdminView, queue: CaseQueue, showing: 'open' | 'all', reviewCases = true): Raw {
  const rows = queue.rows;
  const shownHeld = rows.filter((s) => s.c.severity === 'hold').length;
  const shownReview = rows.length - shownHeld;
  const counts = (what: string, shown: number, all: number) => html`${all} ${what}${all === shown ? '' : html` (the first ${shown} shown)`}`;
  return html`<p><a href="/admin/moderation/actions">Actions and appeals</a> (blocks, restrictions, freezes, removals)</p>
<p>${showing === 'open' ? html`Open cases: held messages first, the longest waiting first (each withholds a message until you decide), then messages delivered and flagged for review, newest first. <a href="/admin/moderation?status=all">Show decided cases too</a>` : html`All cases, newest first. <a href="/admin/moderation">Show open cases only</a>`}</p>
<p role="status" class="queue-count">${queue.concerns ? html`${queue.concerns} welfare concern${queue.concerns === 1 ? '' : 's'}${showing === 'open' ? ' (first)' : ''}; ` : ''}${counts(showing === 'open' ? 'held, waiting' : 'held', shownHeld, queue.held)}; ${counts('for review', shownReview, queue.review)}.</p>
${reviewCases ? '' : html`<p class="hint">Review-level flags are switched off on this server (MODERATION_REVIEW_CASES=false): only held messages open cases.</p>`}
${rows.length
  ? html`<div class="table-wrap"><table><caption class="visually-hidden">Moderation cases</caption>
<thead><tr><th scope="col">Opened</th><th scope="col">Severity</th><th scope="col">Labels (score)</th><th scope="col">Room</th><th scope="col">Sender</th><th scope="col">Recipients</th><th scope="col">Flagged by</th><th scope="col">Status</th></tr></thead>
<tbody>${rows.map(
      (s) => html`<tr><td><a href="/admin/moderation/cases/${s.c.id}">${v.dateTime(s.c.createdAt)}</a></td><td>${s.c.labels.includes(CONCERN_LABEL) ? html`<strong>welfare concern</strong>${s.c.severity === 'hold' ? ', held' : ''}` : s.c.severity === 'hold' ? html`<strong>held</strong>` : 'review'}</td><td>${labelList(s.c)}</td><td>${roomText(s)}</td><td>${partyText(s.sender)}</td><td>${s.others ? html`${s.others.map((p, i) => html`${i ? '; ' : ''}${partyText(p)}`)}` : html`${s.room.members - 1} members`}</td><td><code>${s.c.modelVersion}</code></td><td>${outcome(s.c)}</td></tr>`,
    )}</tbody></table></div>`
  : html`<p class="hint">No cases.</p>`}`;
}

function contextItem(m: Message, names: Map<string, string>, v: AdminView, flagged: boolean): Raw {
  const body = m.deletedAt ? html`<em>deleted</em>` : formatMessage(m.body);
  return html`<li${flagged ? html` class="flagged"` : ''}><strong>${names.get(m.senderId) ?? 'Former member'}</strong> · <time>${v.dateTime(m.createdAt)}</time>${flagged ? html` <span class="pill">flagged${m.held ? ', held' : ''}</span>` : ''}<div class="body">${body}</div></li>`;
}

/** What an officer filled in on the decision form (shown again when the decision was refused). */
export interface DecisionForm {
  decision: 'release' | 'uphold';
  reason: string;
  labels: readonly string[];
}

/** `next`: once decided, the next open case's id (null: none left; undefined: not asked). */
export function caseBody(v: AdminView, cv: CaseView, names: Map<string, string>, next?: string | null, form?: DecisionForm): Raw {
  const checked = (on: boolean) => (on ? html` checked` : '');
  const c = cv.c;
  const base = `/admin/moderation/cases/${c.id}`;
  const decision = c.status === 'open' && isConcernOnly(c)
    ? html`<section aria-labelledby="decide-h"><h2 id="decide-h">Close the concern</h2>
<form method="post" action="${base}/decide" class="stack narrow">${csrfField(v)}${cv.message ? html`<input type="hidden" name="rev" value="${cv.message.rev}">` : ''}
<input type="hidden" name="decision" value="release"><input type="hidden" name="judged" value="1">
<p class="hint">Closing takes no action on the message or its writer, who is not told. A disclosure is not harm: there is nothing to uphold here, and it is kept for retraining as a harmless message.</p>
<label for="reason">What was done for the writer (recorded in the audit log)</label><textarea id="reason" name="reason" required maxlength="2000" rows="3" placeholder="e.g. Referred to the designated safeguarding lead on 28 Nov; student counsellor to contact her">${form?.reason ?? ''}</textarea>
<button type="submit">Continue</button>
</form></section>`
    : c.status === 'open'
    ? html`<section aria-labelledby="decide-h"><h2 id="decide-h">Decision</h2>
<form method="post" action="${base}/decide" class="stack narrow">${csrfField(v)}${cv.message ? html`<input type="hidden" name="rev" value="${cv.message.rev}">` : ''}
<fieldset><legend>Outcome</legend>
<label><input type="radio" name="decision" value="release" required${checked(form?.decision === 'release')}> Release${c.severity === 'hold' ? ': deliver the held message to the room now' : ': no action, the message stays'}</label>
<label><input type="radio" name="decision" value="uphold"${checked(form?.decision === 'uphold')}> Uphold: remove the message${c.severity === 'hold' ? ' (it stays hidden from everyone but its sender)' : ''}</label>
</fieldset>
<fieldset><legend>Labels that apply</legend>
<p class="hint">Tick what the message really does, whatever the model flagged; none for a harmless message (an upheld one needs at least one). Kept with the case to retrain the model on your decisions; never shown to the sender.</p>
<input type="hidden" name="judged" value="1">${/* nothing pre-ticked: an officer who only agrees with the model teaches it nothing, and a release must not record the model's labels by default */ ''}
${LABELS.map((l) => html`<label><input type="checkbox" name="labels" value="${l}"${checked(!!form?.labels.includes(l))}> <span>${LABEL_TEXT[l]}${c.labels.includes(l) ? html` <span class="pill">flagged by the model</span>` : ''}</span></label>`)}
</fieldset>
<label for="reason">Reason (recorded in the audit log)</label><textarea id="reason" name="reason" required maxlength="2000" rows="3">${form?.reason ?? ''}</textarea>
<button type="submit">Continue</button>
</form></section>`
    : html`<p><strong>Decided:</strong> ${outcome(c)} by ${names.get(c.decidedBy ?? '') ?? c.decidedBy} on ${c.decidedAt ? v.dateTime(c.decidedAt) : ''}. Reason: ${c.reason}</p>
<p><strong>Labels judged:</strong> ${judgedText(c.judgedLabels)}</p>
${next === undefined ? '' : next ? html`<p class="link-row"><a href="/admin/moderation/cases/${next}">Next open case →</a></p>` : html`<p class="hint">No open cases left. <a href="/admin/moderation">Back to the queue</a></p>`}`;
  const actions = cv.actions.length
    ? html`<section aria-labelledby="actions-h"><h2 id="actions-h">Actions citing this case</h2><ul>${cv.actions.map(
        (s) => html`<li><a href="/admin/moderation/actions/${s.id}">${KIND_TEXT[s.kind]}</a>: ${STATUS_TEXT[s.status]}${s.decisionReason ? html` (reason: ${s.decisionReason})` : ''}</li>`,
      )}</ul>${cv.actions.some((s) => s.status === 'overturned') ? html`<p class="hint">An overturned action restored the message: it was delivered even though this case was decided as upheld.</p>` : ''}</section>`
    : '';
  const risk = c.labels.includes('grooming_risk')
    ? html`<p class="notice">Held by the conversation-level grooming risk (${pct(c.scores.grooming_risk)}): this sender's recent messages to a student under 18, taken together, reached its threshold, not this message alone.</p>`
    : '';
  // A worry for the writer is a referral, not an accusation (report.ts CONCERN_LABEL).
  // Only a case that is nothing but the worry is "not a complaint": one that a member also reported as
  // harmful, or the model flagged, is a complaint too, and must be decided as one (review s14).
  const alsoComplaint = c.labels.some((l) => l !== CONCERN_LABEL);
  const concern = c.labels.includes(CONCERN_LABEL)
    ? html`<p class="notice" role="note"><strong>Welfare concern:</strong> a member is worried about the person who wrote this message${cv.sender?.minor ? html` (<strong>under 18</strong>)` : ''}: they may be in danger or need help. Follow the university's child-protection and welfare procedure for them. ${alsoComplaint ? html`<strong>This case is also a complaint</strong> (${labelList(c)}): decide on the message as for any report; the worry does not make it harmless.` : 'This is not a complaint against the writer: releasing the case takes no action on the message or its writer.'}</p>`
    : '';
  const related = cv.related.length
    ? html`<section aria-labelledby="rel-h"><h2 id="rel-h">The sender's other open cases in this room</h2><p class="hint">Their messages are left out of the context window above; each is decided on its own page.</p><ul>${cv.related.map(
        (x) => html`<li><a href="/admin/moderation/cases/${x.id}">${v.dateTime(x.createdAt)}</a>: ${x.severity === 'hold' ? 'held' : 'review'}, ${labelList(x)}</li>`,
      )}</ul></section>`
    : '';
  return html`${concern}${risk}<dl class="facts">
<dt>Severity</dt><dd>${c.severity === 'hold' ? (c.towardsMinor ? 'held before delivery' : 'held: hidden from everyone but its sender (before delivery, or found in the history of a room a student under 18 joined)') : 'delivered, flagged for review'}</dd>
<dt>Labels</dt><dd>${labelList(c)}</dd>
<dt>Room</dt><dd>${roomText(cv)}</dd>
<dt>Sender</dt><dd>${partyText(cv.sender)}${cv.sender ? html`<br><span class="hint">${cv.sender.email}${cv.sender.matricNo ? ` · matric ${cv.sender.matricNo}` : ''}</span>` : ''}</dd>
<dt>Recipients</dt><dd>${cv.others ? html`${cv.others.map((p, i) => html`${i ? '; ' : ''}${partyText(p)}`)}` : html`${cv.room.members - 1} members`}</dd>
<dt>Flagged by</dt><dd><code>${c.modelVersion}</code></dd>
<dt>Opened</dt><dd>${v.dateTime(c.createdAt)}</dd>
</dl>
<section aria-labelledby="msg-h"><h2 id="msg-h">Flagged message and context</h2>
<p class="hint">Only the flagged message and up to three messages either side are shown. This view is recorded in the audit log.</p>
${!cv.message || cv.message.body !== c.text ? html`<p><strong>Text when flagged</strong> (the message has since been edited or deleted):</p><blockquote class="flagged-text">${formatMessage(c.text)}</blockquote>` : ''}
${cv.message
  ? html`<ol class="case-context">${cv.before.map((m) => contextItem(m, names, v, false))}${contextItem(cv.message, names, v, true)}${cv.after.map((m) => contextItem(m, names, v, false))}</ol>`
  : html`<p><em>The message no longer exists.</em></p>`}
</section>
${related}${decision}${actions}`;
}
