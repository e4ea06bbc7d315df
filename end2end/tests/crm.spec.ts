import AxeBuilder from '@axe-core/playwright';
import { expect, Locator, Page, test, TestInfo } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { addMailUsers, connectOwnDomain, jsEnabled, open, signUp } from './helpers';

// Email ↔ CRM links end to end, hydrated and with JavaScript off: a mailbox in automatic
// mode with "create leads from incoming mail" makes a lead of a new outside sender when
// its mail syncs; the lead's card shows the message, opens it in place, and Reply starts
// the reply in the composer; sent through the test Postfix it reaches the sender (the
// stack's catch-all takes every outside address) and lands on the card as Sent.

const MAIL_ROOT = `${process.env.MAILSTACK_DIR ?? '../target/mail-stack'}/mail/example.test`;
const CATCHALL = 'catchall@example.test';

function mailStack(args: string[], input?: string): string {
  return execFileSync('../scripts/mail-stack/mail-stack', args, { input, encoding: 'utf8' });
}

/** The raw messages in `folder` of `address`, as Dovecot stored them. */
function messages(address: string, folder = 'INBOX'): string[] {
  const base = `${MAIL_ROOT}/${address.split('@')[0]}/Maildir${folder === 'INBOX' ? '' : `/.${folder}`}`;
  return ['new', 'cur'].flatMap((sub) => {
    const dir = `${base}/${sub}`;
    return existsSync(dir) ? readdirSync(dir).map((f) => readFileSync(`${dir}/${f}`, 'latin1')) : [];
  });
}

/** One header of a raw message, unfolded ('' when absent). */
function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line ? line.slice(name.length + 1).trim() : '';
}

/**
 * Presses a control that posts a plain form (JavaScript off): waits for the page it comes
 * back to. Hydrated, just presses it.
 */
async function press(page: Page, testInfo: TestInfo, control: Locator) {
  if (jsEnabled(testInfo)) {
    await control.click();
    return;
  }
  await Promise.all([
    page.waitForResponse((r) => r.request().resourceType() === 'document' && r.request().method() === 'GET'),
    control.click(),
  ]);
  await page.waitForLoadState('domcontentloaded');
}

/**
 * axe-core's serious and critical findings (hydrated runs only). The message's own frame is
 * left out: it is the sender's HTML, sandboxed without scripts, so axe cannot run in it.
 */
