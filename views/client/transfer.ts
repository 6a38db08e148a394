/**
 * Browser side of direct transfers (README "Files → Direct transfers"), bundled into upload.js.
 * A file above the server's threshold is not uploaded: `offerDirect` hashes it (SHA-256 per 1 MB
 * block, crypto.subtle), posts an offer in the room over the /xfer socket, and serves it for as long
 * as the page is open. "Receive" on an offer asks the server to start a session; sender and receiver
 * then get a data channel (transfer-peer.ts) and run the wire protocol (transfer-engine.ts); the
 * receiver saves through the service-worker download (transfer-sink.ts). A lost channel or socket is
 * resumed from the receiver's verified offset with a new session.
 */
import { socketUrl } from './socket-url';
import { checkSession } from './session-check';
import { toSignIn } from './to-sign-in';
import type { TransferServerMsg } from '../../server/features/files/transfer-protocol';
import { rootDigest } from '../../server/rtc/relay-wire';
import { blockHashes, ReceiveEngine, SendEngine } from './transfer-engine';
import { Link } from './transfer-peer';
import { openSink, type Sink } from './transfer-sink';
import { fmtBytes, Progress } from './transfer-ui';

type Msg = TransferServerMsg;

interface Served {
  file: File;
  room: string;
  shas: string[];
  digest: string;
  transfer: string | null;
  /** Sessions sending this file now. */
  sessions: Set<string>;
  row: HTMLElement;
  status: HTMLElement;
}

interface Receive {
  room: string;
  transfer: string;
  name: string;
  size: number;
  engine: ReceiveEngine;
  sink: Sink;
  box: HTMLElement;
  progress: Progress;
  session: string | null;
  /** Earlier sessions of this receive: a sender's "cancelled" may arrive after a lost channel replaced its session. */
  past: string[];
  link: Link | null;
  /** Offset each channel started from (tests read it: a resume starts above 0). */
  starts: number[];
  modes: string[];
  retries: number;
  /** Times the watchdog resumed it (tests read it). */
  stalls: number;
  /** Last sign of life (request sent, session started, channel open, bytes arriving): the stall watchdog reads it. */
  active: number;
  /** When the bar last showed arriving bytes (it is redrawn at most twice a second). */
  shown: number;
  relay: boolean;
  state: 'receiving' | 'done' | 'failed' | 'cancelled';
}

const served: Served[] = [];
const receives = new Map<string, Receive>();
const links = new Map<string, Link>();
let pendingOffer: Served | null = null;
let iceServers: RTCIceServer[] = [];
let ws: WebSocket | null = null;
let retry = 0;

function send(m: Record<string, unknown>) {
  if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m));
}

function connect() {
  if (ws) return;
  const s = (ws = new WebSocket(socketUrl('/xfer')));
  s.onopen = () => {
    retry = 0;
    for (const f of served) sendOffer(f);
    for (const r of receives.values()) if (r.state === 'receiving') request(r);
  };
  s.onmessage = (e) => void onMessage(JSON.parse(String(e.data)) as Msg);
  s.onclose = (e) => {
    if (ws !== s) return;
    ws = null;
    if (e.code === 4401) return toSignIn();
    checkSession(e.code);
    for (const l of links.values()) l.close();
    links.clear();
    setTimeout(connect, Math.min(10_000, 500 * 2 ** retry++));
  };
}

function sendOffer(f: Served) {
  send({ type: 'offer', room: f.room, name: f.file.name, size: f.file.size, mime: f.file.type, digest: f.digest });
}

/**
 * A receive that shows no sign of life for this long is resumed with a new session: whatever got
 * stuck (a lost signal, a channel that opened on one side only, a peer that stopped sending), the
 * receiver should not wait forever. Longer than the direct attempt plus the relay's set-up.
 */
const STALL_MS = 30_000;
let watchdog: ReturnType<typeof setInterval> | null = null;

