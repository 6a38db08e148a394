/** The client IP behind reverse proxies (TRUST_PROXY): only what our own proxies wrote is believed. */
import { describe, expect, test } from 'bun:test';
import { loadConfig } from '../config';
import { Client, testApp } from '../testing';
import { clientIp } from './context';

const peer = { requestIP: () => ({ address: '192.0.2.1' }) };
const ipOf = (hops: number, xff?: string) =>
  clientIp({ trustProxyHops: hops }, new Request('http://localhost/', { headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }), peer);

describe('TRUST_PROXY', () => {
  test('false, true or a number of proxies', () => {
    expect(loadConfig({}).trustProxyHops).toBe(0);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxyHops).toBe(0);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxyHops).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'yes' }).trustProxyHops).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxyHops).toBe(2);
    expect(() => loadConfig({ TRUST_PROXY: 'maybe' })).toThrow(/TRUST_PROXY must be true, false or the number of reverse proxies/);
    expect(() => loadConfig({ TRUST_PROXY: '11' })).toThrow(/TRUST_PROXY/);
  });

  test('the client IP is the entry our outermost proxy appended, not what the client wrote before it', () => {
    expect(ipOf(0, '10.9.0.1, 203.0.113.7')).toBe('192.0.2.1'); // off: the socket's peer
    expect(ipOf(1, '203.0.113.7')).toBe('203.0.113.7');
    expect(ipOf(1, '10.9.0.1, 203.0.113.7')).toBe('203.0.113.7');
    expect(ipOf(1, '10.9.0.1,203.0.113.7 ')).toBe('203.0.113.7');
    // Two proxies (e.g. a CDN, then nginx): the second entry from the right is the client.
    expect(ipOf(2, '10.9.0.1, 203.0.113.7, 198.51.100.2')).toBe('203.0.113.7');
    // Fewer entries than proxies: it came through fewer of them, and the leftmost is the one they wrote.
    expect(ipOf(2, '203.0.113.7')).toBe('203.0.113.7');
    expect(ipOf(1)).toBe('192.0.2.1'); // no header: the peer
    expect(ipOf(1, '10.9.0.1, ')).toBe('192.0.2.1'); // an empty entry is no address
  });

  test("behind our proxies their X-Request-Id is kept (logs can be matched); a client's is not, nor a malformed one", async () => {
    const id = async (env: Record<string, string>, sent: string) => (await (await testApp(env)).app.handle(new Request('http://localhost/healthz', { headers: { 'x-request-id': sent } }))).headers.get('x-request-id');
    expect(await id({ TRUST_PROXY: 'true' }, 'f3a1c2d4e5b60718293a4b5c6d7e8f90')).toBe('f3a1c2d4e5b60718293a4b5c6d7e8f90');
    expect(await id({ TRUST_PROXY: 'false' }, 'f3a1c2d4e5b60718293a4b5c6d7e8f90')).not.toBe('f3a1c2d4e5b60718293a4b5c6d7e8f90');
    expect(await id({ TRUST_PROXY: 'true' }, 'bad id <script>')).not.toBe('bad id <script>');
  });

  test('only an address is taken: anything else in that entry gives the peer (it keys limits and goes into the audit)', () => {
    expect(ipOf(2, 'garbage!!')).toBe('192.0.2.1');
    expect(ipOf(1, '<script>')).toBe('192.0.2.1');
    expect(ipOf(1, '203.0.113.7:5555')).toBe('203.0.113.7'); // a proxy that writes the port (Azure)
    expect(ipOf(1, '[2001:db8::7]:5555')).toBe('2001:db8::7');
    expect(ipOf(1, '203.0.113.7:port')).toBe('192.0.2.1');
    expect(ipOf(1, '2001:db8::7')).toBe('2001:db8::7');
    expect(ipOf(1, '[2001:db8::7]')).toBe('2001:db8::7');
  });

  test('a client rotating made-up first entries is still one address: the per-IP limit holds and the audit log has the real IP', async () => {
    const { app, store } = await testApp({ TRUST_PROXY: 'true' });
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await new Client(app, `10.9.${i}.1, 203.0.113.7`).signIn(`u${i}@unilag.edu.ng`, 'guess')).status);
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses[30]).toBe(429);
    const origins = (await store.audit.list({ limit: 100 })).filter((e) => e.action === 'session.login_failed').map((e) => e.origin);
    expect(new Set(origins)).toEqual(new Set(['203.0.113.7']));
  }, 60_000); // thirty argon2 checks
});
