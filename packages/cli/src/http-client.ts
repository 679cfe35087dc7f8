// The HTTP client of a node's API. Every failure becomes a CliError: a refused connection, a
// timeout or an answer that is not the API's JSON is NODE_UNREACHABLE / NODE_BAD_RESPONSE (exit
// 3); an API error `{ "error": { code, message } }` keeps its code (exit 1, or 2 for a 400 that
// names bad client input the CLI should have caught). Busy answers (503 with Retry-After) are
// retried a bounded number of times.

import { HTTP_RESPONSE_MAX_BYTES, HTTP_TIMEOUT_MS } from './constants.js';
import { CliError, EXIT, unreachableError, usageError } from './errors.js';

export interface RequestOptions {
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly json?: unknown;
  readonly body?: Uint8Array;
  readonly contentType?: string;
  readonly timeoutMs?: number | undefined;
  /** Retries of a 503 answer (waiting its Retry-After, at most 2 s each). */
  readonly busyRetries?: number;
  /** Answer as raw bytes instead of JSON. */
  readonly raw?: boolean;
}

export const BUSY_RETRIES_DEFAULT = 10;
const RETRY_AFTER_MAX_MS = 2_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Checks and normalises a node URL given with --node: http(s), no credentials, no query. */
export function parseNodeUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw usageError('NODE_URL_INVALID', `--node: ${JSON.stringify(text.slice(0, 200))} is not a URL (expected e.g. http://127.0.0.1:8080)`, 'node', error);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError('NODE_URL_INVALID', `--node: expected an http or https URL, got ${url.protocol}`, 'node');
  if (url.username !== '' || url.password !== '') throw usageError('NODE_URL_INVALID', '--node: put credentials in --token, not in the URL', 'node');
  if (url.search !== '' || url.hash !== '') throw usageError('NODE_URL_INVALID', '--node: the URL must not carry a query or fragment', 'node');
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url;
}

export class NodeClient {
  readonly baseUrl: URL;

  constructor(
    baseUrl: string | URL,
    private readonly token: string | undefined,
  ) {
    this.baseUrl = typeof baseUrl === 'string' ? parseNodeUrl(baseUrl) : baseUrl;
  }

  url(path: string, query?: RequestOptions['query']): URL {
    const url = new URL(path.replace(/^\//, ''), this.baseUrl);
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    return url;
  }

  async request<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, options: RequestOptions = {}): Promise<T> {
    const url = this.url(path, options.query);
    const headers: Record<string, string> = { accept: options.raw === true ? '*/*' : 'application/json' };
    if (this.token !== undefined) headers['authorization'] = `Bearer ${this.token}`;
    let body: Uint8Array | string | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    } else if (options.body !== undefined) {
      body = options.body;
      headers['content-type'] = options.contentType ?? 'application/octet-stream';
    }
    const retries = options.busyRetries ?? BUSY_RETRIES_DEFAULT;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(options.timeoutMs ?? HTTP_TIMEOUT_MS), redirect: 'error' });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const timedOut = (error as Error).name === 'TimeoutError';
        const why = timedOut ? `no answer within ${options.timeoutMs ?? HTTP_TIMEOUT_MS} ms` : (cause?.code ?? cause?.message ?? (error as Error).message);
        throw unreachableError('NODE_UNREACHABLE', `${method} ${url.origin}${url.pathname}: ${why}`, error);
      }
      const bytes = await readBounded(response, url);
      if (response.status === 503 && attempt < retries) {
        const retryAfter = Number(response.headers.get('retry-after') ?? '1');
        await sleep(Math.min(RETRY_AFTER_MAX_MS, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 500));
        continue;
      }
      if (response.ok && options.raw === true) return bytes as T;
      const parsed = parseJson(bytes);
      if (response.ok) {
        if (parsed === undefined) throw unreachableError('NODE_BAD_RESPONSE', `${method} ${url.pathname}: the answer is not JSON (is ${url.origin} a tradeledger node?)`);
        return parsed.value as T;
      }
      throw apiError(response.status, parsed?.value, method, url);
    }
  }
}

async function readBounded(response: Response, url: URL): Promise<Uint8Array> {
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > HTTP_RESPONSE_MAX_BYTES) throw unreachableError('NODE_BAD_RESPONSE', `${url.pathname}: answer of ${length} bytes exceeds ${HTTP_RESPONSE_MAX_BYTES}`);
  try {
    const buffer = new Uint8Array(await response.arrayBuffer());
    if (buffer.length > HTTP_RESPONSE_MAX_BYTES) throw unreachableError('NODE_BAD_RESPONSE', `${url.pathname}: answer of ${buffer.length} bytes exceeds ${HTTP_RESPONSE_MAX_BYTES}`);
    return buffer;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw unreachableError('NODE_UNREACHABLE', `${url.origin}${url.pathname}: the answer broke off: ${(error as Error).message}`, error);
  }
}

function parseJson(bytes: Uint8Array): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(new TextDecoder().decode(bytes)) as unknown };
  } catch {
    return undefined;
  }
}

/** An API error answer as a CliError with the node's code. */
function apiError(status: number, body: unknown, method: string, url: URL): CliError {
  const error = typeof body === 'object' && body !== null ? (body as { error?: { code?: unknown; message?: unknown; field?: unknown } }).error : undefined;
  if (error === undefined || typeof error.code !== 'string') {
    return unreachableError('NODE_BAD_RESPONSE', `${method} ${url.pathname}: HTTP ${status} without an API error body (is ${url.origin} a tradeledger node?)`);
  }
  const message = typeof error.message === 'string' ? error.message : error.code;
  const field = typeof error.field === 'string' ? error.field : undefined;
  return new CliError(error.code, `${message} (HTTP ${status})`, { exitCode: EXIT.rejected, field });
}

