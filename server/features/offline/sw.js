/*
 * Lets Talk's page worker (scope /): a page opened with no connection shows our "No connection"
 * page, which tries again by itself, instead of the browser's error page (README "Poor
 * connections"). Only navigations are touched, and only when the network fails: everything else,
 * and every answer the server gives (errors included), goes through as if the worker were not here.
 * Nothing of any user's is cached: the offline page and its stylesheet only.
 * It also shows desktop notifications for pages on browsers that allow them only from a worker
 * (Chrome on Android; views/client/notify.ts): a click opens the notification's room.
 * The file list and version below are filled in by server/features/offline/routes.ts.
 */
const FILES = __FILES__;
const CACHE = `lt-offline-${__VERSION__}`;

self.addEventListener('install', (e) => {
  e.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.addAll(FILES))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (e) => {
  e.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('lt-offline-') && k !== CACHE).map((k) => caches.delete(k))))
      // The page's request starts while the worker wakes up, so a worker costs a navigation no time.
      .then(() => self.registration.navigationPreload?.enable())
      .then(() => self.clients.claim()),
  );
});

/*
 * Downloads can be navigations too (a file's address opened, an export, the credentials sheet):
 * answered with our page, a /files/ address showed "No connection", then downloaded the file again
 * at every refresh once back online (review s17). They are left to the browser, which says the
 * download failed.
 */
const DOWNLOADS = /^\/(files|thumbs|transfers|assets)\/|^\/admin\/import\/download\/|^\/admin\/audit\/export/;

self.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.mode !== 'navigate' || req.method !== 'GET' || req.destination !== 'document') return;
  if (DOWNLOADS.test(new URL(req.url).pathname)) return;
  e.respondWith(
    (async () => {
      try {
        return (await e.preloadResponse) ?? (await fetch(req));
      } catch {
        return (await caches.match('/offline', { cacheName: CACHE })) ?? Response.error();
      }
    })(),
  );
});

/*
 * A notification shown through this worker (data.href: the room to open). A tab already at that
 * address is brought forward; else one of the site's tabs goes there; else a new one opens.
 */
self.addEventListener('notificationclick', (e) => {
  e.notification.close();
  const href = e.notification.data?.href;
  if (typeof href !== 'string' || !href.startsWith('/')) return;
  e.waitUntil(
    (async () => {
      const url = new URL(href, self.location.origin).href;
      const tabs = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const there = tabs.find((c) => c.url === url);
      if (there) return there.focus();
      if (tabs[0]) return (await tabs[0].focus()).navigate(url);
      return self.clients.openWindow(url);
    })(),
  );
});
