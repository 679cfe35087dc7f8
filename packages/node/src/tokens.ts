// API access tokens: bearer secrets a node's operator issues to its own organization's users for
// the members-only reads of the HTTP API.
//
// Owns: the token file `<dataDir>/api-tokens.json` and the token format. The file holds only
// SHA-256 hashes of the secrets, never a secret; it is created with mode 0600 and replaced whole
// by write-to-temporary + fsync + rename, so a reader sees the old file or the new one, never a
// torn one. Writers (the CLI's `token create | revoke`) take a lock file (O_EXCL) so two of them
// cannot lose each other's change. The running server's TokenVerifier re-reads the file when its
// identity (inode, size, mtime) changes, checked on every request: a revocation takes effect on
// the next request after the rename.
//
// Must never: log, return or store a secret after createToken hands it out once.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { NodeError } from './errors.js';

export const TOKEN_FILE_NAME = 'api-tokens.json';
export const TOKEN_FILE_MODE = 0o600;
export const TOKEN_FILE_VERSION = 1;
/** Tokens one file may hold, revoked ones included (they are kept for the record). */
export const TOKEN_MAX_ENTRIES = 10_000;
/** The token file is a few hundred bytes per token. */
export const TOKEN_FILE_MAX_BYTES = TOKEN_MAX_ENTRIES * 512;
export const TOKEN_LABEL_MAX_CHARS = 128;
/** `tlk_` + 16 hex id + `_` + 43 base64url characters (32 random bytes). */
const TOKEN_PATTERN = /^tlk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const TOKEN_ID_PATTERN = /^[0-9a-f]{16}$/;
const LEI_SHAPE = /^[A-Z0-9]{18}[0-9]{2}$/;
const LABEL_PATTERN = /^[\x20-\x7e]*$/;
const LOCK_ATTEMPTS = 50;
const LOCK_RETRY_MS = 20;

export interface TokenRecord {
  readonly id: string;
  /** The organization (LEI) the token's holder reads for. */
  readonly org: string;
  readonly label: string;
  readonly createdAtMs: number;
  readonly revokedAtMs?: number;
}

interface StoredToken extends TokenRecord {
  /** SHA-256 of the whole token string (hex). */
  readonly sha256: string;
}

interface TokenFile {
  readonly version: typeof TOKEN_FILE_VERSION;
  readonly tokens: readonly StoredToken[];
}

export function tokenFilePath(dataDir: string): string {
  return join(dataDir, TOKEN_FILE_NAME);
}

function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function invalidFile(path: string, message: string): NodeError {
  return new NodeError('TOKEN_FILE_INVALID', `token file ${path}: ${message}`, { status: 500 });
}

function parseTokenFile(text: string, path: string): TokenFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new NodeError('TOKEN_FILE_INVALID', `token file ${path}: not JSON (${(cause as Error).message})`, { status: 500, cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidFile(path, 'expected an object');
  const file = value as { version?: unknown; tokens?: unknown };
  if (file.version !== TOKEN_FILE_VERSION) throw invalidFile(path, `version: expected ${TOKEN_FILE_VERSION}, got ${JSON.stringify(file.version)}`);
  if (!Array.isArray(file.tokens) || file.tokens.length > TOKEN_MAX_ENTRIES) throw invalidFile(path, `tokens: expected an array of at most ${TOKEN_MAX_ENTRIES}`);
  const tokens: StoredToken[] = [];
  const ids = new Set<string>();
  file.tokens.forEach((entry: unknown, i) => {
    const t = entry as Partial<StoredToken> | null;
    const at = `tokens[${i}]`;
    if (typeof t !== 'object' || t === null) throw invalidFile(path, `${at}: expected an object`);
    if (typeof t.id !== 'string' || !TOKEN_ID_PATTERN.test(t.id) || ids.has(t.id)) throw invalidFile(path, `${at}.id: expected a unique 16-hex-character id`);
    if (typeof t.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(t.sha256)) throw invalidFile(path, `${at}.sha256: expected 64 hex characters`);
    if (typeof t.org !== 'string' || !LEI_SHAPE.test(t.org)) throw invalidFile(path, `${at}.org: expected an LEI`);
    if (typeof t.label !== 'string' || t.label.length > TOKEN_LABEL_MAX_CHARS) throw invalidFile(path, `${at}.label: expected a string`);
    if (!Number.isSafeInteger(t.createdAtMs)) throw invalidFile(path, `${at}.createdAtMs: expected an integer`);
    if (t.revokedAtMs !== undefined && !Number.isSafeInteger(t.revokedAtMs)) throw invalidFile(path, `${at}.revokedAtMs: expected an integer`);
    ids.add(t.id);
    const base = { id: t.id, org: t.org, label: t.label, createdAtMs: t.createdAtMs as number, sha256: t.sha256 };
    tokens.push(t.revokedAtMs === undefined ? base : { ...base, revokedAtMs: t.revokedAtMs });
  });
  return { version: TOKEN_FILE_VERSION, tokens };
}

function readTokenFile(path: string): TokenFile {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > TOKEN_FILE_MAX_BYTES) throw invalidFile(path, `${size} bytes exceeds ${TOKEN_FILE_MAX_BYTES}`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: TOKEN_FILE_VERSION, tokens: [] };
    throw error;
  }
  return parseTokenFile(text, path);
}

