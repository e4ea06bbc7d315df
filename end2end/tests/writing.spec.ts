import AxeBuilder from '@axe-core/playwright';
import { expect, Locator, Page, test, TestInfo } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { addMailUsers, connectOwnDomain, jsEnabled, open, signUp, untilSynced } from './helpers';

// Writing mail: new messages, replies, reply all, forwards, a failed send and an undone
// one, sent through the test Postfix and checked in the recipients' Dovecot mailboxes —
// hydrated and with JavaScript off.

const FIXTURES = 'fixtures/writing';
const MAIL_ROOT = `${process.env.MAILSTACK_DIR ?? '../target/mail-stack'}/mail/example.test`;

function mailStack(args: string[], input?: string): string {
  return execFileSync('../scripts/mail-stack/mail-stack', args, { input, encoding: 'utf8' });
}

/** A fresh address on the test server; `connectedWriter` creates its mailbox. */
function newAddress(testInfo: TestInfo, who: string): string {
  const rand = Math.random().toString(36).slice(2, 6);
  const user = `${who}${testInfo.project.name.replace(/\W/g, '')}${Date.now().toString(36)}${rand}`;
  return `${user}@example.test`;
}

/** The raw messages in `folder` of `address`, as Dovecot stored them (delivered or appended). */
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

