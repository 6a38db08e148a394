import { describe, expect, test } from 'bun:test';
import { CsvSyntaxError, csvRow, parseCsv, parseCsvTable, visible } from './csv';

describe('parseCsv', () => {
  test('handles BOM, CRLF, quoted commas, doubled quotes, newlines in quotes, and line numbers', () => {
    const text = '\uFEFFemail,name\r\na@x.ng,"Obi, Ada"\r\nb@x.ng,"Say ""hi""\nthere"\r\n\r\nc@x.ng,\r\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['email', 'name'] },
      { line: 2, fields: ['a@x.ng', 'Obi, Ada'] },
      { line: 3, fields: ['b@x.ng', 'Say "hi"\nthere'] },
      { line: 6, fields: ['c@x.ng', ''] },
    ]);
  });
  test('LF only and no trailing newline', () => {
    expect(parseCsv('a,b\nc,d')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['c', 'd'] },
    ]);
  });
  test('rejects an unclosed quote with the line where the record started', () => {
    expect(() => parseCsv('a,b\nc,"d\ne,f\n')).toThrow(new CsvSyntaxError(2, 'a quoted field is never closed'));
  });
  test('rejects a stray quote inside an unquoted field and text after a closing quote', () => {
    expect(() => parseCsv('a,b"c\n')).toThrow(CsvSyntaxError);
    expect(() => parseCsv('"a"b,c\n')).toThrow(/after a closing quote/);
  });
});

describe('csvRow', () => {
  test('quotes when needed and neutralises formula cells', () => {
    expect(csvRow(['a', 'b,c', 'say "x"'])).toBe('a,"b,c","say ""x"""\r\n');
    expect(csvRow(['=1+1', '+2', '-3', '@SUM(A1)', 'ok'])).toBe("'=1+1,'+2,'-3,'@SUM(A1),ok\r\n");
  });
  test('round-trips through the parser', () => {
    const cells = ['x', 'multi\nline', 'q"uote', ''];
    expect(parseCsv(csvRow(cells))[0]!.fields).toEqual(cells);
  });
});

describe('parseCsvTable and visible', () => {
  test('header names are trimmed and lower-cased; rows follow; errors carry a line', () => {
    const t = parseCsvTable(' Email ,ROLE\nA@x.ng,owner\n');
    expect(t).toEqual({ ok: true, header: { line: 1, fields: [' Email ', 'ROLE'] }, cols: ['email', 'role'], rows: [{ line: 2, fields: ['A@x.ng', 'owner'] }] });
    expect(parseCsvTable('')).toEqual({ ok: false, error: { line: 1, reason: 'the file is empty' } });
    expect(parseCsvTable('a\n"b\n')).toEqual({ ok: false, error: { line: 2, reason: 'a quoted field is never closed' } });
  });
  test('control characters are shown escaped', () => {
    expect(visible('a\nb\u001b[31m')).toBe('a\\u000ab\\u001b[31m');
  });
});
