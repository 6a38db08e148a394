/**
 * A WebSocket URL on this site naming whom this page was rendered for (`?as=<user id>`). The
 * server closes the socket with 4401 when someone else is signed in on this browser by then
 * (server/http/ws-guard.ts openedBy): a tab left open through a sign-out would otherwise reconnect
 * with the next person's session cookie and send its queued messages, or resume its upload, as them.
 */
export function socketUrl(path: string): string {
  const me = document.querySelector<HTMLElement>('[data-me]')?.dataset.me;
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}${me ? `?as=${encodeURIComponent(me)}` : ''}`;
}
