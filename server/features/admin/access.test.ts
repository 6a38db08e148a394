import { describe, expect, test } from 'bun:test';
import { Client, ORIGIN, makeUser, testApp } from '../../testing';
import { createCourseRoom } from '../chat/rooms';
import { CLI_ACTOR } from '../audit/record';
import { adminSetup, auditActions, person } from './test-support';

const NOT_FOUND = 'There is nothing at this address.';

/** Every /admin route the app has, with its parameters filled in. */
async function adminUrls(t: Awaited<ReturnType<typeof adminSetup>>) {
  const room = await createCourseRoom(t.app.chat, { ...CLI_ACTOR, user: null }, { code: 'CSC101', name: 'Intro' });
  const routes = t.app.routes.filter((r) => r.path === '/admin' || r.path.startsWith('/admin/'));
  expect(routes.length).toBeGreaterThan(20);
  return routes.map((r) => ({
    method: r.method,
    path: r.path
      .replace(/^\/admin\/rooms\/:id/, `/admin/rooms/${room.id}`)
      .replace(':id', t.student.id)
      .replace(':userId', t.student.id)
      .replace(':token', 'sometoken'),
  }));
}

describe('access to /admin', () => {
  test('a student and a lecturer get the 404 page on every admin route, GET and POST, and nothing changes', async () => {
    const t = await adminSetup();
    const urls = await adminUrls(t);
    const before = await auditActions(t.store);
    const users = await t.store.users.count();
    for (const who of [t.student, t.lecturer]) {
      for (const { method, path } of [...urls, { method: 'GET', path: '/admin/no-such-page' }, { method: 'POST', path: '/admin/no-such-page' }]) {
        const form = { _csrf: 'x', email: 'new@unilag.edu.ng', name: 'New', role: 'admin', status: 'disabled', confirm: 'yes', archived: 'yes', code: 'ABC123', minor: 'no' };
        const r = method === 'GET' ? await who.client.get(path) : await who.client.post(path, form);
        expect({ method, path, status: r.status }).toEqual({ method, path, status: 404 });
        expect(await r.text()).toContain(NOT_FOUND);
      }
      // A multipart upload is refused before its body is even read.
      const fd = new FormData();
      fd.set('file', new File(['email,name\nx@unilag.edu.ng,X\n'], 'u.csv'));
      const up = await who.client.request('/admin/import', { method: 'POST', body: fd });
      expect(up.status).toBe(404);
    }
    // The same page as an unknown address.
    const unknown = await t.student.client.get('/no-such-page');
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain(NOT_FOUND);
    expect(await auditActions(t.store)).toEqual(before);
    expect(await t.store.users.count()).toBe(users);
    expect((await t.store.users.byId(t.student.id))!.status).toBe('active');
  }, 30_000);

  test('signed out: every admin route redirects to /login (a page opened comes back after sign-in)', async () => {
    const t = await adminSetup();
    const anon = new Client(t.app);
    for (const { method, path } of [...(await adminUrls(t)), { method: 'GET', path: '/admin/no-such-page' }]) {
      const r = method === 'GET' ? await anon.get(path) : await anon.post(path, { _csrf: 'x' });
      const location = method === 'GET' ? `/login?next=${encodeURIComponent(path).replace(/%2F/g, '/')}` : '/login';
      expect({ path, status: r.status, location: r.headers.get('location') }).toEqual({ path, status: 303, location });
    }
  }, 30_000);

  test('an admin who has not chosen a password yet is sent to /password; a demoted admin loses access at once', async () => {
    const t = await testApp();
    const issued = await makeUser(t.store, 'new.admin@unilag.edu.ng', 'admin');
    const c = new Client(t.app);
    await c.signIn('new.admin@unilag.edu.ng', issued.loginCode);
    expect((await c.get('/admin/users')).headers.get('location')).toBe('/password?next=/admin/users');

    const admin = await person(t, 'boss@unilag.edu.ng', 'admin');
    expect((await admin.client.get('/admin')).status).toBe(200);
    await t.store.users.update(admin.id, { role: 'lecturer' });
    expect((await admin.client.get('/admin')).status).toBe(404);
  }, 30_000);

  test('admin POSTs need the session CSRF token and a same-site request', async () => {
    const t = await adminSetup();
    const path = `/admin/users/${t.student.id}/status`;
    const form = { status: 'disabled', confirm: 'yes' };
    const missing = await t.admin.p.client.post(path, form);
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain('This form has expired');
    expect((await t.admin.p.client.post(path, { ...form, _csrf: 'A'.repeat(64) })).status).toBe(403);
    // Another admin's token does not work either: it is bound to the session.
    const other = await person(t, 'admin2@unilag.edu.ng', 'admin');
    const otherPage = await other.client.get('/admin/users/new');
    const otherToken = /name="_csrf" value="([^"]+)"/.exec(await otherPage.text())![1]!;
    expect(otherToken).not.toBe(t.admin.csrf);
    expect((await t.admin.p.client.post(path, { ...form, _csrf: otherToken })).status).toBe(403);
    const cross = await t.admin.p.client.post(path, { ...form, _csrf: t.admin.csrf }, { headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } });
    expect(cross.status).toBe(403);
    expect((await t.store.users.byId(t.student.id))!.status).toBe('active');
    // With the token, from the same site: it works.
    expect((await t.admin.post(path, form)).status).toBe(303);
    expect((await t.store.users.byId(t.student.id))!.status).toBe('disabled');
  }, 30_000);
});

