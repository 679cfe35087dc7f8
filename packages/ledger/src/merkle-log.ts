// The RFC 9162 Merkle log over every transaction in ledger order: appending (the hot path), roots
// at any size, and building inclusion and consistency proofs from stored nodes.
//
// Owns: node addressing and the frontier. A perfect subtree is (level, index): level 0 holds leaf
// hashes and node (level, index) covers leaves [index * 2^level, (index + 1) * 2^level). Only
// perfect subtrees are ever stored; a root of any other size is folded from the perfect subtrees
// its size decomposes into. The frontier (one perfect-subtree root per set bit of the size,
// largest first) is all the log keeps in memory, so reopening needs no replay.
//
// Must never: touch storage itself (appends return the node writes; the caller persists them
// atomically with the block), or be used by the light client (it hashes with node:crypto; the
// checks live in merkle-proof.ts).
//
// Hashes returned here are plain 32-byte Uint8Arrays, never shared with the log's own state except
// the frontier's: treat them as immutable.

import { Buffer } from 'node:buffer';
import { hash as nodeHash } from 'node:crypto';
import { toHex } from './bytes.js';
import { MEMORY_MERKLE_FIRST_PAGE_NODES, MEMORY_MERKLE_PAGE_NODES } from './constants.js';
import { LedgerError, assert } from './errors.js';
import { batchLayout, digestInto, hashInteriorLevels, hashLeafRange, leafHashInto, type MerkleBatchLayout } from './merkle-levels.js';
import type { MerkleSubtreePool } from './merkle-subtree-pool.js';
import {
  MERKLE_HASH_BYTES,
  MERKLE_MAX_TREE_SIZE,
  verifyConsistency,
  verifyInclusion,
  type ConsistencyProof,
  type InclusionProof,
  type MerkleHasher,
} from './merkle-proof.js';

/** Read access to stored perfect-subtree nodes. Must throw LedgerError MERKLE_NODE_MISSING if absent. */
export interface MerkleNodeReader {
  getNode(level: number, index: number): Promise<Uint8Array>;
}

/** A perfect-subtree node completed by an append, for the caller to persist. */
export interface MerkleNodeWrite {
  readonly level: number;
  readonly index: number;
  readonly hash: Uint8Array;
}

export interface MerkleAppend {
  readonly leafHash: Uint8Array;
  /** The leaf node (level 0) first, then every node it completes, bottom up. */
  readonly writes: MerkleNodeWrite[];
}

/** A tree of safe-integer size has at most 53 levels above the leaves. */
const MAX_LEVEL = 53;

// Preallocated input for single interior hashes: the prefix byte is written once.
const interiorInput = Buffer.alloc(1 + 2 * MERKLE_HASH_BYTES);
interiorInput[0] = 0x01;

function digest(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(MERKLE_HASH_BYTES);
  digestInto(input, out, 0);
  return out;
}

/** SHA-256(0x00 ‖ leaf bytes) with node:crypto. */
export function leafHashOf(leafBytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(MERKLE_HASH_BYTES);
  leafHashInto(leafBytes, out, 0);
  return out;
}

/** SHA-256(0x01 ‖ left ‖ right) with node:crypto. */
export function interiorHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  assert(left.length === MERKLE_HASH_BYTES, 'interiorHash: left child is 32 bytes');
  assert(right.length === MERKLE_HASH_BYTES, 'interiorHash: right child is 32 bytes');
  interiorInput.set(left, 1);
  interiorInput.set(right, 1 + MERKLE_HASH_BYTES);
  return digest(interiorInput);
}

/** The node:crypto hasher, for checking proofs at node speed. */
export const nodeMerkleHasher: MerkleHasher = { interior: interiorHash };

const EMPTY_ROOT = digest(new Uint8Array(0));

function popCount(n: number): number {
  let count = 0;
  while (n > 0) {
    if (n % 2 === 1) count++;
    n = Math.floor(n / 2);
  }
  return count;
}

/** Largest power of two strictly below n (n >= 2): RFC 9162's split point k. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

interface NodeId {
  readonly level: number;
  readonly index: number;
}

/**
 * The perfect subtrees covering leaves [begin, end), largest first. Every range the RFC's
 * recursion asks for is aligned so that this binary decomposition is exact; asserted.
 */
