/**
 * Out-of-band fragments for WebSocket pushes: <hx-partial> wrappers around the same renderers the
 * pages use. The target is always an element id the page renders.
 */
import { html, type Raw } from '../server/http/html';

export function partial(targetId: string, swap: 'beforeend' | 'innerHTML' | 'outerHTML' | 'afterbegin', inner: Raw): Raw {
  return html`<hx-partial hx-target="#${targetId}" hx-swap="${swap}">${inner}</hx-partial>`;
}

/**
 * A message shown in the page's notice area (errors from the socket that belong to no form, and
 * what a safeguarding action just did). It stays until dismissed (views/client/notice.ts): on a
 * phone it took a line of the screen for good (QA).
 */
export function noticePartial(message: string): Raw {
  return partial('notice', 'innerHTML', html`<p class="alert" role="alert">${withNoticesLink(message)} <button type="button" class="link dismiss">Dismiss</button></p>`);
}

/** The texts name the notices page in words ("See /safeguarding."): shown, it is a link. */
export function withNoticesLink(text: string): Raw {
  const at = text.indexOf('/safeguarding');
  return at < 0 ? html`${text}` : html`${text.slice(0, at)}<a href="/safeguarding">/safeguarding</a>${text.slice(at + '/safeguarding'.length)}`;
}
