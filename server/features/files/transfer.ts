/**
 * Direct transfers of files above FILE_DIRECT_THRESHOLD_BYTES (README "Files → Direct transfers"):
 * the bytes go browser to browser over a WebRTC data channel (or through the server's relay,
 * server/rtc/relay.ts); the server stores only the offer message and signals.
 *
 * State lives in this process's memory: which sockets serve which offer (a sender's open page),
 * and the sessions (one receiver receiving one offer from one sender socket). Every message that
 * names an offer or a session re-checks, against the store, that both people are members of the
 * offer's room; anyone else gets a 404 that tells them nothing.
 */
import type { Config } from '../../config';
import { AppError, badRequest, forbidden, gone, notFound, rateLimited } from '../../errors';
import { iceServersFor } from '../../rtc/config';
import { Relay } from '../../rtc/relay';
import type { Logger } from '../../log';
import type { Message, User } from '../../store/types';
import type { ChatContext } from '../chat/context';
import { memberRoom, postScreened } from '../chat/messages';
import { assertMayAddTo } from '../chat/posting';
import { fileNameText } from '../moderation/screen';
import { takeFileSlot } from './actions';
import { assertMayPost, postingRefusal } from '../moderation/restrictions';
import { formatBytes, sanitizeName, sanitizeType } from './names';
import type { Role, TransferClientMsg, TransferServerMsg } from './transfer-protocol';

/** One signalling socket. */
export interface Peer {
  connId: string;
  userId: string;
  send(m: TransferServerMsg): void;
}

interface Session {
  id: string;
  roomId: string;
  transfer: string;
  sender: Peer;
  receiver: Peer;
  /** Display names, for telling one side that the other left the room. */
  names: { sender: string; receiver: string };
  relay: Relay | null;
}

/** The sockets serving one offer (the sender's open pages), and the offer's room. */
interface Served {
  roomId: string;
  peers: Set<Peer>;
}

/** Relays at once, per server process (each costs CPU for every byte). */
export const MAX_RELAYS = 16;
/**
 * Relays one person receives through at once: two accounts must not take them all (a security
 * review). Per receiver, not per sender: a lecturer's recording goes to a whole class through the
 * relay where the campus network blocks direct connections (FILE_TRANSFER_RELAY_ONLY).
 */
export const MAX_RELAYS_PER_USER = 2;

const unavailable = (msg: string) => new AppError('unavailable', msg);

/** The offer's metadata as stored in the message (kind 'file', meta.direct = true). */
export interface OfferMeta {
  direct: true;
  name: string;
  size: number;
  type: string;
  digest: string;
  from: string;
}

export function offerMeta(m: Message | null): OfferMeta | null {
  const meta = m?.meta;
  if (!m || m.kind !== 'file' || m.deletedAt || !meta || meta.direct !== true) return null;
  return meta as unknown as OfferMeta;
}

type Ended = Extract<TransferServerMsg, { type: 'ended' }>;
/** The other side's socket went: the receiver asks again (from the same sender's other page, or later). */
const PEER_LEFT = { reason: 'peer-left', message: 'The connection to the other side was lost.' } as const;

/** How long a withdrawn offer answers "stopped offering" (410) instead of "not online" (503). */
const WITHDRAWN_MS = 60 * 60 * 1000;

/** How many times one file (its digest) may be offered again in a room after its offer was deleted. */
export const MAX_REOFFERS = 20;

/** The idempotency key of the offer of a file: the first offer, then one more after each deletion. */
const offerClientId = (digest: string, n: number) => `xfer-${digest.slice(0, 40)}${n ? `-${n + 1}` : ''}`;

export class Transfers {
  /** transfer (the offer's message id) → the sockets serving it. */
  private serving = new Map<string, Served>();
  /** Offers whose last serving socket withdrew them (Stop offering): transfer → who and when. */
  private withdrawn = new Map<string, { name: string; at: number }>();
  private sessions = new Map<string, Session>();

  constructor(
    private ctx: ChatContext,
    private config: Config,
    private log: Logger,
  ) {}

  hello(peer: Peer) {
    peer.send({ type: 'hello', iceServers: iceServersFor(this.config.rtc, peer.userId, Date.now()), relayOnly: this.config.files.relayOnly });
  }

