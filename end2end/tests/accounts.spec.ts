import { expect, test } from '@playwright/test';
import { logIn, logOut, open, signUp, signUpThroughForm, uniqueEmail } from './helpers';

test('sign-up creates a workspace and shows the empty Mail page with Connect', async ({ page }, testInfo) => {
  const admin = await signUpThroughForm(page, testInfo);
  await expect(page.locator('.workspace-name')).toHaveText(admin.workspace);
  await expect(page.locator('.plan-badge')).toHaveText('Free');
  await expect(page.getByText('No mailboxes connected yet')).toBeVisible();
  await page.getByRole('link', { name: 'Connect', exact: true }).click();
  await expect(page).toHaveURL(/\/mail\/connect$/);
  await expect(page.getByRole('heading', { name: 'Connect a mailbox' })).toBeVisible();
});

test('the same email cannot sign up twice', async ({ page, browser }, testInfo) => {
  const admin = await signUp(page, testInfo, null);
  const other = await browser.newPage({ javaScriptEnabled: testInfo.project.use.javaScriptEnabled });
  await open(other, testInfo, '/signup');
  await other.getByLabel('Workspace name').fill('Second');
  await other.getByLabel('Your name').fill('Copycat');
  await other.getByLabel('Email').fill(admin.email);
  await other.getByLabel('Password').fill('another password');
  await other.getByRole('button', { name: 'Create workspace' }).click();
  await expect(other.getByRole('alert')).toContainText('already registered');
  await other.close();
});

test('a workspace page sends a visitor who is not signed in to login', async ({ page }) => {
  await page.goto('/members');
  await expect(page).toHaveURL(/\/login$/);
});

test('log out, then log in; a wrong password says so', async ({ page }, testInfo) => {
  const admin = await signUp(page, testInfo);
  await logOut(page);
  await logIn(page, testInfo, admin.email, 'wrong password!');
  await expect(page.getByRole('alert')).toContainText('Wrong email or password');
  await expect(page).toHaveURL(/\/login/);
  await logIn(page, testInfo, admin.email, admin.password);
  await expect(page).toHaveURL(/\/mail$/);
  await expect(page.locator('.workspace-name')).toHaveText(admin.workspace);
});

test('an admin adds a member, who can log in but cannot manage members or the plan', async ({ page }, testInfo) => {
  await signUp(page, testInfo);
  await page.getByRole('link', { name: 'Members' }).click();
  await expect(page).toHaveURL(/\/members$/);
  const memberEmail = uniqueEmail(testInfo, 'member');
  const form = page.locator('section.card form');
  await form.getByLabel('Name').fill('Taras Member');
  await form.getByLabel('Email').fill(memberEmail);
  await form.getByLabel('Password').fill('member password');
  await form.getByRole('button', { name: 'Add member' }).click();
  await expect(page.locator('table.members')).toContainText(memberEmail);
  await expect(page.locator('table.members')).toContainText('Taras Member');

  await logOut(page);
  await logIn(page, testInfo, memberEmail, 'member password');
  await expect(page).toHaveURL(/\/mail$/);
  await open(page, testInfo, '/members');
  await expect(page.locator('table.members')).toContainText('Olena Admin');
  await expect(page.getByText('Only workspace admins can add members.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Add member' })).toHaveCount(0);
  await open(page, testInfo, '/plan');
  await expect(page.getByText('Only workspace admins can change the plan.')).toBeVisible();
});

test('an admin changes the plan', async ({ page }, testInfo) => {
  await signUp(page, testInfo);
  await page.getByRole('link', { name: 'Plan' }).click();
  await expect(page.getByTestId('current-plan')).toHaveText('Free');
  await page.getByLabel('Professional').check();
  await page.getByRole('button', { name: 'Save plan' }).click();
  await expect(page.getByTestId('current-plan')).toHaveText('Professional');
  await expect(page.locator('.plan-badge')).toHaveText('Professional');
  await page.reload();
  await expect(page.getByTestId('current-plan')).toHaveText('Professional');
});

test('the language switch is remembered per user', async ({ page, browser }, testInfo) => {
  const admin = await signUp(page, testInfo);
  await page.locator('.user-menu summary').click();
  await page.getByRole('button', { name: 'Українська' }).click();
  await expect(page.getByRole('heading', { name: 'Пошта', level: 1 })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Підключити' })).toBeVisible();

  // A fresh browser (no language cookie) gets Ukrainian back from the user's profile.
  const context = await browser.newContext({ javaScriptEnabled: testInfo.project.use.javaScriptEnabled });
  const fresh = await context.newPage();
  await logIn(fresh, testInfo, admin.email, admin.password);
  await expect(fresh).toHaveURL(/\/mail$/);
  await expect(fresh.getByRole('heading', { name: 'Пошта', level: 1 })).toBeVisible();
  await expect(fresh.locator('html')).toHaveAttribute('lang', 'uk');
  await context.close();
});
