import AxeBuilder from '@axe-core/playwright';
import { expect, Page, test } from '@playwright/test';
import { open, signUp } from './helpers';

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('axe-core finds no serious violation on the main pages', async ({ page }, testInfo) => {
  test.skip(testInfo.project.name !== 'hydrated', 'axe runs in the browser: once is enough');
  // Nine pages of axe while another worker syncs thousands of messages: give it room.
  test.setTimeout(90_000);
  for (const path of ['/login', '/signup']) {
    await open(page, testInfo, path);
    expect(await seriousViolations(page), path).toEqual([]);
  }
  await signUp(page, testInfo, null);
  for (const path of ['/mail', '/mail/connect', '/mail/connect/own_domain', '/mail/connect/gmail', '/mail/accounts', '/members', '/plan']) {
    await open(page, testInfo, path);
    expect(await seriousViolations(page), path).toEqual([]);
  }
});
