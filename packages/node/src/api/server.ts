// The node's HTTP API over a NodeService: JSON in and out on node:http, bound to loopback unless the
// operator says otherwise. The route table below is the one source of truth for paths, methods,
// access, body limits and query parameters; openapi.json documents exactly these routes (a test
// holds the two equal).
//
// Every failure is `{ "error": { "code", "message" } }`: 400 bad input, 401 no or bad credentials,
// 403 a valid signer that is not a member, 404 unknown, 405 wrong method, 409 duplicate, 413 body
// over the route's limit, 415 wrong content type, 503 + Retry-After busy, 504 timeout, 500 with
// no detail (the details go to the log). A request's bad input costs that request only.
//
// Proof answers embed the ledger's proof JSON verbatim: the `proof` member of
// GET /v1/proof/inclusion/{txId} and GET /v1/proof/consistency is byte for byte the output of
// inclusionProofToJSON / consistencyProofToJSON (JSON.stringify(body.proof) reproduces it), and the
// body of GET /v1/head/certified is exactly certifiedHeadToJSON's output.
//
// The same server serves the web page (web-app.ts) at /app and /01/{gtin}; those paths never reach
// the route table.
//
// Owns: HTTP concerns only. Must never: put a service error's internals in a 500 answer, serve
// an attachment under a type a browser would run, or reveal prices, quantities, values or
// contacts on a public route.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { certifiedHeadToJSON, consistencyProofToJSON, inclusionProofToJSON, TX_MAX_BYTES_DEFAULT, type Page, type ProductCheck } from '@tradeledger/ledger';
import { ATTACHMENT_MAX_BYTES } from '../attachment-store.js';
import { NodeError } from '../errors.js';
import type { NodeMetrics } from '../metrics.js';
import type { TokenVerifier } from '../tokens.js';
import { Authenticator, type Principal } from './auth.js';
import { badRequest, errorAnswer, errorBody, jsonText, parseHex64, parseInteger, parseQuery, readBody, URL_MAX_CHARS, type QuerySpec } from './http-io.js';
import type { NodeService, ProofTarget } from './service.js';
import { isWebPath, WebApp } from './web-app.js';

/** POST /v1/tx body: one signed transaction, raw (its limit) or base64 in JSON (4/3 of it plus the envelope). */
export const API_TX_MAX_BODY_BYTES = Math.ceil((TX_MAX_BYTES_DEFAULT * 4) / 3) + 1024;
/** PUT /v1/attachments/{sha256} body. */
export const API_ATTACHMENT_MAX_BODY_BYTES = ATTACHMENT_MAX_BYTES;
/** Default and longest wait of POST /v1/tx?wait=commit. */
export const API_COMMIT_WAIT_DEFAULT_MS = 30_000;
export const API_COMMIT_WAIT_MAX_MS = 120_000;
/** Longest page a query route returns. */
export const API_PAGE_MAX_ITEMS = 1000;
/** Whole-request deadline (headers and body) and header deadline, enforced by node:http. */
export const API_REQUEST_TIMEOUT_MS = 150_000;
export const API_HEADERS_TIMEOUT_MS = 10_000;
/** At most one warning about connections dropped at the limit per this interval. */
const DROP_WARNING_INTERVAL_MS = 10_000;
/** Concurrent connections the server accepts (default of HttpApiOptions.maxConnections). */
export const API_MAX_CONNECTIONS = 1024;

/** Who may call a route: anyone, members only, or per the `metricsPublic` option. */
export type RouteAccess = 'public' | 'member' | 'metrics';

interface Context {
  readonly request: IncomingMessage;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Map<string, string | number>;
  readonly body: Uint8Array;
  readonly principal: Principal | undefined;
}

