#!/usr/bin/env node
// `pnpm bench:web`: the web page's weight and first-load times. Builds nothing itself (the script
// runs after `pnpm build`); starts a `tradeledger dev` network on loopback, opens each view in a
// fresh headless Chromium context (empty cache) several times, and reports per view the median and
// range of: DOMContentLoaded, the view's answer on screen, and every proof badge settled. Writes
// bench/results/web.json. Chromium is Debian's (/usr/bin/chromium or TL_CHROMIUM).
//
//   node bench/web.mjs [--runs 7]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { machine } from './lib/measure.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
if (argv.some((a) => a.startsWith('-') && a !== '--runs')) {
  console.error('usage: node bench/web.mjs [--runs 7]');
  process.exit(argv.includes('--help') ? 0 : 2);
}
const runs = Number(argv[argv.indexOf('--runs') + 1] ?? 7) || 7;
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function bundle() {
  const dir = join(here, '..', 'packages', 'node', 'dist', 'web', 'assets');
  return readdirSync(dir).map((name) => {
    const bytes = readFileSync(join(dir, name));
    return { name, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
  });
}

function startDev(dir) {
  const child = spawn(process.execPath, [join(here, '..', 'packages', 'cli', 'dist', 'bin.js'), 'dev', '--json', '--dir', dir, '--nodes', 'customs,importer,producer,manufacturer,rightsholder'], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`tradeledger dev exited with ${code}`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const newline = out.indexOf('\n');
      if (newline >= 0) resolve({ child, info: JSON.parse(out.slice(0, newline)) });
    });
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measure(browser, url, ready, token) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    if (token !== undefined) await page.addInitScript(`sessionStorage.setItem('tradeledger.token', ${JSON.stringify(token)})`);
    const started = Date.now();
    await page.goto(url);
    const domMs = Date.now() - started;
    await page.waitForSelector(ready, { timeout: 30_000 });
    const answerMs = Date.now() - started;
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="proof"]').length > 0 && document.querySelectorAll('[data-proof-state="checking"]').length === 0, undefined, { timeout: 30_000 });
    const proofsMs = Date.now() - started;
    samples.push({ domMs, answerMs, proofsMs });
    await context.close();
  }
  const stat = (key) => ({ median: median(samples.map((s) => s[key])), min: Math.min(...samples.map((s) => s[key])), max: Math.max(...samples.map((s) => s[key])) });
  return { domContentLoadedMs: stat('domMs'), answerMs: stat('answerMs'), proofsSettledMs: stat('proofsMs') };
}

const dir = mkdtempSync(join(tmpdir(), 'tl-bench-web-'));
let dev;
let browser;
try {
  [dev, browser] = await Promise.all([startDev(join(dir, 'net')), chromium.launch({ executablePath: process.env.TL_CHROMIUM ?? '/usr/bin/chromium', args: FLAGS })]);
  const node = dev.info.nodes[0].apiUrl;
  const token = dev.info.organizations.find((o) => o.signer === 'customs').token;
  const views = [
    { name: 'product view (public, /01/{gtin}?seller=)', url: `${node}/01/00012345600012?seller=Y87794H0US1R65VBXU25`, ready: '[data-testid="product-verdict"]' },
    { name: 'entry view (token)', url: `${node}/app/entry/9A1-0012345-6`, ready: '[data-testid="entry-line"]', token },
  ];
  const assets = bundle();
  const results = [];
  for (const view of views) results.push({ view: view.name, ...(await measure(browser, view.url, view.ready, view.token)) });
  const out = { date: new Date().toISOString(), machine: machine(), runs, viewport: '390x844, fresh context (empty cache) per run, loopback', assets, results };
  console.log(`web page — ${out.date}, ${runs} runs per view`);
  for (const a of assets) console.log(`  ${a.name.padEnd(28)} ${String(a.bytes).padStart(8)} B  (${a.gzipBytes} B gzip -9)`);
  for (const r of results) {
    const f = (s) => `${s.median} ms (${s.min}–${s.max})`;
    console.log(`  ${r.view}\n    DOMContentLoaded ${f(r.domContentLoadedMs)}, answer on screen ${f(r.answerMs)}, every proof settled ${f(r.proofsSettledMs)}`);
  }
  writeFileSync(join(here, 'results', 'web.json'), `${JSON.stringify(out, null, 2)}\n`);
} finally {
  await browser?.close();
  if (dev !== undefined) {
    try {
      process.kill(-dev.child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    try {
      process.kill(-dev.child.pid, 'SIGKILL');
    } catch {
      // stopped cleanly
    }
  }
  rmSync(dir, { recursive: true, force: true });
}