  async handle(user: User, peer: Peer, msg: TransferClientMsg) {
    switch (msg.type) {
      case 'offer':
        return this.offer(user, peer, msg);
      case 'request':
        return this.request(user, peer, msg);
      case 'withdraw':
        return this.withdraw(user, peer, msg.transfer);
    }
    const s = await this.session(user, peer, msg.session);
    const other = s.sender === peer ? s.receiver : s.sender;
    const role: Role = s.sender === peer ? 'sender' : 'receiver';
    switch (msg.type) {
      case 'signal':
        return other.send({ type: 'signal', session: s.id, description: msg.description, candidate: msg.candidate });
      case 'relay':
        return this.startRelay(s);
      case 'relay-answer':
        if (!s.relay) throw badRequest('This transfer is not relayed.');
        return s.relay.answer(role, msg.sdp);
      case 'cancel':
        return this.end(s, 'cancelled', { to: [other], reason: 'cancelled', message: `${user.name} cancelled the transfer.` });
      case 'done':
        if (role !== 'receiver') throw badRequest('Only the receiver says when a transfer is done.');
        return this.end(s, 'done', { to: [other], reason: 'done', message: 'Received.' });
    }
  }

  /**
   * Posts the offer message (or finds the one posted before: same sender, room and digest) and serves
   * it from `peer`. A deleted offer stays deleted: offering the file again posts a new offer (with the
   * name given now), which is then the one found again.
   */
  async offer(user: User, peer: Peer, input: Extract<TransferClientMsg, { type: 'offer' }>) {
    const { room, membership } = await memberRoom(this.ctx, user, input.room);
    if (room.archived) throw badRequest('This room is archived: you can read it but not post.');
    // An offer she made before the room became announcements-only is served again (a page re-offers its files after a reconnect).
    await assertMayAddTo(this.ctx.store, user, membership, room, Array.from({ length: MAX_REOFFERS + 1 }, (_, n) => offerClientId(input.digest, n)));
    await assertMayPost(this.ctx.store, user, room);
    const limit = this.config.files.directThresholdBytes;
    if (input.size <= limit) throw badRequest(`Files up to ${formatBytes(limit)} are sent through the server: attach it normally.`);
    // The file budget of uploads (files/actions.ts), every offer counted: a new one posts a message
    // (digests are the client's to make up), and a page re-offers its few files when it reconnects.
    const wait = await takeFileSlot(this.ctx, user, room.id);
    if (wait > 0) throw rateLimited(`You are offering many files to this room at once: try again in ${wait} s.`, wait);
    const meta: OfferMeta = { direct: true, name: sanitizeName(input.name), size: input.size, type: sanitizeType(input.mime), digest: input.digest, from: user.name };
    // The name is screened like a message: a held offer is shown to its sender only, and nobody can request it.
    // Each deleted offer of this file moves on to the next key (the first offer's key, then `-2`, `-3`…).
    for (let n = 0; ; n++) {
      if (n > MAX_REOFFERS) throw badRequest('This file was offered and deleted too many times in this room; it cannot be offered here again.');
      const clientId = offerClientId(input.digest, n);
      const { message, created } = await postScreened(
        this.ctx,
        user,
        room,
        { roomId: room.id, senderId: user.id, clientId, kind: 'file', body: meta.name, mentions: [], meta: meta as unknown as Record<string, unknown> },
        fileNameText,
      );
      if (message.deletedAt || !offerMeta(message)) continue;
      this.withdrawn.delete(message.id);
      let served = this.serving.get(message.id);
      if (!served) this.serving.set(message.id, (served = { roomId: room.id, peers: new Set() }));
      served.peers.add(peer);
      peer.send({ type: 'offered', transfer: message.id, room: room.id, messageId: message.id });
      this.log.info('transfer offer', { connId: peer.connId, userId: user.id, transfer: message.id, size: input.size, created });
      return;
    }
  }

  /** The offer in `roomId`, with both people still members, or 404. */
  private async checkPair(user: User, roomId: string, transfer: string) {
    await memberRoom(this.ctx, user, roomId);
    const message = await this.ctx.store.messages.byId(roomId, transfer);
    const meta = offerMeta(message);
    // A held offer (its name was flagged) exists for its sender only.
    if (!message || !meta || (message.held && message.senderId !== user.id)) throw notFound('No such file offer.');
    const sender = await this.ctx.store.users.byId(message.senderId);
    if (!sender || sender.status !== 'active' || !(await this.ctx.store.rooms.membership(roomId, sender.id))) throw notFound('No such file offer.');
    // A sender who may not post here now (blocked, restricted, frozen room) may not send either.
    if (await postingRefusal(this.ctx.store, sender, { id: roomId })) throw forbidden('This file cannot be sent at the moment.');
    return { message, meta, sender };
  }

