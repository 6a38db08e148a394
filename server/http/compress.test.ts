import { expect, test } from 'bun:test';
import { Client, makeUser, testApp } from '../testing';

test('pages are gzip-compressed for browsers that accept it, and plain otherwise', async () => {
  const { app, store } = await testApp();
  const issued = await makeUser(store);
  const c = new Client(app);
  await c.signIn('ada@unilag.edu.ng', issued.loginCode);
  await c.post('/password', { new_password: 'long enough phrase', confirm_password: 'long enough phrase' });
  const gz = await c.get('/', { headers: { 'accept-encoding': 'gzip, br' } });
  expect(gz.status).toBe(200);
  expect(gz.headers.get('content-encoding')).toBe('gzip');
  const body = new TextDecoder().decode(Bun.gunzipSync(new Uint8Array(await gz.arrayBuffer())));
  expect(body).toContain('Ada Obi');
  const plain = await c.get('/', { headers: { 'accept-encoding': 'identity' } });
  expect(plain.headers.get('content-encoding')).toBeNull();
  expect(await plain.text()).toContain('Ada Obi');
});
