/**
 * Call renderers: the call bar in a room's header ("Start call" / "Join call") and the call panel
 * the browser module (views/client/call.ts) fills in. The bar's status is one element,
 * `#call-status-<roomId>`, pushed to every member when a call starts, changes size or ends; which
 * buttons show follows from its data-active attribute (CSS), so one pushed fragment serves all.
 * It sits inside a live region that is never replaced (`.call-live`): screen readers do not
 * announce a live region swapped in as a whole, so "Call in progress" went unheard.
 */
import { html, type Raw } from '../server/http/html';

export interface CallBarState {
  active: boolean;
  mode: 'group' | 'lecture' | null;
  participants: number;
  /** A lecture being recorded: said before anyone joins. */
  recording: boolean;
}

export const callStatusId = (roomId: string) => `call-status-${roomId}`;

/** Placeholder in the room header: fetches the bar for this viewer once the page loads. */
export function callSlot(roomId: string): Raw {
  return html`<div class="call-slot" id="call-slot-${roomId}" hx-get="/rooms/${roomId}/call" hx-trigger="load" hx-swap="innerHTML"></div>`;
}

export function callStatus(roomId: string, s: CallBarState): Raw {
  const text = s.active ? `${s.mode === 'lecture' ? 'Lecture' : 'Call'} in progress · ${s.participants} ${s.participants === 1 ? 'person' : 'people'}${s.recording ? ' · ● Recording' : ''}` : '';
  return html`<span class="call-status" id="${callStatusId(roomId)}" data-active="${s.active ? 'true' : 'false'}" data-mode="${s.mode ?? ''}">${text}</span>`;
}

/**
 * The status pushed to a member removed from the room: no call buttons any more (CSS hides them
 * on data-closed), since joining could only be refused. Pushed once, to that person: they no
 * longer get the room's call-state pushes, so nothing overwrites it until the page is left.
 */
export function callStatusClosed(roomId: string): Raw {
  return html`<span class="call-status" id="${callStatusId(roomId)}" data-active="false" data-closed="true"></span>`;
}

/**
 * A status that fetches itself (GET /rooms/:id/call/status), buttons hidden meanwhile: pushed when a
 * page may hold a stale one (its socket was down while a call started or ended; its viewer was added
 * back to the room). Fetched, not pushed with the state: calls live on the node that serves
 * /rooms/…/call (README "Scaling out"), which need not be the node of the chat socket.
 */
export function callStatusRefresh(roomId: string): Raw {
  return html`<span class="call-status" id="${callStatusId(roomId)}" data-active="false" data-closed="true" hx-get="/rooms/${roomId}/call/status" hx-trigger="load" hx-swap="outerHTML"></span>`;
}

export function callBar(roomId: string, s: CallBarState, opts: { canLecture: boolean; archived: boolean }): Raw {
  if (opts.archived) return html``;
  return html`<div class="call-bar" id="call-${roomId}" data-room="${roomId}">
<span class="call-live" role="status" aria-live="polite">${callStatus(roomId, s)}</span>
<button type="button" class="call-start" data-call="group">Start call</button>
${opts.canLecture ? html`<button type="button" class="call-start secondary" data-call="lecture">Start lecture</button><button type="button" class="call-takeover secondary" data-call="lecture">Start a lecture instead</button>` : ''}
<button type="button" class="call-join" data-call="join">Join call</button>
<p class="call-note" id="call-note-${roomId}" role="status" aria-live="polite"></p>
</div>
${callPanel(roomId)}`;
}

/** The in-call panel (hidden until joined). Labels are the accessible names the tests use. */
export function callPanel(roomId: string): Raw {
  return html`<section class="call-panel" id="call-panel-${roomId}" aria-label="Call" tabindex="-1" hidden>
<p class="call-rec" role="status" hidden></p>
<p class="call-att hint" hidden>A lecture takes attendance: who joins, and for how long (the room's Lectures page).</p>
<div class="call-tiles" tabindex="0" role="region" aria-label="Video and shared screens"></div>
<div class="call-controls" role="toolbar" aria-label="Call controls">
<button type="button" data-act="mic" hidden>Mute</button>
<button type="button" data-act="cam" hidden>Camera off</button>
<button type="button" data-act="screen" hidden>Share screen</button>
<button type="button" data-act="hand" hidden>Raise hand</button>
<button type="button" data-act="view" aria-pressed="false" class="secondary">Audio only</button>
<label class="quality"><span class="label">Video quality</span> <select data-act="quality"><option value="auto">Auto</option><option value="low">Low</option><option value="high">High</option></select></label>
<button type="button" data-act="record" hidden class="secondary">Record</button>
<button type="button" data-act="mute-all" hidden class="secondary">Mute all</button>
<button type="button" data-act="end" hidden class="danger">End lecture</button>
<button type="button" data-act="leave" class="danger">Leave call</button>
</div>
<ul class="call-roster" aria-label="In the call" tabindex="0"></ul>
</section>`;
}
