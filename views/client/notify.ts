/**
 * Desktop notifications, with the user's consent (Account → "Turn on desktop notifications"): what
 * Mattermost, Element and Slack users expect of a chat left in a background tab. Before this, a
 * hidden tab even closed its socket (hx-ws's pauseOnBackground), so a DM went unseen until the
 * student came back.
 *
 * What notifies: a direct or group message, or a message that mentions her, from someone else and
 * not yet read (seq after the room's read mark), while the tab is hidden or the message is in
 * another room than the one on screen. A course room's other messages do not: a class of 300 would
 * bury the DMs. Held messages never reach anyone but their sender, so they cannot notify. A call
 * starting in a conversation, or a lecture starting in a course, notifies the same way (a call
 * otherwise rang nowhere).
 *
 * One notification per message (its tag is the message's id): several open tabs show it once, and
 * none does while another tab of hers shows that room (tabs-on-screen.ts). A message deleted or
 * hidden takes its notification away; a call's goes when the call ends. Clicking it brings the tab
 * forward and opens the room, in a new tab while this one is in a call (leaving the page would drop
 * the call). The choice is kept per account and browser
 * (localStorage), and the browser's own permission stays the final word (blocked there = nothing).
 * Browsers that allow notifications only from a service worker (Chrome on Android: the constructor
 * throws) get them through the site's worker (server/features/offline/sw.js, which opens the room
 * on a click); only without a worker are they told that this browser cannot show them.
 */
import { roomsOnScreen } from './tabs-on-screen';
import { mentionsMe, newFromOther, onlyClassCall } from './mentions';

const NOTICE_CHARS = 140;
/** More than this many for her in one push (a reconnect's replay) make one notification for the room. */
const MANY = 3;
/** After an @class notification, how long further @class messages in that room stay quiet. */
const CLASS_QUIET_MS = 5 * 60_000;

export interface Notifier {
  /** Messages pushed to this page together (open room or not), some of which may deserve a notification. */
  arrived(roomId: string, arts: HTMLElement[], openRoom: string | null): void;
  /** A room's call state pushed to this page (views/calls.ts callStatus). */
  callState(roomId: string, status: Element, openRoom: string | null): void;
  /** The room list was redrawn (a reconnect's replay): calls in progress are read from it again. */
  resync(): void;
}

