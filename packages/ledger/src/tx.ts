// The transaction envelope: its exact bytes, its signature and its id.
//
//   { version: 1, chainId, kind, payload, signer, nonce, timestamp, signature }
//
// encoded with the canonical msgpack codec (keys in ascending byte order, so the wire order is
// chainId, kind, nonce, payload, signature, signer, timestamp, version). The signature is Ed25519
// over domainHash(DOMAIN.txSignature, unsigned bytes), where the unsigned bytes are the canonical
// encoding of the envelope without `signature` (chainId inside, so a transaction signed for one
// network does not verify on another). The id is SHA-256 of the signed bytes as they arrived.
//
// This module owns form only: it never interprets `kind` or `payload` (tx-kind-registry.ts and the
// state machine do), and it never re-encodes to hash: DecodedTx.bytes are the bytes that arrived.

import { bytesEqual, concatBytes, toHex } from './bytes.js';
import { CANONICAL_ERROR, decodeCanonical, decodeCanonicalValueAt, encodeCanonical } from './canonical-msgpack.js';
import { BLOCK_MAX_TXS, CHAIN_ID_MAX_CHARS, TX_KIND_MAX_CHARS, TX_MAX_BYTES_DEFAULT, CANONICAL_MAX_BYTES } from './constants.js';
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, nodeBackend, publicKeyFromSeed, type SignatureBackend } from './ed25519.js';
import { assert, LedgerError } from './errors.js';
import { hash as nodeHash } from 'node:crypto';
import { DOMAIN, domainHash, sha256, SHA256_BYTES } from './hash.js';

import { CHAIN_ID_PATTERN, checkFields, CODEC_TO_TX, envelope, fail, shown, SIGNED_FIELDS, TX_KIND_PATTERN, TX_SIGNATURE_BYTES, TX_SIGNER_BYTES, TX_VERSION, UNSIGNED_FIELDS, type Tx, type UnsignedTx } from './tx-envelope.js';
export { CHAIN_ID_PATTERN, TX_KIND_PATTERN, TX_VERSION, type Tx, type UnsignedTx } from './tx-envelope.js';

export interface DecodedTx {
  readonly tx: Tx;
  /** The signed bytes exactly as they arrived: what is stored, hashed and put in the Merkle log. */
  readonly bytes: Uint8Array;
  /** SHA-256 of `bytes`. */
  readonly id: Uint8Array;
  readonly idHex: string;
  /** domainHash(DOMAIN.txSignature, unsigned envelope bytes): what the signature covers. */
  readonly signingHash: Uint8Array;
}

// The signed bytes are canonical (keys sorted: chainId, kind, nonce, payload, signature, signer,
// timestamp, version), so the unsigned bytes are the signed ones without the signature entry and
// with a map header of 7 instead of 8: spliced out rather than re-encoded. Entries after the
// signature have a length known from the timestamp alone.
assert(TX_SIGNER_BYTES === ED25519_PUBLIC_KEY_BYTES && TX_SIGNATURE_BYTES === ED25519_SIGNATURE_BYTES, 'the envelope key and signature sizes are the Ed25519 ones');
const SIGNATURE_ENTRY_PREFIX = Uint8Array.from([0xa9, ...new TextEncoder().encode('signature'), 0xc4, ED25519_SIGNATURE_BYTES]);
const SIGNATURE_ENTRY_BYTES = SIGNATURE_ENTRY_PREFIX.length + ED25519_SIGNATURE_BYTES;
const SIGNER_ENTRY_BYTES = 1 + 'signer'.length + 2 + ED25519_PUBLIC_KEY_BYTES;
const TIMESTAMP_KEY_BYTES = 1 + 'timestamp'.length;
const VERSION_ENTRY_BYTES = 1 + 'version'.length + 1;
const FIXMAP_8 = 0x88;
const FIXMAP_7 = 0x87;

/** Bytes of a non-negative safe integer in canonical msgpack. */
function canonicalUintBytes(value: number): number {
  if (value <= 0x7f) return 1;
  if (value <= 0xff) return 2;
  if (value <= 0xffff) return 3;
  if (value <= 0xffff_ffff) return 5;
  return 9;
}

