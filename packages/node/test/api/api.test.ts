// The HTTP API of a real one-node network: submission with wait=commit, proofs that verify,
// members-only routes refusing anonymous, wrong and revoked tokens, the OpenAPI document matching
// the route table, and garbage on every route answered with coded errors while the node keeps
// serving and its ledger is unchanged.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGenesis, parseProof, tradeStateMachine, verifyInclusion, writeKeyFile } from '@tradeledger/ledger';
import { createToken, revokeToken } from '../../src/access-tokens.js';
import { exampleSubmissions } from '../../src/examples.js';
import { parseNodeConfig } from '../../src/node-config.js';
import { routes } from '../../src/http/server.js';
import { runNode, type RunningNode } from '../../src/run.js';
import { EXAMPLES_DIR, exampleGenesisWithNodes, exampleNodeIdentity, freePort, waitFor } from '../support/example-network.js';

const root = mkdtempSync(join(tmpdir(), 'tl-api-'));
let running: RunningNode;
let token = '';
const genesis = exampleGenesisWithNodes(['customs']);
const submissions = exampleSubmissions(EXAMPLES_DIR, { nowMs: Date.now(), stopBefore: 'license-revoke', chainId: genesis.chainId });

beforeAll(async () => {
  const id = exampleNodeIdentity('customs');
  writeKeyFile(join(root, 'node-key.json'), id.seed);
  const { block } = buildGenesis(tradeStateMachine(), genesis);
  writeFileSync(join(root, 'genesis.json'), JSON.stringify({ ...genesis, hash: block.hashHex }));
  const config = parseNodeConfig(
    {
      dataDir: './data',
      keyFile: './node-key.json',
      genesisFile: './genesis.json',
      p2p: { listen: [`/ip4/127.0.0.1/tcp/${await freePort()}`] },
      api: { port: 0 },
      raft: { tickMs: 20, electionTicks: 5, heartbeatTicks: 1 },
      verifyWorkers: 0,
    },
    root,
  );
  running = await runNode(config, { logger: pino({ level: 'silent' }) });
  token = createToken(join(root, 'data'), { org: '506700GE1G29325QX363', label: 'test' }).token;
  await waitFor('leadership', () => running.node.isLeader);
});
afterAll(async () => {
  await running?.stop();
  rmSync(root, { recursive: true, force: true });
});

const api = (path: string, init: RequestInit = {}) => fetch(`${running.apiUrl}${path}`, init);
const auth = () => ({ authorization: `Bearer ${token}` });

