// Blocks: the header that commits to everything, its exact bytes, and the block that carries the
// header, the proposer's signature and the signed transactions as they arrived.
//
//   header bytes   canonical msgpack (keys in byte order) of { version, chainId, height, prevHash,
//                  txRoot, logSize, logRoot, stateRoot, timestamp, proposer, term } (+ `config`
//                  at height 0 only)
//   block hash     SHA-256(header bytes)
//   signature      Ed25519 by `proposer` over domainHash(DOMAIN.blockHeader, header bytes)
//   block bytes    canonical msgpack of { header: bin, signature: bin, txs: [bin, ...] }
//
// The genesis block (height 0) has no transactions and no signature: it is trusted by its hash,
// which every operator receives with the network's configuration, and its header carries that
// configuration so the hash commits to it. This module decodes and checks form; whether a proposer
// may propose, and what the transactions mean, is decided elsewhere (block-verify.ts, state/).

import { bytesEqual, toHex } from './bytes.js';
import { decodeCanonical, encodeCanonical } from './canonical-msgpack.js';
import { BLOCK_MAX_BYTES, BLOCK_MAX_TXS, CANONICAL_MAX_BYTES, CHAIN_ID_MAX_CHARS, GENESIS_CONFIG_MAX_BYTES } from './constants.js';
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, sign, type SignatureBackend } from './ed25519.js';
import { assert, LedgerError } from './errors.js';
import { DOMAIN, domainHash, sha256 } from './hash.js';

export const BLOCK_VERSION = 1;
export const ZERO_HASH: Uint8Array = new Uint8Array(32);
const ZERO_KEY: Uint8Array = new Uint8Array(ED25519_PUBLIC_KEY_BYTES);

export interface BlockHeader {
  readonly version: typeof BLOCK_VERSION;
  readonly chainId: string;
  readonly height: number;
  /** Hash of the previous block's header; all zero at height 0. */
  readonly prevHash: Uint8Array;
  /** RFC 9162 root of this block's transactions alone. */
  readonly txRoot: Uint8Array;
  /** Size of the global transaction log after this block. */
  readonly logSize: number;
  /** RFC 9162 root of the global transaction log after this block. */
  readonly logRoot: Uint8Array;
  /** State commitment after applying this block (state/state-root.ts). */
  readonly stateRoot: Uint8Array;
  /** Milliseconds since the epoch, chosen by the proposer; every time rule of apply reads it. */
  readonly timestamp: number;
  /** The proposing node's public key; all zero at height 0. */
  readonly proposer: Uint8Array;
  /** The Raft term in which the block was proposed; 0 at height 0. */
  readonly term: number;
  /** The network's configuration, present at height 0 only. Opaque here; state/ validates it. */
  readonly config?: unknown;
}

export interface DecodedBlock {
  readonly header: BlockHeader;
  readonly headerBytes: Uint8Array;
  readonly hash: Uint8Array;
  readonly hashHex: string;
  readonly signature: Uint8Array;
  /** Each transaction's exact signed bytes, in ledger order. */
  readonly txs: readonly Uint8Array[];
  readonly bytes: Uint8Array;
}

const HEADER_FIELDS = ['version', 'chainId', 'height', 'prevHash', 'txRoot', 'logSize', 'logRoot', 'stateRoot', 'timestamp', 'proposer', 'term'] as const;
const BLOCK_FIELDS = ['header', 'signature', 'txs'] as const;
const HEADER_MAX_BYTES = 1024 + GENESIS_CONFIG_MAX_BYTES;

function fail(code: string, message: string, field: string): never {
  throw new LedgerError(code, message, { field });
}

function isSafeCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function checkHeaderFields(header: BlockHeader): void {
  if (header.version !== BLOCK_VERSION) fail('BLOCK_VERSION', `header.version: expected ${BLOCK_VERSION}, got ${String(header.version)}`, 'header.version');
  if (typeof header.chainId !== 'string' || header.chainId.length === 0 || header.chainId.length > CHAIN_ID_MAX_CHARS) {
    fail('BLOCK_FIELD_TYPE', `header.chainId: expected 1-${CHAIN_ID_MAX_CHARS} characters`, 'header.chainId');
  }
  for (const name of ['height', 'logSize', 'timestamp', 'term'] as const) {
    if (!isSafeCount(header[name])) fail('BLOCK_FIELD_TYPE', `header.${name}: expected a non-negative safe integer, got ${String(header[name])}`, `header.${name}`);
  }
  for (const name of ['prevHash', 'txRoot', 'logRoot', 'stateRoot'] as const) {
    const value = header[name];
    if (!(value instanceof Uint8Array) || value.length !== 32) fail('BLOCK_FIELD_TYPE', `header.${name}: expected 32 bytes`, `header.${name}`);
  }
  if (!(header.proposer instanceof Uint8Array) || header.proposer.length !== ED25519_PUBLIC_KEY_BYTES) {
    fail('BLOCK_FIELD_TYPE', 'header.proposer: expected a 32-byte Ed25519 public key', 'header.proposer');
  }
  const genesis = header.height === 0;
  if (genesis !== (header.config !== undefined)) {
    fail('BLOCK_GENESIS', genesis ? 'header.config: the genesis block must carry the network configuration' : `header.config: only the genesis block carries a configuration (height ${header.height})`, 'header.config');
  }
  if (genesis) {
    if (!bytesEqual(header.prevHash, ZERO_HASH)) fail('BLOCK_GENESIS', 'header.prevHash: must be zero at height 0', 'header.prevHash');
    if (header.logSize !== 0) fail('BLOCK_GENESIS', 'header.logSize: must be 0 at height 0', 'header.logSize');
    if (!bytesEqual(header.proposer, ZERO_KEY) || header.term !== 0) fail('BLOCK_GENESIS', 'header.proposer/term: must be zero at height 0', 'header.proposer');
  }
}

/** The exact header bytes (canonical msgpack sorts the keys); `config` only at height 0. */
export function encodeHeader(header: BlockHeader): Uint8Array {
  checkHeaderFields(header);
  const ordered: Record<string, unknown> = {};
  for (const name of HEADER_FIELDS) ordered[name] = header[name];
  if (header.config !== undefined) ordered['config'] = header.config;
  const bytes = encodeCanonical(ordered);
  if (bytes.length > HEADER_MAX_BYTES) fail('BLOCK_TOO_LARGE', `header: ${bytes.length} bytes exceeds ${HEADER_MAX_BYTES}`, 'header');
  return bytes;
}

export function decodeHeader(bytes: Uint8Array): BlockHeader {
  const value = decodeCanonical(bytes, 'header', HEADER_MAX_BYTES);
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    fail('BLOCK_MALFORMED', 'header: expected a map', 'header');
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const expected: readonly string[] = record['config'] === undefined ? HEADER_FIELDS : [...HEADER_FIELDS, 'config'];
  for (const key of keys) if (!expected.includes(key)) fail('BLOCK_UNKNOWN_FIELD', `header.${key}: unknown field`, `header.${key}`);
  for (const key of expected) if (!(key in record)) fail('BLOCK_MISSING_FIELD', `header.${key}: missing`, `header.${key}`);
  const header = record as unknown as BlockHeader;
  checkHeaderFields(header);
  return header;
}

export function blockHash(headerBytes: Uint8Array): Uint8Array {
  return sha256(headerBytes);
}

/** What a proposer signs: the header bytes under the block-header domain tag. */
export function headerSigningHash(headerBytes: Uint8Array): Uint8Array {
  return domainHash(DOMAIN.blockHeader, headerBytes);
}

function encodeBlockBytes(headerBytes: Uint8Array, signature: Uint8Array, txs: readonly Uint8Array[]): Uint8Array {
  assert(txs.length <= BLOCK_MAX_TXS, `block holds at most ${BLOCK_MAX_TXS} transactions`);
  const bytes = encodeCanonical({ header: headerBytes, signature, txs });
  if (bytes.length > BLOCK_MAX_BYTES) fail('BLOCK_TOO_LARGE', `block: ${bytes.length} bytes exceeds ${BLOCK_MAX_BYTES}`, 'block');
  return bytes;
}

/** Builds and signs a block. `txs` are signed transaction bytes, already validated by the caller. */
export function createBlock(
  header: Omit<BlockHeader, 'proposer' | 'version'>,
  txs: readonly Uint8Array[],
  proposerSeed: Uint8Array,
  proposerPublicKey: Uint8Array,
  backend?: SignatureBackend,
): DecodedBlock {
  assert(header.height > 0, 'createBlock builds blocks above genesis; use createGenesisBlock for height 0');
  const full: BlockHeader = { ...header, version: BLOCK_VERSION, proposer: proposerPublicKey };
  const headerBytes = encodeHeader(full);
  const signature = backend === undefined ? sign(proposerSeed, headerSigningHash(headerBytes)) : backend.sign(proposerSeed, headerSigningHash(headerBytes));
  const bytes = encodeBlockBytes(headerBytes, signature, txs);
  const hash = blockHash(headerBytes);
  return { header: full, headerBytes, hash, hashHex: toHex(hash), signature, txs, bytes };
}

