// Access to the members-only routes of the HTTP API. A request proves membership in one of two ways:
//
//   Authorization: Bearer tlk_<id>_<secret>
//       a token the node's operator issued to its own organization's users (tokens.ts); checked
//       against the token file, re-read when it changes, so a revocation applies to the next request.
//
//   Authorization: TL-Sig key=<64 hex>,ts=<ms since epoch>,sig=<128 hex>
//       a request signed with a member organization's current signing key. The signature is Ed25519
//       over SHA-256(len(tag) ‖ tag ‖ message), tag 'tradeledger/api-request/v1', message the UTF-8 of
//           chainId "\n" METHOD "\n" path-and-query "\n" ts "\n" hex(SHA-256(body))
//       (path-and-query exactly as sent in the request line). ts must lie within
//       SIGNED_REQUEST_SKEW_MS of the node's clock. Replays: the node remembers every signature it
//       accepted for the skew window on either side (bounded: SIGNED_REQUEST_REPLAY_CACHE_ENTRIES,
//       oldest forgotten first) and refuses a repeat with SIGNATURE_REPLAY; a client signs each
//       request afresh.
//
// Owns: parsing the header, the signed message's bytes, the replay cache. Must never: accept a
// credential whose check threw, or say in an error which part of a token was wrong.

import { createHash } from 'node:crypto';
import { concatBytes, fromHex, sign, toHex, utf8, verify } from '@tradeledger/ledger';
import { NodeError } from '../errors.js';
import type { TokenVerifier } from '../tokens.js';
import type { NodeService } from './service.js';

export const SIGNED_REQUEST_DOMAIN_TAG = 'tradeledger/api-request/v1';
/** How far a signed request's ts may be from the node's clock, either way. */
export const SIGNED_REQUEST_SKEW_MS = 60_000;
/** Accepted signatures remembered to refuse replays within the skew window. */
export const SIGNED_REQUEST_REPLAY_CACHE_ENTRIES = 100_000;
/** Longest Authorization header considered at all. */
export const AUTHORIZATION_MAX_CHARS = 512;

const SIG_HEADER = /^TL-Sig key=([0-9a-f]{64}),ts=([0-9]{1,16}),sig=([0-9a-f]{128})$/;

