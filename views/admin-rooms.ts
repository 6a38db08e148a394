/** Admin portal: course rooms — list, create, members (add, CSV, roles, remove), archive. */
import { html, type Raw } from '../server/http/html';
import { ROOM_ROLES, type Membership, type Room, type User } from '../server/store/types';
import { actionButton, csrfField, rowErrors, type AdminView } from './admin';

const roleOptions = (selected: string) => ROOM_ROLES.map((r) => html`<option value="${r}"${r === selected ? html` selected` : ''}>${r}</option>`);

export function roomsListBody(v: AdminView, rooms: { room: Room; members: number }[], showArchived: boolean, values: { code?: string; name?: string } = {}): Raw {
  return html`<section aria-labelledby="new-room-h"><h2 id="new-room-h">New course room</h2>
<form method="post" action="/admin/rooms" class="stack narrow">${csrfField(v)}
<label for="r-code">Course code</label><input id="r-code" name="code" required maxlength="40" placeholder="CSC101" value="${values.code ?? ''}">
<label for="r-name">Room name</label><input id="r-name" name="name" required maxlength="100" placeholder="Introduction to Computing" value="${values.name ?? ''}">
<button type="submit">Create room</button>
</form></section>
<section aria-labelledby="rooms-h"><h2 id="rooms-h">Course rooms</h2>
<p class="link-row">${showArchived ? html`<a href="/admin/rooms">Hide archived rooms</a>` : html`<a href="/admin/rooms?archived=yes">Show archived rooms</a>`}</p>
${rooms.length
  ? html`<div class="table-wrap"><table><caption class="visually-hidden">Course rooms</caption>
<thead><tr><th scope="col">Code</th><th scope="col">Name</th><th scope="col">Members</th><th scope="col">State</th></tr></thead>
<tbody>${rooms.map(
      ({ room, members }) => html`<tr><td><a href="/admin/rooms/${room.id}">${room.code}</a></td><td>${room.name}</td><td>${members}</td><td>${room.archived ? 'archived' : 'open'}</td></tr>`,
    )}</tbody></table></div>`
  : html`<p class="hint">No course rooms yet.</p>`}
</section>`;
}

export function roomDetailBody(v: AdminView, room: Room, members: { m: Membership; user: User | null }[], errors: { line: number; reason: string }[] = []): Raw {
  const base = `/admin/rooms/${room.id}`;
  return html`<p>${room.code} · ${members.length} member${members.length === 1 ? '' : 's'} · ${room.archived ? html`<strong>archived</strong> (members can read, nobody can post)` : room.announcementsOnly ? html`<strong>announcements only</strong> (the lecturer and moderators post)` : 'open'}</p>
<div class="actions-row">${room.archived
    ? actionButton(v, `${base}/archive`, 'Restore room', { archived: 'no' })
    : html`${actionButton(v, `${base}/announcements`, room.announcementsOnly ? 'Let everyone post' : 'Announcements only', { on: room.announcementsOnly ? 'no' : 'yes' })}${actionButton(v, `${base}/archive`, 'Archive room', { archived: 'yes' }, 'danger')}`}${actionButton(v, `${base}/register.csv`, 'Attendance register (CSV)')}</div>

${room.archived ? html`<p class="hint">An archived room takes no new members: this session's class belongs in the live ${room.code} room.</p>` : html`<section aria-labelledby="add-h"><h2 id="add-h">Add members</h2>
<form method="post" action="${base}/members" class="stack narrow">${csrfField(v)}
<label for="m-email">Email</label><input id="m-email" name="email" type="email" required maxlength="254">
<label for="m-role">Room role</label><select id="m-role" name="role">${roleOptions('member')}</select>
<button type="submit">Add member</button>
</form>
<form method="post" action="${base}/members/csv" enctype="multipart/form-data" class="stack narrow">${csrfField(v)}
<label for="m-file">Members CSV file</label>
<input id="m-file" name="file" type="file" accept=".csv,text/csv" required aria-describedby="m-file-hint">
<p class="hint" id="m-file-hint">A header row with an <code>email</code> column and an optional <code>role</code> column (owner, moderator, member). Every row is checked first; existing members keep their role.</p>
<button type="submit">Add from CSV</button>
</form>
${errors.length ? html`<p class="alert" role="alert">Nothing was added: fix these rows and try again.</p>${rowErrors(errors, 'Problems in the members file')}` : ''}
</section>`}

<section aria-labelledby="members-h"><h2 id="members-h">Members</h2>
${members.length
  ? html`<div class="table-wrap"><table><caption class="visually-hidden">Members of ${room.code}</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Room role</th><th scope="col"><span class="visually-hidden">Remove</span></th></tr></thead>
<tbody>${members.map(({ m, user }) => {
      const name = user?.name ?? 'Former user';
      return html`<tr><td>${user ? html`<a href="/admin/users/${user.id}">${name}</a>` : name}</td><td>${user?.email ?? ''}</td>
<td><form method="post" action="${base}/members/${m.userId}/role" class="inline">${csrfField(v)}<label class="visually-hidden" for="role-${m.userId}">Room role of ${name}</label><select id="role-${m.userId}" name="role">${roleOptions(m.role)}</select><button type="submit" class="secondary" aria-label="Set room role of ${name}">Set</button></form></td>
<td>${actionButton(v, `${base}/members/${m.userId}/remove`, 'Remove', {}, 'secondary', `Remove ${name}`)}</td></tr>`;
    })}</tbody></table></div>`
  : html`<p class="hint">No members yet.</p>`}
</section>
<p class="link-row"><a href="/admin/rooms">Back to rooms</a></p>`;
}
