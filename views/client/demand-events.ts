/**
 * What app.js hands to call.js and upload.js once they have run (on-demand.ts): DOM events, since
 * the bundles are built apart and share nothing else. Each is dispatched on the element concerned
 * and bubbles to the document, where the late bundle listens.
 */

/** A call bar's Start call, Start lecture, Start a lecture instead or Join call was pressed (the target). */
export const CALL_PRESS = 'letstalk:call-press';

/** Files chosen in a room's Attach file. */
export const FILES_CHOSEN = 'letstalk:files-chosen';
export interface FilesChosen {
  room: string;
  files: File[];
}

/** Receive (Cancel while receiving) on someone else's direct-transfer offer (the target: its `.xfer-offer`). */
export const RECEIVE = 'letstalk:receive';
export interface ReceivePress {
  room: string;
  transfer: string;
}

/** The same file, picked again through Offer again on one's own offer after a reload. */
export const OFFER_AGAIN = 'letstalk:offer-again';
export interface OfferAgain {
  room: string;
  file: File;
  digest: string;
}
