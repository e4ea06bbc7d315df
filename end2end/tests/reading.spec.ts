import { expect, Page, test, TestInfo } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { addMailUsers, connectOwnDomain, jsEnabled, open, signUp, untilSynced } from './helpers';

// Reading mail: real messages saved into the test Dovecot, synced by the app, opened in
// Chromium — hydrated and with JavaScript off.

const FIXTURES = 'fixtures/reading';

function mailStack(args: string[], input?: string): string {
  return execFileSync('../scripts/mail-stack/mail-stack', args, { input, encoding: 'utf8' });
}

/** Saves a fixture message into `folder` of `address`, addressed to it. */
function deliver(address: string, folder: string, file: string) {
  const text = readFileSync(`${FIXTURES}/${file}`, 'utf8').replaceAll('READER', address);
  mailStack(['deliver', address, folder], text);
}

/** A fresh mailbox holding the fixtures, connected with INBOX, Sent, Trash and Archive. */
async function connectedReader(page: Page, testInfo: TestInfo): Promise<string> {
  const user = `read${testInfo.project.name.replace(/\W/g, '')}${Date.now().toString(36)}`;
  const address = `${user}@example.test`;
  // The mailbox is made while the workspace signs up.
  const mailbox = addMailUsers(address);
  await signUp(page, testInfo, null);
  await mailbox;
  for (const file of ['invoice.eml', 'newsletter.eml', 'kickoff-1.eml', 'kickoff-3.eml']) {
    deliver(address, 'INBOX', file);
  }
  deliver(address, 'Sent', 'kickoff-2.eml');
  await connectOwnDomain(page, user, `${user}-pass-1`, ['INBOX', 'Sent', 'Trash', 'Archive']);
  // The first sync, bodies and all; then All inboxes lists the four messages.
  await untilSynced(page, testInfo);
  await open(page, testInfo, '/mail/inbox');
  await expect(page.locator('ol.message-list > li')).toHaveCount(4);
  return address;
}

test('opens a message: headers, folded quote, attachment bytes, thread across Sent', async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  await connectedReader(page, testInfo);

  // The tree: All inboxes with its unread count, the mailbox's folders by their names.
  await expect(page.locator('.folder-tree a.all-inboxes .unread-count')).toContainText('4');
  await expect(page.locator('.folder-tree').getByRole('link', { name: /^Sent/ })).toBeVisible();

  // Open the invoice: headers, text, the quote folded, the attachment listed.
  await page.locator('ol.message-list > li', { hasText: 'Рахунок №17' }).getByRole('link').click();
  await expect(page).toHaveURL(/open=\d+/);
  const card = page.locator('.reading-pane article.message-card');
  await expect(card.locator('.message-headers')).toContainText('Оксана Петренко <oksana@client.example>');
  await expect(card.locator('.message-headers')).toContainText('Boss <boss@client.example>');
  await expect(card.locator('.message-headers')).toContainText('Billing <billing@client.example>');
  // format=flowed: the soft line break is joined into one paragraph.
  await expect(card.locator('.text-block').first()).toContainText('Оплата протягом п\'яти робочих днів.');
  const quote = card.locator('details.quoted');
  await expect(quote).toHaveCount(1);
  await expect(quote).not.toHaveAttribute('open', '');
  // Opening marked it read: the line is no longer bold.
  await expect(page.locator('ol.message-list > li', { hasText: 'Рахунок №17' })).toHaveAttribute('data-unread', 'false');

  // The attachment: the original bytes, under its Cyrillic name.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    card.getByRole('link', { name: 'рахунок-17.pdf' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('рахунок-17.pdf');
  const bytes = readFileSync((await download.path())!);
  expect(bytes.equals(readFileSync(`${FIXTURES}/attachment.bin`))).toBe(true);

  // The conversation: the two INBOX messages and the reply from Sent, newest expanded.
  await page.locator('ol.message-list > li', { hasText: 'Re: Project kickoff' }).getByRole('link').click();
  const cards = page.locator('.reading-pane article.message-card');
  await expect(cards).toHaveCount(3);
  await expect(cards.nth(1).locator('.folder-badge')).toHaveText('Sent');
  await expect(cards.nth(2).locator('details').first()).toHaveAttribute('open', '');
  await expect(cards.nth(0).locator('details').first()).not.toHaveAttribute('open', '');
});

test('an HTML message shows in a sandboxed frame, remote images only on request', async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  await connectedReader(page, testInfo);
  const foreign: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(testInfo.project.use.baseURL ?? 'http://127.0.0.1')) foreign.push(r.url());
  });
  await page.locator('ol.message-list > li', { hasText: 'Weekly deals' }).getByRole('link').click();
  const frame = page.locator('iframe.message-frame');
  await expect(frame).toHaveAttribute('sandbox', 'allow-popups allow-popups-to-escape-sandbox');
  const inner = page.frameLocator('iframe.message-frame');
  await expect(inner.locator('td.deal, td', { hasText: 'Deal of the week' }).first()).toBeVisible();
  await expect(inner.getByRole('link', { name: 'Open the deals' })).toHaveAttribute('rel', 'noopener noreferrer');
  expect(foreign).toEqual([]);
  await page.getByRole('link', { name: 'Show images' }).click();
  await expect(page).toHaveURL(/images=\d+/);
  await expect(frame).toHaveAttribute('src', /images=1/);
  // Always for this sender: opened again, the message shows its images by itself.
  await open(page, testInfo, '/mail/inbox');
  await page.locator('ol.message-list > li', { hasText: 'Weekly deals' }).getByRole('link').click();
  await expect(frame).not.toHaveAttribute('src', /images=1/);
  await page.getByRole('button', { name: 'Always show images from this sender' }).click();
  await expect(frame).toHaveAttribute('src', /images=1/);
  await expect(page.getByRole('link', { name: 'Show images' })).toHaveCount(0);
  if (jsEnabled(testInfo)) {
    // Keyboard: `?` lists the shortcuts.
    await page.keyboard.press('?');
    await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
  }
});

