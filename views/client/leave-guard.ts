/**
 * Asks before the page is left while work would be lost with it: an upload in progress is dropped
 * with the page (choosing the file again later resumes it, but nobody knows to). The listener is
 * there only while something is busy: a `beforeunload` listener keeps Chromium from putting the page
 * in the back/forward cache, and a prompt when nothing is lost would teach people to ignore it.
 */
export function leaveGuard(target: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>) {
  const busy = new Set<object>();
  const ask = (e: Event) => {
    e.preventDefault();
    // Older browsers need returnValue set to show the prompt (its text is the browser's own).
    (e as BeforeUnloadEvent).returnValue = '';
  };
  return {
    /** `who` is (or is no longer) doing something that leaving the page would lose. */
    set(who: object, isBusy: boolean) {
      const before = busy.size;
      if (isBusy) busy.add(who);
      else busy.delete(who);
      if (!before && busy.size) target.addEventListener('beforeunload', ask);
      else if (before && !busy.size) target.removeEventListener('beforeunload', ask);
    },
    /** Nothing can be saved any more (the session ended): leave without asking. */
    clear() {
      busy.clear();
      target.removeEventListener('beforeunload', ask);
    },
  };
}
