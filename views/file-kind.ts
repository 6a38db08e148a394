/**
 * A file's kind in words, shown beside its name and size in a file message. QA: a .docx showed
 * "application/vnd.openxmlformats-officedocument.wordprocessingml.document", three lines on a
 * phone. Only types on the upload list (server/features/files/names.ts) ever get here; anything
 * else arrives as application/octet-stream and is named by the file's extension.
 */

const WORD = 'Word document';
const POWERPOINT = 'PowerPoint';
const EXCEL = 'Excel spreadsheet';
const ZIP = 'ZIP archive';
const GZIP = 'GZIP archive';
const RAR = 'RAR archive';

const NAMES: Record<string, string> = {
  'application/pdf': 'PDF',
  'application/msword': WORD,
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': WORD,
  'application/vnd.ms-powerpoint': POWERPOINT,
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': POWERPOINT,
  'application/vnd.ms-excel': EXCEL,
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': EXCEL,
  'application/vnd.oasis.opendocument.text': 'OpenDocument text',
  'application/vnd.oasis.opendocument.spreadsheet': 'OpenDocument spreadsheet',
  'application/vnd.oasis.opendocument.presentation': 'OpenDocument presentation',
  'application/rtf': 'Rich text',
  'application/epub+zip': 'EPUB e-book',
  'text/plain': 'Text',
  'text/csv': 'CSV',
  'text/markdown': 'Markdown',
  'application/json': 'JSON',
  'application/zip': ZIP,
  'application/x-zip-compressed': ZIP,
  'application/vnd.rar': RAR,
  'application/x-rar-compressed': RAR,
  'application/x-7z-compressed': '7-Zip archive',
  'application/x-tar': 'TAR archive',
  'application/gzip': GZIP,
  'application/x-gzip': GZIP,
  'text/x-python': 'Python',
  'text/x-c': 'C source',
  'text/x-csrc': 'C source',
  'text/x-c++src': 'C++ source',
  'text/x-java': 'Java source',
  'text/x-java-source': 'Java source',
  'text/javascript': 'JavaScript',
  'text/css': 'CSS',
  'text/html': 'HTML',
  'application/xml': 'XML',
  'text/xml': 'XML',
  'text/x-tex': 'TeX',
  'application/x-sh': 'Shell script',
  'application/x-ipynb+json': 'Jupyter notebook',
};

/** Image, audio and video formats by the name people know them by (the subtype otherwise, in capitals). */
const FORMATS: Record<string, string> = {
  'svg+xml': 'SVG', mpeg: 'MPEG', 'audio/mpeg': 'MP3', 'audio/mp4': 'M4A', 'x-m4a': 'M4A', 'x-wav': 'WAV', 'x-aiff': 'AIFF',
  '3gpp': '3GP', quicktime: 'MOV', 'x-matroska': 'MKV', 'x-msvideo': 'AVI', 'x-m4v': 'M4V',
};
const MEDIA: Record<string, string> = { image: 'Image', audio: 'Audio', video: 'Video' };

/** An extension worth showing: a few letters or digits (a long "extension" is part of a name, not a format). */
const EXTENSION = /\.([a-z0-9]{1,6})$/i;

/**
 * Names that run as programs when opened (Windows, Android, macOS, scripts). The type is the
 * uploader's word: `setup.exe` sent as application/pdf was labelled "PDF", and saved it runs
 * (review s17). Such a name is labelled by its extension, whatever the type says.
 */
const RUNS = /\.(exe|msi|bat|cmd|com|scr|pif|cpl|apk|xapk|jar|vbs|vbe|js|jse|wsf|wsh|ps1|psm1|hta|lnk|reg|dll|app|dmg|pkg|command|sh|run|msix|appx|appinstaller|deb|rpm|appimage|ipa|py|chm|url|docm|xlsm|pptm|iso|img|vhd)$/i;
const RUNS_KNOWN: Record<string, string> = { js: 'JavaScript', sh: 'Shell script', py: 'Python', docm: 'Word with macros', xlsm: 'Excel with macros', pptm: 'PowerPoint with macros', iso: 'Disk image', img: 'Disk image', vhd: 'Disk image' };

/** "Word document", "PDF", "Image (PNG)"…; an unknown type: the name's extension in capitals ("DWG"), else "File". */
export function fileKind(type: string, name: string): string {
  const runs = RUNS.exec(name)?.[1]?.toLowerCase();
  if (runs) return RUNS_KNOWN[runs] ?? runs.toUpperCase();
  const known = NAMES[type];
  if (known) return known;
  const [media, sub] = type.split('/') as [string, string | undefined];
  if (MEDIA[media] && sub) return `${MEDIA[media]} (${FORMATS[type] ?? FORMATS[sub] ?? sub.toUpperCase()})`;
  const ext = EXTENSION.exec(name);
  return ext ? ext[1]!.toUpperCase() : 'File';
}
