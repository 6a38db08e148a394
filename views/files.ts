/** File renderers: the body of a file message, and the composer's attach control with its progress area. */
import { html, type Raw } from '../server/http/html';
import { fileUrl, formatBytes, isImage, isInline, sanitizeType } from '../server/features/files/names';
import { fileKind } from './file-kind';

export interface FileMeta {
  fileId: string;
  name: string;
  size: number;
  type: string;
  /** An image with a preview (GET /thumbs/:fileId, a few KB made by the uploader's browser). */
  thumb?: boolean;
  /** A direct-transfer offer (no stored bytes; README "Files → Direct transfers"). */
  direct?: { digest: string; from: string };
}

export function fileMeta(meta: Record<string, unknown> | null): FileMeta | null {
  if (meta?.direct === true && typeof meta.name === 'string' && typeof meta.size === 'number' && typeof meta.digest === 'string') {
    return { fileId: '', name: meta.name, size: meta.size, type: sanitizeType(meta.type), direct: { digest: meta.digest, from: String(meta.from ?? '') } };
  }
  if (!meta || typeof meta.fileId !== 'string' || typeof meta.name !== 'string' || typeof meta.size !== 'number') return null;
  // sanitizeType again: messages stored before types were kept from a list only must not show theirs
  return { fileId: meta.fileId, name: meta.name, size: meta.size, type: sanitizeType(meta.type), ...(meta.thumb === true ? { thumb: true } : {}) };
}

/**
 * Many students pay for every megabyte: a room of phone photos must not cost each reader all of them.
 * An image with a preview shows the preview (a few KB; a tap opens the image). Without one (an old
 * message, or a browser that could not decode the image to make it) images up to this size are shown
 * in the log and larger ones wait for a tap on "Show image". Previews are made by the uploader's
 * browser: Bun has no image decoder, and decoding untrusted images on the server is an attack surface.
 */
export const AUTO_IMAGE_BYTES = 200 * 1024;

/** The name as a download link, size and kind; an image's preview, a small image, or "Show image" (members only). */
export function fileBody(f: FileMeta): Raw {
  if (f.direct) return offerBody(f, f.direct);
  const url = fileUrl(f.fileId, f.name);
  const shown = (src: string) => html`<a href="${url}" class="thumb"><img src="${src}" alt="${f.name}" loading="lazy" decoding="async"></a>`;
  let image: Raw | '' = '';
  if (isImage(f.type) && f.thumb) image = shown(`/thumbs/${f.fileId}`);
  else if (isImage(f.type) && f.size <= AUTO_IMAGE_BYTES) image = shown(url);
  // the shown image waits in an inert <template> (nothing is fetched) until a tap puts it in place (views/client/chat.ts)
  else if (isImage(f.type)) image = html`<p><a href="${url}" class="show-image">Show image (${formatBytes(f.size)})</a><template>${shown(url)}</template></p>`;
  else if (isInline(f.type) && (f.type.startsWith('video/') || f.type.startsWith('audio/'))) image = playable(f, url);
  return html`<div class="body file">${image}<p><a href="${url}" download="${f.name}" class="file-link">${f.name}</a> ${fileInfo(f)}</p></div>`;
}

/**
 * A video or a sound the browser can play (a lecture recording, a voice note): "Play video" puts
 * the player in place and starts it. Until then nothing is fetched (the player waits in a
 * <template>); once playing, the browser fetches what is played and a little ahead (Range
 * requests), not the whole file: a student can hear ten minutes of a 200 MB lecture for a few MB.
 * Without JavaScript the link opens the file, which the browser plays.
 */
function playable(f: FileMeta, url: string): Raw {
  const video = f.type.startsWith('video/');
  const player = video
    ? html`<video class="player" controls autoplay playsinline preload="metadata" src="${url}" aria-label="${f.name}"></video>`
    : html`<audio class="player" controls autoplay preload="metadata" src="${url}" aria-label="${f.name}"></audio>`;
  return html`<p><a href="${url}" class="show-image play">${video ? 'Play video' : 'Play sound'} (${formatBytes(f.size)})</a><template>${player}</template></p>`;
}

/** Size and kind ("1.2 MB · Word document"); the media type, once the text itself, stays in the title. */
function fileInfo(f: FileMeta): Raw {
  return html`<span class="file-info" title="${f.type}">${formatBytes(f.size)} · ${fileKind(f.type, f.name)}</span>`;
}

/**
 * A direct-transfer offer: name, size, kind, who it comes from, and Receive (views/client/transfer.ts
 * turns it into "Offer again" on the sender's own offers and adds the progress row).
 */
function offerBody(f: FileMeta, d: { digest: string; from: string }): Raw {
  return html`<div class="body file xfer-offer" data-xfer-name="${f.name}" data-xfer-size="${f.size}" data-xfer-digest="${d.digest}"><p><span class="file-link">${f.name}</span> ${fileInfo(f)}</p><p class="hint">Sent directly from ${d.from}; available while they are online.</p><p><button type="button" class="xfer-receive">Receive</button></p><p class="xfer-status" role="status"></p></div>`;
}

/** "Attach file" in the composer; choosing a file starts the upload (views/client/upload.ts). */
export function attachControl(roomId: string): Raw {
  return html`<input type="file" id="attach-${roomId}" class="attach-input visually-hidden" data-upload-room="${roomId}"><label class="attach button-link" for="attach-${roomId}">Attach file</label>`;
}

/** Where upload progress rows appear (one per file being sent). */
export function uploadsArea(roomId: string): Raw {
  return html`<ul class="uploads" id="uploads-${roomId}" aria-label="Files being sent"></ul>`;
}
