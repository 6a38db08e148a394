/**
 * Polls (server/features/chat/polls.ts): the question in its message, the box of answers (one
 * renderer for the page, a replay and the push after every vote or close), the form that starts one
 * and the page of who chose what. Everything typed is escaped (the html template).
 */
import { html, type Raw } from '../server/http/html';
import type { Message, PollTally } from '../server/store/types';
import type { TimeFormat } from './chat';
import type { PollResults } from '../server/features/chat/polls';

/** A poll as its message carries it (polls.ts pollOf). */
export interface Poll {
  question: string;
  options: string[];
  multiple: boolean;
  anonymous: boolean;
  /** Results when it closes (a quiz): until then only its writer sees the counts. */
  hidden: boolean;
}

/** The poll a message carries (its body: the question, then one answer per line; its meta: how it is voted), or null for any other message. */
export function pollOf(m: Message): Poll | null {
  if (m.kind !== 'poll') return null;
  const [question = '', ...options] = m.body.split('\n');
  return { question, options, multiple: m.meta?.multiple === true, anonymous: m.meta?.anonymous === true, hidden: m.meta?.hidden === true };
}

export interface PollView {
  /** Undefined: nobody voted yet and it is open. */
  tally?: PollTally;
  /** The render is for one reader (a page, a replay, her own push): her choices are marked (aria-pressed). A push to the room carries none: each page keeps its own (views/client/polls.ts). */
  forViewer: boolean;
  /** When the counts were read: a page keeps the newest box it has seen of a poll. */
  at: number;
  /** Who the render is for, when for one reader: a poll whose results wait for its close shows its writer the counts meanwhile. */
  viewerId?: string;
}

/** The counts of each answer are shown in this render (else only how many voted). */
export const countsShown = (m: Message, poll: Poll, v: Pick<PollView, 'tally' | 'viewerId'>) => !poll.hidden || v.tally?.closedAt != null || (v.viewerId !== undefined && v.viewerId === m.senderId);

export const pollBoxId = (messageId: string) => `poll-${messageId}`;

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The question, where a message's text goes. */
export function pollQuestion(poll: Poll): Raw {
  return html`<p class="poll-q"><span aria-hidden="true">📊</span> <strong>${poll.question}</strong></p>`;
}

/**
 * The answers, each a button with its count and a bar of its share of the voters, then how many
 * voted and how it is voted. A held poll (for its sender only) is shown but cannot be voted in.
 */
export function pollBox(m: Message, poll: Poll, v: PollView): Raw {
  const t = v.tally;
  const closed = t?.closedAt != null;
  const open = !closed && !m.held;
  const voters = t?.voters ?? 0;
  const counts = countsShown(m, poll, v);
  const items = poll.options.map((text, i) => {
    const n = t?.counts[i] ?? 0;
    const pressed = v.forViewer ? html` aria-pressed="${t?.mine.includes(i) ? 'true' : 'false'}"` : '';
    const label = counts ? `${text}: ${plural(n, 'vote', 'votes')}` : text;
    return html`<li><button type="button" class="poll-opt" data-action="vote" data-option="${i}"${pressed}${open ? '' : ' disabled'} aria-label="${label}"><span class="poll-text">${text}</span>${counts ? html` <span class="n">${n}</span>` : ''}</button>${counts ? html`<progress max="${Math.max(voters, 1)}" value="${n}" aria-hidden="true"></progress>` : ''}</li>`;
  });
  const how = [poll.multiple ? 'Choose any' : 'Choose one', poll.anonymous ? 'anonymous' : 'names shown', ...(poll.hidden && !closed ? [counts ? 'results shown to you until it closes' : 'results when it closes'] : [])].join(', ');
  const who = voters && counts ? html` · <a href="/rooms/${m.roomId}/polls/${m.id}">${poll.anonymous ? 'Results' : 'Who voted'}</a>` : '';
  // The separator goes with the button: CSS hides both from those who may not close it.
  const state = closed ? html` · <strong>Closed</strong>` : open ? html`<span class="close-poll"> · <button type="button" class="link" data-action="close-poll">Close poll</button></span>` : '';
  // The reader's choices have their own time: a page keeps the newest of them apart from the counts' (views/client/polls.ts).
  const marks = v.forViewer ? html` data-marks-at="${v.at}"` : '';
  return html`<div class="poll" id="${pollBoxId(m.id)}" data-for="${m.id}" data-at="${v.at}"${marks}${closed ? ' data-closed' : ''}>
<ul class="poll-options" aria-label="Answers">${items}</ul>
<p class="poll-foot hint">${plural(voters, 'person', 'people')} voted · ${how}${who}${state}</p></div>`;
}