// What the signature covers is domainHash(DOMAIN.txSignature, unsigned bytes). Decoding builds that
// hash input (the domain prefix, then the unsigned bytes spliced out of the signed ones) in one
// reusable scratch buffer: two fewer off-heap allocations and copies per transaction, which a
// block of thousands of transactions notices.
const TX_SIGNATURE_DOMAIN_PREFIX = (() => {
  const tag = new TextEncoder().encode(DOMAIN.txSignature);
  return Uint8Array.from([tag.length, ...tag]);
})();
assert(
  bytesEqual(sha256(concatBytes(TX_SIGNATURE_DOMAIN_PREFIX, Uint8Array.of(FIXMAP_7))), domainHash(DOMAIN.txSignature, Uint8Array.of(FIXMAP_7))),
  'the transaction signing prefix is hash.ts domainHash prefix for DOMAIN.txSignature',
);
/** Signing inputs up to this size reuse one buffer; a larger one (a rare huge transaction) gets its own. */
const SIGNING_SCRATCH_MAX_BYTES = 256 * 1024;
let signingScratch = new Uint8Array(8 * 1024);

function signingHashOfSigned(signed: Uint8Array, tx: Tx): Uint8Array {
  const tail = SIGNER_ENTRY_BYTES + TIMESTAMP_KEY_BYTES + canonicalUintBytes(tx.timestamp) + VERSION_ENTRY_BYTES;
  const start = signed.length - tail - SIGNATURE_ENTRY_BYTES;
  assert(signed[0] === FIXMAP_8 && start > 0, 'a canonical signed envelope is a fixmap of 8 entries');
  for (let i = 0; i < SIGNATURE_ENTRY_PREFIX.length; i++) assert(signed[start + i] === SIGNATURE_ENTRY_PREFIX[i], 'the signature entry sits where canonical order puts it');
  const prefixBytes = TX_SIGNATURE_DOMAIN_PREFIX.length;
  const inputBytes = prefixBytes + signed.length - SIGNATURE_ENTRY_BYTES;
  let scratch = signingScratch;
  if (inputBytes > scratch.length) {
    scratch = new Uint8Array(Math.max(inputBytes, scratch.length * 2));
    if (scratch.length <= SIGNING_SCRATCH_MAX_BYTES) signingScratch = scratch;
  }
  scratch.set(TX_SIGNATURE_DOMAIN_PREFIX, 0);
  scratch[prefixBytes] = FIXMAP_7;
  scratch.set(signed.subarray(1, start), prefixBytes + 1);
  scratch.set(signed.subarray(start + SIGNATURE_ENTRY_BYTES), prefixBytes + start);
  return sha256Digest(scratch.subarray(0, inputBytes)).bytes;
}

function encodeChecked(value: Record<string, unknown>): Uint8Array {
  try {
    return encodeCanonical(value);
  } catch (error) {
    if (error instanceof LedgerError && error.code === CANONICAL_ERROR.type) {
      const field = (error.field ?? 'value').replace(/^value/, 'tx');
      throw new LedgerError('TX_FIELD_TYPE', error.message.replace(/^value/, 'tx'), { field, cause: error });
    }
    throw error;
  }
}

/** The canonical bytes of the envelope without its signature: what the signing hash covers. */
export function encodeUnsignedTx(tx: UnsignedTx): Uint8Array {
  checkFields(tx, false);
  return encodeChecked(envelope(tx));
}

/**
 * The canonical signed bytes of a complete transaction (checks its fields, not its signature).
 * Bytes that arrive are kept as they are; this is for building them, e.g. after signing elsewhere.
 */
export function encodeTx(tx: Tx): Uint8Array {
  checkFields(tx, true);
  return encodeChecked(envelope(tx, tx.signature));
}

export function signingHashOf(tx: UnsignedTx): Uint8Array {
  return domainHash(DOMAIN.txSignature, encodeUnsignedTx(tx));
}

export function txIdHex(bytes: Uint8Array): string {
  return toHex(sha256(bytes));
}

/**
 * Signs `tx` with `seed` (whose public key must be `tx.signer`) and returns the signed bytes,
 * decoded back as any node would decode them. Throws TX_TOO_LARGE above TX_MAX_BYTES_DEFAULT.
 */
