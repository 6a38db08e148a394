/**
 * Pin under a message (server/features/chat/pins.ts): a POST from the page; the room's bar
 * ("📌 3 pinned messages") is then pushed to every member, this page included. The answer says
 * what happened on the composer's line: pinned, pinned already, or why not.
 */
import { toSignIn } from './to-sign-in';

const NO_CONNECTION = 'Not pinned: there is no connection. Try again when it is back.';

export function pinButtons(openRoom: () => string | null, roomAlert: (room: string, text: string | null, ok?: boolean) => void) {
  document.addEventListener('click', async (e) => {
    const b = (e.target as HTMLElement).closest<HTMLElement>('button[data-action="pin"]');
    const art = b?.closest<HTMLElement>('article.msg');
    const room = openRoom();
    if (!b || !art || !room) return;
    // Bounded: on a dead link the request would wait for minutes with nothing on screen.
    const res = await fetch(`/rooms/${room}/messages/${art.id.slice(2)}/pin`, { method: 'POST', headers: { accept: 'application/json' }, body: new URLSearchParams({ on: 'yes' }), signal: AbortSignal.timeout(15_000) }).catch(() => null);
    if (!res) return roomAlert(room, NO_CONNECTION);
    // The session lapsed: the request was sent on to the sign-in page.
    if (res.redirected) return toSignIn();
    const answer = (await res.json().catch(() => ({}))) as { changed?: boolean; error?: string };
    if (!res.ok) return roomAlert(room, `Not pinned: ${answer.error ?? 'something went wrong. Please try again.'}`);
    roomAlert(room, answer.changed ? 'Pinned: it is at hand under “pinned messages” above.' : 'That message is pinned already.', true);
  });
}
