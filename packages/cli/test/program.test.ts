// The CLI in-process: help with examples, exit codes, one-line coded errors, --json errors,
// validation before anything is sent, and how the HTTP client reads a node's answers.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSeed, writeKeyFile } from '@tradeledger/ledger';
import { buildProgram } from '../src/program.js';
import { freePorts } from '../src/ports.js';
import { cli } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'tl-cli-unit-'));
const keyFile = join(dir, 'signer.key');
writeKeyFile(keyFile, generateSeed());
let server: Server;
let apiUrl: string;
let closedUrl: string;
const seen: string[] = [];
let busyLeft = 0;

beforeAll(async () => {
  const [closedPort] = await freePorts(1);
  closedUrl = `http://127.0.0.1:${closedPort}`;
  // A stand-in node: just enough routes to see what the client sends and how it reads answers.
  server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url} ${request.headers.authorization ?? ''}`);
    const reply = (status: number, body: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(body);
    };
    if (request.url === '/v1/head') {
      if (busyLeft > 0) {
        busyLeft--;
        return reply(503, '{"error":{"code":"NO_LEADER","message":"no leader"}}', { 'retry-after': '0' });
      }
      return reply(200, JSON.stringify({ height: 1, chainId: 'unit-chain', logSize: 1 }));
    }
    if (request.url?.startsWith('/v1/documents/')) return reply(403, '{"error":{"code":"TOKEN_REVOKED","message":"this token was revoked"}}');
    if (request.url === '/v1/status') return reply(200, 'this is not json');
    if (request.url?.startsWith('/v1/query/')) return reply(500, '<html>proxy error</html>');
    reply(404, '{"error":{"code":"NOT_FOUND","message":"no route"}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address() as { port: number };
  apiUrl = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('help and usage', () => {
  it('gives every command an example in its --help, and lists the exit codes at the top', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('Exit codes:');
    const program = buildProgram({ io: { stdout: () => undefined, stderr: () => undefined, stderrIsTTY: false, env: {} }, exitCode: 0 });
    const leaves: string[][] = [];
    const walk = (command: typeof program, path: string[]) => {
      if (command.commands.length === 0) leaves.push(path);
      for (const sub of command.commands) walk(sub, [...path, sub.name()]);
    };
    walk(program, []);
    expect(leaves.length).toBeGreaterThan(30);
    for (const path of leaves) {
      const run = await cli([...path, '--help']);
      expect(run.code, path.join(' ')).toBe(0);
      expect(run.stdout, path.join(' ')).toMatch(/Examples?:\n {2}\$ tradeledger /);
    }
  });

  it('exits 2 with the error and the help on wrong flags, unknown commands and missing arguments', async () => {
    for (const args of [['keygen', '--out', 'x', '--bogus'], ['keygen'], ['frobnicate'], ['submit', 'license'], ['prove', '--consistency', '1'], ['audit'], []]) {
      const run = await cli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout + run.stderr, args.join(' ')).toMatch(/Usage: tradeledger/);
    }
    const wrong = await cli(['submit', 'license', 'x.json', '--key', keyFile, '--wait-ms', 'soon']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^error (INPUT_NOT_FOUND|WAIT_RANGE) \(/);
  });
});

describe('submit validates before sending', () => {
  it('rejects a payload with the ledger code and field, exit 1, without contacting the node', async () => {
    const file = join(dir, 'right.json');
    writeFileSync(file, JSON.stringify({ rightsHolder: 'NOT-AN-LEI', marks: [] }));
    const before = seen.length;
    const run = await cli(['submit', 'right', file, '--key', keyFile, '--node', apiUrl]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^error [A-Z_]+ \(payload\.[a-zA-Z.[\]0-9]+\): /);
    expect(seen.length).toBe(before);
    const json = await cli(['submit', 'right', file, '--key', keyFile, '--node', apiUrl, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: expect.stringMatching(/^[A-Z_]+$/), field: expect.stringMatching(/^payload\./) }, exitCode: 1 });
  });

  it('says which placeholder lacks an id', async () => {
    const file = join(dir, 'license.json');
    writeFileSync(file, JSON.stringify({ right: '{{ref:right}}' }));
    const run = await cli(['submit', 'license', file, '--key', keyFile, '--node', apiUrl]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('error REF_UNRESOLVED (ref): the payload names {{ref:right}}: pass --ref right=<document id>\n');
  });

  it('refuses an unreadable key file and an unparsable payload as usage errors', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ not json');
    expect((await cli(['submit', 'right', file, '--key', keyFile])).stderr).toMatch(/^error INPUT_NOT_JSON \(file\)/);
    writeFileSync(file, '{}');
    const run = await cli(['submit', 'entry-review', file, '--key', join(dir, 'missing.key')]);
    expect(run.code).toBe(1);
  });
});

describe('talking to a node', () => {
  it('exits 3 with NODE_UNREACHABLE when nothing listens, in text and JSON', async () => {
    const run = await cli(['head', '--node', closedUrl]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error NODE_UNREACHABLE: GET http:\/\/127\.0\.0\.1:\d+\/v1\/head: ECONNREFUSED\n$/);
    const json = await cli(['head', '--node', closedUrl, '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'NODE_UNREACHABLE', message: expect.stringContaining('ECONNREFUSED') }, exitCode: 3 });
  });

  it('takes --node and --token from the environment, and retries a busy node', async () => {
    busyLeft = 2;
    const run = await cli(['head', '--json'], { TRADELEDGER_NODE: apiUrl });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ height: 1, chainId: 'unit-chain', logSize: 1 });
    const doc = await cli(['get', 'a'.repeat(64)], { TRADELEDGER_NODE: apiUrl, TRADELEDGER_TOKEN: 'tlt_secret' });
    expect(seen.at(-1)).toBe(`GET /v1/documents/${'a'.repeat(64)} Bearer tlt_secret`);
    expect(doc.code).toBe(1);
    expect(doc.stderr).toBe('error TOKEN_REVOKED: this token was revoked (HTTP 403)\n');
  });

  it('treats answers that are not the API as an unreachable node (exit 3)', async () => {
    const status = await cli(['status', '--node', apiUrl]);
    expect(status.code).toBe(3);
    expect(status.stderr).toMatch(/^error NODE_BAD_RESPONSE: GET \/v1\/status: the answer is not JSON/);
    const query = await cli(['query', 'lei', 'INR2EJN1ERAN0W5ZP974', '--node', apiUrl]);
    expect(query.code).toBe(3);
    expect(query.stderr).toMatch(/HTTP 500 without an API error body/);
  });

  it('refuses node URLs that are not plain http(s) base URLs', async () => {
    for (const url of ['ftp://x', 'not a url', 'http://user:pw@127.0.0.1:1', 'http://127.0.0.1:1/?q=1']) {
      const run = await cli(['head', '--node', url]);
      expect(run.code, url).toBe(2);
      expect(run.stderr, url).toMatch(/^error NODE_URL_INVALID \(node\)/);
    }
  });
});