function watch() {
  // Tests shorten it (localStorage 'letstalk.transfer.stallMs').
  const stallMs = Number(localStorage.getItem('letstalk.transfer.stallMs')) || STALL_MS;
  watchdog ??= setInterval(() => {
    for (const r of receives.values()) {
      if (r.state !== 'receiving' || Date.now() - r.active <= stallMs) continue;
      console.warn(`transfer ${r.transfer}: no progress for ${stallMs / 1000} s at ${r.engine.offset} bytes (session ${r.session}); resuming`);
      r.stalls++;
      resume(r, `Nothing arrived for ${Math.round(stallMs / 1000)} s at ${fmtBytes(r.engine.offset)}. Reconnecting…`);
    }
  }, Math.min(5000, stallMs / 2));
}

function request(r: Receive) {
  r.active = Date.now();
  send({ type: 'request', room: r.room, transfer: r.transfer, relay: r.relay || undefined });
}

async function onMessage(m: Msg) {
  switch (m.type) {
    case 'hello':
      iceServers = m.iceServers;
      return;
    case 'offered': {
      const f = served.find((x) => x.transfer === m.transfer) ?? pendingOffer;
      // Stopped before the server confirmed it: stop serving it there too.
      if (!f) return send({ type: 'withdraw', transfer: m.transfer });
      f.transfer = m.transfer;
      if (f === pendingOffer) pendingOffer = null;
      f.status.textContent = 'Offered in the room. Keep this page open while others receive it.';
      return;
    }
    case 'start':
      return m.role === 'sender' ? startSending(m) : startReceiving(m);
    case 'signal':
      return links.get(m.session)?.remote(m);
    case 'relay-offer':
      return links.get(m.session)?.relay(m.sdp);
    case 'ended': {
      links.get(m.session)?.close();
      links.delete(m.session);
      const r = [...receives.values()].find((x) => x.session === m.session || x.past.includes(m.session));
      if (!r || r.state !== 'receiving') return;
      if (m.reason === 'peer-left') return r.session === m.session ? resume(r) : undefined;
      if (m.reason === 'cancelled') return finish(r, 'cancelled', m.message);
      if (m.reason === 'failed' && r.session === m.session) return finish(r, 'failed', m.message);
      return;
    }
    case 'error': {
      const r = [...receives.values()].find((x) => x.transfer === m.transfer || (m.session && x.session === m.session));
      if (r && r.state === 'receiving') {
        // The sender may be reconnecting: a transfer already under way keeps trying for a while.
        if (m.status === 503 && r.engine.offset > 0 && r.retries < 8) return resume(r);
        return finish(r, m.status === 410 ? 'cancelled' : 'failed', m.message); // 410: the sender stopped offering it
      }
      const f = pendingOffer;
      if (f && !m.session) {
        pendingOffer = null;
        f.status.setAttribute('role', 'alert');
        f.status.textContent = m.message;
      }
    }
  }
}

function startSending(m: Extract<Msg, { type: 'start' }>) {
  const f = served.find((x) => x.transfer === m.transfer);
  if (!f) return send({ type: 'cancel', session: m.session });
  const progress = new Progress(`Sending ${f.file.name} to ${m.peer}`, f.file.size);
  const li = document.createElement('li');
  li.className = 'upload';
  li.append(progress.el, progress.info);
  f.row.append(li);
  let engine: SendEngine | null = null;
  const read = async (a: number, b: number) => new Uint8Array(await f.file.slice(a, b).arrayBuffer());
  const link = new Link('sender', m.session, send, iceServers, {
    open: (wire, mode) => {
      engine = new SendEngine(wire, f.file.size, read, f.shas, {
        progress: (n) => (n >= f.file.size ? (li.remove(), links.delete(m.session)) : progress.set(n, ` · ${mode === 'relay' ? 'through the server' : 'direct'}`)),
        cancelled: () => li.remove(),
        failed: () => link.close(),
      });
    },
    message: (d) => engine?.message(d),
    lost: () => links.delete(m.session),
  });
  link.onclose = () => {
    li.remove();
    f.sessions.delete(m.session);
  };
  f.sessions.add(m.session);
  links.set(m.session, link);
  if (!m.relay) void link.direct();
}