describe('node HTTP API', () => {
  it('commits the example story with wait=commit and serves each transaction, document and proof', async () => {
    for (const submission of submissions) {
      const response = await api('/v1/tx?wait=commit&timeoutMs=10000', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: submission.tx.bytes });
      const body = (await response.json()) as { txId: string; result: { ok: boolean } };
      expect(response.status, `${submission.name}: ${JSON.stringify(body)}`).toBe(200);
      expect(body).toMatchObject({ txId: submission.tx.idHex, status: 'committed', result: { ok: true } });
    }
    const entry = submissions.find((s) => s.name === 'entry')!;
    const tx = (await (await api(`/v1/tx/${entry.tx.idHex}`, { headers: auth() })).json()) as { kind: string; status: string };
    expect(tx).toMatchObject({ kind: 'entry', status: 'committed' });
    const doc = await api(`/v1/documents/${entry.tx.idHex}`, { headers: auth() });
    expect(doc.status).toBe(200);

    const proofResponse = await api(`/v1/proof/inclusion/${entry.tx.idHex}`);
    const text = await proofResponse.text();
    const { proof, header } = JSON.parse(text) as { proof: unknown; header: { logRoot: string; logSize: number } };
    const parsed = parseProof(proof);
    expect(parsed.type).toBe('inclusion');
    expect(verifyInclusion(parsed as Parameters<typeof verifyInclusion>[0]).ok).toBe(true);
    expect(Buffer.from((parsed as { rootHash: Uint8Array }).rootHash).toString('hex')).toBe(header.logRoot);
    // The proof member is the ledger's exact JSON text.
    expect(text.startsWith('{"proof":{"type":"inclusion","leafIndex":')).toBe(true);

    const consistency = JSON.parse(await (await api(`/v1/proof/consistency?first=3&second=${header.logSize}`)).text()) as { proof: { type: string } };
    expect(consistency.proof.type).toBe('consistency');
    const product = (await (await api('/v1/check/product/00012345600012')).json()) as object;
    expect(JSON.stringify(product)).not.toMatch(/"(value|quantity|price|email|telephone)"/i);
  });

  it('refuses anonymous, wrong and revoked credentials on every member-only route', async () => {
    const memberRoutes = routes({ service: undefined as never, tokens: undefined as never, metrics: undefined as never }).filter((r) => r.access === 'member');
    expect(memberRoutes.length).toBeGreaterThan(8);
    const { id, token: doomed } = createToken(join(root, 'data'), { org: '506700GE1G29325QX363', label: 'to revoke' });
    revokeToken(join(root, 'data'), id);
    for (const route of memberRoutes) {
      const path = route.path.replace(':id', 'a'.repeat(64)).replace(':sha256', 'b'.repeat(64)).replace(':height', '0').replace(':by', 'lei').replace(':value', '787RXPR0UX0O0XUXPZ81');
      for (const [headers, status, code] of [
        [{}, 401, 'AUTH_REQUIRED'],
        [{ authorization: 'Bearer nope' }, 401, 'TOKEN_INVALID'],
        [{ authorization: `Bearer ${doomed}` }, 403, 'TOKEN_REVOKED'],
      ] as const) {
        const response = await api(path, { method: route.method, headers, ...(route.method === 'PUT' ? { body: 'x' } : {}) });
        expect(response.status, `${route.method} ${path}`).toBe(status);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
      }
    }
    expect((await api('/v1/status', { headers: auth() })).status).toBe(200);
  });

  it('documents exactly the routes it serves in openapi.json', async () => {
    const doc = JSON.parse(readFileSync(fileURLToPath(new URL('../../openapi.json', import.meta.url)), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`)).sort();
    const served = routes({ service: undefined as never, tokens: undefined as never, metrics: undefined as never }).map((r) => `${r.method} ${r.path.replace(/:([a-z0-9]+)/gi, '{$1}')}`).sort();
    expect(served).toEqual(documented);
    const fetched = (await (await api('/openapi.json')).json()) as { openapi: string };
    expect(fetched.openapi).toMatch(/^3\./);
  });

  it('answers garbage on every route with a coded error and keeps the ledger unchanged', async () => {
    const before = (await (await api('/v1/head')).json()) as { hash: string };
    const cases: Array<[string, RequestInit, number]> = [
      ['/v1/tx', { method: 'POST', body: new Uint8Array([0xc1, 1, 2, 3]) }, 400],
      ['/v1/tx', { method: 'POST', body: new Uint8Array(2 * 1024 * 1024) }, 413],
      ['/v1/tx', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"tx": 12' }, 400],
      ['/v1/tx', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"tx": "!!"}' }, 400],
      ['/v1/tx', { method: 'POST', body: submissions[0]!.tx.bytes }, 409],
      ['/v1/tx/zz', { headers: auth() }, 400],
      ['/v1/proof/inclusion/xyz', {}, 400],
      ['/v1/proof/inclusion/' + 'c'.repeat(64), {}, 404],
      ['/v1/proof/consistency?first=-1', {}, 400],
      ['/v1/proof/consistency?first=5&second=999999', {}, 400],
      ['/v1/blocks/abc', { headers: auth() }, 400],
      ['/v1/blocks/99999', { headers: auth() }, 404],
      ['/v1/query/colour/red', { headers: auth() }, 404],
      ['/v1/query/lei/NOTALEI', { headers: auth() }, 400],
      ['/v1/check/entry-line?gtin=1', { headers: auth() }, 400],
      ['/v1/attachments/' + 'd'.repeat(64), { method: 'PUT', headers: auth(), body: 'not those bytes' }, 400],
      ['/v1/documents/%zz', { headers: auth() }, 400],
      ['/nowhere', {}, 404],
      ['/v1/head', { method: 'POST' }, 405],
    ];
    for (const [path, init, status] of cases) {
      const response = await api(path, init);
      const body = (await response.json()) as { error?: { code?: string; message?: string } };
      expect(response.status, `${init.method ?? 'GET'} ${path}: ${JSON.stringify(body)}`).toBe(status);
      expect(body.error?.code, path).toMatch(/^[A-Z][A-Z0-9_]+$/);
    }
    const after = (await (await api('/v1/head')).json()) as { hash: string };
    expect(after.hash).toBe(before.hash);
    expect((await api('/healthz')).status).toBe(200);
  });
});
