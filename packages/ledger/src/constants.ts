// Every limit of @tradeledger/ledger, in one place, with the assertions on how they relate.
// A limit that is not here does not exist: decoders, caches and queues take their bounds from
// this file, and each has a test at its limit. Names carry their units (_BYTES, _CHARS, _ENTRIES).
// Append new limits in a section of their own, with their assertions beside them.

import { assert } from './errors.js';

const KIB = 1024;
const MIB = 1024 * KIB;

// ---- Keys and signatures (ed25519.ts, key-file.ts) ----

/** Cached node:crypto public KeyObjects, one per known public key; least recently used goes first. */
export const ED25519_KEY_CACHE_MAX_ENTRIES = 65_536;
/** A key file is a few hundred bytes of JSON; anything larger is not a key file. */
export const KEY_FILE_MAX_BYTES = 4 * KIB;

assert(ED25519_KEY_CACHE_MAX_ENTRIES > 0 && Number.isSafeInteger(ED25519_KEY_CACHE_MAX_ENTRIES), 'key cache holds at least one key');
assert(KEY_FILE_MAX_BYTES >= 256, 'a key file (two hex keys and a type) fits in KEY_FILE_MAX_BYTES');

// ---- Canonical msgpack (canonical-msgpack.ts) ----

/** Nesting depth of arrays and maps in any canonical msgpack value (the top-level value is depth 1). */
export const CANONICAL_MAX_DEPTH = 32;
/** Absolute ceiling on any canonical msgpack input, whatever limit a caller passes. */
export const CANONICAL_MAX_BYTES = 64 * MIB;

assert(CANONICAL_MAX_DEPTH >= 4, 'envelope, payload and two levels of nesting inside it');

// ---- Transactions (tx.ts, tx-kind-registry.ts) ----

/** Default size limit of one signed transaction, in bytes; decodeTx takes a different one per call. */
export const TX_MAX_BYTES_DEFAULT = 1 * MIB;
/** Chain ids are short printable ASCII names ([A-Za-z0-9._:-]); the same bound applies to block headers. */
export const CHAIN_ID_MAX_CHARS = 64;
/** Transaction kind names ([A-Za-z0-9._:/-]). */
export const TX_KIND_MAX_CHARS = 64;
/** How many kinds one registry holds. */
export const TX_KIND_REGISTRY_MAX_KINDS = 256;
/**
 * Bytes of a signed envelope besides chainId, kind and payload: map header, eight keys, signer
 * (bin8 of 32), signature (bin8 of 64), version, and nonce and timestamp at their widest (int64).
 */
export const TX_ENVELOPE_OVERHEAD_MAX_BYTES = 1 + 62 + 34 + 66 + 1 + 9 + 9 + 2 + 2;

assert(TX_MAX_BYTES_DEFAULT <= CANONICAL_MAX_BYTES, 'a transaction is decodable by the canonical codec');
assert(CHAIN_ID_MAX_CHARS < 256 && TX_KIND_MAX_CHARS < 256, 'chain id and kind fit a str8 header (ASCII: one byte a char)');
assert(
  TX_ENVELOPE_OVERHEAD_MAX_BYTES + CHAIN_ID_MAX_CHARS + TX_KIND_MAX_CHARS + 1 < TX_MAX_BYTES_DEFAULT,
  'a transaction with an empty payload and the longest chain id and kind fits the default limit',
);
assert(TX_KIND_REGISTRY_MAX_KINDS > 0, 'a registry holds at least one kind');

// ---- Blocks and their verification (block.ts, block-verify.ts, verify-pool.ts) ----

/** Transactions in one block. The node's block-cutting limit must not exceed it. */
export const BLOCK_MAX_TXS = 16_384;
/** Encoded size of one block (header, signature and transactions). */
export const BLOCK_MAX_BYTES = 32 * MIB;
/** The network configuration carried by the genesis header. */
export const GENESIS_CONFIG_MAX_BYTES = 1 * MIB;
/** Items in one verifyBatch call: every transaction of a full block plus its header. */
export const VERIFY_BATCH_MAX_ITEMS = BLOCK_MAX_TXS + 1;
/** Below this many signatures, handing work to threads costs more than it saves. */
export const VERIFY_PARALLEL_MIN_ITEMS = 64;
/** Worker threads in one verification pool. */
export const VERIFY_POOL_MAX_WORKERS = 16;
/** Cached KeyObjects per verification worker. */
export const VERIFY_WORKER_KEY_CACHE_MAX = 65_536;

assert(TX_MAX_BYTES_DEFAULT <= BLOCK_MAX_BYTES, 'a block holds at least one transaction of the largest size');
assert(BLOCK_MAX_BYTES <= CANONICAL_MAX_BYTES, 'a block is decodable by the canonical codec');
assert(GENESIS_CONFIG_MAX_BYTES < BLOCK_MAX_BYTES, 'the genesis header fits a block');
assert(VERIFY_BATCH_MAX_ITEMS >= BLOCK_MAX_TXS + 1, 'one batch verifies a full block and its header');
assert(VERIFY_PARALLEL_MIN_ITEMS >= 1 && VERIFY_POOL_MAX_WORKERS >= 1 && VERIFY_WORKER_KEY_CACHE_MAX >= 1, 'verification limits are positive');

// ---- In-memory Merkle nodes (merkle-log.ts MemoryMerkleNodes) ----

/**
 * Nodes per page of MemoryMerkleNodes at most (2 MiB of hashes). Growing one buffer per level by
 * doubling copied every stored node again at each doubling, a quarter of a million-leaf append;
 * pages bound any copy to one page.
 */
export const MEMORY_MERKLE_PAGE_NODES = 1 << 16;
/** A page's first size: a small tree touches many levels with a few nodes each, and stays small. */
export const MEMORY_MERKLE_FIRST_PAGE_NODES = 1 << 10;

assert(Number.isInteger(Math.log2(MEMORY_MERKLE_PAGE_NODES)) && Number.isInteger(Math.log2(MEMORY_MERKLE_FIRST_PAGE_NODES)), 'page sizes are powers of two, so a page doubles into its full size');
assert(MEMORY_MERKLE_FIRST_PAGE_NODES >= 1 && MEMORY_MERKLE_FIRST_PAGE_NODES <= MEMORY_MERKLE_PAGE_NODES, 'a page starts within its full size');
