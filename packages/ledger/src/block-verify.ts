// Verifying a block against the chain tip, and turning a verified block into the one atomic
// BlockCommit a store writes. Every node runs this for every committed block; the leader runs
// `buildBlock` to propose one. The same code computes the roots on both sides, so a proposer and
// a verifier cannot disagree about what a block commits to except through a real difference.
//
// What stops a block (a loud, coded LedgerError: the node must stop applying rather than diverge):
// wrong chain, height or link, a timestamp before the previous block's, an unauthorized proposer,
// a bad header signature, a wrong txRoot, logSize, logRoot or stateRoot.
// What only invalidates a transaction (recorded with its code; no effect on state): bytes that do
// not decode, a bad signature, and every rule of the state machine.

import { bytesEqual, toHex } from './bytes.js';
import { VERIFY_BATCH_MAX_ITEMS, VERIFY_PARALLEL_MIN_ITEMS } from './constants.js';
import { createBlock, createGenesisBlock, headerSigningHash, ZERO_HASH, type BlockHeader, type DecodedBlock } from './block.js';
import { assert, LedgerError } from './errors.js';
import { MerkleLog, nodeWritesOf, type MerkleNodeWrite } from './merkle-log.js';
import type { MerkleSubtreePool } from './merkle-subtree-pool.js';
import { MERKLE_HASH_BYTES } from './merkle-proof.js';
import type { StateReader, StateWrite, StoreHead, TxIndexEntry, TxResult, BlockCommit } from './store.js';
import { decodeTxBatch, type DecodedTx } from './tx.js';
import { inlineVerifier, type BatchVerifier, type VerifyItem } from './verify-pool.js';
import { sha256 } from './hash.js';

/** The state machine as the block pipeline sees it (implemented in state/). */
export interface StateMachine {
  /**
   * Applies decoded, signature-checked transactions in order. Deterministic, never throws for
   * any input: a transaction that breaks a rule gets `{ ok: false, code }` and no effect.
   */
  apply(reader: StateReader, context: ApplyContext, txs: readonly DecodedTx[]): Promise<{ writes: StateWrite[]; results: TxResult[] }>;
  /** The state commitment after a block, from the previous one and the block's writes. */
  nextStateRoot(previousRoot: Uint8Array, writes: readonly StateWrite[]): Uint8Array;
  /** The initial state a genesis configuration implies; throws a coded LedgerError for a bad configuration. */
  genesisWrites(config: unknown): StateWrite[];
  /** Whether `publicKey` is a node key of a member organization in this state. */
  isMemberNodeKey(reader: StateReader, publicKey: Uint8Array): Promise<boolean>;
}

export interface ApplyContext {
  readonly chainId: string;
  readonly height: number;
  readonly timestampMs: number;
}

/** The chain tip a block must extend: the store's head plus the network's chain id. */
export interface ChainTip extends StoreHead {
  readonly chainId: string;
}

export type ProposerVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface VerifyBlockOptions {
  /** Decides whether `header.proposer` may propose at this height and term (membership, leadership). */
  readonly authorizeProposer: (header: BlockHeader) => ProposerVerdict | Promise<ProposerVerdict>;
  readonly verifier?: BatchVerifier;
  readonly maxTxBytes?: number;
  /** Hashes a large block's Merkle leaves and nodes on worker threads too (same result). */
  readonly merklePool?: MerkleSubtreePool;
}

export interface VerifiedBlock {
  readonly block: DecodedBlock;
  /** Per position: the decoded transaction, or the reason it cannot be applied at all. */
  readonly txs: ReadonlyArray<{ readonly decoded: DecodedTx } | { readonly decoded: undefined; readonly result: TxResult }>;
  readonly txIds: readonly Uint8Array[];
  readonly merkleWrites: readonly MerkleNodeWrite[];
  readonly logRoot: Uint8Array;
  readonly logSize: number;
  readonly frontier: readonly Uint8Array[];
}

/**
 * Signatures handed to the verifier per call while a block is still being decoded. The first call
 * is small so worker threads start early; both are at least VERIFY_PARALLEL_MIN_ITEMS, below which
 * a worker pool verifies on the calling thread.
 */
const VERIFY_FIRST_CHUNK_ITEMS = VERIFY_PARALLEL_MIN_ITEMS;
const VERIFY_CHUNK_ITEMS = 4 * VERIFY_PARALLEL_MIN_ITEMS;
assert(VERIFY_FIRST_CHUNK_ITEMS >= VERIFY_PARALLEL_MIN_ITEMS && VERIFY_CHUNK_ITEMS <= VERIFY_BATCH_MAX_ITEMS, 'verification chunks are parallel-sized and within a batch');