async function seriousViolations(page: Page, testInfo: TestInfo): Promise<string[]> {
  if (!jsEnabled(testInfo)) return [];
  const results = await new AxeBuilder({ page }).exclude('iframe.message-frame').analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('automatic mode makes a lead of a new sender; its card shows the message and replies to it', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const user = `crmauto${testInfo.project.name.replace(/\W/g, '')}${tag}`;
  const address = `${user}@example.test`;
  // The mailbox is made while the workspace signs up and changes its plan.
  const mailbox = addMailUsers(address);
  // A new, unknown outside sender at a company domain (not free mail, not the workspace's).
  const sender = `buyer-${tag}@client-example.com`;
  const name = `Marta Buyer ${tag}`;
  const subject = `Order of 40 chairs ${tag}`;
  const messageId = `order-${tag}@client-example.com`;
  const body = `Hello, we would like 40 chairs (${tag}). Can you send an offer?`;

  // A paid workspace (CRM links are Standard and Professional) with the mailbox connected.
  await signUp(page, testInfo);
  await page.getByRole('link', { name: 'Plan' }).click();
  await page.getByLabel('Standard').check();
  await page.getByRole('button', { name: 'Save plan' }).click();
  await expect(page.getByTestId('current-plan')).toHaveText('Standard');
  await mailbox;
  await connectOwnDomain(page, user, `${user}-pass-1`);
  await open(page, testInfo, '/mail/accounts');
  const settings = await page
    .locator(`tr[data-mailbox="${address}"]`)
    .getByRole('link', { name: 'Settings' })
    .getAttribute('href');

  // Automatic mode, leads (only) from incoming mail of unknown addresses, from now on.
  await open(page, testInfo, settings!);
  const automatic = page.locator('input[name="settings[crm_mode]"][value=automatic]');
  const leadsIn = page.getByLabel('Create leads from incoming mail of unknown addresses');
  await automatic.check();
  await leadsIn.check();
  await expect(page.getByLabel('Create contacts from incoming mail of unknown addresses')).not.toBeChecked();
  await expect(page.getByLabel('Create leads from outgoing mail to unknown addresses')).not.toBeChecked();
  const question = page.getByRole('group', { name: 'Apply to mail already synced?' });
  await question.getByLabel(/^No/).check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  if (jsEnabled(testInfo)) {
    await expect(page.getByRole('status')).toHaveText('Saved.');
  } else {
    await expect(page).toHaveURL(/\/settings/);
  }
  await open(page, testInfo, settings!);
  await expect(automatic).toBeChecked();
  await expect(leadsIn).toBeChecked();

  // Mail from the new sender arrives in the INBOX.
  mailStack(['deliver', address, 'INBOX'], [
    `From: ${name} <${sender}>`,
    `To: ${address}`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${messageId}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '',
  ].join('\r\n'));

  // Sync now, until the sync that stores it has made the lead.
  const leads = `/crm/leads?q=${encodeURIComponent(`Buyer ${tag}`)}`;
  const found = page.locator('table.crm-records').getByRole('link', { name });
  await expect(async () => {
    await open(page, testInfo, '/mail');
    await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/sync_now')),
      page.locator('.sync-panel').getByRole('button', { name: 'Sync now' }).click(),
    ]);
    await open(page, testInfo, leads);
    await expect(found).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 60_000 });

  // Found by searching the Leads list for the sender's name.
  await open(page, testInfo, '/crm/leads');
  await page.getByRole('searchbox', { name: 'Search' }).fill(name);
  await page.getByRole('button', { name: 'Find' }).click();
  await expect(page).toHaveURL(/\/crm\/leads\?q=/);
  await expect(page.locator('table.crm-records tbody tr')).toHaveCount(1);
  await found.click();
  await expect(page).toHaveURL(/\/crm\/leads\/\d+$/);
  const card = page.url();
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
  await expect(page.locator('.crm-kind')).toContainText('Lead');

  // The message on the card: received, automatically linked; opened in place.
  const entries = page.locator('.crm-timeline-entry');
  await expect(entries).toHaveCount(1);
  const entry = entries.first();
  await expect(entry).toHaveAttribute('data-direction', 'in');
  await expect(entry).toContainText('Received');
  await expect(entry).toContainText(sender);
  if (jsEnabled(testInfo)) {
    await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
  }
  await entry.getByRole('link', { name: subject }).click();
  await expect(page).toHaveURL(/\?message=\d+/);
  const id = /message=(\d+)/.exec(page.url())![1];
  const opened = page.locator('.crm-message-open');
  await expect(opened).toContainText(`In ${address}`);
  await expect(opened).toContainText('linked automatically');
  await expect(opened.getByRole('link', { name: 'Open in Mail' })).toHaveAttribute('href', `/mail/inbox?open=${id}`);
  await expect(page.frameLocator('iframe.message-frame').getByText(body)).toBeVisible();
  expect(await seriousViolations(page, testInfo), 'card with the message open').toEqual([]);

  // Reply from the card: the composer, To the sender, "Re:" the subject, nobody else.
  await press(page, testInfo, opened.getByRole('button', { name: 'Reply', exact: true }));
  await expect(page).toHaveURL(/\/mail\/drafts\/\d+$/);
  await expect(page.locator('input[name=to]')).toHaveValue(new RegExp(sender.replace(/[.]/g, '\\.')));
  await expect(page.locator('input[name=subject]')).toHaveValue(`Re: ${subject}`);
  await expect(page.locator('input[name=cc]')).toHaveValue('');
  const select = page.locator('select[name=undo_seconds]');
  await select.selectOption('0');
  if (jsEnabled(testInfo)) {
    await expect(page.locator('.undo-delay .form-ok')).toBeVisible();
  } else {
    await press(page, testInfo, page.locator('.undo-delay-save'));
  }
  await expect(select).toHaveValue('0');
  const marker = `reply-${tag}`;
  const quoted = await page.locator('textarea[name=body]').inputValue();
  await page.locator('textarea[name=body]').fill(`An offer for 40 chairs follows. ${marker}\n\n${quoted}`);
  await press(page, testInfo, page.getByRole('button', { name: 'Send', exact: true }));
  await expect(async () => {
    if (!jsEnabled(testInfo)) await page.reload();
    await expect(page.locator('.send-state.sent')).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 40_000 });

  // It reached the sender (the catch-all) once, as a reply in the thread.
  await expect.poll(() => messages(CATCHALL).filter((m) => m.includes(marker)).length, { timeout: 30_000 }).toBe(1);
  const raw = messages(CATCHALL).find((m) => m.includes(marker))!;
  expect(header(raw, 'To')).toContain(sender);
  expect(header(raw, 'Cc')).toBe('');
  expect(header(raw, 'Subject')).toBe(`Re: ${subject}`);
  expect(header(raw, 'From')).toContain(address);
  expect(header(raw, 'In-Reply-To')).toBe(`<${messageId}>`);
  // A copy in Sent; nothing came back into the mailbox's own INBOX.
  await expect.poll(() => messages(address, 'Sent').filter((m) => m.includes(marker)).length, { timeout: 30_000 }).toBe(1);
  expect(messages(address).filter((m) => m.includes(marker))).toHaveLength(0);
  expect(messages(address)).toHaveLength(1);

  // The reply is on the card too, as Sent, linked when its Sent copy was stored.
  await expect(async () => {
    await open(page, testInfo, card);
    await expect(page.locator('.crm-timeline-entry[data-direction=out]')).toHaveCount(1, { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.locator('.crm-timeline-entry[data-direction=out]')).toContainText(`Re: ${subject}`);
  await expect(page.locator('.crm-timeline-entry')).toHaveCount(2);

  // Nothing else was made: one lead (no contacts or companies: only leads were ticked).
  await open(page, testInfo, '/crm/leads');
  await expect(page.locator('table.crm-records tbody tr')).toHaveCount(1);
  for (const kind of ['contacts', 'companies', 'deals']) {
    await open(page, testInfo, `/crm/${kind}`);
    await expect(page.getByText('No records here yet.')).toBeVisible();
  }
});
