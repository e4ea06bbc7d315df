import { expect, test } from '@playwright/test';
import { fillOwnDomain, jsEnabled, logIn, open, signUp, uniqueEmail } from './helpers';

test('own domain: log in to the real servers, choose settings, see it in Connected accounts, edit it', async ({ page }, testInfo) => {
  await signUp(page, testInfo);
  await page.getByRole('link', { name: 'Connect', exact: true }).click();
  await fillOwnDomain(page, testInfo, 'alice', 'alice-pass-1');

  await expect(page).toHaveURL(/\/mail\/connect\/setup\/[0-9a-f]+$/);
  await expect(page.getByRole('heading', { name: 'Sync settings' })).toBeVisible();
  const folders = page.locator('fieldset.folders');
  await expect(folders).toContainText('Клієнти');
  await expect(folders).toContainText('2026');
  await expect(folders.getByLabel('INBOX')).toBeChecked();
  await expect(folders.getByLabel(/^Sent/)).toBeChecked();
  await expect(folders.getByLabel(/^Trash/)).not.toBeChecked();
  // Free plan: shared access and CRM links are shown off, with the reason.
  await expect(page.getByLabel(/^Shared/)).toBeDisabled();
  await expect(page.getByText('Available on the Standard and Professional plans.').first()).toBeVisible();
  await page.getByLabel('Mailbox name (shown here)').fill('Support');
  await folders.getByLabel('Клієнти').check();
  await page.getByRole('button', { name: 'Connect' }).click();

  await expect(page).toHaveURL(/\/mail\/accounts$/);
  const row = page.locator('tr[data-mailbox="alice@example.test"]');
  await expect(row).toContainText('Support');
  await expect(row).toContainText('Own domain');
  // The first sync starts right after Connect.
  await expect(row).toContainText(/Waiting for first sync|Syncing|Up to date/);
  await expect(row).toContainText('Personal');

  await row.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Mailbox settings' })).toBeVisible();
  await expect(page.locator('fieldset.folders').getByLabel('Клієнти')).toBeChecked();
  await page.getByLabel('Mailbox name (shown here)').fill('Support desk');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  if (jsEnabled(testInfo)) {
    await expect(page.getByRole('status')).toHaveText('Saved.');
  } else {
    await expect(page.getByLabel('Mailbox name (shown here)')).toHaveValue('Support desk');
  }
  await open(page, testInfo, '/mail/accounts');
  await expect(page.locator('tr[data-mailbox="alice@example.test"]')).toContainText('Support desk');

  // Disconnect asks first, then removes the mailbox.
  await page.locator('tr[data-mailbox="alice@example.test"]').getByRole('link', { name: 'Disconnect' }).click();
  await expect(page.getByRole('heading', { name: 'Disconnect this mailbox?' })).toBeVisible();
  await page.getByRole('button', { name: 'Yes, disconnect' }).click();
  await expect(page).toHaveURL(/\/mail\/accounts$/);
  await expect(page.getByText('No mailboxes yet.')).toBeVisible();
});

test('a wrong password says which server refused it and what to do', async ({ page }, testInfo) => {
  await signUp(page, testInfo, null);
  await fillOwnDomain(page, testInfo, 'alice', 'not-the-password');
  await expect(page.getByRole('alert')).toContainText('IMAP server rejected the email or password');
  await expect(page.getByRole('alert')).toContainText('app password');
  await expect(page).toHaveURL(/\/mail\/connect\/own_domain/);
});

test('a grantee sees a shared mailbox but is refused its settings', async ({ page, browser }, testInfo) => {
  await signUp(page, testInfo);
  await page.getByRole('link', { name: 'Plan' }).click();
  await page.getByLabel('Standard').check();
  await page.getByRole('button', { name: 'Save plan' }).click();
  await expect(page.getByTestId('current-plan')).toHaveText('Standard');

  await open(page, testInfo, '/members');
  const memberEmail = uniqueEmail(testInfo, 'grantee');
  const form = page.locator('section.card form');
  await form.getByLabel('Name').fill('Grace Grantee');
  await form.getByLabel('Email').fill(memberEmail);
  await form.getByLabel('Password').fill('grantee password');
  await form.getByRole('button', { name: 'Add member' }).click();
  await expect(page.locator('table.members')).toContainText(memberEmail);

  await fillOwnDomain(page, testInfo, 'bob', 'bob-pass-1');
  await expect(page).toHaveURL(/\/mail\/connect\/setup\//);
  await page.getByLabel(/^Shared/).check();
  await page.getByLabel(/Grace Grantee/).check();
  await page.getByRole('button', { name: 'Connect' }).click();
  await expect(page).toHaveURL(/\/mail\/accounts$/);
  const settingsHref = await page
    .locator('tr[data-mailbox="bob@example.test"]')
    .getByRole('link', { name: 'Settings' })
    .getAttribute('href');
  expect(settingsHref).toMatch(/^\/mail\/accounts\/\d+\/settings$/);

  const context = await browser.newContext({ javaScriptEnabled: testInfo.project.use.javaScriptEnabled });
  const grantee = await context.newPage();
  await logIn(grantee, testInfo, memberEmail, 'grantee password');
  await expect(grantee).toHaveURL(/\/mail$/);
  await open(grantee, testInfo, '/mail/accounts');
  const row = grantee.locator('tr[data-mailbox="bob@example.test"]');
  await expect(row).toContainText('Shared');
  await expect(row.getByRole('link', { name: 'Settings' })).toHaveCount(0);
  await open(grantee, testInfo, settingsHref!);
  await expect(grantee.getByRole('alert')).toContainText('Only the person who connected this mailbox can change it.');
  await context.close();
});

test('own domain with empty servers: discovery fills them in to confirm', async ({ page }, testInfo) => {
  await signUp(page, testInfo, null);
  await open(page, testInfo, '/mail/connect/own_domain');
  await page.locator('input[name=email]').fill('olena@corp.test');
  await page.locator('input[name=password]').fill('secret');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toContainText('We found the servers for your domain');
  await expect(page.locator('input[name=imap_host]')).toHaveValue('imap.corp.test');
  await expect(page.locator('input[name=imap_port]')).toHaveValue('993');
  await expect(page.locator('input[name=smtp_host]')).toHaveValue('smtp.corp.test');
  await expect(page.locator('select[name=smtp_security]')).toHaveValue('starttls');
  await expect(page.locator('input[name=email]')).toHaveValue('olena@corp.test');
});
