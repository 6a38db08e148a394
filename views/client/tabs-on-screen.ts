/**
 * Which rooms this person's other tabs in this browser have on screen, so that a hidden tab does
 * not notify about a message she is reading in another tab.
 *
 * Protocol, on the BroadcastChannel `lt-tabs:<user id>` (same browser profile only):
 *   {tab, room, ask?}   `room`: the room the tab shows while visible, or null (hidden, another
 *                       page, closing). A visible tab says it when it opens, when it is shown or
 *                       hidden, and every 20 s; `ask: true` (a tab opening) makes visible tabs say
 *                       it at once. An entry not heard for 45 s is forgotten (a tab that crashed
 *                       says nothing), so a lost tab silences notifications for at most that long.
 */
const REPEAT_MS = 20_000;
const FORGET_MS = 45_000;

interface Said {
  tab: string;
  room: string | null;
  ask?: boolean;
}

export function roomsOnScreen(me: string, openRoom: () => string | null): { shownElsewhere(roomId: string): boolean } {
  if (typeof BroadcastChannel !== 'function') return { shownElsewhere: () => false };
  const tab = crypto.randomUUID();
  const others = new Map<string, { room: string; at: number }>();
  const channel = new BroadcastChannel(`lt-tabs:${me}`);
  const say = (room: string | null, ask = false) => channel.postMessage({ tab, room, ...(ask ? { ask } : {}) } satisfies Said);
  const current = () => (document.hidden ? null : openRoom());
  channel.onmessage = (e: MessageEvent<Said>) => {
    const m = e.data;
    if (!m || typeof m.tab !== 'string' || m.tab === tab) return;
    if (typeof m.room === 'string') others.set(m.tab, { room: m.room, at: Date.now() });
    else others.delete(m.tab);
    if (m.ask && current()) say(current());
  };
  document.addEventListener('visibilitychange', () => say(current()));
  addEventListener('pagehide', () => say(null));
  setInterval(() => void (current() && say(current())), REPEAT_MS);
  say(current(), true);
  return {
    shownElsewhere: (roomId) => [...others.values()].some((o) => o.room === roomId && Date.now() - o.at < FORGET_MS),
  };
}