export interface NewPollValues {
  question?: string;
  options?: readonly string[];
  multiple?: boolean;
  anonymous?: boolean;
  hidden?: boolean;
  clientId: string;
}

/** Answer fields shown at first; more open under "More answers" (a phone's screen is short). */
const SHOWN_OPTIONS = 4;

/**
 * The form that starts a poll (GET /rooms/:id/polls/new), a plain form: it works on any phone. A
 * refused poll comes back with what was typed and why. `clientId` makes a form sent twice (a
 * double tap, a retry on a bad line) one poll.
 */
export function newPollPage(room: { id: string }, title: string, v: NewPollValues, limits: { options: number; question: number; option: number }, error?: string | null): Raw {
  const opts = Array.from({ length: limits.options }, (_, i) => v.options?.[i] ?? '');
  const field = (value: string, i: number) =>
    html`<label for="opt-${i}">Answer ${i + 1}${i < 2 ? '' : ' (optional)'}</label><input id="opt-${i}" name="option" maxlength="${limits.option * 2}" value="${value}"${i < 2 ? ' required' : ''}>`;
  const more = opts.slice(SHOWN_OPTIONS).some(Boolean);
  return html`<main class="card"><h1>New poll in ${title}</h1>${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="/rooms/${room.id}/polls" class="stack">
<input type="hidden" name="clientId" value="${v.clientId}">
<label for="question">Question</label><input id="question" name="question" required maxlength="${limits.question * 2}" value="${v.question ?? ''}" placeholder="Which day suits you for the make-up test?">
${opts.slice(0, SHOWN_OPTIONS).map(field)}
<details${more ? ' open' : ''}><summary>More answers (up to ${limits.options})</summary><div class="stack">${opts.slice(SHOWN_OPTIONS).map((o, i) => field(o, i + SHOWN_OPTIONS))}</div></details>
<label class="check"><input type="checkbox" name="multiple" value="yes"${v.multiple ? ' checked' : ''}> People may choose several answers</label>
<label class="check"><input type="checkbox" name="anonymous" value="yes"${v.anonymous ? ' checked' : ''}> Anonymous: nobody sees who chose what, you neither</label>
<label class="check"><input type="checkbox" name="hidden" value="yes"${v.hidden ? ' checked' : ''}> Results when it closes: until then only you see the counts (a quiz)</label>
<button type="submit">Post the poll</button></form>
<p class="hint">Everyone in the room sees how many chose each answer as they vote (with Results when it closes: once you close it). Without Anonymous, members see who chose what. You, and the room’s owners and moderators, can close it: then nobody can vote.</p>
<p class="link-row"><a href="/rooms/${room.id}">Back to the room</a></p></main>`;
}

/** A poll's results (GET /rooms/:id/polls/:message): each answer's count, and who chose it unless the poll is anonymous. */
export function pollResultsPage(v: PollResults, title: string, tf: TimeFormat): Raw {
  const { message: m, poll } = v;
  const closed = v.tally?.closedAt != null ? html` Closed ${tf.dateTime(v.tally.closedAt)}.` : '';
  const answer = (text: string, i: number) => {
    const n = v.tally?.counts[i] ?? 0;
    const names = v.voters?.[i];
    const list = !names ? '' : names.length ? html`<ul class="plain">${names.map((p) => html`<li>${p.name}${p.matricNo ? html` <span class="hint">${p.matricNo}</span>` : ''}</li>`)}</ul>` : html`<p class="hint">Nobody.</p>`;
    return html`<section class="poll-voters"><h2>${text} <span class="hint">(${plural(n, 'vote', 'votes')})</span></h2>${list}</section>`;
  };
  return html`<main class="card wide"><h1>${poll.question}</h1>
<p class="hint">A poll in ${title}, ${tf.dateTime(m.createdAt)}. ${plural(v.tally?.voters ?? 0, 'person', 'people')} voted${v.voters ? '' : ' (anonymous: nobody sees who chose what)'}.${closed}</p>
${poll.options.map(answer)}
<p class="link-row"><a href="/rooms/${m.roomId}/polls/${m.id}/results.csv" download>Download the results (CSV)</a></p>
<p class="link-row"><a href="/rooms/${m.roomId}?before=${m.seq + 1}#m-${m.id}">Back to the poll</a></p></main>`;
}
