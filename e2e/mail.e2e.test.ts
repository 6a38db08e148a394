/**
 * Emails about missed messages in real Chromium, with a loopback SMTP sink: a direct message that
 * comes while her page is open is not emailed (the page shows it); one that comes after she closed
 * it is, once, quoting only what she has not been told about; the email's room link opens the
 * conversation, and its stop link turns the emails off after asking. The setting is driven from
 * the Account menu. MISSED_EMAIL_MINUTES=0.05 (3 s) keeps the waits short; the job then runs every second.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, freePort, launchBrowser, startServer, stopAll, withArtifactsOnFailure, type TestServer } from './harness';
import { startSmtpSink, type SmtpSink } from '../server/testing/smtp-sink';
import { eventually, expectLog, importUsers, send, signIn, waitConnected, type Account, type Signed } from './chat-helpers';

const TIMEOUT = 120_000;
/** Longer than the delay (3 s), a job period (1 s) and the online window (2.5 s) together. */
const QUIET_MS = 8_000;

async function setEmails(page: Page, choice: 'Yes' | 'No') {
  await page.getByRole('radio', { name: choice }).check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
}

describeBrowser('emails about missed messages (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let sink: SmtpSink;
  let ada: Account, bola: Account;
  let a: Signed, b: Signed;
  const toAda = () => sink.messages.filter((m) => m.to.includes(ada.email));

  beforeAll(async () => {
    sink = await startSmtpSink();
    const port = freePort();
    [server, browser] = await Promise.all([
      startServer({
        env: { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, SMTP_URL: `smtp://127.0.0.1:${sink.port}?starttls=never`, SMTP_FROM: 'Lets Talk <noreply@unilag.edu.ng>', MISSED_EMAIL_MINUTES: '0.05' },
      }),
      launchBrowser(),
    ]);
    [ada, bola] = (await importUsers(server, [
      { email: 'ada.mail@unilag.edu.ng', name: 'Ada Obi' },
      { email: 'bola.mail@unilag.edu.ng', name: 'Bola Ade' },
    ])) as [Account, Account];
    [a, b] = await Promise.all([signIn(browser, server, ada), signIn(browser, server, bola)]);
  }, TIMEOUT);

  afterAll(async () => {
    await stopAll(browser, server);
    sink?.stop();
  }, TIMEOUT);

  test(
    'not emailed while her page is open; emailed once after she leaves; the links open the room and stop the emails',
    async () => {
      await withArtifactsOnFailure('mail-missed', a.page, server, async () => {
        // The setting, from the Account menu: off, then on again.
        const menu = a.page.locator('header.topbar details.account-menu');
        await menu.locator('summary').click();
        await menu.getByRole('link', { name: 'Email notifications' }).click();
        await a.page.getByRole('heading', { name: 'Email notifications' }).waitFor();
        expect(await a.page.locator('main').innerText()).toContain('still unread 3 seconds after it was sent');
        await setEmails(a.page, 'No');
        expect(await a.page.getByRole('radio', { name: 'No' }).isChecked()).toBe(true);
        await setEmails(a.page, 'Yes');
        expect(await a.page.getByRole('status').innerText()).toContain('You will get these emails.');
        await a.page.getByRole('link', { name: 'Back to your rooms' }).click();
        await waitConnected(a.page);

        // Bola writes while Ada's page is open: her room list shows it, no email comes.
        await b.page.getByRole('link', { name: 'New message' }).click();
        await b.page.getByLabel('Find a person').fill('Ada');
        await b.page.getByRole('button', { name: 'Find' }).click();
        await b.page.getByRole('button', { name: 'Message Ada Obi' }).click();
        await b.page.waitForURL(/\/rooms\/[\w-]+$/);
        const dmUrl = b.page.url();
        await waitConnected(b.page);
        await send(b.page, 'Are you coming to the lab today?');
        await expectLog(b.page, ['Are you coming to the lab today?']);
        await a.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: /Bola Ade/ }).waitFor({ timeout: 15_000 });
        await Bun.sleep(QUIET_MS);
        expect(toAda()).toEqual([]);

        // She closes it; a while later Bola writes again: one email, about the new message only.
        await a.page.close();
        await Bun.sleep(4_000);
        await send(b.page, 'The lab moved to room 204');
        const mail = await sink.waitFor((m) => m.to.includes(ada.email), 20_000);
        expect(mail.headers['subject']).toBe('Bola Ade sent you 2 messages');
        expect(mail.text).toContain('Bola Ade (direct message): 2 unread messages');
        expect(mail.text).toContain('Bola Ade: The lab moved to room 204');
        expect(mail.text).not.toContain('Are you coming');
        expect(sink.messages.filter((m) => m.to.includes(bola.email))).toEqual([]);
        await Bun.sleep(3_000);
        expect(toAda()).toHaveLength(1);

        // The room link opens the conversation with both messages.
        const roomLink = /Read and answer: (\S+)/.exec(mail.text)![1]!;
        expect(roomLink).toBe(dmUrl);
        const page = await a.context.newPage();
        await page.goto(roomLink);
        await expectLog(page, ['Are you coming to the lab today?', 'The lab moved to room 204']);
        await page.close();

        // The stop link, opened in the browser: asked first, then no more emails.
        const stopLink = /Stop these emails: (\S+)/.exec(mail.text)![1]!;
        expect(mail.headers['list-unsubscribe']).toBe(`<${stopLink}>`);
        const stopPage = await a.context.newPage();
        await stopPage.goto(stopLink);
        await stopPage.getByText('Stop the emails about messages you missed in Lets Talk?').waitFor();
        await stopPage.getByRole('button', { name: 'Stop emails' }).click();
        await stopPage.getByText('You will get no more emails about missed messages.').waitFor();
        await stopPage.close();
        await Bun.sleep(4_000);
        await send(b.page, 'Last one for today');
        await Bun.sleep(QUIET_MS);
        expect(toAda()).toHaveLength(1);
        // The setting says so when she signs back in to look.
        const settings = await a.context.newPage();
        await settings.goto(`${server.url}/settings/email`);
        await eventually(async () => expect(await settings.getByRole('radio', { name: 'No' }).isChecked()).toBe(true));
        await settings.close();
      });
    },
    TIMEOUT,
  );
});
