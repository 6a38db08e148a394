/**
 * Chat renderers. Each fragment has exactly one renderer, used both for full pages (HTTP) and for
 * WebSocket pushes (wrapped in <hx-partial> by views/partials.ts). Per-viewer touches ("mine",
 * "mentions me") are applied by the client from data attributes, because one pushed fragment
 * serves every member of a room.
 */
import { pinsBar } from './pins';
import { html, type Raw } from '../server/http/html';
import { GONE_QUOTE, quoteExcerpt } from './quote-text';
import type { Message, ReactionCount, Room } from '../server/store/types';
import { REACTIONS, reactionName } from './reaction-set';
import { pollBox, pollOf, pollQuestion, type PollView } from './polls';
import { announceBar, leadMark } from './posting';
import { formatMessage } from './format';
import { callSlot } from './calls';
import { attachControl, fileBody, fileMeta, uploadsArea } from './files';
import { HISTORY_PAGE, MAX_MESSAGE_CHARS } from '../server/features/chat/limits';

export interface Sender {
  id: string;
  name: string;
}

export interface TimeFormat {
  time: (ms: number) => string;
  dateTime: (ms: number) => string;
}

export function timeFormat(timeZone: string): TimeFormat {
  const t = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit' });
  const dt = new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' });
  return { time: (ms) => t.format(ms), dateTime: (ms) => dt.format(ms) };
}

export const logId = (roomId: string) => `log-${roomId}`;
export const messageId = (id: string) => `m-${id}`;

/**
 * `hidden`: the tombstone of a message safeguarding hid from this viewer. It only replaces a copy the
 * page already shows (`data-replace-only`): a page that never showed the message shows no trace of it.
 */
/** What a reply shows of the message it answers (server/features/chat/replies.ts); `text` null: deleted or held, so not shown. */
export interface Quote {
  id: string;
  roomId: string;
  seq: number;
  rev: number;
  sender: string;
  text: string | null;
}

/**
 * A reply's quote: a link to the answered message (in the page when it is loaded, else the page of
 * history that ends with it). `q` null: the answered message is gone. `data-rev` lets an open page
 * update it when the answered message changes (views/client/replies.ts).
 */
export function quoteOf(replyTo: string, q: Quote | null): Raw {
  // The rev it went at (hidden or deleted): a page shows it again only for a newer one (a release: views/client/replies.ts).
  if (!q || q.text === null) return html`<p class="quote gone" data-reply-to="${replyTo}"${q ? html` data-rev="${q.rev}"` : ''}>${GONE_QUOTE}</p>`;
  return html`<a class="quote" href="/rooms/${q.roomId}?before=${q.seq + 1}#${messageId(q.id)}" data-reply-to="${q.id}" data-rev="${q.rev}"><span class="visually-hidden">In reply to </span><strong class="quote-who">${q.sender}</strong> <span class="quote-text">${quoteExcerpt(q.text)}</span></a>`;
}

/** Who changed a reaction, in a push every member gets: each page keeps its own pressed chips and applies this when it is hers. */
export interface ReactionActor {
  userId: string;
  emoji: string;
  on: boolean;
}

export interface ReactionView {
  list?: readonly ReactionCount[];
  /** `mine` is for this render's one viewer (a page, a replay, an answer to her): chips say whether they are pressed. */
  forViewer: boolean;
  /** In a push to the room: whose reaction changed (each page applies it when it is its own person's). */
  actor?: ReactionActor;
  /** When the counts were read: a page keeps the newest it has seen of a message (pushes may cross). */
  at: number;
}

export interface ArticleExtras {
  /** For a reply, what it answers (null: gone); undefined for a message that answers none. */
  quote?: Quote | null;
  reactions?: ReactionView;
  /** For a poll: its tally and for whom it is rendered (views/polls.ts). */
  poll?: PollView;
}

export const reactionsId = (messageId: string) => `rx-${messageId}`;

/**
 * A message's reactions: chips in the set's order, each the emoji and how many, pressed when the
 * viewer is among them (only where the render is for one viewer: a push to the room leaves it to
 * each page, views/client/reactions.ts). Empty when there are none (a page keeps it, for its time).
 */
