// Starts the HTTP API over a FakeNodeService on 127.0.0.1:0 with a fresh token file, and offers
// small request helpers. Every test closes what it started (see `close`).

import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publicKeyFromSeed, toHex } from '@tradeledger/ledger';
import { signRequest } from '../../src/api/auth.js';
import { HttpApi, type HttpApiOptions } from '../../src/api/server.js';
import { NodeMetrics } from '../../src/metrics.js';
import { createToken, revokeToken, TokenVerifier } from '../../src/tokens.js';
import { FAKE_CHAIN_ID, FakeNodeService, MEMBER_LEI } from './fake-node-service.js';

export interface Harness {
  readonly api: HttpApi;
  readonly service: FakeNodeService;
  readonly metrics: NodeMetrics;
  readonly dataDir: string;
  /** A live token of MEMBER_LEI. */
  readonly token: string;
  readonly tokenId: string;
  /** A token issued and then revoked. */
  readonly revokedToken: string;
  /** A member organization's signing key. */
  readonly memberSeed: Uint8Array;
  /** A key that is not a member's. */
  readonly outsiderSeed: Uint8Array;
  readonly url: string;
  /** Authorization header value for a request signed with `seed` now. */
  sign(seed: Uint8Array, method: string, pathAndQuery: string, body?: Uint8Array, timestampMs?: number): string;
  close(): Promise<void>;
}

export async function startHarness(options: Partial<Omit<HttpApiOptions, 'service' | 'tokens'>> = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tl-api-'));
  const service = new FakeNodeService();
  const metrics = new NodeMetrics();
  const memberSeed = new Uint8Array(32).fill(11);
  const outsiderSeed = new Uint8Array(32).fill(12);
  service.memberKeys.set(toHex(publicKeyFromSeed(memberSeed)), MEMBER_LEI);
  const { id: tokenId, token } = createToken(dataDir, { org: MEMBER_LEI, label: 'test user' });
  const revoked = createToken(dataDir, { org: MEMBER_LEI, label: 'revoked user' });
  revokeToken(dataDir, revoked.id);
  const errors: unknown[] = [];
  let api: HttpApi;
  try {
    api = await HttpApi.start({ service, tokens: new TokenVerifier(dataDir, (e) => errors.push(e)), metrics, ...options });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    api,
    service,
    metrics,
    dataDir,
    token,
    tokenId,
    revokedToken: revoked.token,
    memberSeed,
    outsiderSeed,
    url: api.url,
    sign: (seed, method, pathAndQuery, body, timestampMs) =>
      signRequest({ seed, publicKey: publicKeyFromSeed(seed), chainId: FAKE_CHAIN_ID, method, pathAndQuery, timestampMs: timestampMs ?? Date.now(), ...(body === undefined ? {} : { body }) }),
    async close() {
      await api.close();
      rmSync(dataDir, { recursive: true, force: true });
      if (errors.length > 0) throw new Error(`token verifier reported errors: ${String(errors[0])}`);
    },
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  readonly text: string;
  json(): unknown;
}

/** One request with node:http (no client-side checks on what we send), the whole answer read. */
export function send(url: string, method: string, path: string, options: { headers?: Record<string, string>; body?: Uint8Array | string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = httpRequest({ host: target.hostname, port: target.port, method, path, headers: options.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = body.toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json: () => JSON.parse(text) as unknown });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.body !== undefined) req.end(options.body);
    else req.end();
  });
}

/** Asserts the JSON error shape exactly and returns its code. */
export function errorCodeOf(response: RawResponse): string {
  const parsed = response.json() as { error?: { code?: unknown; message?: unknown } };
  const keys = Object.keys(parsed);
  if (keys.length !== 1 || keys[0] !== 'error') throw new Error(`expected only an error member, got ${response.text.slice(0, 200)}`);
  const error = parsed.error as { code?: unknown; message?: unknown };
  if (typeof error.code !== 'string' || !/^[A-Z0-9_]+$/.test(error.code) || typeof error.message !== 'string' || Object.keys(error).length !== 2) {
    throw new Error(`malformed error body: ${response.text.slice(0, 200)}`);
  }
  return error.code;
}
