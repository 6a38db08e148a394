/** File renderers: the body of a file message, and the composer's attach control with its progress area. */
import { html, type Raw } from '../server/http/html';
import { fileUrl, formatBytes, isImage } from '../server/features/files/names';

export interface FileMeta {
  fileId: string;
  name: string;
  size: number;
  type: string;
}

export function fileMeta(meta: Record<string, unknown> | null): FileMeta | null {
  if (!meta || typeof meta.fileId !== 'string' || typeof meta.name !== 'string' || typeof meta.size !== 'number') return null;
  return { fileId: meta.fileId, name: meta.name, size: meta.size, type: typeof meta.type === 'string' ? meta.type : 'application/octet-stream' };
}

/** The name as a download link, size and type; images get a lazy thumbnail (served inline, members only). */
export function fileBody(f: FileMeta): Raw {
  const url = fileUrl(f.fileId, f.name);
  return html`<div class="body file">${isImage(f.type) ? html`<a href="${url}" class="thumb"><img src="${url}" alt="${f.name}" loading="lazy" decoding="async"></a>` : ''}<p><a href="${url}" download="${f.name}" class="file-link">${f.name}</a> <span class="file-info">${formatBytes(f.size)} · ${f.type}</span></p></div>`;
}

/** "Attach file" in the composer; choosing a file starts the upload (views/client/upload.ts). */
export function attachControl(roomId: string): Raw {
  return html`<input type="file" id="attach-${roomId}" class="attach-input visually-hidden" data-upload-room="${roomId}"><label class="attach button-link" for="attach-${roomId}">Attach file</label>`;
}

/** Where upload progress rows appear (one per file being sent). */
export function uploadsArea(roomId: string): Raw {
  return html`<ul class="uploads" id="uploads-${roomId}" aria-label="Files being sent"></ul>`;
}