function fail(code: string, message: string, field: string): never {
  throw new LedgerError(code, message, { field });
}

interface LogExtension {
  txRoot: Uint8Array;
  logRoot: Uint8Array;
  logSize: number;
  frontier: Uint8Array[];
  merkleWrites: MerkleNodeWrite[];
}

/**
 * Appends a block's transactions to the global log: the block's own root and the log after it.
 * Each leaf is hashed once (a batch append) and the same hashes feed both logs: a batch's writes
 * are packed level by level, leaves first. `pool` (optional) hashes a large block's global-log
 * batch on worker threads too.
 */
function extendLog(tip: StoreHead, txs: readonly Uint8Array[], pool: MerkleSubtreePool | undefined): LogExtension {
  const globalLog = MerkleLog.fromFrontier(tip.logSize, [...tip.frontier]);
  const appended = globalLog.appendMany(txs, pool);
  assert(appended.writes.count >= txs.length && (txs.length === 0 || (appended.writes.levels[txs.length - 1] === 0 && appended.writes.levels[txs.length] !== 0)), 'extendLog: the leaf hashes lead the writes');
  const blockLog = MerkleLog.empty();
  blockLog.appendLeafHashes(appended.writes.hashes.subarray(0, txs.length * MERKLE_HASH_BYTES));
  assert(blockLog.size === txs.length && globalLog.size === tip.logSize + txs.length, 'extendLog: both logs took every transaction');
  return { txRoot: blockLog.root(), logRoot: globalLog.root(), logSize: globalLog.size, frontier: globalLog.frontier(), merkleWrites: nodeWritesOf(appended.writes) };
}

/** Checks links, proposer, signatures and log roots. State is checked by `executeBlock`. */
export async function verifyBlock(block: DecodedBlock, tip: ChainTip, options: VerifyBlockOptions): Promise<VerifiedBlock> {
  const { header } = block;
  if (header.chainId !== tip.chainId) fail('BLOCK_CHAIN_ID', `header.chainId: expected ${tip.chainId}, got ${header.chainId}`, 'header.chainId');
  if (header.height !== tip.height + 1) fail('BLOCK_HEIGHT', `header.height: expected ${tip.height + 1}, got ${header.height}`, 'header.height');
  if (!bytesEqual(header.prevHash, tip.blockHash)) fail('BLOCK_PREV_HASH', `header.prevHash: ${toHex(header.prevHash)} does not link to ${toHex(tip.blockHash)}`, 'header.prevHash');
  if (header.timestamp < tip.timestamp) fail('BLOCK_TIMESTAMP', `header.timestamp: ${header.timestamp} is before the previous block's ${tip.timestamp}`, 'header.timestamp');
  const authorized = await options.authorizeProposer(header);
  if (!authorized.ok) fail('BLOCK_PROPOSER', `header.proposer ${toHex(header.proposer)}: ${authorized.reason}`, 'header.proposer');

  // Decode in chunks and hand each chunk's signatures to the verifier as soon as it is decoded, so
  // worker threads verify while this thread decodes the next chunk and then extends the log. The
  // verdicts are awaited only at the end; every error below is raised in the same order as if
  // everything had run one step after another.
  const verifier = options.verifier ?? inlineVerifier;
  const decoded: Array<{ decoded: DecodedTx } | { decoded: undefined; result: TxResult }> = new Array(block.txs.length);
  const txIds: Uint8Array[] = new Array(block.txs.length);
  const pending: Array<Promise<void>> = [];
  let headerVerdict = false;
  let items: VerifyItem[] = [{ publicKey: header.proposer, message: headerSigningHash(block.headerBytes), signature: block.signature }];
  let itemPositions: number[] = [-1];
  const dispatch = (): void => {
    const batchItems = items;
    const positions = itemPositions;
    items = [];
    itemPositions = [];
    let answered: Promise<boolean[]>;
    try {
      answered = verifier.verifyBatch(batchItems);
    } catch (error) {
      // A verifier that throws instead of rejecting: still reported by the Promise.all below,
      // after the batches already handed out have a handler.
      answered = Promise.reject(error);
    }
    pending.push(
      answered.then((verdicts) => {
        assert(verdicts.length === positions.length, 'the verifier answered once per item');
        positions.forEach((position, i) => {
          if (position < 0) headerVerdict = verdicts[i] === true;
          else if (verdicts[i] !== true) decoded[position] = { decoded: undefined, result: { ok: false, code: 'TX_SIGNATURE_INVALID' } };
        });
      }),
    );
  };
  const decodeOptions = options.maxTxBytes === undefined ? {} : { maxBytes: options.maxTxBytes };
  for (let from = 0; from < block.txs.length; ) {
    // Enough transactions to fill this call (the first one also carries the header's signature).
    const to = Math.min(block.txs.length, from + (pending.length === 0 ? VERIFY_FIRST_CHUNK_ITEMS - items.length : VERIFY_CHUNK_ITEMS));
    decodeTxBatch(block.txs.slice(from, to), decodeOptions).forEach((outcome, i) => {
      const position = from + i;
      if (outcome.ok) {
        const tx = outcome.decoded;
        decoded[position] = { decoded: tx };
        txIds[position] = tx.id;
        items.push({ publicKey: tx.tx.signer, message: tx.signingHash, signature: tx.tx.signature });
        itemPositions.push(position);
      } else {
        decoded[position] = { decoded: undefined, result: { ok: false, code: outcome.error.code } };
        txIds[position] = sha256(block.txs[position] as Uint8Array);
      }
    });
    from = to;
    if (items.length >= VERIFY_FIRST_CHUNK_ITEMS) dispatch();
  }
  if (items.length > 0) dispatch();
  const log = extendLog(tip, block.txs, options.merklePool);
  await Promise.all(pending);
  if (!headerVerdict) fail('BLOCK_SIGNATURE_INVALID', `block ${header.height}: the proposer's header signature does not verify`, 'signature');

  if (!bytesEqual(log.txRoot, header.txRoot)) fail('BLOCK_TX_ROOT', `header.txRoot: expected ${toHex(log.txRoot)}, got ${toHex(header.txRoot)}`, 'header.txRoot');
  if (log.logSize !== header.logSize) fail('BLOCK_LOG_SIZE', `header.logSize: expected ${log.logSize}, got ${header.logSize}`, 'header.logSize');
  if (!bytesEqual(log.logRoot, header.logRoot)) fail('BLOCK_LOG_ROOT', `header.logRoot: expected ${toHex(log.logRoot)}, got ${toHex(header.logRoot)}`, 'header.logRoot');
  return { block, txs: decoded, txIds, merkleWrites: log.merkleWrites, logRoot: log.logRoot, logSize: log.logSize, frontier: log.frontier };
}

