// The web page's serving (issue 9): /app and its client routes, GS1 Digital Link paths, hashed
// assets, the Content-Security-Policy that keeps the page on this node, and the public membership
// route the page pins. Over a FakeNodeService, with a small build folder made here.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkTrustedMembership } from '@tradeledger/ledger';
import { WebApp, WEB_APP_CSP } from '../../src/api/web-app.js';
import { errorCodeOf, send, startHarness, type Harness } from './harness.js';
import { FAKE_CHAIN_ID, MEMBER_LEI } from './fake-node-service.js';

const INDEX = '<!doctype html><title>tradeledger</title><script type="module" src="/app/assets/index-abc123.js"></script>';
const SCRIPT = 'console.log("page")';
let buildDir: string;
let h: Harness | undefined;

beforeAll(() => {
  buildDir = mkdtempSync(join(tmpdir(), 'tl-web-'));
  mkdirSync(join(buildDir, 'assets'));
  writeFileSync(join(buildDir, 'index.html'), INDEX);
  writeFileSync(join(buildDir, 'assets', 'index-abc123.js'), SCRIPT);
  writeFileSync(join(buildDir, 'assets', 'index-abc123.css'), 'body{}');
  writeFileSync(join(buildDir, 'secret.txt'), 'not an asset');
});
afterAll(() => rmSync(buildDir, { recursive: true, force: true }));
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the web page served by the node', () => {
  it('serves index.html for /app, its client routes and GS1 Digital Link paths, with a same-origin CSP', async () => {
    h = await startHarness({ webApp: WebApp.load(buildDir) });
    for (const path of ['/app', '/app/', '/app/entry/ENT-0001', '/app/ledger/tx/' + 'a'.repeat(64), '/app/product/09506000134352?seller=X', '/01/09506000134352', '/01/09506000134352/21/SERIAL?seller=INR2EJN1ERAN0W5ZP974']) {
      const answer = await send(h.url, 'GET', path);
      expect(answer.status, path).toBe(200);
      expect(answer.text, path).toBe(INDEX);
      expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(answer.headers['content-security-policy']).toBe(WEB_APP_CSP);
      expect(answer.headers['x-frame-options']).toBe('DENY');
      expect(answer.headers['cache-control']).toBe('no-cache');
    }
    // The policy admits nothing from another origin.
    expect(WEB_APP_CSP).not.toMatch(/https?:|\*/);
    expect(WEB_APP_CSP).toContain("connect-src 'self'");
    const root = await send(h.url, 'GET', '/');
    expect([root.status, root.headers.location]).toEqual([302, '/app/']);
    const head = await send(h.url, 'HEAD', '/app/entry/X');
    expect([head.status, head.text]).toEqual([200, '']);
  });

  it('serves hashed assets with their type and a year of caching, and nothing outside the assets folder', async () => {
    h = await startHarness({ webApp: WebApp.load(buildDir) });
    const js = await send(h.url, 'GET', '/app/assets/index-abc123.js');
    expect([js.status, js.text, js.headers['content-type'], js.headers['cache-control']]).toEqual([200, SCRIPT, 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable']);
    expect((await send(h.url, 'GET', '/app/assets/index-abc123.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    for (const path of ['/app/assets/missing.js', '/app/assets/..%2Fsecret.txt', '/app/assets/../secret.txt', '/app/assets/', '/app/assets/.hidden']) {
      const answer = await send(h.url, 'GET', path);
      expect([answer.status, errorCodeOf(answer)], path).toEqual([404, 'NOT_FOUND']);
    }
  });

  it('picks up a rebuild without a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-web-rebuild-'));
    try {
      h = await startHarness({ webApp: WebApp.load(dir) });
      expect(errorCodeOf(await send(h.url, 'GET', '/app/'))).toBe('WEB_APP_NOT_BUILT');
      mkdirSync(join(dir, 'assets'));
      writeFileSync(join(dir, 'assets', 'index-new.js'), SCRIPT);
      writeFileSync(join(dir, 'index.html'), INDEX.replace('abc123', 'new'));
      expect((await send(h.url, 'GET', '/app/')).text).toContain('index-new.js');
      expect((await send(h.url, 'GET', '/app/assets/index-new.js')).status).toBe(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers only GET and HEAD on page paths, and says when the page was not built', async () => {
    h = await startHarness({ webApp: WebApp.load(buildDir) });
    const post = await send(h.url, 'POST', '/app/entry/X', { headers: { 'content-type': 'application/json' }, body: '{}' });
    expect([post.status, errorCodeOf(post)]).toEqual([405, 'METHOD_NOT_ALLOWED']);
    await h.close();
    h = await startHarness({ webApp: WebApp.load(join(buildDir, 'nowhere')) });
    const missing = await send(h.url, 'GET', '/app/');
    expect([missing.status, errorCodeOf(missing)]).toEqual([404, 'WEB_APP_NOT_BUILT']);
    // The JSON API is unaffected.
    expect((await send(h.url, 'GET', '/healthz')).status).toBe(200);
  });

  it('publishes the membership that certifies heads, without credentials, in the form a light client checks', async () => {
    h = await startHarness({ webApp: WebApp.load(buildDir) });
    const answer = await send(h.url, 'GET', '/v1/membership');
    expect(answer.status).toBe(200);
    const body = answer.json() as { chainId: string; organizations: Array<{ lei: string; name: string; nodeKeys: string[] }>; threshold: number; height: number };
    expect(body).toMatchObject({ chainId: FAKE_CHAIN_ID, threshold: 1, organizations: [{ lei: MEMBER_LEI, name: 'Member Org', nodeKeys: ['ab'.repeat(32)] }] });
    expect(() => checkTrustedMembership({ chainId: body.chainId, organizations: body.organizations.map(({ lei, nodeKeys }) => ({ lei, nodeKeys })), threshold: body.threshold })).not.toThrow();
  });
});
