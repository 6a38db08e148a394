/**
 * Officers (administrators included) see on every portal page that held messages wait: QA found an
 * administrator working in the portal never told (the line was on chat pages only), and without
 * SMTP or a webhook nothing else tells anyone. Not on the queue itself, which lists them.
 */
import { expect, test } from 'bun:test';
import { sendMessage } from '../chat/messages';
import { safeguardingCast } from './test-support';

test('the admin portal pages say that a held message waits for a decision, with a link to the queue', async () => {
  const { t, admin, adultUser, room } = await safeguardingCast('dm');
  const before = await (await admin.get('/admin/users')).text();
  expect(before).not.toContain('waits for a safeguarding decision');
  await sendMessage(t.app.chat, adultUser, { roomId: room.id, clientId: Bun.randomUUIDv7(), body: 'HOLDME keep this between us' });
  expect((await t.store.cases.list()).length).toBe(1);
  for (const path of ['/admin', '/admin/users', '/admin/status', '/admin/audit']) {
    const page = await (await admin.get(path)).text();
    expect({ path, told: page.includes('A held message waits for a safeguarding decision. <a href="/admin/moderation">Open the queue</a>') }).toEqual({ path, told: true });
  }
  expect(await (await admin.get('/admin/moderation')).text()).not.toContain('A held message waits for a safeguarding decision.');
});