export type Principal =
  | { readonly kind: 'token'; readonly org: string; readonly tokenId: string }
  | { readonly kind: 'signature'; readonly org: string; readonly publicKey: string };

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The 32-byte hash an API request signature covers. */
export function signedRequestHash(input: { chainId: string; method: string; pathAndQuery: string; timestampMs: number; body: Uint8Array }): Uint8Array {
  const message = `${input.chainId}\n${input.method.toUpperCase()}\n${input.pathAndQuery}\n${input.timestampMs}\n${sha256Hex(input.body)}`;
  const tag = utf8(SIGNED_REQUEST_DOMAIN_TAG);
  const digest = createHash('sha256').update(concatBytes(Uint8Array.of(tag.length), tag, utf8(message))).digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

/** The Authorization header value for a request signed with `seed` (clients and tests). */
export function signRequest(input: { seed: Uint8Array; publicKey: Uint8Array; chainId: string; method: string; pathAndQuery: string; timestampMs: number; body?: Uint8Array }): string {
  const hash = signedRequestHash({ ...input, body: input.body ?? new Uint8Array(0) });
  return `TL-Sig key=${toHex(input.publicKey)},ts=${input.timestampMs},sig=${toHex(sign(input.seed, hash))}`;
}

function unauthorized(code: string, message: string): NodeError {
  return new NodeError(code, message, { status: 401 });
}

export interface AuthenticatorOptions {
  readonly service: Pick<NodeService, 'memberOfSigningKey' | 'chainId'>;
  readonly tokens: TokenVerifier;
  readonly nowMs?: () => number;
}

export class Authenticator {
  private readonly seen = new Map<string, number>();
  private readonly nowMs: () => number;

  constructor(private readonly options: AuthenticatorOptions) {
    this.nowMs = options.nowMs ?? Date.now;
  }

  /**
   * Who sent the request, or a 401 NodeError: AUTH_REQUIRED (no credentials), AUTH_MALFORMED,
   * TOKEN_UNKNOWN, TOKEN_REVOKED, SIGNATURE_STALE, SIGNATURE_INVALID, SIGNATURE_REPLAY; a valid
   * signature by a key that is not a member's signing key is 403 SIGNER_NOT_MEMBER.
   */
  async authenticate(request: { method: string; pathAndQuery: string; authorization: string | undefined; body: Uint8Array }): Promise<Principal> {
    const header = request.authorization;
    if (header === undefined || header.length === 0) throw unauthorized('AUTH_REQUIRED', 'this route is for members: send Authorization: Bearer <token> or a TL-Sig signed request');
    if (header.length > AUTHORIZATION_MAX_CHARS) throw unauthorized('AUTH_MALFORMED', `Authorization: longer than ${AUTHORIZATION_MAX_CHARS} characters`);
    if (header.startsWith('Bearer ')) {
      const checked = this.options.tokens.check(header.slice('Bearer '.length));
      if (!checked.ok) {
        const message = checked.code === 'TOKEN_REVOKED' ? 'the bearer token was revoked' : checked.code === 'TOKEN_MALFORMED' ? 'the bearer token is not a tradeledger token (tlk_…)' : 'the bearer token is not known to this node';
        throw unauthorized(checked.code === 'TOKEN_MALFORMED' ? 'AUTH_MALFORMED' : checked.code, message);
      }
      return { kind: 'token', org: checked.org, tokenId: checked.id };
    }
    if (header.startsWith('TL-Sig ')) return this.checkSignature(header, request);
    throw unauthorized('AUTH_MALFORMED', 'Authorization: expected the Bearer or TL-Sig scheme');
  }

  private async checkSignature(header: string, request: { method: string; pathAndQuery: string; body: Uint8Array }): Promise<Principal> {
    const match = SIG_HEADER.exec(header);
    if (match === null) throw unauthorized('AUTH_MALFORMED', 'Authorization: expected TL-Sig key=<64 hex>,ts=<ms>,sig=<128 hex>');
    const [, keyHex, tsText, sigHex] = match as unknown as [string, string, string, string];
    const timestampMs = Number(tsText);
    const now = this.nowMs();
    if (!Number.isSafeInteger(timestampMs) || Math.abs(now - timestampMs) > SIGNED_REQUEST_SKEW_MS) {
      throw unauthorized('SIGNATURE_STALE', `TL-Sig ts ${tsText} is more than ${SIGNED_REQUEST_SKEW_MS} ms from the node's clock (${now})`);
    }
    const hash = signedRequestHash({ chainId: this.options.service.chainId, method: request.method, pathAndQuery: request.pathAndQuery, timestampMs, body: request.body });
    if (!verify(fromHex(keyHex, 'key', 32), hash, fromHex(sigHex, 'sig', 64))) throw unauthorized('SIGNATURE_INVALID', `TL-Sig: the signature does not verify for key ${keyHex} over this request`);
    this.forgetExpired(now);
    if (this.seen.has(sigHex)) throw unauthorized('SIGNATURE_REPLAY', 'TL-Sig: this signed request was already used; sign each request afresh');
    const member = await this.options.service.memberOfSigningKey(keyHex);
    if (member === undefined) throw new NodeError('SIGNER_NOT_MEMBER', `TL-Sig: key ${keyHex} is not a current signing key of a member organization`, { status: 403 });
    if (this.seen.size >= SIGNED_REQUEST_REPLAY_CACHE_ENTRIES) {
      const oldest = this.seen.keys().next().value as string;
      this.seen.delete(oldest);
    }
    this.seen.set(sigHex, timestampMs + SIGNED_REQUEST_SKEW_MS);
    return { kind: 'signature', org: member.lei, publicKey: keyHex };
  }

  private forgetExpired(now: number): void {
    // Insertion order is close to expiry order; stop at the first live entry.
    for (const [sig, expiresAtMs] of this.seen) {
      if (expiresAtMs >= now) break;
      this.seen.delete(sig);
    }
  }

  /** Signatures currently remembered (for tests and /status). */
  get replayCacheSize(): number {
    return this.seen.size;
  }
}
