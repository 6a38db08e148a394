/**
 * One call, in the browser (README "Calls"). One signalling
 * socket (/rtc) per call; two RTCPeerConnections, as the server expects:
 * - pub (we offer): our mic, camera (simulcast l/m/h) and screen share (one high-resolution,
 *   low-frame-rate layer); created only when we may publish;
 * - sub (the server offers): everything we receive; the offer says which mid is whose track.
 * Mute and camera off use replaceTrack(null), so nothing at all is sent while off.
 */
import { CAMERA, FINAL_CLOSES, openDevices, SIMULCAST, STABLE_MS, type Resume } from './call-media';
import { socketUrl } from './socket-url';
import { CallUi, type RosterEntry, type Source } from './call-ui';

interface TrackInfo {
  mid: string;
  participant: string;
  source: Source;
}
type Msg = Record<string, any>;

export class CallClient {
  ws: WebSocket;
  ui: CallUi;
  me = { id: '', host: false, canPublish: false };
  mode: 'group' | 'lecture' = 'group';
  iceServers: RTCIceServer[] = [];
  pub: RTCPeerConnection | null = null;
  sub: RTCPeerConnection | null = null;
  local: Partial<Record<Source, MediaStreamTrack>> = {};
  tx: Partial<Record<Source, RTCRtpTransceiver>> = {};
  muted = { mic: false, cam: false };
  hand = false;
  /** Who is being recorded (a lecture's host), null while no recording runs. */
  recordingBy: string | null = null;
  audioOnly = false;
  quality: 'auto' | 'low' | 'high' = 'auto';
  tracks: TrackInfo[] = [];
  roster: RosterEntry[] = [];
  private pubBusy = false;
  private pubAgain = false;
  private pending = new Map<RTCPeerConnection, RTCIceCandidateInit[]>();
  private left = false;
  private endedByServer = false;
  private joinedAt = 0;
  private resumedPublish = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly roomId: string,
    panel: HTMLElement,
    start: 'group' | 'lecture' | undefined,
    private onEnd: (resume: Resume | null) => void,
    private resume?: Resume,
    /** A lecture in place of the group call in progress (the host confirmed it); never on a rejoin. */
    replace = false,
  ) {
    this.ui = new CallUi(panel, roomId);
    // Back after a loss: start the call again if it is gone (a server restart) and we could start it.
    if (resume) start = resume.mode === 'group' || resume.host ? resume.mode : undefined;
    // Muted from the start: a loss while the devices open must not forget it (retry reads this).
    if (resume) this.muted = { mic: resume.micMuted, cam: resume.camOff };
    this.ws = new WebSocket(socketUrl('/rtc'));
    this.ws.onopen = () => this.signal({ type: 'join', room: roomId, ...(start ? { start } : {}), ...(replace && !resume ? { replace: true } : {}), ...(resume ? { rejoin: resume.seat } : {}) });
    // Messages are handled in order, one at a time (an answer must not overtake its offer).
    this.ws.onmessage = (e) => {
      const m = JSON.parse(String(e.data)) as Msg;
      // Noted at once: the close that may follow must not be taken for a lost connection while
      // this message still waits in the queue.
      if (m.type === 'ended') this.endedByServer = true;
      this.queue = this.queue
        .then(() => this.onMessage(m))
        .catch((err) => {
          this.ui.say(`Call problem: ${err}`);
          // Also told to the server, which logs it for operators (with what it last offered).
          this.signal({ type: 'problem', where: m.type === 'offer' ? 'sub' : m.type === 'answer' ? 'pub' : 'other', message: String(err).slice(0, 500) });
        });
    };
    // 4403 carries why (a block, a freeze, the room archived, a new room role): shown as the server says it.
    this.ws.onclose = (e) => {
      if (!FINAL_CLOSES.has(e.code) && !this.endedByServer && (this.me.id || this.resume)) return this.end('The connection to the call was lost. Reconnecting…', this.retry());
      this.end(e.code === 4404 ? 'You are not a member of this room.' : e.reason || (e.code === 4403 ? 'You were removed from the call.' : 'The call connection closed.'));
    };
    addEventListener('online', this.onNetworkChange);
  }

  signal(m: Msg) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
  }

  private async onMessage(m: Msg) {
    switch (m.type) {
      case 'joined':
        // Back after a loss, but the call it was in is gone and another kind is in progress (a
        // lecture ended, a group call started): not joined with a camera and microphone on unasked.
        if (this.resume && m.call.mode !== this.resume.mode) return this.end('The call you were in has ended. Another call is in progress: join it if you want to.');
        this.joinedAt = Date.now();
        this.me = m.you;
        this.mode = m.call.mode;
        this.iceServers = m.iceServers;
        this.audioOnly = m.you.view === 'audio-only';
        this.ui.panel.hidden = false;
        this.ui.attendance(this.mode === 'lecture');
        this.ui.placeNote(true);
        this.ui.say(this.mode === 'lecture' && !this.me.host ? 'You are listening. Raise your hand to speak.' : 'You are in the call.');
        if (this.resume) {
          // As the person had it before the connection was lost.
          this.audioOnly = this.resume.audioOnly;
          this.quality = this.resume.quality;
          this.setView();
        }
        this.renderControls();
        this.ui.focusAfter(true);
        // Not awaited: the permission prompt may take a while, and offers keep coming meanwhile.
        if (this.me.canPublish) void this.startPublishing();
        return;
      case 'answer':
        await this.pub?.setRemoteDescription({ type: 'answer', sdp: m.sdp });
        await this.flush(this.pub);
        this.pubBusy = false;
        if (this.pubAgain) void this.negotiatePub();
        return;
      case 'offer':
        return this.onOffer(m.sdp, m.tracks);
      case 'candidate': {
        const pc = m.pc === 'pub' ? this.pub : this.sub;
        if (!pc) return;
        if (!pc.remoteDescription) this.pending.set(pc, [...(this.pending.get(pc) ?? []), m.candidate]);
        else await pc.addIceCandidate(m.candidate);
        return;
      }
      case 'roster':
        this.roster = m.participants;
        this.ui.renderRoster(this.roster, this.me.id, this.me.host, this.mode === 'lecture');
        return;
      case 'permission':
        this.me.canPublish = m.canPublish;
        if (m.canPublish) {
          this.ui.say('The lecturer allowed you to speak.');
          this.hand = false;
          void this.startPublishing();
        } else {
          this.ui.say('The lecturer turned your microphone off.');
          this.stopPublishing();
        }
        this.renderControls();
        return;
      case 'muted':
        await this.setMic(true, false);
        this.ui.say('The lecturer muted everyone.');
        return;
      case 'view':
        return;
      case 'error':
        // Refused before joining (call ended, removed, full): nothing more to wait for, unless this
        // is a join after a loss (a lecture's host may not be back yet after a server restart).
        // `final`: no retry can help (the person is in the call on another device meanwhile).
        if (!this.me.id) return this.end(m.message, this.resume && !m.final ? this.retry() : null);
        this.ui.say(m.message);
        return;
      case 'notice':
        this.ui.say(m.message);
        return;
      case 'recording':
        if (m.by !== this.recordingBy) this.ui.say(m.by ? `${m.by} is recording the lecture: their voice and their screen or camera.` : 'The recording stopped. It will be in this room as a file.');
        this.recordingBy = m.by;
        this.ui.recording(m.by);
        return this.renderControls();
      case 'ended':
        return this.end(m.reason === 'removed' ? 'You were removed from the call.' : m.reason === 'replaced' ? 'You joined this call somewhere else.' : (m.message ?? 'The call ended.'));
    }
  }

  // ---- publishing ---------------------------------------------------------------------------

  private newPeer(which: 'pub' | 'sub'): RTCPeerConnection {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, bundlePolicy: 'max-bundle' });
    pc.onicecandidate = (e) => e.candidate && this.signal({ type: 'candidate', pc: which, candidate: e.candidate.toJSON() });
    pc.oniceconnectionstatechange = () => {
      if (pc.iceConnectionState === 'failed' || pc.iceConnectionState === 'disconnected') this.onNetworkChange();
    };
    return pc;
  }

  private async startPublishing() {
    const lectureHost = this.mode === 'lecture' && this.me.host;
    // Muted before the loss (the first publishing after a rejoin only: a student allowed to speak
    // again starts unmuted, as the lecturer expects).
    const micMuted = !!this.resume?.micMuted && !this.resumedPublish;
    this.resumedPublish = true;
    // A group call opens the camera unless it was off before a loss; a lecture's host starts with
    // it off (students mostly need the voice and the slides) and gets it back on after a loss.
    const opened = await openDevices(this.mode === 'group' ? !this.resume?.camOff : lectureHost && this.resume?.camOff === false);
    [this.local.mic, this.local.cam] = [opened.mic, opened.cam];
    const problem = opened.problem;
    // Ended while the devices opened (the connection dropped again): let them go, nothing to send.
    if (this.left) return this.stopPublishing();
    this.pub ??= this.newPeer('pub');
    if (this.local.mic) this.tx.mic = this.pub.addTransceiver(this.local.mic, { direction: 'sendonly' });
    if (this.local.cam) this.tx.cam = await this.addCamera(this.local.cam);
    if (this.left) return this.stopPublishing();
    this.muted = { mic: !this.local.mic, cam: !this.local.cam };
    if (problem) this.ui.say(problem + (this.mode === 'group' || lectureHost ? ' You can still share your screen.' : ''));
    else if (lectureHost) this.ui.say('You are hosting a lecture. Students hear you; share your screen to show slides.');
    // Before the first offer: not one packet of a muted microphone goes out.
    if (micMuted && this.tx.mic) await this.setMic(true);
    if (this.resume?.camOff) this.signal({ type: 'mute', source: 'cam', muted: true });
    this.renderControls();
    // Nothing to send yet (no device): the first screen share or camera negotiates.
    if (this.local.mic || this.local.cam) await this.negotiatePub();
  }

  /**
   * What to join again with after a loss: this call as it was, or the last attempt's, one more.
   * A call back for less than STABLE_MS counts as one more attempt too: a server or proxy that
   * accepts and then drops every connection must not be re-joined every second for ever.
   */
  private retry(): Resume {
    if (!this.me.id && this.resume) return { ...this.resume, attempt: this.resume.attempt + 1 };
    const cams = this.mode === 'group' || this.me.host; // who may send a camera
    const attempt = Date.now() - this.joinedAt < STABLE_MS ? (this.resume?.attempt ?? -1) + 1 : 0;
    return { mode: this.mode, host: this.me.host, micMuted: this.muted.mic, camOff: cams && (this.muted.cam || !this.local.cam), audioOnly: this.audioOnly, quality: this.quality, attempt, seat: this.me.id };
  }

  /**
   * The camera in three layers. Keeping resolution under CPU pressure (frame rate drops instead)
   * keeps the layers intact: Chromium otherwise scales the input down and stops the low layers.
   */
  private async addCamera(cam: MediaStreamTrack): Promise<RTCRtpTransceiver> {
    const t = this.pub!.addTransceiver(cam, { direction: 'sendonly', sendEncodings: SIMULCAST });
    const params = t.sender.getParameters() as RTCRtpSendParameters & { degradationPreference?: string };
    params.degradationPreference = 'maintain-resolution';
    await t.sender.setParameters(params).catch(() => {});
    return t;
  }

  /** One offer at a time; changes made meanwhile lead to one more offer after the answer. */
  private async negotiatePub(iceRestart = false) {
    const pc = this.pub;
    if (!pc) return;
    if (this.pubBusy) {
      this.pubAgain = true;
      return;
    }
    this.pubBusy = true;
    this.pubAgain = false;
    const offer = await pc.createOffer({ iceRestart });
    await pc.setLocalDescription(offer);
    const sources: Record<string, Source> = {};
    for (const s of ['mic', 'cam', 'screen'] as Source[]) {
      const t = this.tx[s];
      if (t?.mid && t.currentDirection !== 'stopped' && t.direction !== 'stopped') sources[t.mid] = s;
    }
    this.signal({ type: 'offer', sdp: pc.localDescription!.sdp, sources });
  }

  private stopPublishing() {
    for (const t of Object.values(this.local)) t?.stop();
    this.local = {};
    this.tx = {};
    this.pub?.close();
    this.pub = null;
    this.pubBusy = this.pubAgain = false;
  }

  async setMic(muted: boolean, tell = true) {
    const t = this.tx.mic;
    this.muted.mic = muted;
    if (t && this.local.mic) await t.sender.replaceTrack(muted ? null : this.local.mic);
    if (tell) this.signal({ type: 'mute', source: 'mic', muted });
    this.renderControls();
  }

  async setCamera(off: boolean) {
    if (off) {
      await this.tx.cam?.sender.replaceTrack(null);
      this.local.cam?.stop();
      this.local.cam = undefined;
    } else {
      const cam = (await navigator.mediaDevices.getUserMedia({ video: CAMERA }).catch(() => null))?.getVideoTracks()[0];
      if (!cam) return this.ui.say('Your camera could not be opened (missing, or not allowed).');
      this.local.cam = cam;
      if (this.tx.cam) await this.tx.cam.sender.replaceTrack(cam);
      else {
        this.tx.cam = await this.addCamera(cam);
        await this.negotiatePub();
      }
    }
    this.muted.cam = off;
    this.signal({ type: 'mute', source: 'cam', muted: off });
    this.renderControls();
  }

  async setScreen(on: boolean) {
    if (on) {
      const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { max: 5 }, width: { max: 1920 }, height: { max: 1080 } }, audio: false });
      const track = stream.getVideoTracks()[0]!;
      track.contentHint = 'detail';
      track.onended = () => void this.setScreen(false);
      this.local.screen = track;
      this.tx.screen = this.pub!.addTransceiver(track, { direction: 'sendonly', sendEncodings: [{ maxBitrate: 1_200_000, maxFramerate: 5 }] });
      this.ui.say(this.mode === 'lecture' ? 'You are sharing your screen: the students see it.' : 'You are sharing your screen.');
    } else {
      if (this.local.screen) this.ui.say('You stopped sharing your screen.');
      this.local.screen?.stop();
      this.local.screen = undefined;
      this.tx.screen?.stop();
      this.tx.screen = undefined;
    }
    this.renderControls();
    await this.negotiatePub();
  }

  // ---- receiving ----------------------------------------------------------------------------

  private async onOffer(sdp: string, tracks: TrackInfo[]) {
    const pc = (this.sub ??= this.newPeer('sub'));
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await this.flush(pc);
    await pc.setLocalDescription(await pc.createAnswer());
    this.signal({ type: 'answer', sdp: pc.localDescription!.sdp });
    this.tracks = tracks;
    const keys = new Set<string>();
    for (const t of tracks) {
      const tr = pc.getTransceivers().find((x) => x.mid === t.mid);
      if (!tr) continue;
      this.ui.attach(t.participant, t.source, tr.receiver.track);
      keys.add(`${t.participant}:${t.source}`);
    }
    this.ui.keepOnly(keys);
  }

  private async flush(pc: RTCPeerConnection | null) {
    if (!pc) return;
    for (const c of this.pending.get(pc) ?? []) await pc.addIceCandidate(c).catch((e) => console.warn('call: ICE candidate refused', e));
    this.pending.delete(pc);
  }

  setView() {
    this.signal({ type: 'view', mode: this.audioOnly ? 'audio-only' : this.quality });
    this.renderControls();
  }

  /** Network changed (new Wi-Fi, mobile data back): restart ICE on both connections. */
  onNetworkChange = () => {
    if (this.left) return;
    if (this.pub) void this.negotiatePub(true);
    if (this.sub) this.signal({ type: 'restart' });
  };

  renderControls() {
    const lecture = this.mode === 'lecture';
    const student = lecture && !this.me.host;
    const pub = this.me.canPublish && !!this.pub;
    this.ui.show('mic', pub && !!this.tx.mic, this.muted.mic ? 'Unmute' : 'Mute');
    this.ui.show('cam', pub && (!lecture || this.me.host), this.muted.cam || !this.local.cam ? 'Camera on' : 'Camera off');
    this.ui.show('screen', pub && (!lecture || this.me.host), this.local.screen ? 'Stop sharing' : 'Share screen');
    this.ui.show('hand', student && !this.me.canPublish, this.hand ? 'Lower hand' : 'Raise hand');
    this.ui.show('mute-all', lecture && this.me.host);
    this.ui.show('record', lecture && this.me.host, this.recordingBy === null ? 'Record' : 'Stop recording');
    this.ui.show('end', lecture && this.me.host);
    this.ui.button('view').setAttribute('aria-pressed', String(this.audioOnly));
    this.ui.panel.classList.toggle('audio-only', this.audioOnly);
    this.ui.selfView({ cam: this.muted.cam ? undefined : this.local.cam, screen: this.local.screen });
  }

  leave() {
    this.signal({ type: 'leave' });
    this.end('You left the call.');
  }

  end(why: string, resume: Resume | null = null) {
    if (this.left) return;
    this.left = true;
    removeEventListener('online', this.onNetworkChange);
    this.stopPublishing();
    this.sub?.close();
    this.sub = null;
    if (this.ws.readyState <= WebSocket.OPEN) this.ws.close(1000);
    this.ui.clear();
    this.ui.say(why);
    this.ui.placeNote(false);
    this.ui.panel.hidden = true;
    document.getElementById(`call-${this.roomId}`)?.removeAttribute('data-in-call');
    this.onEnd(resume);
    this.ui.focusAfter(false);
  }
}
