// The web page in a real browser (issue 9): Debian's headless Chromium, driven by playwright-core,
// against a `tradeledger dev` network with the examples loaded.
// - the entry view for the example entry shows the certificate, the license chain and the right's
//   image, and every document it shows is verified in the page against the certified head;
// - the product view (public, phone-sized) says licensed for a licensed seller and not licensed for
//   another, and needs no token;
// - the ledger view shows the certified head and recent blocks;
// - through a test server that corrupts every inclusion proof, nothing is shown as verified;
// - the page never asks anything of another origin;
// - every view passes axe-core's WCAG 2.1 A and AA rules (and its best practices), at desktop and
//   phone widths.
// Screenshots of each view are saved under .test-results/screenshots/ (the README shows copies).
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { killAll, startDev, type DevInfo, type DevNetwork } from '../cli/support.js';
import { launchChromium, screenshotPath } from '../support/browser.js';

const ENTRY_NUMBER = '9A1-0012345-6';
const GTIN = '00012345600012';
const LICENSED_RETAILER = 'Y87794H0US1R65VBXU25';
/** A member organization with no license for the product (the customs authority's LEI). */
const UNLICENSED_SELLER = '506700GE1G29325QX363';

const root = mkdtempSync(join(tmpdir(), 'tl-web-'));
let dev: DevNetwork<DevInfo>;
let browser: Browser;
let node: string;
let token: string;
let corrupting: Server | undefined;

beforeAll(async () => {
  [dev, browser] = await Promise.all([startDev<DevInfo>(['--dir', join(root, 'net'), '--nodes', 'customs,importer,producer,manufacturer,rightsholder']), launchChromium()]);
  node = (dev.info.nodes[0] as DevInfo['nodes'][number]).apiUrl;
  token = (dev.info.organizations.find((o) => o.signer === 'customs') as DevInfo['organizations'][number]).token;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (corrupting !== undefined) await new Promise((resolve) => corrupting?.close(resolve));
  await dev?.stop();
  killAll();
  rmSync(root, { recursive: true, force: true });
});

/** The little of the page's globals the tests read (the tests compile without the DOM library). */
interface PageGlobals {
  readonly document: { querySelectorAll(selector: string): { readonly length: number }; readonly documentElement: { readonly scrollWidth: number } };
}

/** A page whose session already holds the customs organization's token, recording every request. */
async function openPage(options: { withToken: boolean; viewport?: { width: number; height: number } }): Promise<{ context: BrowserContext; page: Page; requests: string[] }> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 900 } });
  const page = await context.newPage();
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  if (options.withToken) await page.addInitScript(`sessionStorage.setItem('tradeledger.token', ${JSON.stringify(token)})`);
  return { context, page, requests };
}

/** Waits until no proof badge is still checking; returns each badge's state. */
async function settledProofStates(page: Page): Promise<string[]> {
  await page.waitForSelector('[data-testid="proof"]', { timeout: 30_000 });
  // Functions, not strings: the page's Content-Security-Policy forbids eval.
  const noneChecking = (): boolean => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-testid="proof"][data-proof-state="checking"]').length === 0;
  await page.waitForFunction(noneChecking, undefined, { timeout: 30_000 });
  // Documents found later in the view (a line's certificate, then its verifications) add badges.
  await page.waitForTimeout(500);
  await page.waitForFunction(noneChecking, undefined, { timeout: 30_000 });
  return page.$$eval('[data-testid="proof"]', (badges) => badges.map((b) => b.getAttribute('data-proof-state') ?? 'none'));
}

function onlyOwnOrigin(requests: readonly string[], origin: string): string[] {
  return requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('blob:') && !url.startsWith('data:'));
}

