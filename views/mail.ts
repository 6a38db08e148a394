/** Pages about emails for missed messages: the setting (signed in) and the "stop these emails" link (no sign-in). */
import { html, type Raw } from '../server/http/html';
import { card } from './layout';

/** "1 minute", "2 minutes" (also the missed-message email's counts). */
export const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** The delay before an email, in words: "10 minutes", "1 minute", "30 seconds" (MISSED_EMAIL_MINUTES may have decimals). */
export const delayText = (ms: number) => (ms % 60_000 === 0 ? plural(ms / 60_000, 'minute') : plural(Math.round(ms / 1000), 'second'));

export function emailSettings(opts: { email: string; on: boolean; available: boolean; afterMs: number | null; saved: boolean }): Raw {
  if (!opts.available) {
    return card(
      'Email notifications',
      html`<p>This Lets Talk server does not send emails about messages: your university's IT team has not set it up.</p>
<p class="link-row"><a href="/">Back to your rooms</a></p>`,
    );
  }
  return card(
    'Email notifications',
    html`${opts.saved ? html`<p role="status" class="saved">Saved. ${opts.on ? 'You will get these emails.' : 'You will get no more of these emails.'}</p>` : ''}
<p>When a direct message, a message in one of your groups or a message mentioning you is still unread ${delayText(opts.afterMs ?? 0)} after it was sent, and no Lets Talk page of yours is open, we email <strong>${opts.email}</strong>: one email for what came meanwhile, with links to read and answer.</p>
<form method="post" action="/settings/email" class="stack">
  <fieldset>
    <legend>Email me about messages I missed</legend>
    <label><input type="radio" name="emails" value="on"${opts.on ? ' checked' : ''}> Yes</label>
    <label><input type="radio" name="emails" value="off"${opts.on ? '' : ' checked'}> No</label>
  </fieldset>
  <button type="submit">Save</button>
</form>
<p class="link-row"><a href="/">Back to your rooms</a></p>`,
  );
}

/** `action`: the same signed address, so the button posts what the link carried. */
export function stopEmailsPage(opts: { state: 'ask' | 'done' | 'invalid'; action?: string }): Raw {
  if (opts.state === 'invalid') {
    return card('Link not valid', html`<p role="alert">This link is not valid. To stop emails about missed messages, sign in and open Account, then Email notifications.</p><p class="link-row"><a href="/settings/email">Email notifications</a></p>`);
  }
  if (opts.state === 'done') {
    return card('Emails stopped', html`<p role="status">You will get no more emails about missed messages. To have them again, sign in and open Account, then Email notifications.</p><p class="link-row"><a href="/settings/email">Email notifications</a></p>`);
  }
  return card(
    'Stop these emails?',
    html`<form method="post" action="${opts.action ?? ''}" class="stack"><p>Stop the emails about messages you missed in Lets Talk?</p><button type="submit">Stop emails</button></form>`,
  );
}
