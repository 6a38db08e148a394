/**
 * The buttons of direct-transfer offers (views/files.ts), before upload.js (on-demand.ts) is there:
 * - Receive (Cancel while receiving) on someone else's offer loads upload.js and is handed to it
 *   (RECEIVE);
 * - on one's own offer (after a reload), "Offer again" opens the file picker at once, as a browser
 *   opens it only straight from the press, not once a script has arrived; the same file (by size
 *   here, by digest in upload.js) is handed on (OFFER_AGAIN).
 * Own offers say "Offer again": the server renders one fragment for every member.
 */
import { OFFER_AGAIN, RECEIVE, type OfferAgain, type ReceivePress } from './demand-events';
import type { OnDemand } from './on-demand';

export function offerButtons(scripts: OnDemand, me: string) {
  const say = (box: HTMLElement, text: string) => (box.querySelector('.xfer-status')!.textContent = text);
  // While upload.js loads, a second press on the same offer is not a second receive.
  const loading = new WeakSet<HTMLElement>();
  const handOn = (box: HTMLElement, then: () => void) => {
    if (loading.has(box)) return;
    if (!scripts.has('upload')) say(box, 'Getting ready…');
    loading.add(box);
    scripts.need(
      'upload',
      () => {
        loading.delete(box);
        then();
      },
      () => {
        loading.delete(box);
        say(box, 'Could not get ready: check your connection and press the button again.');
      },
    );
  };
  document.addEventListener('click', (e) => {
    const btn = (e.target as HTMLElement).closest?.('.xfer-offer button');
    const box = btn?.closest<HTMLElement>('.xfer-offer');
    const art = box?.closest<HTMLElement>('article');
    const room = box?.closest<HTMLElement>('[data-room]')?.dataset.room;
    if (!box || !art || !room) return;
    const transfer = art.id.replace(/^m-/, '');
    if (art.dataset.sender !== me) {
      return handOn(box, () => box.dispatchEvent(new CustomEvent<ReceivePress>(RECEIVE, { bubbles: true, detail: { room, transfer } })));
    }
    const input = document.createElement('input');
    input.type = 'file';
    input.onchange = () => {
      const file = input.files?.[0];
      if (!file) return;
      // The shown name is the sanitised one, so the size decides here and the digest verifies.
      if (file.size !== Number(box.dataset.xferSize)) return void say(box, 'That is not the same file (the size differs).');
      handOn(box, () => {
        say(box, '');
        document.dispatchEvent(new CustomEvent<OfferAgain>(OFFER_AGAIN, { detail: { room, file, digest: box.dataset.xferDigest! } }));
      });
    };
    input.click();
  });
  const label = () => {
    for (const b of document.querySelectorAll<HTMLElement>(`article[data-sender="${CSS.escape(me)}"] .xfer-offer button`)) if (b.textContent === 'Receive') b.textContent = 'Offer again';
  };
  label();
  new MutationObserver(label).observe(document.documentElement, { childList: true, subtree: true });
}
