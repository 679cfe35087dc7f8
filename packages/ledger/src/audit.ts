// The audit: re-verifies a whole store from genesis, trusting nothing it holds. It replays every
// block through the same verification and state machine a node runs, into an in-memory replica,
// and compares what the store holds with what the replay says it must hold: block links and
// signatures, txRoot, logRoot and stateRoot of every header, every transaction index entry, every
// Merkle node, the head, and finally every state value. It reports the first bad height and why.
//
// It never writes to the store it audits.

import { bytesEqual, toHex } from './bytes.js';
import { decodeBlock } from './block.js';
import { chainTip, executeBlock, verifyBlock, verifyGenesis, type StateMachine } from './block-verify.js';
import { LedgerError } from './errors.js';
import { MemoryStore } from './memory-store.js';
import type { BlockCommit, LedgerStore, StoreHead, TxLocation } from './store.js';
import type { BatchVerifier } from './verify-pool.js';

export interface AuditProgress {
  readonly height: number;
  readonly headHeight: number;
  readonly txCount: number;
}

export interface AuditOptions {
  readonly stateMachine: StateMachine;
  /** Pins the network: the genesis block must have this hash. */
  readonly expectedGenesisHash?: Uint8Array;
  readonly verifier?: BatchVerifier;
  /** Called after each block (and once at the end). */
  readonly onProgress?: (progress: AuditProgress) => void;
}

export type AuditReport =
  | { readonly ok: true; readonly headHeight: number; readonly blocks: number; readonly txCount: number; readonly headHash: string }
  | { readonly ok: false; readonly badHeight: number; readonly code: string; readonly reason: string; readonly blocksVerified: number; readonly txCount: number };

class AuditFailure extends Error {
  constructor(
    readonly height: number,
    readonly code: string,
    reason: string,
  ) {
    super(reason);
  }
}

function sameLocation(a: TxLocation | undefined, b: TxLocation): boolean {
  if (a === undefined || a.height !== b.height || a.position !== b.position || a.result.ok !== b.result.ok) return false;
  return a.result.ok || b.result.ok || a.result.code === b.result.code;
}

function sameHead(a: StoreHead, b: StoreHead): string | undefined {
  if (a.height !== b.height) return `height ${a.height} vs ${b.height}`;
  if (!bytesEqual(a.blockHash, b.blockHash)) return 'blockHash';
  if (a.logSize !== b.logSize) return `logSize ${a.logSize} vs ${b.logSize}`;
  if (!bytesEqual(a.logRoot, b.logRoot)) return 'logRoot';
  if (!bytesEqual(a.stateRoot, b.stateRoot)) return 'stateRoot';
  if (a.timestamp !== b.timestamp) return 'timestamp';
  if (a.frontier.length !== b.frontier.length || a.frontier.some((h, i) => !bytesEqual(h, b.frontier[i] as Uint8Array))) return 'frontier';
  return undefined;
}

/** Compares what the store holds for one block with what replaying the block produced. */
async function compareCommit(store: LedgerStore, commit: BlockCommit): Promise<void> {
  const { height } = commit;
  for (const entry of commit.txIndex) {
    let stored: TxLocation | undefined;
    try {
      stored = await store.getTxLocation(entry.txId);
    } catch (error) {
      throw new AuditFailure(height, 'AUDIT_INDEX_MISMATCH', `transaction ${toHex(entry.txId)}: its index entry does not decode: ${(error as Error).message}`);
    }
    if (!sameLocation(stored, { height, position: entry.position, result: entry.result })) {
      throw new AuditFailure(height, 'AUDIT_INDEX_MISMATCH', `transaction ${toHex(entry.txId)} at position ${entry.position}: the index says ${JSON.stringify(stored)}`);
    }
  }
  for (const write of commit.merkleWrites) {
    let stored: Uint8Array;
    try {
      stored = await store.getNode(write.level, write.index);
    } catch (error) {
      throw new AuditFailure(height, 'AUDIT_MERKLE_MISMATCH', `Merkle node (${write.level}, ${write.index}) is missing: ${(error as Error).message}`);
    }
    if (!bytesEqual(stored, write.hash)) throw new AuditFailure(height, 'AUDIT_MERKLE_MISMATCH', `Merkle node (${write.level}, ${write.index}) differs from the recomputed hash`);
  }
}

