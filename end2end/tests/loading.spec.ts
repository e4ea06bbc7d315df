import { expect, test } from '@playwright/test';
import { jsEnabled, signUp } from './helpers';

// Pages load on demand (app/src/pages/on_demand.rs, split by scripts/build): the first
// page brings the main module and its own chunks, preloaded from the server's page; a page
// visited later fetches its chunk when the router first shows it.

/** The wasm files the page fetched, by file name. */
function wasmFetches(page: import('@playwright/test').Page): string[] {
  const names: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith('/pkg/') && path.endsWith('.wasm')) {
      names.push(path.slice('/pkg/'.length));
    }
  });
  return names;
}

test('the first page preloads its own chunks and a page opened later fetches its chunk then', async ({ page }, testInfo) => {
  test.skip(!jsEnabled(testInfo), 'chunks are for the hydrated app');
  const fetched = wasmFetches(page);
  await signUp(page, testInfo, null);
  const response = await page.goto('/mail');
  const html = (await response?.text()) ?? '';
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);

  // The server names the main module and the Mail page's chunks in the page's head, so the
  // browser fetches them together instead of one after the other.
  const preloads = [...html.matchAll(/<link\b[^>]*>/g)]
    .map((m) => m[0])
    .filter((tag) => tag.includes('rel="preload"'))
    .map((tag) => /href="([^"]+\.wasm)"/.exec(tag)?.[1])
    .filter((href): href is string => href !== undefined);
  expect(preloads).toContain('/pkg/app_bg.wasm');
  const mailChunks = preloads.filter((p) => p !== '/pkg/app_bg.wasm');
  expect(mailChunks.length).toBeGreaterThan(0);
  // The browser then fetched them, and the page was hydrated with them (its title is set by
  // the Mail page's own code).
  for (const chunk of mailChunks) {
    expect(fetched).toContain(chunk.slice('/pkg/'.length));
  }
  await expect(page).toHaveTitle(/^Mail · Mail$/);

  // The Plan page's code is not part of what /mail loaded: following the link fetches it,
  // without loading a new document, and the page then works.
  const before = new Set(fetched);
  let documents = 0;
  page.on('request', (request) => {
    if (request.resourceType() === 'document') documents += 1;
  });
  await page.getByRole('link', { name: 'Plan', exact: true }).click();
  await expect(page).toHaveURL(/\/plan$/);
  await expect(page.getByRole('heading', { name: 'Plan', level: 1 })).toBeVisible();
  const planChunks = fetched.filter((name) => !before.has(name));
  expect(planChunks.length).toBeGreaterThan(0);
  expect(planChunks).not.toContain('app_bg.wasm');
  expect(documents).toBe(0);

  // And back: the Mail page's chunk is already in, so nothing is fetched again.
  const afterPlan = fetched.length;
  await page.getByRole('link', { name: 'Mail', exact: true }).click();
  await expect(page).toHaveURL(/\/mail$/);
  await expect(page.getByRole('heading', { name: 'Mail', level: 1 })).toBeVisible();
  expect(fetched.length).toBe(afterPlan);
  expect(documents).toBe(0);
});