function coveringNodes(begin: number, end: number): NodeId[] {
  assert(begin < end, `coveringNodes: empty range [${begin}, ${end})`);
  const nodes: NodeId[] = [];
  let offset = begin;
  let width = 1;
  let level = 0;
  while (width * 2 <= end - begin) {
    width *= 2;
    level++;
  }
  for (; level >= 0; level--, width /= 2) {
    if (end - offset >= width) {
      assert(offset % width === 0, `coveringNodes: [${begin}, ${end}) is not aligned at level ${level}`);
      nodes.push({ level, index: offset / width });
      offset += width;
    }
  }
  assert(offset === end, 'coveringNodes: decomposition covers the range');
  return nodes;
}

/** Reads each node at most once per proof: the root and the path share perfect subtrees. */
class NodeFetcher {
  readonly #reader: MerkleNodeReader;
  readonly #pending = new Map<string, Promise<Uint8Array>>();

  constructor(reader: MerkleNodeReader) {
    this.#reader = reader;
  }

  get(node: NodeId): Promise<Uint8Array> {
    const key = `${node.level}/${node.index}`;
    let hash = this.#pending.get(key);
    if (hash === undefined) {
      hash = this.#reader.getNode(node.level, node.index).then((value) => {
        if (!(value instanceof Uint8Array) || value.length !== MERKLE_HASH_BYTES) {
          throw new LedgerError('MERKLE_NODE_INVALID', `node (${node.level}, ${node.index}): store returned ${value instanceof Uint8Array ? `${value.length} bytes` : typeof value}, expected 32 bytes`);
        }
        return value;
      });
      this.#pending.set(key, hash);
    }
    return hash;
  }

  /** MTH of leaves [begin, end): reads the covering perfect subtrees and folds them right to left. */
  async rangeRoot(begin: number, end: number): Promise<Uint8Array> {
    const hashes = await Promise.all(coveringNodes(begin, end).map((node) => this.get(node)));
    let root = hashes[hashes.length - 1] as Uint8Array;
    for (let i = hashes.length - 2; i >= 0; i--) root = interiorHash(hashes[i] as Uint8Array, root);
    return root;
  }
}

function checkSize(value: number, field: string, max: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new LedgerError('MERKLE_SIZE_OUT_OF_RANGE', `${field}: expected an integer in [0, ${max}], got ${String(value)}`, { field });
  }
}

/**
 * Node writes of a batch append, packed: write k is node (levels[k], indices[k]) with hash
 * hashes[32k, 32k + 32). The writes go level by level, leaves first, and within a level in
 * index order: the nodes a batch completes at one level are a contiguous run of indices, so each
 * level is one packed run (what `MemoryMerkleNodes.putBatch` copies in one piece). The same
 * nodes as appending the leaves one by one; `nodeWritesOf` lists them in that append order.
 */
export interface MerkleBatchWrites {
  readonly count: number;
  readonly levels: Uint8Array;
  readonly indices: Float64Array;
  readonly hashes: Uint8Array;
}

export interface MerkleBatchAppend {
  /** Index of the first leaf appended; the batch covers [firstLeafIndex, firstLeafIndex + leafCount). */
  readonly firstLeafIndex: number;
  readonly leafCount: number;
  readonly writes: MerkleBatchWrites;
}

/** Leaves per `appendMany` call: a bound on the memory one call packs its writes into. */
export const MERKLE_APPEND_BATCH_MAX_LEAVES = 1 << 20;

/**
 * The writes of a batch as one record per node (fresh copies), in append order: each leaf, then
 * the nodes it completes, bottom up (what `appendLeaf` one by one returns).
 */
