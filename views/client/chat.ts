/**
 * Browser side of chat, on top of htmx 4 and its hx-ws extension (which owns the socket, its
 * reconnects and the swaps). This module wires together what htmx cannot know:
 * - ordering and de-duplication of pushed messages (message-log.ts), routed there from the
 *   socket's frames (incoming.ts);
 * - the resume handshake (last rev per open room) on every (re)connection;
 * - the outbox (pending → sent), kept across reloads (outbox.ts) and shown and flushed after the
 *   replay (outbox-view.ts);
 * - connection state, unread badges for rooms not on screen, read markers, typing, edit/delete.
 */
import { Outbox, newClientId, type Pending } from './outbox';
import { outboxView } from './outbox-view';
import { messageLog } from './message-log';
import { routeIncoming } from './incoming';
import { REORDER_WINDOW } from '../../server/features/chat/limits';
import { editBoxes } from './edit-box';
import { keepOlderLoading } from './older';
import { showLength, tooLong, watchLengths } from './length';
import { backOnTab, showElsewhere, unreadCounter } from './elsewhere';
import { markWhereLeftOff } from './unread-line';
import { typingLines } from './typing';
import { pinButtons } from './pins';
import { toSignIn } from './to-sign-in';
import { checkSession } from './session-check';
import { keepOpenInBackground, replaceSocket, watchNetwork, type WsDetail } from './network';
import { askReport } from './report';
import { ConnectWatch, Heartbeat } from './heartbeat';
import { unconfirmedActions } from './unconfirmed';
import { dismissableNotices } from './notice';
import { desktopNotifications } from './notify';
import { registerOfflinePage } from './offline';
import { onDemand, type Lazy } from './on-demand';
import { callBar } from './call-bar';
import { callStatusOrder } from './call-status';
import { attachFiles } from './attach';
import { offerButtons } from './offer-buttons';
import { replies } from './replies';
import { reactions } from './reactions';
import { polls } from './polls';
import { keepDrafts } from './drafts';

declare const htmx: { config: Record<string, unknown> };
/** The hashed URLs of call.js and upload.js, set when app.js is built (server/http/assets.ts). */
declare const LT_LAZY: Record<Lazy, string>;

const RECONNECT_CODES = [1001, 1005, 1006, 1011, 1012, 1013, 1014, 4000];
htmx.config.ws = { reconnectDelay: 500, reconnectMaxDelay: 5000, reconnectCodes: RECONNECT_CODES };

const app = document.querySelector<HTMLElement>('.app[data-me]');
if (app) start(app);

