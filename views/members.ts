/**
 * A room's members (GET /rooms/:id/members): plain forms and links, so it works without scripts
 * and costs little on a slow line (100 people a page, a name filter for a large class).
 */
import { html, type Raw } from '../server/http/html';
import { MEMBERS_PAGE, type MemberList, type MemberRow } from '../server/features/chat/members';
import { alert } from './layout';

/** Below this many members the list fits a phone's screen or two: no search box. */
const FILTER_FROM = 20;
const ACCOUNT: Record<string, string> = { student: 'student', lecturer: 'lecturer', admin: 'staff' };
const ROOM_ROLE: Record<string, string> = { owner: 'Owner', moderator: 'Moderator' };

export interface MembersView {
  list: MemberList;
  q: string;
  error?: string | null;
  /** What the last change did, said once after its redirect. */
  done?: string | null;
  /** The add box's text after a refused add. */
  emails?: string;
}

function row(v: MemberList, r: MemberRow): Raw {
  const badge = ROOM_ROLE[r.roomRole];
  const actions: Raw[] = [];
  if (!r.you) actions.push(html`<form method="post" action="/dm"><input type="hidden" name="user" value="${r.id}"><button type="submit" aria-label="Message ${r.name}">Message</button></form>`);
  if (!r.you && v.canAppoint && r.roomRole !== 'owner') {
    const next = r.roomRole === 'moderator' ? 'member' : 'moderator';
    actions.push(html`<form method="post" action="/rooms/${v.room.id}/members/${r.id}/role"><input type="hidden" name="role" value="${next}"><button type="submit" class="link" aria-label="${next === 'moderator' ? `Make moderator: ${r.name}` : `Not a moderator: ${r.name}`}">${next === 'moderator' ? 'Make moderator' : 'Not a moderator'}</button></form>`);
  }
  if (!r.you && v.canManageGroup) {
    actions.push(html`<form method="post" action="/rooms/${v.room.id}/members/${r.id}/remove"><input type="hidden" name="confirm" value="no"><button type="submit" class="link" aria-label="Remove ${r.name} from the group">Remove</button></form>`);
  }
  return html`<li><span><strong>${r.name}</strong>${r.you ? ' (you)' : ''} <span class="hint">${ACCOUNT[r.accountRole] ?? r.accountRole}</span>${badge ? html` <span class="role-tag">${badge}</span>` : ''}</span>${actions.length ? html`<span class="member-actions">${actions}</span>` : ''}</li>`;
}

/** Who posts in the room (server/features/chat/posting.ts), for those who appoint its moderators. */
function announceForm(room: MemberList['room']): Raw {
  const leaders = room.kind === 'course' ? 'the lecturer and the moderators' : 'the owners and moderators';
  const now = room.announcementsOnly ? `Only ${leaders} post here; everyone else reads, reacts and votes.` : 'Everyone here posts.';
  return html`<form method="post" action="/rooms/${room.id}/announcements" class="stack announce-form"><p class="hint">${now}</p><input type="hidden" name="on" value="${room.announcementsOnly ? 'no' : 'yes'}"><button type="submit" class="secondary">${room.announcementsOnly ? 'Let everyone post' : `Only ${leaders} post (announcements)`}</button></form>`;
}

export function membersPage(v: MembersView): Raw {
  const { list } = v;
  const base = `/rooms/${list.room.id}/members`;
  const qs = (offset: number) => `${base}?${new URLSearchParams({ ...(v.q ? { q: v.q } : {}), offset: String(offset) })}`;
  const counted = v.q ? `${list.total} match${list.total === 1 ? '' : 'es'} for “${v.q}”` : `${list.total} member${list.total === 1 ? '' : 's'}`;
  return html`<main class="card wide"><h1>People in ${list.room.name}</h1>${alert(v.error)}${v.done ? html`<p class="notice" role="status">${v.done}</p>` : ''}
${list.canAppoint ? html`<p class="hint">Moderators can remove any message in this ${list.room.kind === 'course' ? 'room (a teaching assistant, say)' : 'group'}. Every change is recorded.</p>` : ''}
${list.canAppoint ? announceForm(list.room) : ''}
${list.canManageGroup ? html`<form method="post" action="${base}" class="stack"><label for="add-emails">Add people (emails)</label><textarea id="add-emails" name="emails" rows="2" required maxlength="5000" aria-describedby="add-hint">${v.emails ?? ''}</textarea><p class="hint" id="add-hint">One per line or separated by commas. Only people you may message, up to 20 in a group; a student under 18 can join only people they may talk to.</p><button type="submit">Add to group</button></form>` : ''}
${v.q || list.total > FILTER_FROM ? html`<form action="${base}" method="get" role="search" class="stack"><label for="mq">Find a member by name</label><input id="mq" name="q" type="search" value="${v.q}" maxlength="100"><button type="submit">Find</button></form>` : ''}
<p role="status">${counted}${list.total > list.rows.length ? html`, ${list.offset + 1}–${list.offset + list.rows.length} shown` : ''}.</p>
<ul class="people">${list.rows.map((r) => row(list, r))}</ul>
${list.offset > 0 || list.more ? html`<nav class="pager" aria-label="More members">${list.offset > 0 ? html`<a href="${qs(Math.max(0, list.offset - MEMBERS_PAGE))}" rel="prev">Previous</a>` : html`<span></span>`}${list.more ? html`<a href="${qs(list.offset + MEMBERS_PAGE)}" rel="next">Next</a>` : ''}</nav>` : ''}
<p class="link-row">${list.room.kind === 'course' ? html`<a href="/rooms/${list.room.id}/lectures">Lectures and attendance</a> ` : ''}<a href="/rooms/${list.room.id}">Back to the room</a></p></main>`;
}

/** Asked before a group's owner removes someone (POST without confirm): plain forms, no script needed. */
export function removeConfirmPage(room: { id: string; name: string }, who: { id: string; name: string }): Raw {
  return html`<main class="card"><h1>Remove ${who.name} from ${room.name}?</h1>
<p>New messages of the group will no longer reach them, and it leaves their list of rooms. You can add them again later.</p>
<form method="post" action="/rooms/${room.id}/members/${who.id}/remove" class="stack"><input type="hidden" name="confirm" value="yes"><button type="submit" class="danger">Remove ${who.name}</button></form>
<p class="link-row"><a href="/rooms/${room.id}/members">Keep them in the group</a></p></main>`;
}
