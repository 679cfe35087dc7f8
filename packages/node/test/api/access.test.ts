// Access control of the HTTP API: every members-only route refuses anonymous, wrong, malformed,
// revoked and badly signed credentials with 401/403 and a coded error, and accepts a live token and
// a member's signed request; open routes need nothing.

import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { apiRouteDefinitions } from '../../src/api/server.js';
import { SIGNED_REQUEST_SKEW_MS } from '../../src/api/auth.js';
import { createToken, revokeToken } from '../../src/tokens.js';
import { MEMBER_LEI } from './fake-node-service.js';
import { errorCodeOf, send, startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
const pngHash = createHash('sha256').update(png).digest('hex');
const DOC = 'cd'.repeat(32);

/** A concrete, valid request for each route template (so only credentials can make it fail). */
function concrete(path: string): { path: string; body?: Buffer; headers?: Record<string, string> } {
  switch (path) {
    case '/v1/tx':
      return { path, body: Buffer.from([0x88, 1, 2]), headers: { 'content-type': 'application/octet-stream' } };
    case '/v1/tx/{txId}':
      return { path: `/v1/tx/${DOC}` };
    case '/v1/proof/inclusion/{txId}':
      return { path: `/v1/proof/inclusion/${DOC}` };
    case '/v1/proof/consistency':
      return { path: '/v1/proof/consistency?first=1&second=1' };
    case '/v1/blocks/{height}':
      return { path: '/v1/blocks/0' };
    case '/v1/documents/{id}':
      return { path: `/v1/documents/${DOC}` };
    case '/v1/query/lei/{lei}':
      return { path: `/v1/query/lei/${MEMBER_LEI}` };
    case '/v1/query/gtin/{gtin}':
      return { path: '/v1/query/gtin/00012345600012' };
    case '/v1/query/hs/{hsCode}':
      return { path: '/v1/query/hs/870830' };
    case '/v1/query/certificate/{certificateId}':
      return { path: `/v1/query/certificate/${DOC}` };
    case '/v1/query/entry/{entryNumber}':
      return { path: '/v1/query/entry/ABC12345678' };
    case '/v1/check/entry-line':
      return { path: `/v1/check/entry-line?importerLei=${MEMBER_LEI}&gtin=00012345600012&date=2025-06-01` };
    case '/v1/check/product/{gtin}':
      return { path: '/v1/check/product/00012345600012' };
    case '/v1/attachments/{sha256}':
      return { path: `/v1/attachments/${pngHash}` };
    default:
      return { path };
  }
}

function concreteFor(route: { method: string; path: string }): { path: string; body?: Buffer; headers?: Record<string, string> } {
  return route.method === 'PUT' ? { ...concrete(route.path), body: png } : concrete(route.path);
}

const memberRoutes = apiRouteDefinitions().filter((r) => r.access === 'member');
const publicRoutes = apiRouteDefinitions().filter((r) => r.access === 'public');

describe('API access', () => {
  it('classifies routes as the issue asks', () => {
    const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
    expect(memberRoutes.map(key).sort()).toEqual(
      [
        'GET /v1/tx/{txId}',
        'GET /v1/blocks/{height}',
        'GET /v1/documents/{id}',
        'GET /v1/query/lei/{lei}',
        'GET /v1/query/gtin/{gtin}',
        'GET /v1/query/hs/{hsCode}',
        'GET /v1/query/certificate/{certificateId}',
        'GET /v1/query/entry/{entryNumber}',
        'GET /v1/verifications/open',
        'GET /v1/check/entry-line',
        'PUT /v1/attachments/{sha256}',
        'GET /v1/attachments/{sha256}',
        'GET /v1/status',
      ].sort(),
    );
    expect(publicRoutes.map(key).sort()).toEqual(
      ['GET /healthz', 'GET /readyz', 'GET /openapi.json', 'POST /v1/tx', 'GET /v1/proof/inclusion/{txId}', 'GET /v1/proof/consistency', 'GET /v1/head', 'GET /v1/head/certified', 'GET /v1/membership', 'GET /v1/check/product/{gtin}'].sort(),
    );
  });

  it('every members-only route refuses anonymous, wrong, malformed and revoked tokens with 401 and a code', async () => {
    h = await startHarness();
    const wrongToken = `tlk_${h.tokenId}_${'A'.repeat(43)}`;
    const cases: Array<[string, Record<string, string>, string]> = [
      ['anonymous', {}, 'AUTH_REQUIRED'],
      ['empty bearer', { authorization: 'Bearer ' }, 'AUTH_MALFORMED'],
      ['not a token', { authorization: 'Bearer hunter2' }, 'AUTH_MALFORMED'],
      ['wrong secret', { authorization: `Bearer ${wrongToken}` }, 'TOKEN_UNKNOWN'],
      ['revoked', { authorization: `Bearer ${h.revokedToken}` }, 'TOKEN_REVOKED'],
      ['basic scheme', { authorization: 'Basic dXNlcjpwYXNz' }, 'AUTH_MALFORMED'],
      ['huge header', { authorization: `Bearer ${'x'.repeat(4000)}` }, 'AUTH_MALFORMED'],
    ];
    for (const route of memberRoutes) {
      const req = concreteFor(route);
      for (const [name, headers, code] of cases) {
        const answer = await send(h.url, route.method, req.path, { headers: { ...req.headers, ...headers }, ...(req.body === undefined ? {} : { body: req.body }) });
        expect(answer.status, `${route.method} ${route.path} ${name}`).toBe(401);
        expect(errorCodeOf(answer), `${route.method} ${route.path} ${name}`).toBe(code);
      }
      const ok = await send(h.url, route.method, req.path, { headers: { ...req.headers, authorization: `Bearer ${h.token}` }, ...(req.body === undefined ? {} : { body: req.body }) });
      expect([200, 201, 404], `${route.method} ${route.path} with a live token: ${ok.text.slice(0, 120)}`).toContain(ok.status);
    }
  });

  it('every members-only route refuses bad signatures (401) and non-members (403), and accepts a member signature once', async () => {
    h = await startHarness();
    const harness = h;
    for (const route of memberRoutes) {
      const req = concreteFor(route);
      const body = req.body ?? Buffer.alloc(0);
      const go = (authorization: string) => send(harness.url, route.method, req.path, { headers: { ...req.headers, authorization }, ...(req.body === undefined ? {} : { body: req.body }) });
      const label = `${route.method} ${route.path}`;

      const good = harness.sign(harness.memberSeed, route.method, req.path, body);
      const accepted = await go(good);
      expect([200, 201, 404], `${label}: ${accepted.text.slice(0, 160)}`).toContain(accepted.status);
      const replay = await go(good);
      expect([replay.status, errorCodeOf(replay)], label).toEqual([401, 'SIGNATURE_REPLAY']);

      const otherPath = harness.sign(harness.memberSeed, route.method, `${req.path}${req.path.includes('?') ? '&' : '?'}x=1`, body);
      const wrongPath = await go(otherPath);
      expect([wrongPath.status, errorCodeOf(wrongPath)], label).toEqual([401, 'SIGNATURE_INVALID']);
      const wrongMethod = await go(harness.sign(harness.memberSeed, route.method === 'GET' ? 'PUT' : 'GET', req.path, body));
      expect([wrongMethod.status, errorCodeOf(wrongMethod)], label).toEqual([401, 'SIGNATURE_INVALID']);
      const stale = await go(harness.sign(harness.memberSeed, route.method, req.path, body, Date.now() - SIGNED_REQUEST_SKEW_MS - 5_000));
      expect([stale.status, errorCodeOf(stale)], label).toEqual([401, 'SIGNATURE_STALE']);
      const future = await go(harness.sign(harness.memberSeed, route.method, req.path, body, Date.now() + SIGNED_REQUEST_SKEW_MS + 5_000));
      expect([future.status, errorCodeOf(future)], label).toEqual([401, 'SIGNATURE_STALE']);
      const flipped = good.replace(/sig=([0-9a-f])/, (_m, c: string) => `sig=${c === '0' ? '1' : '0'}`);
      const tampered = await go(flipped);
      expect([tampered.status, errorCodeOf(tampered)], label).toEqual([401, 'SIGNATURE_INVALID']);
      const garbled = await go('TL-Sig key=zz,ts=1,sig=00');
      expect([garbled.status, errorCodeOf(garbled)], label).toEqual([401, 'AUTH_MALFORMED']);
      const outsider = await go(harness.sign(harness.outsiderSeed, route.method, req.path, body));
      expect([outsider.status, errorCodeOf(outsider)], label).toEqual([403, 'SIGNER_NOT_MEMBER']);
    }
  });

  it('a signature covers the body: the same signature over other bytes fails', async () => {
    h = await startHarness();
    const path = `/v1/attachments/${pngHash}`;
    const auth = h.sign(h.memberSeed, 'PUT', path, Buffer.from('other bytes'));
    const answer = await send(h.url, 'PUT', path, { headers: { authorization: auth }, body: png });
    expect([answer.status, errorCodeOf(answer)]).toEqual([401, 'SIGNATURE_INVALID']);
  });

  it('a revocation takes effect on the next request, and a new token works at once', async () => {
    h = await startHarness();
    const path = '/v1/status';
    const fresh = createToken(h.dataDir, { org: MEMBER_LEI, label: 'issued while running' });
    expect((await send(h.url, 'GET', path, { headers: { authorization: `Bearer ${fresh.token}` } })).status).toBe(200);
    revokeToken(h.dataDir, fresh.id);
    const after = await send(h.url, 'GET', path, { headers: { authorization: `Bearer ${fresh.token}` } });
    expect([after.status, errorCodeOf(after)]).toEqual([401, 'TOKEN_REVOKED']);
    expect((await send(h.url, 'GET', path, { headers: { authorization: `Bearer ${h.token}` } })).status).toBe(200);
  });

  it('a bearer token is refused before any body is read', async () => {
    h = await startHarness();
    // Declares 64 MiB, sends 16 bytes: an early 401 (not 413, not a hang) shows the body was never awaited.
    const answer = await send(h.url, 'PUT', `/v1/attachments/${pngHash}`, { headers: { authorization: `Bearer ${h.revokedToken}`, 'content-length': String(64 * 1024 * 1024) }, body: Buffer.alloc(16) });
    expect([answer.status, errorCodeOf(answer)]).toEqual([401, 'TOKEN_REVOKED']);
  });

  it('open routes need no credentials', async () => {
    h = await startHarness();
    for (const route of publicRoutes) {
      const req = concreteFor(route);
      const answer = await send(h.url, route.method, req.path, { ...(req.headers === undefined ? {} : { headers: req.headers }), ...(req.body === undefined ? {} : { body: req.body }) });
      expect(answer.status, `${route.method} ${route.path}: ${answer.text.slice(0, 120)}`).not.toBe(401);
      expect(answer.status).not.toBe(403);
    }
    expect((await send(h.url, 'GET', '/metrics')).status).toBe(200);
  });

  it('/metrics is members-only when configured private', async () => {
    h = await startHarness({ metricsPublic: false });
    const anonymous = await send(h.url, 'GET', '/metrics');
    expect([anonymous.status, errorCodeOf(anonymous)]).toEqual([401, 'AUTH_REQUIRED']);
    const revoked = await send(h.url, 'GET', '/metrics', { headers: { authorization: `Bearer ${h.revokedToken}` } });
    expect([revoked.status, errorCodeOf(revoked)]).toEqual([401, 'TOKEN_REVOKED']);
    const member = await send(h.url, 'GET', '/metrics', { headers: { authorization: `Bearer ${h.token}` } });
    expect(member.status).toBe(200);
    expect(member.text).toContain('tradeledger_http_requests_total');
  });
});
