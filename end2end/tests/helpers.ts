import { expect, Page, TestInfo } from '@playwright/test';
import { execFile } from 'node:child_process';

/** A unique address per test and project, so runs never collide. */
export function uniqueEmail(testInfo: TestInfo, who: string): string {
  const rand = Math.random().toString(36).slice(2, 8);
  return `${who}-${testInfo.project.name}-${Date.now()}-${rand}@example.com`;
}

export function jsEnabled(testInfo: TestInfo): boolean {
  return testInfo.project.use.javaScriptEnabled !== false;
}

/** Opens a page and, when JavaScript is on, waits until the wasm has hydrated it. */
export async function open(page: Page, testInfo: TestInfo, path: string) {
  await page.goto(path);
  if (jsEnabled(testInfo)) {
    await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
  }
}

export interface Admin {
  email: string;
  password: string;
  workspace: string;
}

function newAdmin(testInfo: TestInfo): Admin {
  return {
    email: uniqueEmail(testInfo, 'admin'),
    password: 'correct horse 1',
    workspace: `Acme ${Math.random().toString(36).slice(2, 6)}`,
  };
}

/**
 * Signs up a new workspace through the sign-up form and lands on Mail: what
 * accounts.spec.ts tests. Other tests set up with `signUp`.
 */
export async function signUpThroughForm(page: Page, testInfo: TestInfo): Promise<Admin> {
  const admin = newAdmin(testInfo);
  await open(page, testInfo, '/signup');
  await page.getByLabel('Workspace name').fill(admin.workspace);
  await page.getByLabel('Your name').fill('Olena Admin');
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await expect(page).toHaveURL(/\/mail$/);
  await expect(page.getByRole('heading', { name: 'Mail', level: 1 })).toBeVisible();
  return admin;
}

/**
 * Signs up a new workspace with the sign-up form's own request (the server function a
 * form without JavaScript posts), in the page's context, so the page is signed in; then
 * opens `path` (Mail by default; `null` opens nothing, for a test whose next step opens
 * its own page). A page load and a hydration fewer than the form for each test that only
 * needs a workspace.
 */
export async function signUp(page: Page, testInfo: TestInfo, path: string | null = '/mail'): Promise<Admin> {
  const admin = newAdmin(testInfo);
  const response = await page.request.post('/api/sign_up', {
    form: {
      workspace_name: admin.workspace,
      name: 'Olena Admin',
      email: admin.email,
      password: admin.password,
      language: 'en',
    },
    maxRedirects: 0,
  });
  expect(response.status(), await response.text()).toBeLessThan(400);
  if (path !== null) {
    await open(page, testInfo, path);
  }
  return admin;
}

