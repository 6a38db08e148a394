/**
 * The call panel's DOM: tiles (one per participant, plus one per screen share), the roster with
 * a host's controls, and the control buttons' labels. Text is always set with textContent.
 */
// The signalling types are the server's own (type-only: nothing from the server is bundled).
import type { RosterEntry } from '../../server/rtc/protocol';
import type { Source } from '../../server/rtc/permissions';
export type { RosterEntry, Source };

export class CallUi {
  readonly tiles: HTMLElement;
  readonly roster: HTMLElement;
  readonly note: HTMLElement;
  private names = new Map<string, string>();
  /** What each participant sends, from the last roster: a tile made later (a newcomer's) is marked from it. */
  private sending = new Map<string, Source[]>();

  constructor(
    readonly panel: HTMLElement,
    private readonly roomId: string,
  ) {
    this.tiles = panel.querySelector('.call-tiles')!;
    this.roster = panel.querySelector('.call-roster')!;
    // In the call bar, outside the panel: it stays visible after the call ends. During the call it
    // sits under the controls (placeNote): a line appearing above them ("The lecturer has left…")
    // moved the Leave button from under a finger about to press it.
    this.note = document.getElementById(`call-note-${roomId}`)!;
  }

  /** Where the note is: under the call controls while in the call, at the end of the call bar after. */
  placeNote(inCall: boolean) {
    if (inCall) this.panel.querySelector('.call-controls')!.after(this.note);
    else document.getElementById(`call-${this.roomId}`)?.append(this.note);
  }

  /**
   * Where the keyboard focus goes when the call starts or ends: the button pressed (Start call, Join
   * call, Leave call) has just been hidden, and a hidden element drops the focus to the page's body,
   * where Tab starts again from the top. Only when the focus was there or on the body: a person
   * typing in the composer meanwhile keeps it.
   */
  focusAfter(inCall: boolean) {
    const bar = document.getElementById(`call-${this.roomId}`);
    const active = document.activeElement;
    const lost = !active || active === document.body || !!bar?.contains(active) || this.panel.contains(active);
    if (!lost) return;
    if (inCall) return this.panel.focus();
    const visible = [...(bar?.querySelectorAll<HTMLElement>('button') ?? [])].find((b) => b.offsetParent !== null);
    (visible ?? document.getElementById('message'))?.focus();
  }

  button(act: string): HTMLButtonElement {
    return this.panel.querySelector<HTMLButtonElement>(`[data-act="${act}"]`)!;
  }

  show(act: string, visible: boolean, label?: string) {
    const b = this.button(act);
    b.hidden = !visible;
    if (label !== undefined) b.textContent = label;
  }

  say(text: string) {
    this.note.textContent = text;
  }

  /** Said in a lecture (attendance is taken), not in a group call. */
  attendance(lecture: boolean) {
    this.panel.querySelector<HTMLElement>('.call-att')!.hidden = !lecture;
  }

  /** The recording line at the top of the panel (who is recorded), hidden while none runs. */
  recording(by: string | null) {
    const line = this.panel.querySelector<HTMLElement>('.call-rec')!;
    line.hidden = by === null;
    line.textContent = by === null ? '' : `● Recording: ${by}`;
  }

