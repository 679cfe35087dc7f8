// The node's HTTP API (JSON over node:http). Routes are a table: method, path pattern, who may
// call it, the body limit, and the handler. Every error is `{ "error": { "code", "message" } }`
// with a fitting status; bad input of any kind costs that request only.
//
// Access: submitting a transaction is open (the signature authorizes it); health, metrics (unless
// configured private), heads, proofs, the OpenAPI document and the public product check are open;
// everything else needs a bearer token the node's operator issued (access-tokens.ts).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { toHex, TX_MAX_BYTES_DEFAULT } from '@tradeledger/ledger';
import { ATTACHMENT_MAX_BYTES } from '../attachment-store.js';
import type { TokenVerifier } from '../access-tokens.js';
import { errorCode, NodeError } from '../errors.js';
import type { NodeMetrics } from '../node-metrics.js';
import type { NodeApiService } from './service.js';

export type Access = 'public' | 'member';

interface Request {
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  readonly body: Buffer;
  readonly headers: IncomingMessage['headers'];
}

type Reply = { status?: number; json?: unknown; bytes?: Uint8Array; contentType?: string; text?: string };

interface Route {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly path: string;
  readonly access: Access;
  readonly maxBodyBytes: number;
  readonly handler: (request: Request) => Promise<Reply>;
}

/** JSON with byte strings as hex. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (item instanceof Uint8Array ? toHex(item) : item));
}

const OPENAPI_PATH = fileURLToPath(new URL('../../openapi.json', import.meta.url));

export interface ApiServerOptions {
  readonly service: NodeApiService;
  readonly tokens: TokenVerifier;
  readonly metrics: NodeMetrics;
  /** /metrics without credentials (default true). */
  readonly publicMetrics?: boolean;
}