export function reactionBox(messageId: string, v: ReactionView): Raw {
  const chips = REACTIONS.flatMap((r) => v.list?.find((c) => c.emoji === r.emoji && c.count > 0) ?? []);
  const by = v.actor ? html` data-actor="${v.actor.userId}" data-actor-emoji="${v.actor.emoji}" data-actor-on="${v.actor.on ? '1' : '0'}"` : '';
  return html`<div class="reactions" data-for="${messageId}" data-at="${v.at}"${by}>${chips.map((c) => html`<button type="button" class="rx" data-emoji="${c.emoji}"${v.forViewer ? html` aria-pressed="${c.mine ? 'true' : 'false'}"` : ''} aria-label="${reactionName(c.emoji)}: ${c.count}">${c.emoji} <span class="n">${c.count}</span></button>`)}</div>`;
}

export function messageArticle(m: Message, sender: Sender, tf: TimeFormat, hidden = false, extras: ArticleExtras = {}): Raw {
  const { quote } = extras;
  if (hidden) m = { ...m, body: '', mentions: [], meta: null, deletedAt: m.deletedAt ?? m.createdAt };
  const attrs = html`id="${messageId(m.id)}" data-seq="${m.seq}" data-rev="${m.rev}" data-sender="${m.senderId}" data-client-id="${m.clientId}" data-mentions="${m.mentions.join(' ')}"${hidden ? html` data-replace-only` : ''}`;
  const head = html`<header><strong class="who">${sender.name}</strong> <time datetime="${new Date(m.createdAt).toISOString()}" title="${tf.dateTime(m.createdAt)}">${tf.time(m.createdAt)}</time>${m.editedAt && !m.deletedAt ? html` <span class="edited">(edited)</span>` : ''}</header>`;
  if (m.deletedAt) {
    // Removed by someone else (a room's owner or moderator, an administrator): members see that it
    // was not the sender's own choice (QA). A safeguarding tombstone says nothing more than deleted.
    const byOther = !hidden && m.deletedBy !== null && m.deletedBy !== m.senderId;
    return html`<article class="msg deleted" ${attrs}>${head}<p class="body"><em>${byOther ? 'This message was removed by a moderator.' : 'This message was deleted.'}</em></p></article>`;
  }
  // Named with whose message it is: a screen reader's list of buttons otherwise reads "Report, Report,
  // Report" (QA). The visible word starts the name, so voice control still finds it.
  const act = (cls: string, action: string, word: string) => html`<button type="button" class="link ${cls}" data-action="${action}" aria-label="${word} message from ${sender.name}">${word}</button>`;
  // Held messages are only ever rendered for their sender (the store hides them from everyone else).
  const held = m.held ? html`<p class="held-notice" role="note">Held for review: only you can see this message. A safeguarding officer delivers it, or removes it and sends you a notice saying why.</p>` : '';
  const file = m.kind === 'file' ? fileMeta(m.meta) : null;
  const quoted = m.replyTo && quote !== undefined ? quoteOf(m.replyTo, quote) : '';
  // Reply and React are offered on what everyone may see: a held message cannot be answered (replies.ts) or reacted to.
  // Pin too (shown where the page's reader may pin: CSS on the room's data-can-pin).
  const reply = m.held ? '' : html`${act('reply', 'reply', 'Reply')} ${act('react', 'react', 'React')} ${act('pin', 'pin', 'Pin')} `;
  // Only a message with reactions carries the box (a page of 50 messages would carry 50 empty ones).
  const chips = extras.reactions?.list?.length ? reactionBox(m.id, extras.reactions) : '';
  const poll = pollOf(m);
  // A poll is not edited (its answers carry votes): Delete and Report only.
  if (poll) return html`<article class="msg poll-msg${m.held ? ' held' : ''}" ${attrs}>${head}${quoted}<div class="body">${pollQuestion(poll)}</div>${pollBox(m, poll, extras.poll ?? { forViewer: false, at: 0 })}${held}${chips}<div class="actions">${reply}${act('del', 'delete', 'Delete')} ${act('report', 'report', 'Report')}</div></article>`;
  if (file) return html`<article class="msg file-msg${m.held ? ' held' : ''}" ${attrs}>${head}${quoted}${fileBody(file)}${held}${chips}<div class="actions">${reply}${act('del', 'delete', 'Delete')} ${act('report', 'report', 'Report')}</div></article>`;
  return html`<article class="msg${m.held ? ' held' : ''}" ${attrs}>${head}${quoted}<div class="body">${formatMessage(m.body)}</div>${held}${chips}<p class="state" aria-hidden="true">Sent</p><div class="actions">${reply}${act('edit', 'edit', 'Edit')} ${act('del', 'delete', 'Delete')} ${act('report', 'report', 'Report')}</div></article>`;
}