  async request(user: User, peer: Peer, input: Extract<TransferClientMsg, { type: 'request' }>) {
    const { message, sender } = await this.checkPair(user, input.room, input.transfer);
    if (sender.id === user.id) throw badRequest('This is your own file.');
    const servers = [...(this.serving.get(message.id)?.peers ?? [])];
    const from = servers[servers.length - 1];
    if (!from) {
      const w = this.withdrawn.get(message.id);
      // A receiver resuming after its channel dropped learns the sender stopped, instead of retrying.
      if (w && Date.now() - w.at <= WITHDRAWN_MS) throw gone(`${w.name} stopped offering this file.`);
      throw unavailable(`${sender.name} is not offering this file right now (their page was closed or reloaded): ask them to open this room and press Offer again.`);
    }
    // A new request from this receiver replaces its earlier session for the same offer (a resume).
    // The sender is told at once: its link for the old session may never have connected (a relay that
    // timed out), and it would otherwise show a progress bar for it until its own timeout.
    for (const s of [...this.sessions.values()]) {
      if (s.transfer !== message.id || s.receiver !== peer) continue;
      this.end(s, 'replaced', { to: [s.sender], reason: 'replaced', message: 'The receiver started again.' });
    }
    const s: Session = { id: crypto.randomUUID(), roomId: input.room, transfer: message.id, sender: from, receiver: peer, names: { sender: sender.name, receiver: user.name }, relay: null };
    this.sessions.set(s.id, s);
    const relay = this.config.files.relayOnly || input.relay === true;
    from.send({ type: 'start', session: s.id, transfer: message.id, role: 'sender', peer: user.name, relay });
    peer.send({ type: 'start', session: s.id, transfer: message.id, role: 'receiver', peer: sender.name, relay });
    this.log.info('transfer start', { session: s.id, transfer: message.id, senderId: sender.id, receiverId: user.id, relay });
    if (relay) await this.startRelay(s);
  }

  /**
   * The sender stops offering (only a socket that serves the offer can withdraw it). Its sessions end
   * here, each receiver told "cancelled" (or "peer-left" while another page of the sender serves it);
   * a receiver between two sessions of a resume (its channel lost, its next request not yet sent) gets
   * 410 for that request instead of retrying a sender who is gone (the offer is remembered as
   * withdrawn for an hour, until it is offered again).
   */
  withdraw(user: User, peer: Peer, transfer: string) {
    const set = this.serving.get(transfer)?.peers;
    if (!set?.delete(peer)) return;
    const now = Date.now();
    if (!set.size) {
      this.serving.delete(transfer);
      for (const [id, w] of this.withdrawn) if (now - w.at > WITHDRAWN_MS) this.withdrawn.delete(id);
      this.withdrawn.set(transfer, { name: user.name, at: now });
    }
    // Still served from another page of the sender: its receivers resume from there (peer-left), not give up.
    const why = set.size ? PEER_LEFT : ({ reason: 'cancelled', message: `${user.name} stopped offering this file.` } as const);
    for (const s of [...this.sessions.values()]) if (s.transfer === transfer && s.sender === peer) this.end(s, 'withdrawn', { to: [s.receiver], ...why });
  }

  /** The session, if `peer` is one of its two sockets and both people are still members; 404 otherwise. */
  private async session(user: User, peer: Peer, id: string): Promise<Session> {
    const s = this.sessions.get(id);
    if (!s || (s.sender !== peer && s.receiver !== peer)) throw notFound('No such transfer.');
    try {
      await this.checkPair(user, s.roomId, s.transfer);
      const other = await this.ctx.store.users.byId(s.sender === peer ? s.receiver.userId : s.sender.userId);
      if (!other || other.status !== 'active' || !(await this.ctx.store.rooms.membership(s.roomId, other.id))) throw notFound('No such transfer.');
    } catch (e) {
      // A store failure is not a verdict: the session stays, and the caller gets a 500 to retry.
      if (!(e instanceof AppError)) throw e;
      this.end(s, 'membership', { to: [s.sender === peer ? s.receiver : s.sender], reason: 'failed', message: 'This transfer is no longer allowed.' });
      throw e;
    }
    return s;
  }

