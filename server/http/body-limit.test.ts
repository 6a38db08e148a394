/**
 * Request bodies are capped before anything reads them: 64 KB, except the admin CSV uploads. A
 * declared Content-Length over the cap is refused without reading a byte; a body without one
 * (chunked) is counted as it arrives and refused once over.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { connect, type Socket } from 'node:net';
import { adminSetup } from '../features/admin/test-support';
import { MAX_IMPORT_BYTES } from '../features/admin/import-routes';
import { listeningApp, ORIGIN, testApp } from '../testing';
import { DEFAULT_BODY_BYTES, MAX_REQUEST_BODY_BYTES } from './body-limit';

const FORM = { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' };
const MB = 1024 * 1024;

/** A body without Content-Length, sent in 1 KB chunks. */
function chunked(bytes: number): ReadableStream<Uint8Array> {
  let left = bytes;
  return new ReadableStream({
    pull(c) {
      if (left <= 0) return c.close();
      const n = Math.min(1024, left);
      left -= n;
      c.enqueue(new Uint8Array(n).fill(0x78)); // 'x'
    },
  });
}

describe('request body limit', () => {
  test('a sign-in post declaring 100 MB is refused with 413 and a clear message, before it is read', async () => {
    const { app } = await testApp();
    const html = await app.handle(
      new Request(ORIGIN + '/login', { method: 'POST', headers: { ...FORM, accept: 'text/html', 'content-length': String(100 * MB) }, body: 'email=a%40b.ng&password=x' }),
    );
    expect(html.status).toBe(413);
    expect(html.headers.get('x-frame-options')).toBe('DENY');
    expect(await html.text()).toContain('This request is too large: forms here take at most 64 KB.');
    const json = await app.handle(new Request(ORIGIN + '/login', { method: 'POST', headers: { ...FORM, 'content-length': String(DEFAULT_BODY_BYTES + 1) }, body: 'x' }));
    expect(json.status).toBe(413);
    expect(await json.json()).toEqual({ error: 'This request is too large: forms here take at most 64 KB. Shorten the text and try again.' });
  });

  test('a body without Content-Length is counted as it arrives: over 64 KB is refused, a small one still works', async () => {
    const { app, store } = await testApp();
    const big = await app.handle(new Request(ORIGIN + '/login', { method: 'POST', headers: FORM, body: chunked(DEFAULT_BODY_BYTES + 1) }));
    expect(big.status).toBe(413);
    const small = new TextEncoder().encode('email=nobody%40unilag.edu.ng&password=guess');
    const ok = await app.handle(new Request(ORIGIN + '/login', { method: 'POST', headers: FORM, body: new Blob([small]).stream() }));
    expect(ok.status).toBe(401); // read and checked as usual
    expect((await store.audit.list()).map((e) => e.action)).toEqual(['session.login_failed']);
  });

  test('every other route has the small cap; the admin CSV import keeps its own 50 MB', async () => {
    const t = await adminSetup();
    // 7,000 rows, about 220 KB: over the default cap, and a real import.
    const rows = Array.from({ length: 7000 }, (_, i) => `student${i}@unilag.edu.ng,Student Number ${i}`);
    const csv = `email,name\n${rows.join('\n')}\n`;
    expect(csv.length).toBeGreaterThan(3 * DEFAULT_BODY_BYTES);
    const up = await t.admin.upload('/admin/import', { file: new File([csv], 'students.csv') });
    expect(up.status).toBe(303);
    expect(up.headers.get('location')).toMatch(/^\/admin\/import\/[\w-]+$/);
    // The same size to any other admin form is refused.
    const other = await t.admin.post('/admin/users', { name: 'x'.repeat(3 * DEFAULT_BODY_BYTES), email: 'x@unilag.edu.ng', role: 'student' });
    expect(other.status).toBe(413);
    // And the import too, over its own cap (declared: nothing is sent).
    const huge = await t.admin.p.client.request('/admin/import', {
      method: 'POST',
      headers: { 'sec-fetch-site': 'same-origin', 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(MAX_IMPORT_BYTES + 2 * MB) },
      body: '--x--',
    });
    expect(huge.status).toBe(413);
    expect(await huge.text()).toContain('The CSV file is larger than 50 MB; split it into smaller files.');
  }, 60_000);

  test('over a real socket: a declared 100 MB is answered at once, a chunked 1 MB is cut off', async () => {
    const { app, port } = await listeningApp();
    try {
      // Headers only: the answer comes without the server waiting for (or buffering) the body.
      const answer = await new Promise<string>((resolve, reject) => {
        let got = '';
        Bun.connect({
          hostname: '127.0.0.1',
          port,
          socket: {
            open: (s) => void s.write(`POST /login HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${100 * MB}\r\n\r\nemail=`),
            data: (s, d) => {
              got += new TextDecoder().decode(d);
              if (got.includes('\r\n\r\n')) (resolve(got), s.end());
            },
            close: () => resolve(got),
            error: (_, e) => reject(e),
          },
        }).catch(reject);
        setTimeout(() => resolve(got || "no answer"), 3000);
      });
      expect(answer).toStartWith('HTTP/1.1 413');
      const res = await fetch(`http://127.0.0.1:${port}/login`, { method: 'POST', headers: FORM, body: chunked(MB), duplex: 'half' } as RequestInit);
      expect(res.status).toBe(413);
    } finally {
      app.stop(true);
    }
  });

  test("Bun's own limit is the largest route cap, not its 128 MB default", () => {
    expect(MAX_REQUEST_BODY_BYTES).toBeGreaterThan(MAX_IMPORT_BYTES);
    expect(MAX_REQUEST_BODY_BYTES).toBeLessThanOrEqual(MAX_IMPORT_BYTES + 2 * MB);
  });
});


describe('the /admin gate comes before the body is read', () => {
  const socks: Socket[] = [];
  afterEach(() => {
    for (const c of socks.splice(0)) c.destroy();
  });

  // The body limit reads a chunked body to count it, up to 51 MB for the admin CSV import: with the
  // gate after it, four requests without any cookie held 4 × 40 MB and got no answer (a security
  // review's proof). Each must be sent to /login without its body being read.
  test('chunked POST /admin/import bodies that never finish, with no session: each is answered 303 at once', async () => {
    const s = await listeningApp({ env: { LOG_LEVEL: 'error' } });
    try {
      const answers: string[] = [];
      const chunk = Buffer.alloc(MB, 0x61);
      await Promise.all(
        [0, 1, 2, 3].map(
          () =>
            new Promise<void>((resolve) => {
              const c = connect(s.port, '127.0.0.1');
              socks.push(c);
              c.on('data', (d) => answers.push(d.toString().split('\r\n')[0]!));
              c.on('error', () => resolve());
              c.on('connect', async () => {
                c.write(`POST /admin/import HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n`);
                for (let i = 0; i < 40 && !c.destroyed; i++) {
                  c.write(`${MB.toString(16)}\r\n`);
                  c.write(chunk);
                  c.write('\r\n');
                  await Bun.sleep(5);
                }
                resolve();
              });
            }),
        ),
      );
      const end = Date.now() + 3_000;
      while (answers.length < 4 && Date.now() < end) await Bun.sleep(50);
      expect(answers).toEqual(Array(4).fill('HTTP/1.1 303 See Other'));
    } finally {
      await s.app.stop(true);
    }
  }, 20_000);
});
