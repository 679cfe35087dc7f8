// Garbage on every route of the HTTP API: random bytes, wrong content types, huge bodies, malformed
// JSON, bad path and query parameters, and non-HTTP bytes on the socket. Every input gets a coded
// 4xx error (never a 500) and the server keeps serving.

import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createPrng } from '@tradeledger/consensus';
import { API_TX_MAX_BODY_BYTES, apiRouteDefinitions } from '../../src/api/server.js';
import { errorCodeOf, send, startHarness, type Harness, type RawResponse } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const seed = Number(process.env.TL_SEED ?? 20261129);

function randomBytes(next: () => number, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(next() * 256);
  return out;
}

function randomSegment(next: () => number): string {
  const alphabet = Array.from('abcXYZ019-_.~%20é😀/?#&=+');
  const length = 1 + Math.floor(next() * 70);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
  // Mostly well-formed percent-encoding; sometimes a raw, broken escape.
  return next() < 0.8 ? encodeURIComponent(out) : `${encodeURIComponent(Array.from(out).slice(0, 5).join(""))}%z${out.length}`;
}

function expectCoded4xx(answer: RawResponse, label: string): string {
  expect(answer.status, `${label}: ${answer.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
  expect(answer.status, `${label}: ${answer.text.slice(0, 200)}`).toBeLessThan(500);
  return errorCodeOf(answer);
}

async function alive(harness: Harness): Promise<void> {
  const answer = await send(harness.url, 'GET', '/healthz');
  expect(answer.status).toBe(200);
}

describe('API garbage', () => {
  it(`random path parameters, query strings and bodies on every route get coded 4xx errors (seed ${seed})`, async () => {
    h = await startHarness();
    const prng = createPrng(seed);
    const next = () => prng.nextUint32() / 2 ** 32;
    const auth = { authorization: `Bearer ${h.token}` };
    for (const route of apiRouteDefinitions()) {
      for (let round = 0; round < 12; round++) {
        const path = route.path.replace(/\{[^}]+\}/g, () => randomSegment(next));
        const query = round % 3 === 0 ? `?${randomSegment(next)}=${randomSegment(next)}` : round % 3 === 1 ? `?${Object.keys(route.query)[0] ?? 'x'}=${randomSegment(next)}` : '';
        const body = route.maxBodyBytes > 0 ? randomBytes(next, Math.floor(next() * 2048)) : undefined;
        const type = ['application/octet-stream', 'application/json', 'text/plain', 'multipart/form-data; boundary=x', ''][Math.floor(next() * 5)] as string;
        const headers: Record<string, string> = { ...auth, ...(type === '' ? {} : { 'content-type': type }) };
        const answer = await send(h.url, route.method, `${path}${query}`, { headers, ...(body === undefined ? {} : { body }) });
        const label = `${route.method} ${path}${query}`;
        if (answer.status < 400) continue; // a random value can be valid (e.g. /metrics ignores nothing, /healthz takes none)
        expectCoded4xx(answer, label);
      }
    }
    await alive(h);
  });

  it('POST /v1/tx: wrong content types, malformed JSON, bad base64, empty and oversized bodies', async () => {
    h = await startHarness();
    const cases: Array<[Record<string, string>, string | Buffer, number, string]> = [
      [{ 'content-type': 'text/plain' }, 'hello', 415, 'CONTENT_TYPE_UNSUPPORTED'],
      [{}, Buffer.from([0x88, 1]), 415, 'CONTENT_TYPE_UNSUPPORTED'],
      [{ 'content-type': 'application/json' }, '{"tx":', 400, 'BODY_MALFORMED'],
      [{ 'content-type': 'application/json' }, '[1,2,3]', 400, 'BODY_MALFORMED'],
      [{ 'content-type': 'application/json' }, 'null', 400, 'BODY_MALFORMED'],
      [{ 'content-type': 'application/json' }, '{"tx":"@@@@"}', 400, 'BODY_MALFORMED'],
      [{ 'content-type': 'application/json' }, '{"tx":"iA"}', 400, 'BODY_MALFORMED'],
      [{ 'content-type': 'application/json' }, '{"tx":"iAEC","extra":1}', 400, 'BODY_MALFORMED'],
      [{ 'content-type': 'application/json' }, '{"tx":12}', 400, 'BODY_MALFORMED'],
      [{ 'content-type': 'application/json' }, Buffer.from([0xff, 0xfe, 0x00]), 400, 'BODY_MALFORMED'],
      [{ 'content-type': 'application/octet-stream' }, Buffer.alloc(0), 400, 'BODY_EMPTY'],
      [{ 'content-type': 'application/octet-stream', 'content-length': 'abc' }, Buffer.from([0x88]), 400, 'HTTP_MALFORMED'],
      [{ 'content-type': 'application/octet-stream' }, Buffer.alloc(1024 * 1024 + 1, 0x88), 413, 'TX_TOO_LARGE'],
      [{ 'content-type': 'application/json' }, JSON.stringify({ tx: Buffer.alloc(1024 * 1024 + 3).toString('base64') }), 413, 'TX_TOO_LARGE'],
    ];
    for (const [headers, body, status, code] of cases) {
      const answer = await send(h.url, 'POST', '/v1/tx', { headers, body });
      const label = `${JSON.stringify(headers)} ${String(body).slice(0, 40)}`;
      expect(answer.status, label).toBe(status);
      expect(errorCodeOf(answer), label).toBe(code);
    }
    await alive(h);
  });

  it('a declared or streamed body over the route limit is 413 without buffering it, and the server keeps serving', async () => {
    h = await startHarness();
    const declared = await send(h.url, 'POST', '/v1/tx', { headers: { 'content-type': 'application/octet-stream', 'content-length': String(API_TX_MAX_BODY_BYTES + 1) }, body: Buffer.alloc(16) });
    expect([declared.status, errorCodeOf(declared)]).toEqual([413, 'BODY_TOO_LARGE']);

    // Chunked, no length: 4 MiB streamed against a ~1.4 MB limit.
    const target = new URL(h.url);
    const streamed = await new Promise<RawResponse>((resolve, reject) => {
      const req = httpRequest({ host: target.hostname, port: target.port, method: 'POST', path: '/v1/tx', headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' }, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.from(text), text, json: () => JSON.parse(text) as unknown });
        });
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 0x88);
      let sent = 0;
      const pump = () => {
        while (sent < 4 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    expect([streamed.status, errorCodeOf(streamed)]).toEqual([413, 'BODY_TOO_LARGE']);

    const getWithBody = await send(h.url, 'GET', '/v1/head', { headers: { 'content-length': '5' }, body: 'hello' });
    expect([getWithBody.status, errorCodeOf(getWithBody)]).toEqual([413, 'BODY_TOO_LARGE']);
    await alive(h);
  });

  it('bad paths, methods and query parameters', async () => {
    h = await startHarness();
    const auth = { authorization: `Bearer ${h.token}` };
    const cases: Array<[string, string, number, string]> = [
      ['GET', '/nope', 404, 'NOT_FOUND'],
      ['GET', '/v1/tx', 405, 'METHOD_NOT_ALLOWED'],
      ['DELETE', '/v1/head', 405, 'METHOD_NOT_ALLOWED'],
      ['PATCH', '/v1/tx', 405, 'METHOD_NOT_ALLOWED'],
      ['GET', '/v1/head?x=1', 400, 'PARAM_UNKNOWN'],
      ['GET', `/v1/proof/consistency?first=1&first=1&second=1`, 400, 'PARAM_INVALID'],
      ['GET', '/v1/proof/consistency?first=1.5&second=2', 400, 'PARAM_INVALID'],
      ['GET', '/v1/proof/consistency?first=99999999999999999999&second=2', 400, 'PARAM_INVALID'],
      ['GET', `/v1/proof/inclusion/${'a'.repeat(64)}?treeSize=`, 400, 'PARAM_INVALID'],
      ['GET', `/v1/proof/inclusion/${'a'.repeat(64)}?treeSize=0`, 400, 'PARAM_INVALID'],
      ['GET', `/v1/proof/inclusion/${'a'.repeat(64)}?at=tail`, 400, 'PARAM_INVALID'],
      ['GET', '/v1/proof/inclusion/%zz', 400, 'PATH_INVALID'],
      ['GET', '/v1/documents/%E0%A4%A', 400, 'PATH_INVALID'],
      ['GET', `/v1/documents/${'A'.repeat(64)}`, 400, 'DOC_REF_FORMAT'],
      ['GET', '/v1/blocks/-1', 400, 'PARAM_INVALID'],
      ['GET', '/v1/blocks/1e3', 400, 'PARAM_INVALID'],
      ['GET', '/v1/query/lei/', 404, 'NOT_FOUND'],
      ['GET', '/v1/query/nonsense/1', 404, 'NOT_FOUND'],
      ['GET', '/v1/query/lei/x?limit=5000', 400, 'PARAM_INVALID'],
      ['GET', '/v1/query/lei/x?after=zz', 400, 'PARAM_INVALID'],
      ['GET', `/v1/head?${'a=1&'.repeat(20)}`, 400, 'PARAM_UNKNOWN'],
      ['GET', `/v1/${'x'.repeat(5000)}`, 400, 'URL_INVALID'],
      ['GET', '//v1/head', 404, 'NOT_FOUND'],
      ['GET', '/v1/head/', 404, 'NOT_FOUND'],
      ['GET', '/v1/../v1/head', 404, 'NOT_FOUND'],
    ];
    for (const [method, path, status, code] of cases) {
      const answer = await send(h.url, method, path, { headers: auth });
      expect(answer.status, `${method} ${path.slice(0, 80)}`).toBe(status);
      expect(errorCodeOf(answer), `${method} ${path.slice(0, 80)}`).toBe(code);
    }
    await alive(h);
  });

  it('non-HTTP bytes on the socket get a 400 or a closed connection, never a crash', async () => {
    h = await startHarness();
    const prng = createPrng(seed + 1);
    const target = new URL(h.url);
    const payloads: Buffer[] = [Buffer.from('\x00\x01\x02 hello\r\n\r\n'), Buffer.from('GET / HTTP/9.9\r\n\r\n'), Buffer.from(`GET /healthz HTTP/1.1\r\nHost: x\r\nX: ${'y'.repeat(20_000)}\r\n\r\n`)];
    for (let i = 0; i < 5; i++) payloads.push(randomBytes(() => prng.nextUint32() / 2 ** 32, 512));
    for (const payload of payloads) {
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(Number(target.port), target.hostname, () => socket.end(payload));
        const chunks: Buffer[] = [];
        socket.on('data', (c: Buffer) => chunks.push(c));
        socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
        socket.on('error', () => resolve(Buffer.concat(chunks).toString()));
      });
      if (answer.length > 0) {
        expect(answer).toMatch(/^HTTP\/1\.1 4\d\d /);
        expect(answer).toContain('"code":"');
      }
    }
    await alive(h);
  });
});