  /** The media element for one received track; created on first use. */
  attach(participant: string, source: Source, track: MediaStreamTrack) {
    const key = `${participant}:${source === 'mic' ? 'mic' : source}`;
    let tile = this.tiles.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`);
    if (!tile) {
      tile = document.createElement('figure');
      tile.className = `tile ${source}`;
      tile.dataset.key = key;
      tile.dataset.participant = participant;
      tile.dataset.source = source;
      const media = document.createElement(source === 'mic' ? 'audio' : 'video');
      media.autoplay = true;
      if (media instanceof HTMLVideoElement) {
        media.playsInline = true;
        media.muted = true;
      }
      tile.append(media);
      if (source !== 'mic') {
        tile.append(document.createElement('figcaption'));
        this.mark(tile);
      } else tile.hidden = true;
      this.tiles.append(tile);
    }
    const media = tile.querySelector<HTMLMediaElement>('audio,video')!;
    const stream = media.srcObject instanceof MediaStream ? media.srcObject : null;
    if (!stream || stream.getTracks()[0] !== track) media.srcObject = new MediaStream([track]);
    void media.play().catch(() => {});
  }

  /** Removes tiles whose track is no longer received (one's own view is not received: kept). */
  keepOnly(keys: Set<string>) {
    for (const tile of Array.from(this.tiles.querySelectorAll<HTMLElement>('.tile:not(.self)'))) if (!keys.has(tile.dataset.key!)) tile.remove();
  }

  /**
   * One's own camera (mirrored, as in a mirror) and shared screen (as the others see it), from the
   * local tracks: nothing goes over the network for them. Absent when off.
   */
  selfView(tracks: { cam?: MediaStreamTrack; screen?: MediaStreamTrack }) {
    for (const source of ['cam', 'screen'] as const) {
      const track = tracks[source];
      let tile = this.tiles.querySelector<HTMLElement>(`.tile.self.${source}`);
      if (!track) {
        tile?.remove();
        continue;
      }
      if (!tile) {
        tile = document.createElement('figure');
        tile.className = `tile self ${source}`;
        const video = document.createElement('video');
        video.autoplay = video.muted = video.playsInline = true;
        const cap = document.createElement('figcaption');
        cap.textContent = source === 'cam' ? 'You' : 'Your screen, as the others see it';
        tile.append(video, cap);
        this.tiles.prepend(tile);
      }
      const video = tile.querySelector('video')!;
      if ((video.srcObject as MediaStream | null)?.getTracks()[0] !== track) video.srcObject = new MediaStream([track]);
      void video.play().catch(() => {});
    }
  }

  /**
   * The roster, and what each tile says of its source. In a lecture the host comes first, then the
   * raised hands (a lecturer of 200 must not scroll to find one) under a count; a camera or screen
   * that stopped shows "off" rather than its last frame frozen.
   */
  renderRoster(list: RosterEntry[], me: string, iAmHost: boolean, lecture: boolean) {
    this.names = new Map(list.map((p) => [p.id, p.name]));
    this.sending = new Map(list.map((p) => [p.id, p.sending]));
    for (const tile of Array.from(this.tiles.querySelectorAll<HTMLElement>('.tile:not(.self):not(.mic)'))) this.mark(tile);
    const order = (p: RosterEntry) => (lecture ? (p.host ? 0 : p.hand ? 1 : 2) : 0);
    const sorted = list.map((p, i) => ({ p, i })).sort((a, b) => order(a.p) - order(b.p) || a.i - b.i).map((x) => x.p);
    const hands = list.filter((p) => p.hand).length;
    const count = document.createElement('li');
    count.className = 'hands';
    count.textContent = `✋ ${hands} hand${hands === 1 ? '' : 's'} raised`;
    // A host's Allow/Revoke/Remove button pressed by keyboard is replaced below: the focus moves
    // to the new button of the same person (or to the list), not to the page's body.
    const was = this.roster.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.participant : undefined;
    this.roster.replaceChildren(
      ...(lecture && hands ? [count] : []),
      ...sorted.map((p) => {
        const li = document.createElement('li');
        li.dataset.participant = p.id;
        // Words for what each person does: a lecture's students listen unless allowed to speak;
        // in a group call everyone may speak, so only "muted" and "camera off" are news.
        const voice = lecture && !p.host ? (p.micGranted ? (p.sending.includes('mic') ? 'speaking allowed' : 'allowed to speak, muted') : 'listening') : p.sending.includes('mic') ? '' : 'muted';
        const camera = !lecture && !p.sending.includes('cam') ? 'camera off' : '';
        const state = [p.host && lecture ? 'lecturer' : '', p.hand ? 'hand raised' : '', voice, camera].filter(Boolean).join(', ');
        const name = document.createElement('span');
        name.textContent = `${p.name}${p.id === me ? ' (you)' : ''}${p.hand ? ' ✋' : ''}`;
        const st = document.createElement('span');
        st.className = 'hint';
        st.textContent = state;
        li.append(name, ' ', st);
        if (iAmHost && lecture && !p.host) {
          li.append(this.hostButton(p.micGranted ? 'revoke' : 'grant', p.micGranted ? `Revoke ${p.name}'s microphone` : `Allow ${p.name} to speak`, p.micGranted ? 'Revoke mic' : 'Allow to speak', p.id));
          li.append(this.hostButton('remove', `Remove ${p.name}`, 'Remove', p.id));
        }
        return li;
      }),
    );
    if (was !== undefined) (this.roster.querySelector<HTMLElement>(`button[data-participant="${CSS.escape(was)}"]`) ?? this.panel).focus();
  }

  /** A camera or screen tile's caption, and whether it is off (its source not sent): its name, not a frozen frame. */
  private mark(tile: HTMLElement) {
    const source = tile.dataset.source as Source;
    const known = this.sending.get(tile.dataset.participant!);
    const off = known !== undefined && !known.includes(source);
    tile.classList.toggle('off', off);
    tile.querySelector('figcaption')!.textContent = `${this.names.get(tile.dataset.participant!) ?? ''}${source === 'screen' ? ' (screen)' : ''}${off ? (source === 'cam' ? ': camera off' : ': not sharing') : ''}`;
  }

  private hostButton(act: string, label: string, text: string, id: string) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'link';
    b.dataset.host = act;
    b.dataset.participant = id;
    b.setAttribute('aria-label', label);
    b.textContent = text;
    return b;
  }

  clear() {
    this.recording(null);
    for (const m of Array.from(this.tiles.querySelectorAll<HTMLMediaElement>('audio,video'))) m.srcObject = null;
    this.tiles.replaceChildren();
    // A host's Allow/Revoke/Remove button pressed by keyboard is replaced below: the focus moves
    // to the new button of the same person (or to the list), not to the page's body.
    const was = this.roster.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.participant : undefined;
    this.roster.replaceChildren();
  }
}