/** Waits until `address` holds exactly one message whose text contains `marker`; returns it. */
async function delivered(address: string, marker: string): Promise<string> {
  await expect
    .poll(() => messages(address).filter((m) => m.includes(marker)).length, { timeout: 30_000 })
    .toBe(1);
  return messages(address).find((m) => m.includes(marker))!;
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
 * A writer with a connected mailbox holding a question from `peer` (Cc `colleague`). Makes
 * the mailboxes of the writer, `peer`, `colleague` and `others` in one add-user while the
 * workspace signs up.
 */
async function connectedWriter(
  page: Page, testInfo: TestInfo, peer: string, colleague: string, ...others: string[]
): Promise<string> {
  const writer = newAddress(testInfo, 'wr');
  const user = writer.split('@')[0];
  const mailboxes = addMailUsers(writer, peer, colleague, ...others);
  await signUp(page, testInfo, null);
  await mailboxes;
  const text = readFileSync(`${FIXTURES}/question.eml`, 'utf8')
    .replaceAll('READER', writer)
    .replaceAll('PEER', peer)
    .replaceAll('COLLEAGUE', colleague);
  mailStack(['deliver', writer, 'INBOX'], text);
  await connectOwnDomain(page, user, `${user}-pass-1`);
  // Replies quote the body: wait until it is in, not only the headers.
  await untilSynced(page, testInfo);
  await open(page, testInfo, '/mail/inbox');
  await expect(page.locator('ol.message-list > li')).toHaveCount(1);
  return writer;
}

/** Sets the undo-send delay on the open draft's page. */
async function setUndoDelay(page: Page, testInfo: TestInfo, seconds: number) {
  const select = page.locator('select[name=undo_seconds]');
  await select.selectOption(String(seconds));
  if (jsEnabled(testInfo)) {
    // Choosing saves at once.
    await expect(page.locator('.undo-delay .form-ok')).toBeVisible();
  } else {
    await press(page, testInfo, page.locator('.undo-delay-save'));
  }
  await expect(page.locator('select[name=undo_seconds]')).toHaveValue(String(seconds));
}

/** Presses **Compose** in the side navigation: a new draft opens. */
async function compose(page: Page, testInfo: TestInfo) {
  await press(page, testInfo, page.locator('.side-nav').getByRole('button', { name: 'Compose' }));
  await expect(page).toHaveURL(/\/mail\/drafts\/\d+$/);
  await expect(page.locator('form.compose-form')).toBeVisible();
}

/** Presses **Send**; without JavaScript, refreshes until the draft leaves the queue. */
async function sendAndWait(page: Page, testInfo: TestInfo, until: 'sent' | 'failed') {
  await press(page, testInfo, page.getByRole('button', { name: /^(Send|Send again anyway)$/ }));
  await expect(async () => {
    if (!jsEnabled(testInfo)) await page.reload();
    await expect(page.locator(`.send-state.${until}`)).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 40_000 });
}

/** axe-core's serious and critical findings on the page (hydrated runs only). */
async function seriousViolations(page: Page, testInfo: TestInfo): Promise<string[]> {
  if (!jsEnabled(testInfo)) return [];
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Opens the question in All inboxes; returns its message id. */
async function openQuestion(page: Page, testInfo: TestInfo): Promise<string> {
  await open(page, testInfo, '/mail/inbox');
  await page.locator('ol.message-list > li', { hasText: 'Question about the offer' }).getByRole('link').click();
  await expect(page).toHaveURL(/open=\d+/);
  return /open=(\d+)/.exec(page.url())![1];
}

test('composes a new message with an attachment and sends it', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const peer = newAddress(testInfo, 'pp');
  const writer = await connectedWriter(page, testInfo, peer, newAddress(testInfo, 'cl'));
  await compose(page, testInfo);
  await setUndoDelay(page, testInfo, 0);
  await expect(page.locator('.attachment-limit')).toContainText('Up to 25 MB in total');

  // Type first, then attach: without JavaScript, Attach posts the whole form and the page
  // comes back with what was typed saved.
  const marker = `new-${Date.now().toString(36)}`;
  const subject = `Quarterly report ${marker}`;
  await page.locator('input[name=to]').fill(`Petro <${peer}>`);
  await page.locator('input[name=subject]').fill(subject);
  await page.locator('textarea[name=body]').fill(`Hello Petro,\n\nthe report is attached (${marker}).`);
  const bytes = readFileSync(`${FIXTURES}/report-q4.bin`);
  await page.locator('input[type=file]').setInputFiles({ name: 'report-q4.bin', mimeType: 'application/octet-stream', buffer: bytes });
  await press(page, testInfo, page.getByRole('button', { name: 'Attach', exact: true }));
  await expect(page.locator('.attachment-list')).toContainText('report-q4.bin');
  await expect(page.locator('input[name=subject]')).toHaveValue(subject);
  await expect(page.locator('textarea[name=body]')).toHaveValue(new RegExp(marker));
  await expect(page.locator('input[name=to]')).toHaveValue(`Petro <${peer}>`);
  if (jsEnabled(testInfo)) {
    // Typing saves the draft by itself; a reload shows what was typed.
    await expect(page.locator('.save-status')).toContainText('Draft saved');
    await page.reload();
    await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
    await expect(page.locator('input[name=subject]')).toHaveValue(subject);
    await expect(page.locator('textarea[name=body]')).toHaveValue(new RegExp(marker));
  }
  await sendAndWait(page, testInfo, 'sent');

  const raw = await delivered(peer, marker);
  expect(header(raw, 'Subject')).toBe(subject);
  expect(header(raw, 'From')).toContain(writer);
  expect(raw).toContain('report-q4.bin');
  // The attachment's bytes, byte-exact (small enough for one base64 line).
  expect(raw.replace(/\r?\n/g, '')).toContain(bytes.toString('base64'));
  // A copy in the writer's Sent.
  await expect.poll(() => messages(writer, 'Sent').filter((m) => m.includes(marker)).length, { timeout: 30_000 }).toBe(1);
});

test('replies, replies to all and forwards a received message', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  const peer = newAddress(testInfo, 'pp');
  const colleague = newAddress(testInfo, 'cl');
  const third = newAddress(testInfo, 'fw');
  const writer = await connectedWriter(page, testInfo, peer, colleague, third);

  // Reply: to the sender only, "Re:" once, threaded.
  let id = await openQuestion(page, testInfo);
  const card = () => page.locator(`.reading-pane article[data-message="${id}"]`);
  if (jsEnabled(testInfo)) {
    await expect(card().getByRole('button', { name: 'Reply', exact: true })).toBeVisible();
    await page.keyboard.press('r');
  } else {
    await press(page, testInfo, card().getByRole('button', { name: 'Reply', exact: true }));
  }
  await expect(page).toHaveURL(/\/mail\/drafts\/\d+$/);
  await setUndoDelay(page, testInfo, 0);
  await expect(page.locator('input[name=subject]')).toHaveValue('Re: Question about the offer');
  await expect(page.locator('input[name=to]')).toHaveValue(new RegExp(peer));
  await expect(page.locator('input[name=cc]')).toHaveValue('');
  const reply = `reply-${Date.now().toString(36)}`;
  await page.locator('textarea[name=body]').fill(`Confirmed: 40 units. ${reply}\n\n${await page.locator('textarea[name=body]').inputValue()}`);
  await sendAndWait(page, testInfo, 'sent');
  let raw = await delivered(peer, reply);
  expect(header(raw, 'Subject')).toBe('Re: Question about the offer');
  expect(header(raw, 'In-Reply-To')).toBe('<question-1@partner.example>');
  expect(header(raw, 'References')).toContain('<question-1@partner.example>');
  expect(messages(colleague).filter((m) => m.includes(reply))).toHaveLength(0);

  // Reply all: the sender and the Cc, never the writer's own address.
  id = await openQuestion(page, testInfo);
  await press(page, testInfo, card().getByRole('button', { name: 'Reply all' }));
  await expect(page).toHaveURL(/\/mail\/drafts\/\d+$/);
  await expect(page.locator('input[name=to]')).toHaveValue(new RegExp(peer));
  await expect(page.locator('input[name=cc]')).toHaveValue(new RegExp(colleague));
  await expect(page.locator('input[name=to]')).not.toHaveValue(new RegExp(writer));
  await expect(page.locator('input[name=cc]')).not.toHaveValue(new RegExp(writer));
  const all = `all-${Date.now().toString(36)}`;
  await page.locator('textarea[name=body]').fill(`Both of you: ${all}`);
  await sendAndWait(page, testInfo, 'sent');
  raw = await delivered(peer, all);
  expect(header(raw, 'Subject')).toBe('Re: Question about the offer');
  await delivered(colleague, all);

  // Forward: "Fwd:", nobody yet, the original's attachment carried along.
  id = await openQuestion(page, testInfo);
  await press(page, testInfo, card().getByRole('button', { name: 'Forward' }));
  await expect(page).toHaveURL(/\/mail\/drafts\/\d+$/);
  await expect(page.locator('input[name=subject]')).toHaveValue('Fwd: Question about the offer');
  await expect(page.locator('input[name=to]')).toHaveValue('');
  await expect(page.locator('.attachment-list')).toContainText('offer-40.pdf');
  const fwd = `fwd-${Date.now().toString(36)}`;
  await page.locator('input[name=to]').fill(third);
  await page.locator('textarea[name=body]').fill(`See below. ${fwd}`);
  await sendAndWait(page, testInfo, 'sent');
  raw = await delivered(third, fwd);
  expect(header(raw, 'Subject')).toBe('Fwd: Question about the offer');
  expect(raw).toContain('offer-40.pdf');
  expect(raw).toContain('JVBERi0xLjQK');
});

