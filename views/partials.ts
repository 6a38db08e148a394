/**
 * Out-of-band fragments for WebSocket pushes: <hx-partial> wrappers around the same renderers the
 * pages use. The target is always an element id the page renders.
 */
import { html, type Raw } from '../server/http/html';

export function partial(targetId: string, swap: 'beforeend' | 'innerHTML' | 'outerHTML' | 'afterbegin', inner: Raw): Raw {
  return html`<hx-partial hx-target="#${targetId}" hx-swap="${swap}">${inner}</hx-partial>`;
}

/** A message shown in the page's notice area (errors from the socket that belong to no form). */
export function noticePartial(message: string): Raw {
  return partial('notice', 'innerHTML', html`<p class="alert" role="alert">${message}</p>`);
}
