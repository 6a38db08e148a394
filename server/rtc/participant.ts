/**
 * A participant: one signed-in browser tab in a call, with its two connections (see peer.ts).
 *
 * `pub` (browser offers): what it sends; each incoming track becomes a layer of an Up track, but
 * only for sources the Call allowed in the offer. `sub` (server offers): one Down track per Up
 * track of every other participant. Sub renegotiation is serialised: one offer in flight, changes
 * made meanwhile produce one more offer after the answer (`negotiate`).
 *
 * Our ICE candidates are not trickled: werift gathers its host candidates inside
 * setLocalDescription, so each offer and answer we send already lists them (as announced).
 *
 * Cleanup (`close`): both connections closed, every werift subscription disposed, every timer
 * cleared, Up tracks closed and Down tracks detached. Nothing else holds a participant.
 */
import { candidateAllowed, limitCandidates, MAX_REMOTE_CANDIDATES } from './remote-peers';
import type { RTCPeerConnection, RTCRtpTransceiver, MediaStreamTrack } from 'werift';
import type { RtcConfig } from './config';
import { BitrateEstimator, pickLayer, videoBudgets, type ViewMode } from './control';
import { DownTrack } from './downtrack';
import { announceSdp, bundleAcceptedOnly, createPeer, pausedNotRejected, rembPacket, sdpSections } from './peer';
import type { Seat, Source } from './permissions';
import type { ServerMsg, TrackInfo } from './protocol';
import { UpTrack } from './uptrack';

export interface Endpoint {
  send(msg: ServerMsg): void;
  close(code: number, reason: string): void;
}

export interface Member {
  userId: string;
  name: string;
}

/** What a participant tells its call about (the call decides what follows). */
export interface ParticipantEvents {
  onUpTrack(p: Participant, up: UpTrack): void;
  onUpTrackEnded(p: Participant, up: UpTrack): void;
  onBroken(p: Participant, why: string): void;
  /** Something went wrong that does not end the participant (logged). */
  onWarn(p: Participant, msg: string, fields: Record<string, unknown>): void;
}

/** An answer that cannot be applied (none expected, or refused by werift); its message is for the client. */
export class AnswerRefused extends Error {}

const ANSWER_TIMEOUT_MS = 20_000;
export { MAX_REMOTE_CANDIDATES };
let seq = 0;

export class Participant {
  readonly id = `p${(++seq).toString(36)}${crypto.randomUUID().slice(0, 8)}`;
  hand = false;
  view: ViewMode;
  pub: RTCPeerConnection | null = null;
  sub: RTCPeerConnection | null = null;
  readonly ups = new Map<Source, UpTrack>();
  readonly downs: DownTrack[] = [];
  /** What this participant's browser says it muted itself (shown in the roster). */
  readonly selfMuted: Record<Source, boolean> = { mic: false, cam: false, screen: false };
  /** Subscriber direction (SFU → browser) and publisher direction (browser → SFU). */
  readonly down: BitrateEstimator;
  readonly upEstimate: BitrateEstimator;
  closed = false;
  /** Problems this participant's page reported (Call logs the first few). */
  problems = 0;
  /** Times of recent pub offers, and every mid pub has been offered (Call.offer's limits). */
  readonly offerTimes: number[] = [];
  readonly pubMids = new Set<string>();
  /** The m-lines of the last `sub` offer (mid:port:direction), for those reports. */
  lastSubOffer = '';
  /** What we send this subscriber (bps, measured each second). */
  sendRate = 0;
  private sentBytes = 0;
  private sentAt = 0;
  private sources = new Map<string, Source>();
  private negotiating = false;
  private again = false;
  private restartIce = false;
  private answerTimer: ReturnType<typeof setTimeout> | undefined;
  private debounce: ReturnType<typeof setTimeout> | undefined;
  private disposers: (() => void)[] = [];
  /** Candidates handed to werift, per connection and remote ufrag (reset by a new connection or an ICE restart). */
  private remoteCandidates: Record<'pub' | 'sub', { pc: RTCPeerConnection | null; ufrag: string | null; n: number }> = {
    pub: { pc: null, ufrag: null, n: 0 },
    sub: { pc: null, ufrag: null, n: 0 },
  };