/** The genesis block: height 0, no transactions, no signature, the configuration in its header. */
export function createGenesisBlock(args: { chainId: string; timestamp: number; config: unknown; logRoot: Uint8Array; stateRoot: Uint8Array }): DecodedBlock {
  const header: BlockHeader = {
    version: BLOCK_VERSION,
    chainId: args.chainId,
    height: 0,
    prevHash: ZERO_HASH,
    txRoot: args.logRoot,
    logSize: 0,
    logRoot: args.logRoot,
    stateRoot: args.stateRoot,
    timestamp: args.timestamp,
    proposer: ZERO_KEY,
    term: 0,
    config: args.config,
  };
  const headerBytes = encodeHeader(header);
  const signature = new Uint8Array(0);
  const bytes = encodeBlockBytes(headerBytes, signature, []);
  const hash = blockHash(headerBytes);
  return { header, headerBytes, hash, hashHex: toHex(hash), signature, txs: [], bytes };
}

// ---- decoding the block envelope ----
//
// Every valid block is the canonical encoding of exactly { header: bin, signature: bin, txs: [bin…] }:
// a fixmap of 3, the three keys in this order, minimal bin and array headers, nothing after. That
// shape is parsed here directly, in O(number of transactions) and without copying each
// transaction. Anything else goes through the generic canonical decoder, whose answers (and error
// codes) are those of a block that is not a valid envelope; the direct parser therefore never
// has to reject anything itself, and it accepts only bytes the generic path would accept with the
// same fields.

const KEY_HEADER = Uint8Array.from([0xa6, ...new TextEncoder().encode('header')]);
const KEY_SIGNATURE = Uint8Array.from([0xa9, ...new TextEncoder().encode('signature')]);
const KEY_TXS = Uint8Array.from([0xa3, ...new TextEncoder().encode('txs')]);
const FIXMAP_3 = 0x83;

interface EnvelopeFields {
  readonly headerBytes: Uint8Array;
  readonly signature: Uint8Array;
  readonly txs: Uint8Array[];
}

/** The envelope of a block of exactly the canonical shape, as views into a private copy; else undefined. */
function parseCanonicalEnvelope(bytes: Uint8Array): EnvelopeFields | undefined {
  const end = bytes.length;
  let pos = 0;
  const expectKey = (key: Uint8Array): boolean => {
    if (end - pos < key.length) return false;
    for (let i = 0; i < key.length; i++) if (bytes[pos + i] !== key[i]) return false;
    pos += key.length;
    return true;
  };
  // [start, end) of a minimally encoded bin at `pos`, or -1.
  const readBin = (): number => {
    if (end - pos < 2) return -1;
    const t = bytes[pos] as number;
    let length: number;
    let headerBytes: number;
    if (t === 0xc4) {
      length = bytes[pos + 1] as number;
      headerBytes = 2;
    } else if (t === 0xc5) {
      if (end - pos < 3) return -1;
      length = ((bytes[pos + 1] as number) << 8) | (bytes[pos + 2] as number);
      headerBytes = 3;
      if (length < 0x100) return -1;
    } else if (t === 0xc6) {
      if (end - pos < 5) return -1;
      length = (bytes[pos + 1] as number) * 0x100_0000 + (((bytes[pos + 2] as number) << 16) | ((bytes[pos + 3] as number) << 8) | (bytes[pos + 4] as number));
      headerBytes = 5;
      if (length < 0x1_0000) return -1;
    } else {
      return -1;
    }
    if (length > end - pos - headerBytes) return -1;
    const start = pos + headerBytes;
    pos = start + length;
    return start;
  };

  if (end === 0 || bytes[0] !== FIXMAP_3) return undefined;
  pos = 1;
  if (!expectKey(KEY_HEADER)) return undefined;
  const headerStart = readBin();
  if (headerStart < 0) return undefined;
  const headerEnd = pos;
  if (!expectKey(KEY_SIGNATURE)) return undefined;
  const signatureStart = readBin();
  if (signatureStart < 0) return undefined;
  const signatureEnd = pos;
  if (!expectKey(KEY_TXS)) return undefined;
  if (end - pos < 1) return undefined;
  const t = bytes[pos] as number;
  let count: number;
  if (t >= 0x90 && t <= 0x9f) {
    count = t & 0x0f;
    pos += 1;
  } else if (t === 0xdc && end - pos >= 3) {
    count = ((bytes[pos + 1] as number) << 8) | (bytes[pos + 2] as number);
    if (count < 0x10) return undefined;
    pos += 3;
  } else if (t === 0xdd && end - pos >= 5) {
    count = (bytes[pos + 1] as number) * 0x100_0000 + (((bytes[pos + 2] as number) << 16) | ((bytes[pos + 3] as number) << 8) | (bytes[pos + 4] as number));
    if (count < 0x1_0000) return undefined;
    pos += 5;
  } else {
    return undefined;
  }
  // Every bin takes at least two bytes: a count beyond that is not this shape (nor a valid block).
  if (count > BLOCK_MAX_TXS || count > (end - pos) / 2) return undefined;
  const txStarts = new Array<number>(count);
  const txEnds = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const start = readBin();
    if (start < 0) return undefined;
    txStarts[i] = start;
    txEnds[i] = pos;
  }
  if (pos !== end) return undefined;

  // One private copy of the whole block (the caller's buffer may be reused); every field is a
  // plain Uint8Array view into it, so a block costs one allocation instead of one per transaction.
  const own = new Uint8Array(end);
  own.set(bytes);
  const txs: Uint8Array[] = new Array(count);
  for (let i = 0; i < count; i++) txs[i] = own.subarray(txStarts[i] as number, txEnds[i] as number);
  return { headerBytes: own.subarray(headerStart, headerEnd), signature: own.subarray(signatureStart, signatureEnd), txs };
}