interface Reply {
  readonly status?: number;
  /** JSON text, already serialized. */
  readonly json?: string;
  readonly bytes?: Uint8Array;
  readonly text?: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RouteDefinition {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** OpenAPI-style template: `/v1/tx/{txId}`. */
  readonly path: string;
  readonly access: RouteAccess;
  /** 0: the route takes no body. */
  readonly maxBodyBytes: number;
  readonly query: QuerySpec;
}

interface Route extends RouteDefinition {
  readonly handler: (context: Context) => Promise<Reply>;
}

export interface HttpApiOptions {
  readonly service: NodeService;
  readonly tokens: TokenVerifier;
  readonly metrics?: NodeMetrics;
  readonly logger?: { debug(obj: object, msg?: string): void; warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
  /** Concurrent connections accepted; one more is closed on arrival and counted. Default API_MAX_CONNECTIONS. */
  readonly maxConnections?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (a free port). */
  readonly port?: number;
  /** /metrics without credentials (default true). */
  readonly metricsPublic?: boolean;
  /** The clock for signed-request windows (tests). */
  readonly nowMs?: () => number;
  /** The web page served at /app and /01/{gtin}; default the build next to this module. */
  readonly webApp?: WebApp;
}

const OPENAPI_FILE = fileURLToPath(new URL('../../src/api/openapi.json', import.meta.url));
const PAGE_QUERY: QuerySpec = { after: 'string', limit: 'integer' };

function json(value: unknown, status = 200): Reply {
  return { status, json: jsonText(value) };
}

/** Serializes with a ledger *ToJSON function; a failure there is the server's fault, never bad input. */
function serialize<T>(what: string, fn: (value: T) => string, value: T): string {
  try {
    return fn(value);
  } catch (cause) {
    throw new Error(`serializing ${what} failed: ${(cause as Error).message}`, { cause });
  }
}

function pageOf(query: Map<string, string | number>): Page {
  const after = query.get('after');
  const limit = query.get('limit');
  if (after !== undefined) parseHex64(String(after), 'after', 'PARAM_INVALID');
  if (limit !== undefined && (typeof limit !== 'number' || limit < 1 || limit > API_PAGE_MAX_ITEMS)) throw badRequest('PARAM_INVALID', `limit: expected an integer in [1, ${API_PAGE_MAX_ITEMS}], got ${String(limit)}`);
  return { ...(after === undefined ? {} : { after: String(after) }), ...(limit === undefined ? {} : { limit: limit as number }) };
}

function optionalString(query: Map<string, string | number>, name: string): string | undefined {
  const value = query.get(name);
  return value === undefined ? undefined : String(value);
}

function requiredString(query: Map<string, string | number>, name: string): string {
  const value = query.get(name);
  if (value === undefined) throw badRequest('PARAM_MISSING', `query parameter ${name}: required`);
  return String(value);
}

/**
 * The public product check, rebuilt field by field from an allow-list: whatever else the service
 * returns (a price, a quantity, a contact) cannot reach an anonymous caller.
 */
export function publicProductView(check: ProductCheck): ProductCheck {
  const rightsHolders = check.rightsHolders.map((r) => ({ lei: r.lei, ...(r.name === undefined ? {} : { name: r.name }), brands: [...r.brands], marks: [...r.marks], rightId: r.rightId }));
  const licensed = check.licensed.map((l) => ({ lei: l.lei, ...(l.name === undefined ? {} : { name: l.name }), role: l.role, licenseId: l.licenseId, territory: [...l.territory], validTo: l.validTo }));
  const base = { gtin14: check.gtin14, digitalLink: check.digitalLink, asOfMs: check.asOfMs, rightsHolders, licensed };
  return check.seller === undefined ? base : { ...base, seller: { lei: check.seller.lei, licensed: check.seller.licensed, roles: [...check.seller.roles] } };
}

/** Media types an attachment is served under; anything else is application/octet-stream. */
const SERVABLE_MEDIA_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain']);

function txBytesFrom(context: Context): Uint8Array {
  const type = (context.request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/octet-stream') {
    if (context.body.length === 0) throw badRequest('BODY_EMPTY', 'body: expected the signed transaction bytes');
    if (context.body.length > TX_MAX_BYTES_DEFAULT) throw new NodeError('TX_TOO_LARGE', `transaction: ${context.body.length} bytes exceeds the limit of ${TX_MAX_BYTES_DEFAULT}`, { status: 413 });
    return context.body;
  }
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(context.body).toString('utf8'));
    } catch {
      throw badRequest('BODY_MALFORMED', 'body: not JSON; expected { "tx": "<base64 of the signed transaction>" }');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badRequest('BODY_MALFORMED', 'body: expected a JSON object { "tx": "<base64>" }');
    const keys = Object.keys(parsed);
    const extra = keys.find((k) => k !== 'tx');
    if (extra !== undefined) throw badRequest('BODY_MALFORMED', `body.${extra.slice(0, 40)}: unknown field (expected only tx)`);
    const tx = (parsed as { tx?: unknown }).tx;
    if (typeof tx !== 'string' || tx.length === 0 || tx.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(tx)) throw badRequest('BODY_MALFORMED', 'body.tx: expected the signed transaction bytes in padded base64');
    const bytes = Buffer.from(tx, 'base64');
    if (bytes.length > TX_MAX_BYTES_DEFAULT) throw new NodeError('TX_TOO_LARGE', `transaction: ${bytes.length} bytes exceeds the limit of ${TX_MAX_BYTES_DEFAULT}`, { status: 413 });
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  throw new NodeError('CONTENT_TYPE_UNSUPPORTED', `Content-Type: expected application/octet-stream or application/json, got ${JSON.stringify(type.slice(0, 80))}`, { status: 415 });
}

function buildRoutes(service: NodeService, openapiText: () => string, metrics: NodeMetrics | undefined): Route[] {
  const route = (method: Route['method'], path: string, access: RouteAccess, handler: Route['handler'], extra: { maxBodyBytes?: number; query?: QuerySpec } = {}): Route => ({
    method,
    path,
    access,
    maxBodyBytes: extra.maxBodyBytes ?? 0,
    query: extra.query ?? {},
    handler,
  });
  const txIdParam = (c: Context) => parseHex64(c.params.txId ?? '', 'txId', 'TX_ID_INVALID');
  const queryRoute = (path: string, name: string, run: (value: string, page: Page) => Promise<unknown>) =>
    route('GET', path, 'member', async (c) => json(await run(c.params[name] ?? '', pageOf(c.query))), { query: PAGE_QUERY });

  return [
    route('GET', '/healthz', 'public', async () => json({ ok: true })),
    route('GET', '/readyz', 'public', async () => {
      const readiness = await service.readiness();
      if (readiness.ready) return json({ ready: true });
      throw new NodeError('NOT_READY', `not ready: ${readiness.reasons.join(', ') || 'unknown'}`, { status: 503, retryAfterSeconds: 1 });
    }),
    route('GET', '/metrics', 'metrics', async () => {
      if (metrics === undefined) throw new NodeError('METRICS_DISABLED', 'this server was started without metrics', { status: 404 });
      return { text: await metrics.text(), contentType: 'text/plain; version=0.0.4; charset=utf-8' };
    }),
    route('GET', '/openapi.json', 'public', async () => ({ text: openapiText(), contentType: 'application/json' })),

    route(
      'POST',
      '/v1/tx',
      'public',
      async (c) => {
        const bytes = txBytesFrom(c);
        const wait = optionalString(c.query, 'wait');
        if (wait !== undefined && wait !== 'commit') throw badRequest('PARAM_INVALID', `wait: expected commit, got ${JSON.stringify(wait.slice(0, 40))}`);
        const timeoutRaw = c.query.get('timeoutMs');
        if (timeoutRaw !== undefined && wait === undefined) throw badRequest('PARAM_INVALID', 'timeoutMs: only with wait=commit');
        const timeoutMs = timeoutRaw === undefined ? API_COMMIT_WAIT_DEFAULT_MS : parseInteger(String(timeoutRaw), 'timeoutMs', 1, API_COMMIT_WAIT_MAX_MS);
        const { txId } = await service.submitTx(bytes);
        if (wait === undefined) return json({ txId, status: 'accepted' }, 202);
        try {
          const committed = await service.waitForCommit(txId, timeoutMs);
          return json({ txId: committed.txId, status: 'committed', height: committed.height, position: committed.position, result: committed.result });
        } catch (error) {
          // Accepted but not applied within the wait: not a failure of the submission.
          if (error instanceof NodeError && error.code === 'COMMIT_TIMEOUT') return json({ txId, status: 'pending' }, 202);
          throw error;
        }
      },
      { maxBodyBytes: API_TX_MAX_BODY_BYTES, query: { wait: 'string', timeoutMs: 'integer' } },
    ),
    route('GET', '/v1/tx/{txId}', 'member', async (c) => {
      const view = await service.getTx(txIdParam(c));
      if (view.status === 'unknown') throw new NodeError('TX_NOT_FOUND', `transaction ${view.txId}: neither pending nor in the ledger on this node`, { status: 404 });
      return json(view);
    }),

    route(
      'GET',
      '/v1/proof/inclusion/{txId}',
      'public',
      async (c) => {
        const txId = txIdParam(c);
        const treeSize = c.query.get('treeSize');
        const at = optionalString(c.query, 'at');
        if (at !== undefined && at !== 'head' && at !== 'certified') throw badRequest('PARAM_INVALID', `at: expected head or certified, got ${JSON.stringify(at.slice(0, 40))}`);
        if (at !== undefined && treeSize !== undefined) throw badRequest('PARAM_INVALID', 'treeSize and at: give one, not both');
        const target: ProofTarget = treeSize !== undefined ? { kind: 'treeSize', treeSize: treeSize as number } : at === 'certified' ? { kind: 'certified' } : { kind: 'head' };
        if (target.kind === 'treeSize' && target.treeSize < 1) throw badRequest('PARAM_INVALID', 'treeSize: expected at least 1');
        const answer = await service.inclusionProof(txId, target);
        if (answer === undefined) throw new NodeError('TX_NOT_FOUND', `transaction ${txId}: not in the log${target.kind === 'treeSize' ? ` at size ${target.treeSize}` : ''} on this node`, { status: 404 });
        const parts = [
          `"txId":${JSON.stringify(answer.txId)}`,
          `"height":${answer.height}`,
          `"position":${answer.position}`,
          `"proof":${serialize('inclusion proof', inclusionProofToJSON, answer.proof)}`,
          `"header":${answer.header === undefined ? 'null' : jsonText(answer.header)}`,
        ];
        if (answer.certifiedHead !== undefined) parts.push(`"certifiedHead":${serialize('certified head', certifiedHeadToJSON, answer.certifiedHead)}`);
        return { json: `{${parts.join(',')}}` };
      },
      { query: { treeSize: 'integer', at: 'string' } },
    ),
    route(
      'GET',
      '/v1/proof/consistency',
      'public',
      async (c) => {
        const first = c.query.get('first');
        const second = c.query.get('second');
        if (first === undefined || second === undefined) throw badRequest('PARAM_MISSING', 'first and second: both required (log sizes, 0 < first <= second)');
        if ((first as number) < 1 || (first as number) > (second as number)) throw badRequest('PROOF_SIZE_INVALID', `first ${first}, second ${second}: need 0 < first <= second`);
        const answer = await service.consistencyProof(first as number, second as number);
        const parts = [
          `"proof":${serialize('consistency proof', consistencyProofToJSON, answer.proof)}`,
          `"firstHeader":${answer.firstHeader === undefined ? 'null' : jsonText(answer.firstHeader)}`,
          `"secondHeader":${answer.secondHeader === undefined ? 'null' : jsonText(answer.secondHeader)}`,
        ];
        return { json: `{${parts.join(',')}}` };
      },
      { query: { first: 'integer', second: 'integer' } },
    ),

    route('GET', '/v1/blocks/{height}', 'member', async (c) => {
      const height = parseInteger(c.params.height ?? '', 'height');
      const block = await service.getBlock(height);
      if (block === undefined) throw new NodeError('BLOCK_NOT_FOUND', `no block at height ${height} on this node`, { status: 404 });
      if ((c.request.headers.accept ?? '').split(',').some((t) => t.split(';')[0]?.trim() === 'application/octet-stream')) return { bytes: block.bytes, contentType: 'application/octet-stream' };
      return json({ header: block.header, txs: block.txs });
    }),
    route('GET', '/v1/head', 'public', async () => json(await service.head())),
    route('GET', '/v1/membership', 'public', async () => json(await service.membership())),
    route('GET', '/v1/head/certified', 'public', async () => {
      const head = await service.certifiedHead();
      if (head === undefined) throw new NodeError('NO_CERTIFIED_HEAD', 'no head has been cosigned by a quorum of members yet', { status: 404 });
      return { json: serialize('certified head', certifiedHeadToJSON, head) };
    }),

    route('GET', '/v1/documents/{id}', 'member', async (c) => {
      const id = parseHex64(c.params.id ?? '', 'id', 'DOC_REF_FORMAT');
      const found = await service.getDocument(id);
      if (found === undefined) throw new NodeError('DOCUMENT_NOT_FOUND', `no document ${id}`, { status: 404 });
      return json(found);
    }),
    queryRoute('/v1/query/lei/{lei}', 'lei', (v, p) => service.byLei(v, p)),
    queryRoute('/v1/query/gtin/{gtin}', 'gtin', (v, p) => service.byGtin(v, p)),
    queryRoute('/v1/query/hs/{hsCode}', 'hsCode', (v, p) => service.byHsCode(v, p)),
    queryRoute('/v1/query/certificate/{certificateId}', 'certificateId', (v, p) => service.byCertificate(parseHex64(v, 'certificateId', 'DOC_REF_FORMAT'), p)),
    route('GET', '/v1/query/entry/{entryNumber}', 'member', async (c) => {
      const entryNumber = c.params.entryNumber ?? '';
      const found = await service.byEntryNumber(entryNumber);
      if (found === undefined) throw new NodeError('DOCUMENT_NOT_FOUND', `no entry filed under ${JSON.stringify(entryNumber.slice(0, 40))}`, { status: 404 });
      return json(found);
    }),
    route('GET', '/v1/verifications/open', 'member', async (c) => json(await service.openVerifications(pageOf(c.query))), { query: PAGE_QUERY }),
    route(
      'GET',
      '/v1/check/entry-line',
      'member',
      async (c) => {
        const manufacturerLei = optionalString(c.query, 'manufacturerLei');
        const cited = optionalString(c.query, 'credentials');
        const credentials = cited === undefined ? undefined : cited.split(',');
        if (credentials !== undefined && (credentials.length > 10 || credentials.some((id) => !/^[0-9a-f]{64}$/.test(id)))) {
          throw badRequest('PARAM_INVALID', 'credentials: expected up to 10 comma-separated document ids or credential hashes (64 hex characters each)');
        }
        const query = { importerLei: requiredString(c.query, 'importerLei'), gtin: requiredString(c.query, 'gtin'), date: requiredString(c.query, 'date') };
        return json(
          await service.checkEntryLine({ ...query, ...(manufacturerLei === undefined ? {} : { manufacturerLei }), ...(credentials === undefined ? {} : { credentials }) }),
        );
      },
      { query: { importerLei: 'string', gtin: 'string', date: 'string', manufacturerLei: 'string', credentials: 'string' } },
    ),
    route(
      'GET',
      '/v1/check/product/{gtin}',
      'public',
      async (c) => {
        const seller = optionalString(c.query, 'seller');
        const date = optionalString(c.query, 'date');
        const check = await service.checkProduct({ gtin: c.params.gtin ?? '', ...(seller === undefined ? {} : { sellerLei: seller }), ...(date === undefined ? {} : { date }) });
        return json(publicProductView(check));
      },
      { query: { seller: 'string', date: 'string' } },
    ),

    route(
      'PUT',
      '/v1/attachments/{sha256}',
      'member',
      async (c) => {
        const sha256 = parseHex64(c.params.sha256 ?? '', 'sha256', 'ATTACHMENT_HASH_INVALID');
        if (c.body.length === 0) throw badRequest('BODY_EMPTY', 'body: expected the attachment bytes');
        return json(await service.putAttachment(sha256, c.body), 201);
      },
      { maxBodyBytes: API_ATTACHMENT_MAX_BODY_BYTES },
    ),
    route('GET', '/v1/attachments/{sha256}', 'member', async (c) => {
      const sha256 = parseHex64(c.params.sha256 ?? '', 'sha256', 'ATTACHMENT_HASH_INVALID');
      const found = await service.getAttachment(sha256);
      if (found === undefined) throw new NodeError('ATTACHMENT_NOT_FOUND', `attachment ${sha256}: neither this node nor a reachable peer holds it`, { status: 404 });
      const type = found.mediaType !== undefined && SERVABLE_MEDIA_TYPES.has(found.mediaType) ? found.mediaType : 'application/octet-stream';
      return {
        bytes: found.bytes,
        contentType: type,
        headers: {
          etag: `"${sha256}"`,
          'cache-control': 'private, max-age=31536000, immutable',
          'content-security-policy': "default-src 'none'; sandbox",
          ...(type.startsWith('image/') ? {} : { 'content-disposition': `attachment; filename="${sha256}"` }),
        },
      };
    }),
    route('GET', '/v1/status', 'member', async () => json(await service.status())),
  ];
}

/** Method, path template, access, body limit and query parameters of every route (for docs and tests). */
export function apiRouteDefinitions(): RouteDefinition[] {
  const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('not called')) }) as NodeService;
  return buildRoutes(unused, () => '', undefined).map(({ method, path, access, maxBodyBytes, query }) => ({ method, path, access, maxBodyBytes, query }));
}