/** The "load older" trigger at the top of a log: fetched when scrolled into view. */
export function olderSentinel(roomId: string, beforeSeq: number): Raw {
  return html`<div class="older" id="older-${roomId}" hx-get="/rooms/${roomId}/messages?before=${beforeSeq}" hx-trigger="intersect once" hx-swap="outerHTML"><a href="/rooms/${roomId}?before=${beforeSeq}">Load older messages</a></div>`;
}

export function historyChunk(roomId: string, articles: Raw[], oldestSeq: number | null, more: boolean): Raw {
  return html`${more && oldestSeq !== null ? olderSentinel(roomId, oldestSeq) : html`<p class="start">This is the start of the conversation.</p>`}${articles}`;
}

export interface RoomSummary {
  room: Room;
  title: string;
  unread: number;
  mentions: number;
  lastReadSeq: number;
  /** A call is in progress in the room (on this node): the entry says so. */
  call?: boolean;
}

export const roomCallBadgeId = (roomId: string) => `rl-call-${roomId}`;

/**
 * "Call in progress" on a room's entry in the room list, so that a DM call (or a lecture started
 * while one reads another room) is seen from anywhere; pushed with every call-state change.
 */
export function roomCallBadge(roomId: string, active: boolean): Raw {
  return html`<span class="badge call-badge" id="${roomCallBadgeId(roomId)}" ${active ? '' : 'hidden'} title="Call in progress">📞<span class="visually-hidden"> call in progress</span></span>`;
}

export function roomListItem(s: RoomSummary, current: boolean): Raw {
  const label = s.room.kind === 'course' && s.room.code ? `${s.room.code} · ${s.title}` : s.title;
  return html`<li id="rl-${s.room.id}" data-room="${s.room.id}" data-last-read="${s.lastReadSeq}" class="${s.room.kind}${s.room.archived ? ' archived' : ''}">
<a href="/rooms/${s.room.id}"${current ? html` aria-current="page"` : ''}><span class="name">${label}</span>${s.room.archived ? html` <span class="archived-tag">archived</span>` : ''}
${roomCallBadge(s.room.id, !!s.call)}
<span class="badge mention-badge" ${s.mentions ? '' : 'hidden'}><span class="visually-hidden">mentions: </span><span aria-hidden="true">@</span><span class="n">${s.mentions}</span></span>
<span class="badge unread-badge" ${s.unread ? '' : 'hidden'}><span class="n">${s.unread}</span><span class="visually-hidden"> unread</span></span></a></li>`;
}

export function roomListItems(list: RoomSummary[], currentId: string | null): Raw {
  return html`${list.length ? list.map((s) => roomListItem(s, s.room.id === currentId)) : html`<li class="empty">No conversations yet.</li>`}`;
}

export function roomNav(list: RoomSummary[], currentId: string | null, canCreateRooms: boolean): Raw {
  return html`<nav aria-label="Rooms" class="room-nav">
<div class="nav-head"><h2>Rooms</h2><a href="/people" class="button-link">New message</a></div>
<form action="/search" method="get" role="search" class="search"><label for="q" class="visually-hidden">Search messages</label><input id="q" name="q" type="search" placeholder="Search messages" maxlength="200"></form>
<ul id="room-list">${roomListItems(list, currentId)}</ul>
${canCreateRooms ? html`<p class="link-row"><a href="/rooms/new">Create a course room</a></p>` : ''}
</nav>`;
}

