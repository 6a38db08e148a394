/** The signed-in app shell: top bar, connection state, the WebSocket connection for live updates. */
import { html, type Raw } from '../server/http/html';
import type { User } from '../server/store/types';
import { layout } from './layout';
import { isOfficer } from '../server/features/accounts/model';

export const APP_SCRIPTS = ['app.js', 'call.js', 'upload.js'];

export function appShell(opts: { user: User; title: string; body: Raw; asset: (n: string) => string; roomOpen?: boolean; banner?: Raw }): Raw {
  const { user } = opts;
  // On a room's page the tab order runs through the room list and every message's buttons before the
  // composer: a first stop skips to it (WCAG 2.4.1). roomMain gives the id to the archived or history line instead when there is no composer.
  const body = html`${opts.roomOpen ? html`<a href="#message" class="skip-link">Skip to the message box</a>` : ''}<div class="app" hx-ws:connect="/ws?as=${user.id}" data-me="${user.id}" data-handle="${user.emailLower.split('@')[0]}">
<header class="topbar">
  <a href="/" class="brand">Lets Talk</a>
  <span id="conn-status" class="conn" role="status" aria-live="polite"></span>
  <span class="who">${user.name}</span>
  ${user.role === 'admin' ? html`<a href="/admin" class="button-link secondary">Admin</a>` : isOfficer(user) ? html`<a href="/admin/moderation" class="button-link secondary">Safeguarding cases</a>` : ''}
  <form method="post" action="/logout"><button type="submit" class="secondary">Sign out</button></form>
</header>
${opts.banner ?? ''}<div id="notice" class="notice-area"></div>
<div class="chat${opts.roomOpen ? ' has-room' : ''}">${opts.body}</div>
</div>`;
  return layout({ title: opts.title, body, asset: opts.asset, scripts: APP_SCRIPTS });
}
