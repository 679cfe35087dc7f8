// The web page in a real browser (issue 9): Debian's headless Chromium, driven by playwright-core,
// against a `tradeledger dev` network with the examples loaded.
// - the entry view for the example entry shows the certificate, the license chain and the right's
//   image, and every document it shows is verified in the page against the certified head;
// - the product view (public, phone-sized) says licensed for a licensed seller and not licensed for
//   another, and needs no token;
// - the ledger view shows the certified head and recent blocks;
// - through a test server that corrupts every inclusion proof, nothing is shown as verified;
// - through a test server that changes what a document says (an entry line's value, a certificate's
//   origin criterion) or an attachment's bytes, that document's badge fails with CONTENT_MISMATCH
//   and the attachment is not shown;
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
import { publicKeyFromSeed, toHex } from '@tradeledger/ledger';

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
const proxies: Server[] = [];

beforeAll(async () => {
  [dev, browser] = await Promise.all([startDev<DevInfo>(['--dir', join(root, 'net'), '--nodes', 'customs,importer,producer,manufacturer,rightsholder']), launchChromium()]);
  node = (dev.info.nodes[0] as DevInfo['nodes'][number]).apiUrl;
  token = (dev.info.organizations.find((o) => o.signer === 'customs') as DevInfo['organizations'][number]).token;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(proxies.map((proxy) => new Promise((resolve) => proxy.close(resolve))));
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

/** Keeps a test server for the final clean-up and returns its loopback URL. */
function adoptProxy(server: Server): string {
  proxies.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
  // blob: only for the attachments the page checked and shows; no data: URLs at all
  return requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('blob:'));
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
      // one polite summary instead of a live region per badge
      expect(await page.locator('[aria-live]').count()).toBe(1);
      await expect.poll(() => page.locator('[data-testid="proof-summary"]').textContent()).toBe(`${states.length} of ${states.length} documents verified`);
      // the review template cannot be submitted unedited as a release
      const template = await page.locator('.copyable').filter({ has: page.locator('.copy-label', { hasText: /^review\.json$/ }) }).locator('pre').textContent();
      expect(template).toContain('"decision": "<release | hold | examine>"');
      expect(template).toContain('"lineNumber": "<line number>"');
      // every amendment of the certificate carries its own badge, and the certificate's covers the version shown
      expect(await page.locator('[data-testid="certificate"]').first().textContent()).toMatch(/Certificate(?: \(version \d+\))?: ✓ verified/);
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
      // the node's verdict, worded as its claim, never styled as a proof
      expect(await verdict.textContent()).toMatch(/^According to this node, .* is licensed to sell this product \(as retailer\)\.$/);
      expect(await verdict.textContent()).not.toContain('✓');
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
      // Without a token the page cannot read the documents' own bytes: it checks nothing and says so.
      const states = await settledProofStates(page);
      expect(states.length).toBeGreaterThan(0);
      expect(states.every((s) => s === 'unavailable')).toBe(true);
      for (const text of await page.$$eval('[data-testid="proof"]', (badges) => badges.map((b) => b.textContent ?? ''))) {
        expect(text).toContain("not checked: the document's signed bytes need an access token");
        expect(text).not.toMatch(/verified|proof checked|head #/);
      }
      expect(requests.filter((url) => url.includes('/v1/proof/'))).toEqual([]);
      expect(onlyOwnOrigin(requests, node)).toEqual([]);

      // a typo in a seller LEI is caught before the node is asked
      const asked = requests.length;
      await page.fill('#seller', 'Y87794H0US1R65VBXU52');
      await page.click('button[type="submit"]');
      await expect.poll(() => page.locator('#seller-error').textContent()).toMatch(/check digits/);
      expect(requests.slice(asked).filter((url) => url.includes('/v1/check/'))).toEqual([]);

      // client-side navigation: a title per view, and focus on the view's heading
      await page.click('nav a[href="/app/ledger"]');
      await expect.poll(() => page.title()).toBe('Ledger — tradeledger');
      await expect.poll(() => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { tagName: string; textContent: string } | null } }).document.activeElement?.tagName)).toBe('H1');
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
      // the payload shown is decoded from the verified signed bytes (as the importer wrote it)
      await expect.poll(() => page.locator('[data-testid="tx-payload"]').textContent(), { timeout: 15_000 }).toContain(`"entryNumber": "${ENTRY_NUMBER}"`);
    } finally {
      await context.close();
    }
  });

  it('through a server that corrupts inclusion proofs, no document is shown as verified', async () => {
    const corrupting = await startCorruptingProxy(node);
    const proxy = adoptProxy(corrupting);
    const { context, page } = await openPage({ withToken: true });
    try {
      await page.goto(`${proxy}/app/entry/${encodeURIComponent(ENTRY_NUMBER)}`);
      await page.waitForSelector('[data-testid="entry-line"]', { timeout: 30_000 });
      const states = await settledProofStates(page);
      expect(states.length).toBeGreaterThanOrEqual(4);
      expect(states.filter((s) => s === 'verified')).toEqual([]);
      expect(states.every((s) => s === 'failed')).toBe(true);
      expect(await page.locator('[data-testid="proof-summary"]').textContent()).toMatch(/^0 of \d+ documents verified, \d+ failed$/);
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

  it('through a server that changes what documents say or an attachment’s bytes, those fail and are not shown as verified', async () => {
    const entryId = dev.info.examples['entry'] as string;
    const certificateId = dev.info.examples['certificate-of-origin'] as string;
    const changing = await startRewritingProxy(node, (path, body) => {
      if (path.startsWith('/v1/query/entry/')) {
        // a node that changes the first line's value, in the record and in its history alike
        return rewriteJson(body, (doc: DocShape) => {
          for (const payload of [doc.record.payload, ...doc.history.map((h) => h.payload)]) {
            const line = (payload as { lines?: Array<{ value: string }> } | undefined)?.lines?.[0];
            if (line !== undefined) line.value = `${line.value}0`;
          }
        });
      }
      if (path === `/v1/documents/${certificateId}`) {
        return rewriteJson(body, (doc: DocShape) => {
          for (const payload of [doc.record.payload, ...doc.history.map((h) => h.payload)]) {
            const good = (payload as { goods?: Array<{ originCriterion: string }> } | undefined)?.goods?.[0];
            if (good !== undefined) good.originCriterion = good.originCriterion === 'B' ? 'C' : 'B';
          }
        });
      }
      if (path.startsWith('/v1/attachments/')) {
        const changed = Buffer.from(body);
        changed[changed.length - 1] = (changed[changed.length - 1] as number) ^ 1;
        return changed;
      }
      return undefined;
    });
    const proxy = adoptProxy(changing);
    const { context, page } = await openPage({ withToken: true });
    try {
      await page.goto(`${proxy}/app/entry/${encodeURIComponent(ENTRY_NUMBER)}`);
      await page.waitForSelector('[data-testid="entry-line"]', { timeout: 30_000 });
      await settledProofStates(page);
      const badges = await page.$$eval('[data-testid="proof"]', (list) => list.map((b) => ({ txId: b.getAttribute('data-tx-id'), state: b.getAttribute('data-proof-state'), code: b.getAttribute('data-proof-code'), text: b.textContent ?? '' })));
      const entryBadges = badges.filter((b) => b.txId === entryId);
      const certificateBadges = badges.filter((b) => b.txId === certificateId);
      expect(entryBadges.length).toBe(1);
      expect(certificateBadges.length).toBeGreaterThanOrEqual(1);
      for (const badge of [...entryBadges, ...certificateBadges]) {
        expect(badge).toMatchObject({ state: 'failed', code: 'CONTENT_MISMATCH' });
        expect(badge.text).not.toMatch(/(?<!not )verified/);
      }
      expect(entryBadges[0]?.text).toMatch(/lines\[0\]\.value differs/);
      expect(certificateBadges[0]?.text).toMatch(/goods\[0\]\.originCriterion differs/);
      // documents the proxy left alone still verify
      expect(badges.some((b) => b.state === 'verified')).toBe(true);
      // the attachment whose bytes do not hash to its SHA-256 is not shown
      await expect.poll(() => page.locator('[role="alert"]', { hasText: 'ATTACHMENT_HASH_MISMATCH' }).count(), { timeout: 15_000 }).toBeGreaterThan(0);
      expect(await page.locator('img[data-testid="right-image"]').count()).toBe(0);
      await page.screenshot({ path: screenshotPath('entry-view-content-mismatch') });
    } finally {
      await context.close();
    }
  });

  it('through a server that invents claims in check answers or a transaction’s JSON, the badges fail and nothing invented is vouched for', async () => {
    const entryTx = dev.info.examples['entry'] as string;
    const changed: { licenseId?: string; rightId?: string; productLicenseId?: string } = {};
    type Link = { licenseId: string; licensee: string };
    type LineCheck = { rights: Array<{ rightId: string; attachments: Array<{ sha256: string }> }>; importer: { licenses: Array<{ chain: Link[] }> }; manufacturer?: { licenses: Array<{ chain: Link[] }> } };
    const other = (lei: string): string => (lei === UNLICENSED_SELLER ? LICENSED_RETAILER : UNLICENSED_SELLER);
    const inventing = await startRewritingProxy(node, (path, body) => {
      if (path === '/v1/check/entry-line') {
        return rewriteJson(body, (check: LineCheck) => {
          const link = [...check.importer.licenses, ...(check.manufacturer?.licenses ?? [])].flatMap((l) => l.chain)[0];
          if (link !== undefined) {
            link.licensee = other(link.licensee);
            changed.licenseId = link.licenseId;
          }
          const right = check.rights[0];
          const attachment = right?.attachments[0];
          if (right !== undefined && attachment !== undefined) {
            // an image the right never named: its hash is what the node's evidence says
            attachment.sha256 = attachment.sha256.replace(/^./, (c) => (c === '0' ? '1' : '0'));
            changed.rightId = right.rightId;
          }
        });
      }
      if (path.startsWith('/v1/check/product/')) {
        return rewriteJson(body, (check: { licensed: Array<{ lei: string; licenseId: string }> }) => {
          const first = check.licensed[0];
          if (first !== undefined) {
            first.lei = other(first.lei);
            changed.productLicenseId = first.licenseId;
          }
        });
      }
      if (path === `/v1/tx/${entryTx}`) return rewriteJson(body, (view: { tx: { kind: string; timestamp: number } }) => Object.assign(view.tx, { kind: 'org-remove', timestamp: 0 }));
      return undefined;
    });
    const proxy = adoptProxy(inventing);
    const { context, page } = await openPage({ withToken: true });
    const badgeOf = async (txId: string) => page.$$eval(`[data-testid="proof"][data-tx-id="${txId}"]`, (list) => list.map((b) => ({ state: b.getAttribute('data-proof-state'), code: b.getAttribute('data-proof-code'), text: b.textContent ?? '' })));
    try {
      await page.goto(`${proxy}/app/entry/${encodeURIComponent(ENTRY_NUMBER)}`);
      await page.waitForSelector('[data-testid="entry-line"]', { timeout: 30_000 });
      await expect.poll(() => page.locator('[data-testid="license-chain"]').first().textContent(), { timeout: 15_000 }).toContain('Nike');
      await settledProofStates(page);
      expect(changed.licenseId).toBeDefined();
      expect(changed.rightId).toBeDefined();
      const licenseBadges = await badgeOf(changed.licenseId as string);
      expect(licenseBadges.length).toBeGreaterThan(0);
      for (const badge of licenseBadges) expect(badge).toMatchObject({ state: 'failed', code: 'CONTENT_MISMATCH', text: expect.stringMatching(/payload\.licensee/) });
      const rightBadges = await badgeOf(changed.rightId as string);
      expect(rightBadges.length).toBeGreaterThan(0);
      for (const badge of rightBadges) expect(badge).toMatchObject({ state: 'failed', code: 'CONTENT_MISMATCH', text: expect.stringMatching(/attachments/) });
      // the right did not verify as shown: none of its images is fetched or shown
      expect(await page.locator('img[data-testid="right-image"]').count()).toBe(0);
      expect(await page.locator('[data-testid="right-attachments-withheld"]').count()).toBeGreaterThan(0);
      // documents the proxy left alone still verify
      expect((await badgeOf(entryTx)).map((b) => b.state)).toEqual(['verified']);

      await page.goto(`${proxy}/01/${GTIN}`);
      await page.waitForSelector('#product-title', { timeout: 30_000 });
      await settledProofStates(page);
      expect(changed.productLicenseId).toBeDefined();
      const productBadges = await badgeOf(changed.productLicenseId as string);
      expect(productBadges.length).toBeGreaterThan(0);
      for (const badge of productBadges) expect(badge).toMatchObject({ state: 'failed', code: 'CONTENT_MISMATCH', text: expect.stringMatching(/payload\.licensee/) });

      // the transaction page shows kind and time from the signed bytes, not from the JSON
      await page.goto(`${proxy}/app/ledger/tx/${entryTx}`);
      await page.waitForSelector(`[data-testid="proof"][data-tx-id="${entryTx}"]`, { timeout: 30_000 });
      await expect.poll(() => page.locator('[data-testid="tx-kind"]').textContent(), { timeout: 15_000 }).toBe('entry');
      expect(await page.locator('[data-testid="tx-time"]').textContent()).not.toContain('1970');
    } finally {
      await context.close();
    }
  });

  it('a certified head that does not check out is not held: checking again fetches a new one and verifies', async () => {
    let badHeads = 1;
    const weakening = await startRewritingProxy(node, (path, body) => {
      if (path !== '/v1/head/certified' || badHeads === 0) return undefined;
      badHeads -= 1;
      // the same head with one cosignature only: below the membership's threshold
      return rewriteJson(body, (head: { signatures: unknown[] }) => {
        head.signatures = head.signatures.slice(0, 1);
      });
    });
    const proxy = adoptProxy(weakening);
    const entryId = dev.info.examples['entry'] as string;
    const { context, page } = await openPage({ withToken: true });
    try {
      await page.goto(`${proxy}/app/entry/${encodeURIComponent(ENTRY_NUMBER)}`);
      const badge = page.locator(`[data-testid="proof"][data-tx-id="${entryId}"]`);
      await expect.poll(() => badge.getAttribute('data-proof-state'), { timeout: 30_000 }).toBe('failed');
      expect(await badge.getAttribute('data-proof-code')).toMatch(/^HEAD_/);
      await badge.locator('button', { hasText: 'Check again' }).click();
      await expect.poll(() => badge.getAttribute('data-proof-state'), { timeout: 30_000 }).toBe('verified');
    } finally {
      await context.close();
    }
  });

  it('a node that answers for one document with another (however genuine) is refused, not vouched for', async () => {
    const reviewId = dev.info.examples['entry-review'] as string;
    const determinationId = dev.info.examples['verification-determination'] as string;
    const determination = Buffer.from(await (await fetch(`${node}/v1/documents/${determinationId}`, { headers: { authorization: `Bearer ${token}` } })).arrayBuffer());
    const swapping = await startRewritingProxy(node, (path) => (path === `/v1/documents/${reviewId}` ? determination : undefined));
    const proxy = adoptProxy(swapping);
    const { context, page } = await openPage({ withToken: true });
    try {
      await page.goto(`${proxy}/app/entry/${encodeURIComponent(ENTRY_NUMBER)}`);
      await page.waitForSelector('[data-testid="entry-line"]', { timeout: 30_000 });
      await expect.poll(() => page.locator('[role="alert"]', { hasText: 'CONTENT_MISMATCH' }).count(), { timeout: 15_000 }).toBeGreaterThan(0);
      expect(await page.locator('[role="alert"]', { hasText: 'CONTENT_MISMATCH' }).first().textContent()).toContain(reviewId);
      expect(await page.locator('.review').count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('a membership pinned for another chain stays pinned: the node’s own is a change, and nothing verifies against it', async () => {
    const served = (await (await fetch(`${node}/v1/membership`)).json()) as { chainId: string; organizations: Array<{ lei: string; nodeKeys: string[] }>; threshold: number };
    // what this browser pinned earlier: another chain, with other node keys
    const pinned = {
      membership: {
        chainId: 'another-chain',
        organizations: served.organizations.map((o, i) => ({ lei: o.lei, nodeKeys: o.nodeKeys.length === 0 ? [] : [toHex(publicKeyFromSeed(new Uint8Array(32).fill(90 + i)))] })),
        threshold: served.threshold,
      },
      names: {},
    };
    const { context, page } = await openPage({ withToken: true });
    try {
      await page.addInitScript(`localStorage.setItem('tradeledger.membership', ${JSON.stringify(JSON.stringify(pinned))})`);
      await page.goto(`${node}/app/entry/${encodeURIComponent(ENTRY_NUMBER)}`);
      await page.waitForSelector('[data-testid="entry-line"]', { timeout: 30_000 });
      const banner = page.locator('[data-testid="membership-change"]');
      await banner.waitFor({ timeout: 15_000 });
      expect(await banner.textContent()).toContain('another-chain');
      expect(await banner.textContent()).toContain(served.chainId);
      expect(await page.locator('[data-testid="membership-fingerprint"]').textContent()).toContain('another-chain');
      const states = await settledProofStates(page);
      expect(states.length).toBeGreaterThanOrEqual(4);
      expect(states.every((s) => s === 'failed')).toBe(true);
      expect(await page.evaluate(() => (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('tradeledger.membership'))).toContain('another-chain');
    } finally {
      await context.close();
    }
  });

  it('a failed head fetch is not remembered: checking again verifies; proofs are asked against the head held', async () => {
    let headRefusals = 1;
    const flaky = await startRewritingProxy(node, () => undefined, (path) => {
      if (path !== '/v1/head/certified' || headRefusals === 0) return undefined;
      headRefusals -= 1;
      return { status: 503, body: JSON.stringify({ error: { code: 'OVERLOADED', message: 'try again' } }) };
    });
    const proxy = adoptProxy(flaky);
    const entryId = dev.info.examples['entry'] as string;
    const { context, page, requests } = await openPage({ withToken: true });
    try {
      await page.goto(`${proxy}/app/entry/${encodeURIComponent(ENTRY_NUMBER)}`);
      const badge = page.locator(`[data-testid="proof"][data-tx-id="${entryId}"]`);
      await expect.poll(() => badge.getAttribute('data-proof-state'), { timeout: 30_000 }).toBe('failed');
      expect(await badge.getAttribute('data-proof-code')).toBe('OVERLOADED');
      await badge.locator('button', { hasText: 'Check again' }).click();
      await expect.poll(() => badge.getAttribute('data-proof-state'), { timeout: 30_000 }).toBe('verified');
      const proofRequests = requests.filter((url) => url.includes('/v1/proof/inclusion/'));
      expect(proofRequests.length).toBeGreaterThan(0);
      expect(proofRequests.every((url) => /\?treeSize=\d+$/.test(url))).toBe(true);
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

interface DocShape {
  record: { payload: unknown };
  history: Array<{ payload?: unknown }>;
}

function rewriteJson<T>(body: Buffer, change: (value: T) => void): Buffer {
  const value = JSON.parse(body.toString('utf8')) as T;
  change(value);
  return Buffer.from(JSON.stringify(value));
}

/** A reverse proxy to `target` that answers every inclusion proof with one audit-path hash changed. */
function startCorruptingProxy(target: string): Promise<Server> {
  return startRewritingProxy(target, (path, body) => {
    if (!path.startsWith('/v1/proof/inclusion/')) return undefined;
    return rewriteJson(body, (parsed: { proof: { auditPath: string[]; leafHash: string } }) => {
      const flip = (hex: string) => hex.slice(0, -1) + (hex.endsWith('0') ? '1' : '0');
      if (parsed.proof.auditPath.length > 0) parsed.proof.auditPath[0] = flip(parsed.proof.auditPath[0] as string);
      else parsed.proof.leafHash = flip(parsed.proof.leafHash);
    });
  });
}

/**
 * A reverse proxy to `target` that passes every answer through, except 200 answers for which
 * `rewrite(path, body)` returns other bytes, and requests `refuse(path)` answers itself.
 */
async function startRewritingProxy(target: string, rewrite: (path: string, body: Buffer) => Buffer | undefined, refuse?: (path: string) => { status: number; body: string } | undefined): Promise<Server> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const refusal = refuse?.((req.url ?? '').split('?')[0] as string);
    if (refusal !== undefined) {
      res.writeHead(refusal.status, { 'content-type': 'application/json' });
      res.end(refusal.body);
      return;
    }
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          let body: Buffer = Buffer.concat(chunks);
          const headers = { ...answer.headers };
          const changed = answer.statusCode === 200 ? rewrite((req.url ?? '').split('?')[0] as string, body) : undefined;
          if (changed !== undefined) {
            body = changed;
            headers['content-length'] = String(body.length);
            delete headers.etag;
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
