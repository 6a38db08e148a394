/**
 * Budget: the first load of a chat room page (HTML, CSS, JS, compressed as sent) stays within
 * 60 KB, so opening the app on mobile data is cheap. Sizes are deterministic, so this is a test,
 * not a benchmark.
 */
import { expect, test } from 'bun:test';
import { Client, makeUser, testApp } from '../testing';
import { createChatContext } from '../features/chat/context';
import { createCourseRoom, addMembers } from '../features/chat/rooms';
import { sendMessage } from '../features/chat/messages';
import { CLI_ACTOR } from '../features/audit/record';
import { SlidingWindowLimiter } from '../lib/sliding-window';

const BUDGET = 60 * 1024;

test('a room page with 50 messages loads in under 60 KB compressed', async () => {
  const { app, store, hub } = await testApp();
  const issued = await makeUser(store);
  const chat = createChatContext(store, hub, 'Africa/Lagos');
  const room = await createCourseRoom(chat, { ...CLI_ACTOR, user: null }, { code: 'CSC101', name: 'Introduction to Computing' });
  await addMembers(chat, CLI_ACTOR, room.id, [{ userId: issued.user.id, role: 'member' }]);
  chat.sendLimiter = new SlidingWindowLimiter(1000, 1000); // seeding, not a person typing
  for (let i = 0; i < 60; i++) {
    await sendMessage(chat, issued.user, { roomId: room.id, clientId: `client-${i}-xxxx`, body: `Message ${i}: a typical sentence about the assignment due on Friday, with a link https://unilag.edu.ng/csc101.` });
  }
  const c = new Client(app);
  await c.signIn('ada@unilag.edu.ng', issued.loginCode);
  await c.post('/password', { new_password: 'long enough phrase', confirm_password: 'long enough phrase' });
  const page = await c.get(`/rooms/${room.id}`, { headers: { 'accept-encoding': 'gzip' } });
  expect(page.status).toBe(200);
  const gz = new Uint8Array(await page.arrayBuffer());
  const html = new TextDecoder().decode(Bun.gunzipSync(gz));
  let total = gz.length;
  const urls = [...html.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  expect(urls.length).toBe(2); // stylesheet, app.js (htmx + hx-ws + chat); call.js and upload.js come when first needed
  for (const url of urls) {
    const r = await c.get(url, { headers: { 'accept-encoding': 'gzip' } });
    expect(r.headers.get('cache-control')).toContain('immutable');
    total += (await r.arrayBuffer()).byteLength;
  }
  console.log(`first load of a room page: ${(total / 1024).toFixed(1)} KB compressed (budget ${BUDGET / 1024} KB)`);
  expect(total).toBeLessThanOrEqual(BUDGET);
});