function start(app: HTMLElement) {
  const me = app.dataset.me!;
  const outbox = new Outbox(`lt-outbox:${me}`);
  const statusEl = document.getElementById('conn-status');
  let socket: WebSocket | null = null;
  let connection: WsDetail['connection'] | null = null;
  let resumed = false;
  let lastTyping = 0;
  let readTimer: ReturnType<typeof setTimeout> | undefined;

  const roomEl = () => document.querySelector<HTMLElement>('main.room[data-room]');
  const openRoom = () => roomEl()?.dataset.room ?? null;
  const isOpen = () => socket !== null && socket.readyState === WebSocket.OPEN;
  const send = (frame: Record<string, unknown>) => {
    if (!isOpen()) return false;
    socket!.send(JSON.stringify(frame));
    return true;
  };
  const edits = editBoxes(send, button);
  const typers = typingLines();
  const heartbeat = new Heartbeat();
  const connecting = new ConnectWatch<WebSocket>();
  const waiting = unconfirmedActions((room, text) => roomAlert(room, text));
  const notifier = desktopNotifications(me, openRoom);
  const pending = outboxView(outbox, { send, isOpen, resumed: () => resumed }, button);
  const countUnread = unreadCounter(me, openRoom);
  const replying = replies(openRoom);
  const rx = reactions({ me, openRoom, send, roomAlert });
  pinButtons(openRoom, roomAlert);
  const poll = polls({ openRoom, send, roomAlert });
  const draft = keepDrafts(me, openRoom());
  const { onMessages, decorate } = messageLog({ me, roomEl, openRoom, typers, notifier, countUnread, edits, outbox: pending, scheduleRead, changed: replying.changed, carry: (old, art) => (rx.carry(old, art), poll.carry(old, art)), placed: replying.placed });

  // ---- connection state -------------------------------------------------------------------
  function setStatus() {
    const text = isOpen() && resumed ? '' : navigator.onLine ? 'Reconnecting…' : 'Offline — messages will be sent when you reconnect';
    if (statusEl && statusEl.textContent !== text) statusEl.textContent = text;
    app.dataset.conn = text ? 'down' : 'up';
    pending.render();
  }

  /** The resume's replay is done (incoming.ts): the page is up to date, and the outbox goes, in order. */
  function onResumed() {
    resumed = true;
    notifier.resync();
    setStatus();
    pending.flush();
    scheduleRead();
  }

  // The connection is known from its first attempt, so a first socket that never opens is watched
  // too (ConnectWatch below), not only the ones that replace it.
  app.addEventListener('htmx:ws:before:connection', (e) => void (connection = (e as CustomEvent<WsDetail>).detail.connection));
  app.addEventListener('htmx:ws:after:connection', (e) => {
    connection = (e as CustomEvent<WsDetail>).detail.connection;
    socket = connection.socket;
    keepOpenInBackground(connection);
    resumed = false;
    heartbeat.heard(Date.now());
    const room = roomEl();
    const rooms: Record<string, number> = {};
    const have: Record<string, number[]> = {};
    const rxAt: Record<string, number> = {};
    if (room) {
      const id = room.dataset.room!;
      const rev = (rooms[id] = Number(room.dataset.lastRev ?? 0));
      // The revs held just below ours: the server also sends what in that window we lack (limits.ts REORDER_WINDOW).
      const revs = Array.from(room.querySelectorAll<HTMLElement>('article.msg[data-rev]'), (a) => Number(a.dataset.rev));
      have[id] = revs.filter((r) => r <= rev && r > rev - REORDER_WINDOW).slice(-REORDER_WINDOW);
      rxAt[id] = Number(room.dataset.rxAt ?? 0);
    }
    send({ type: 'resume', rooms, have, rxAt });
  });
  let signingOut = false;
  document.addEventListener('submit', (e) => void ((e.target as HTMLFormElement).getAttribute('action') === '/logout' && (signingOut = true)));
  app.addEventListener('htmx:ws:close', (e) => {
    const d = (e as CustomEvent<WsDetail>).detail;
    connection = d.connection;
    socket = null;
    resumed = false;
    waiting.lost();
    // The session ended or was revoked: back here after signing in again. Not after this tab's own
    // "Sign out", whose form is already on its way to /login.
    if (d.code === 4401 && !signingOut) toSignIn();
    // Refused at the upgrade (signed out meanwhile) looks like any lost connection: ask.
    else if (!signingOut) checkSession(d.code ?? undefined);
    setStatus();
  });
  watchNetwork(() => ({ connection, socket }), setStatus);
  // A socket that stays open but carries nothing (heartbeat.ts): given up and replaced, the page
  // says "Reconnecting…", messages wait in the outbox, and deletes and reports not yet answered say so.
  // A new socket that never opens is replaced too (ConnectWatch).
  setInterval(() => {
    const opening = connection?.socket?.readyState === WebSocket.CONNECTING ? connection.socket : null;
    if (connecting.check(opening, Date.now())) {
      keepOpenInBackground(connection!); // a first socket never got to it: its replacement must follow the same rules
      replaceSocket(connection!);
      return setStatus();
    }
    if (!isOpen() || !connection) return;
    const next = heartbeat.check(Date.now());
    if (next === 'ping') send({ type: 'ping' });
    else if (next === 'dead') {
      socket = null;
      resumed = false;
      waiting.lost();
      replaceSocket(connection);
      setStatus();
    }
  }, 2500);

  // ---- incoming ---------------------------------------------------------------------------
  routeIncoming(app, { me, openRoom, heartbeat, onMessages, onResumed, typers, notifier, outbox: pending, edits, waiting, roomAlert, reactions: rx.apply, polls: poll, callStatuses: callStatusOrder() });
  app.addEventListener('htmx:ws:after:message:incoming', markCurrentRoom);

  document.addEventListener('visibilitychange', () => void (document.hidden || backOnTab(openRoom())));

  function markCurrentRoom() {
    const id = openRoom();
    document.querySelectorAll('#room-list a[aria-current]').forEach((a) => a.removeAttribute('aria-current'));
    if (id) document.querySelector(`#rl-${CSS.escape(id)} a`)?.setAttribute('aria-current', 'page');
    showElsewhere(id);
  }

  function scheduleRead() {
    clearTimeout(readTimer);
    readTimer = setTimeout(() => {
      const room = roomEl();
      if (!room || document.hidden) return;
      const seqs = Array.from(room.querySelectorAll<HTMLElement>('article.msg')).map((a) => Number(a.dataset.seq));
      if (seqs.length) send({ type: 'read', room: room.dataset.room, seq: Math.max(...seqs) });
    }, 800);
  }
  document.addEventListener('visibilitychange', scheduleRead);

  // ---- outgoing ---------------------------------------------------------------------------
  app.addEventListener('htmx:ws:before:message:outgoing', (e) => {
    const d = (e as CustomEvent<WsDetail>).detail;
    const v = d.message.values;
    if (!v || v.type !== 'send') return;
    const body = String(v.body ?? '');
    const form = (e.target as HTMLElement).closest('form');
    if (!body.trim()) return void (d.cancelled = true);
    // Refused here, the text still in the box: the server would refuse it too.
    const long = tooLong(body);
    roomAlert(String(v.room), long && `Not sent: ${long}`);
    if (long) return void (d.cancelled = true);
    // Not replying: the composer's empty replyTo field is not sent.
    const replyTo = String(v.replyTo ?? '');
    if (!replyTo) delete v.replyTo;
    const p: Pending = { room: String(v.room), clientId: newClientId(), body, ...(replyTo ? { replyTo } : {}), at: Date.now(), state: 'pending' };
    lastTyping = 0; // the next message's typing shows at once (the server resets its throttle too)
    v.clientId = p.clientId;
    outbox.add(p);
    form?.reset();
    draft.sent();
    replying.clear();
    // reset() fires no input event: the counter would keep the sent text's length.
    const box = form?.querySelector('textarea');
    if (box) showLength(box);
    pending.render();
    // Until the replay is done, queue: the flush after `resumed` sends it in order.
    if (!isOpen() || !resumed) d.cancelled = true;
  });

  /** Why an action without an outbox (delete, report, edit) did nothing. */
  const OFFLINE = 'there is no connection. Try again when it is back.';

  /** The line under the composer (role=alert): why something did not happen, or (`ok`) a thank-you, not styled as an error. */
  function roomAlert(room: string, text: string | null, ok = false) {
    const p = document.getElementById(`composer-error-${room}`);
    if (!p) return;
    p.hidden = !text;
    p.classList.toggle('ok', ok);
    p.textContent = text ?? '';
  }

  function button(label: string, action: string) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'link';
    b.dataset.action = action;
    b.textContent = label;
    return b;
  }

  // ---- composer, edit, delete -------------------------------------------------------------
  // Enter sends with a keyboard; on a touch screen it starts a new line (a phone has no Shift+Enter),
  // and the Send button sends.
  const touch = matchMedia('(pointer: coarse)');
  document.addEventListener('keydown', (e) => {
    const t = e.target as HTMLElement;
    if (t.id === 'message' && e.key === 'Enter' && !e.shiftKey && !e.isComposing && !touch.matches) {
      e.preventDefault();
      (t.closest('form') as HTMLFormElement | null)?.requestSubmit();
    }
  });
  document.addEventListener('input', (e) => {
    const t = e.target as HTMLElement;
    const room = openRoom();
    if (t.id !== 'message' || !room || Date.now() - lastTyping < 3000) return;
    if (send({ type: 'typing', room })) lastTyping = Date.now();
  });
  document.addEventListener('click', async (e) => {
    // "Show image", "Play video", "Play sound": loads a large image or a player into the message, in
    // place (without JavaScript the link opens it). The server renders what is shown inside a
    // <template> next to the link (views/files.ts).
    const show = (e.target as HTMLElement).closest<HTMLAnchorElement>('a.show-image');
    const shown = show?.nextElementSibling;
    if (show && shown instanceof HTMLTemplateElement) {
      e.preventDefault();
      show.parentElement!.replaceWith(shown.content.cloneNode(true));
      return;
    }
    const b = (e.target as HTMLElement).closest<HTMLElement>('button[data-action]');
    if (!b) return;
    const room = openRoom();
    const art = b.closest<HTMLElement>('article.msg');
    const li = b.closest<HTMLElement>('li.pending');
    const action = b.dataset.action;
    if (li && action === 'retry') pending.retry(li.dataset.clientId!);
    else if (li && action === 'discard') pending.discard(li.dataset.clientId!);
    else if (art && room && action === 'delete') {
      // Deletes have no outbox (a delete sent much later could surprise): offline, say so.
      if (!confirm('Delete this message for everyone?')) return;
      if (send({ type: 'delete', room, message: art.id.slice(2) })) waiting.sent('delete', room, art.id.slice(2));
      else roomAlert(room, `Not deleted: ${OFFLINE}`);
    } else if (art && room && action === 'report') {
      const why = await askReport(b);
      if (why === 'harm' || why === 'concern') {
        if (send({ type: 'report', room, message: art.id.slice(2), ...(why === 'concern' ? { concern: true } : {}) })) waiting.sent('report', room, art.id.slice(2));
        else roomAlert(room, `Not reported: ${OFFLINE}`);
      }
    } else if (art && room && action === 'edit') {
      if (edits.isOpen(art)) return edits.open(art, room, '');
      // Bounded: on a dead link the request waited for minutes with nothing on screen (QA).
      const res = await fetch(`/rooms/${room}/messages/${art.id.slice(2)}/text`, { signal: AbortSignal.timeout(15_000) }).catch(() => null);
      // The session lapsed: the request was sent on to the sign-in page (its HTML is no message text).
      if (res?.redirected) return toSignIn();
      if (!res?.ok) return roomAlert(room, res ? 'This message cannot be edited now.' : `Cannot edit: ${OFFLINE}`);
      roomAlert(room, null);
      edits.open(art, room, await res.text());
    }
  });

  // ---- page start -------------------------------------------------------------------------
  watchLengths();
  dismissableNotices();
  registerOfflinePage();
  const scripts = onDemand(LT_LAZY);
  callBar(scripts);
  attachFiles(scripts);
  offerButtons(scripts, me);
  document.querySelectorAll<HTMLElement>('article.msg').forEach(decorate);
  const log = document.querySelector<HTMLElement>('.log');
  if (log) {
    const room = roomEl();
    const atLine = room ? markWhereLeftOff(room, log, me) : false;
    if (!atLine) log.scrollTop = log.scrollHeight;
    // Keep the newest message in view when the log gets shorter (the call bar loading into the
    // header, a phone keyboard opening), unless the reader has scrolled up (or it opened where she left off).
    let pinned = !atLine;
    log.addEventListener('scroll', () => (pinned = log.scrollHeight - log.scrollTop - log.clientHeight < 80), { passive: true });
    new ResizeObserver(() => pinned && (log.scrollTop = log.scrollHeight)).observe(log);
    keepOlderLoading(log, decorate);
  }
  markCurrentRoom();
  setStatus();
}
