// The in-memory LedgerStore: the reference the LevelDB store is tested against (both pass
// storeConformanceSuite), the store of the offline audit's replica, and the store of tests.
// Everything is copied in and out, so callers can never alias its contents.

import { copyBytes, toHex } from './bytes.js';
import { assert, LedgerError } from './errors.js';
import type { BlockCommit, LedgerStore, StateScanOptions, StoreHead, TxLocation } from './store.js';
import { STATE_KEY_PATTERN, STATE_SCAN_MAX_ENTRIES } from './store.js';

function nodeKey(level: number, index: number): string {
  return `${level}/${index}`;
}

/** Index of the first element >= key in a sorted array. */
function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class MemoryStore implements LedgerStore {
  private readonly blocks: Uint8Array[] = [];
  private readonly txIndex = new Map<string, TxLocation>();
  private readonly merkleNodes = new Map<string, Uint8Array>();
  private readonly state = new Map<string, Uint8Array>();
  /** Sorted lazily: rebuilt on the first scan after keys were added or removed. */
  private sortedStateKeys: string[] | undefined = [];
  private currentHead: StoreHead | undefined;
  private closed = false;

  private ensureOpen(): void {
    if (this.closed) throw new LedgerError('STORE_CLOSED', 'the store is closed');
  }

  async head(): Promise<StoreHead | undefined> {
    this.ensureOpen();
    const head = this.currentHead;
    return head === undefined ? undefined : { ...head, blockHash: copyBytes(head.blockHash), logRoot: copyBytes(head.logRoot), stateRoot: copyBytes(head.stateRoot), frontier: head.frontier.map(copyBytes) };
  }

  async getBlock(height: number): Promise<Uint8Array | undefined> {
    this.ensureOpen();
    const block = this.blocks[height];
    return block === undefined ? undefined : copyBytes(block);
  }

  async getTxLocation(txId: Uint8Array): Promise<TxLocation | undefined> {
    this.ensureOpen();
    return this.txIndex.get(toHex(txId));
  }

  async getNode(level: number, index: number): Promise<Uint8Array> {
    this.ensureOpen();
    const node = this.merkleNodes.get(nodeKey(level, index));
    if (node === undefined) throw new LedgerError('MERKLE_NODE_MISSING', `Merkle node level ${level} index ${index} is not in the store`);
    return copyBytes(node);
  }

  async getState(key: string): Promise<Uint8Array | undefined> {
    this.ensureOpen();
    const value = this.state.get(key);
    return value === undefined ? undefined : copyBytes(value);
  }

  async scanState(prefix: string, options: StateScanOptions = {}): Promise<Array<readonly [string, Uint8Array]>> {
    this.ensureOpen();
    const limit = Math.min(options.limit ?? STATE_SCAN_MAX_ENTRIES, STATE_SCAN_MAX_ENTRIES);
    const out: Array<readonly [string, Uint8Array]> = [];
    this.sortedStateKeys ??= [...this.state.keys()].sort();
    const sorted = this.sortedStateKeys;
    let i = lowerBound(sorted, options.after !== undefined && options.after >= prefix ? `${options.after}\u0000` : prefix);
    for (; i < sorted.length && out.length < limit; i++) {
      const key = sorted[i] as string;
      if (!key.startsWith(prefix)) break;
      out.push([key, copyBytes(this.state.get(key) as Uint8Array)]);
    }
    return out;
  }

  async commitBlock(commit: BlockCommit): Promise<void> {
    this.ensureOpen();
    const expected = this.currentHead === undefined ? 0 : this.currentHead.height + 1;
    if (commit.height !== expected) throw new LedgerError('STORE_HEIGHT_GAP', `commitBlock: expected height ${expected}, got ${commit.height}`, { field: 'height' });
    assert(commit.head.height === commit.height, 'a commit’s head describes the block it commits');
    for (const write of commit.stateWrites) if (!STATE_KEY_PATTERN.test(write.key)) assert(false, `state key ${JSON.stringify(write.key.slice(0, 80))} is printable ASCII`);
    // Everything below is synchronous: no reader can observe half a block.
    this.blocks.push(copyBytes(commit.blockBytes));
    for (const entry of commit.txIndex) {
      this.txIndex.set(toHex(entry.txId), { height: commit.height, position: entry.position, result: entry.result });
    }
    for (const write of commit.merkleWrites) this.merkleNodes.set(nodeKey(write.level, write.index), copyBytes(write.hash));
    let keysChanged = false;
    for (const write of commit.stateWrites) {
      const had = this.state.has(write.key);
      if (write.value === null) {
        if (had) {
          this.state.delete(write.key);
          keysChanged = true;
        }
      } else {
        this.state.set(write.key, copyBytes(write.value));
        if (!had) keysChanged = true;
      }
    }
    if (keysChanged) this.sortedStateKeys = undefined;
    this.currentHead = { ...commit.head, frontier: commit.head.frontier.map(copyBytes) };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
