/**
 * Registers the site's service worker (server/features/offline): a page opened with no connection
 * then shows "No connection" and tries again by itself, instead of the browser's error page.
 * After the page has loaded, so its install (the offline page and the stylesheet, which the HTTP
 * cache already holds) never competes with the page's own requests on a slow link.
 */
export function registerOfflinePage() {
  if (!('serviceWorker' in navigator)) return;
  const register = () => void navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});
  if (document.readyState === 'complete') register();
  else addEventListener('load', register, { once: true });
}