function startReceiving(m: Extract<Msg, { type: 'start' }>) {
  const r = receives.get(m.transfer);
  if (!r || r.state !== 'receiving') return send({ type: 'cancel', session: m.session });
  // A newer session replaces one still attached: the old link is closed (close() never reports
  // `lost`), so its late events cannot resume or detach the transfer under the new one.
  if (r.session && r.session !== m.session) {
    r.link?.close();
    links.delete(r.session);
    r.past.push(r.session);
  }
  r.session = m.session;
  r.active = Date.now();
  const link = (r.link = new Link('receiver', m.session, send, iceServers, {
    open: (wire, mode) => {
      r.retries = 0;
      r.active = Date.now();
      r.starts.push(r.engine.offset);
      r.modes.push(mode);
      r.engine.attach(wire);
    },
    message: (d) => r.engine.message(d),
    lost: () => {
      links.delete(m.session);
      r.engine.detach();
      if (r.state === 'receiving') resume(r);
    },
  }));
  links.set(m.session, link);
  if (!m.relay) void link.direct();
}

/** A new session from the verified offset, after a short back-off. */
function resume(r: Receive, why = `Connection lost at ${fmtBytes(r.engine.offset)}. Reconnecting…`) {
  r.link?.close();
  r.link = null;
  r.engine.detach();
  if (r.session) r.past.push(r.session);
  r.session = null;
  r.active = Date.now();
  r.progress.info.textContent = why;
  setTimeout(() => r.state === 'receiving' && request(r), Math.min(8000, 500 * 2 ** r.retries++));
}

function finish(r: Receive, state: Receive['state'], message: string) {
  r.state = state;
  r.link?.close();
  r.engine.detach();
  if (state === 'done') r.sink.close();
  else r.sink.abort(message);
  r.progress.info.textContent = message;
  if (state !== 'done') r.progress.info.setAttribute('role', 'alert');
  r.box.querySelector('button')!.hidden = state === 'done';
  r.box.querySelector('button')!.textContent = 'Receive';
}

/** Receive (or, while receiving, cancel) the offer shown in `box`. */
export async function receive(box: HTMLElement, room: string, transfer: string) {
  const old = receives.get(transfer);
  if (old?.state === 'receiving') {
    // The button is "Cancel" while receiving.
    // Between two sessions of a resume, the last one may still be alive on the server (and the sender's link with it).
    const id = old.session ?? old.past.at(-1);
    if (id) send({ type: 'cancel', session: id });
    old.engine.cancel();
    return finish(old, 'cancelled', 'Cancelled.');
  }
  const name = box.dataset.xferName!;
  const size = Number(box.dataset.xferSize);
  const status = box.querySelector<HTMLElement>('.xfer-status')!;
  const sink = await openSink(transfer, name, size, 'application/octet-stream');
  const progress = new Progress(`Receiving ${name}`, size);
  const row = document.createElement('div');
  row.className = 'upload';
  row.append(progress.el, progress.info);
  status.replaceChildren(row);
  if (sink.kind === 'memory') status.append(' This browser cannot save while receiving: the file is kept in memory until it is complete.');
  const r: Receive = {
    room, transfer, name, size, sink, box, progress, session: null, past: [], link: null, starts: [], modes: [], retries: 0, stalls: 0, active: Date.now(), shown: 0, state: 'receiving',
    relay: localStorage.getItem('letstalk.transfer.relay') === '1',
    engine: new ReceiveEngine(size, box.dataset.xferDigest!, (b) => sink.write(b), {
      progress: (n) => {
        r.active = Date.now();
        progress.set(n, r.modes.at(-1) === 'relay' ? ' · through the server' : ' · direct');
      },
      // A slow link (a phone at 20 KB/s takes nearly a minute per 1 MiB block) is alive while bytes
      // arrive: it used to be "stalled" every 30 s and its partial block fetched again for ever. The
      // bar shows them too (at most every half second), not only checked blocks.
      arriving: (pos) => {
        r.active = Date.now();
        if (Date.now() - r.shown < 500) return;
        r.shown = Date.now();
        progress.set(pos, r.modes.at(-1) === 'relay' ? ' · through the server' : ' · direct');
      },
      done: () => {
        if (r.session) send({ type: 'done', session: r.session });
        finish(r, 'done', `Saved ${name} (${fmtBytes(size)}, checked).`);
      },
      failed: (why) => {
        if (r.session) send({ type: 'cancel', session: r.session });
        finish(r, 'failed', why);
      },
      cancelled: () => finish(r, 'cancelled', 'The sender cancelled the transfer.'),
    }),
  };
  sink.oncancel = () => receive(box, room, transfer);
  receives.set(transfer, r);
  watch();
  box.querySelector('button')!.textContent = 'Cancel';
  connect();
  request(r);
}

