// The transaction envelope's form, with no hashing and nothing of node:* — shared by tx.ts (the
// node's hot path) and tx-portable.ts (browsers): field names, types and limits, and how the
// canonical codec's errors read as transaction errors.
//
// Owns: what a well-formed envelope is. Must never: import hash.ts, ed25519.ts or node:*.

import { CANONICAL_ERROR } from './canonical-msgpack.js';
import { CHAIN_ID_MAX_CHARS, TX_KIND_MAX_CHARS } from './constants.js';
import { LedgerError } from './errors.js';

/** Ed25519 sizes (ed25519.ts asserts they match its own). */
export const TX_SIGNER_BYTES = 32;
export const TX_SIGNATURE_BYTES = 64;

export const TX_VERSION = 1;

export interface UnsignedTx {
  version: 1;
  chainId: string;
  kind: string;
  payload: unknown;
  signer: Uint8Array;
  nonce: number;
  timestamp: number;
}

export interface Tx extends UnsignedTx {
  signature: Uint8Array;
}

export const CHAIN_ID_PATTERN = /^[A-Za-z0-9._:-]+$/;
export const TX_KIND_PATTERN = /^[A-Za-z0-9._:/-]+$/;

export const UNSIGNED_FIELDS = ['chainId', 'kind', 'nonce', 'payload', 'signer', 'timestamp', 'version'] as const;
export const SIGNED_FIELDS = ['chainId', 'kind', 'nonce', 'payload', 'signature', 'signer', 'timestamp', 'version'] as const;

/** How codec errors read as transaction errors. */
export const CODEC_TO_TX: Readonly<Record<string, string>> = {
  [CANONICAL_ERROR.tooLarge]: 'TX_TOO_LARGE',
  [CANONICAL_ERROR.malformed]: 'TX_MALFORMED',
  [CANONICAL_ERROR.trailingBytes]: 'TX_TRAILING_BYTES',
  [CANONICAL_ERROR.nonCanonical]: 'TX_NONCANONICAL',
  [CANONICAL_ERROR.type]: 'TX_FIELD_TYPE',
  [CANONICAL_ERROR.tooDeep]: 'TX_MALFORMED',
};

export function fail(code: string, field: string, message: string): never {
  throw new LedgerError(code, `${field}: ${message}`, { field });
}

export function shown(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

export function isNonNegativeSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Checks every envelope field but the payload's contents (the codec checks those are plain data). */
export function checkFields(tx: Partial<Tx>, signed: boolean): void {
  if (typeof tx.version !== 'number' || !Number.isSafeInteger(tx.version)) fail('TX_FIELD_TYPE', 'tx.version', `expected the integer ${TX_VERSION}, got ${shown(tx.version)}`);
  if (tx.version !== TX_VERSION) fail('TX_VERSION', 'tx.version', `unsupported version ${tx.version} (this ledger reads version ${TX_VERSION})`);
  if (typeof tx.chainId !== 'string' || tx.chainId.length === 0 || tx.chainId.length > CHAIN_ID_MAX_CHARS || !CHAIN_ID_PATTERN.test(tx.chainId)) {
    fail('TX_FIELD_TYPE', 'tx.chainId', `expected 1-${CHAIN_ID_MAX_CHARS} characters of [A-Za-z0-9._:-], got ${shown(tx.chainId)}`);
  }
  if (typeof tx.kind !== 'string' || tx.kind.length === 0 || tx.kind.length > TX_KIND_MAX_CHARS || !TX_KIND_PATTERN.test(tx.kind)) {
    fail('TX_FIELD_TYPE', 'tx.kind', `expected 1-${TX_KIND_MAX_CHARS} characters of [A-Za-z0-9._:/-], got ${shown(tx.kind)}`);
  }
  if (!(tx.signer instanceof Uint8Array) || tx.signer.length !== TX_SIGNER_BYTES) {
    fail('TX_FIELD_TYPE', 'tx.signer', `expected a ${TX_SIGNER_BYTES}-byte Ed25519 public key, got ${shown(tx.signer)}`);
  }
  if (!isNonNegativeSafeInteger(tx.nonce)) fail('TX_FIELD_TYPE', 'tx.nonce', `expected a non-negative safe integer, got ${shown(tx.nonce)}`);
  if (!isNonNegativeSafeInteger(tx.timestamp)) fail('TX_FIELD_TYPE', 'tx.timestamp', `expected milliseconds since the epoch (a non-negative safe integer), got ${shown(tx.timestamp)}`);
  if (signed && (!(tx.signature instanceof Uint8Array) || tx.signature.length !== TX_SIGNATURE_BYTES)) {
    fail('TX_FIELD_TYPE', 'tx.signature', `expected a ${TX_SIGNATURE_BYTES}-byte Ed25519 signature, got ${shown(tx.signature)}`);
  }
}

export function envelope(tx: UnsignedTx, signature?: Uint8Array): Record<string, unknown> {
  const out: Record<string, unknown> = {
    chainId: tx.chainId,
    kind: tx.kind,
    nonce: tx.nonce,
    payload: tx.payload,
    signer: tx.signer,
    timestamp: tx.timestamp,
    version: tx.version,
  };
  if (signature !== undefined) out['signature'] = signature;
  return out;
}
