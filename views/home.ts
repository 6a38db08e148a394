/** The signed-in home page. The chat issue replaces the body with the room list. */
import { html, type Raw } from '../server/http/html';
import type { User } from '../server/store/types';

export function topbar(user: User): Raw {
  return html`<header class="topbar">
  <strong>Lets Talk</strong>
  <span class="who">${user.name} <span class="hint">(${user.role})</span></span>
  <form method="post" action="/logout"><button type="submit" class="secondary">Sign out</button></form>
</header>`;
}

export function homePage(user: User): Raw {
  return html`${topbar(user)}
<main class="card">
  <h1>Welcome, ${user.name}</h1>
  <p>You are signed in as ${user.email}.</p>
  <p><a href="/password">Change password</a></p>
</main>`;
}