interface CompiledRoute {
  readonly route: Route;
  readonly segments: readonly string[];
}

function compile(route: Route): CompiledRoute {
  return { route, segments: route.path.split('/').slice(1) };
}

/** Matches path segments (still percent-encoded) against a template; the parameters decoded. */
function match(compiled: CompiledRoute, segments: readonly string[]): Record<string, string> | undefined {
  if (compiled.segments.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const template = compiled.segments[i] as string;
    const actual = segments[i] as string;
    if (template.startsWith('{')) {
      if (actual.length === 0) return undefined;
      let decoded: string;
      try {
        decoded = decodeURIComponent(actual);
      } catch {
        throw badRequest('PATH_INVALID', `path segment ${JSON.stringify(actual.slice(0, 80))}: not valid percent-encoding`);
      }
      params[template.slice(1, -1)] = decoded;
    } else if (template !== actual) return undefined;
  }
  return params;
}

/** The running API server. */
export class HttpApi {
  private constructor(
    readonly server: Server,
    readonly routes: readonly RouteDefinition[],
  ) {}

  /** Starts listening; resolves once bound. */
  static async start(options: HttpApiOptions): Promise<HttpApi> {
    const openapi = readFileSync(OPENAPI_FILE, 'utf8');
    const routes = buildRoutes(options.service, () => openapi, options.metrics).map(compile);
    const webApp = options.webApp ?? WebApp.load();
    const authenticator = new Authenticator({ service: options.service, tokens: options.tokens, ...(options.nowMs === undefined ? {} : { nowMs: options.nowMs }) });
    const server = createServer({ requestTimeout: API_REQUEST_TIMEOUT_MS, headersTimeout: API_HEADERS_TIMEOUT_MS, maxHeaderSize: 16 * 1024 }, (request, response) => {
      void handle(request, response, routes, authenticator, webApp, options).catch((error: unknown) => {
        // handle() answers every error itself; reaching here means writing the answer failed.
        options.logger?.error({ err: error }, 'HTTP answer failed');
        if (!response.headersSent) response.destroy();
      });
    });
    const maxConnections = options.maxConnections ?? API_MAX_CONNECTIONS;
    // Node reads 0 or NaN as "no limit" and a negative limit as "refuse everyone".
    if (!Number.isSafeInteger(maxConnections) || maxConnections < 1) throw new NodeError('CONFIG_INVALID', `maxConnections: expected an integer >= 1, got ${String(maxConnections)}`, { status: 500 });
    server.maxConnections = maxConnections;
    // Node closes a connection past the limit as it arrives, before any answer (its client sees a
    // reset if it had already sent its request, else the connection closed): counted, and told to
    // the operator at most every DROP_WARNING_INTERVAL_MS (drops after the last warning of a burst
    // show in the counter only).
    let dropsUntold = 0;
    let lastDropWarningMs = Number.NEGATIVE_INFINITY;
    server.on('drop', () => {
      options.metrics?.httpConnectionDropped();
      dropsUntold += 1;
      const now = performance.now();
      if (now - lastDropWarningMs < DROP_WARNING_INTERVAL_MS) return;
      options.logger?.warn({ dropped: dropsUntold, maxConnections: server.maxConnections }, 'HTTP API at its connection limit: new connections are closed on arrival');
      dropsUntold = 0;
      lastDropWarningMs = now;
    });
    server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      // Malformed HTTP (bad request line, oversized headers): answer 400 when the socket allows
      // and no answer has begun on it (as node:http's own handler does), else just close it.
      const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
      if (socket.writable && error.code !== 'ECONNRESET' && (inFlight === undefined || inFlight === null || inFlight.headersSent !== true)) socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${errorBody('HTTP_MALFORMED', 'the request is not valid HTTP/1.1')}`);
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new HttpApi(server, routes.map(({ route }) => ({ method: route.method, path: route.path, access: route.access, maxBodyBytes: route.maxBodyBytes, query: route.query })));
  }

  get address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  /** http://host:port (IPv6 hosts bracketed). */
  get url(): string {
    const { address, port } = this.address;
    return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

const BASE_HEADERS = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' };

async function handle(request: IncomingMessage, response: ServerResponse, routes: readonly CompiledRoute[], authenticator: Authenticator, webApp: WebApp, options: HttpApiOptions): Promise<void> {
  const started = performance.now();
  let label = 'unmatched';
  const method = request.method ?? 'GET';
  response.once('finish', () => options.metrics?.httpRequest(label, ['GET', 'POST', 'PUT'].includes(method) ? method : 'OTHER', response.statusCode, performance.now() - started));

  const send = (status: number, body: string | Uint8Array, contentType: string, headers: Readonly<Record<string, string>> = {}) => {
    response.writeHead(status, { ...BASE_HEADERS, 'content-type': contentType, 'content-length': String(typeof body === 'string' ? Buffer.byteLength(body) : body.length), ...headers });
    response.end(body);
  };
  const fail = (error: unknown) => {
    const answer = errorAnswer(error);
    if (answer.internal) options.logger?.error({ err: error, route: label, method }, 'API request failed');
    else {
      options.logger?.debug({ code: answer.code, status: answer.status, route: label }, 'API request refused');
      if (answer.status < 500) options.metrics?.inputRejected('api', answer.code);
    }
    if (response.headersSent) {
      response.destroy();
      return;
    }
    send(answer.status, errorBody(answer.code, answer.message), 'application/json', answer.retryAfterSeconds === undefined ? {} : { 'retry-after': String(answer.retryAfterSeconds) });
  };

  try {
    const target = request.url ?? '';
    if (target.length === 0 || target.length > URL_MAX_CHARS || !target.startsWith('/')) throw badRequest('URL_INVALID', `request target: expected a path of at most ${URL_MAX_CHARS} characters`);
    const queryAt = target.indexOf('?');
    const pathname = queryAt === -1 ? target : target.slice(0, queryAt);
    const search = new URLSearchParams(queryAt === -1 ? '' : target.slice(queryAt + 1));
    const segments = pathname.split('/').slice(1);

    if (isWebPath(pathname)) {
      label = 'web';
      const answer = webApp.answer(method, pathname);
      response.writeHead(answer.status, { ...BASE_HEADERS, ...answer.headers, 'content-length': String(answer.body.length) });
      response.end(method === 'HEAD' ? undefined : answer.body);
      return;
    }

    let found: { route: Route; params: Record<string, string> } | undefined;
    const allowed: string[] = [];
    for (const compiled of routes) {
      const params = match(compiled, segments);
      if (params === undefined) continue;
      if (compiled.route.method !== method) {
        allowed.push(compiled.route.method);
        continue;
      }
      found = { route: compiled.route, params };
      break;
    }
    if (found === undefined) {
      if (allowed.length > 0) throw new NodeError('METHOD_NOT_ALLOWED', `${method.slice(0, 16)} ${pathname.slice(0, 200)}: allowed ${allowed.join(', ')}`, { status: 405 });
      throw new NodeError('NOT_FOUND', `no route ${JSON.stringify(pathname.slice(0, 200))}; see /openapi.json`, { status: 404 });
    }
    const { route, params } = found;
    label = route.path;
    const query = parseQuery(search, route.query);
    const member = route.access === 'member' || (route.access === 'metrics' && options.metricsPublic === false);
    if (member && (request.headers.authorization ?? '') === '') {
      // Refuse before reading a body nobody may send here anonymously.
      throw new NodeError('AUTH_REQUIRED', `${route.path} is for members: send Authorization: Bearer <token> or a TL-Sig signed request`, { status: 401 });
    }
    const hasBody = request.headers['content-length'] !== undefined ? request.headers['content-length'] !== '0' : request.headers['transfer-encoding'] !== undefined;
    if (route.maxBodyBytes === 0 && hasBody) throw new NodeError('BODY_TOO_LARGE', `${route.method} ${route.path} takes no body`, { status: 413 });
    // A bearer token is checked before the body is read; a signature covers the body, so after.
    const authenticate = (body: Uint8Array) => authenticator.authenticate({ method, pathAndQuery: target, authorization: request.headers.authorization, body });
    const signed = request.headers.authorization?.startsWith('TL-Sig ') === true;
    let principal = member && !signed ? await authenticate(new Uint8Array(0)) : undefined;
    const body = route.maxBodyBytes === 0 ? new Uint8Array(0) : await readBody(request, route.maxBodyBytes);
    if (member && signed) principal = await authenticate(body);
    const reply = await route.handler({ request, params, query, body, principal });
    const status = reply.status ?? 200;
    if (reply.bytes !== undefined) send(status, reply.bytes, reply.contentType ?? 'application/octet-stream', reply.headers);
    else if (reply.text !== undefined) send(status, reply.text, reply.contentType ?? 'text/plain; charset=utf-8', reply.headers);
    else send(status, reply.json ?? '{}', 'application/json', reply.headers);
  } catch (error) {
    fail(error);
  }
}
