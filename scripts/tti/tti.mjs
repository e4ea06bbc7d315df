// Time to interactive of /mail: navigation start -> <body data-hydrated> (set by the wasm
// entry once the page, its lazily loaded chunks included, has hydrated). Each run in a fresh context (empty HTTP cache), signed
// in; RUNS runs (default 7), CPU slow-down CPU (default 1); prints every run and medians.
// Started by scripts/bench-tti, which starts the server.
import { chromium } from '../../end2end/node_modules/playwright/index.mjs';
const base = process.env.BASE ?? 'http://127.0.0.1:3917';
const runs = Number(process.env.RUNS ?? 7);
const cpu = Number(process.env.CPU ?? 1);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-quic',
    '--disable-component-update', '--disable-sync'] });
const ctx0 = await browser.newContext();
const p0 = await ctx0.newPage();
await p0.goto(base + '/signup');
await p0.waitForSelector('body[data-hydrated]');
await p0.getByLabel('Workspace name').fill('TTI');
await p0.getByLabel('Your name').fill('Olena');
await p0.getByLabel('Email').fill(`tti${Date.now()}@example.test`);
await p0.getByLabel('Password').fill('correct horse battery staple 1');
await p0.getByRole('button', { name: 'Create workspace' }).click();
await p0.waitForURL(/\/mail$/);
const state = await ctx0.storageState();
await ctx0.close();
const rows = [];
for (let i = 0; i < runs; i++) {
  const ctx = await browser.newContext({ storageState: state }); // empty HTTP cache each run
  const page = await ctx.newPage();
  if (cpu > 1) { const s = await ctx.newCDPSession(page); await s.send('Emulation.setCPUThrottlingRate', { rate: cpu }); }
  await page.addInitScript(() => {
    new MutationObserver((_, o) => { if (document.body?.dataset.hydrated) { window.__hyd = performance.now(); o.disconnect(); } })
      .observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
  });
  await page.goto(base + '/mail');
  await page.waitForSelector('body[data-hydrated]');
  rows.push(await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    // The main module and the page's chunks (the same chunk may be fetched by its preload
    // and by the loader: counted once).
    const seen = new Map();
    for (const r of performance.getEntriesByType('resource')) {
      if (r.name.endsWith('.wasm') && !seen.has(r.name)) seen.set(r.name, r);
    }
    const w = [...seen.values()];
    return { ttfb: n.responseStart, html: n.responseEnd, dcl: n.domContentLoadedEventEnd,
      wasmEnd: Math.max(...w.map(r => r.responseEnd)), wasmBytes: w.reduce((t, r) => t + r.encodedBodySize, 0),
      wasmFiles: w.length, hydrated: window.__hyd };
  }));
  await ctx.close();
}
await browser.close();
const med = k => { const v = rows.map(r => r[k]).sort((a, b) => a - b); return v[Math.floor(v.length / 2)]; };
for (const r of rows) console.log(JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Math.round(v)]))));
console.log('median', ['ttfb', 'html', 'dcl', 'wasmEnd', 'hydrated'].map(k => `${k}=${Math.round(med(k))}ms`).join(' '),
  `hydrated-html=${Math.round(med('hydrated') - med('html'))}ms`, `wasm transfer=${rows[0].wasmBytes}B in ${rows[0].wasmFiles} files`, `cpu x${cpu}`);
