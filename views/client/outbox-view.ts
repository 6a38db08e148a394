/**
 * The outbox on the page (outbox.ts keeps it): each room's messages not yet acknowledged, listed
 * under its log (`ul.outbox#outbox-<room>`) as pending or failed (with Retry and Discard), and sent
 * in order once the connection's replay is done. Owns the wait imposed by the sending limit: an
 * entry refused for now stays pending, says why, and goes by itself when the limit allows.
 */
import type { Outbox } from './outbox';

type Send = (frame: Record<string, unknown>) => boolean;
type Button = (label: string, action: string) => HTMLButtonElement;

export interface OutboxView {
  /** Redraws every outbox list on the page (their "waiting for connection" follows the socket). */
  render(): void;
  /** Sends every pending entry, oldest first; nothing before the replay is done. */
  flush(): void;
  /** The server acknowledged it, or the stored message arrived: it leaves the outbox. */
  confirmed(clientId: string): void;
  /** The server refused it: for now (over the sending limit, `retryAfterSec`) or for good (`message`). */
  refused(clientId: string, retryAfterSec?: number, message?: string): void;
  retry(clientId: string): void;
  discard(clientId: string): void;
}

export function outboxView(outbox: Outbox, conn: { send: Send; isOpen: () => boolean; resumed: () => boolean }, button: Button): OutboxView {
  /** Outbox entries refused for now by the sending limit (10 in 10 s), sent again when it allows. */
  const throttled = new Set<string>();

  function render() {
    for (const ul of Array.from(document.querySelectorAll<HTMLElement>('ul.outbox[id^="outbox-"]'))) {
      const room = ul.id.slice(7);
      const waiting = !(conn.isOpen() && conn.resumed());
      const items = outbox.all().filter((p) => p.room === room);
      ul.replaceChildren(
        ...items.map((p) => {
          const li = document.createElement('li');
          li.className = 'pending';
          li.dataset.clientId = p.clientId;
          li.dataset.state = p.state;
          const body = document.createElement('div');
          body.className = 'body';
          body.textContent = p.body; // text, never HTML
          const state = document.createElement('span');
          state.className = 'state';
          state.textContent =
            p.state === 'failed'
              ? `Not sent: ${p.error ?? 'error'}`
              : waiting
                ? 'Pending — waiting for connection'
                : throttled.has(p.clientId)
                  ? 'Pending — many messages in a short time: it goes by itself in a few seconds'
                  : 'Pending';
          li.append(body, state);
          if (p.state === 'failed') li.append(button('Retry', 'retry'), button('Discard', 'discard'));
          return li;
        }),
      );
    }
  }

  function flush() {
    if (!conn.resumed()) return;
    for (const p of outbox.all()) if (p.state === 'pending') conn.send({ type: 'send', room: p.room, clientId: p.clientId, body: p.body, ...(p.replyTo ? { replyTo: p.replyTo } : {}) });
  }

  return {
    render,
    flush,
    confirmed(clientId) {
      if (outbox.remove(clientId)) render();
    },
    refused(clientId, retryAfterSec, message) {
      if (retryAfterSec) {
        // Over the sending limit: it stays pending and goes by itself, saying why it waits.
        throttled.add(clientId);
        setTimeout(() => {
          throttled.delete(clientId);
          render();
          flush();
        }, retryAfterSec * 1000);
      } else outbox.update(clientId, { state: 'failed', error: message });
      render();
    },
    retry(clientId) {
      outbox.update(clientId, { state: 'pending', error: undefined });
      render();
      flush();
    },
    discard(clientId) {
      outbox.remove(clientId);
      render();
    },
  };
}