describe('/metrics', () => {
  test('does not exist without METRICS_TOKEN', async () => {
    const t = await testApp();
    const r = await t.app.handle(new Request(`${ORIGIN}/metrics`, { headers: { authorization: 'Bearer anything-at-all-here' } }));
    expect(r.status).toBe(404);
  }, 30_000);

  test('needs the bearer token; answers Prometheus text with the counters', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const t = await adminSetup({ METRICS_TOKEN: token });
    const get = (headers: Record<string, string>) => t.app.handle(new Request(`${ORIGIN}/metrics`, { headers }));
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789abcdef' }, { authorization: token }, { authorization: `Basic ${token}` }] as Record<string, string>[]) {
      expect((await get(headers)).status).toBe(404);
    }
    // A signed-in student (or admin) with cookies but no token: still 404.
    expect((await t.student.client.get('/metrics')).status).toBe(404);
    expect((await t.admin.get('/metrics')).status).toBe(404);
    const r = await get({ authorization: `Bearer ${token}` });
    expect(r.status).toBe(200);
    expect((await get({ authorization: `bearer ${token}` })).status).toBe(200); // the scheme's case does not matter
    expect(r.headers.get('content-type')).toStartWith('text/plain; version=0.0.4');
    const text = await r.text();
    for (const name of ['letstalk_http_requests_total{class="2xx"}', 'letstalk_http_requests_total{class="4xx"}', 'letstalk_websocket_opened_total', 'letstalk_websocket_frames_received_total', 'letstalk_messages_sent_total', 'letstalk_websocket_connections', 'letstalk_connected_users', 'letstalk_active_rooms', 'letstalk_active_calls 0', 'letstalk_store_info{kind="sqlite"} 1', 'process_resident_memory_bytes', 'process_cpu_seconds_total']) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(/^# TYPE letstalk_http_requests_total counter$/m);
    const ok = Number(/letstalk_http_requests_total\{class="2xx"\} (\d+)/.exec(text)![1]);
    expect(ok).toBeGreaterThan(0);
    expect(text).toMatch(/^letstalk_safeguarding_notices_total\{outcome="undelivered"\} \d+$/m);
  }, 30_000);

  test('the safeguarding queue for on-call alerts: open cases by severity and how long the oldest held message has waited', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const t = await adminSetup({ METRICS_TOKEN: token });
    const scrape = async () => (await t.app.handle(new Request(`${ORIGIN}/metrics`, { headers: { authorization: `Bearer ${token}` } }))).text();
    let text = await scrape();
    expect(text).toContain('letstalk_safeguarding_open_cases{severity="hold"} 0');
    expect(text).toContain('letstalk_safeguarding_oldest_held_seconds 0');
    const base = { roomId: 'r', senderId: t.student.id, labels: ['threat'], scores: {}, text: 'x', modelVersion: 'm', towardsMinor: true };
    await t.store.cases.create({ ...base, messageId: 'held-old', severity: 'hold', now: Date.now() - 3_600_000 });
    await t.store.cases.create({ ...base, messageId: 'held-new', severity: 'hold' });
    await t.store.cases.create({ ...base, messageId: 'review', severity: 'review' });
    text = await scrape();
    expect(text).toContain('letstalk_safeguarding_open_cases{severity="hold"} 2');
    expect(text).toContain('letstalk_safeguarding_open_cases{severity="review"} 1');
    const age = Number(/letstalk_safeguarding_oldest_held_seconds (\d+)/.exec(text)![1]);
    expect(age).toBeGreaterThanOrEqual(3600);
    expect(age).toBeLessThan(3700);
  }, 30_000);
});