describe('the web page in headless Chromium', () => {
  it('entry view: the example entry with its certificate, license chain and image, every document verified', async () => {
    const { context, page, requests } = await openPage({ withToken: true });
    try {
      await page.goto(`${node}/app/entry/${encodeURIComponent(ENTRY_NUMBER)}`);
      await page.waitForSelector('[data-testid="entry-line"]', { timeout: 30_000 });
      expect(await page.locator('[data-testid="entry-line"]').count()).toBe(3);
      const certificate = page.locator('[data-testid="certificate"]').first();
      await expect.poll(() => certificate.textContent(), { timeout: 15_000 }).toContain('USMCA');
      const chain = page.locator('[data-testid="license-chain"]').first();
      await expect.poll(() => chain.textContent(), { timeout: 15_000 }).toContain('Nike');
      const image = page.locator('img[data-testid="right-image"]').first();
      await image.waitFor({ timeout: 15_000 });
      await expect.poll(() => image.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).complete && (img as unknown as { naturalWidth: number }).naturalWidth > 0), { timeout: 15_000 }).toBe(true);
      const states = await settledProofStates(page);
      expect(states.length).toBeGreaterThanOrEqual(4);
      expect(states.filter((s) => s !== 'verified')).toEqual([]);
      const verifiedText = await page.locator('[data-testid="proof"]').first().textContent();
      expect(verifiedText).toMatch(/verified/);
      await page.screenshot({ path: screenshotPath('entry-view') });
      await page.locator('[data-testid="entry-line"]').nth(2).screenshot({ path: screenshotPath('entry-view-licenses') });
      expect(onlyOwnOrigin(requests, node)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('product view at /01/{gtin}: public, phone-sized, licensed and not licensed sellers in plain words', async () => {
    const { context, page, requests } = await openPage({ withToken: false, viewport: { width: 390, height: 844 } });
    try {
      await page.goto(`${node}/01/${GTIN}?seller=${LICENSED_RETAILER}`);
      const verdict = page.locator('[data-testid="product-verdict"]');
      await verdict.waitFor({ timeout: 30_000 });
      expect(await verdict.getAttribute('data-licensed')).toBe('true');
      expect(await verdict.textContent()).toMatch(/is licensed/);
      expect(await page.textContent('body')).toContain('Nike');
      // Readable on a phone: nothing wider than the screen.
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.screenshot({ path: screenshotPath('product-view-licensed'), fullPage: true });

      await page.goto(`${node}/01/${GTIN}?seller=${UNLICENSED_SELLER}`);
      const refused = page.locator('[data-testid="product-verdict"]');
      await refused.waitFor({ timeout: 30_000 });
      expect(await refused.getAttribute('data-licensed')).toBe('false');
      expect(await refused.textContent()).toMatch(/is not licensed/);
      await page.screenshot({ path: screenshotPath('product-view-not-licensed'), fullPage: true });
      // Without a token the page cannot read the documents' own bytes: it never claims verified.
      const states = await settledProofStates(page);
      expect(states.filter((s) => s === 'verified')).toEqual([]);
      expect(onlyOwnOrigin(requests, node)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('ledger view: the certified head with its cosigners, recent blocks, and a document with its proof', async () => {
    const { context, page } = await openPage({ withToken: true });
    try {
      await page.goto(`${node}/app/ledger`);
      const head = page.locator('[data-testid="certified-head"]');
      await head.waitFor({ timeout: 30_000 });
      await expect.poll(() => head.textContent(), { timeout: 15_000 }).toMatch(/\d/);
      await page.waitForSelector('[data-testid="block-row"]', { timeout: 30_000 });
      expect(await page.locator('[data-testid="block-row"]').count()).toBeGreaterThan(1);
      await page.screenshot({ path: screenshotPath('ledger-view'), fullPage: true });
      const entryTx = dev.info.examples['entry'] as string;
      await page.goto(`${node}/app/ledger/tx/${entryTx}`);
      await page.waitForSelector(`[data-testid="proof"][data-tx-id="${entryTx}"]`, { timeout: 30_000 });
      expect(await settledProofStates(page)).toContain('verified');
      expect(await page.textContent('body')).toContain(ENTRY_NUMBER);
    } finally {
      await context.close();
    }
  });

  it('through a server that corrupts inclusion proofs, no document is shown as verified', async () => {
    corrupting = await startCorruptingProxy(node);
    const proxy = `http://127.0.0.1:${(corrupting.address() as AddressInfo).port}`;
    const { context, page } = await openPage({ withToken: true });
    try {
      await page.goto(`${proxy}/app/entry/${encodeURIComponent(ENTRY_NUMBER)}`);
      await page.waitForSelector('[data-testid="entry-line"]', { timeout: 30_000 });
      const states = await settledProofStates(page);
      expect(states.length).toBeGreaterThanOrEqual(4);
      expect(states.filter((s) => s === 'verified')).toEqual([]);
      expect(states.every((s) => s === 'failed')).toBe(true);
      const texts = await page.$$eval('[data-testid="proof"]', (badges) => badges.map((b) => b.textContent ?? ''));
      for (const text of texts) {
        expect(text).not.toMatch(/(?<!not )verified/);
        expect(text).toMatch(/PROOF_|HEAD_|not verified/);
      }
      await page.screenshot({ path: screenshotPath('entry-view-corrupted-proof') });
    } finally {
      await context.close();
    }
  });

  it('every view passes axe-core’s WCAG 2.1 A/AA checks at desktop and phone widths', async () => {
    const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    // [path, width, what marks it loaded, whether it shows proof badges]
    const views: Array<[string, number, string, boolean]> = [
      ['/app/', 1280, 'h1', false],
      [`/app/entry/${encodeURIComponent(ENTRY_NUMBER)}`, 1280, '[data-testid="entry-line"]', true],
      [`/app/entry/${encodeURIComponent(ENTRY_NUMBER)}`, 390, '[data-testid="entry-line"]', true],
      [`/01/${GTIN}?seller=${LICENSED_RETAILER}`, 390, '[data-testid="product-verdict"]', true],
      ['/app/ledger', 1280, '[data-testid="block-row"]', false],
    ];
    for (const [path, width, ready, badges] of views) {
      // Only this context bypasses the page's CSP, to inject axe; the other tests run under it.
      const context = await browser.newContext({ viewport: { width, height: 900 }, bypassCSP: true });
      try {
        const page = await context.newPage();
        await page.addInitScript(`sessionStorage.setItem('tradeledger.token', ${JSON.stringify(token)})`);
        await page.goto(`${node}${path}`);
        await page.waitForSelector(ready, { timeout: 30_000 });
        if (badges) await settledProofStates(page);
        await page.evaluate(axeSource);
        const violations = await page.evaluate(async () => {
          const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
          const result = await axe.run((globalThis as unknown as { document: unknown }).document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] });
          return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
        });
        expect(violations, `${path} at ${width}px`).toEqual([]);
      } finally {
        await context.close();
      }
    }
  }, 120_000);
});

/**
 * A reverse proxy to `target` that answers every inclusion proof with one audit-path hash changed
 * (its last hex digit flipped); everything else passes through unchanged.
 */
async function startCorruptingProxy(target: string): Promise<Server> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          let body = Buffer.concat(chunks);
          const headers = { ...answer.headers };
          if ((req.url ?? '').startsWith('/v1/proof/inclusion/') && answer.statusCode === 200) {
            const parsed = JSON.parse(body.toString('utf8')) as { proof: { auditPath: string[]; leafHash: string } };
            const flip = (hex: string) => hex.slice(0, -1) + (hex.endsWith('0') ? '1' : '0');
            if (parsed.proof.auditPath.length > 0) parsed.proof.auditPath[0] = flip(parsed.proof.auditPath[0] as string);
            else parsed.proof.leafHash = flip(parsed.proof.leafHash);
            body = Buffer.from(JSON.stringify(parsed));
            headers['content-length'] = String(body.length);
          }
          res.writeHead(answer.statusCode ?? 502, headers);
          res.end(body);
        });
      },
    );
    forward.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}
