// Access tokens: a node's operator issues bearer tokens to its own organization's users for the
// members-only reads. Only SHA-256 hashes are stored, in `<dataDir>/tokens.json` (mode 0600,
// written to a temporary file and renamed). A running node re-reads the file whenever it changes,
// so `tradeledger token revoke` takes effect at the next request.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeError } from './errors.js';

export interface TokenRecord {
  readonly id: string;
  /** The organization (LEI) whose users hold the token. */
  readonly org: string;
  readonly label: string;
  readonly createdAt: string;
  readonly sha256: string;
  readonly revokedAt?: string;
}

const TOKENS_FILE = 'tokens.json';
/** Tokens one node keeps (live and revoked). */
export const TOKENS_MAX = 10_000;
const TOKEN_PREFIX = 'tlt_';

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function tokensPath(dataDir: string): string {
  return join(dataDir, TOKENS_FILE);
}

function readRecords(path: string): TokenRecord[] {
  if (!existsSync(path)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new NodeError('TOKENS_FILE_INVALID', `${path}: not JSON (${(error as Error).message})`, { cause: error });
  }
  if (!Array.isArray(parsed) || !parsed.every((r) => typeof r === 'object' && r !== null && typeof r.id === 'string' && typeof r.sha256 === 'string' && typeof r.org === 'string')) {
    throw new NodeError('TOKENS_FILE_INVALID', `${path}: expected an array of token records`);
  }
  return parsed as TokenRecord[];
}

function writeRecords(path: string, records: readonly TokenRecord[]): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(records, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

/** Issues a token for `org`; the token itself is returned once and never stored. */
export function createToken(dataDir: string, args: { org: string; label: string; now?: Date }): { id: string; token: string } {
  const path = tokensPath(dataDir);
  const records = readRecords(path);
  if (records.length >= TOKENS_MAX) throw new NodeError('TOKENS_FULL', `${path} already holds ${TOKENS_MAX} tokens`);
  if (!/^[A-Z0-9]{20}$/.test(args.org)) throw new NodeError('TOKEN_ORG_INVALID', `org: expected a 20-character LEI, got ${JSON.stringify(args.org)}`, { status: 400 });
  const token = `${TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`;
  const id = randomBytes(6).toString('hex');
  records.push({ id, org: args.org, label: args.label.slice(0, 200), createdAt: (args.now ?? new Date()).toISOString(), sha256: hashToken(token) });
  writeRecords(path, records);
  return { id, token };
}

export function listTokens(dataDir: string): TokenRecord[] {
  return readRecords(tokensPath(dataDir));
}

export function revokeToken(dataDir: string, id: string, now: Date = new Date()): TokenRecord {
  const path = tokensPath(dataDir);
  const records = readRecords(path);
  const index = records.findIndex((r) => r.id === id);
  if (index < 0) throw new NodeError('TOKEN_NOT_FOUND', `no token with id ${JSON.stringify(id)}`, { status: 404 });
  const revoked = { ...(records[index] as TokenRecord), revokedAt: (records[index] as TokenRecord).revokedAt ?? now.toISOString() };
  records[index] = revoked;
  writeRecords(path, records);
  return revoked;
}

/** What a running node checks bearer tokens against; re-reads the file when it changes. */
export class TokenVerifier {
  private records: TokenRecord[] = [];
  private loadedMtimeMs = -1;
  private loadedSize = -1;

  constructor(private readonly dataDir: string) {}

  private refresh(): void {
    const path = tokensPath(this.dataDir);
    let mtimeMs = 0;
    let size = 0;
    try {
      const stats = statSync(path);
      mtimeMs = stats.mtimeMs;
      size = stats.size;
    } catch {
      this.records = [];
      this.loadedMtimeMs = 0;
      return;
    }
    if (mtimeMs === this.loadedMtimeMs && size === this.loadedSize) return;
    this.records = readRecords(path);
    this.loadedMtimeMs = mtimeMs;
    this.loadedSize = size;
  }

  /** The live record a presented token matches, or why not. */
  check(token: string): { ok: true; record: TokenRecord } | { ok: false; code: 'TOKEN_INVALID' | 'TOKEN_REVOKED' } {
    this.refresh();
    const presented = Buffer.from(hashToken(token), 'hex');
    for (const record of this.records) {
      const stored = Buffer.from(record.sha256, 'hex');
      if (stored.length === presented.length && timingSafeEqual(stored, presented)) {
        return record.revokedAt === undefined ? { ok: true, record } : { ok: false, code: 'TOKEN_REVOKED' };
      }
    }
    return { ok: false, code: 'TOKEN_INVALID' };
  }
}
