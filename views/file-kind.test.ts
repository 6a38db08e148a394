import { describe, expect, test } from 'bun:test';
import { fileKind } from './file-kind';
import { KNOWN_TYPES } from '../server/features/files/names';

describe('fileKind', () => {
  test('office documents, PDFs and archives by the names students know', () => {
    expect(fileKind('application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'essay.docx')).toBe('Word document');
    expect(fileKind('application/msword', 'essay.doc')).toBe('Word document');
    expect(fileKind('application/pdf', 'notes.pdf')).toBe('PDF');
    expect(fileKind('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'marks.xlsx')).toBe('Excel spreadsheet');
    expect(fileKind('application/vnd.ms-powerpoint', 'week3.ppt')).toBe('PowerPoint');
    expect(fileKind('application/vnd.openxmlformats-officedocument.presentationml.presentation', 'week3.pptx')).toBe('PowerPoint');
    expect(fileKind('application/x-zip-compressed', 'lab.zip')).toBe('ZIP archive');
    expect(fileKind('text/plain', 'readme.txt')).toBe('Text');
  });

  test('images, audio and video: the medium and the format', () => {
    expect(fileKind('image/png', 'diagram.png')).toBe('Image (PNG)');
    expect(fileKind('image/jpeg', 'board.jpg')).toBe('Image (JPEG)');
    expect(fileKind('image/svg+xml', 'logo.svg')).toBe('Image (SVG)');
    expect(fileKind('audio/mpeg', 'voice.mp3')).toBe('Audio (MP3)');
    expect(fileKind('audio/mp4', 'voice.m4a')).toBe('Audio (M4A)');
    expect(fileKind('video/quicktime', 'lecture.mov')).toBe('Video (MOV)');
    expect(fileKind('video/mp4', 'lecture.mp4')).toBe('Video (MP4)');
  });

  test('every type a file may keep has a short name, never the media type itself', () => {
    for (const t of KNOWN_TYPES) {
      const kind = fileKind(t, 'x');
      expect({ t, slash: kind.includes('/'), short: kind.length <= 26 }).toEqual({ t, slash: false, short: true });
    }
  });

  test('an unknown type: the extension in capitals, else "File"', () => {
    expect(fileKind('application/octet-stream', 'site-plan.dwg')).toBe('DWG');
    expect(fileKind('application/octet-stream', 'report.final.Docx')).toBe('DOCX');
    expect(fileKind('application/octet-stream', 'Makefile')).toBe('File');
    // a long last part is part of the name, not a format
    expect(fileKind('application/octet-stream', 'notes.fromthelecture')).toBe('File');
    expect(fileKind('application/octet-stream', 'x.')).toBe('File');
  });

  test('a name that runs as a program is labelled by its extension, whatever type the uploader gave', () => {
    expect(fileKind('application/pdf', 'setup.exe')).toBe('EXE');
    expect(fileKind('image/png', 'photo.png.apk')).toBe('APK');
    expect(fileKind('text/plain', 'notes.BAT')).toBe('BAT');
    expect(fileKind('application/pdf', 'lab2.js')).toBe('JavaScript');
    expect(fileKind('application/x-sh', 'build.sh')).toBe('Shell script');
    expect(fileKind('application/pdf', 'exe-notes.pdf')).toBe('PDF');
  });
});
