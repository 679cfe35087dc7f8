// The ledger's storage interface: what every store (LevelDB in @tradeledger/node, in-memory here)
// must provide. A store holds the blocks (exact signed bytes, kept forever), the index
// transaction id -> (height, position, result), the Merkle log's perfect-subtree nodes, the
// state key-value pairs, and the head metadata. One block is committed in one atomic batch:
// after a crash at any moment a block and everything it wrote is wholly present or absent.
//
// The store checks nothing about the meaning of what it holds (that is block validation and the
// state machine); it asserts only what would corrupt it: heights advance by exactly one.

import type { MerkleNodeReader, MerkleNodeWrite } from './merkle-log.js';

/** The outcome of one transaction at apply: accepted with effect, or recorded invalid with its code. */
export type TxResult = { readonly ok: true } | { readonly ok: false; readonly code: string };

export interface TxLocation {
  readonly height: number;
  readonly position: number;
  readonly result: TxResult;
}

/** Everything needed to resume after reopening, without replaying the chain. */
export interface StoreHead {
  readonly height: number;
  readonly blockHash: Uint8Array;
  readonly logSize: number;
  readonly logRoot: Uint8Array;
  readonly stateRoot: Uint8Array;
  /** The block's timestamp (ms): the next block's may not be earlier. */
  readonly timestamp: number;
  /** MerkleLog.frontier() after this block: resumes the log in O(log n). */
  readonly frontier: readonly Uint8Array[];
}

/** A state change: `value: null` deletes the key. Keys are printable ASCII, ordered bytewise. */
export const STATE_KEY_PATTERN = /^[\x21-\x7e]{1,512}$/;

export interface StateWrite {
  readonly key: string;
  readonly value: Uint8Array | null;
}

export interface TxIndexEntry {
  readonly txId: Uint8Array;
  readonly position: number;
  readonly result: TxResult;
}

export interface BlockCommit {
  readonly height: number;
  readonly blockHash: Uint8Array;
  /** The exact signed block bytes as they were hashed and signed. */
  readonly blockBytes: Uint8Array;
  /**
   * Index entries for the block's transactions. A transaction rejected as a duplicate has none:
   * its id already points at the first occurrence.
   */
  readonly txIndex: readonly TxIndexEntry[];
  readonly merkleWrites: readonly MerkleNodeWrite[];
  readonly stateWrites: readonly StateWrite[];
  readonly head: StoreHead;
}

export interface StateScanOptions {
  /** Return keys strictly greater than this one (for paging). */
  readonly after?: string;
  /** At most this many entries; stores cap it at STATE_SCAN_MAX_ENTRIES. */
  readonly limit?: number;
}

/** Read access to state, as the state machine and the queries see it. */
export interface StateReader {
  getState(key: string): Promise<Uint8Array | undefined>;
  /** Entries whose key starts with `prefix`, in ascending key order. */
  scanState(prefix: string, options?: StateScanOptions): Promise<Array<readonly [string, Uint8Array]>>;
  getTxLocation(txId: Uint8Array): Promise<TxLocation | undefined>;
}

export interface LedgerStore extends StateReader, MerkleNodeReader {
  head(): Promise<StoreHead | undefined>;
  getBlock(height: number): Promise<Uint8Array | undefined>;
  /** Writes the block, its index entries, Merkle nodes, state and head in one atomic batch. */
  commitBlock(commit: BlockCommit): Promise<void>;
  close(): Promise<void>;
}

/** The most entries one scanState call returns, whatever limit is asked for. */
export const STATE_SCAN_MAX_ENTRIES = 10_000;