interface Execution {
  stateRoot: Uint8Array;
  writes: StateWrite[];
  results: TxResult[];
}

async function execute(
  reader: StateReader,
  stateMachine: StateMachine,
  context: ApplyContext,
  previousStateRoot: Uint8Array,
  txs: VerifiedBlock['txs'],
): Promise<Execution> {
  const applicable: DecodedTx[] = [];
  for (const entry of txs) if (entry.decoded !== undefined) applicable.push(entry.decoded);
  const applied = await stateMachine.apply(reader, context, applicable);
  if (applied.results.length !== applicable.length) {
    throw new LedgerError('ASSERTION_FAILED', `invariant broken: the state machine answered ${applied.results.length} results for ${applicable.length} transactions`);
  }
  let next = 0;
  const results = txs.map((entry) => (entry.decoded !== undefined ? (applied.results[next++] as TxResult) : entry.result));
  return { stateRoot: stateMachine.nextStateRoot(previousStateRoot, applied.writes), writes: applied.writes, results };
}

function indexEntries(txIds: readonly Uint8Array[], results: readonly TxResult[]): TxIndexEntry[] {
  const entries: TxIndexEntry[] = [];
  txIds.forEach((txId, position) => {
    const result = results[position] as TxResult;
    // A duplicate keeps pointing at its first occurrence.
    if (!result.ok && result.code === 'TX_DUPLICATE') return;
    entries.push({ txId, position, result });
  });
  return entries;
}

/** Applies a verified block and returns the atomic commit; the header's stateRoot must match. */
export async function executeBlock(reader: StateReader, verified: VerifiedBlock, tip: ChainTip, stateMachine: StateMachine): Promise<BlockCommit> {
  const { header } = verified.block;
  const execution = await execute(reader, stateMachine, { chainId: tip.chainId, height: header.height, timestampMs: header.timestamp }, tip.stateRoot, verified.txs);
  if (!bytesEqual(execution.stateRoot, header.stateRoot)) {
    fail('BLOCK_STATE_ROOT', `block ${header.height}: header.stateRoot ${toHex(header.stateRoot)} but applying it gives ${toHex(execution.stateRoot)}`, 'header.stateRoot');
  }
  return {
    height: header.height,
    blockHash: verified.block.hash,
    blockBytes: verified.block.bytes,
    txIndex: indexEntries(verified.txIds, execution.results),
    merkleWrites: verified.merkleWrites,
    stateWrites: execution.writes,
    head: { height: header.height, blockHash: verified.block.hash, logSize: verified.logSize, logRoot: verified.logRoot, stateRoot: execution.stateRoot, timestamp: header.timestamp, frontier: verified.frontier },
  };
}