/** Offers a file above the threshold in `room` (called by upload.ts). */
export async function offerDirect(file: File, room: string, list: HTMLElement, expect?: { digest: string }) {
  const row = document.createElement('li');
  row.className = 'upload';
  const status = document.createElement('span');
  status.className = 'upload-info';
  status.setAttribute('aria-live', 'polite');
  const stop = document.createElement('button');
  stop.type = 'button';
  stop.className = 'link';
  stop.textContent = 'Stop offering';
  row.append(file.name, ' ', status, ' ', stop);
  list.append(row);
  const read = async (a: number, b: number) => new Uint8Array(await file.slice(a, b).arrayBuffer());
  const shas = await blockHashes(file.size, read, (n) => (status.textContent = `Preparing… ${Math.floor((n / file.size) * 100)}%`));
  const digest = await rootDigest(shas);
  if (expect && expect.digest !== digest) {
    status.setAttribute('role', 'alert');
    status.textContent = 'This is not the file you offered (its content differs).';
    return;
  }
  const f: Served = { file, room, shas, digest, transfer: null, sessions: new Set(), row, status };
  stop.onclick = () => {
    // Receivers are told (cancelled) by the server, rather than left waiting for a sender who will not come back.
    if (f.transfer) send({ type: 'withdraw', transfer: f.transfer });
    for (const id of f.sessions) links.get(id)?.close();
    served.splice(served.indexOf(f), 1);
    if (pendingOffer === f) pendingOffer = null;
    row.remove();
    if (!served.length) ws?.close();
  };
  served.push(f);
  pendingOffer = f;
  if (ws?.readyState === WebSocket.OPEN) sendOffer(f);
  else connect();
}

/** Whether this page is offering the transfer now (its own offer's button then has nothing to do). */
export const isServing = (transfer: string) => served.some((f) => f.transfer === transfer);

let config: Promise<{ thresholdBytes: number; maxFileBytes: number }> | null = null;
/**
 * The server's file limits (asked once): above `thresholdBytes` a file goes browser to browser; a
 * stored one may have at most `maxFileBytes`. Null when they could not be had: upload as usual (the
 * server refuses what is too large).
 */
export async function fileLimits(): Promise<{ thresholdBytes: number; maxFileBytes: number } | null> {
  config ??= fetch('/transfers/config').then((r) => r.json());
  try {
    return await config;
  } catch {
    config = null; // ask again next time
    return null;
  }
}

/** What tests read and do in the page (window.letstalkTransfers). */
export const testHooks = {
  receives: () => [...receives.values()].map((r) => ({ transfer: r.transfer, offset: r.engine.offset, size: r.size, state: r.state, stalls: r.stalls, starts: r.starts, modes: r.modes, sink: r.sink.kind, redone: r.engine.redone })),
  cut: () => links.forEach((l) => l.cut()),
  dropSocket: () => ws?.close(),
  stall: () => links.forEach((l) => (l.muted = true)),
};