export function signTx(tx: UnsignedTx, seed: Uint8Array, backend: SignatureBackend = nodeBackend): DecodedTx {
  const unsigned = encodeUnsignedTx(tx);
  if (!bytesEqual(publicKeyFromSeed(seed), tx.signer)) fail('TX_SIGNER_MISMATCH', 'tx.signer', 'is not the public key of the signing seed');
  const signingHash = domainHash(DOMAIN.txSignature, unsigned);
  const signature = backend.sign(seed, signingHash);
  const bytes = encodeTx({ ...tx, signature });
  if (bytes.length > TX_MAX_BYTES_DEFAULT) fail('TX_TOO_LARGE', 'tx', `${bytes.length} bytes exceeds the limit of ${TX_MAX_BYTES_DEFAULT}`);
  const decoded = decodeTx(bytes);
  assert(bytesEqual(decoded.signingHash, signingHash), 'a signed transaction decodes to the signing hash it was signed over');
  return decoded;
}

/**
 * SHA-256 as a 32-byte array on V8's heap and its hex. crypto.hash's Buffer form allocates an
 * off-heap backing store per digest (two per transaction, thousands per block, then collected);
 * its latin1 string form does not (the same measured trade as merkle-log.ts).
 */
function sha256Digest(input: Uint8Array): { bytes: Uint8Array; hex: string } {
  const text = nodeHash('sha256', input, 'binary'); // 'binary' is latin1: one byte a character
  const bytes = new Uint8Array(SHA256_BYTES);
  for (let i = 0; i < SHA256_BYTES; i++) bytes[i] = text.charCodeAt(i);
  return { bytes, hex: Buffer.from(text, 'latin1').toString('hex') };
}

/** Size and type checks that come before any copy. */
function checkArrived(bytes: Uint8Array, maxBytes: number): void {
  assert(Number.isSafeInteger(maxBytes) && maxBytes > 0 && maxBytes <= CANONICAL_MAX_BYTES, `tx maxBytes within 1..${CANONICAL_MAX_BYTES}`);
  if (!(bytes instanceof Uint8Array)) fail('TX_MALFORMED', 'tx', `expected bytes, got ${shown(bytes)}`);
  if (bytes.length > maxBytes) fail('TX_TOO_LARGE', 'tx', `${bytes.length} bytes exceeds the limit of ${maxBytes}`);
}

// ---- the fast path ----
//
// Almost every transaction that arrives is a well-formed canonical envelope: fixmap 8, the eight
// keys in canonical order, a short ASCII chain id and kind, canonical unsigned integers, bin 64 and
// bin 32, version 1. `parseEnvelopeFast` reads exactly that layout with no general machinery
// (the payload alone goes through the canonical decoder) and answers undefined at the first byte
// that differs from it in any way, leaving the input to the general path, which then gives its
// exact answer, error codes included. So the fast path can only ever accept what the general path
// accepts, with the same value (a property test holds the two to it); what it saves is the
// per-token work, the generic field checks and two small allocations (signer and signature are
// views into the private copy of the bytes, not copies of their own).

const KEY_BYTES = (() => {
  const encoder = new TextEncoder();
  return SIGNED_FIELDS.map((key) => Uint8Array.from([0xa0 | key.length, ...encoder.encode(key)]));
})();
assert(KEY_BYTES.every((key) => key.length <= 32), 'envelope keys are fixstr');

/** Bytes of 0x00-0x7f that CHAIN_ID_PATTERN (and, with '/', TX_KIND_PATTERN) admit. */
const CHAIN_ID_BYTE = new Uint8Array(128);
const KIND_BYTE = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const text = String.fromCharCode(c);
  if (CHAIN_ID_PATTERN.test(text)) CHAIN_ID_BYTE[c] = 1;
  if (TX_KIND_PATTERN.test(text)) KIND_BYTE[c] = 1;
}

/** The last chain id and kinds seen, as bytes and string: a block repeats them in every transaction. */
const recentNames: Array<{ bytes: Uint8Array; text: string }> = [];
const RECENT_NAMES_MAX = 8;

/**
 * The ASCII name (chain id or kind) in bytes[start, start + length), every byte admitted by
 * `allowed`, or undefined.
 */
