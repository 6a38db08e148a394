/** The signed-in app shell: top bar, connection state, the WebSocket connection for live updates. */
import { html, type Raw } from '../server/http/html';
import type { User } from '../server/store/types';
import { layout } from './layout';
import { isOfficer } from '../server/features/accounts/model';

/** Only app.js: call.js and upload.js are loaded when first needed (views/client/on-demand.ts). */
export const APP_SCRIPTS = ['app.js'];

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
  ${accountMenu(user)}
</header>
${opts.banner ?? ''}<div id="notice" class="notice-area"></div>
<div class="chat${opts.roomOpen ? ' has-room' : ''}">${opts.body}</div>
</div>`;
  return layout({ title: opts.title, body, asset: opts.asset, scripts: APP_SCRIPTS });
}

/**
 * "Account" in the top bar: who is signed in, Change password, desktop notifications (shown by the
 * chat's script where the browser has them: views/client/notify.ts) and Sign out. A menu because the bar
 * has no room for another link on a 360 px phone (an officer's "Safeguarding cases" and Sign out
 * already overflowed it), and a <details> so it opens without JavaScript (the admin pages run none of ours).
 */
export function accountMenu(user: User): Raw {
  return html`<details class="account-menu">
<summary>Account</summary>
<div class="menu">
<p class="menu-who">Signed in as ${user.name}</p>
<a href="/password">Change password</a>
<a href="/settings/email">Email notifications</a>
<button type="button" id="notify-toggle" class="secondary" hidden>Turn on desktop notifications</button>
<p id="notify-state" role="status" hidden></p>
<form method="post" action="/logout"><button type="submit" class="secondary">Sign out</button></form>
</div>
</details>`;
}
