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
import { LedgerError, assert } from './errors.js';
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

/** Leaves above this size are hashed from a fresh buffer instead of the reused scratch buffer. */
const LEAF_SCRATCH_MAX_BYTES = 64 * 1024;
/** A tree of safe-integer size has at most 53 levels above the leaves. */
const MAX_LEVEL = 53;

// Preallocated hash inputs: the prefix byte is written once and the hot path only copies the
// payload in, so appending allocates nothing but the digests and the write records.
const interiorInput = Buffer.alloc(1 + 2 * MERKLE_HASH_BYTES);
interiorInput[0] = 0x01;
let leafScratch = Buffer.alloc(1 + 1024);
let leafView = leafScratch.subarray(0, 1);

// crypto.hash returning a Buffer allocates an off-heap backing store per digest, which costs more
// than hashing 65 bytes. Its string output does not; latin1 ('binary') carries one byte per
// character, and V8 keeps a 32-byte Uint8Array on its own heap, so copying the characters out
// gives the same bytes at about 2.5 times the rate of the Buffer form (measured on Node 20).
function digest(input: Uint8Array): Uint8Array {
  const text = nodeHash('sha256', input, 'binary');
  const out = new Uint8Array(MERKLE_HASH_BYTES);
  for (let i = 0; i < MERKLE_HASH_BYTES; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** SHA-256(0x00 ‖ leaf bytes) with node:crypto. */
export function leafHashOf(leafBytes: Uint8Array): Uint8Array {
  const inputBytes = leafBytes.length + 1;
  if (inputBytes > LEAF_SCRATCH_MAX_BYTES) {
    const input = Buffer.allocUnsafe(inputBytes);
    input[0] = 0x00;
    input.set(leafBytes, 1);
    return digest(input);
  }
  if (inputBytes > leafScratch.length) {
    leafScratch = Buffer.alloc(Math.min(LEAF_SCRATCH_MAX_BYTES, inputBytes * 2));
    leafView = leafScratch.subarray(0, 1);
  }
  if (leafView.length !== inputBytes) leafView = leafScratch.subarray(0, inputBytes);
  leafView[0] = 0x00;
  leafView.set(leafBytes, 1);
  return digest(leafView);
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

export class MerkleLog {
  #size: number;
  /** Perfect-subtree roots along the right edge, largest first: one per set bit of #size. */
  readonly #frontier: Uint8Array[];
  #root: Uint8Array | undefined;

  private constructor(size: number, frontier: Uint8Array[]) {
    this.#size = size;
    this.#frontier = frontier;
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
    const copies: Uint8Array[] = [];
    for (let i = 0; i < frontier.length; i++) {
      const hash = frontier[i];
      if (!(hash instanceof Uint8Array) || hash.length !== MERKLE_HASH_BYTES) {
        throw new LedgerError('MERKLE_FRONTIER_INVALID', `frontier[${i}]: expected a 32-byte hash`, { field: `frontier[${i}]` });
      }
      copies.push(new Uint8Array(hash));
    }
    return new MerkleLog(size, copies);
  }

  get size(): number {
    return this.#size;
  }

  /** The perfect-subtree roots along the right edge, largest first (copies): enough to resume. */
  frontier(): Uint8Array[] {
    return this.#frontier.map((hash) => new Uint8Array(hash));
  }

  /** Appends one leaf (the signed transaction bytes). O(log n); the caller persists `writes`. */
  appendLeaf(leafBytes: Uint8Array): MerkleAppend {
    return this.#append(leafHashOf(leafBytes));
  }

  /** Appends a leaf whose hash SHA-256(0x00 ‖ bytes) is already known. */
  appendLeafHash(leafHash: Uint8Array): MerkleAppend {
    if (!(leafHash instanceof Uint8Array) || leafHash.length !== MERKLE_HASH_BYTES) {
      throw new LedgerError('MERKLE_HASH_INVALID', `leafHash: expected a 32-byte hash`, { field: 'leafHash' });
    }
    return this.#append(new Uint8Array(leafHash));
  }

  #append(leafHash: Uint8Array): MerkleAppend {
    const leafIndex = this.#size;
    if (leafIndex >= MERKLE_MAX_TREE_SIZE) {
      throw new LedgerError('MERKLE_LOG_FULL', `log size ${leafIndex} is at the limit ${MERKLE_MAX_TREE_SIZE}`);
    }
    const writes: MerkleNodeWrite[] = [{ level: 0, index: leafIndex, hash: leafHash }];
    const frontier = this.#frontier;
    let hash = leafHash;
    let level = 0;
    let index = leafIndex;
    // Each set low bit of the leaf index is a completed left sibling waiting on the frontier.
    while (index % 2 === 1) {
      const left = frontier.pop();
      if (left === undefined) assert(false, `append: frontier has a node for every set bit of ${leafIndex}`);
      hash = interiorHash(left, hash);
      level++;
      index = (index - 1) / 2;
      writes.push({ level, index, hash });
    }
    frontier.push(hash);
    this.#size = leafIndex + 1;
    this.#root = undefined;
    return { leafHash, writes };
  }

  /** The root at the current size (SHA-256("") when empty), folded from the frontier. */
  root(): Uint8Array {
    if (this.#root === undefined) {
      const frontier = this.#frontier;
      assert(frontier.length === popCount(this.#size), 'root: frontier matches the size');
      let root = frontier.length === 0 ? EMPTY_ROOT : (frontier[frontier.length - 1] as Uint8Array);
      for (let i = frontier.length - 2; i >= 0; i--) root = interiorHash(frontier[i] as Uint8Array, root);
      this.#root = root;
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

/**
 * Perfect-subtree nodes in memory, packed 32 bytes per node in one growable buffer per level.
 * For tests, benchmarks and the in-memory store. Nodes are immutable: writing a different hash
 * at an existing address throws MERKLE_NODE_CONFLICT.
 */
export class MemoryMerkleNodes implements MerkleNodeReader {
  readonly #levels: { hashes: Uint8Array; present: Uint8Array }[] = [];
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
    while (this.#levels.length <= level) this.#levels.push({ hashes: new Uint8Array(0), present: new Uint8Array(0) });
    let slot = this.#levels[level] as { hashes: Uint8Array; present: Uint8Array };
    if (index >= slot.present.length) {
      const capacity = Math.max(1024, index + 1, slot.present.length * 2);
      const hashes = new Uint8Array(capacity * MERKLE_HASH_BYTES);
      hashes.set(slot.hashes);
      const present = new Uint8Array(capacity);
      present.set(slot.present);
      slot = { hashes, present };
      this.#levels[level] = slot;
    }
    const offset = index * MERKLE_HASH_BYTES;
    if (slot.present[index] === 1) {
      const existing = slot.hashes.subarray(offset, offset + MERKLE_HASH_BYTES);
      for (let i = 0; i < MERKLE_HASH_BYTES; i++) {
        if (existing[i] !== hash[i]) {
          throw new LedgerError('MERKLE_NODE_CONFLICT', `node (${level}, ${index}): already ${toHex(existing)}, refusing ${toHex(hash)}`);
        }
      }
      return;
    }
    slot.hashes.set(hash, offset);
    slot.present[index] = 1;
    this.#count++;
  }

  putAll(writes: readonly MerkleNodeWrite[]): void {
    for (const write of writes) this.put(write.level, write.index, write.hash);
  }

  getNodeSync(level: number, index: number): Uint8Array {
    const slot = this.#levels[level];
    if (slot === undefined || !Number.isSafeInteger(index) || index < 0 || slot.present[index] !== 1) {
      throw new LedgerError('MERKLE_NODE_MISSING', `node (${String(level)}, ${String(index)}) is not stored`);
    }
    const offset = index * MERKLE_HASH_BYTES;
    return slot.hashes.slice(offset, offset + MERKLE_HASH_BYTES);
  }

  getNode(level: number, index: number): Promise<Uint8Array> {
    try {
      return Promise.resolve(this.getNodeSync(level, index));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
