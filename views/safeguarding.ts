/**
 * What a person affected by a safeguarding action sees (/safeguarding): for each action, the
 * reason, the evidence excerpt, the policy clause, the deadline, a statement form while one is
 * accepted, and the outcome with its reasons. Plain language; works without JavaScript.
 */
import { html, type Raw } from '../server/http/html';
import type { Sanction } from '../server/store/types';
import { clauseById } from '../server/features/moderation/policy-clauses';
import { MAX_STATEMENT } from '../server/features/moderation/hearing';
import type { TimeFormat } from './chat';
import { formatMessage } from './format';
import { withNoticesLink } from './partials';

export interface NoticeView {
  s: Sanction;
  /** Room name, for freezes and for where the evidence came from. */
  roomName: string | null;
  canRespond: boolean;
  /** The statement (if any) is this viewer's own: only its author (and officers) read its text. */
  ownStatement: boolean;
  /** Why a statement can no longer be sent (shown instead of the form). */
  closedReason: string | null;
}

const TITLE: Record<Sanction['kind'], string> = {
  restriction: 'Your account is restricted',
  block: 'Your account is blocked',
  freeze: 'A room you answer for is frozen',
  removal: 'One of your messages was removed',
};

const EFFECT: Record<Sanction['kind'], string> = {
  restriction: 'You cannot post in conversations or rooms where a student under 18 is a member, or start a conversation with one, until a safeguarding officer has reviewed your held messages. You can still read.',
  block: 'You can sign in and read, but you cannot post, send files, join calls or start conversations anywhere.',
  freeze: 'Nobody can post in the room; members can still read it.',
  removal: 'The message is hidden from everyone else. This removal does not limit your account by itself.',
};

function outcome(s: Sanction, tf: TimeFormat, own: boolean): Raw {
  const when = s.decidedAt ? tf.dateTime(s.decidedAt) : '';
  switch (s.status) {
    case 'active':
      return html``;
    case 'appealed':
      return html`<p class="notice" role="status">${own ? 'Your statement was received' : 'A statement was received'}${s.statementAt ? html` on ${tf.dateTime(s.statementAt)}` : ''}. A safeguarding officer who did not take this decision will review it. Until then the decision stays in force.</p>`;
    case 'upheld':
      return html`<p class="alert" role="status"><strong>Decision reviewed on ${when}: it stands.</strong> Reason: ${s.decisionReason}</p>`;
    case 'overturned':
      return html`<p class="notice" role="status"><strong>Decision reviewed on ${when}: it was overturned</strong>: the action has ended, and messages it alone kept hidden are shown again. Reason: ${s.decisionReason}</p>`;
    case 'lifted':
      return html`<p class="notice" role="status"><strong>Lifted on ${when}</strong>: it no longer applies. Reason: ${s.decisionReason}</p>`;
  }
}

function notice(n: NoticeView, tf: TimeFormat): Raw {
  const { s } = n;
  const clause = clauseById(s.clause);
  const form = n.canRespond
    ? html`<form method="post" action="/safeguarding/${s.id}/statement" class="stack">
<label for="st-${s.id}">Your statement</label>
<p class="hint" id="st-hint-${s.id}">Explain what happened, in your own words. An officer who did not take this decision will read it. Up to ${MAX_STATEMENT} characters; you can send one statement.</p>
<textarea id="st-${s.id}" name="statement" rows="6" maxlength="${MAX_STATEMENT}" required aria-describedby="st-hint-${s.id}"></textarea>
<button type="submit">Send statement and appeal</button>
</form>`
    : n.closedReason ? html`<p class="hint">${n.closedReason}</p>` : '';
  return html`<article class="card sanction-notice" id="notice-${s.id}" aria-labelledby="nt-${s.id}">
<h2 id="nt-${s.id}">${TITLE[s.kind]}${s.kind === 'freeze' && n.roomName ? html`: ${n.roomName}` : ''}</h2>
<p>${EFFECT[s.kind]}</p>
<dl class="facts">
<dt>Date</dt><dd>${tf.dateTime(s.createdAt)}</dd>
<dt>Decided by</dt><dd>${s.actorId ? 'a safeguarding officer' : 'the automatic safeguarding check (an officer will review it)'}</dd>
<dt>Reason</dt><dd>${s.reason}</dd>
<dt>Policy</dt><dd>${clause ? html`${clause.id} · ${clause.title}: ${clause.text}` : s.clause}</dd>
<dt>Evidence</dt><dd><blockquote class="flagged-text">${formatMessage(s.evidence)}</blockquote></dd>
${n.roomName && s.kind !== 'freeze' ? html`<dt>Where</dt><dd>${n.roomName}</dd>` : ''}
<dt>Respond by</dt><dd>${tf.dateTime(s.deadline)}</dd>
</dl>
${s.statement && n.ownStatement ? html`<p>Your statement:</p><blockquote class="statement">${formatMessage(s.statement)}</blockquote>` : ''}
${s.statement && !n.ownStatement ? html`<p>Another person who answers for this room sent a statement${s.statementAt ? html` on ${tf.dateTime(s.statementAt)}` : ''}; only they and the safeguarding officers read it.</p>` : ''}
${outcome(s, tf, n.ownStatement)}
${form}
</article>`;
}

