/**
 * Pinned messages (server/features/chat/pins.ts): the bar under a room's header, one renderer for
 * the page and the push that follows every pin and unpin (the count is the same for every member),
 * and the list of them, rendered for its reader: plain links and forms, nothing to load.
 */
import { html, type Raw } from '../server/http/html';
import type { PinnedList } from '../server/features/chat/pins';
import type { TimeFormat } from './chat';
import { formatMessage } from './format';
import { pollOf } from './polls';

export const pinsBarId = (roomId: string) => `pins-${roomId}`;

/**
 * Empty (and hidden) with no pins: the element stays for the next push to replace. `at`: when the
 * count was read (a page keeps the newest it has seen: views/client/incoming.ts).
 */
export function pinsBar(roomId: string, count: number, at: number): Raw {
  if (!count) return html`<p class="pins-bar" id="${pinsBarId(roomId)}" data-at="${at}" hidden></p>`;
  return html`<p class="pins-bar" id="${pinsBarId(roomId)}" data-at="${at}"><span aria-hidden="true">📌</span> <a href="/rooms/${roomId}/pinned">${count} pinned message${count === 1 ? '' : 's'}</a></p>`;
}

/** `title`: the room's title for its reader (a direct conversation's is the other person's name). */
export function pinnedPage(v: PinnedList, title: string, tf: TimeFormat, done: string | null = null): Raw {
  const { room } = v;
  const items = v.rows.map(({ message: m, sender, pinnedBy, at }) => {
    const poll = pollOf(m);
    const file = m.kind === 'file' ? `📎 ${typeof m.meta?.name === 'string' ? m.meta.name : 'a file'}` : poll ? `📊 Poll: ${poll.question}` : null;
    return html`<li class="pinned"><p><strong>${sender}</strong> <span class="hint">${tf.dateTime(m.createdAt)}</span></p>
<div class="body">${file === null ? formatMessage(m.body) : html`<p>${file}</p>`}</div>
<p class="hint">Pinned by ${pinnedBy}, ${tf.dateTime(at)} · <a href="/rooms/${room.id}?before=${m.seq + 1}#m-${m.id}">Go to the message</a></p>
${v.canPin ? html`<form method="post" action="/rooms/${room.id}/pinned/${m.id}/unpin"><button type="submit" class="secondary" aria-label="Unpin the message from ${sender}">Unpin</button></form>` : ''}</li>`;
  });
  return html`<main class="card wide"><h1>Pinned in ${title}</h1>${done ? html`<p class="notice" role="status">${done}</p>` : ''}
${v.rows.length ? html`<ul class="plain pinned-list">${items}</ul>` : html`<p role="status">Nothing is pinned in this room.</p>`}
<p class="hint">${v.canPin ? 'Pin a message with Pin under it in the room.' : room.kind === 'course' ? 'The lecturer, the room’s owners and its moderators pin messages here.' : ''}</p>
<p class="link-row"><a href="/rooms/${room.id}">Back to the room</a></p></main>`;
}
