// A signed transaction opened without node:* — for the web page and any other light client: the
// same strict canonical decoding and envelope checks as tx.ts, the id, and whether the Ed25519
// signature holds over the signing hash, with @noble only. A transaction whose signature fails is
// still in the Merkle log (the ledger records it as rejected), so an inclusion proof alone never
// makes it valid: a light client checks signatureValid too.
//
// Owns: nothing tx.ts does not define; it only recomputes. Must never: import hash.ts,
// ed25519.ts or node:*. A test holds it equal to decodeTx and verifyTxSignature.

import { toHex } from './bytes.js';
import { decodeCanonical, encodeCanonical } from './canonical-msgpack.js';
import { portableDomainHash, verifyEd25519Portable } from './checkpoint.js';
import { TX_MAX_BYTES_DEFAULT } from './constants.js';
import { LedgerError } from './errors.js';
import { sha256Portable } from './sha256-portable.js';
import { checkFields, CODEC_TO_TX, envelope, fail, shown, SIGNED_FIELDS, type Tx } from './tx-envelope.js';

/** hash.ts DOMAIN.txSignature (a test holds them equal). */
export const TX_SIGNATURE_DOMAIN_TAG = 'tradeledger/tx/v1';

export interface PortableSignedTx {
  readonly tx: Tx;
  /** SHA-256 of the bytes, lower-case hex: the transaction (document) id. */
  readonly idHex: string;
  /** What the signature covers: the domain-tagged SHA-256 of the envelope without its signature. */
  readonly signingHash: Uint8Array;
  /** Strict RFC 8032 verification of tx.signature by tx.signer over signingHash. */
  readonly signatureValid: boolean;
}

/**
 * Opens signed transaction bytes: LedgerError with decodeTx's codes (TX_MALFORMED, TX_NONCANONICAL,
 * TX_UNKNOWN_FIELD, TX_MISSING_FIELD, TX_FIELD_TYPE, TX_TOO_LARGE, …) when they are not a
 * well-formed canonical envelope; otherwise the envelope, its id, and the signature's verdict.
 */
export function openSignedTxPortable(bytes: Uint8Array, maxBytes: number = TX_MAX_BYTES_DEFAULT): PortableSignedTx {
  if (!(bytes instanceof Uint8Array)) fail('TX_MALFORMED', 'tx', `expected bytes, got ${shown(bytes)}`);
  if (bytes.length > maxBytes) fail('TX_TOO_LARGE', 'tx', `${bytes.length} bytes exceeds the limit of ${maxBytes}`);
  let value: unknown;
  try {
    value = decodeCanonical(bytes, 'tx', maxBytes);
  } catch (error) {
    const code = error instanceof LedgerError ? CODEC_TO_TX[error.code] : undefined;
    if (code !== undefined) throw new LedgerError(code, (error as LedgerError).message, { field: (error as LedgerError).field ?? 'tx', cause: error });
    throw error;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) fail('TX_MALFORMED', 'tx', `expected a map, got ${shown(value)}`);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!(SIGNED_FIELDS as readonly string[]).includes(key)) fail('TX_UNKNOWN_FIELD', `tx.${key}`, 'unknown field');
  for (const key of SIGNED_FIELDS) if (!Object.hasOwn(record, key)) fail('TX_MISSING_FIELD', `tx.${key}`, 'missing');
  const tx = record as unknown as Tx;
  checkFields(tx, true);
  // The bytes decoded strictly, so re-encoding without the signature gives the unsigned bytes exactly.
  const signingHash = portableDomainHash(TX_SIGNATURE_DOMAIN_TAG, encodeCanonical(envelope(tx)));
  return { tx, idHex: toHex(sha256Portable(bytes)), signingHash, signatureValid: verifyEd25519Portable(tx.signer, signingHash, tx.signature) };
}
