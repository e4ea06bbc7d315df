import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { addMailUsers, connectOwnDomain, open, signUp, untilSynced } from './helpers';

// The XSS corpus (server/services/tests/fixtures/xss): hostile HTML delivered as real mail
// to the test Dovecot, synced, and opened one by one in Chromium. Nothing may run, show a
// dialog, reach any host but the app, or navigate the app.

const CORPUS = '../server/services/tests/fixtures/xss';

function mailStack(...args: string[]): string {
  return execFileSync('../scripts/mail-stack/mail-stack', args, { encoding: 'utf8' });
}

test('hostile mail runs nothing, loads nothing foreign, navigates nowhere', async ({ page }, testInfo) => {
  test.setTimeout(150_000);
  const files = readdirSync(CORPUS).filter((f) => f.endsWith('.eml')).sort();
  expect(files.length).toBeGreaterThanOrEqual(10);
  const user = `xss${testInfo.project.name.replace(/\W/g, '')}${Date.now().toString(36)}`;
  const address = `${user}@example.test`;
  // The mailbox is made while the workspace signs up (below).
  const mailbox = addMailUsers(address);

  const dialogs: string[] = [];
  const foreign: string[] = [];
  const app = new URL(testInfo.project.use.baseURL ?? 'http://127.0.0.1:3100');
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  // Chromium reports a load the frame's Content-Security-Policy refused as a request that
  // failed with "csp": it never left the browser. Every other foreign request counts.
  const refused = new Set<string>();
  page.context().on('request', (r) => {
    const url = new URL(r.url());
    if (url.origin !== app.origin && url.protocol !== 'data:' && url.protocol !== 'blob:') foreign.push(r.url());
  });
  page.context().on('requestfailed', (r) => {
    if (r.failure()?.errorText === 'csp') refused.add(r.url());
  });

  await signUp(page, testInfo, null);
  await mailbox;
  mailStack('deliver', address, 'INBOX', ...files.map((f) => `${CORPUS}/${f}`));
  await connectOwnDomain(page, user, `${user}-pass-1`);
  const rows = page.locator('ol.message-list > li');
  // Every body in, so each message below is looked at whole, not as a pending line.
  await untilSynced(page, testInfo);
  await open(page, testInfo, '/mail/inbox');
  await expect(rows).toHaveCount(files.length);

  let sawNewsletter = false;
  for (let n = 0; n < files.length; n++) {
    await open(page, testInfo, '/mail/inbox');
    const newsletter = ((await rows.nth(n).textContent()) ?? '').includes('newsletter');
    await rows.nth(n).getByRole('link').click();
    await expect(page).toHaveURL(/\/mail\/inbox\?open=\d+$/);
    const frame = page.locator('iframe.message-frame');
    if ((await frame.count()) > 0) {
      await expect(frame).toHaveAttribute('sandbox', 'allow-popups allow-popups-to-escape-sandbox');
      // The frame's document loaded (its body exists) under the sandbox.
      const inner = page.frameLocator('iframe.message-frame');
      await expect(inner.locator('body')).toHaveCount(1);
      // What the sanitiser let through holds nothing that runs, embeds or navigates.
      // (The app's own wrapper puts a charset and viewport <meta> in the head; the mail's
      // part is the body.)
      await expect(inner.locator('script, base, link, meta[http-equiv]')).toHaveCount(0);
      await expect(inner.locator('body').locator('iframe, frame, object, embed, form, meta, svg, math, style[src]')).toHaveCount(0);
      await expect(inner.locator('[onload], [onerror], [onclick], [onmouseover], [onfocus]')).toHaveCount(0);
    }
    if (newsletter) {
      sawNewsletter = true;
      // Its inline cid: image loads inside the sandboxed frame (the session reaches it).
      const inline = page.frameLocator('iframe.message-frame').locator('img[src*="/inline/"]').first();
      await expect(inline).toHaveJSProperty('complete', true);
      expect(await inline.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    }
    // Give any timer-based vector (setTimeout, meta refresh) its chance: a settled
    // network, then look again.
    await page.waitForLoadState('networkidle');
    expect(page.url(), `after opening message ${n}`).toMatch(/\/mail\/inbox\?open=\d+$/);
  }
  expect(sawNewsletter).toBe(true);
  expect(dialogs).toEqual([]);
  expect(foreign.filter((url) => !refused.has(url))).toEqual([]);
});