export function safeguardingPage(notices: NoticeView[], tf: TimeFormat, opts: { status?: string | null; error?: string | null } = {}): Raw {
  return html`<main class="page safeguarding" id="main">
<h1>Safeguarding notices</h1>
<p>These are decisions the university's safeguarding team took about your account or rooms you own. You have the right to respond to each one: your statement goes to an officer who did not take the decision.</p>
${opts.status ? html`<p class="notice" role="status">${opts.status}</p>` : ''}${opts.error ? html`<p class="alert" role="alert">${opts.error}</p>` : ''}
${notices.length ? notices.map((n) => notice(n, tf)) : html`<p class="hint">You have no safeguarding notices.</p>`}
<p class="link-row"><a href="/">Back to your rooms</a></p>
</main>`;
}

/**
 * For officers: welfare concerns and held messages waiting for a decision (each held one withholds a
 * message from its room). `w` undefined: not an officer, nothing to say.
 */
export function heldWaitingBanner(w: { held: number; concerns: number } | undefined): Raw {
  if (!w || (!w.held && !w.concerns)) return html``;
  const parts = [
    w.concerns ? (w.concerns === 1 ? 'A member is worried about someone’s welfare' : `${w.concerns} welfare concerns wait`) : '',
    w.held ? `${w.held === 1 ? 'a held message waits' : `${w.held} held messages wait`} for a safeguarding decision` : '',
  ].filter(Boolean);
  const text = parts.join('; ');
  return html`<p class="alert banner" role="status">${text.charAt(0).toUpperCase() + text.slice(1)}. <a href="/admin/moderation">Open the queue</a></p>`;
}

/**
 * The link at the top of the app while a safeguarding notice applies to this account, in a slot
 * that is always there (empty without a notice): an action that starts or ends pushes its new
 * content (sanctions.ts), so an open page neither misses a new notice nor keeps one that ended (QA).
 */
export const NOTICE_BANNER_ID = 'safeguarding-notices';
export const noticeBanner = (count: number): Raw => html`<div id="${NOTICE_BANNER_ID}">${noticeBannerText(count)}</div>`;

export function noticeBannerText(count: number): Raw {
  if (!count) return html``;
  return html`<p class="alert banner" role="status">You have ${count === 1 ? 'a safeguarding notice' : `${count} safeguarding notices`}. <a href="/safeguarding">Read and respond</a></p>`;
}

/**
 * The two slots on a room's page that say why the viewer cannot post there: the room's freeze
 * (pushed to the room's members) and the viewer's own block or restriction (pushed to the viewer
 * alone; the same line in every room). Two slots, not one, so that a push of one never overwrites
 * the other: with one slot, a refresh of the account line computed just before a freeze could land
 * just after the freeze's push and empty the "frozen" line. Both lines may show: both are true.
 */
export const postingBannerId = (roomId: string) => `posting-${roomId}`;
export const ACCOUNT_POSTING_ID = 'posting-account';

/** What a slot shows: the refusal (restrictions.ts REFUSALS), or nothing. Also the live pushes' content. */
export function postingBannerText(refusal: string | null): Raw {
  if (!refusal) return html``;
  return html`<p class="alert banner" role="status">${withNoticesLink(refusal)}</p>`;
}

/**
 * Both slots, always present, so that a freeze, a block or a restriction that starts or ends while
 * the page is open fills or empties them (posting-banner.ts).
 */
export function postingBanner(roomId: string, frozen: string | null, account: string | null): Raw {
  return html`<div id="${postingBannerId(roomId)}">${postingBannerText(frozen)}</div><div id="${ACCOUNT_POSTING_ID}">${postingBannerText(account)}</div>`;
}