function readName(bytes: Uint8Array, start: number, length: number, allowed: Uint8Array): string | undefined {
  if (length === 0 || start + length > bytes.length) return undefined;
  for (let i = start; i < start + length; i++) {
    const c = bytes[i] as number;
    if (c >= 0x80 || allowed[c] !== 1) return undefined;
  }
  for (const recent of recentNames) {
    if (recent.bytes.length !== length) continue;
    let same = true;
    for (let i = 0; i < length && same; i++) same = recent.bytes[i] === bytes[start + i];
    if (same) return recent.text;
  }
  const copy = bytes.slice(start, start + length);
  const text = String.fromCharCode.apply(null, copy as unknown as number[]);
  if (recentNames.length >= RECENT_NAMES_MAX) recentNames.shift();
  recentNames.push({ bytes: copy, text });
  return text;
}

/** Whether bytes[at, at + key.length) is `key`. */
function keyAt(bytes: Uint8Array, at: number, key: Uint8Array): boolean {
  if (at + key.length > bytes.length) return false;
  for (let i = 0; i < key.length; i++) if (bytes[at + i] !== key[i]) return false;
  return true;
}

/**
 * The canonical unsigned safe integer at bytes[at] (its length is `uintBytes` of its first byte),
 * or -1 for anything else (negative, non-minimal, too wide, truncated, a float, not an integer).
 */
function readUint(bytes: Uint8Array, at: number): number {
  if (at >= bytes.length) return -1;
  const t = bytes[at] as number;
  if (t <= 0x7f) return t;
  const left = bytes.length - at - 1;
  let value: number;
  switch (t) {
    case 0xcc:
      if (left < 1) return -1;
      value = bytes[at + 1] as number;
      return value >= 0x80 ? value : -1;
    case 0xcd:
      if (left < 2) return -1;
      value = ((bytes[at + 1] as number) << 8) | (bytes[at + 2] as number);
      return value >= 0x100 ? value : -1;
    case 0xce:
      if (left < 4) return -1;
      value = (bytes[at + 1] as number) * 0x100_0000 + (((bytes[at + 2] as number) << 16) | ((bytes[at + 3] as number) << 8) | (bytes[at + 4] as number));
      return value >= 0x10000 ? value : -1;
    case 0xd3: {
      if (left < 8) return -1;
      const high = (bytes[at + 1] as number) * 0x100_0000 + (((bytes[at + 2] as number) << 16) | ((bytes[at + 3] as number) << 8) | (bytes[at + 4] as number));
      const low = (bytes[at + 5] as number) * 0x100_0000 + (((bytes[at + 6] as number) << 16) | ((bytes[at + 7] as number) << 8) | (bytes[at + 8] as number));
      // Non-negative, above uint32 (else a shorter form exists) and within 2^53 - 1.
      if (high === 0 || high >= 0x20_0000) return -1;
      return high * 0x1_0000_0000 + low;
    }
    default:
      return -1;
  }
}

/** A view of the `length` bytes of a bin8 of exactly that length at `at` (before `end`), or undefined. */
function binAt(bytes: Uint8Array, at: number, end: number, length: number): Uint8Array | undefined {
  if (at + 2 + length > end || bytes[at] !== 0xc4 || bytes[at + 1] !== length) return undefined;
  return bytes.subarray(at + 2, at + 2 + length);
}

function uintBytes(t: number): number {
  return t <= 0x7f ? 1 : t === 0xcc ? 2 : t === 0xcd ? 3 : t === 0xce ? 5 : 9;
}

