import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addMailUsers, connectOwnDomain, jsEnabled, open, signUp } from './helpers';

function mailStack(...args: string[]): string {
  return execFileSync('../scripts/mail-stack/mail-stack', args, { encoding: 'utf8' });
}

/** Saves a message into the user's folder as a delivery would. */
function deliver(user: string, folder: string, headers: string) {
  const dir = mkdtempSync(join(tmpdir(), 'crm-'));
  const file = join(dir, 'm.eml');
  const id = `${Date.now()}.${Math.random().toString(36).slice(2)}@crm.test`;
  writeFileSync(file, `${headers}\nTo: ${user}@example.test\nDate: ${new Date().toUTCString()}\n`
    + `Message-ID: <${id}>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nHello.\n`);
  mailStack('deliver', `${user}@example.test`, folder, file);
  rmSync(dir, { recursive: true });
}

test('the preview lists what automatic creation would make; turning it on applies it to synced mail', async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  const user = `crmprev${testInfo.project.name.replace(/\W/g, '')}${Date.now().toString(36)}`;
  // The mailbox is made while the workspace signs up.
  const mailbox = addMailUsers(`${user}@example.test`);
  await signUp(page, testInfo);
  await mailbox;
  deliver(user, 'INBOX', 'From: Taras Shevchuk <taras@globex.example>\nSubject: Order of 500 units');
  deliver(user, 'INBOX', 'From: Globex News <news@globex-news.example>\nSubject: Globex Weekly\n'
    + 'List-Id: Globex Weekly <weekly.globex-news.example>\nList-Unsubscribe: <mailto:u@globex-news.example>');

  await page.getByRole('link', { name: 'Plan' }).click();
  await page.getByLabel('Standard').check();
  await page.getByRole('button', { name: 'Save plan' }).click();
  await expect(page.getByTestId('current-plan')).toHaveText('Standard');
  await connectOwnDomain(page, user, `${user}-pass-1`);
  await open(page, testInfo, '/mail/accounts');
  const settings = await page
    .locator(`tr[data-mailbox="${user}@example.test"]`)
    .getByRole('link', { name: 'Settings' })
    .getAttribute('href');

  await open(page, testInfo, settings!);
  const question = page.getByRole('group', { name: 'Apply to mail already synced?' });
  if (jsEnabled(testInfo)) {
    await expect(question).toBeHidden();
  }
  await page.locator('input[name="settings[crm_mode]"][value=automatic]').check();
  await page.getByLabel('Create leads from incoming mail of unknown addresses').check();
  await page.getByLabel('Create contacts from incoming mail of unknown addresses').check();
  await expect(question).toBeVisible();
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page).toHaveURL(/crm_preview=1/);
  // The mailbox's first sync may still be running: look again until it is in.
  const preview = page.locator('#crm-preview');
  await expect(async () => {
    await page.reload();
    await expect(preview.locator('li')).toHaveCount(3, { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  if (jsEnabled(testInfo)) {
    await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
  }
  await expect(preview).toContainText('What automatic creation would make');
  await expect(preview.locator('li[data-kind=contact]')).toContainText('Taras Shevchuk taras@globex.example');
  await expect(preview.locator('li[data-kind=company]')).toContainText('Globex globex.example');
  await expect(preview.locator('li[data-kind=lead]')).toContainText('Taras Shevchuk');
  await expect(preview).not.toContainText('globex-news');
  // The choices previewed are the form's (without JavaScript they came back in the address).
  await expect(page.locator('input[name="settings[crm_mode]"][value=automatic]')).toBeChecked();
  await expect(page.getByLabel('Create leads from incoming mail of unknown addresses')).toBeChecked();
  await expect(page.getByLabel('Create leads from outgoing mail to unknown addresses')).not.toBeChecked();

  await question.getByLabel(/^Yes/).check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  if (jsEnabled(testInfo)) {
    await expect(page.getByRole('status')).toHaveText('Saved.');
  } else {
    await expect(page).toHaveURL(/\/settings/);
  }
  // Applied to the mail already synced: the records are there, so nothing more to make.
  await expect(async () => {
    await page.reload();
    await expect(preview).toContainText('Nothing would be created', { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await expect(page.locator('input[name="settings[crm_mode]"][value=automatic]')).toBeChecked();
  if (jsEnabled(testInfo)) {
    await expect(question).toBeHidden();
  }
});