/** Compares every state value of the store with the replica's, page by page in key order. */
async function compareState(store: LedgerStore, replica: MemoryStore, lastWriter: ReadonlyMap<string, number>, headHeight: number): Promise<void> {
  let after: string | undefined;
  for (;;) {
    const [mine, theirs] = await Promise.all([
      store.scanState('', after === undefined ? {} : { after }).catch((error: unknown) => {
        // A store that cannot even produce a value (a dangling or malformed pointer in LevelDB's
        // layout) fails the audit at the height that last wrote that key.
        if (error instanceof LedgerError && error.code === 'STORE_CORRUPT') {
          const key = error.field;
          throw new AuditFailure((key === undefined ? undefined : lastWriter.get(key)) ?? headHeight, 'STORE_CORRUPT', error.message);
        }
        throw error;
      }),
      replica.scanState('', after === undefined ? {} : { after }),
    ]);
    const length = Math.max(mine.length, theirs.length);
    for (let i = 0; i < length; i++) {
      const a = mine[i];
      const b = theirs[i];
      if (a === undefined || b === undefined || a[0] !== b[0] || !bytesEqual(a[1], b[1])) {
        // The first key at which the two differ: a changed value, or a key only one side holds.
        const firstKey = a === undefined ? (b as readonly [string, Uint8Array])[0] : b === undefined || a[0] <= b[0] ? a[0] : b[0];
        throw new AuditFailure(lastWriter.get(firstKey) ?? headHeight, 'AUDIT_STATE_MISMATCH', `state key ${JSON.stringify(firstKey)} differs from the replayed state`);
      }
    }
    if (mine.length === 0) return;
    after = (mine.at(-1) as readonly [string, Uint8Array])[0];
  }
}

export async function auditStore(store: LedgerStore, options: AuditOptions): Promise<AuditReport> {
  const replica = new MemoryStore();
  const lastWriter = new Map<string, number>();
  let txCount = 0;
  let verified = 0;
  const storedHead = await store.head();
  if (storedHead === undefined) return { ok: true, headHeight: -1, blocks: 0, txCount: 0, headHash: '' };
  try {
    let chainId = '';
    for (let height = 0; height <= storedHead.height; height++) {
      const bytes = await store.getBlock(height);
      if (bytes === undefined) throw new AuditFailure(height, 'AUDIT_BLOCK_MISSING', `block ${height} is missing below the head ${storedHead.height}`);
      let commit: BlockCommit;
      try {
        const block = decodeBlock(bytes);
        if (height === 0) {
          commit = verifyGenesis(options.stateMachine, block, options.expectedGenesisHash);
          chainId = block.header.chainId;
        } else {
          const tip = chainTip((await replica.head()) as StoreHead, chainId);
          const checked = await verifyBlock(block, tip, {
            authorizeProposer: async (header) =>
              (await options.stateMachine.isMemberNodeKey(replica, header.proposer)) ? { ok: true } : { ok: false, reason: 'not a node key of a member organization' },
            ...(options.verifier === undefined ? {} : { verifier: options.verifier }),
          });
          commit = await executeBlock(replica, checked, tip, options.stateMachine);
        }
      } catch (error) {
        if (error instanceof LedgerError) throw new AuditFailure(height, error.code, error.message);
        throw error;
      }
      await compareCommit(store, commit);
      for (const write of commit.stateWrites) lastWriter.set(write.key, height);
      await replica.commitBlock(commit);
      txCount += commit.txIndex.length;
      verified = height + 1;
      options.onProgress?.({ height, headHeight: storedHead.height, txCount });
    }
    const replayedHead = (await replica.head()) as StoreHead;
    const headDifference = sameHead(storedHead, replayedHead);
    if (headDifference !== undefined) throw new AuditFailure(storedHead.height, 'AUDIT_HEAD_MISMATCH', `the stored head differs from the replayed one: ${headDifference}`);
    await compareState(store, replica, lastWriter, storedHead.height);
    return { ok: true, headHeight: storedHead.height, blocks: verified, txCount, headHash: toHex(replayedHead.blockHash) };
  } catch (error) {
    if (error instanceof AuditFailure) return { ok: false, badHeight: error.height, code: error.code, reason: error.message, blocksVerified: verified, txCount };
    throw error;
  } finally {
    await replica.close();
  }
}