export function nodeWritesOf(writes: MerkleBatchWrites): MerkleNodeWrite[] {
  const { count, levels, indices, hashes } = writes;
  // Where each level's run starts in the packed writes, and its first index.
  const runAt: number[] = [];
  const runFirst: number[] = [];
  for (let k = 0; k < count; k++) {
    const level = levels[k] as number;
    if (k === 0 || level !== levels[k - 1]) {
      assert(level === runAt.length, 'nodeWritesOf: the writes go level by level, leaves first');
      runAt.push(k);
      runFirst.push(indices[k] as number);
    } else {
      assert(indices[k] === (indices[k - 1] as number) + 1, 'nodeWritesOf: a level is one run of consecutive indices');
    }
  }
  const record = (level: number, index: number): MerkleNodeWrite => {
    const k = (runAt[level] as number) + index - (runFirst[level] as number);
    assert(levels[k] === level && indices[k] === index, 'nodeWritesOf: a completed node is among the writes');
    return { level, index, hash: hashes.slice(k * MERKLE_HASH_BYTES, (k + 1) * MERKLE_HASH_BYTES) };
  };
  const list: MerkleNodeWrite[] = [];
  const leaves = runAt.length > 1 ? (runAt[1] as number) : count;
  for (let k = 0; k < leaves; k++) {
    const leafIndex = (runFirst[0] as number) + k;
    list.push(record(0, leafIndex));
    // Leaf i completes node (l, (i + 1) / 2^l - 1) for every l with 2^l dividing i + 1.
    for (let level = 1, scale = 2; (leafIndex + 1) % scale === 0; level++, scale *= 2) list.push(record(level, (leafIndex + 1) / scale - 1));
  }
  assert(list.length === count, 'nodeWritesOf: every write is listed once');
  return list;
}

/** At most this many writes for `leafCount` leaves: each leaf, plus at most one node per leaf and one per level. */
function batchWriteCapacity(leafCount: number): number {
  return 2 * leafCount + MAX_LEVEL + 1;
}

function checkBatchSize(leafCount: number, size: number): void {
  if (leafCount > MERKLE_APPEND_BATCH_MAX_LEAVES) {
    throw new LedgerError('MERKLE_BATCH_TOO_LARGE', `leaves: ${leafCount} exceeds the batch limit of ${MERKLE_APPEND_BATCH_MAX_LEAVES}`, { field: 'leaves' });
  }
  if (size + leafCount > MERKLE_MAX_TREE_SIZE) {
    throw new LedgerError('MERKLE_LOG_FULL', `log size ${size} + ${leafCount} leaves exceeds the limit ${MERKLE_MAX_TREE_SIZE}`);
  }
}

/**
 * Appends leaf hash k of `leafHashes` as leaf `leafIndex`: records it and every node it completes
 * in `writes` and leaves the frontier (packed by level) updated. A function of its own so the
 * optimizing compiler sees one small hot body rather than on-stack-replacing a long loop.
 */
function appendLeafHashAt(frontier: Uint8Array, leafHashes: Uint8Array, k: number, leafIndex: number, writes: { count: number; levels: Uint8Array; indices: Float64Array; hashes: Uint8Array }): void {
  const { levels, indices, hashes } = writes;
  const input = interiorInput;
  const leafOffset = k * MERKLE_HASH_BYTES;
  let count = writes.count;
  let out = count * MERKLE_HASH_BYTES;
  for (let i = 0; i < MERKLE_HASH_BYTES; i++) hashes[out + i] = leafHashes[leafOffset + i] as number;
  levels[count] = 0;
  indices[count] = leafIndex;
  count++;
  let level = 0;
  let index = leafIndex;
  // Each set low bit of the leaf index is a completed left sibling waiting on the frontier. The
  // first interior node's right child is the leaf; each next one's is the node just made.
  if (index % 2 === 1) {
    for (let i = 0; i < MERKLE_HASH_BYTES; i++) input[1 + MERKLE_HASH_BYTES + i] = leafHashes[leafOffset + i] as number;
    while (index % 2 === 1) {
      const left = level * MERKLE_HASH_BYTES;
      for (let i = 0; i < MERKLE_HASH_BYTES; i++) input[1 + i] = frontier[left + i] as number;
      const text = nodeHash('sha256', input, 'binary');
      level++;
      index = (index - 1) / 2;
      out = count * MERKLE_HASH_BYTES;
      for (let i = 0; i < MERKLE_HASH_BYTES; i++) {
        const byte = text.charCodeAt(i);
        hashes[out + i] = byte;
        input[1 + MERKLE_HASH_BYTES + i] = byte;
      }
      levels[count] = level;
      indices[count] = index;
      count++;
    }
  }
  assert(level <= MAX_LEVEL, 'append: a node above the top level');
  const top = level * MERKLE_HASH_BYTES;
  for (let i = 0; i < MERKLE_HASH_BYTES; i++) frontier[top + i] = hashes[out + i] as number;
  writes.count = count;
}

