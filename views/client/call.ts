/**
 * Browser side of calls (README "Calls"): no framework, bundled with Bun.build into call.js, which
 * app.js loads on the first press of a call bar's button (call-bar.ts) and hands that press on
 * (CALL_PRESS). Wires the bar and the call panel's buttons to one CallClient
 * (views/client/call-client.ts); the buttons and their accessible names are rendered by views/calls.ts.
 */
import { CallClient } from './call-client';
import type { Resume } from './call-media';
import { CALL_PRESS } from './demand-events';

let current: CallClient | null = null;

/** Waits before each join after a lost connection: about half a minute in all, then it gives up. */
const REJOIN_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 15_000];

/** The join waiting to happen after a loss: cancelled by a join by hand or by "Stop reconnecting". */
let rejoin: ReturnType<typeof setTimeout> | undefined;

function open(roomId: string, panel: HTMLElement, start?: 'group' | 'lecture', resume?: Resume, replace = false) {
  clearTimeout(rejoin);
  document.getElementById(`call-${roomId}`)?.setAttribute('data-in-call', 'true');
  current = new CallClient(roomId, panel, start, (next) => {
    current = null;
    if (!next) return;
    const wait = REJOIN_DELAYS_MS[next.attempt];
    const note = document.getElementById(`call-note-${roomId}`);
    if (wait === undefined) {
      if (note) note.textContent = 'Could not get back into the call. Press Join call to try again.';
      return;
    }
    // Unless the room's page is gone meanwhile.
    rejoin = setTimeout(() => {
      const p = document.getElementById(`call-panel-${roomId}`);
      if (!current && p) open(roomId, p, undefined, next);
    }, wait);
    if (note) {
      const stop = document.createElement('button');
      stop.type = 'button';
      stop.className = 'link';
      stop.textContent = 'Stop reconnecting';
      stop.addEventListener('click', () => {
        clearTimeout(rejoin);
        // An attempt already under way (its socket still connecting) ends too: else its failure
        // would say "Reconnecting…" again and schedule the next one.
        if (current?.roomId === roomId) current.leave();
        note.textContent = 'You left the call.';
      });
      note.append(' ', stop);
    }
  }, resume, replace);
}
(window as unknown as { letstalkCall: () => CallClient | null }).letstalkCall = () => current;

document.addEventListener(CALL_PRESS, (e) => {
  const el = e.target as HTMLElement;
  const bar = el.closest<HTMLElement>('.call-bar');
  if (!el.dataset.call || !bar || current) return;
  // A lecture in place of the group call in progress: it ends that call for everyone in it.
  const takeover = el.classList.contains('call-takeover');
  if (takeover && !confirm('Start a lecture? The call in progress ends for everyone in it; they can join the lecture.')) return;
  const roomId = bar.dataset.room!;
  const panel = document.getElementById(`call-panel-${roomId}`);
  if (!panel) return;
  open(roomId, panel, el.dataset.call === 'join' ? undefined : (el.dataset.call as 'group' | 'lecture'), undefined, takeover);
});

// The call panel's controls and a host's roster buttons: they act on the call this page is in.
document.addEventListener('click', (e) => {
  const el = (e.target as Element).closest<HTMLElement>('[data-act],[data-host]');
  if (!el) return;
  const c = current;
  if (!c) return;
  if (el.dataset.host) {
    const id = el.dataset.participant!;
    if (el.dataset.host === 'remove') c.signal({ type: 'remove', participant: id });
    else c.signal({ type: 'grant', participant: id, mic: el.dataset.host === 'grant' });
    return;
  }
  switch (el.dataset.act) {
    case 'mic':
      return void c.setMic(!c.muted.mic);
    case 'cam':
      return void c.setCamera(!(c.muted.cam || !c.local.cam));
    case 'screen':
      return void c.setScreen(!c.local.screen).catch(() => c.ui.say('Screen sharing was cancelled.'));
    case 'hand':
      c.hand = !c.hand;
      c.signal({ type: 'hand', raised: c.hand });
      return c.renderControls();
    case 'view':
      c.audioOnly = !c.audioOnly;
      return c.setView();
    case 'mute-all':
      return c.signal({ type: 'mute-all' });
    case 'record':
      return c.signal({ type: 'record', on: c.recordingBy === null });
    case 'end':
      if (confirm('End the lecture for everyone in it?')) c.signal({ type: 'end' });
      return;
    case 'leave':
      return c.leave();
  }
});

document.addEventListener('change', (e) => {
  const el = e.target as HTMLSelectElement;
  if (el.dataset.act !== 'quality' || !current) return;
  current.quality = el.value as 'auto' | 'low' | 'high';
  current.setView();
});

// Leaving the page leaves the call (the server also cleans up when the socket drops).
addEventListener('pagehide', () => current?.leave());
