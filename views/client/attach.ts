/**
 * Attach file before upload.js (on-demand.ts) is there: the chosen files are taken from the input
 * at once (it is cleared, so the same file can be chosen again) and handed to upload.js
 * (FILES_CHOSEN) once it has run. While it loads on a slow link, the room's uploads list says so.
 */
import { FILES_CHOSEN, type FilesChosen } from './demand-events';
import { UPDATED, type OnDemand } from './on-demand';

export function attachFiles(scripts: OnDemand) {
  document.addEventListener('change', (e) => {
    const input = e.target;
    if (!(input instanceof HTMLInputElement) || input.type !== 'file' || !input.dataset.uploadRoom || !input.files?.length) return;
    const room = input.dataset.uploadRoom;
    const files = Array.from(input.files);
    input.value = '';
    const list = document.getElementById(`uploads-${room}`);
    list?.querySelectorAll('.upload-wait').forEach((w) => w.remove()); // an earlier try's line: one says it
    let wait: HTMLLIElement | null = null;
    const note = document.createElement('span');
    if (!scripts.has('upload') && list) {
      wait = document.createElement('li');
      wait.className = 'upload upload-wait';
      note.textContent = 'Getting ready to send…';
      wait.append(note);
      list.append(wait);
    }
    scripts.need(
      'upload',
      () => {
        wait?.remove();
        document.dispatchEvent(new CustomEvent<FilesChosen>(FILES_CHOSEN, { detail: { room, files } }));
      },
      () => {
        // On the text, not the list item: a list's items keep their role.
        note.setAttribute('role', 'alert');
        note.textContent = `Could not get ready to send: check your connection and attach the file again. ${UPDATED}`;
      },
    );
  });
}