/** The route table; exported so tests can check it against openapi.json. */
export function routes(options: ApiServerOptions): Route[] {
  const { service } = options;
  const q = (request: Request, name: string): string | undefined => request.query.get(name) ?? undefined;
  const json = (value: unknown): Reply => ({ json: value });
  return [
    { method: 'GET', path: '/healthz', access: 'public', maxBodyBytes: 0, handler: async () => json({ ok: true }) },
    {
      method: 'GET',
      path: '/readyz',
      access: 'public',
      maxBodyBytes: 0,
      handler: async () => (service.ready() ? json({ ready: true }) : { status: 503, json: { error: { code: 'NOT_READY', message: 'no leader known yet, or the node halted' } } }),
    },
    {
      method: 'GET',
      path: '/metrics',
      access: options.publicMetrics === false ? 'member' : 'public',
      maxBodyBytes: 0,
      handler: async () => ({ text: await options.metrics.registry.metrics(), contentType: options.metrics.registry.contentType }),
    },
    { method: 'GET', path: '/openapi.json', access: 'public', maxBodyBytes: 0, handler: async () => ({ text: readFileSync(OPENAPI_PATH, 'utf8'), contentType: 'application/json' }) },
    {
      method: 'POST',
      path: '/v1/tx',
      access: 'public',
      maxBodyBytes: TX_MAX_BYTES_DEFAULT + 64 * 1024,
      handler: async (request) => {
        const bytes = request.headers['content-type']?.startsWith('application/json') === true ? txFromJson(request.body) : new Uint8Array(request.body);
        const wait = q(request, 'wait') === 'commit';
        const timeoutMs = Math.min(Number(q(request, 'timeoutMs') ?? 30_000) || 30_000, 120_000);
        const answer = await service.submit(bytes, { wait, timeoutMs });
        return { status: wait ? 200 : 202, json: answer };
      },
    },
    { method: 'GET', path: '/v1/tx/:id', access: 'member', maxBodyBytes: 0, handler: async (r) => json(await service.tx(r.params['id'] as string)) },
    { method: 'GET', path: '/v1/proof/inclusion/:id', access: 'public', maxBodyBytes: 0, handler: async (r) => proofReply(await service.inclusionProof(r.params['id'] as string, q(r, 'treeSize'))) },
    { method: 'GET', path: '/v1/proof/consistency', access: 'public', maxBodyBytes: 0, handler: async (r) => proofReply(await service.consistencyProof(q(r, 'first'), q(r, 'second'))) },
    { method: 'GET', path: '/v1/blocks/:height', access: 'member', maxBodyBytes: 0, handler: async (r) => json(await service.block(r.params['height'] as string)) },
    { method: 'GET', path: '/v1/head', access: 'public', maxBodyBytes: 0, handler: async () => json(await service.latestHeader()) },
    { method: 'GET', path: '/v1/documents/:id', access: 'member', maxBodyBytes: 0, handler: async (r) => json(await service.document(r.params['id'] as string)) },
    { method: 'GET', path: '/v1/query/:by/:value', access: 'member', maxBodyBytes: 0, handler: async (r) => json(await service.query(r.params['by'] as string, r.params['value'] as string, q(r, 'after'))) },
    { method: 'GET', path: '/v1/verifications/open', access: 'member', maxBodyBytes: 0, handler: async (r) => json(await service.openVerifications(q(r, 'after'))) },
    {
      method: 'GET',
      path: '/v1/check/entry-line',
      access: 'member',
      maxBodyBytes: 0,
      handler: async (r) => {
        const params: { importerLei?: string; gtin?: string; date?: string; manufacturerLei?: string } = {};
        for (const name of ['importerLei', 'gtin', 'date', 'manufacturerLei'] as const) {
          const value = q(r, name);
          if (value !== undefined) params[name] = value;
        }
        return json(await service.checkEntryLine(params));
      },
    },
    { method: 'GET', path: '/v1/check/product/:gtin', access: 'public', maxBodyBytes: 0, handler: async (r) => json(await service.checkProduct(r.params['gtin'] as string, q(r, 'seller'))) },
    {
      method: 'PUT',
      path: '/v1/attachments/:sha256',
      access: 'member',
      maxBodyBytes: ATTACHMENT_MAX_BYTES,
      handler: async (r) => ({ status: 201, json: await service.putAttachment(r.params['sha256'] as string, new Uint8Array(r.body)) }),
    },
    {
      method: 'GET',
      path: '/v1/attachments/:sha256',
      access: 'member',
      maxBodyBytes: 0,
      handler: async (r) => ({ bytes: await service.getAttachment(r.params['sha256'] as string), contentType: 'application/octet-stream' }),
    },
    { method: 'GET', path: '/v1/status', access: 'member', maxBodyBytes: 0, handler: async () => json(await service.status()) },
  ];
}

function proofReply(answer: { proof: string; header: Record<string, unknown> }): Reply {
  // The proof is embedded as the exact JSON text the ledger serializes, so clients can hash or
  // store it byte for byte: {"proof":<that text>,"header":{...}}.
  return { text: `{"proof":${answer.proof},"header":${toJson(answer.header)}}`, contentType: 'application/json' };
}

function txFromJson(body: Buffer): Uint8Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new NodeError('BODY_MALFORMED', 'body: expected JSON { "tx": "<base64 of the signed transaction>" }', { status: 400 });
  }
  const tx = (parsed as { tx?: unknown } | null)?.tx;
  if (typeof tx !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(tx)) throw new NodeError('BODY_MALFORMED', 'body.tx: expected base64 of the signed transaction bytes', { status: 400 });
  return new Uint8Array(Buffer.from(tx, 'base64'));
}

