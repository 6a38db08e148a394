/**
 * An announcements-only room's bar (server/features/chat/posting.ts): one renderer for the room
 * page and the push at each change (the same for every member). Empty and hidden when everyone
 * posts: the element stays for the next push to replace. A page whose reader may not post there
 * hides its composer by CSS (main[data-may-lead="false"] with the bar shown).
 */
import { html, type Raw } from '../server/http/html';
import type { Room } from '../server/store/types';

export const announceBarId = (roomId: string) => `announce-${roomId}`;

/**
 * `at`: when the room was read (0 on a page: any push is newer); a page keeps the newest bar it has
 * seen (views/client/incoming.ts), since two changes at once may arrive out of order. Not shown in
 * an archived room (nobody posts there; its own line says so).
 */
export function announceBar(room: Pick<Room, 'id' | 'kind' | 'announcementsOnly' | 'archived'>, at = 0): Raw {
  if (!room.announcementsOnly || room.archived) return html`<p class="announce-bar" id="${announceBarId(room.id)}" data-at="${at}" hidden></p>`;
  const who = room.kind === 'course' ? 'the lecturer and the room’s moderators' : 'the group’s owners and moderators';
  return html`<p class="notice announce-bar" id="${announceBarId(room.id)}" data-at="${at}" role="status"><span aria-hidden="true">📢</span> Announcements: only ${who} post here. Everyone can react and vote.</p>`;
}

export const leadMarkId = (roomId: string) => `lead-${roomId}`;

/**
 * Whether the page's reader posts in the room while it is announcements-only (posting.ts mayLead):
 * rendered with the page, and pushed to her alone when her role in the room changes.
 */
export function leadMark(roomId: string, lead: boolean): Raw {
  return html`<i class="lead-mark" id="${leadMarkId(roomId)}" data-lead="${lead ? 'true' : 'false'}" hidden></i>`;
}
