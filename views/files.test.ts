import { describe, expect, test } from 'bun:test';
import { AUTO_IMAGE_BYTES, fileBody, fileMeta } from './files';

const meta = (size: number, type = 'image/jpeg', name = 'lab <1>.jpg') => ({ fileId: 'f1', name, size, type });

describe('fileBody', () => {
  test('a small image is shown in the log (lazily), with its name escaped', () => {
    const body = fileBody(meta(AUTO_IMAGE_BYTES)).value;
    expect(body).toContain('<img src="/files/f1/lab%20%3C1%3E.jpg" alt="lab &lt;1&gt;.jpg" loading="lazy"');
  });

  test('a large image waits for "Show image": nothing is fetched until the reader asks', () => {
    const body = fileBody(meta(AUTO_IMAGE_BYTES + 1)).value;
    // the image itself is only inside an inert <template>, the same markup a small image gets
    const [outside, inside] = [body.replace(/<template>.*<\/template>/, ''), body.match(/<template>(.*)<\/template>/)?.[1]];
    expect(outside).not.toContain('<img');
    expect(outside).toContain('<a href="/files/f1/lab%20%3C1%3E.jpg" class="show-image">Show image (');
    expect(inside).toBe(fileBody(meta(AUTO_IMAGE_BYTES)).value.match(/<a href="[^"]*" class="thumb">.*?<\/a>/)?.[0]);
  });

  test('an image with a preview shows the preview, whatever its size; a tap opens the image', () => {
    const body = fileBody({ ...meta(5_000_000), thumb: true }).value;
    expect(body).toContain('<a href="/files/f1/lab%20%3C1%3E.jpg" class="thumb"><img src="/thumbs/f1" alt="lab &lt;1&gt;.jpg" loading="lazy"');
    expect(body).not.toContain('show-image');
  });

  test('a video or a sound waits for "Play": nothing is fetched until the reader asks, then it plays in place', () => {
    const video = fileBody(meta(180_000_000, 'video/webm', 'Recording of <CSC401>.webm')).value;
    const [outside, inside] = [video.replace(/<template>.*<\/template>/, ''), video.match(/<template>(.*)<\/template>/)?.[1]];
    expect(outside).not.toContain('<video');
    expect(outside).toContain('<a href="/files/f1/Recording%20of%20%3CCSC401%3E.webm" class="show-image play">Play video (');
    expect(inside).toBe('<video class="player" controls autoplay playsinline preload="metadata" src="/files/f1/Recording%20of%20%3CCSC401%3E.webm" aria-label="Recording of &lt;CSC401&gt;.webm"></video>');
    expect(fileBody(meta(14_000_000, 'audio/webm', 'talk.webm')).value).toContain('class="show-image play">Play sound (');
    // Only what a browser plays: a .mkv or an .avi stays a download.
    expect(fileBody(meta(5_000_000, 'video/x-matroska', 'film.mkv')).value).not.toContain('Play');
  });

  test('other files are a download link with size and type only', () => {
    const body = fileBody(meta(5_000_000, 'application/pdf', 'notes.pdf')).value;
    expect(body).not.toContain('<img');
    expect(body).not.toContain('show-image');
    expect(body).toContain('download="notes.pdf"');
  });

  test('the type is named in words, the media type kept in the title (QA: a .docx took three lines on a phone)', () => {
    const docx = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
    const body = fileBody(meta(1_258_291, docx, 'essay.docx')).value;
    expect(body).toContain(`<span class="file-info" title="${docx}">1.2 MB · Word document</span>`);
    const offer = fileBody(fileMeta({ direct: true, name: 'essay.docx', size: 3, digest: 'd', from: 'Ada', type: docx })!).value;
    expect(offer).toContain(`<span class="file-info" title="${docx}">3 B · Word document</span>`);
  });

  test('a type stored before types were kept from a list is shown as a plain download, not as its words', () => {
    const body = fileBody(fileMeta({ fileId: 'f1', name: 'x.bin', size: 3, type: 'send.me.nudes.tonight/dont.tell.your.parents' })!).value;
    expect(body).not.toContain('nudes');
    expect(body).toContain('<span class="file-info" title="application/octet-stream">3 B · BIN</span>');
    const offer = fileMeta({ direct: true, name: 'x.mkv', size: 3, digest: 'd', from: 'Ada', type: 'application/send.me.pics' })!;
    expect(offer.type).toBe('application/octet-stream');
  });
});
