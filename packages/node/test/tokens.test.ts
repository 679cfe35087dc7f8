// API access tokens: hashed at rest in a 0600 file replaced atomically, listed without secrets,
// revoked at once for a running verifier, and refused when malformed, unknown or revoked.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createToken, listTokens, revokeToken, tokenFilePath, TokenVerifier, TOKEN_FILE_MODE } from '../src/tokens.js';

const LEI = '5493001KJTIIGC8Y1R12';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tl-tokens-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('tokens', () => {
  it('stores only a SHA-256 of each token, in a 0600 file, with no temporary or lock file left', () => {
    const { id, token } = createToken(dir, { org: LEI, label: 'alice at the import desk' }, 1_700_000_000_000);
    expect(token).toMatch(/^tlk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(token.slice(4, 20)).toBe(id);
    const text = readFileSync(tokenFilePath(dir), 'utf8');
    expect(text).not.toContain(token.slice(21));
    const stored = JSON.parse(text) as { version: number; tokens: Array<{ sha256: string }> };
    expect(stored.version).toBe(1);
    expect(stored.tokens[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(tokenFilePath(dir)).mode & 0o777).toBe(TOKEN_FILE_MODE);
    expect(readdirSync(dir)).toEqual(['api-tokens.json']);
  });

  it('lists tokens without hashes, and revokes by id (idempotently)', () => {
    const a = createToken(dir, { org: LEI, label: 'a' }, 1);
    const b = createToken(dir, { org: LEI, label: 'b' }, 2);
    expect(a.id).not.toBe(b.id);
    expect(listTokens(dir)).toEqual([
      { id: a.id, org: LEI, label: 'a', createdAtMs: 1 },
      { id: b.id, org: LEI, label: 'b', createdAtMs: 2 },
    ]);
    expect(revokeToken(dir, a.id, 10)).toEqual({ id: a.id, org: LEI, label: 'a', createdAtMs: 1, revokedAtMs: 10 });
    expect(revokeToken(dir, a.id, 20).revokedAtMs).toBe(10);
    expect(JSON.stringify(listTokens(dir))).not.toContain('sha256');
    expect(() => revokeToken(dir, 'ffffffffffffffff')).toThrow(expect.objectContaining({ code: 'TOKEN_NOT_FOUND' }));
  });

  it('refuses bad orgs and labels', () => {
    expect(() => createToken(dir, { org: 'not-an-lei', label: 'x' })).toThrow(expect.objectContaining({ code: 'TOKEN_ORG_INVALID' }));
    expect(() => createToken(dir, { org: LEI, label: 'x'.repeat(129) })).toThrow(expect.objectContaining({ code: 'TOKEN_LABEL_INVALID' }));
    expect(() => createToken(dir, { org: LEI, label: 'line\nbreak' })).toThrow(expect.objectContaining({ code: 'TOKEN_LABEL_INVALID' }));
    expect(existsSync(tokenFilePath(dir))).toBe(false);
  });

  it('the verifier accepts live tokens and refuses malformed, unknown and revoked ones; revocation applies at the next check', () => {
    const verifier = new TokenVerifier(dir);
    const { id, token } = createToken(dir, { org: LEI, label: 'x' });
    expect(verifier.check(token)).toEqual({ ok: true, id, org: LEI });
    expect(verifier.check('hunter2')).toEqual({ ok: false, code: 'TOKEN_MALFORMED' });
    expect(verifier.check(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toEqual({ ok: false, code: 'TOKEN_UNKNOWN' });
    // The right secret under another token's id is not that token.
    const other = createToken(dir, { org: LEI, label: 'y' });
    expect(verifier.check(`tlk_${other.id}_${token.slice(21)}`)).toEqual({ ok: false, code: 'TOKEN_UNKNOWN' });
    revokeToken(dir, id);
    expect(verifier.check(token)).toEqual({ ok: false, code: 'TOKEN_REVOKED' });
    expect(verifier.check(other.token).ok).toBe(true);
  });

  it('a verifier with no token file refuses everything, and fails closed on a corrupt file', () => {
    const errors: unknown[] = [];
    const verifier = new TokenVerifier(dir, (e) => errors.push(e));
    const { token } = { token: `tlk_${'0'.repeat(16)}_${'A'.repeat(43)}` };
    expect(verifier.check(token)).toEqual({ ok: false, code: 'TOKEN_UNKNOWN' });
    const live = createToken(dir, { org: LEI, label: 'x' });
    expect(verifier.check(live.token).ok).toBe(true);
    writeFileSync(tokenFilePath(dir), '{"version":1,"tokens":[{"id":"zz"}]}');
    expect(verifier.check(live.token)).toEqual({ ok: false, code: 'TOKEN_UNKNOWN' });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'TOKEN_FILE_INVALID' });
    expect(() => listTokens(dir)).toThrow(expect.objectContaining({ code: 'TOKEN_FILE_INVALID' }));
  });

  it('waits for another writer\'s lock, and reports a stale lock by name', () => {
    writeFileSync(`${tokenFilePath(dir)}.lock`, '');
    expect(() => createToken(dir, { org: LEI, label: 'x' })).toThrow(expect.objectContaining({ code: 'TOKEN_FILE_LOCKED' }));
    rmSync(`${tokenFilePath(dir)}.lock`);
    expect(createToken(dir, { org: LEI, label: 'x' }).token).toMatch(/^tlk_/);
  });
});