  constructor(
    readonly member: Member,
    public seat: Seat,
    view: ViewMode,
    readonly endpoint: Endpoint,
    private cfg: RtcConfig,
    private events: ParticipantEvents,
    private now: () => number,
  ) {
    this.view = view;
    this.down = new BitrateEstimator(100_000, 20_000_000, 1_500_000);
    this.upEstimate = new BitrateEstimator(150_000, cfg.maxBitrate, cfg.maxBitrate);
  }

  send(msg: ServerMsg) {
    if (!this.closed) this.endpoint.send(msg);
  }

  // ---- publishing ---------------------------------------------------------------------------

  /** Applies an offer the Call already checked; `sources` maps sending mids to sources. */
  async acceptOffer(offered: string, sources: Map<string, Source>) {
    this.sources = sources;
    const pc = (this.pub ??= this.openPub());
    // Candidates listed in the SDP count like trickled ones (remote-peers.ts: addresses, the cap).
    const { sdp, kept } = limitCandidates(this.cfg, offered, MAX_REMOTE_CANDIDATES);
    await pc.setRemoteDescription({ type: 'offer', sdp });
    this.remoteApplied('pub', pc, sdp, kept);
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    if (this.closed) return;
    this.send({ type: 'answer', sdp: announceSdp(this.cfg, bundleAcceptedOnly(pc.localDescription!.sdp)) });
    // Sources no longer sent (screen share stopped, mic revoked) end their Up tracks.
    for (const [source, up] of this.ups) if (![...sources.values()].includes(source)) this.endUp(source, up);
  }

  private openPub(): RTCPeerConnection {
    const pc = createPeer(this.cfg);
    const added = pc.onRemoteTransceiverAdded.subscribe((t) => {
      disableWeriftNack(t);
      const sub = t.onTrack.subscribe((track) => this.onTrack(t, track));
      this.disposers.push(() => sub.unSubscribe());
    });
    this.disposers.push(() => added.unSubscribe());
    return pc;
  }

  private onTrack(t: RTCRtpTransceiver, track: MediaStreamTrack) {
    if (this.closed || !t.mid) return;
    const source = this.sources.get(t.mid);
    if (!source || (source === 'mic') !== (t.kind === 'audio')) return; // not announced: never forwarded
    if (track.rid && (source !== 'cam' || !['l', 'm', 'h'].includes(track.rid))) return;
    let up = this.ups.get(source);
    if (up && up.receiver !== t.receiver) {
      this.endUp(source, up);
      up = undefined;
    }
    const fresh = !up;
    up ??= new UpTrack(`${this.id}-${source}`, this.id, source, t.kind === 'audio' ? 'audio' : 'video', t.receiver, t.kind === 'audio' ? 48_000 : 90_000);
    up.muted = this.selfMuted[source];
    up.addTrack(track, this.now);
    if (fresh) {
      this.ups.set(source, up);
      this.events.onUpTrack(this, up);
    }
  }

  endUp(source: Source, up: UpTrack) {
    if (this.ups.get(source) !== up) return;
    this.ups.delete(source);
    up.close();
    this.events.onUpTrackEnded(this, up);
  }

  /** Stops publishing altogether (permission revoked): ends Up tracks, closes `pub`. */
  async closePub() {
    for (const [s, up] of [...this.ups]) this.endUp(s, up);
    const pc = this.pub;
    this.pub = null;
    await pc?.close().catch(() => {});
  }

  // ---- subscribing --------------------------------------------------------------------------

  subscribe(up: UpTrack) {
    if (this.closed || this.downs.some((d) => d.up === up)) return;
    const sub = (this.sub ??= this.openSub());
    let d = this.downs.find((x) => !x.up && x.kind === up.kind);
    if (d) d.transceiver.setDirection('sendonly');
    else {
      const t = sub.addTransceiver(up.kind, { direction: 'sendonly' });
      // werift's addTransceiver recycles any inactive transceiver it thinks never sent, whatever
      // its kind: a Down paused before its first answer (someone left within ~100 ms of joining)
      // would turn an audio m-line into video, which JSEP forbids and browsers refuse, and leave
      // that DownTrack on a transceiver no longer in the connection. We reuse Downs ourselves, by kind.
      (t as { usedForSender: boolean }).usedForSender = true;
      d = new DownTrack(t, up.kind, { onRemb: (b) => this.down.onRemb(b, this.sendRate, this.now()), onLoss: (f) => this.down.onLoss(f, this.now()) }, this.now);
      this.downs.push(d);
    }
    d.attach(up);
    this.selectLayers();
    this.scheduleNegotiation();
  }

