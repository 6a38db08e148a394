/**
 * Page wiring of direct transfers (transfer.ts): "Receive" / "Cancel" on offers, "Offer again" on
 * the viewer's own offers (pick the same file after a reload; the size must match and the digest is
 * verified), and the test hooks. Imported by upload.ts, which also chooses upload or offer by size.
 */
import { isServing, offerDirect, receive, testHooks } from './transfer';

export { fileLimits, offerDirect } from './transfer';

if (typeof document !== 'undefined') {
  document.addEventListener('click', (e) => {
    const btn = (e.target as HTMLElement).closest?.('.xfer-offer button');
    const box = btn?.closest<HTMLElement>('.xfer-offer');
    const art = box?.closest<HTMLElement>('article');
    const room = box?.closest<HTMLElement>('[data-room]')?.dataset.room;
    if (!box || !art || !room) return;
    const transfer = art.id.replace(/^m-/, '');
    const me = document.querySelector<HTMLElement>('.app[data-me]')?.dataset.me;
    if (art.dataset.sender !== me) return void receive(box, room, transfer);
    // Our own offer (after a reload): pick the same file again to keep offering it.
    const input = document.createElement('input');
    input.type = 'file';
    input.onchange = () => {
      const file = input.files?.[0];
      const list = document.getElementById(`uploads-${room}`);
      if (!file || !list) return;
      // The shown name is the sanitised one, so the size decides here and the digest verifies.
      if (file.size !== Number(box.dataset.xferSize)) return void (box.querySelector('.xfer-status')!.textContent = 'That is not the same file (the size differs).');
      void offerDirect(file, room, list, { digest: box.dataset.xferDigest! });
    };
    input.click();
  });
  // Own offers say "Offer again" (the server renders one fragment for every member), and show no
  // button while this page offers the file (its row under the composer has "Stop offering").
  const label = () => {
    const me = document.querySelector<HTMLElement>('.app[data-me]')?.dataset.me;
    for (const b of document.querySelectorAll<HTMLElement>(`article[data-sender="${me}"] .xfer-offer button`)) {
      if (b.textContent === 'Receive') b.textContent = 'Offer again';
      const serving = isServing(b.closest('article')!.id.replace(/^m-/, ''));
      if (b.hidden !== serving) b.hidden = serving;
    }
  };
  new MutationObserver(label).observe(document.documentElement, { childList: true, subtree: true });
  (window as unknown as { letstalkTransfers: unknown }).letstalkTransfers = testHooks;
}
