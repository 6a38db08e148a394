import { describe, expect, test } from 'bun:test';
import { Metrics, prometheusText, snapshot, tokenMatches } from './metrics';
import { adminSetup } from './features/admin/test-support';
import { SESSION_COOKIE } from './features/accounts/sessions';

describe('metrics', () => {
  test('message rate covers the last minute; active rooms the last five', () => {
    const m = new Metrics();
    const t0 = 1_700_000_000_000;
    m.messageSent('a', t0);
    m.messageSent('a', t0 + 500);
    m.messageSent('b', t0 + 30_000);
    expect(m.messagesLastMinute(t0 + 30_000)).toBe(3);
    expect(m.messagesLastMinute(t0 + 61_000)).toBe(1);
    expect(m.messagesLastMinute(t0 + 200_000)).toBe(0);
    expect(m.activeRooms(t0 + 60_000)).toBe(2);
    expect(m.activeRooms(t0 + 5 * 60_000 + 10_000)).toBe(1);
    expect(m.messages).toBe(3);
  });

  test('HTTP statuses are counted by class; the text format has HELP and TYPE for each metric', () => {
    const m = new Metrics();
    for (const s of [200, 204, 303, 404, 404, 500, 999]) m.request(s);
    expect(m.http).toEqual({ '1xx': 0, '2xx': 2, '3xx': 1, '4xx': 2, '5xx': 1 });
    m.wsOpen();
    m.wsFrame();
    const text = prometheusText(snapshot(m, { connections: 3, users: 2 }, 'mongodb', 1));
    expect(text).toContain('letstalk_http_requests_total{class="4xx"} 2\n');
    expect(text).toContain('letstalk_websocket_connections 3\n');
    expect(text).toContain('letstalk_connected_users 2\n');
    expect(text).toContain('letstalk_active_calls 1\n');
    expect(text).toContain('letstalk_store_info{kind="mongodb"} 1\n');
    const names = [...text.matchAll(/^([a-z_]+)(?:\{[^}]*\})? [0-9.e+-]+$/gm)].map((x) => x[1]);
    for (const n of new Set(names)) {
      expect(text).toContain(`# HELP ${n} `);
      expect(text).toMatch(new RegExp(`^# TYPE ${n} (counter|gauge)$`, 'm'));
    }
  });

  test('token comparison', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abd', 'abc')).toBe(false);
    expect(tokenMatches('', 'abc')).toBe(false);
    expect(tokenMatches(null, 'abc')).toBe(false);
  });
});

describe('a real WebSocket (listening server)', () => {
  test('counted on the status page and in /metrics; suspending the user closes it with 4401', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const t = await adminSetup({ METRICS_TOKEN: token });
    t.app.listen({ port: 0, hostname: '127.0.0.1' });
    const base = `http://127.0.0.1:${t.app.server!.port}`;
    try {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`, {
        headers: { cookie: `${SESSION_COOKIE}=${t.student.client.cookies.get(SESSION_COOKIE)}`, origin: base },
      } as unknown as string[]);
      await new Promise((resolve, reject) => ((ws.onopen = resolve), (ws.onerror = reject)));
      const closed = new Promise<CloseEvent>((resolve) => (ws.onclose = resolve));
      ws.send(JSON.stringify({ type: 'resume', rooms: {} }));
      let page = '';
      for (let i = 0; i < 50 && !/id="st-conns">1</.test(page); i++) {
        await Bun.sleep(20);
        page = await (await t.admin.get('/admin/status')).text();
      }
      expect(page).toContain('<dd aria-labelledby="st-users-l" id="st-users">1</dd>');
      expect(page).toContain('<dd aria-labelledby="st-store-l" id="st-store">SQLite</dd>');
      const metrics = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
      expect(metrics).toContain('letstalk_websocket_connections 1\n');
      expect(Number(/letstalk_websocket_frames_received_total (\d+)/.exec(metrics)![1])).toBeGreaterThan(0);

      await t.admin.post(`/admin/users/${t.student.id}/status`, { status: 'suspended', confirm: 'yes' });
      const ev = await closed;
      expect(ev.code).toBe(4401);
      // The session is gone too: a new socket is refused.
      const again = new WebSocket(`${base.replace('http', 'ws')}/ws`, { headers: { cookie: `${SESSION_COOKIE}=${t.student.client.cookies.get(SESSION_COOKIE)}`, origin: base } } as unknown as string[]);
      const outcome = await new Promise<string>((resolve) => ((again.onopen = () => resolve('open')), (again.onerror = () => resolve('refused')), (again.onclose = () => resolve('refused'))));
      expect(outcome).toBe('refused');
    } finally {
      await t.app.stop(true);
    }
  }, 20_000);
});