/** Reused by single-leaf appends: one leaf completes at most one node per level. */
const singleAppendWrites = {
  count: 0,
  levels: new Uint8Array(batchWriteCapacity(1)),
  indices: new Float64Array(batchWriteCapacity(1)),
  hashes: new Uint8Array(batchWriteCapacity(1) * MERKLE_HASH_BYTES),
};

export class MerkleLog {
  #size: number;
  /**
   * The frontier by level: bytes [32 l, 32 l + 32) hold the root of the perfect subtree of 2^l
   * leaves on the right edge when bit l of #size is set, and are meaningless otherwise. Packed and
   * preallocated, so appending allocates nothing for the frontier.
   */
  readonly #frontier = new Uint8Array((MAX_LEVEL + 1) * MERKLE_HASH_BYTES);
  #root: Uint8Array | undefined;

  /** `frontier` is largest first, one hash per set bit of `size` (checked by the callers). */
  private constructor(size: number, frontier: readonly Uint8Array[]) {
    this.#size = size;
    let next = frontier.length - 1;
    for (let level = 0, rest = size; rest > 0; level++, rest = Math.floor(rest / 2)) {
      if (rest % 2 === 1) this.#frontier.set(frontier[next--] as Uint8Array, level * MERKLE_HASH_BYTES);
    }
    assert(next === -1, 'MerkleLog: one frontier hash per set bit of the size');
    this.#root = undefined;
  }

  static empty(): MerkleLog {
    return new MerkleLog(0, []);
  }

  /** Resumes a log from its size and frontier (as returned by `frontier()`), without replay. */
  static fromFrontier(size: number, frontier: readonly Uint8Array[]): MerkleLog {
    checkSize(size, 'size', MERKLE_MAX_TREE_SIZE);
    const expected = popCount(size);
    if (!Array.isArray(frontier) || frontier.length !== expected) {
      throw new LedgerError('MERKLE_FRONTIER_INVALID', `frontier: a log of size ${size} has ${expected} frontier hashes, got ${Array.isArray(frontier) ? frontier.length : typeof frontier}`, { field: 'frontier' });
    }
    for (let i = 0; i < frontier.length; i++) {
      const hash = frontier[i];
      if (!(hash instanceof Uint8Array) || hash.length !== MERKLE_HASH_BYTES) {
        throw new LedgerError('MERKLE_FRONTIER_INVALID', `frontier[${i}]: expected a 32-byte hash`, { field: `frontier[${i}]` });
      }
    }
    return new MerkleLog(size, frontier);
  }

  get size(): number {
    return this.#size;
  }

