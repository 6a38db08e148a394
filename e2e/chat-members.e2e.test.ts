/**
 * A room's people page in real Chromium: a lecturer opens it from the room header and makes a
 * student a moderator (a teaching assistant), who can then delete a classmate's message; a group's
 * owner adds someone by email (the group reaches their room list live) and removes a member (whose
 * open page says so).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { describeBrowser, launchBrowser, startServer, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import { createCourseRoom, eventually, expectLog, importUsers, openRoom, send, signIn, type Account, type Signed } from './chat-helpers';

const TIMEOUT = 120_000;

describeBrowser('room members (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let okafor: Account, ada: Account, bola: Account, chidi: Account;
  let roomId: string;
  let l: Signed, a: Signed, b: Signed, c: Signed;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    [okafor, ada, bola, chidi] = (await importUsers(server, [
      { email: 'okafor@unilag.edu.ng', name: 'Dr Okafor', role: 'lecturer' },
      { email: 'ada.obi@unilag.edu.ng', name: 'Ada Obi' },
      { email: 'bola.ade@unilag.edu.ng', name: 'Bola Ade' },
      { email: 'chidi.eze@unilag.edu.ng', name: 'Chidi Eze' },
    ])) as [Account, Account, Account, Account];
    roomId = await createCourseRoom(server, 'CSC201', 'Data Structures', [{ ...okafor, roomRole: 'owner' }, ada, bola]);
    [l, a, b, c] = await Promise.all([signIn(browser, server, okafor), signIn(browser, server, ada), signIn(browser, server, bola), signIn(browser, server, chidi)]);
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  test(
    'the lecturer makes a student a moderator from the people page; the moderator then deletes a message',
    async () => {
      await withArtifactsOnFailure('members-moderator', l.page, server, async () => {
        await Promise.all([openRoom(a.page, server, roomId), openRoom(b.page, server, roomId)]);
        await send(a.page, 'Buy cheap essays at my site');
        await expectLog(b.page, ['Buy cheap essays at my site']);
        const adaMsg = b.page.locator('article.msg', { hasText: 'Buy cheap essays' });
        await adaMsg.hover();
        expect(await adaMsg.getByRole('button', { name: 'Report' }).isVisible()).toBe(true);
        expect(await adaMsg.getByRole('button', { name: 'Delete' }).isVisible()).toBe(false);

        await openRoom(l.page, server, roomId);
        await l.page.getByRole('link', { name: '3 members' }).click();
        await l.page.getByRole('heading', { name: 'People in Data Structures' }).waitFor();
        const people = await l.page.locator('ul.people li strong').allInnerTexts();
        expect(people).toEqual(['Dr Okafor', 'Ada Obi', 'Bola Ade']);
        await l.page.getByRole('button', { name: 'Make moderator: Bola Ade' }).click();
        await l.page.getByRole('status').filter({ hasText: 'Bola Ade is now a moderator of this room.' }).waitFor();
        expect(await l.page.locator('li', { hasText: 'Bola Ade' }).locator('.role-tag').innerText()).toBe('Moderator');
        // Students see the list, with no controls.
        await a.page.goto(`${server.url}/rooms/${roomId}/members`);
        expect(await a.page.locator('li', { hasText: 'Bola Ade' }).locator('.role-tag').innerText()).toBe('Moderator');
        expect(await a.page.getByRole('button', { name: /moderator/ }).count()).toBe(0);

        // Bola's room page (reloaded) now offers Delete on Ada's message.
        await openRoom(a.page, server, roomId);
        await openRoom(b.page, server, roomId);
        b.page.once('dialog', (d) => void d.accept());
        const moderated = b.page.locator('article.msg', { hasText: 'Buy cheap essays' });
        await moderated.hover();
        await moderated.getByRole('button', { name: 'Delete' }).click();
        await eventually(async () => expect(await a.page.locator('article.msg.deleted').innerText()).toContain('This message was removed by a moderator.'));
      });
    },
    TIMEOUT,
  );

  test(
    "a group's owner adds a person by email and removes a member",
    async () => {
      await withArtifactsOnFailure('members-group', a.page, server, async () => {
        await a.page.goto(`${server.url}/groups/new`);
        await a.page.getByLabel('Group name').fill('Revision squad');
        await a.page.getByLabel("Members' emails").fill(bola.email);
        await a.page.getByRole('button', { name: 'Create group' }).click();
        await a.page.waitForURL(/\/rooms\/[\w-]+$/);
        const groupUrl = a.page.url();
        await b.page.goto(groupUrl);
        await b.page.getByRole('log', { name: 'Messages' }).waitFor();
        await c.page.goto(server.url);
        await c.page.getByRole('navigation', { name: 'Rooms' }).waitFor();

        await a.page.getByRole('link', { name: '2 members' }).click();
        await a.page.getByLabel('Add people (emails)').fill(chidi.email);
        await a.page.getByRole('button', { name: 'Add to group' }).click();
        await a.page.getByRole('status').filter({ hasText: 'One person was added to the group.' }).waitFor();
        // The group reaches Chidi's open room list without a reload.
        await c.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: /Revision squad/ }).waitFor({ timeout: 15_000 });

        // A wrong address is named and nothing changes.
        await a.page.getByLabel('Add people (emails)').fill('nobody@unilag.edu.ng');
        await a.page.getByRole('button', { name: 'Add to group' }).click();
        await a.page.getByRole('alert').filter({ hasText: 'You cannot add nobody@unilag.edu.ng: no account with that address is someone you can message.' }).waitFor();

        await a.page.getByRole('button', { name: 'Remove Bola Ade from the group' }).click();
        await a.page.getByRole('heading', { name: 'Remove Bola Ade from Revision squad?' }).waitFor();
        await a.page.getByRole('button', { name: 'Remove Bola Ade' }).click();
        await a.page.getByRole('status').filter({ hasText: 'They were removed from the group.' }).waitFor();
        expect(await a.page.locator('ul.people li strong').allInnerTexts()).toEqual(['Ada Obi', 'Chidi Eze']);
        // Bola's open page of the group says so.
        await b.page.getByText('You were removed from this room').waitFor({ timeout: 15_000 });
      });
    },
    TIMEOUT,
  );
});