export function desktopNotifications(me: string, openRoom: () => string | null): Notifier {
  const elsewhere = roomsOnScreen(me, openRoom);
  /** What this page has shown and not yet seen closed, by tag, so that it can take them away. */
  const shown = new Map<string, Notification>();
  const key = `lt-notify:${me}`;
  /** "yes": this browser shows notifications only through a worker (learnt once; per browser). */
  const workerKey = 'lt-notify-via-worker';
  // Told "only for installed apps" before the worker could show them: it can now.
  if (localStorage.getItem(key) === 'unsupported' && 'serviceWorker' in navigator) localStorage.setItem(key, 'off');
  const supported = typeof Notification === 'function';
  const wanted = () => localStorage.getItem(key) === 'on';
  const allowed = () => supported && wanted() && Notification.permission === 'granted';
  const toggle = document.getElementById('notify-toggle') as HTMLButtonElement | null;
  const state = document.getElementById('notify-state');

  function render(note?: string) {
    if (!toggle || !state) return;
    const denied = supported && Notification.permission === 'denied';
    toggle.hidden = !supported || denied || localStorage.getItem(key) === 'unsupported';
    toggle.textContent = allowed() ? 'Turn off desktop notifications' : 'Turn on desktop notifications';
    const text =
      note ??
      (localStorage.getItem(key) === 'unsupported'
        ? 'This browser shows notifications only for installed apps.'
        : denied
          ? "Desktop notifications are blocked for this site in your browser's settings."
          : '');
    state.textContent = text;
    state.hidden = !text;
  }

  /** Through the site's worker: where a page may not make a Notification itself (Chrome on Android). */
  const viaWorker = () => localStorage.getItem(workerKey) === 'yes';
  function showViaWorker(title: string, options: NotificationOptions, href: string | null): boolean {
    const reg = 'serviceWorker' in navigator ? navigator.serviceWorker.ready : null;
    if (!reg) return false;
    void reg.then((r) => r.showNotification(title, { ...options, data: { href } })).catch(() => {});
    return true;
  }

  /** A notification, or false when this browser cannot show one. */
  function show(title: string, options: NotificationOptions, href: string | null): boolean {
    if (viaWorker()) return showViaWorker(title, options, href);
    let n: Notification;
    try {
      n = new Notification(title, options);
    } catch {
      if ('serviceWorker' in navigator) {
        localStorage.setItem(workerKey, 'yes');
        return showViaWorker(title, options, href);
      }
      localStorage.setItem(key, 'unsupported');
      render();
      return false;
    }
    const tag = options.tag ?? '';
    // The one it replaces, by the same tag, is gone from the tray. Kept even once the system has
    // closed it (close() again is harmless); at most the latest hundred.
    shown.delete(tag);
    shown.set(tag, n);
    if (shown.size > 100) shown.delete(shown.keys().next().value!);
    n.onclick = () => {
      window.focus();
      n.close();
      if (!href || location.pathname === href) return;
      if (document.querySelector('.call-bar[data-in-call]')) window.open(href, '_blank');
      else location.assign(href);
    };
    return true;
  }

  toggle?.addEventListener('click', async () => {
    if (allowed()) {
      localStorage.setItem(key, 'off');
      return render('Desktop notifications are off.');
    }
    const permission = Notification.permission === 'default' ? await Notification.requestPermission() : Notification.permission;
    if (permission !== 'granted') return render();
    localStorage.setItem(key, 'on');
    // Shown at once, so she sees what one looks like and that her system lets them through.
    if (show('Desktop notifications are on', { body: 'Direct messages and messages that mention you will show like this while Lets Talk is in the background.', tag: 'lt-notify-on' }, null)) {
      render('Desktop notifications are on.');
    }
  });
  render();

  /**
   * Rooms with a call in progress, as this page last knew: from the room list (at load, and again
   * after a reconnect's replay redraws it: a call that started or ended while the socket was down
   * would otherwise ring late, or keep the next one from ringing), then from pushes.
   */
  const fromList = () => new Set(Array.from(document.querySelectorAll<HTMLElement>('#room-list li[data-room]'), (li) => (li.querySelector('.call-badge:not([hidden])') ? li.dataset.room! : '')).filter(Boolean));
  let inCall = fromList();

  /** Message id → the tag of the one notification that counts it among others (a replay's summary). */
  const summarised = new Map<string, string>();
  const takeAway = (tag: string) => {
    shown.get(tag)?.close();
    shown.delete(tag);
    if (viaWorker()) void navigator.serviceWorker.ready.then((r) => r.getNotifications({ tag })).then((ns) => ns.forEach((n) => n.close()), () => {});
    const summary = summarised.get(tag);
    if (summary) takeAway(summary);
  };
  /**
   * @class from a room's lecturer rings once per room in CLASS_QUIET_MS: ten announcements in a
   * minute are ten mentions on the badge, not ten notifications for 300 people each. A mention by
   * her handle always rings.
   */
  const classRang = new Map<string, number>();
  const classRings = (roomId: string, art: HTMLElement) => {
    if (!onlyClassCall(art, me)) return true;
    const now = Date.now();
    if (now - (classRang.get(roomId) ?? -Infinity) < CLASS_QUIET_MS) return false;
    classRang.set(roomId, now);
    return true;
  };

  return {
    resync() {
      inCall = fromList();
    },
    callState(roomId, status, openRoom) {
      // A status that fetches itself says nothing yet (it stands in while the page's socket was down).
      if (status.hasAttribute('data-closed')) return;
      const active = status.getAttribute('data-active') === 'true';
      const started = active && !inCall.has(roomId);
      if (active) inCall.add(roomId);
      else {
        inCall.delete(roomId);
        takeAway(`call-${roomId}`);
      }
      if (!started || !allowed() || (!document.hidden && roomId === openRoom) || elsewhere.shownElsewhere(roomId)) return;
      // A call rings where it is meant for you: a conversation's, or a lecture in your course (not
      // any call a few classmates start in a course room).
      const li = document.getElementById(`rl-${roomId}`);
      const lecture = status.getAttribute('data-mode') === 'lecture';
      if (!lecture && !(li?.classList.contains('dm') || li?.classList.contains('group'))) return;
      const room = li?.querySelector('.name')?.textContent?.trim() ?? 'a room';
      show(lecture ? `Lecture: ${room}` : `Call: ${room}`, { body: `${lecture ? 'A lecture' : 'A call'} has started. Open the room to join.`, tag: `call-${roomId}` }, `/rooms/${roomId}`);
    },
    arrived(roomId, arts, openRoom) {
      const mine: HTMLElement[] = [];
      for (const art of arts) {
        if (art.classList.contains('deleted')) takeAway(art.id); // deleted, or hidden by safeguarding
        else if (newFromOther(art, me)) mine.push(art);
      }
      if (!allowed() || (!document.hidden && roomId === openRoom) || elsewhere.shownElsewhere(roomId)) return;
      const li = document.getElementById(`rl-${roomId}`);
      const direct = li?.classList.contains('dm') || li?.classList.contains('group');
      const due = mine.filter(
        (art) => !(li && Number(art.dataset.seq) <= Number(li.dataset.lastRead ?? 0)) && (direct || (mentionsMe(art, me) && classRings(roomId, art))),
      );
      const room = li?.querySelector('.name')?.textContent?.trim();
      const title = (art: HTMLElement) => {
        const who = art.querySelector('.who')?.textContent?.trim() || 'Someone';
        return li?.classList.contains('dm') || !room ? who : `${who} in ${room}`;
      };
      // A reconnect's replay can bring many at once (a reset, up to a page): one line for the room,
      // taken away as soon as one of the messages it quotes or counts is deleted or hidden.
      if (due.length > MANY) {
        const last = due.at(-1)!;
        const tag = `many-${roomId}`;
        if (show(room ?? title(last), { body: `${due.length} new messages for you. The latest: ${preview(last)}`, tag }, `/rooms/${roomId}`)) for (const art of due) summarised.set(art.id, tag);
        while (summarised.size > 1000) summarised.delete(summarised.keys().next().value!);
        return;
      }
      for (const art of due) show(title(art), { body: preview(art), tag: art.id }, `/rooms/${roomId}`);
    },
  };
}

/** The message as a line of text: a file by its name, long text cut. */
function preview(art: HTMLElement): string {
  const file = art.querySelector('.file-link')?.textContent?.trim();
  const text = file ? `📎 ${file}` : (art.querySelector('.body')?.textContent ?? '').replace(/\s+/g, ' ').trim();
  return text.length > NOTICE_CHARS ? `${text.slice(0, NOTICE_CHARS - 1)}…` : text;
}