/** The envelope in `own` if it has exactly the common canonical layout, else undefined (see above). */
function parseEnvelopeFast(own: Uint8Array): Tx | undefined {
  const end = own.length;
  if (end < 1 || own[0] !== FIXMAP_8) return undefined;
  let at = 1;
  // chainId, kind: fixstr or str8 of allowed ASCII.
  const names: string[] = [];
  for (let k = 0; k < 2; k++) {
    const key = KEY_BYTES[k] as Uint8Array;
    if (!keyAt(own, at, key)) return undefined;
    at += key.length;
    const t = own[at];
    let length: number;
    if (t === undefined) return undefined;
    if (t >= 0xa0 && t <= 0xbf) {
      length = t & 0x1f;
      at += 1;
    } else if (t === 0xd9 && at + 1 < end && (own[at + 1] as number) >= 0x20) {
      length = own[at + 1] as number;
      at += 2;
    } else return undefined;
    if (length > (k === 0 ? CHAIN_ID_MAX_CHARS : TX_KIND_MAX_CHARS)) return undefined;
    const name = readName(own, at, length, k === 0 ? CHAIN_ID_BYTE : KIND_BYTE);
    if (name === undefined) return undefined;
    names.push(name);
    at += length;
  }
  if (!keyAt(own, at, KEY_BYTES[2] as Uint8Array)) return undefined;
  at += (KEY_BYTES[2] as Uint8Array).length;
  const nonce = readUint(own, at);
  if (nonce < 0) return undefined;
  at += uintBytes(own[at] as number);
  if (!keyAt(own, at, KEY_BYTES[3] as Uint8Array)) return undefined;
  at += (KEY_BYTES[3] as Uint8Array).length;
  if (at >= end) return undefined;
  let payload: unknown;
  try {
    // Depth 1: the payload sits inside the envelope map, as the general decoder counts it.
    const decoded = decodeCanonicalValueAt(own, at, 1, 'tx');
    payload = decoded.value;
    at = decoded.end;
  } catch {
    return undefined; // the general path gives the exact error
  }
  if (!keyAt(own, at, KEY_BYTES[4] as Uint8Array)) return undefined;
  at += (KEY_BYTES[4] as Uint8Array).length;
  const signature = binAt(own, at, end, ED25519_SIGNATURE_BYTES);
  if (signature === undefined) return undefined;
  at += 2 + ED25519_SIGNATURE_BYTES;
  if (!keyAt(own, at, KEY_BYTES[5] as Uint8Array)) return undefined;
  at += (KEY_BYTES[5] as Uint8Array).length;
  const signer = binAt(own, at, end, ED25519_PUBLIC_KEY_BYTES);
  if (signer === undefined) return undefined;
  at += 2 + ED25519_PUBLIC_KEY_BYTES;
  if (!keyAt(own, at, KEY_BYTES[6] as Uint8Array)) return undefined;
  at += (KEY_BYTES[6] as Uint8Array).length;
  const timestamp = readUint(own, at);
  if (timestamp < 0) return undefined;
  at += uintBytes(own[at] as number);
  if (!keyAt(own, at, KEY_BYTES[7] as Uint8Array)) return undefined;
  at += (KEY_BYTES[7] as Uint8Array).length;
  if (at + 1 !== end || own[at] !== TX_VERSION) return undefined;
  // Keys in wire order, as the general decoder builds the record.
  return { chainId: names[0] as string, kind: names[1] as string, nonce, payload, signature, signer, timestamp, version: TX_VERSION };
}

/** Decodes `own`, a private copy of arrived bytes that nobody else holds. */
function decodeOwned(own: Uint8Array, maxBytes: number): DecodedTx {
  const fast = parseEnvelopeFast(own);
  if (fast !== undefined) return decoded(own, fast);
  return decodeOwnedGeneral(own, maxBytes);
}

function decoded(own: Uint8Array, tx: Tx): DecodedTx {
  const signingHash = signingHashOfSigned(own, tx);
  const id = sha256Digest(own);
  return Object.freeze({ tx: Object.freeze(tx), bytes: own, id: id.bytes, idHex: id.hex, signingHash });
}

/** The general path: the canonical decoder, then the envelope's field checks. */
function decodeOwnedGeneral(own: Uint8Array, maxBytes: number): DecodedTx {
  let value: unknown;
  try {
    value = decodeCanonical(own, 'tx', maxBytes);
  } catch (error) {
    if (error instanceof LedgerError && CODEC_TO_TX[error.code] !== undefined) {
      throw new LedgerError(CODEC_TO_TX[error.code] as string, error.message, { field: error.field ?? 'tx', cause: error });
    }
    throw error;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    fail('TX_MALFORMED', 'tx', `expected a map, got ${shown(value)}`);
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(SIGNED_FIELDS as readonly string[]).includes(key)) fail('TX_UNKNOWN_FIELD', `tx.${key}`, 'unknown field');
  }
  for (const key of SIGNED_FIELDS) {
    if (!Object.hasOwn(record, key)) fail('TX_MISSING_FIELD', `tx.${key}`, 'missing');
  }
  const tx = record as unknown as Tx;
  checkFields(tx, true);
  return decoded(own, tx);
}

