/**
 * Static assets with content-hashed URLs (`/assets/app.3f9a1c2e.css`), served with an immutable
 * one-year cache and pre-compressed with gzip, so a returning student on mobile data downloads
 * each asset once.
 */
import { Elysia } from 'elysia';
import { readFileSync } from 'node:fs';
import { join, extname } from 'node:path';

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export interface Asset {
  url: string;
  type: string;
  body: Uint8Array;
  gzip: Uint8Array;
}

export interface AssetSource {
  name: string;
  body: Uint8Array | string;
}

export class Assets {
  private byName = new Map<string, Asset>();
  private byUrl = new Map<string, Asset>();

  add({ name, body }: AssetSource) {
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    const hash = new Bun.CryptoHasher('sha256').update(bytes).digest('hex').slice(0, 10);
    const ext = extname(name);
    const url = `/assets/${name.slice(0, -ext.length)}.${hash}${ext}`;
    const asset: Asset = { url, type: TYPES[ext] ?? 'application/octet-stream', body: bytes, gzip: Bun.gzipSync(bytes as Uint8Array<ArrayBuffer>, { level: 9 }) };
    this.byName.set(name, asset);
    this.byUrl.set(url, asset);
  }

  url = (name: string): string => {
    const a = this.byName.get(name);
    if (!a) throw new Error(`unknown asset ${name}`);
    return a.url;
  };

  get(url: string) {
    return this.byUrl.get(url);
  }
}

const ROOT = join(import.meta.dir, '../..');

/**
 * Bundles the browser module (views/client) with Bun.build: one minified file, no framework.
 * `define` sets build-time constants (identifier → JSON).
 */
export async function buildClient(entry = join(ROOT, 'views/client/chat.ts'), define: Record<string, string> = {}): Promise<string> {
  const out = await Bun.build({ entrypoints: [entry], target: 'browser', minify: true, format: 'iife', define });
  if (!out.success) throw new Error(`client build failed: ${out.logs.map(String).join('\n')}`);
  return out.outputs[0]!.text();
}

let cached: Promise<Assets> | undefined;

/**
 * The page assets, read and built once per process: our stylesheet and client bundle, and htmx
 * with its WebSocket extension from the pinned htmx.org package.
 */
export function loadAssets(): Promise<Assets> {
  return (cached ??= (async () => {
    const assets = new Assets();
    assets.add({ name: 'app.css', body: readFileSync(join(ROOT, 'views/assets/app.css')) });
    const htmx = readFileSync(join(ROOT, 'node_modules/htmx.org/dist/htmx.min.js'), 'utf8');
    const hxWs = readFileSync(join(ROOT, 'node_modules/htmx.org/dist/ext/hx-ws.min.js'), 'utf8');
    assets.add({ name: 'htmx.js', body: htmx });
    // Calls and files are loaded by app.js when first used (views/client/on-demand.ts), from the
    // hashed URLs built into it: a changed call.js gives app.js a new hash too.
    assets.add({ name: 'call.js', body: await buildClient(join(ROOT, 'views/client/call.ts')) });
    assets.add({ name: 'upload.js', body: await buildClient(join(ROOT, 'views/client/upload.ts')) });
    const lazy = { call: assets.url('call.js'), upload: assets.url('upload.js') };
    // One script for the chat pages: htmx starts on a timer after its own code runs, so the ws
    // extension and our listeners must already be defined by then; in one file they always are
    // (separate deferred files raced on slow links). One request instead of three, too.
    assets.add({ name: 'app.js', body: `${htmx}\n;${hxWs}\n;${await buildClient(undefined, { LT_LAZY: JSON.stringify(lazy) })}` });
    assets.add({ name: 'signed-out.js', body: await buildClient(join(ROOT, 'views/client/signed-out.ts')) });
    return assets;
  })());
}

export function assetRoutes(assets: Assets) {
  return new Elysia({ name: 'assets' }).get('/assets/:file', ({ request, params, set }) => {
    const a = assets.get(`/assets/${params.file}`);
    if (!a) {
      set.status = 404;
      return 'Not found';
    }
    set.headers['content-type'] = a.type;
    set.headers['cache-control'] = 'public, max-age=31536000, immutable';
    set.headers['vary'] = 'accept-encoding';
    if (/\bgzip\b/.test(request.headers.get('accept-encoding') ?? '')) {
      set.headers['content-encoding'] = 'gzip';
      return new Response(a.gzip as Uint8Array<ArrayBuffer>);
    }
    return new Response(a.body as Uint8Array<ArrayBuffer>);
  });
}