  private async startRelay(s: Session) {
    if (s.relay) return;
    const relayed = [...this.sessions.values()].filter((x) => x.relay);
    if (relayed.length >= MAX_RELAYS) throw unavailable('The server is relaying too many transfers right now; try again in a few minutes.');
    if (relayed.filter((x) => x.receiver.userId === s.receiver.userId).length >= MAX_RELAYS_PER_USER) {
      throw unavailable(`At most ${MAX_RELAYS_PER_USER} files per person come through the server at once; this one can start when one of them has arrived.`);
    }
    const relay = new Relay(this.config.rtc, (reason) => {
      this.log.info('relay end', { session: s.id, reason, ...relay.stats(), ms: Date.now() - relay.startedAt });
      if (s.relay !== relay) return;
      s.relay = null;
      // The relay ended by itself (a channel closed, it could not connect, the pipe broke) while the
      // session lives: a browser may not notice its own channel going for tens of seconds, so both
      // sides are told now; the receiver then asks again from its verified offset.
      this.end(s, 'relay ended', { to: [s.sender, s.receiver], reason: 'peer-left', message: 'The connection through the server was lost.' });
    });
    s.relay = relay;
    const [forSender, forReceiver] = await Promise.all([relay.offer('sender'), relay.offer('receiver')]);
    // Cancelled or replaced while the relay was being set up: nobody will answer it.
    if (!this.sessions.has(s.id)) return relay.close('the session ended before the relay was ready');
    s.sender.send({ type: 'relay-offer', session: s.id, sdp: forSender });
    s.receiver.send({ type: 'relay-offer', session: s.id, sdp: forReceiver });
  }

  /**
   * Ends a live session, once: `tell` names who hears why (`ended`), which happens only if the session
   * was still live, so a session ended twice (a relay closing after a cancel) tells nobody twice.
   */
  private end(s: Session, reason: string, tell?: { to: Peer[]; reason: Ended['reason']; message: string }) {
    if (!this.sessions.delete(s.id)) return;
    if (tell) for (const p of tell.to) p.send({ type: 'ended', session: s.id, reason: tell.reason, message: tell.message });
    s.relay?.close(reason);
    s.relay = null;
    this.log.info('transfer end', { session: s.id, reason });
  }

  /**
   * The user of `peer` is no longer a member of `roomId` (removed from it: the hub unsubscribed the
   * socket, transfer-routes.ts). At once, not on the next signalling message (a relayed or direct
   * transfer needs none once it flows): `peer` stops serving its offers in that room, and each of its
   * sessions there ends `failed` (final), both sides told why.
   */
  left(peer: Peer, roomId: string) {
    for (const [id, served] of this.serving) if (served.roomId === roomId && served.peers.delete(peer) && !served.peers.size) this.serving.delete(id);
    for (const s of [...this.sessions.values()]) {
      if (s.roomId !== roomId || (s.sender !== peer && s.receiver !== peer)) continue;
      const [other, name] = s.sender === peer ? [s.receiver, s.names.sender] : [s.sender, s.names.receiver];
      this.end(s, 'left the room', { to: [other], reason: 'failed', message: `${name} is no longer a member of this room; the transfer has ended.` });
      peer.send({ type: 'ended', session: s.id, reason: 'failed', message: 'You are no longer a member of this room; the transfer has ended.' });
    }
  }

  /**
   * The offer's message was deleted or hidden by safeguarding: nobody serves it any more, and each
   * session of it ends `failed` at once, both sides told (a flowing transfer sends no signalling
   * message that would find out).
   */
  offerGone(transfer: string) {
    this.serving.delete(transfer);
    for (const s of [...this.sessions.values()]) {
      if (s.transfer !== transfer) continue;
      this.end(s, 'offer removed', { to: [s.sender, s.receiver], reason: 'failed', message: 'This file offer was removed from the room; the transfer has ended.' });
    }
  }

  /** A signalling socket closed: it serves nothing any more and its sessions end (the other side may retry). */
  closed(peer: Peer) {
    for (const [id, served] of this.serving) if (served.peers.delete(peer) && !served.peers.size) this.serving.delete(id);
    for (const s of [...this.sessions.values()]) {
      if (s.sender !== peer && s.receiver !== peer) continue;
      this.end(s, 'peer-left', { to: [s.sender === peer ? s.receiver : s.sender], ...PEER_LEFT });
    }
  }

  stats() {
    return { serving: this.serving.size, sessions: this.sessions.size, relays: [...this.sessions.values()].filter((s) => s.relay).length };
  }

  /** The relay of a session (tests and the benchmark read its window accounting). */
  relayOf(sessionId: string): Relay | null {
    return this.sessions.get(sessionId)?.relay ?? null;
  }

  close() {
    for (const s of [...this.sessions.values()]) this.end(s, 'shutdown');
  }
}