function compile(path: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const pattern = path.replace(/:([a-zA-Z0-9]+)/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { regex: new RegExp(`^${pattern}$`), names };
}

function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      reject(new NodeError('BODY_TOO_LARGE', `body: ${declared} bytes exceeds the limit of ${maxBytes} for this route`, { status: 413 }));
      request.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new NodeError('BODY_TOO_LARGE', `body: exceeds the limit of ${maxBytes} bytes for this route`, { status: 413 }));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export function createApiServer(options: ApiServerOptions): Server {
  const table = routes(options).map((route) => ({ route, ...compile(route.path) }));
  const send = (response: ServerResponse, status: number, body: string | Uint8Array, contentType: string, headers: Record<string, string> = {}) => {
    if (response.headersSent) return;
    response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
    response.end(body);
  };
  const fail = (response: ServerResponse, error: unknown, label: string) => {
    const code = errorCode(error) ?? 'INTERNAL';
    let status = error instanceof NodeError ? error.status : code === 'INTERNAL' ? 500 : 400;
    if (status < 400 || status > 599) status = 500;
    const message = status === 500 && !(error instanceof NodeError) ? 'internal error' : (error as Error).message;
    const headers: Record<string, string> = {};
    if (error instanceof NodeError && error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
    options.metrics.rejected.inc({ code });
    options.metrics.httpRequests.inc({ route: label, status: String(status) });
    send(response, status, JSON.stringify({ error: { code, message } }), 'application/json', headers);
  };

  return createServer((request, response) => {
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://localhost');
    } catch {
      fail(response, new NodeError('URL_INVALID', 'the request URL does not parse', { status: 400 }), 'invalid');
      return;
    }
    let matched: (typeof table)[number] | undefined;
    let params: Record<string, string> = {};
    let pathMatched = false;
    for (const entry of table) {
      const m = entry.regex.exec(url.pathname);
      if (m === null) continue;
      pathMatched = true;
      if (entry.route.method !== request.method) continue;
      matched = entry;
      try {
        params = Object.fromEntries(entry.names.map((name, i) => [name, decodeURIComponent(m[i + 1] as string)]));
      } catch {
        fail(response, new NodeError('URL_INVALID', 'a path parameter is not valid percent-encoding', { status: 400 }), entry.route.path);
        return;
      }
      break;
    }
    if (matched === undefined) {
      fail(response, pathMatched ? new NodeError('METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${url.pathname}`, { status: 405 }) : new NodeError('NOT_FOUND', `no route ${url.pathname}`, { status: 404 }), 'unmatched');
      request.resume();
      return;
    }
    const { route } = matched;
    if (route.access === 'member') {
      const header = request.headers.authorization;
      const token = header?.startsWith('Bearer ') === true ? header.slice(7).trim() : undefined;
      if (token === undefined || token.length === 0) {
        fail(response, new NodeError('AUTH_REQUIRED', `${route.path} is for members: send Authorization: Bearer <token>`, { status: 401 }), route.path);
        request.resume();
        return;
      }
      const verdict = options.tokens.check(token);
      if (!verdict.ok) {
        fail(response, new NodeError(verdict.code, verdict.code === 'TOKEN_REVOKED' ? 'this token was revoked' : 'this token is not valid here', { status: verdict.code === 'TOKEN_REVOKED' ? 403 : 401 }), route.path);
        request.resume();
        return;
      }
    }
    void (async () => {
      try {
        const body = route.maxBodyBytes === 0 ? Buffer.alloc(0) : await readBody(request, route.maxBodyBytes);
        if (route.maxBodyBytes === 0) request.resume();
        const reply = await route.handler({ params, query: url.searchParams, body, headers: request.headers });
        const status = reply.status ?? 200;
        options.metrics.httpRequests.inc({ route: route.path, status: String(status) });
        if (reply.bytes !== undefined) send(response, status, reply.bytes, reply.contentType ?? 'application/octet-stream');
        else if (reply.text !== undefined) send(response, status, reply.text, reply.contentType ?? 'text/plain');
        else send(response, status, toJson(reply.json), 'application/json');
      } catch (error) {
        fail(response, error, route.path);
      }
    })();
  });
}
