/**
 * What arrives on the chat socket, and where it goes. hx-ws would swap every frame's partials as
 * they come; they are routed here first: a room's messages to the message log (message-log.ts), a
 * typing line to the typing lines, a call's state to desktop notifications, and htmx swaps only the
 * partials whose target this page has. JSON frames (`{…}`) are the server's answers to this page
 * (the resume's end, acks and refusals, report and delete outcomes) and are never swapped.
 */
import type { Heartbeat } from './heartbeat';
import type { WsDetail } from './network';
import type { Notifier } from './notify';
import type { OutboxView } from './outbox-view';
import type { typingLines } from './typing';
import type { editBoxes } from './edit-box';
import type { unconfirmedActions } from './unconfirmed';
import type { CallStatusOrder } from './call-status';

/** A JSON frame from the server to this page. */
interface Answer {
  type: string;
  clientId?: string;
  room?: string;
  id?: string;
  message?: string;
  retryAfterSec?: number;
  error?: string;
}

export interface IncomingDeps {
  me: string;
  openRoom: () => string | null;
  heartbeat: Heartbeat;
  /** A `log-<room>` partial (message-log.ts onMessages). */
  onMessages: (roomId: string, log: HTMLElement | null, partial: Element, reset: boolean) => void;
  /** The resume's replay is done: the connection is up to date. */
  onResumed: () => void;
  typers: ReturnType<typeof typingLines>;
  notifier: Notifier;
  outbox: OutboxView;
  edits: ReturnType<typeof editBoxes>;
  waiting: ReturnType<typeof unconfirmedActions>;
  roomAlert: (room: string, text: string | null, ok?: boolean) => void;
  /** An `rx-<message>` partial: a message's reaction box (reactions.ts apply). */
  reactions: (messageId: string, partial: Element) => void;
  /** `poll-<message>` partials (polls.ts apply), and refusals of votes (polls.ts refused). */
  polls: { apply: (messageId: string, partial: Element) => void; refused: (messageId: string) => void };
  /** `call-status-<room>` partials: kept when a fetch of the bar may land after them. */
  callStatuses: CallStatusOrder;
}

export function routeIncoming(app: HTMLElement, { me, openRoom, heartbeat, onMessages, onResumed, typers, notifier, outbox, edits, waiting, roomAlert, reactions, polls, callStatuses }: IncomingDeps) {
  app.addEventListener('htmx:ws:before:message:incoming', (e) => {
    const d = (e as CustomEvent<WsDetail>).detail;
    heartbeat.heard(Date.now());
    if (typeof d.message.data !== 'string') return;
    const text = d.message.data;
    if (text.startsWith('{')) {
      d.cancelled = true;
      try {
        onData(JSON.parse(text));
      } catch {
        /* not ours */
      }
      return;
    }
    const tpl = document.createElement('template');
    tpl.innerHTML = text;
    const keep: string[] = [];
    for (const p of Array.from(tpl.content.querySelectorAll('hx-partial'))) {
      const sel = p.getAttribute('hx-target') ?? '';
      const id = sel.startsWith('#') ? sel.slice(1) : '';
      const target = id ? document.getElementById(id) : null;
      if (id.startsWith('call-status-')) {
        const status = p.querySelector('.call-status');
        if (status) notifier.callState(id.slice(12), status, openRoom());
        callStatuses.pushed(id.slice(12), p, target);
      }
      if (id.startsWith('log-')) {
        onMessages(id.slice(4), target, p, p.getAttribute('hx-swap') === 'innerHTML');
      } else if (id.startsWith('rx-')) {
        reactions(id.slice(3), p);
      } else if (id.startsWith('poll-')) {
        polls.apply(id.slice(5), p);
      } else if (id.startsWith('typing-')) {
        const typer = p.querySelector('.typer');
        if (target && typer && typer.getAttribute('data-user') !== me) typers.typing(id.slice(7), typer);
      } else if ((id.startsWith('pins-') || id.startsWith('announce-')) && target && Number((target as HTMLElement).dataset.at ?? 0) > Number(p.firstElementChild?.getAttribute('data-at') ?? 0)) {
        // An older bar than the page shows (two changes at once reach it out of order): dropped.
      } else if (target || (id === 'room-list' && document.getElementById('room-list'))) {
        keep.push(p.outerHTML);
      }
    }
    if (keep.length) d.message.data = keep.join('');
    else d.cancelled = true;
  });

  function onData(msg: Answer) {
    if (msg.type === 'resumed') {
      onResumed();
    } else if (msg.type === 'ack' && msg.clientId) {
      outbox.confirmed(msg.clientId);
    } else if (msg.type === 'reject' && msg.clientId) {
      outbox.refused(msg.clientId, msg.retryAfterSec, msg.message);
    } else if (msg.type === 'reject-edit' && msg.id && msg.room) {
      const art = document.getElementById(`m-${msg.id}`);
      if (art && msg.room === openRoom()) edits.refused(art, msg.room, msg.message ?? '');
    } else if (msg.type === 'reported' && msg.room) {
      if (msg.id) waiting.answered('report', msg.id);
      roomAlert(msg.room, msg.error ? `Not reported: ${msg.error}` : 'Reported to the safeguarding team. Thank you: they will look at it.', !msg.error);
    } else if (msg.type === 'reject-react' && msg.room) {
      roomAlert(msg.room, `Reaction not sent: ${msg.message ?? ''}`);
    } else if (msg.type === 'reject-poll' && msg.room) {
      if (msg.id) polls.refused(msg.id);
      roomAlert(msg.room, `Not done: ${msg.message ?? ''}`);
    } else if (msg.type === 'deleted' && msg.room && msg.id) {
      waiting.answered('delete', msg.id);
      if (msg.error) roomAlert(msg.room, `Not deleted: ${msg.error}`);
    }
  }
}
