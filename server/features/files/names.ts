/**
 * File names and media types from the browser are untrusted. Names are reduced to one safe path
 * component; types to a well-formed lower-case media type. Which types a browser may render
 * inline is an allow-list: everything else (HTML and SVG included) downloads as an attachment.
 */
export const MAX_NAME_CHARS = 200;

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

export function sanitizeName(raw: string): string {
  let s = String(raw).normalize('NFC');
  // Only the last path component survives (both separators, whatever the client's OS).
  s = s.slice(Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\')) + 1);
  // Control and format characters (newlines, NUL, bidi overrides) go; characters reserved by
  // common file systems become '_'.
  s = s.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '').replace(/[<>:"|?*]/g, '_');
  s = s.replace(/\s+/g, ' ').replace(/^[\s.]+|[\s.]+$/g, '');
  const chars = [...s];
  if (chars.length > MAX_NAME_CHARS) {
    const dot = s.lastIndexOf('.');
    const ext = dot > 0 && s.length - dot <= 16 ? [...s.slice(dot)] : [];
    s = chars.slice(0, MAX_NAME_CHARS - ext.length).join('').trimEnd() + ext.join('');
  }
  if (WINDOWS_RESERVED.test(s)) s = `_${s}`;
  return s || 'file';
}

export function sanitizeType(raw: unknown): string {
  const t = typeof raw === 'string' ? raw.trim().toLowerCase().split(';')[0]!.trim() : '';
  return KNOWN_TYPES.has(t) ? t : 'application/octet-stream';
}

/**
 * The types a file keeps (shown in the room beside its name, and sent as Content-Type); any other is
 * application/octet-stream. A list, not a pattern: the type is the uploader's text, shown to the room
 * without being screened like the name is (`send.me.nudes/...` is a well-formed type).
 */
export const KNOWN_TYPES: ReadonlySet<string> = new Set([
  // documents
  'application/pdf', 'application/msword', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-powerpoint', 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.ms-excel', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.oasis.opendocument.text', 'application/vnd.oasis.opendocument.spreadsheet', 'application/vnd.oasis.opendocument.presentation',
  'application/rtf', 'application/epub+zip', 'text/plain', 'text/csv', 'text/markdown', 'application/json',
  // archives
  'application/zip', 'application/x-zip-compressed', 'application/vnd.rar', 'application/x-rar-compressed', 'application/x-7z-compressed',
  'application/x-tar', 'application/gzip', 'application/x-gzip',
  // images
  'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp', 'image/heic', 'image/heif', 'image/tiff', 'image/svg+xml',
  // audio and video (voice notes, recorded lectures)
  'audio/mpeg', 'audio/ogg', 'audio/wav', 'audio/x-wav', 'audio/webm', 'audio/mp4', 'audio/aac', 'audio/x-m4a', 'audio/flac', 'audio/amr', 'audio/3gpp',
  'video/mp4', 'video/webm', 'video/ogg', 'video/quicktime', 'video/x-matroska', 'video/3gpp', 'video/x-msvideo', 'video/mpeg',
  // code and data students hand in
  'text/x-python', 'text/x-c', 'text/x-csrc', 'text/x-c++src', 'text/x-java', 'text/x-java-source', 'text/javascript', 'text/css', 'text/html',
  'application/xml', 'text/xml', 'text/x-tex', 'application/x-sh', 'application/x-ipynb+json', 'application/octet-stream',
  'video/x-m4v', 'audio/x-aiff',
]);

/** Types shown in the browser (images, PDF, audio, video); never HTML, SVG, XML or scripts. */
const INLINE = new Set([
  'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp',
  'application/pdf',
  'video/mp4', 'video/webm', 'video/ogg', 'audio/mpeg', 'audio/ogg', 'audio/wav', 'audio/webm', 'audio/mp4',
  'text/plain',
]);

export const isInline = (type: string) => INLINE.has(type);
export const isImage = (type: string) => INLINE.has(type) && type.startsWith('image/');

/** The Content-Type to send: the stored type when it may render inline, else a neutral download type. */
export function servedType(type: string): string {
  if (!INLINE.has(type)) return 'application/octet-stream';
  return type === 'text/plain' ? 'text/plain; charset=utf-8' : type;
}

/** RFC 6266 Content-Disposition with an ASCII fallback and the UTF-8 name. */
export function contentDisposition(name: string, inline: boolean): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  const utf8 = encodeURIComponent(name).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}

/** The download URL of a stored file (the name is cosmetic; the id decides). */
export const fileUrl = (id: string, name: string) => `/files/${id}/${encodeURIComponent(name)}`;

/** The refusal of a file over the limit: said by the page before it reads the file, and by the server. */
export const tooLargeText = (name: string, size: number, max: number) => `“${sanitizeName(name)}” is ${formatBytes(size)}; files can be at most ${formatBytes(max)}.`;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) [v, i] = [v / 1024, i + 1];
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/**
 * Parses a single-range `Range` header against a file of `size` bytes. Returns null when there
 * is no usable header (send the whole file), 'unsatisfiable' for a range outside the file.
 * RFC 9110 §14.1.1, §14.2: a range whose last byte is before its first (`bytes=5-3`) is invalid,
 * and an invalid Range is ignored (the whole file, 200), not refused.
 */
export function parseRange(header: string | null, size: number): { start: number; end: number } | null | 'unsatisfiable' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null; // malformed or multi-range: ignore (RFC 9110)
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < start) return null; // backwards: invalid, ignored
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/** Largest image preview (a JPEG the uploading browser makes, at most 320 px on its longer side); the page and the server both use it. */
export const MAX_THUMB_BYTES = 48 * 1024;
