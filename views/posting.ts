/**
 * An announcements-only room's bar (server/features/chat/posting.ts): one renderer for the room
 * page and the push at each change (the same for every member). Empty and hidden when everyone
 * posts: the element stays for the next push to replace. A page whose reader may not post there
 * hides its composer by CSS (main[data-may-lead="false"] with the bar shown).
 */
import { html, type Raw } from '../server/http/html';
import type { Room } from '../server/store/types';

export const announceBarId = (roomId: string) => `announce-${roomId}`;

export function announceBar(room: Pick<Room, 'id' | 'kind' | 'announcementsOnly'>): Raw {
  if (!room.announcementsOnly) return html`<p class="announce-bar" id="${announceBarId(room.id)}" hidden></p>`;
  const who = room.kind === 'course' ? 'the lecturer and the room’s moderators' : 'the group’s owners and moderators';
  return html`<p class="notice announce-bar" id="${announceBarId(room.id)}" role="status"><span aria-hidden="true">📢</span> Announcements: only ${who} post here. You can react and vote.</p>`;
}
