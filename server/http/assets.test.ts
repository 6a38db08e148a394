import { expect, test } from 'bun:test';
import { assetRoutes, loadAssets } from './assets';

test('app.js names call.js and upload.js by their hashed URLs, and those are served immutable (they load on first use)', async () => {
  const assets = await loadAssets();
  const app = new TextDecoder().decode(assets.get(assets.url('app.js'))!.body);
  const routes = assetRoutes(assets);
  for (const name of ['call.js', 'upload.js']) {
    const url = assets.url(name);
    expect(url).toMatch(/^\/assets\/(call|upload)\.[0-9a-f]{10}\.js$/);
    expect(app).toContain(JSON.stringify(url));
    const r = await routes.handle(new Request(`http://localhost${url}`, { headers: { 'accept-encoding': 'gzip' } }));
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(r.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  }
  // Nothing left for the build to fill in.
  expect(app).not.toContain('LT_LAZY');
});