test('searches in Cyrillic and by each field, acts on messages, and the server sees it', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const address = await connectedReader(page, testInfo);
  const rows = page.locator('ol.message-list > li');
  const search = async (words: string) => {
    await page.locator('#mail-search').fill(words);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(page).toHaveURL(/\/mail\/search\?q=/);
  };
  // Lower case finds the capitalised subject; sender, recipient and body words too.
  await search('рахунок');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Рахунок №17');
  await search('робочих');
  await expect(rows).toHaveCount(1);
  await search('taras');
  await expect(rows).toHaveCount(3); // two from Taras in INBOX, the reply to him in Sent
  await search('kickoff great');
  await expect(rows).toHaveCount(1);
  await search('nothing-like-this');
  await expect(page.getByText('Nothing found.')).toBeVisible();

  // Star the invoice from its search result: shown at once, and on the server.
  await search('рахунок');
  await rows.first().getByRole('link').click();
  const card = page.locator('.reading-pane article.message-card').first();
  await card.getByRole('button', { name: 'Star' }).click();
  await expect(card.getByRole('button', { name: 'Remove star' })).toBeVisible();
  await expect(() => {
    expect(mailStack(['list', address, 'INBOX'])).toMatch(/\\Flagged[^\n]*\t<invoice-17@client\.example>/);
  }).toPass({ timeout: 20_000 });

  // Archive the newsletter, delete the first kickoff: both leave INBOX on the server.
  await open(page, testInfo, '/mail/inbox');
  await rows.filter({ hasText: 'Weekly deals' }).getByRole('link').click();
  await page.locator('.reading-pane').getByRole('button', { name: 'Archive' }).click();
  await expect(rows.filter({ hasText: 'Weekly deals' })).toHaveCount(0);
  await expect(() => {
    expect(mailStack(['list', address, 'Archive'])).toContain('<news-48@shop.example>');
  }).toPass({ timeout: 20_000 });
  await open(page, testInfo, '/mail/inbox');
  await rows.filter({ hasText: 'Project kickoff' }).filter({ hasNotText: 'Re:' }).getByRole('link').click();
  await page.locator('.reading-pane article.message-card').first().getByRole('button', { name: 'Delete' }).click();
  await expect(() => {
    expect(mailStack(['list', address, 'Trash'])).toContain('<kickoff-1@client.example>');
  }).toPass({ timeout: 20_000 });

  // Bulk: mark every line of All inboxes unread.
  await open(page, testInfo, '/mail/inbox');
  const count = await rows.count();
  for (let n = 0; n < count; n++) await rows.nth(n).locator('input.select-line').check();
  await page.locator('#bulk-action').selectOption('unread');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.locator('ol.message-list > li[data-unread="true"]')).toHaveCount(count);
  await expect(() => {
    expect(mailStack(['list', address, 'INBOX'])).not.toMatch(/\\Seen/);
  }).toPass({ timeout: 20_000 });
});

test('new mail appears in the open list without a reload; the keyboard reads and acts', async ({ page }, testInfo) => {
  test.skip(!jsEnabled(testInfo), 'live updates and shortcuts need JavaScript');
  test.setTimeout(90_000);
  const address = await connectedReader(page, testInfo);
  const rows = page.locator('ol.message-list > li');
  await page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));
  deliver(address, 'INBOX', 'late.eml');
  const mailbox = await page.locator('.tree-mailbox').first().getAttribute('data-mailbox');
  const synced = await page.request.post('/api/sync_now', { form: { mailbox: mailbox! } });
  expect(synced.status()).toBe(200);
  await expect(rows.filter({ hasText: 'Late news' })).toHaveCount(1, { timeout: 20_000 });
  expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);

  // j selects, o opens, j opens the next, s stars, e archives, / searches, ? helps.
  await page.keyboard.press('j');
  await expect(page.locator('ol.message-list > li.selected')).toHaveCount(1);
  await page.keyboard.press('o');
  await expect(page).toHaveURL(/open=\d+/);
  const first = page.url();
  await page.keyboard.press('j');
  await expect(page).not.toHaveURL(first);
  await expect(page.locator('.reading-pane article.message-card')).not.toHaveCount(0);
  const opened = new URL(page.url()).searchParams.get('open');
  // The shortcuts act on the card of the message the address opens, once it is shown.
  await expect(page.locator(`.reading-pane article[data-message="${opened}"] [data-shortcut="s"]`)).toHaveCount(1);
  await page.keyboard.press('s');
  await expect(page.locator(`ol.message-list > li[data-id="${opened}"].flagged`)).toHaveCount(1);
  await page.keyboard.press('e');
  await expect(page.locator(`ol.message-list > li[data-id="${opened}"]`)).toHaveCount(0);
  await page.keyboard.press('/');
  await expect(page.locator('#mail-search')).toBeFocused();
});

test('a phone shows one pane at a time', async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  await connectedReader(page, testInfo);
  await page.setViewportSize({ width: 390, height: 800 });
  const list = page.locator('.list-pane');
  const pane = page.locator('.reading-pane');
  await expect(list).toBeVisible();
  await expect(pane).toBeHidden();
  await page.locator('ol.message-list > li', { hasText: 'Project kickoff' }).first().getByRole('link').click();
  await expect(pane).toBeVisible();
  await expect(list).toBeHidden();
  await page.getByRole('link', { name: 'Back to the list' }).click();
  await expect(list).toBeVisible();
  await expect(pane).toBeHidden();
});
