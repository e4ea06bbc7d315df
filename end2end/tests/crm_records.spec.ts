import AxeBuilder from '@axe-core/playwright';
import { expect, Page, test } from '@playwright/test';
import { jsEnabled, open, signUp } from './helpers';

// CRM records, hydrated and with JavaScript off: a company, a contact of that company
// (found by search), an edit, an address another contact has (refused, named), and a
// delete after its confirmation step.

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('create a company and a contact, find, edit and delete it', async ({ page }, testInfo) => {
  test.setTimeout(60_000);
  await signUp(page, testInfo);
  const tag = Math.random().toString(36).slice(2, 8);
  const domain = `acme-${tag}.example`;
  const email = `olena@${domain}`;

  await page.getByRole('link', { name: 'CRM', exact: true }).click();
  await expect(page).toHaveURL(/\/crm$/);
  await expect(page.getByRole('heading', { name: 'Contacts', level: 1 })).toBeVisible();
  await expect(page.getByText('No records here yet.')).toBeVisible();

  // A company with a domain (typed with '@' and capitals: stored without and lower-case).
  await page.getByRole('navigation', { name: 'CRM sections' }).getByRole('link', { name: 'Companies' }).click();
  await expect(page).toHaveURL(/\/crm\/companies$/);
  await page.getByRole('link', { name: 'New company' }).click();
  await expect(page.getByRole('heading', { name: 'New company', level: 1 })).toBeVisible();
  if (jsEnabled(testInfo)) {
    await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
  }
  await page.getByLabel('Company name').fill(`Acme ${tag}`);
  await page.getByLabel('Domains').fill(`@ACME-${tag}.example`);
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page).toHaveURL(/\/crm\/companies\/\d+$/);
  await expect(page.getByRole('heading', { name: `Acme ${tag}`, level: 1 })).toBeVisible();
  await expect(page.locator('.crm-fields')).toContainText(domain);

  // A contact of that company.
  await open(page, testInfo, '/crm/contacts/new');
  await page.getByLabel('Name', { exact: true }).fill(`Olena ${tag}`);
  await page.getByLabel('Emails').fill(`Olena@${domain}`);
  await page.getByLabel('Phones').fill('+380 44 123 4567');
  await page.locator('select[name=company]').selectOption({ label: `Acme ${tag} (${domain})` });
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page).toHaveURL(/\/crm\/contacts\/\d+$/);
  const card = page.url();
  await expect(page.getByRole('heading', { name: `Olena ${tag}`, level: 1 })).toBeVisible();
  await expect(page.locator('.crm-fields')).toContainText(email);
  await expect(page.locator('.crm-fields').getByRole('link', { name: `Acme ${tag}` })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Write email' }))
    .toHaveAttribute('href', `/mail/compose?to=${encodeURIComponent(email)}`);
  await expect(page.getByRole('heading', { name: 'Correspondence' })).toBeVisible();
  if (jsEnabled(testInfo)) {
    expect(await seriousViolations(page), 'card').toEqual([]);
  }

  // Found by search (an address), not by another text.
  await open(page, testInfo, '/crm/contacts');
  await page.getByRole('searchbox', { name: 'Search' }).fill(`olena@acme-${tag}`);
  await page.getByRole('button', { name: 'Find' }).click();
  await expect(page).toHaveURL(/\/crm\/contacts\?q=/);
  await expect(page.locator('table.crm-records').getByRole('link', { name: `Olena ${tag}` })).toBeVisible();
  if (jsEnabled(testInfo)) {
    expect(await seriousViolations(page), 'list').toEqual([]);
  }
  await page.getByRole('searchbox', { name: 'Search' }).fill(`nobody-${tag}`);
  await page.getByRole('button', { name: 'Find' }).click();
  await expect(page.getByText('Nothing matches this search.')).toBeVisible();

  // Edit the name.
  await open(page, testInfo, card);
  await page.getByRole('link', { name: 'Edit' }).click();
  await expect(page).toHaveURL(/\/edit$/);
  await expect(page.getByLabel('Emails')).toHaveValue(email);
  if (jsEnabled(testInfo)) {
    await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
    expect(await seriousViolations(page), 'form').toEqual([]);
  }
  await page.getByLabel('Name', { exact: true }).fill(`Olena Petrenko ${tag}`);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL(card);
  await expect(page.getByRole('heading', { name: `Olena Petrenko ${tag}`, level: 1 })).toBeVisible();

  // Her address cannot be another contact's: the form says which.
  await open(page, testInfo, '/crm/contacts/new');
  await page.getByLabel('Name', { exact: true }).fill(`Copy ${tag}`);
  await page.getByLabel('Emails').fill(email);
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('alert')).toContainText(`already belongs to another contact: ${email}`);

  // Delete, after the confirmation step.
  await open(page, testInfo, card);
  await page.getByRole('link', { name: 'Delete' }).click();
  await expect(page.getByRole('heading', { name: 'Delete this record?' })).toBeVisible();
  if (jsEnabled(testInfo)) {
    await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
  }
  await page.getByRole('button', { name: 'Delete for good' }).click();
  await expect(page).toHaveURL(/\/crm\/contacts$/);
  await expect(page.getByRole('link', { name: `Olena Petrenko ${tag}` })).toHaveCount(0);
  await page.goto(card);
  await expect(page.getByRole('alert')).toBeVisible();
});