export async function logIn(page: Page, testInfo: TestInfo, email: string, password: string) {
  await open(page, testInfo, '/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: /^(Log in|Увійти)$/ }).click();
}

export async function logOut(page: Page) {
  await page.locator('.user-menu summary').click();
  await page.getByRole('button', { name: /^(Log out|Вийти)$/ }).click();
  await expect(page).toHaveURL(/\/login$/);
}

// The project's own Dovecot + Postfix (scripts/mail-stack), exported by `make test`.
export const mail = {
  host: process.env.MAILSTACK_HOST ?? 'localhost',
  imaps: process.env.MAILSTACK_IMAPS_PORT ?? '10993',
  smtps: process.env.MAILSTACK_SMTPS_PORT ?? '10465',
  submission: process.env.MAILSTACK_SUBMISSION_PORT ?? '10587',
};

/**
 * Creates users of the test mail servers, each with the password `<local part>-pass-1`, in
 * one `mail-stack add-user` (one process, one lock): it returns once Dovecot and Postfix
 * see them. Asynchronous, so a test can sign up meanwhile.
 */
export function addMailUsers(...addresses: string[]): Promise<void> {
  const args = addresses.flatMap((a) => [a, `${a.split('@')[0]}-pass-1`]);
  return new Promise((resolve, reject) => {
    execFile('../scripts/mail-stack/mail-stack', ['add-user', ...args], (error, _out, stderr) =>
      error ? reject(new Error(`mail-stack add-user: ${stderr || error.message}`)) : resolve());
  });
}

export async function fillOwnDomain(
  page: Page,
  testInfo: TestInfo,
  user: string,
  password: string,
  imap: { host: string; port: string } = { host: mail.host, port: mail.imaps },
) {
  await open(page, testInfo, '/mail/connect');
  await page.getByRole('link', { name: 'Own domain' }).click();
  await expect(page).toHaveURL(/\/mail\/connect\/own_domain$/);
  await expect(page.getByRole('heading', { name: 'Before you start' })).toBeVisible();
  if (testInfo.project.use.javaScriptEnabled !== false) {
    await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
  }
  await page.locator('input[name=email]').fill(`${user}@example.test`);
  await page.locator('input[name=password]').fill(password);
  await page.locator('input[name=imap_host]').fill(imap.host);
  await page.locator('input[name=imap_port]').fill(imap.port);
  await page.locator('input[name=smtp_host]').fill(mail.host);
  await page.locator('input[name=smtp_port]').fill(mail.submission);
  // A test port is not 587, so say STARTTLS explicitly (587 would imply it).
  await page.locator('select[name=smtp_security]').selectOption('starttls');
  await page.getByRole('button', { name: 'Log in' }).click();
}

/**
 * Connects `user`'s mailbox of the test mail servers with the wizard's own requests, in
 * the page's context: steps A–B (`check_mailbox`: real IMAP and SMTP log-ins, the folder
 * list) and step C (`connect_mailbox`), the forms a page without JavaScript posts. The
 * wizard's pages are what connect.spec.ts tests; a test that only needs a connected
 * mailbox saves their loads and hydrations. `folders` are those step C selects (INBOX and
 * Sent are preselected there).
 */
export async function connectOwnDomain(
  page: Page,
  user: string,
  password: string,
  folders: string[] = ['INBOX', 'Sent'],
) {
  const email = `${user}@example.test`;
  const check = await page.request.post('/api/check_mailbox', {
    form: {
      provider: 'own_domain',
      email,
      password,
      imap_host: mail.host,
      imap_port: mail.imaps,
      smtp_host: mail.host,
      smtp_port: mail.submission,
      smtp_security: 'starttls',
    },
    maxRedirects: 0,
  });
  const checked = await check.text();
  expect(check.status(), checked).toBeLessThan(400);
  // The draft step C opens: in the redirect, else the function's answer.
  const location = check.headers()['location'] ?? '';
  const draft = location ? location.split('/').pop() : JSON.parse(checked);
  expect(draft, `the draft of ${email}`).toBeTruthy();
  const settings: Record<string, string> = {
    draft,
    'settings[sender_name]': 'Olena Admin',
    'settings[mailbox_name]': email,
    'settings[access]': 'personal',
    'settings[crm_mode]': 'off',
    'settings[period]': '1m',
  };
  folders.forEach((folder, i) => {
    settings[`settings[folders][${i}]`] = folder;
  });
  const connect = await page.request.post('/api/connect_mailbox', { form: settings, maxRedirects: 0 });
  expect(connect.status(), await connect.text()).toBeLessThan(400);
}

/**
 * Waits until the first sync has stored every message whole: on Mail, each selected
 * folder of every mailbox says Done (the body pass reports it once every body is in).
 * The list shows a message as soon as its headers are in, before its body; a test that
 * opens, searches or replies to mail waits for this.
 */
export async function untilSynced(page: Page, testInfo: TestInfo) {
  const phases = page.locator('.sync-panel li[data-folder] .phase');
  await expect(async () => {
    await open(page, testInfo, '/mail');
    await expect(phases.first()).toBeVisible({ timeout: 1_000 });
    await expect(phases.filter({ hasNotText: /^Done$/ })).toHaveCount(0, { timeout: 1_000 });
  }).toPass({ timeout: 40_000 });
}
