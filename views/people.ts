/** Pages for starting conversations and creating rooms. */
import { html, type Raw } from '../server/http/html';
import type { User } from '../server/store/types';
import { alert } from './layout';

/** `emails`: the ids whose address is shown (rooms.ts emailsShown); the others by name and role. */
export function peoplePage(q: string, people: User[], error?: string | null, emails: Set<string> = new Set()): Raw {
  return html`<main class="card wide"><h1>New message</h1>${alert(error)}
<form action="/people" method="get" role="search" class="stack"><label for="pq">Find a person</label><input id="pq" name="q" type="search" value="${q}" minlength="2" maxlength="100" autofocus><button type="submit">Find</button></form>
${q.trim().length >= 2
  ? people.length
    ? html`<ul class="people">${people.map((p) => html`<li><span><strong>${p.name}</strong> <span class="hint">${p.role}${emails.has(p.id) ? html` · ${p.email}` : ''}</span></span><form method="post" action="/dm"><input type="hidden" name="user" value="${p.id}"><button type="submit" aria-label="Message ${p.name}">Message</button></form></li>`)}</ul>`
    : html`<p role="status">Nobody you can message matches “${q}”.</p>`
  : ''}
<p class="link-row"><a href="/groups/new">Start a group conversation</a> · <a href="/">Back to rooms</a></p></main>`;
}

export function newRoomPage(values: { code?: string; name?: string }, error?: string | null): Raw {
  return html`<main class="card"><h1>Create a course room</h1>${alert(error)}
<form method="post" action="/rooms" class="stack">
<label for="code">Course code</label><input id="code" name="code" required maxlength="40" placeholder="CSC101" value="${values.code ?? ''}">
<label for="rname">Room name</label><input id="rname" name="name" required maxlength="100" placeholder="Introduction to Computing" value="${values.name ?? ''}">
<button type="submit">Create room</button></form>
<p class="hint">You will be the room's owner. Students are added by the university's administrators from the class list (the admin portal's Rooms page, or <code>letstalk rooms add-members</code>): a room's members are who may talk to each other, students under 18 included, so course membership stays with them. Send them the course code.</p>
<p class="link-row"><a href="/">Back to rooms</a></p></main>`;
}

/** Asked before a member leaves a group (GET /rooms/:id/leave): a plain form, it works without scripts. */
export function leaveGroupPage(room: { id: string; name: string }, error?: string | null): Raw {
  return html`<main class="card"><h1>Leave ${room.name}?</h1>${alert(error)}
<p>New messages of this group will no longer reach you, and it leaves your list of rooms. Nobody can add you back: someone would have to start a new group with you.</p>
<form method="post" action="/rooms/${room.id}/leave" class="stack"><button type="submit" class="danger">Leave group</button></form>
<p class="link-row"><a href="/rooms/${room.id}">Stay in the group</a></p></main>`;
}

export function newGroupPage(values: { name?: string; emails?: string }, error?: string | null): Raw {
  return html`<main class="card"><h1>New group conversation</h1>${alert(error)}
<form method="post" action="/groups" class="stack">
<label for="gname">Group name</label><input id="gname" name="name" required maxlength="100" value="${values.name ?? ''}">
<label for="emails">Members' emails</label><textarea id="emails" name="emails" rows="4" required maxlength="5000" aria-describedby="emails-hint">${values.emails ?? ''}</textarea>
<p class="hint" id="emails-hint">One per line or separated by commas; up to 19 people.</p>
<button type="submit">Create group</button></form><p class="link-row"><a href="/">Back to rooms</a></p></main>`;
}
