/** The page a failed navigation gets from the service worker (server/features/offline/routes.ts). */
import { html, type Raw } from '../server/http/html';
import { card, layout } from './layout';

/** Static: it is cached once for everyone and shown for any page, so it names no one and no room. */
export function offlinePage(asset: (name: string) => string): Raw {
  return layout({
    title: 'No connection',
    asset,
    head: html`<meta http-equiv="refresh" content="15">`,
    body: card(
      'No connection',
      html`<p>Lets Talk cannot reach the server from here just now. This page tries again every 15 seconds by itself.</p>
<p>Messages you typed before the connection went are kept on this device and sent when you are back.</p>
<p class="link-row"><a href="">Try again now</a></p>`,
    ),
  });
}