export interface RoomView {
  room: Room;
  /** Where the page's reconnect replay starts: every change up to it is in `articles` (store settledSeq). */
  lastRev: number;
  /** Reactions changed after this time are caught up when the page connects (server/features/chat/reactions.ts). */
  reactionsAt: number;
  title: string;
  articles: Raw[];
  oldestSeq: number | null;
  more: boolean;
  canModerate: boolean;
  /** Pins messages here (server/features/chat/pins.ts mayPin): Pin shows under messages, and Poll by the composer (the same people start polls). */
  canPin?: boolean;
  /** Posts in an announcements-only room (server/features/chat/posting.ts mayLead): else its composer hides while the room is one. */
  mayLead?: boolean;
  /** Pinned messages everyone may see, and when they were counted: the bar under the header. */
  pins?: { count: number; at: number };
  /** A safeguarding officer or administrator: still deletes in an archived room (messages.ts deleteMessage). */
  officer?: boolean;
  memberCount: number;
  /**
   * The page shows older messages (`?before=`: a search hit, or "Load older" without JavaScript):
   * a fixed window into the past. Live changes only update what it shows (`data-history`), and
   * the composer gives way to a link to the latest messages.
   */
  history?: boolean;
  /** Where the viewer had read to before opening the page: the client marks the first unread message after it. */
  lastReadSeq?: number;
  /** Unread messages older than this page (marked read by opening it): offered, not lost. */
  unreadAbove?: UnreadAbove | null;
  /** The viewer's @class mentions every member here (server/features/chat/mentions.ts): the composer says so. */
  mayCallClass?: boolean;
}

export interface UnreadAbove {
  count: number;
  mentions: number;
  /** `?before=` for the page of history that starts with the first of them. */
  before: number;
  firstId: string | null;
}

function unreadAboveBar(roomId: string, u: UnreadAbove): Raw {
  const what = `${u.count} unread message${u.count === 1 ? '' : 's'} above this page${u.mentions ? ` (${u.mentions} mentioning you)` : ''}.`;
  return html`<p class="notice unread-above" role="status">${what} <a href="/rooms/${roomId}?before=${u.before}${u.firstId ? `#m-${u.firstId}` : ''}">Read from the first unread</a></p>`;
}

