/** Renderers for the sign-in, set-password and sign-out pages. Plain forms: they work without JavaScript. */
import { html, type Raw } from '../server/http/html';
import { alert, card } from './layout';

/** Carries the page to open afterwards (server/features/accounts/next-path.ts) through the form post. */
const nextInput = (next?: string) => (next && next !== '/' ? html`<input type="hidden" name="next" value="${next}">` : '');

export function loginForm(opts: { email?: string; error?: string | null; notice?: string | null; next?: string }): Raw {
  return card(
    'Sign in',
    html`${alert(opts.error)}${opts.notice ? html`<p class="notice" role="status">${opts.notice}</p>` : ''}
<form method="post" action="/login" class="stack">${nextInput(opts.next)}
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="username" required maxlength="254" value="${opts.email ?? ''}" ${opts.email ? '' : 'autofocus'}>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256" ${opts.email ? 'autofocus' : ''}>
  <p class="hint">First time here? Enter the one-time login code from your administrator as the password.</p>
  <button type="submit">Sign in</button>
</form>`,
  );
}

export function passwordForm(opts: { mustSet: boolean; error?: string | null; next?: string }): Raw {
  return card(
    opts.mustSet ? 'Choose your password' : 'Change password',
    html`${opts.mustSet ? html`<p>You signed in with a one-time code. Choose a password to continue.</p>` : ''}${alert(opts.error)}
<form method="post" action="/password" class="stack">${nextInput(opts.next)}
  ${opts.mustSet ? '' : html`<label for="current_password">Current password</label>
  <input id="current_password" name="current_password" type="password" autocomplete="current-password" required maxlength="256">`}
  <label for="new_password">New password</label>
  <input id="new_password" name="new_password" type="password" autocomplete="new-password" required minlength="8" maxlength="256" aria-describedby="pw-hint">
  <p class="hint" id="pw-hint">At least 8 characters. A short sentence is easy to remember and hard to guess.</p>
  <label for="confirm_password">Confirm password</label>
  <input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" required maxlength="256">
  <button type="submit">Save password</button>
</form>${opts.mustSet ? '' : html`<p class="link-row"><a href="/">Back to your rooms</a></p>`}`,
  );
}

/** After a change from the Account menu: said, since the form's page otherwise just left (and other devices were signed out). */
export function passwordChanged(): Raw {
  return card(
    'Password changed',
    html`<p role="status">Your new password works from now on. Any other device or browser signed in to your account was signed out.</p>
<p class="link-row"><a href="/">Back to your rooms</a></p>`,
  );
}

export function logoutForm(): Raw {
  return card(
    'Sign out',
    html`<form method="post" action="/logout" class="stack"><p>Sign out of Lets Talk on this device?</p><button type="submit">Sign out</button></form>`,
  );
}

export function errorPage(status: number, message: string): Raw {
  return card(status === 404 ? 'Not found' : 'Something went wrong', html`<p>${message}</p><p class="link-row"><a href="/">Go to the home page</a></p>`);
}