/**
 * Decodes signed transaction bytes strictly: size (default TX_MAX_BYTES_DEFAULT), canonical form,
 * no unknown or missing fields, field types. Does not verify the signature (verifyTxSignature).
 */
export function decodeTx(bytes: Uint8Array, options: { maxBytes?: number } = {}): DecodedTx {
  const maxBytes = options.maxBytes ?? TX_MAX_BYTES_DEFAULT;
  checkArrived(bytes, maxBytes);
  // Keep a private copy: the caller's buffer may be reused or be a view into a larger one.
  const own = new Uint8Array(bytes.length);
  own.set(bytes);
  return decodeOwned(own, maxBytes);
}

/**
 * decodeTx through the general canonical decoder only, never the fast path: the reference the
 * fast path is tested against (same answers, same errors). Slower; not for the hot path.
 */
export function decodeTxGeneral(bytes: Uint8Array, options: { maxBytes?: number } = {}): DecodedTx {
  const maxBytes = options.maxBytes ?? TX_MAX_BYTES_DEFAULT;
  checkArrived(bytes, maxBytes);
  return decodeOwnedGeneral(bytes.slice(), maxBytes);
}

/** One transaction of a batch: decoded, or the LedgerError decodeTx throws for it. */
export type TxDecodeOutcome = { readonly ok: true; readonly decoded: DecodedTx } | { readonly ok: false; readonly error: LedgerError };

/**
 * decodeTx for each of `list` (a block's transactions, a chunk of them), with decodeTx's answer
 * for each, except that the private copies share one allocation: each DecodedTx.bytes is a plain
 * Uint8Array view into memory only this batch's results hold. Thousands of separate small
 * ArrayBuffers cost the collector measurably more than one. At most BLOCK_MAX_TXS transactions.
 */
export function decodeTxBatch(list: readonly Uint8Array[], options: { maxBytes?: number } = {}): TxDecodeOutcome[] {
  const maxBytes = options.maxBytes ?? TX_MAX_BYTES_DEFAULT;
  assert(list.length <= BLOCK_MAX_TXS, `decodeTxBatch takes at most ${BLOCK_MAX_TXS} transactions`);
  const outcomes = new Array<TxDecodeOutcome | undefined>(list.length).fill(undefined);
  let totalBytes = 0;
  list.forEach((bytes, i) => {
    try {
      checkArrived(bytes, maxBytes);
      totalBytes += bytes.length;
    } catch (error) {
      outcomes[i] = { ok: false, error: asLedgerError(error) };
    }
  });
  const arena = new Uint8Array(totalBytes);
  let offset = 0;
  list.forEach((bytes, i) => {
    if (outcomes[i] !== undefined) return;
    arena.set(bytes, offset);
    const own = arena.subarray(offset, offset + bytes.length);
    offset += bytes.length;
    try {
      outcomes[i] = { ok: true, decoded: decodeOwned(own, maxBytes) };
    } catch (error) {
      outcomes[i] = { ok: false, error: asLedgerError(error) };
    }
  });
  assert(offset === totalBytes, 'every admitted transaction was copied into the batch once');
  return outcomes as TxDecodeOutcome[];
}

/** decodeTx throws LedgerErrors only; anything else is reported as a malformed transaction. */
function asLedgerError(error: unknown): LedgerError {
  if (error instanceof LedgerError) return error;
  return new LedgerError('TX_MALFORMED', `tx: ${error instanceof Error ? error.message : String(error)}`, { field: 'tx', cause: error });
}

/** Whether the signature is valid for the signer over the signing hash (strict RFC 8032). */
export function verifyTxSignature(decoded: DecodedTx, backend: SignatureBackend = nodeBackend): boolean {
  return backend.verify(decoded.tx.signer, decoded.signingHash, decoded.tx.signature);
}

/** The unsigned fields of a transaction, in the shape signTx takes. */
export function unsignedOf(tx: Tx): UnsignedTx {
  return { version: tx.version, chainId: tx.chainId, kind: tx.kind, payload: tx.payload, signer: tx.signer, nonce: tx.nonce, timestamp: tx.timestamp };
}

export { UNSIGNED_FIELDS as TX_UNSIGNED_FIELDS, SIGNED_FIELDS as TX_FIELDS };