export function roomMain(v: RoomView): Raw {
  const r = v.room;
  return html`<main class="room" id="room" data-room="${r.id}" data-last-rev="${v.lastRev}" data-rx-at="${v.reactionsAt}" data-can-moderate="${v.canModerate ? 'true' : 'false'}" data-can-pin="${v.canPin ? 'true' : 'false'}"${r.archived ? html` data-archived${v.officer ? html` data-officer` : ''}` : ''}${v.history ? html` data-history` : ''}${v.lastReadSeq !== undefined ? html` data-read-before="${v.lastReadSeq}"` : ''}>
<header class="room-head"><a href="/" class="back">Rooms</a><h1>${v.title}</h1>${r.kind === 'dm' ? '' : html`<a class="hint members-link" href="/rooms/${r.id}/members">${v.memberCount} member${v.memberCount === 1 ? '' : 's'}</a>`}${r.kind === 'course' ? html`<a class="hint members-link lectures-link" href="/rooms/${r.id}/lectures">Lectures</a>` : ''}${r.kind === 'group' ? html`<a class="leave" href="/rooms/${r.id}/leave">Leave group</a>` : ''}${r.archived ? '' : callSlot(r.id)}</header>
<div class="room-chat">
${pinsBar(r.id, v.pins?.count ?? 0, v.pins?.at ?? 0)}${v.unreadAbove ? unreadAboveBar(r.id, v.unreadAbove) : ''}${r.kind === 'course' && v.memberCount === 1 ? html`<p class="notice">Only you are in this room so far. Students are added by the university's administrators from the class list.</p>` : ''}<div class="log" role="log" aria-label="Messages" id="${logId(r.id)}">${historyChunk(r.id, v.articles, v.oldestSeq, v.more)}</div>
<ul class="outbox" id="outbox-${r.id}" aria-label="Messages not sent yet"></ul>
<div class="typing" id="typing-${r.id}"></div>
${announceBar(r)}${leadMark(r.id, !!v.mayLead)}${v.history
  ? html`<p class="notice history-bar" id="message" tabindex="-1">You are looking at older messages. <a href="/rooms/${r.id}">Go to the latest messages</a></p>`
  : r.archived
  ? html`<p class="notice" id="message" tabindex="-1">This room is archived: you can read it but not post.</p>`
  : html`<p class="replying" id="replying-${r.id}" role="status" hidden><span class="replying-text"></span> <button type="button" class="link" data-action="cancel-reply">Cancel reply</button></p>
<form class="composer" id="composer" method="post" action="/rooms/${r.id}/messages" hx-ws:send>
<input type="hidden" name="type" value="send"><input type="hidden" name="room" value="${r.id}"><input type="hidden" name="replyTo" value="">
<label for="message" class="visually-hidden">Message</label>
<textarea id="message" name="body" rows="1" data-max-chars="${MAX_MESSAGE_CHARS}" required placeholder="${v.mayCallClass ? 'Write a message (@class notifies everyone)' : 'Write a message'}"></textarea>
<button type="submit">Send</button>
</form><div class="composer-more">${attachControl(r.id)}${v.canPin ? html`<a class="poll-link button-link" href="/rooms/${r.id}/polls/new">Poll</a>` : ''}</div>${uploadsArea(r.id)}`}
<p class="alert" id="composer-error-${r.id}" role="alert" hidden></p>
</div>
${reportDialog()}
</main>`;
}

/**
 * What a member's Report asks (views/client/chat.ts opens it): harm done by the message, or worry
 * for its writer (a disclosure: "he touches me", "I don't want to live"), which the safeguarding
 * team takes up as a welfare concern, not as a case against the writer (report.ts).
 */
export function reportDialog(): Raw {
  return html`<dialog class="report-dialog" id="report-dialog" aria-labelledby="report-h">
<form method="dialog" class="stack">
<h2 id="report-h">Tell the safeguarding team</h2>
<p>They read this message with a few messages around it, and nothing else. Its writer is not told who told them.</p>
<button type="submit" value="harm" aria-describedby="report-harm-hint">This message is harmful</button>
<p class="hint" id="report-harm-hint">Sexual messages, harassment, threats, grooming or abuse.</p>
<button type="submit" value="concern" aria-describedby="report-concern-hint">I am worried about the person who wrote it</button>
<p class="hint" id="report-concern-hint">They may be in danger or need help. The team reaches out to them; nothing is held against them.</p>
<button type="submit" value="cancel" class="secondary">Cancel</button>
</form></dialog>`;
}

export function typingLine(roomId: string, user: Sender): Raw {
  return html`<span class="typer" data-user="${user.id}" data-name="${user.name}" data-room="${roomId}">${user.name} is typing…</span>`;
}

/**
 * Where a search hit opens: the room, at the message. A message older than the room's latest page
 * opens the older page around it (`?before=`), with about half a page after it.
 */
function hitHref(h: { message: Message; roomLastSeq: number }): string {
  const m = h.message;
  const anchor = `#${messageId(m.id)}`;
  if (m.seq > h.roomLastSeq - HISTORY_PAGE) return `/rooms/${m.roomId}${anchor}`;
  return `/rooms/${m.roomId}?before=${Math.min(m.seq + HISTORY_PAGE / 2, h.roomLastSeq + 1)}${anchor}`;
}

/** `problem`: why there are no results to show (the search was refused or had no word to look for). */
export function searchResults(q: string, hits: { message: Message; sender: Sender; roomTitle: string; roomLastSeq: number }[], tf: TimeFormat, problem?: string): Raw {
  return html`<main class="card wide"><h1>Search</h1>
<form action="/search" method="get" role="search" class="stack"><label for="sq">Search messages</label><input id="sq" name="q" type="search" value="${q}" maxlength="200"><button type="submit">Search</button></form>
${problem ? html`<p class="error" role="alert">${problem}</p>` : q ? html`<p role="status">${hits.length} result${hits.length === 1 ? '' : 's'}</p>` : ''}
<ol class="results">${hits.map((h) => html`<li><a href="${hitHref(h)}"><strong>${h.roomTitle}</strong></a> · ${h.sender.name} · <time>${tf.dateTime(h.message.createdAt)}</time><div class="body">${formatMessage(h.message.body)}</div></li>`)}</ol>
<p class="link-row"><a href="/">Back to rooms</a></p></main>`;
}
