// The HTTP plumbing under the API's routes: bounded body reading, strict query and path parameters,
// the error answer, and JSON bytes. Nothing here knows a route's meaning.
//
// Limits: a body is read only up to its route's limit; a declared Content-Length above it is
// refused before any byte is read, and a chunked body that passes it stops being buffered at once
// (the rest is discarded by Node's keep-alive handling, bounded by the server's request timeout).

import type { IncomingMessage } from 'node:http';
import { LedgerError } from '@tradeledger/ledger';
import { NodeError } from '../errors.js';

/** Longest request target (path and query) the API considers. */
export const URL_MAX_CHARS = 4096;
/** Query parameters one request may carry. */
export const QUERY_MAX_PARAMS = 16;

export function badRequest(code: string, message: string): NodeError {
  return new NodeError(code, message, { status: 400 });
}

function show(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

/** Reads the whole body, at most `maxBytes`; BODY_TOO_LARGE (413) past it. */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers['content-length'];
  if (declared !== undefined) {
    const length = Number(declared);
    if (!/^[0-9]{1,16}$/.test(declared) || !Number.isSafeInteger(length)) return Promise.reject(badRequest('CONTENT_LENGTH_INVALID', `Content-Length: expected a byte count, got ${show(declared)}`));
    if (length > maxBytes) return Promise.reject(new NodeError('BODY_TOO_LARGE', `body: ${length} bytes exceeds this route's limit of ${maxBytes} bytes`, { status: 413 }));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        settled = true;
        request.off('data', onData);
        chunks.length = 0;
        request.resume();
        reject(new NodeError('BODY_TOO_LARGE', `body: more than this route's limit of ${maxBytes} bytes`, { status: 413 }));
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => {
      if (settled) return;
      settled = true;
      const body = Buffer.concat(chunks, size);
      resolve(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
    });
    request.once('error', (error) => {
      if (settled) return;
      settled = true;
      reject(new NodeError('BODY_READ_FAILED', `body: the upload failed (${error.message})`, { status: 400, cause: error }));
    });
    request.once('aborted', () => {
      if (settled) return;
      settled = true;
      reject(new NodeError('BODY_READ_FAILED', 'body: the client aborted the upload', { status: 400 }));
    });
  });
}

export interface QuerySpec {
  readonly [name: string]: 'string' | 'integer';
}

/**
 * The query string as a map, refusing parameters the route does not take, repeated parameters and
 * values that are not what the route expects. Integers are safe non-negative decimals.
 */
export function parseQuery(search: URLSearchParams, spec: QuerySpec): Map<string, string | number> {
  const out = new Map<string, string | number>();
  let count = 0;
  for (const [name, value] of search) {
    if (++count > QUERY_MAX_PARAMS) throw badRequest('PARAM_UNKNOWN', `query: more than ${QUERY_MAX_PARAMS} parameters`);
    const kind = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (kind === undefined) {
      const known = Object.keys(spec);
      throw badRequest('PARAM_UNKNOWN', `query parameter ${show(name)}: not taken by this route${known.length === 0 ? '' : ` (it takes ${known.join(', ')})`}`);
    }
    if (out.has(name)) throw badRequest('PARAM_INVALID', `query parameter ${name}: given more than once`);
    if (kind === 'integer') out.set(name, parseInteger(value, name));
    else {
      if (value.length === 0 || value.length > 256) throw badRequest('PARAM_INVALID', `query parameter ${name}: expected 1 to 256 characters, got ${value.length}`);
      out.set(name, value);
    }
  }
  return out;
}

export function parseInteger(value: string, field: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^(?:0|[1-9][0-9]{0,15})$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw badRequest('PARAM_INVALID', `${field}: expected an integer in [${min}, ${max}], got ${show(value)}`);
  }
  return n;
}

const HEX64 = /^[0-9a-f]{64}$/;

export function parseHex64(value: string, field: string, code: string): string {
  if (!HEX64.test(value)) throw badRequest(code, `${field}: expected 64 lower-case hex characters, got ${show(value)}`);
  return value;
}

/** JSON text; byte arrays as lower-case hex and bigints as decimal strings, so no value throws. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item instanceof Uint8Array) return Buffer.from(item.buffer, item.byteOffset, item.byteLength).toString('hex');
    if (typeof item === 'bigint') return item.toString();
    return item;
  });
}

export interface ErrorAnswer {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly retryAfterSeconds?: number;
  /** Whether this is the server's fault (logged at error level, details withheld). */
  readonly internal: boolean;
}

/**
 * How an error thrown behind a route is answered. NodeErrors keep their code and status; a
 * LedgerError naming a `field` is bad input (400); anything else is 500 INTERNAL with no detail.
 */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof NodeError) {
    const status = error.status >= 400 && error.status <= 599 ? error.status : 500;
    if (status >= 500 && status !== 503 && status !== 504) return { status: 500, code: 'INTERNAL', message: 'internal error', internal: true };
    return status === 503
      ? { status, code: error.code, message: error.message, retryAfterSeconds: error.retryAfterSeconds ?? 1, internal: false }
      : { status, code: error.code, message: error.message, internal: false };
  }
  if (error instanceof LedgerError && error.field !== undefined && error.code !== 'ASSERTION_FAILED') {
    return { status: 400, code: error.code, message: error.message, internal: false };
  }
  return { status: 500, code: 'INTERNAL', message: 'internal error', internal: true };
}

export function errorBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}
