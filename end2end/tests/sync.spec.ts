import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { addMailUsers, fillOwnDomain, jsEnabled, mail, open, signUp } from './helpers';
import { holdProxy } from './hold_proxy';

const MESSAGES = 4000;
/** Bytes of the sync's IMAP connection before it holds: about a fifth of the 4,000
 * messages (25 MB), past the newest batch's headers. The wizard's log-in check carries a
 * few kilobytes. */
const HOLD_AFTER = 5_000_000;

function mailStack(...args: string[]): string {
  return execFileSync('../scripts/mail-stack/mail-stack', args, {
    // Recent dates, so every message is inside the mailbox's one-month period.
    env: { ...process.env, MAILSTACK_SEED_SPAN_DAYS: '20' },
    encoding: 'utf8',
  });
}

test('a connected mailbox fills up with its progress visible, then lists its mail', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const user = `fill${testInfo.project.name.replace(/\W/g, '')}${Date.now().toString(36)}`;
  // The mailbox is made while the workspace signs up.
  const mailbox = addMailUsers(`${user}@example.test`);
  await signUp(page, testInfo, null);
  await mailbox;
  mailStack('seed-messages', `${user}@example.test`, String(MESSAGES), 'INBOX');
  // Through a proxy that holds the sync's connection part-way until the bar has been seen
  // part-way (released at once if it was seen before the hold): the sync cannot finish
  // before the page looks, however fast it is.
  const proxy = await holdProxy(mail.imaps, HOLD_AFTER);
  const inbox = page.locator('.sync-panel li[data-folder="INBOX"]');
  const bar = inbox.locator('progress');
  try {
    await fillOwnDomain(page, testInfo, user, `${user}-pass-1`, proxy);
    await expect(page.getByRole('heading', { name: 'Sync settings' })).toBeVisible();
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect(page).toHaveURL(/\/mail\/accounts$/);

    // The Mail page: the INBOX line shows phase, "n / m" and a progress bar, live.
    await open(page, testInfo, '/mail');
    const partWay = (v: string) => Number(v) > 0 && Number(v) < 100;
    const seen = new Set<string>();
    await expect(async () => {
      if (!jsEnabled(testInfo)) {
        await page.reload();
      }
      const value = (await bar.getAttribute('value')) ?? '';
      seen.add(value);
      if (partWay(value)) {
        proxy.release();
      }
      await expect(inbox.locator('.bodies')).toHaveText(`${MESSAGES} / ${MESSAGES}`, { timeout: 500 });
      // The phase turns Done a moment after the last body is stored: without JavaScript
      // only a reload shows it, so it is waited for here, with the reloads.
      await expect(inbox.locator('.phase')).toHaveText('Done', { timeout: 500 });
    }).toPass({ timeout: 90_000, intervals: [250] });
    await expect(inbox.locator('.counts')).toHaveText(`${MESSAGES} / ${MESSAGES}`);
    await expect(bar).toHaveAttribute('value', '100');
    if (jsEnabled(testInfo)) {
      // Without reloading, the bar moved: it was seen part-way before it was full.
      expect([...seen].some(partWay), `values seen: ${[...seen]}`).toBe(true);
    }
    await expect(page.locator('.sync-panel .status')).toHaveText(/Up to date|Syncing/);

    // The folder's message list: newest first, 50 a page (keyset), unread marked.
    await inbox.getByRole('link', { name: 'INBOX' }).click();
    await expect(page.getByRole('heading', { name: 'Inbox', level: 1 })).toBeVisible();
    await expect(page.locator('[data-total]')).toHaveText(`${MESSAGES} messages`);
    const rows = page.locator('ol.message-list > li');
    await expect(rows).toHaveCount(50);
    await expect(page.locator('li.message.unread').first()).toBeVisible();
    const dates = await rows.locator('time').evaluateAll((els) => els.map((e) => e.getAttribute('datetime') ?? ''));
    expect([...dates].sort().reverse()).toEqual(dates);
    await page.getByRole('link', { name: 'Older →' }).click();
    await expect(page).toHaveURL(/before=\d+\.\d+$/);
    await expect(page.getByRole('link', { name: '← Newest' })).toBeVisible();
    const older = await rows.locator('time').first().getAttribute('datetime');
    expect(older! <= dates[dates.length - 1]).toBe(true);
  } finally {
    proxy.close();
  }
});
