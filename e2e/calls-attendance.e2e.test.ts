/**
 * Lecture attendance, in real Chromium: a lecture a student joins and another misses is on the
 * room's register; the lecturer reads it from the room's header and downloads it; each student
 * reads only her own time; a lecture taken off the register (a test run) is gone for everyone.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, stopAll, type TestServer, withArtifactsOnFailure } from './harness';
import type { Signed } from './chat-helpers';
import { enterCall, eventually, launchCallBrowser, openRoom, roomWithPeople, startCallServer } from './calls-helpers';
import { axe } from './axe';

const TIMEOUT = 120_000;

describeBrowser('lecture attendance (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let roomId: string;
  let lecturer: Page;
  let ada: Page;
  let bola: Page;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startCallServer(), launchCallBrowser()]);
    const r = await roomWithPeople(server, browser, 'CSC405', [
      { email: 'dr.eze.att@unilag.edu.ng', name: 'Dr Eze', role: 'lecturer' },
      { email: 'ada.att@unilag.edu.ng', name: 'Ada Attends' },
      { email: 'bola.att@unilag.edu.ng', name: 'Bola Absent' },
    ]);
    roomId = r.roomId;
    [lecturer, ada, bola] = r.signed.map((s: Signed) => s.page) as [Page, Page, Page];
  }, TIMEOUT);

  afterAll(() => stopAll(browser, server), TIMEOUT);

  const cells = (p: Page, row: string) => p.getByRole('row').filter({ hasText: row }).getByRole('cell').allInnerTexts();

  test(
    'the lecturer reads who came and for how long, and downloads it; a student reads only her own time; a test run is taken off the register',
    async () => {
      await withArtifactsOnFailure('calls-attendance', lecturer, server, async () => {
        await Promise.all([lecturer, ada, bola].map((p) => openRoom(p, server, roomId)));
        await enterCall(lecturer, 'Start lecture');
        await enterCall(ada, 'Join call');
        // Told in the lecture that it takes attendance.
        expect(await ada.getByText('A lecture takes attendance: who joins, and for how long').isVisible()).toBe(true);
        await Bun.sleep(1_500);
        await ada.getByRole('button', { name: 'Leave call' }).click();
        const asked = lecturer.waitForEvent('dialog');
        const end = lecturer.getByRole('button', { name: 'End lecture' }).click();
        await (await asked).accept();
        await end;
        await eventually(async () => expect(await lecturer.getByRole('button', { name: 'Start lecture' }).isVisible()).toBe(true));

        // From the room's header.
        await lecturer.getByRole('link', { name: 'Lectures' }).click();
        await lecturer.getByRole('heading', { name: 'Lectures in CSC405 call' }).waitFor();
        await axe(lecturer, 'lectures (a host)');
        const [started, length, by, people] = await lecturer.getByRole('row').nth(1).getByRole('cell').allInnerTexts();
        expect([length, by, people]).toEqual(['under 1 min', 'Dr Eze', '2']);
        await lecturer.getByRole('link', { name: started! }).click();
        await lecturer.getByRole('heading', { name: 'Present (2)' }).waitFor();
        expect(await lecturer.getByRole('heading', { name: 'Not present (1)' }).isVisible()).toBe(true);
        await axe(lecturer, "a lecture's register");
        const adaRow = await cells(lecturer, 'Ada Attends');
        expect(adaRow[2]).toBe('ada.att@unilag.edu.ng');
        expect(adaRow[3]).toMatch(/^\d\d:\d\d$/);
        expect(adaRow[4]).toBe('under 1 min');
        expect(adaRow[5]).toMatch(/^\d+%$/);
        expect(await cells(lecturer, 'Bola Absent')).toEqual(['Bola Absent', '', 'bola.att@unilag.edu.ng']);

        const download = lecturer.waitForEvent('download');
        await lecturer.getByRole('link', { name: 'Download this register (CSV)' }).click();
        const file = await download;
        expect(file.suggestedFilename()).toMatch(/^CSC405 call lecture \d{4}-\d\d-\d\d\.csv$/);
        const csv = await Bun.file((await file.path())!).text();
        const lines = csv.trim().split('\r\n');
        expect(lines[0]).toBe('name,matric_no,email,present,joined,minutes,share_percent');
        expect(lines.filter((l) => l.startsWith('Ada Attends,,ada.att@unilag.edu.ng,yes,'))).toHaveLength(1);
        expect(lines).toContain('Bola Absent,,bola.att@unilag.edu.ng,no,,0,0');

        // Students: their own time, nobody's else, no register.
        await ada.getByRole('link', { name: 'Lectures' }).click();
        await ada.getByText('This is what the lecturer sees about you.').waitFor();
        await axe(ada, 'lectures (a student: her own time)');
        const mine = await ada.getByRole('row').nth(1).getByRole('cell').allInnerTexts();
        expect(mine.slice(1, 3)).toEqual(['under 1 min', 'Dr Eze']);
        expect(mine[3]).toMatch(/^under 1 min \(\d+%\)$/);
        expect(await ada.getByRole('status').filter({ hasText: 'You were in' }).innerText()).toMatch(/^You were in 1 of 1 lecture \(under 1 min, \d+% of their time\)\.$/);
        expect(await ada.getByRole('link', { name: started! }).count()).toBe(0);
        expect(await ada.getByRole('link', { name: /Download/ }).count()).toBe(0);
        await bola.goto(`${server.url}/rooms/${roomId}/lectures`);
        expect((await bola.getByRole('row').nth(1).getByRole('cell').allInnerTexts())[3]).toBe('not present');

        // Say it was a test run: the lecturer takes it off the register, asked first.
        await lecturer.getByRole('button', { name: 'Remove from the register' }).click();
        await lecturer.getByRole('heading', { name: /^Remove the lecture of .+ from the register\?$/ }).waitFor();
        await lecturer.getByRole('button', { name: 'Remove it' }).click();
        await lecturer.getByText('The lecture was removed from the register.').waitFor();
        expect(await lecturer.getByText('No lecture has been held in this room yet.').isVisible()).toBe(true);
        await ada.reload();
        expect(await ada.getByText('No lecture has been held in this room yet.').isVisible()).toBe(true);
      });
    },
    TIMEOUT,
  );
});
