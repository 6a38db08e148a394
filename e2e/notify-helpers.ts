/**
 * Desktop notifications and a hidden tab in headless Chromium (views/client/notify.ts). Headless
 * shows every page as visible, so a tab is hidden by giving the document its hidden state and
 * firing visibilitychange, which is what the page (and hx-ws) listen to. Notifications are the
 * browser's own (permission granted to the site); the page's are recorded as it makes them.
 */
import type { BrowserContext, Page } from 'playwright-core';

interface Made {
  title: string;
  body?: string;
  tag?: string;
  n: Notification;
  /** Taken away by the page (close()). */
  closed: boolean;
}

/** Every Notification the page makes is kept (the real one is still shown) with its title, body and tag. */
function recordNotifications() {
  const Real = window.Notification;
  const made: Made[] = [];
  (window as unknown as { made: Made[] }).made = made;
  class Recorded extends Real {
    constructor(title: string, options?: NotificationOptions) {
      super(title, options);
      made.push({ title, body: options?.body, tag: options?.tag, n: this, closed: false });
    }
    override close() {
      const m = made.find((x) => x.n === this);
      if (m) m.closed = true;
      super.close();
    }
  }
  Object.defineProperty(window, 'Notification', { value: Recorded, configurable: true, writable: true });
}

/** Lets the site notify in this context and records what each page shows. Before the page is opened. */
export async function allowNotifications(context: BrowserContext, page: Page, origin: string) {
  await context.grantPermissions(['notifications'], { origin });
  await page.addInitScript(recordNotifications);
}

/** The notifications this page has made, oldest first. */
export const made = (page: Page) =>
  page.evaluate(() => (window as unknown as { made: Made[] }).made.map(({ title, body }) => ({ title, body })));

/** The bodies of the notifications this page has taken away (closed), oldest first. */
export const closedBodies = (page: Page) =>
  page.evaluate(() => (window as unknown as { made: Made[] }).made.filter((m) => m.closed).map((m) => m.body));

/** Clicks the page's `i`th notification (as the person would in the system's tray). */
export const clickNotification = (page: Page, i: number) =>
  page.evaluate((k) => (window as unknown as { made: Made[] }).made[k]!.n.dispatchEvent(new Event('click')), i);

export async function setHidden(page: Page, hidden: boolean) {
  await page.evaluate((h) => {
    Object.defineProperty(document, 'hidden', { value: h, configurable: true });
    Object.defineProperty(document, 'visibilityState', { value: h ? 'hidden' : 'visible', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

/** Account menu → Turn on desktop notifications, and wait until they are on. */
export async function turnOnNotifications(page: Page) {
  await page.getByText('Account', { exact: true }).click();
  await page.getByRole('button', { name: 'Turn on desktop notifications' }).click();
  await page.getByRole('button', { name: 'Turn off desktop notifications' }).waitFor();
}