  unsubscribe(up: UpTrack) {
    const d = this.downs.find((x) => x.up === up);
    if (!d) return;
    d.detach();
    d.transceiver.setDirection('inactive');
    this.scheduleNegotiation();
  }

  private openSub(): RTCPeerConnection {
    const pc = createPeer(this.cfg);
    return pc;
  }

  private scheduleNegotiation() {
    if (this.closed) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.negotiate(), 30);
  }

  requestIceRestart() {
    this.restartIce = true;
    this.scheduleNegotiation();
  }

  private async negotiate() {
    const pc = this.sub;
    if (this.closed || !pc) return;
    if (this.negotiating) {
      this.again = true;
      return;
    }
    this.negotiating = true;
    try {
      const offer = await pc.createOffer({ iceRestart: this.restartIce });
      this.restartIce = false;
      await pc.setLocalDescription(offer);
      const sdp = announceSdp(this.cfg, pausedNotRejected(pc.localDescription!.sdp));
      // For a page's problem report: each m-line of what we offered (mid:port:direction).
      this.lastSubOffer = sdpSections(sdp).map((x) => `${x.mid}:${x.port}:${x.direction}`).join(' ');
      if (this.closed) return;
      this.send({ type: 'offer', sdp, tracks: this.trackInfo() });
      // From the first offer without a usable answer: offering again after a refused answer does not extend it.
      this.answerTimer ??= setTimeout(() => this.events.onBroken(this, 'no answer'), this.cfg.answerTimeoutMs ?? ANSWER_TIMEOUT_MS);
    } catch (e) {
      this.negotiating = false;
      this.events.onBroken(this, `offer failed: ${String(e)}`);
    }
  }

  /**
   * The browser's answer to our `sub` offer. The answer timer stops only once an answer applies.
   * An answer werift refuses ends this round: `sub` is offered again (with whatever changed
   * meanwhile) and the error is thrown for the caller to report; the timer keeps running from the
   * first offer, so a browser that never answers usably still leaves ("no answer").
   */
  async acceptAnswer(answered: string) {
    const pc = this.sub;
    if (!pc || !this.negotiating) throw new AnswerRefused('No offer is waiting for an answer.');
    const { sdp, kept } = limitCandidates(this.cfg, answered, MAX_REMOTE_CANDIDATES);
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp });
    } catch (e) {
      this.negotiating = false;
      this.again = false;
      this.scheduleNegotiation();
      throw new AnswerRefused('The answer could not be applied; a new offer follows.', { cause: e });
    }
    this.remoteApplied('sub', pc, sdp, kept);
    clearTimeout(this.answerTimer);
    this.answerTimer = undefined;
    this.negotiating = false;
    if (this.again) {
      this.again = false;
      this.scheduleNegotiation();
    }
  }

  /**
   * A remote description was applied: a new connection or an ICE restart starts a new candidate
   * count, which its own `listed` candidates start (a renegotiation lists the same ones again).
   */
  private remoteApplied(which: 'pub' | 'sub', pc: RTCPeerConnection, sdp: string, listed: number) {
    const count = this.remoteCandidates[which];
    const ufrag = iceUfrag(sdp);
    if (count.pc !== pc || count.ufrag !== ufrag) Object.assign(count, { pc, ufrag, n: 0 });
    count.n = Math.max(count.n, listed);
  }

  trackInfo(): TrackInfo[] {
    const out: TrackInfo[] = [];
    for (const d of this.downs) if (d.up && d.mid) out.push({ mid: d.mid, participant: d.up.participantId, source: d.up.source });
    return out;
  }

  /**
   * A trickled candidate from the browser. Never awaited by signalling: werift may take seconds over
   * one (it asks mDNS for `.local` names), and the socket handles messages one at a time. Dropped:
   * `.local` (mDNS) addresses, which a server cannot resolve (browsers send them for host candidates
   * when the page has no camera/mic permission; their srflx/relay candidates, or our own candidates
   * in the SDP, cover the path), and everything past MAX_REMOTE_CANDIDATES per connection and ICE
   * generation (an ICE restart starts a new count). Errors are logged, never sent to the client.
   */
  addCandidate(which: 'pub' | 'sub', c: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null }): 'added' | 'ignored' {
    const pc = which === 'pub' ? this.pub : this.sub;
    if (!pc || !c.candidate || this.closed) return 'ignored';
    if (candidateAddress(c.candidate)?.replace(/\.$/, '').toLowerCase().endsWith('.local')) return 'ignored';
    if (!candidateAllowed(this.cfg, c.candidate)) return 'ignored'; // remote-peers.ts
    const count = this.remoteCandidates[which];
    if (count.pc !== pc) Object.assign(count, { pc, ufrag: null, n: 0 });
    if (count.n >= MAX_REMOTE_CANDIDATES) return 'ignored';
    count.n++;
    pc.addIceCandidate({ candidate: c.candidate, sdpMid: c.sdpMid ?? undefined, sdpMLineIndex: c.sdpMLineIndex ?? undefined }).catch((err) => {
      if (!this.closed) this.events.onWarn(this, 'call candidate refused', { pc: which, err: String(err) });
    });
    return 'added';
  }

  // ---- bandwidth and layers -----------------------------------------------------------------

  /** Measures the send rate towards this subscriber (called about once a second). */
  measure(now: number) {
    const bytes = this.downs.reduce((a, d) => a + d.sentBytes, 0);
    if (this.sentAt) this.sendRate = Math.round(((bytes - this.sentBytes) * 8 * 1000) / Math.max(1, now - this.sentAt));
    this.sentBytes = bytes;
    this.sentAt = now;
  }

  /** Chooses each video Down track's layer from the view mode and this subscriber's estimate. */
  selectLayers() {
    const now = this.now();
    const videos = this.downs.filter((d) => d.up && d.kind === 'video');
    const screens = videos.filter((d) => d.up!.source === 'screen');
    const cams = videos.filter((d) => d.up!.source === 'cam');
    const audio = this.downs.filter((d) => d.up && d.kind === 'audio').length;
    const budget = videoBudgets(this.down.value(now), audio, screens.map((d) => d.up!.orderedLayers()[0]?.bitrate ?? 0), cams.length);
    for (const d of screens) d.setTarget(pickLayer(this.view === 'audio-only' ? 'audio-only' : 'high', d.up!.layerStates(now), Infinity, d.current));
    for (const d of cams) d.setTarget(pickLayer(this.view, d.up!.layerStates(now), budget.camera, d.current));
  }

  /** What this publisher is asked to send (REMB): its loss-based estimate, capped by the audience's needs. */
  sendRemb(wanted: number) {
    const now = this.now();
    const video = [...this.ups.values()].filter((u) => u.kind === 'video');
    if (!video.length) return;
    const loss = Math.max(...video.flatMap((u) => [...u.layers.values()].map((l) => l.lossFraction)));
    this.upEstimate.onLoss(loss, now);
    const bitrate = Math.min(this.upEstimate.value(now), wanted);
    const ssrcs = video.flatMap((u) => u.ssrcs());
    const receiver = video[0]!.receiver;
    if (ssrcs.length && receiver.dtlsTransport) void receiver.dtlsTransport.sendRtcp([rembPacket(receiver.rtcpSsrc, bitrate, ssrcs)]).catch(() => {});
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  async close() {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.answerTimer);
    clearTimeout(this.debounce);
    for (const [s, up] of [...this.ups]) this.endUp(s, up);
    for (const d of this.downs.splice(0)) d.close();
    for (const d of this.disposers.splice(0)) d();
    const pcs = [this.pub, this.sub];
    this.pub = this.sub = null;
    await Promise.all(pcs.map((pc) => pc?.close().catch(() => {})));
  }
}

/** The connection-address field of an ICE candidate line (`candidate:<foundation> <component> <transport> <priority> <address> <port> typ …`). */
export function candidateAddress(line: string): string | undefined {
  return line.replace(/^a=/, '').trim().split(/\s+/)[4];
}

/** The ICE username fragment of a description (a new one means an ICE restart). */
const iceUfrag = (sdp: string): string | null => /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1] ?? null;

/**
 * werift's receiver NACK generator keeps one sequence space per receiver, but a simulcast receiver
 * gets three SSRCs: it would invent losses. Up tracks send their own NACKs per layer instead.
 */
function disableWeriftNack(t: RTCRtpTransceiver) {
  const nack = (t.receiver as unknown as { nack?: { addPacket: (p: unknown) => void } }).nack;
  if (nack) nack.addPacket = () => {};
}