export interface BuildBlockArgs {
  readonly tip: ChainTip;
  readonly txs: readonly DecodedTx[];
  readonly timestamp: number;
  readonly term: number;
  readonly proposerSeed: Uint8Array;
  readonly proposerPublicKey: Uint8Array;
  /** Hashes a large block's Merkle leaves and nodes on worker threads too (same result). */
  readonly merklePool?: MerkleSubtreePool;
}

/**
 * The proposer's side: applies already-verified transactions on `reader` (the state the block
 * will extend), signs a header with every root, and returns the block with the commit it implies.
 */
export async function buildBlock(reader: StateReader, stateMachine: StateMachine, args: BuildBlockArgs): Promise<{ block: DecodedBlock; commit: BlockCommit }> {
  const { tip } = args;
  const height = tip.height + 1;
  const timestamp = Math.max(args.timestamp, tip.timestamp);
  const txBytes = args.txs.map((tx) => tx.bytes);
  const log = extendLog(tip, txBytes, args.merklePool);
  const execution = await execute(reader, stateMachine, { chainId: tip.chainId, height, timestampMs: timestamp }, tip.stateRoot, args.txs.map((decoded) => ({ decoded })));
  const block = createBlock(
    { chainId: tip.chainId, height, prevHash: tip.blockHash, txRoot: log.txRoot, logSize: log.logSize, logRoot: log.logRoot, stateRoot: execution.stateRoot, timestamp, term: args.term },
    txBytes,
    args.proposerSeed,
    args.proposerPublicKey,
  );
  const commit: BlockCommit = {
    height,
    blockHash: block.hash,
    blockBytes: block.bytes,
    txIndex: indexEntries(args.txs.map((tx) => tx.id), execution.results),
    merkleWrites: log.merkleWrites,
    stateWrites: execution.writes,
    head: { height, blockHash: block.hash, logSize: log.logSize, logRoot: log.logRoot, stateRoot: execution.stateRoot, timestamp, frontier: log.frontier },
  };
  return { block, commit };
}

/** The genesis block and its commit, from the network's configuration. */
export function buildGenesis(stateMachine: StateMachine, args: { chainId: string; timestamp: number; config: unknown }): { block: DecodedBlock; commit: BlockCommit } {
  const writes = stateMachine.genesisWrites(args.config);
  const stateRoot = stateMachine.nextStateRoot(ZERO_HASH, writes);
  const logRoot = MerkleLog.empty().root();
  const block = createGenesisBlock({ chainId: args.chainId, timestamp: args.timestamp, config: args.config, logRoot, stateRoot });
  const commit: BlockCommit = {
    height: 0,
    blockHash: block.hash,
    blockBytes: block.bytes,
    txIndex: [],
    merkleWrites: [],
    stateWrites: writes,
    head: { height: 0, blockHash: block.hash, logSize: 0, logRoot, stateRoot, timestamp: args.timestamp, frontier: [] },
  };
  return { block, commit };
}

/**
 * Checks a genesis block by rebuilding it from the configuration it carries: the result must be
 * byte-identical. `expectedHash`, when given, pins the network the operator meant to join.
 */
export function verifyGenesis(stateMachine: StateMachine, block: DecodedBlock, expectedHash?: Uint8Array): BlockCommit {
  const { header } = block;
  if (header.height !== 0) fail('BLOCK_GENESIS', `genesis: expected height 0, got ${header.height}`, 'header.height');
  if (expectedHash !== undefined && !bytesEqual(block.hash, expectedHash)) {
    fail('BLOCK_GENESIS', `genesis: hash ${block.hashHex} is not the expected ${toHex(expectedHash)}`, 'hash');
  }
  const rebuilt = buildGenesis(stateMachine, { chainId: header.chainId, timestamp: header.timestamp, config: header.config });
  if (!bytesEqual(rebuilt.block.bytes, block.bytes)) fail('BLOCK_GENESIS', 'genesis: its roots do not match the configuration it carries', 'header');
  return rebuilt.commit;
}

/** The tip a store's head describes, for the next block to extend. */
export function chainTip(head: StoreHead, chainId: string): ChainTip {
  return { ...head, chainId };
}
