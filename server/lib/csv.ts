/**
 * RFC 4180 CSV: parse (with a line number for every record, for error reports) and write (with
 * spreadsheet formula neutralisation). Accepts CRLF or LF line ends and a UTF-8 BOM.
 */
export interface CsvRecord {
  /** 1-based line in the file where the record starts. */
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  override name = 'CsvSyntaxError';
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

/** Parses the whole text. Blank lines are skipped. Throws CsvSyntaxError on malformed quoting. */
export function parseCsv(text: string): CsvRecord[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const out: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let atFieldStart = true;
    let quoted = false;
    let endOfRecord = false;
    while (i < n && !endOfRecord) {
      const c = text[i]!;
      if (quoted) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            quoted = false;
            i++;
            const next = text[i];
            if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
              throw new CsvSyntaxError(line, 'unexpected character after a closing quote');
            }
          }
        } else {
          if (c === '\n') line++;
          field += c;
          i++;
        }
      } else if (c === '"') {
        if (!atFieldStart) throw new CsvSyntaxError(line, 'a quote inside an unquoted field (wrap the field in quotes and double the quote)');
        quoted = true;
        atFieldStart = false;
        i++;
      } else if (c === ',') {
        fields.push(field);
        field = '';
        atFieldStart = true;
        i++;
      } else if (c === '\r' || c === '\n') {
        i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
        line++;
        endOfRecord = true;
      } else {
        field += c;
        atFieldStart = false;
        i++;
      }
    }
    if (quoted) throw new CsvSyntaxError(start, 'a quoted field is never closed');
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) out.push({ line: start, fields });
  }
  return out;
}

export type CsvTable =
  | { ok: true; header: CsvRecord; cols: string[]; rows: CsvRecord[] }
  | { ok: false; error: { line: number; reason: string } };

/**
 * A CSV with a header row: the header's column names trimmed and lower-cased, the data rows after
 * it. A syntax error, or a file with no rows at all, is returned as one line-numbered error.
 */
export function parseCsvTable(text: string): CsvTable {
  let records: CsvRecord[];
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvSyntaxError) return { ok: false, error: { line: e.line, reason: e.message.replace(/^line \d+: /, '') } };
    throw e;
  }
  const header = records.shift();
  if (!header) return { ok: false, error: { line: 1, reason: 'the file is empty' } };
  return { ok: true, header, cols: header.fields.map((h) => h.trim().toLowerCase()), rows: records };
}

/** Control characters in cell text shown as \uXXXX, so an error message stays one safe line. */
export function visible(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Cells a spreadsheet would run as a formula get a leading apostrophe. */
function neutralise(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

export function csvRow(cells: readonly string[]): string {
  return (
    cells
      .map((c) => {
        const v = neutralise(c);
        return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
      })
      .join(',') + '\r\n'
  );
}

/** A file name for a download: the room's name, what it is, and the day (UTC) it covers. */
export const csvName = (roomName: string, what: string, at: number) => `${roomName} ${what} ${new Date(at).toISOString().slice(0, 10)}.csv`;