function writeTokenFileAtomically(path: string, file: TokenFile): void {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', TOKEN_FILE_MODE);
  try {
    writeSync(fd, `${JSON.stringify(file, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temporary, path);
  } catch (error) {
    unlinkSync(temporary);
    throw error;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Runs `change` on the file under an exclusive lock file; writes what it returns. */
function updateTokenFile<T>(dataDir: string, change: (file: TokenFile) => { file: TokenFile; result: T }): T {
  const path = tokenFilePath(dataDir);
  const lock = `${path}.lock`;
  let fd: number | undefined;
  for (let attempt = 0; fd === undefined; attempt++) {
    try {
      fd = openSync(lock, 'wx', TOKEN_FILE_MODE);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt + 1 >= LOCK_ATTEMPTS) {
        throw new NodeError('TOKEN_FILE_LOCKED', `token file ${path}: could not take ${lock} (${(error as Error).message}); remove it if no token command is running`, { status: 500, cause: error });
      }
      sleepSync(LOCK_RETRY_MS);
    }
  }
  try {
    const { file, result } = change(readTokenFile(path));
    writeTokenFileAtomically(path, file);
    return result;
  } finally {
    closeSync(fd);
    unlinkSync(lock);
  }
}

/** Issues a new token for `org`; the secret is returned here once and stored only as a hash. */
export function createToken(dataDir: string, request: { org: string; label: string }, nowMs: number = Date.now()): { id: string; token: string } {
  if (!LEI_SHAPE.test(request.org)) throw new NodeError('TOKEN_ORG_INVALID', `org: expected an LEI (20 characters), got ${JSON.stringify(request.org)}`, { status: 400 });
  if (request.label.length > TOKEN_LABEL_MAX_CHARS || !LABEL_PATTERN.test(request.label)) {
    throw new NodeError('TOKEN_LABEL_INVALID', `label: expected at most ${TOKEN_LABEL_MAX_CHARS} printable ASCII characters, got ${JSON.stringify(request.label.slice(0, 200))}`, { status: 400 });
  }
  return updateTokenFile(dataDir, (file) => {
    if (file.tokens.length >= TOKEN_MAX_ENTRIES) throw new NodeError('TOKEN_LIMIT', `token file holds ${file.tokens.length} tokens, the most it may`, { status: 400 });
    let id: string;
    do id = randomBytes(8).toString('hex');
    while (file.tokens.some((t) => t.id === id));
    const token = `tlk_${id}_${randomBytes(32).toString('base64url')}`;
    const stored: StoredToken = { id, org: request.org, label: request.label, createdAtMs: nowMs, sha256: hashToken(token) };
    return { file: { version: TOKEN_FILE_VERSION, tokens: [...file.tokens, stored] }, result: { id, token } };
  });
}

/** Every token issued, revoked ones included, without their hashes. */
export function listTokens(dataDir: string): TokenRecord[] {
  return readTokenFile(tokenFilePath(dataDir)).tokens.map(({ sha256: _hash, ...record }) => record);
}

/** Revokes a token by id; TOKEN_NOT_FOUND when there is none. Revoking twice keeps the first time. */
export function revokeToken(dataDir: string, id: string, nowMs: number = Date.now()): TokenRecord {
  return updateTokenFile(dataDir, (file) => {
    const found = file.tokens.find((t) => t.id === id);
    if (found === undefined) throw new NodeError('TOKEN_NOT_FOUND', `token id ${JSON.stringify(id.slice(0, 100))}: no such token`, { status: 404 });
    const revoked: StoredToken = found.revokedAtMs === undefined ? { ...found, revokedAtMs: nowMs } : found;
    const { sha256: _hash, ...record } = revoked;
    return { file: { version: TOKEN_FILE_VERSION, tokens: file.tokens.map((t) => (t.id === id ? revoked : t)) }, result: record };
  });
}

export type TokenCheck =
  | { readonly ok: true; readonly id: string; readonly org: string }
  | { readonly ok: false; readonly code: 'TOKEN_MALFORMED' | 'TOKEN_UNKNOWN' | 'TOKEN_REVOKED' };

/**
 * The server's view of the token file. `check` re-reads the file when it changed since the last
 * look (a stat per call), so revocations apply at once. A file that fails to parse refuses every
 * token (fail closed) until it parses again, and the error is reported through `onError`.
 */
export class TokenVerifier {
  private identity = '';
  private byHash = new Map<string, StoredToken>();
  private readonly path: string;

  constructor(dataDir: string, private readonly onError: (error: unknown) => void = () => undefined) {
    this.path = tokenFilePath(dataDir);
  }

  private refresh(): void {
    let identity: string;
    try {
      const s = statSync(this.path, { bigint: true });
      identity = `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      identity = 'absent';
    }
    if (identity === this.identity) return;
    try {
      const file = readTokenFile(this.path);
      this.byHash = new Map(file.tokens.map((t) => [t.sha256, t]));
      this.identity = identity;
    } catch (error) {
      this.byHash = new Map();
      this.identity = '';
      this.onError(error);
    }
  }

  check(token: string): TokenCheck {
    const match = TOKEN_PATTERN.exec(token);
    if (match === null) return { ok: false, code: 'TOKEN_MALFORMED' };
    this.refresh();
    const digest = hashToken(token);
    const found = this.byHash.get(digest);
    // The map lookup already matched the hash; compare again in constant time for good measure.
    if (found === undefined || !timingSafeEqual(Buffer.from(found.sha256, 'hex'), Buffer.from(digest, 'hex')) || found.id !== match[1]) return { ok: false, code: 'TOKEN_UNKNOWN' };
    if (found.revokedAtMs !== undefined) return { ok: false, code: 'TOKEN_REVOKED' };
    return { ok: true, id: found.id, org: found.org };
  }
}
