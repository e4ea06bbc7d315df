import { expect, test } from '@playwright/test';
import { open, signUp } from './helpers';

// The Content-Security-Policy (a nonce per response) lets the hydrated app run and
// blocks nothing it needs: every page hydrates and the browser reports no violation.
test('the hydrated app runs under its Content-Security-Policy', async ({ page }, testInfo) => {
  test.skip(testInfo.project.name !== 'hydrated', 'the policy matters where scripts run');
  await page.addInitScript(() => {
    const w = window as unknown as { cspViolations: string[] };
    w.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const consoleErrors: string[] = [];
  page.on('console', (msg) => {
    if (msg.text().includes('Content Security Policy')) consoleErrors.push(msg.text());
  });
  const violations = () =>
    page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);

  const res = await page.goto('/login');
  const csp = res?.headers()['content-security-policy'] ?? '';
  expect(csp).toMatch(/script-src 'self' 'nonce-[0-9a-f]{32}' 'wasm-unsafe-eval'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(res?.headers()['x-content-type-options']).toBe('nosniff');

  await signUp(page, testInfo, null);
  for (const path of ['/mail', '/mail/connect', '/mail/connect/own_domain', '/mail/accounts', '/members', '/plan', '/no-such-page']) {
    await open(page, testInfo, path);
    expect(await violations(), path).toEqual([]);
  }
  // Client-side work after hydration: the language switch re-renders the page and its title.
  await open(page, testInfo, '/plan');
  await page.locator('.user-menu summary').click();
  await page.getByRole('button', { name: 'Українська' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Тариф');
  await expect(page).toHaveTitle(/^Тариф · Mail$/);
  expect(await violations()).toEqual([]);
  expect(consoleErrors).toEqual([]);
});
