// The HTTP API's routes over a FakeNodeService: real requests to 127.0.0.1 on a free port.

import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { consistencyProofToJSON, inclusionProofToJSON, parseCertifiedHead, certifiedHeadToJSON, parseProof, verifyConsistency, verifyInclusion, type InclusionProof, type ConsistencyProof, type DocumentWithHistory } from '@tradeledger/ledger';
import { API_ATTACHMENT_MAX_BODY_BYTES } from '../../src/api/server.js';
import { errorCodeOf, send, startHarness, type Harness } from './harness.js';
import { MEMBER_LEI, OTHER_LEI } from './fake-node-service.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const txBytes = (n: number) => Uint8Array.of(0x88, n & 0xff, (n >> 8) & 0xff, 1, 2, 3);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('HTTP API routes', () => {
  it('binds 127.0.0.1 by default and answers /healthz and /readyz', async () => {
    h = await startHarness();
    expect(h.api.address.address).toBe('127.0.0.1');
    const health = await send(h.url, 'GET', '/healthz');
    expect(health.status).toBe(200);
    expect(health.json()).toEqual({ ok: true });
    expect(health.headers['x-content-type-options']).toBe('nosniff');
    expect((await send(h.url, 'GET', '/readyz')).json()).toEqual({ ready: true });
    h.service.ready = { ready: false, reasons: ['NO_LEADER', 'SYNCING'] };
    const notReady = await send(h.url, 'GET', '/readyz');
    expect(notReady.status).toBe(503);
    expect(errorCodeOf(notReady)).toBe('NOT_READY');
    expect(notReady.headers['retry-after']).toBe('1');
    expect((notReady.json() as { error: { message: string } }).error.message).toContain('NO_LEADER, SYNCING');
  });

  it('submits raw and JSON transactions (202), refuses a duplicate (409), and says busy with 503 + Retry-After', async () => {
    h = await startHarness();
    const raw = txBytes(1);
    const first = await send(h.url, 'POST', '/v1/tx', { headers: { 'content-type': 'application/octet-stream' }, body: raw });
    expect(first.status).toBe(202);
    expect(first.json()).toEqual({ txId: sha(raw), status: 'accepted' });
    const again = await send(h.url, 'POST', '/v1/tx', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tx: Buffer.from(raw).toString('base64') }) });
    expect(again.status).toBe(409);
    expect(errorCodeOf(again)).toBe('TX_DUPLICATE');
    const viaJson = await send(h.url, 'POST', '/v1/tx', { headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ tx: Buffer.from(txBytes(2)).toString('base64') }) });
    expect(viaJson.status).toBe(202);
    expect((viaJson.json() as { txId: string }).txId).toBe(sha(txBytes(2)));
    h.service.busy = true;
    const busy = await send(h.url, 'POST', '/v1/tx', { headers: { 'content-type': 'application/octet-stream' }, body: txBytes(3) });
    expect(busy.status).toBe(503);
    expect(errorCodeOf(busy)).toBe('MEMPOOL_FULL');
    expect(busy.headers['retry-after']).toBe('2');
    h.service.busy = false;
    const undecodable = await send(h.url, 'POST', '/v1/tx', { headers: { 'content-type': 'application/octet-stream' }, body: Uint8Array.of(1, 2, 3) });
    expect([undecodable.status, errorCodeOf(undecodable)]).toEqual([400, 'TX_DECODE']);
  });

  it('waits for commitment with ?wait=commit, and answers 202 pending when the wait runs out', async () => {
    h = await startHarness();
    const harness = h;
    const raw = txBytes(7);
    const waiting = send(h.url, 'POST', '/v1/tx?wait=commit&timeoutMs=5000', { headers: { 'content-type': 'application/octet-stream' }, body: raw });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const height = harness.service.commitPending();
    const committed = await waiting;
    expect(committed.status).toBe(200);
    expect(committed.json()).toEqual({ txId: sha(raw), status: 'committed', height, position: 0, result: { ok: true } });

    const slow = await send(h.url, 'POST', '/v1/tx?wait=commit&timeoutMs=30', { headers: { 'content-type': 'application/octet-stream' }, body: txBytes(8) });
    expect(slow.status).toBe(202);
    expect(slow.json()).toEqual({ txId: sha(txBytes(8)), status: 'pending' });
    for (const bad of ['/v1/tx?wait=soon', '/v1/tx?timeoutMs=10', '/v1/tx?wait=commit&timeoutMs=0', '/v1/tx?wait=commit&timeoutMs=120001', '/v1/tx?wait=commit&timeoutMs=1e3']) {
      const answer = await send(h.url, 'POST', bad, { headers: { 'content-type': 'application/octet-stream' }, body: txBytes(9) });
      expect(answer.status, bad).toBe(400);
      expect(errorCodeOf(answer), bad).toBe('PARAM_INVALID');
    }
  });

  it('gets a transaction pending, committed, or 404', async () => {
    h = await startHarness();
    const auth = { authorization: `Bearer ${h.token}` };
    const raw = txBytes(21);
    await send(h.url, 'POST', '/v1/tx', { headers: { 'content-type': 'application/octet-stream' }, body: raw });
    const pending = await send(h.url, 'GET', `/v1/tx/${sha(raw)}`, { headers: auth });
    expect(pending.status).toBe(200);
    expect((pending.json() as { status: string }).status).toBe('pending');
    h.service.commitPending();
    const committed = (await send(h.url, 'GET', `/v1/tx/${sha(raw)}`, { headers: auth })).json() as { status: string; height: number; leafIndex: number; tx: { bytes: string } };
    expect(committed.status).toBe('committed');
    expect(committed.height).toBe(1);
    expect(committed.leafIndex).toBe(0);
    expect(Buffer.from(committed.tx.bytes, 'base64')).toEqual(Buffer.from(raw));
    const unknown = await send(h.url, 'GET', `/v1/tx/${'ab'.repeat(32)}`, { headers: auth });
    expect(unknown.status).toBe(404);
    expect(errorCodeOf(unknown)).toBe('TX_NOT_FOUND');
    const malformed = await send(h.url, 'GET', '/v1/tx/ABC', { headers: auth });
    expect(malformed.status).toBe(400);
    expect(errorCodeOf(malformed)).toBe('TX_ID_INVALID');
  });

  it('serves inclusion and consistency proofs as the ledger proof JSON, verifiable, against head, a size, or the certified head', async () => {
    h = await startHarness();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const raw = txBytes(100 + i);
      ids.push(sha(raw));
      await send(h.url, 'POST', '/v1/tx', { headers: { 'content-type': 'application/octet-stream' }, body: raw });
      if (i === 1) h.service.commitPending();
    }
    h.service.commitPending();
    const answer = await send(h.url, 'GET', `/v1/proof/inclusion/${ids[3]}`);
    expect(answer.status).toBe(200);
    const body = answer.json() as { proof: unknown; header: { logSize: number; logRoot: string; height: number }; txId: string; height: number; position: number };
    const proof = parseProof(body.proof) as InclusionProof;
    expect(verifyInclusion(proof).ok).toBe(true);
    // The member is the ledger's serialization byte for byte, and it sits verbatim in the body.
    expect(JSON.stringify(body.proof)).toBe(inclusionProofToJSON(proof));
    expect(answer.text).toContain(`"proof":${inclusionProofToJSON(proof)}`);
    expect(proof.leafIndex).toBe(3);
    expect(proof.treeSize).toBe(5);
    expect(body.header.logSize).toBe(5);
    expect(body.header.logRoot).toBe(Buffer.from(proof.rootHash).toString('hex'));
    expect([body.txId, body.height, body.position]).toEqual([ids[3], 2, 1]);

    const atTwo = (await send(h.url, 'GET', `/v1/proof/inclusion/${ids[1]}?treeSize=2`)).json() as { proof: unknown; header: { height: number } };
    expect((parseProof(atTwo.proof) as InclusionProof).treeSize).toBe(2);
    expect(atTwo.header.height).toBe(1);
    const atThree = (await send(h.url, 'GET', `/v1/proof/inclusion/${ids[1]}?treeSize=3`)).json() as { header: unknown; proof: unknown };
    expect(atThree.header).toBeNull();
    expect(verifyInclusion(parseProof(atThree.proof) as InclusionProof).ok).toBe(true);
    const notYet = await send(h.url, 'GET', `/v1/proof/inclusion/${ids[3]}?treeSize=2`);
    expect(notYet.status).toBe(404);
    expect(errorCodeOf(notYet)).toBe('TX_NOT_FOUND');

    const certified = await send(h.url, 'GET', `/v1/proof/inclusion/${ids[0]}?at=certified`);
    const certifiedBody = certified.json() as { certifiedHead: unknown; proof: unknown };
    const head = parseCertifiedHead(certifiedBody.certifiedHead);
    expect(JSON.stringify(certifiedBody.certifiedHead)).toBe(certifiedHeadToJSON(head));
    expect((parseProof(certifiedBody.proof) as InclusionProof).treeSize).toBe(head.checkpoint.logSize);
    const both = await send(h.url, 'GET', `/v1/proof/inclusion/${ids[0]}?at=certified&treeSize=2`);
    expect(errorCodeOf(both)).toBe('PARAM_INVALID');

    const consistency = await send(h.url, 'GET', '/v1/proof/consistency?first=2&second=5');
    const cBody = consistency.json() as { proof: unknown; firstHeader: { height: number }; secondHeader: { height: number } };
    const cProof = parseProof(cBody.proof) as ConsistencyProof;
    expect(verifyConsistency(cProof).ok).toBe(true);
    expect(JSON.stringify(cBody.proof)).toBe(consistencyProofToJSON(cProof));
    expect([cBody.firstHeader.height, cBody.secondHeader.height]).toEqual([1, 2]);
    for (const [query, code] of [['first=3&second=2', 'PROOF_SIZE_INVALID'], ['first=0&second=2', 'PROOF_SIZE_INVALID'], ['first=2', 'PARAM_MISSING'], ['first=2&second=9', 'PROOF_SIZE_INVALID'], ['first=-1&second=2', 'PARAM_INVALID']] as const) {
      const bad = await send(h.url, 'GET', `/v1/proof/consistency?${query}`);
      expect(bad.status, query).toBe(400);
      expect(errorCodeOf(bad), query).toBe(code);
    }
  });

  it('serves blocks as JSON or raw bytes, the head, and the certified head as certifiedHeadToJSON output', async () => {
    h = await startHarness();
    const auth = { authorization: `Bearer ${h.token}` };
    const noCertified = await send(h.url, 'GET', '/v1/head/certified');
    expect(noCertified.status).toBe(404);
    expect(errorCodeOf(noCertified)).toBe('NO_CERTIFIED_HEAD');
    await send(h.url, 'POST', '/v1/tx', { headers: { 'content-type': 'application/octet-stream' }, body: txBytes(300) });
    h.service.commitPending();
    const block = (await send(h.url, 'GET', '/v1/blocks/1', { headers: auth })).json() as { header: { height: number }; txs: Array<{ txId: string }> };
    expect(block.header.height).toBe(1);
    expect(block.txs.map((t) => t.txId)).toEqual([sha(txBytes(300))]);
    const raw = await send(h.url, 'GET', '/v1/blocks/1', { headers: { ...auth, accept: 'application/octet-stream' } });
    expect(raw.headers['content-type']).toBe('application/octet-stream');
    expect(raw.body.toString()).toBe('block-bytes-1');
    const missing = await send(h.url, 'GET', '/v1/blocks/9', { headers: auth });
    expect([missing.status, errorCodeOf(missing)]).toEqual([404, 'BLOCK_NOT_FOUND']);
    const badHeight = await send(h.url, 'GET', '/v1/blocks/01', { headers: auth });
    expect([badHeight.status, errorCodeOf(badHeight)]).toEqual([400, 'PARAM_INVALID']);
    const head = (await send(h.url, 'GET', '/v1/head')).json() as { height: number; logSize: number };
    expect([head.height, head.logSize]).toEqual([1, 1]);
    const certified = await send(h.url, 'GET', '/v1/head/certified');
    expect(certified.status).toBe(200);
    expect(certified.text).toBe(certifiedHeadToJSON(parseCertifiedHead(certified.text)));
    expect(parseCertifiedHead(certified.text).checkpoint.height).toBe(1);
  });

  it('serves documents, queries with paging, open verifications and the entry-line check to members', async () => {
    h = await startHarness();
    const auth = { authorization: `Bearer ${h.token}` };
    const id = 'cd'.repeat(32);
    const doc = { record: { id, kind: 'entry', status: 'filed', payload: { entryNumber: 'ABC12345678' } }, history: [{ seq: 0, txId: id, kind: 'entry', action: 'created', height: 1, timestampMs: 1, version: 1 }] } as unknown as DocumentWithHistory;
    h.service.documents.set(id, doc);
    expect((await send(h.url, 'GET', `/v1/documents/${id}`, { headers: auth })).json()).toEqual(doc);
    const missing = await send(h.url, 'GET', `/v1/documents/${'ef'.repeat(32)}`, { headers: auth });
    expect([missing.status, errorCodeOf(missing)]).toEqual([404, 'DOCUMENT_NOT_FOUND']);
    expect((await send(h.url, 'GET', '/v1/query/entry/ABC-1234567-8', { headers: auth })).json()).toEqual(doc);

    const page1 = (await send(h.url, 'GET', `/v1/query/lei/${MEMBER_LEI}?limit=2`, { headers: auth })).json() as { items: Array<{ id: string }>; next: string };
    expect(page1.items).toHaveLength(2);
    const page2 = (await send(h.url, 'GET', `/v1/query/lei/${MEMBER_LEI}?limit=2&after=${page1.next}`, { headers: auth })).json() as { items: Array<{ id: string }>; next?: string };
    expect(page2.items).toHaveLength(1);
    expect(page2.next).toBeUndefined();
    expect((page2.items[0]?.id ?? "") > page1.next).toBe(true);

    const badLei = await send(h.url, 'GET', '/v1/query/lei/5493001KJTIIGC8Y1R13', { headers: auth });
    expect([badLei.status, errorCodeOf(badLei)]).toEqual([400, 'LEI_CHECKSUM']);
    const badGtin = await send(h.url, 'GET', '/v1/query/gtin/12345', { headers: auth });
    expect(badGtin.status).toBe(400);
    expect((await send(h.url, 'GET', '/v1/query/hs/8708.30', { headers: auth })).status).toBe(200);
    expect((await send(h.url, 'GET', `/v1/query/certificate/${id}`, { headers: auth })).status).toBe(200);
    const badCert = await send(h.url, 'GET', '/v1/query/certificate/xyz', { headers: auth });
    expect([badCert.status, errorCodeOf(badCert)]).toEqual([400, 'DOC_REF_FORMAT']);
    const badLimit = await send(h.url, 'GET', '/v1/verifications/open?limit=0', { headers: auth });
    expect([badLimit.status, errorCodeOf(badLimit)]).toEqual([400, 'PARAM_INVALID']);
    expect(((await send(h.url, 'GET', '/v1/verifications/open', { headers: auth })).json() as { items: unknown[] }).items).toHaveLength(3);

    const line = await send(h.url, 'GET', `/v1/check/entry-line?importerLei=${MEMBER_LEI}&gtin=00012345600012&date=2025-06-01`, { headers: auth });
    expect((line.json() as { gtin14: string; importer: { lei: string } }).importer.lei).toBe(MEMBER_LEI);
    const missingParam = await send(h.url, 'GET', `/v1/check/entry-line?importerLei=${MEMBER_LEI}&gtin=00012345600012`, { headers: auth });
    expect([missingParam.status, errorCodeOf(missingParam)]).toEqual([400, 'PARAM_MISSING']);
  });

  it('serves the public product check without prices, quantities, values or contacts', async () => {
    h = await startHarness();
    const answer = await send(h.url, 'GET', `/v1/check/product/00012345600012?seller=${OTHER_LEI}`);
    expect(answer.status).toBe(200);
    const body = answer.json() as { seller: { licensed: boolean }; licensed: Array<Record<string, unknown>>; rightsHolders: Array<Record<string, unknown>> };
    expect(body.seller.licensed).toBe(true);
    expect(Object.keys(body).sort()).toEqual(['asOfMs', 'digitalLink', 'gtin14', 'licensed', 'rightsHolders', 'seller']);
    expect(Object.keys(body.licensed[0] as object).sort()).toEqual(['lei', 'licenseId', 'name', 'role', 'territory', 'validTo']);
    expect(Object.keys(body.rightsHolders[0] as object).sort()).toEqual(['brands', 'lei', 'marks', 'name', 'rightId']);
    for (const secret of ['19.99', '25000', '1000', 'legal@brand.example', '555 0100', 'sales@seller.example', 'price', 'quantity', 'contact']) expect(answer.text).not.toContain(secret);
    const badGtin = await send(h.url, 'GET', '/v1/check/product/00012345600013');
    expect(badGtin.status).toBe(400);
    expect(errorCodeOf(badGtin)).toMatch(/GTIN/);
  });

  it('stores and serves attachments by SHA-256 with safe content types', async () => {
    h = await startHarness();
    const auth = { authorization: `Bearer ${h.token}` };
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(100, 1)]);
    const put = await send(h.url, 'PUT', `/v1/attachments/${sha(png)}`, { headers: { ...auth, 'content-type': 'image/png' }, body: png });
    expect(put.status).toBe(201);
    expect(put.json()).toEqual({ sha256: sha(png), size: png.length });
    const got = await send(h.url, 'GET', `/v1/attachments/${sha(png)}`, { headers: auth });
    expect(got.status).toBe(200);
    expect(got.body.equals(png)).toBe(true);
    expect(got.headers['content-type']).toBe('image/png');
    expect(got.headers['content-security-policy']).toContain('sandbox');
    // An attachment that declares text/html is never served as HTML.
    const html = Buffer.from('<script>alert(1)</script>');
    await send(h.url, 'PUT', `/v1/attachments/${sha(html)}`, { headers: auth, body: html });
    const gotHtml = await send(h.url, 'GET', `/v1/attachments/${sha(html)}`, { headers: auth });
    expect(gotHtml.headers['content-type']).toBe('application/octet-stream');
    expect(gotHtml.headers['content-disposition']).toContain('attachment');
    const mismatch = await send(h.url, 'PUT', `/v1/attachments/${sha(png)}`, { headers: auth, body: html });
    expect([mismatch.status, errorCodeOf(mismatch)]).toEqual([400, 'ATTACHMENT_HASH_MISMATCH']);
    const missing = await send(h.url, 'GET', `/v1/attachments/${'00'.repeat(32)}`, { headers: auth });
    expect([missing.status, errorCodeOf(missing)]).toEqual([404, 'ATTACHMENT_NOT_FOUND']);
    const tooBig = await send(h.url, 'PUT', `/v1/attachments/${'00'.repeat(32)}`, { headers: { ...auth, 'content-length': String(API_ATTACHMENT_MAX_BODY_BYTES + 1) }, body: Buffer.alloc(1024) }).catch((e: unknown) => e);
    expect(tooBig).toMatchObject({ status: 413 });
    expect(errorCodeOf(tooBig as Awaited<ReturnType<typeof send>>)).toBe('BODY_TOO_LARGE');
  });

  it('serves status to members, and /metrics with request counts by route template', async () => {
    h = await startHarness();
    const status = (await send(h.url, 'GET', '/v1/status', { headers: { authorization: `Bearer ${h.token}` } })).json() as { role: string; peers: Array<{ lagEntries: number }> };
    expect(status.role).toBe('leader');
    expect(status.peers[0]?.lagEntries).toBe(1);
    await send(h.url, 'GET', `/v1/tx/${'ab'.repeat(32)}`);
    const metrics = await send(h.url, 'GET', '/metrics');
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.text).toContain('tradeledger_http_requests_total{route="/v1/status",method="GET",status="200"} 1');
    expect(metrics.text).toContain('tradeledger_http_requests_total{route="/v1/tx/{txId}",method="GET",status="401"} 1');
    expect(metrics.text).toContain('tradeledger_rejected_inputs_total{source="api",code="AUTH_REQUIRED"} 1');
  });

  it('closes connections past maxConnections on arrival, counts them, warns once per interval, and serves again when one frees', async () => {
    const warnings: object[] = [];
    const logger = { debug: () => undefined, warn: (obj: object) => warnings.push(obj), error: () => undefined };
    h = await startHarness({ maxConnections: 2, logger });
    const { port } = h.api.address;
    const open = (): Promise<Socket> =>
      new Promise((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
        socket.on('error', () => undefined);
        socket.once('error', reject);
      });
    /** Resolves with what the server sent before it closed the socket (at most 2 s). */
    const closedBy = (socket: Socket): Promise<string | 'still open'> =>
      new Promise((resolve) => {
        let received = '';
        const timer = setTimeout(() => resolve('still open'), 2_000);
        socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
        socket.once('close', () => {
          clearTimeout(timer);
          resolve(received);
        });
      });
    const held = [await open(), await open()];
    const third = await open();
    expect(await closedBy(third)).toBe('');
    const fourth = await open();
    expect(await closedBy(fourth)).toBe('');
    const metrics = () => h!.metrics.text();
    expect(await metrics()).toContain('tradeledger_http_connections_dropped_total 2');
    expect(warnings).toEqual([{ dropped: 1, maxConnections: 2 }]);
    // The held connections still work, and a freed slot takes a new client.
    held[0]!.write('GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    expect(await closedBy(held[0]!)).toMatch(/^HTTP\/1\.1 200 /);
    await expect.poll(async () => (await send(h!.url, 'GET', '/healthz')).status, { timeout: 5_000 }).toBe(200);
    // Reconnecting once a slot frees is not a drop.
    expect(await metrics()).toContain('tradeledger_http_connections_dropped_total 2');
    held[1]!.destroy();
  });

  it('refuses a maxConnections that Node would read as no limit or as refuse-all', async () => {
    for (const maxConnections of [0, -1, Number.NaN, 1.5]) {
      await expect(startHarness({ maxConnections })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    }
  });

  it('answers an internal failure with 500 INTERNAL and no detail', async () => {
    h = await startHarness();
    h.service.internalFailure = 'secret path /var/lib/tradeledger/ledger and password hunter2';
    for (const path of ['/v1/head', '/v1/head/certified', `/v1/check/product/00012345600012`, '/readyz']) {
      const answer = await send(h.url, 'GET', path);
      expect(answer.status, path).toBe(500);
      expect(errorCodeOf(answer)).toBe('INTERNAL');
      expect(answer.text).not.toContain('hunter2');
      expect(answer.text).not.toContain('/var/lib');
    }
    h.service.internalFailure = undefined;
    expect((await send(h.url, 'GET', '/v1/head')).status).toBe(200);
  });

  it('serves its OpenAPI document', async () => {
    h = await startHarness();
    const doc = (await send(h.url, 'GET', '/openapi.json')).json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toContain('/v1/proof/inclusion/{txId}');
  });
});
