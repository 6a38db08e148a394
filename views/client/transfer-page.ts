/**
 * Page wiring of direct transfers (transfer.ts), in upload.js: "Receive" / "Cancel" on offers and
 * the same file picked again through "Offer again", as handed on by app.js (offer-buttons.ts, which
 * also labels one's own offers), and the test hooks. Imported by upload.ts, which also chooses
 * upload or offer by size.
 */
import { isServing, offerDirect, receive, testHooks } from './transfer';
import { OFFER_AGAIN, RECEIVE, type OfferAgain, type ReceivePress } from './demand-events';

export { fileLimits, offerDirect } from './transfer';

if (typeof document !== 'undefined') {
  document.addEventListener(RECEIVE, (e) => {
    const { room, transfer } = (e as CustomEvent<ReceivePress>).detail;
    void receive(e.target as HTMLElement, room, transfer);
  });
  document.addEventListener(OFFER_AGAIN, (e) => {
    const { room, file, digest } = (e as CustomEvent<OfferAgain>).detail;
    const list = document.getElementById(`uploads-${room}`);
    if (list) void offerDirect(file, room, list, { digest });
  });
  // While this page offers a file, its own offer message shows no button (the row under the
  // composer has "Stop offering").
  const hideServed = () => {
    const me = document.querySelector<HTMLElement>('.app[data-me]')?.dataset.me;
    for (const b of document.querySelectorAll<HTMLElement>(`article[data-sender="${me}"] .xfer-offer button`)) {
      const serving = isServing(b.closest('article')!.id.replace(/^m-/, ''));
      if (b.hidden !== serving) b.hidden = serving;
    }
  };
  new MutationObserver(hideServed).observe(document.documentElement, { childList: true, subtree: true });
  (window as unknown as { letstalkTransfers: unknown }).letstalkTransfers = testHooks;
}