  /** The perfect-subtree roots along the right edge, largest first (copies): enough to resume. */
  frontier(): Uint8Array[] {
    const hashes: Uint8Array[] = [];
    for (let level = 0, rest = this.#size; rest > 0; level++, rest = Math.floor(rest / 2)) {
      if (rest % 2 === 1) hashes.push(this.#frontier.slice(level * MERKLE_HASH_BYTES, (level + 1) * MERKLE_HASH_BYTES));
    }
    return hashes.reverse();
  }

  /** Appends one leaf (the signed transaction bytes). O(log n); the caller persists `writes`. */
  appendLeaf(leafBytes: Uint8Array): MerkleAppend {
    return this.#appendOne(leafHashOf(leafBytes));
  }

  /** Appends a leaf whose hash SHA-256(0x00 ‖ bytes) is already known. */
  appendLeafHash(leafHash: Uint8Array): MerkleAppend {
    if (!(leafHash instanceof Uint8Array) || leafHash.length !== MERKLE_HASH_BYTES) {
      throw new LedgerError('MERKLE_HASH_INVALID', `leafHash: expected a 32-byte hash`, { field: 'leafHash' });
    }
    return this.#appendOne(new Uint8Array(leafHash));
  }

  #appendOne(leafHash: Uint8Array): MerkleAppend {
    checkBatchSize(1, this.#size);
    const leafIndex = this.#size;
    const scratch = singleAppendWrites;
    scratch.count = 0;
    appendLeafHashAt(this.#frontier, leafHash, 0, leafIndex, scratch);
    this.#size = leafIndex + 1;
    this.#root = undefined;
    const writes: MerkleNodeWrite[] = [{ level: 0, index: leafIndex, hash: leafHash }];
    for (let k = 1; k < scratch.count; k++) {
      const offset = k * MERKLE_HASH_BYTES;
      writes.push({ level: scratch.levels[k] as number, index: scratch.indices[k] as number, hash: scratch.hashes.slice(offset, offset + MERKLE_HASH_BYTES) });
    }
    return { leafHash, writes };
  }

  /**
   * Appends `leaves` in order (each the signed transaction bytes): the same log and nodes as
   * appending them one by one, with the writes packed level by level and no allocation per leaf.
   * With a `pool`, a batch large enough to gain from it is hashed on the pool's threads and this
   * one together (same result). At most MERKLE_APPEND_BATCH_MAX_LEAVES leaves per call.
   */
  appendMany(leaves: readonly Uint8Array[], pool?: MerkleSubtreePool): MerkleBatchAppend {
    checkBatchSize(leaves.length, this.#size);
    for (let i = 0; i < leaves.length; i++) {
      if (!(leaves[i] instanceof Uint8Array)) throw new LedgerError('MERKLE_LEAF_INVALID', `leaves[${i}]: expected bytes`, { field: `leaves[${i}]` });
    }
    const layout = batchLayout(this.#size, leaves.length);
    let hashes = pool?.hashBatch(leaves, layout, this.#frontier);
    if (hashes === undefined) {
      hashes = new Uint8Array(layout.total * MERKLE_HASH_BYTES);
      hashLeafRange(leaves, 0, leaves.length, hashes);
      hashInteriorLevels(hashes, layout, this.#frontier);
    }
    return this.#commit(layout, hashes);
  }

  /**
   * Appends leaves whose hashes SHA-256(0x00 ‖ bytes) are already known, packed 32 bytes each in
   * `leafHashes` (computed elsewhere, e.g. on the threads that checked the transactions).
   */
  appendLeafHashes(leafHashes: Uint8Array): MerkleBatchAppend {
    if (!(leafHashes instanceof Uint8Array) || leafHashes.length % MERKLE_HASH_BYTES !== 0) {
      throw new LedgerError('MERKLE_HASH_INVALID', `leafHashes: expected a multiple of 32 bytes`, { field: 'leafHashes' });
    }
    const leafCount = leafHashes.length / MERKLE_HASH_BYTES;
    checkBatchSize(leafCount, this.#size);
    const layout = batchLayout(this.#size, leafCount);
    const hashes = new Uint8Array(layout.total * MERKLE_HASH_BYTES);
    hashes.set(leafHashes, 0);
    hashInteriorLevels(hashes, layout, this.#frontier);
    return this.#commit(layout, hashes);
  }

  /**
   * Takes a batch whose every node is in `hashes` (packed as `layout` says): records the write
   * addresses, moves the frontier to the new right edge and grows the size.
   */
  #commit(layout: MerkleBatchLayout, hashes: Uint8Array): MerkleBatchAppend {
    const { firstLeafIndex, leafCount, total } = layout;
    assert(firstLeafIndex === this.#size && hashes.length === total * MERKLE_HASH_BYTES, 'append: the layout starts at the log size and covers every node');
    const levels = new Uint8Array(total);
    const indices = new Float64Array(total);
    for (let level = 0; level < layout.count.length; level++) {
      const offset = layout.offset[level] as number;
      const first = layout.first[level] as number;
      const count = layout.count[level] as number;
      levels.fill(level, offset, offset + count);
      for (let k = 0; k < count; k++) indices[offset + k] = first + k;
    }
    // The new right edge: for each set bit l of the new size, node (l, floor(size / 2^l) - 1) is
    // a perfect subtree on the edge. If the batch completed nothing at level l, it is the same
    // node as before (the bit was set already) and stays.
    const size = firstLeafIndex + leafCount;
    for (let level = 0, scale = 1; level < layout.count.length; level++, scale *= 2) {
      if (Math.floor(size / scale) % 2 !== 1) continue;
      const offset = (layout.offset[level] as number) + (layout.count[level] as number) - 1;
      this.#frontier.set(hashes.subarray(offset * MERKLE_HASH_BYTES, (offset + 1) * MERKLE_HASH_BYTES), level * MERKLE_HASH_BYTES);
    }
    this.#size = size;
    this.#root = undefined;
    return { firstLeafIndex, leafCount, writes: { count: total, levels, indices, hashes } };
  }

  /** The root at the current size (SHA-256("") when empty), folded from the frontier. */
  root(): Uint8Array {
    if (this.#root === undefined) {
      let root: Uint8Array | undefined;
      for (let level = 0, rest = this.#size; rest > 0; level++, rest = Math.floor(rest / 2)) {
        if (rest % 2 !== 1) continue;
        const node = this.#frontier.subarray(level * MERKLE_HASH_BYTES, (level + 1) * MERKLE_HASH_BYTES);
        root = root === undefined ? node.slice() : interiorHash(node, root);
      }
      this.#root = root ?? EMPTY_ROOT;
    }
    return new Uint8Array(this.#root);
  }

  /** The root at any size up to the current one, from at most log2(size) stored nodes. */
  async rootAt(reader: MerkleNodeReader, size: number): Promise<Uint8Array> {
    checkSize(size, 'size', this.#size);
    return this.#rootAt(new NodeFetcher(reader), size);
  }

  #rootAt(fetcher: NodeFetcher, size: number): Promise<Uint8Array> {
    if (size === this.#size) return Promise.resolve(this.root());
    if (size === 0) return Promise.resolve(new Uint8Array(EMPTY_ROOT));
    return fetcher.rangeRoot(0, size);
  }

  /** RFC 9162 2.1.3.1 PATH(leafIndex, D[treeSize]), built from O(log n) stored nodes. */
  async inclusionProof(reader: MerkleNodeReader, leafIndex: number, treeSize: number): Promise<InclusionProof> {
    checkSize(treeSize, 'treeSize', this.#size);
    if (!Number.isSafeInteger(leafIndex) || leafIndex < 0 || leafIndex >= treeSize) {
      throw new LedgerError('MERKLE_INDEX_OUT_OF_RANGE', `leafIndex: expected an integer in [0, ${treeSize}), got ${String(leafIndex)}`, { field: 'leafIndex' });
    }
    const fetcher = new NodeFetcher(reader);
    // Walk down from the root; the sibling at each split is the other half's MTH. At most one of
    // them (a right sibling on the way down the right edge) is not a perfect subtree.
    const siblings: Promise<Uint8Array>[] = [];
    let begin = 0;
    let end = treeSize;
    while (end - begin > 1) {
      assert(siblings.length < MAX_LEVEL, 'inclusionProof: the descent halves the range each step');
      const k = splitPoint(end - begin);
      if (leafIndex < begin + k) {
        siblings.push(fetcher.rangeRoot(begin + k, end));
        end = begin + k;
      } else {
        siblings.push(fetcher.rangeRoot(begin, begin + k));
        begin += k;
      }
    }
    const [leafHash, rootHash, ...path] = await Promise.all([
      fetcher.get({ level: 0, index: leafIndex }),
      this.#rootAt(fetcher, treeSize),
      ...siblings,
    ]);
    const proof: InclusionProof = {
      type: 'inclusion',
      leafIndex,
      treeSize,
      leafHash: leafHash as Uint8Array,
      auditPath: path.reverse(),
      rootHash: rootHash as Uint8Array,
    };
    const check = verifyInclusion(proof, nodeMerkleHasher);
    if (!check.ok) {
      throw new LedgerError('MERKLE_STORE_INCONSISTENT', `inclusion proof for leaf ${leafIndex} of ${treeSize} built from the store does not verify: ${check.error.message}`);
    }
    return proof;
  }

  /** RFC 9162 2.1.4.1 PROOF(firstSize, D[secondSize]), built from O(log n) stored nodes. */
  async consistencyProof(reader: MerkleNodeReader, firstSize: number, secondSize: number): Promise<ConsistencyProof> {
    checkSize(secondSize, 'secondSize', this.#size);
    checkSize(firstSize, 'firstSize', secondSize);
    const fetcher = new NodeFetcher(reader);
    const parts: Promise<Uint8Array>[] = [];
    if (firstSize > 0 && firstSize < secondSize) {
      // SUBPROOF(m, D[n], b) unrolled: `complete` is b; each split appends the other half's MTH
      // after whatever the deeper levels produce, so the collected hashes are reversed at the end.
      const tail: Promise<Uint8Array>[] = [];
      let begin = 0;
      let end = secondSize;
      let complete = true;
      while (firstSize !== end) {
        assert(tail.length < MAX_LEVEL && begin < firstSize && firstSize < end, 'consistencyProof: the descent keeps begin < firstSize < end');
        const k = splitPoint(end - begin);
        if (firstSize <= begin + k) {
          tail.push(fetcher.rangeRoot(begin + k, end));
          end = begin + k;
        } else {
          tail.push(fetcher.rangeRoot(begin, begin + k));
          begin += k;
          complete = false;
        }
      }
      if (!complete) parts.push(fetcher.rangeRoot(begin, end));
      parts.push(...tail.reverse());
    }
    const [firstRoot, secondRoot, ...proofHashes] = await Promise.all([
      this.#rootAt(fetcher, firstSize),
      this.#rootAt(fetcher, secondSize),
      ...parts,
    ]);
    const proof: ConsistencyProof = {
      type: 'consistency',
      firstSize,
      secondSize,
      firstRoot: firstRoot as Uint8Array,
      secondRoot: secondRoot as Uint8Array,
      proof: proofHashes,
    };
    const check = verifyConsistency(proof, nodeMerkleHasher);
    if (!check.ok) {
      throw new LedgerError('MERKLE_STORE_INCONSISTENT', `consistency proof ${firstSize} -> ${secondSize} built from the store does not verify: ${check.error.message}`);
    }
    return proof;
  }
}

interface MemoryNodePage {
  /** Grown by doubling from MEMORY_MERKLE_FIRST_PAGE_NODES up to MEMORY_MERKLE_PAGE_NODES nodes. */
  hashes: Uint8Array;
  /** 1 where the node is stored; its length is the page's capacity in nodes. */
  present: Uint8Array;
}

/**
 * Perfect-subtree nodes in memory, packed 32 bytes per node in pages per level. For tests,
 * benchmarks and the in-memory store. Nodes are immutable: writing a different hash at an
 * existing address throws MERKLE_NODE_CONFLICT.
 */
export class MemoryMerkleNodes implements MerkleNodeReader {
  /** Per level, pages by page number (index / MEMORY_MERKLE_PAGE_NODES); a Map, as indices may be sparse. */
  readonly #levels: Map<number, MemoryNodePage>[] = [];
  #count = 0;

  /** Number of distinct nodes stored. */
  get count(): number {
    return this.#count;
  }

  put(level: number, index: number, hash: Uint8Array): void {
    if (!Number.isInteger(level) || level < 0 || level > MAX_LEVEL) {
      throw new LedgerError('MERKLE_NODE_ADDRESS', `level: expected an integer in [0, ${MAX_LEVEL}], got ${String(level)}`, { field: 'level' });
    }
    if (!Number.isSafeInteger(index) || index < 0) {
      throw new LedgerError('MERKLE_NODE_ADDRESS', `index: expected a safe non-negative integer, got ${String(index)}`, { field: 'index' });
    }
    if (!(hash instanceof Uint8Array) || hash.length !== MERKLE_HASH_BYTES) {
      throw new LedgerError('MERKLE_HASH_INVALID', `node (${level}, ${index}): expected a 32-byte hash`, { field: 'hash' });
    }
    const slot = index % MEMORY_MERKLE_PAGE_NODES;
    const page = this.#page(level, Math.floor(index / MEMORY_MERKLE_PAGE_NODES), slot + 1);
    const offset = slot * MERKLE_HASH_BYTES;
    if (page.present[slot] === 1) {
      const existing = page.hashes.subarray(offset, offset + MERKLE_HASH_BYTES);
      for (let i = 0; i < MERKLE_HASH_BYTES; i++) {
        if (existing[i] !== hash[i]) {
          throw new LedgerError('MERKLE_NODE_CONFLICT', `node (${level}, ${index}): already ${toHex(existing)}, refusing ${toHex(hash)}`);
        }
      }
      return;
    }
    page.hashes.set(hash, offset);
    page.present[slot] = 1;
    this.#count++;
  }

  /**
   * The page holding at least `slots` nodes, created or grown (doubling, at most to a full page)
   * as needed. Level, page number and slots are checked by the caller.
   */
  #page(level: number, pageNumber: number, slots: number): MemoryNodePage {
    assert(slots >= 1 && slots <= MEMORY_MERKLE_PAGE_NODES, 'a page holds at most MEMORY_MERKLE_PAGE_NODES nodes');
    while (this.#levels.length <= level) this.#levels.push(new Map());
    const pages = this.#levels[level] as Map<number, MemoryNodePage>;
    let page = pages.get(pageNumber);
    if (page === undefined) {
      page = { hashes: new Uint8Array(0), present: new Uint8Array(0) };
      pages.set(pageNumber, page);
    }
    if (page.present.length < slots) {
      let capacity = Math.max(MEMORY_MERKLE_FIRST_PAGE_NODES, page.present.length);
      while (capacity < slots) capacity *= 2;
      const hashes = new Uint8Array(capacity * MERKLE_HASH_BYTES);
      hashes.set(page.hashes);
      const present = new Uint8Array(capacity);
      present.set(page.present);
      page.hashes = hashes;
      page.present = present;
    }
    return page;
  }

  putAll(writes: readonly MerkleNodeWrite[]): void {
    for (const write of writes) this.put(write.level, write.index, write.hash);
  }

  /**
   * Stores the packed writes of a batch append, with the same checks as `put`. A run of writes at
   * one level with consecutive indices (a batch append gives one per level) is copied in one piece
   * per page it spans, where none of its nodes is stored yet; anything else goes node by node.
   */
  putBatch(writes: MerkleBatchWrites): void {
    assert(writes.levels.length >= writes.count && writes.indices.length >= writes.count && writes.hashes.length >= writes.count * MERKLE_HASH_BYTES, 'putBatch: the arrays hold count writes');
    const { levels, indices, hashes } = writes;
    /** Writes [from, to) one by one through `put`, with its checks and errors. */
    const putEach = (level: number, from: number, to: number): void => {
      for (let j = from; j < to; j++) this.put(level, indices[j] as number, hashes.subarray(j * MERKLE_HASH_BYTES, (j + 1) * MERKLE_HASH_BYTES));
    };
    for (let k = 0; k < writes.count; ) {
      const level = levels[k] as number;
      const first = indices[k] as number;
      let end = k + 1;
      while (end < writes.count && levels[end] === level && indices[end] === first + (end - k)) end++;
      const valid = Number.isInteger(level) && level >= 0 && level <= MAX_LEVEL && first >= 0 && Number.isSafeInteger(first + (end - k) - 1);
      if (!valid) {
        putEach(level, k, end); // a bad address: `put` names it and throws
        k = end;
        continue;
      }
      // The run in pieces that each stay within one page.
      for (let at = k; at < end; ) {
        const index = first + (at - k);
        const slot = index % MEMORY_MERKLE_PAGE_NODES;
        const pieceEnd = Math.min(end, at + (MEMORY_MERKLE_PAGE_NODES - slot));
        assert(pieceEnd > at, 'putBatch: every piece of a run holds a node');
        const slotEnd = slot + (pieceEnd - at);
        const page = this.#page(level, Math.floor(index / MEMORY_MERKLE_PAGE_NODES), slotEnd);
        if (!page.present.subarray(slot, slotEnd).includes(1)) {
          page.hashes.set(hashes.subarray(at * MERKLE_HASH_BYTES, pieceEnd * MERKLE_HASH_BYTES), slot * MERKLE_HASH_BYTES);
          page.present.fill(1, slot, slotEnd);
          this.#count += pieceEnd - at;
        } else {
          putEach(level, at, pieceEnd); // nodes to compare with stored ones
        }
        at = pieceEnd;
      }
      k = end;
    }
  }

  getNodeSync(level: number, index: number): Uint8Array {
    const page = Number.isSafeInteger(index) && index >= 0 ? this.#levels[level]?.get(Math.floor(index / MEMORY_MERKLE_PAGE_NODES)) : undefined;
    const slot = index % MEMORY_MERKLE_PAGE_NODES;
    if (page === undefined || page.present[slot] !== 1) {
      throw new LedgerError('MERKLE_NODE_MISSING', `node (${String(level)}, ${String(index)}) is not stored`);
    }
    const offset = slot * MERKLE_HASH_BYTES;
    return page.hashes.slice(offset, offset + MERKLE_HASH_BYTES);
  }

  getNode(level: number, index: number): Promise<Uint8Array> {
    try {
      return Promise.resolve(this.getNodeSync(level, index));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
