// The HTTP API over a real one-node network (the route-by-route, access and garbage suites run
// against a fake service in server/access/garbage tests): the example story committed with
// wait=commit, proofs that verify against the headers the node returns, a certified head, and
// garbage answered with coded errors while the ledger stays unchanged.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGenesis, parseProof, tradeStateMachine, verifyConsistency, verifyInclusion, writeKeyFile } from '@tradeledger/ledger';
import { createToken } from '../../src/tokens.js';
import { exampleSubmissions } from '../../src/examples.js';
import { parseConfig } from '../../src/config.js';
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
  const config = parseConfig(
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
    const tx = (await (await api(`/v1/tx/${entry.tx.idHex}`, { headers: auth() })).json()) as { tx: { kind: string }; status: string };
    expect(tx).toMatchObject({ tx: { kind: 'entry' }, status: 'committed' });
    const doc = await api(`/v1/documents/${entry.tx.idHex}`, { headers: auth() });
    expect(doc.status).toBe(200);

    const proofResponse = await api(`/v1/proof/inclusion/${entry.tx.idHex}`);
    const text = await proofResponse.text();
    const { proof, header } = JSON.parse(text) as { proof: unknown; header: { logRoot: string; logSize: number; headerBytes: string } };
    const parsed = parseProof(proof);
    expect(parsed.type).toBe('inclusion');
    expect(verifyInclusion(parsed as Parameters<typeof verifyInclusion>[0]).ok).toBe(true);
    expect(Buffer.from((parsed as { rootHash: Uint8Array }).rootHash).toString('hex')).toBe(header.logRoot);
    // The proof member is the ledger's exact JSON text.
    expect(text).toContain('"proof":{"type":"inclusion","leafIndex":');

    const consistency = JSON.parse(await (await api(`/v1/proof/consistency?first=3&second=${header.logSize}`)).text()) as { proof: unknown; secondHeader: { logRoot: string } };
    const parsedConsistency = parseProof(consistency.proof);
    expect(verifyConsistency(parsedConsistency as Parameters<typeof verifyConsistency>[0]).ok).toBe(true);
    expect(Buffer.from((parsedConsistency as { secondRoot: Uint8Array }).secondRoot).toString('hex')).toBe(consistency.secondHeader.logRoot);
    // The customs node alone certified heads while it was the only organization with a node; once
    // governance added the manufacturer's (never started here), a quorum needs both, so the
    // certified head stays at the last height customs could certify alone.
    const certified = await api('/v1/head/certified');
    expect(certified.status).toBe(200);
    const certifiedSize = ((await certified.json()) as { checkpoint: { logSize: number } }).checkpoint.logSize;
    const orgAddIndex = submissions.findIndex((s) => s.name === 'governance-approve-retailer');
    expect(certifiedSize).toBeGreaterThan(0);
    expect(certifiedSize).toBeLessThanOrEqual(orgAddIndex + 1);
    // A credential cited by an entry line is reported with its ledger status (issued, then revoked in the story).
    const credential = submissions.find((s) => s.name === 'credential-issue')!;
    const today = new Date().toISOString().slice(0, 10);
    const check = await api(`/v1/check/entry-line?importerLei=Y87794H0US1R65VBXU25&gtin=00012345600012&date=${today}&credentials=${credential.tx.idHex}`, { headers: auth() });
    const checked = (await check.json()) as { credentials: Array<{ credentialId: string; cited: boolean; ledgerStatus: string }> };
    expect(check.status, JSON.stringify(checked)).toBe(200);
    expect(checked.credentials.find((c) => c.credentialId === credential.tx.idHex)).toMatchObject({ cited: true, ledgerStatus: 'revoked' });
    const badCitation = await api(`/v1/check/entry-line?importerLei=Y87794H0US1R65VBXU25&gtin=00012345600012&date=${today}&credentials=nothex`, { headers: auth() });
    expect(badCitation.status).toBe(400);
    const product = (await (await api('/v1/check/product/00012345600012')).json()) as object;
    expect(JSON.stringify(product)).not.toMatch(/"(value|quantity|price|email|telephone)"/i);
  });

  it('answers garbage on every route with a coded error and keeps the ledger unchanged', async () => {
    const before = (await (await api('/v1/head')).json()) as { hash: string };
    const cases: Array<[string, RequestInit, number]> = [
      ['/v1/tx', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array([0xc1, 1, 2, 3]) }, 400],
      ['/v1/tx', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(2 * 1024 * 1024) }, 413],
      ['/v1/tx', { method: 'POST', body: 'no content type' }, 415],
      ['/v1/tx', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"tx": 12' }, 400],
      ['/v1/tx', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"tx": "!!"}' }, 400],
      ['/v1/tx', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: submissions[0]!.tx.bytes }, 409],
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