/** Any other bytes: the generic strict decoder and the field checks, with their error codes. */
function decodeEnvelopeGeneric(bytes: Uint8Array, maxBytes: number): EnvelopeFields {
  const value = decodeCanonical(bytes, 'block', maxBytes);
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) fail('BLOCK_MALFORMED', 'block: expected a map', 'block');
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!(BLOCK_FIELDS as readonly string[]).includes(key)) fail('BLOCK_UNKNOWN_FIELD', `block.${key}: unknown field`, `block.${key}`);
  for (const key of BLOCK_FIELDS) if (!(key in record)) fail('BLOCK_MISSING_FIELD', `block.${key}: missing`, `block.${key}`);
  const { header: headerBytes, signature, txs } = record as { header: unknown; signature: unknown; txs: unknown };
  if (!(headerBytes instanceof Uint8Array)) fail('BLOCK_FIELD_TYPE', 'block.header: expected bytes', 'block.header');
  if (!(signature instanceof Uint8Array)) fail('BLOCK_FIELD_TYPE', 'block.signature: expected bytes', 'block.signature');
  if (!Array.isArray(txs) || txs.length > BLOCK_MAX_TXS) fail('BLOCK_FIELD_TYPE', `block.txs: expected at most ${BLOCK_MAX_TXS} transactions`, 'block.txs');
  txs.forEach((tx: unknown, index: number) => {
    if (!(tx instanceof Uint8Array)) fail('BLOCK_FIELD_TYPE', `block.txs[${index}]: expected bytes`, `block.txs[${index}]`);
  });
  return { headerBytes, signature, txs: txs as Uint8Array[] };
}

/**
 * Decodes a block strictly (sizes, types, unknown or missing fields, trailing bytes, canonical
 * form). Checks form only: signature, links and roots are block-verify.ts's job. The header,
 * signature and transactions are private to the result (never views into `bytes`); `bytes` is
 * returned as given.
 */
export function decodeBlock(bytes: Uint8Array, options: { maxBytes?: number } = {}): DecodedBlock {
  const maxBytes = options.maxBytes ?? BLOCK_MAX_BYTES;
  if (bytes.length > maxBytes) fail('BLOCK_TOO_LARGE', `block: ${bytes.length} bytes exceeds ${maxBytes}`, 'block');
  assert(Number.isSafeInteger(maxBytes) && maxBytes > 0 && maxBytes <= CANONICAL_MAX_BYTES, `maxBytes within 1..${CANONICAL_MAX_BYTES}`);
  const fields = (bytes instanceof Uint8Array ? parseCanonicalEnvelope(bytes) : undefined) ?? decodeEnvelopeGeneric(bytes, maxBytes);
  const { headerBytes, signature, txs } = fields;
  const header = decodeHeader(headerBytes);
  const genesis = header.height === 0;
  if (genesis && (signature.length !== 0 || txs.length !== 0)) fail('BLOCK_GENESIS', 'genesis block: no signature and no transactions', 'block');
  if (!genesis && signature.length !== ED25519_SIGNATURE_BYTES) fail('BLOCK_FIELD_TYPE', `block.signature: expected ${ED25519_SIGNATURE_BYTES} bytes`, 'block.signature');
  const hash = blockHash(headerBytes);
  return { header, headerBytes, hash, hashHex: toHex(hash), signature, txs, bytes };
}