test('a recipient the server refuses keeps the draft and names the address', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  await connectedWriter(page, testInfo, newAddress(testInfo, 'pp'), newAddress(testInfo, 'cl'));
  await compose(page, testInfo);
  await setUndoDelay(page, testInfo, 0);
  const nobody = `nobody-${Date.now().toString(36)}@example.test`;
  const text = 'Every word of this must survive a refused send.';
  await page.locator('input[name=to]').fill(nobody);
  await page.locator('input[name=subject]').fill('To nobody');
  await page.locator('textarea[name=body]').fill(text);
  await sendAndWait(page, testInfo, 'failed');
  await expect(page.locator('.send-state.failed')).toContainText('refused the recipients');
  await expect(page.locator('.rejected-address')).toHaveText(nobody);
  await expect(page.locator('.rejected .server-text')).toContainText(/5\d\d|rejected|unknown/i);
  // Nothing typed is lost, and the form is editable again.
  await expect(page.locator('textarea[name=body]')).toHaveValue(text);
  await expect(page.locator('input[name=to]')).toHaveValue(nobody);
  await expect(page.locator('input[name=to]')).toBeEditable();
  expect(await seriousViolations(page, testInfo), 'failed draft').toEqual([]);
  // The drafts list marks it.
  await open(page, testInfo, '/mail/drafts');
  await expect(page.locator('tr', { hasText: 'To nobody' }).locator('.failed-badge')).toBeVisible();
  expect(await seriousViolations(page, testInfo), 'drafts').toEqual([]);
  await open(page, testInfo, '/mail/compose');
  expect(await seriousViolations(page, testInfo), 'compose').toEqual([]);
});

