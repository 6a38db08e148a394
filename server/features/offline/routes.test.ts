/** The site's service worker and its offline page (routes.ts); the browser side is e2e/offline.e2e.test.ts. */
import { describe, expect, test } from 'bun:test';
import { Client, testApp } from '../../testing';
import { workerSource } from './routes';
import { loadAssets } from '../../http/assets';

const css = async () => (await loadAssets()).url('app.css');

describe('offline page', () => {
  test('GET /sw.js: the worker, with the offline page and the current stylesheet to keep, never cached stale', async () => {
    const t = await testApp();
    const res = await new Client(t.app).get('/sw.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const text = await res.text();
    expect(text).toContain(`const FILES = ${JSON.stringify(['/offline', await css()])};`);
    expect(text).not.toContain('__FILES__');
    expect(text).not.toContain('__VERSION__');
    // Valid script (the worker would fail to install otherwise).
    expect(() => new Function(text)).not.toThrow();
    // Asked again at every navigation: unchanged, a 304 without a body.
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"\w+"$/);
    const again = await new Client(t.app).get('/sw.js', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  test('a new stylesheet or a new offline page makes a new worker (and cache name)', () => {
    const version = (src: string) => /const CACHE = `lt-offline-\$\{"(\w+)"\}`/.exec(src)?.[1];
    const a = version(workerSource(['/offline', '/assets/app.aaaa.css'], '<p>x</p>'));
    const b = version(workerSource(['/offline', '/assets/app.bbbb.css'], '<p>x</p>'));
    const c = version(workerSource(['/offline', '/assets/app.aaaa.css'], '<p>y</p>'));
    expect(new Set([a, b, c]).size).toBe(3);
    expect(a).toBeTruthy();
  });

  test('downloads are never answered with the offline page (it was saved as the file)', () => {
    const src = workerSource(['/offline'], '');
    const downloads = new RegExp(/const DOWNLOADS = \/(.*)\/;/.exec(src)![1]!);
    for (const path of ['/files/abc/notes.pdf', '/thumbs/abc', '/transfers/dl/x/y', '/admin/import/download/tok', '/admin/audit/export']) expect(downloads.test(path)).toBe(true);
    for (const path of ['/', '/rooms/abc', '/admin/audit', '/people', '/safeguarding']) expect(downloads.test(path)).toBe(false);
  });

  test('GET /offline: a static page for anyone, signed in or not, that tries again by itself', async () => {
    const t = await testApp();
    const res = await new Client(t.app).get('/offline');
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('<h1>No connection</h1>');
    expect(page).toContain('<meta http-equiv="refresh" content="15">');
    expect(page).toContain('<a href="">Try again now</a>');
    expect(page).toContain(await css());
    expect(page).not.toContain('<script');
  });
});