test('undo takes a sent message back before it leaves', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const peer = newAddress(testInfo, 'pp');
  await connectedWriter(page, testInfo, peer, newAddress(testInfo, 'cl'));
  await compose(page, testInfo);
  const marker = `undo-${Date.now().toString(36)}`;
  await page.locator('input[name=to]').fill(peer);
  await page.locator('input[name=subject]').fill(`Second thoughts ${marker}`);
  await page.locator('textarea[name=body]').fill(`Maybe not. ${marker}`);
  // Choosing the delay after typing keeps the text (without JavaScript it is saved with it).
  await setUndoDelay(page, testInfo, 10);
  await expect(page.locator('textarea[name=body]')).toHaveValue(`Maybe not. ${marker}`);
  const sentAt = Date.now();
  await press(page, testInfo, page.getByRole('button', { name: 'Send', exact: true }));
  await expect(page.locator('.send-state.queued')).toContainText('Sending in');
  await press(page, testInfo, page.getByRole('button', { name: 'Undo' }));
  // Back to editing, with the text.
  await expect(page.locator('.send-state')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Send', exact: true })).toBeVisible();
  await expect(page.locator('textarea[name=body]')).toHaveValue(`Maybe not. ${marker}`);
  // Well past the moment it would have left, the recipient has nothing.
  await expect
    .poll(() => (Date.now() > sentAt + 14_000 ? messages(peer).filter((m) => m.includes(marker)).length : -1), {
      timeout: 30_000,
    })
    .toBe(0);
  // Sent for real, it arrives once.
  await setUndoDelay(page, testInfo, 0);
  await sendAndWait(page, testInfo, 'sent');
  await delivered(peer, marker);
});

test('attachments over the limit are refused with the limit named; dropped files attach', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  await connectedWriter(page, testInfo, newAddress(testInfo, 'pp'), newAddress(testInfo, 'cl'));
  await compose(page, testInfo);
  const tooLarge = /Attachments may be up to 25 MB in total/;
  if (jsEnabled(testInfo)) {
    // Dropped onto the compose area: uploaded by fetch, listed without a page load.
    const files = await page.evaluateHandle(() => {
      const d = new DataTransfer();
      d.items.add(new File(['dropped bytes'], 'dropped-note.txt', { type: 'text/plain' }));
      return d;
    });
    await page.locator('.compose-attachments').dispatchEvent('drop', { dataTransfer: files });
    await expect(page.locator('.attachment-list')).toContainText('dropped-note.txt');
    // Over the limit: said before anything is sent.
    let uploads = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().includes('/attachments')) uploads += 1;
    });
    const big = await page.evaluateHandle(() => {
      const d = new DataTransfer();
      d.items.add(new File([new Uint8Array(26 * 1024 * 1024)], 'big.bin'));
      return d;
    });
    await page.locator('.compose-attachments').dispatchEvent('drop', { dataTransfer: big });
    await expect(page.locator('.compose-attachments [role=alert]')).toHaveText(tooLarge);
    expect(uploads).toBe(0);
  } else {
    // The server enforces it while reading the upload, and the page says why.
    await page.locator('input[type=file]').setInputFiles({
      name: 'big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(26 * 1024 * 1024),
    });
    await press(page, testInfo, page.getByRole('button', { name: 'Attach', exact: true }));
    await expect(page).toHaveURL(/error=too_large/);
    await expect(page.locator('.compose-attachments [role=alert]')).toHaveText(tooLarge);
    await expect(page.locator('.attachment-list li')).toHaveCount(0);
  }
});
