// Batch appends (appendMany, appendLeafHashes, putBatch), on one thread or on a MerkleSubtreePool,
// must give exactly the log, nodes and writes that appending the same leaves one by one gives.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes.js';
import { LedgerError } from '../src/errors.js';
import { MerkleSubtreePool, SUBTREE_POOL_MIN_LEAVES } from '../src/merkle-subtree-pool.js';
import { MEMORY_MERKLE_FIRST_PAGE_NODES, MEMORY_MERKLE_PAGE_NODES } from '../src/constants.js';
import { MERKLE_APPEND_BATCH_MAX_LEAVES, MemoryMerkleNodes, MerkleLog, leafHashOf, nodeWritesOf, type MerkleNodeWrite } from '../src/merkle-log.js';
import { ReferenceTree } from './reference/merkle-reference.js';

const pool = new MerkleSubtreePool(1);
const pool3 = new MerkleSubtreePool(3);
afterAll(async () => {
  await pool.close();
  await pool3.close();
});

function leafBytes(seed: number, length: number): Uint8Array {
  const leaf = new Uint8Array(length);
  for (let j = 0; j < length; j++) leaf[j] = (seed * 131 + j * 17 + 7) & 0xff;
  return leaf;
}

const shown = (writes: readonly MerkleNodeWrite[]): string[] => writes.map((w) => `${w.level}/${w.index}/${toHex(w.hash)}`);

/** Appends `leaves` one by one to a log resumed at `start` leaves; returns the log and the writes. */
function oneByOne(prefix: readonly Uint8Array[], leaves: readonly Uint8Array[]): { log: MerkleLog; writes: MerkleNodeWrite[] } {
  const log = MerkleLog.empty();
  for (const leaf of prefix) log.appendLeaf(leaf);
  const writes: MerkleNodeWrite[] = [];
  for (const leaf of leaves) writes.push(...log.appendLeaf(leaf).writes);
  return { log, writes };
}

function resumed(prefix: readonly Uint8Array[]): MerkleLog {
  const log = MerkleLog.empty();
  for (const leaf of prefix) log.appendLeaf(leaf);
  return MerkleLog.fromFrontier(log.size, log.frontier());
}

describe('MerkleLog.appendMany', () => {
  it('matches one-by-one appends and the reference tree, for random sizes and starting points', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 80 }), (start, count, length) => {
        const prefix = Array.from({ length: start }, (_, i) => leafBytes(i, length));
        const leaves = Array.from({ length: count }, (_, i) => leafBytes(start + i, (length + i) % 97));
        const expected = oneByOne(prefix, leaves);
        const log = resumed(prefix);
        const batch = log.appendMany(leaves);
        expect(batch.firstLeafIndex).toBe(start);
        expect(batch.leafCount).toBe(count);
        expect(shown(nodeWritesOf(batch.writes))).toEqual(shown(expected.writes));
        expect(log.size).toBe(start + count);
        expect(toHex(log.root())).toBe(toHex(expected.log.root()));
        expect(log.frontier().map(toHex)).toEqual(expected.log.frontier().map(toHex));
        expect(toHex(log.root())).toBe(toHex(ReferenceTree.fromEntries([...prefix, ...leaves]).root(start + count)));
      }),
      { numRuns: 60 },
    );
  });

  it('gives the same log split into batches of any sizes as in one call', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 70 }), { maxLength: 12 }), (sizes) => {
        const leaves = Array.from({ length: sizes.reduce((a, b) => a + b, 0) }, (_, i) => leafBytes(i, 40));
        const whole = MerkleLog.empty();
        const wholeWrites = nodeWritesOf(whole.appendMany(leaves).writes);
        const split = MerkleLog.empty();
        const splitWrites: MerkleNodeWrite[] = [];
        let at = 0;
        for (const size of sizes) {
          splitWrites.push(...nodeWritesOf(split.appendMany(leaves.slice(at, at + size)).writes));
          at += size;
          expect(toHex(split.root())).toBe(toHex(ReferenceTree.fromEntries(leaves.slice(0, at)).root(at)));
        }
        expect(shown(splitWrites)).toEqual(shown(wholeWrites));
        expect(toHex(split.root())).toBe(toHex(whole.root()));
      }),
      { numRuns: 40 },
    );
  });

  it('appendLeafHashes of the leaf hashes is appendMany of the leaves', () => {
    const leaves = Array.from({ length: 517 }, (_, i) => leafBytes(i, i % 300));
    const packed = new Uint8Array(leaves.length * 32);
    leaves.forEach((leaf, i) => packed.set(leafHashOf(leaf), i * 32));
    const a = resumed(leaves.slice(0, 11));
    const b = resumed(leaves.slice(0, 11));
    const fromLeaves = a.appendMany(leaves);
    const fromHashes = b.appendLeafHashes(packed);
    expect(shown(nodeWritesOf(fromHashes.writes))).toEqual(shown(nodeWritesOf(fromLeaves.writes)));
    expect(toHex(b.root())).toBe(toHex(a.root()));
    expect(b.size).toBe(11 + 517);
  });

  it('refuses bad input with coded errors and leaves the log unchanged', () => {
    const log = MerkleLog.empty();
    log.appendMany([leafBytes(1, 5)]);
    const root = toHex(log.root());
    expect(() => log.appendLeafHashes(new Uint8Array(33))).toThrow(expect.objectContaining({ code: 'MERKLE_HASH_INVALID' }));
    expect(() => log.appendMany([leafBytes(2, 5), 'x' as unknown as Uint8Array])).toThrow(expect.objectContaining({ code: 'MERKLE_LEAF_INVALID' }));
    const tooMany = new Array<Uint8Array>(MERKLE_APPEND_BATCH_MAX_LEAVES + 1).fill(leafBytes(3, 1));
    expect(() => log.appendMany(tooMany)).toThrow(LedgerError);
    expect(() => log.appendMany(tooMany)).toThrow(expect.objectContaining({ code: 'MERKLE_BATCH_TOO_LARGE' }));
    expect(log.size).toBe(1);
    expect(toHex(log.root())).toBe(root);
  });
});

describe('MemoryMerkleNodes.putBatch', () => {
  it('stores what putAll stores, and refuses a conflicting node', () => {
    const leaves = Array.from({ length: 2100 }, (_, i) => leafBytes(i, 64));
    const byOne = new MemoryMerkleNodes();
    const log = MerkleLog.empty();
    for (const leaf of leaves) byOne.putAll(log.appendLeaf(leaf).writes);
    const batched = new MemoryMerkleNodes();
    const batchLog = MerkleLog.empty();
    for (let at = 0; at < leaves.length; at += 700) batched.putBatch(batchLog.appendMany(leaves.slice(at, at + 700)).writes);
    expect(batched.count).toBe(byOne.count);
    for (const [level, index] of [[0, 0], [0, 2099], [1, 1049], [5, 3], [11, 0]] as const) {
      expect(toHex(batched.getNodeSync(level, index))).toBe(toHex(byOne.getNodeSync(level, index)));
    }
    // Writing the same batch again is idempotent; a different hash at a stored address is refused.
    const again = MerkleLog.empty().appendMany(leaves.slice(0, 4));
    batched.putBatch(again.writes);
    expect(batched.count).toBe(byOne.count);
    const other = MerkleLog.empty().appendMany([leafBytes(9999, 64)]);
    expect(() => batched.putBatch(other.writes)).toThrow(expect.objectContaining({ code: 'MERKLE_NODE_CONFLICT' }));
  });
});

/** Packed writes of `count` nodes at `level` from `first`, node k's hash filled with byte `fill(k)`. */
function runOfWrites(level: number, first: number, count: number, fill: (k: number) => number) {
  const hashes = new Uint8Array(count * 32);
  for (let k = 0; k < count; k++) hashes.fill(fill(k), k * 32, (k + 1) * 32);
  return { count, levels: new Uint8Array(count).fill(level), indices: Float64Array.from({ length: count }, (_, k) => first + k), hashes };
}

describe('MemoryMerkleNodes pages', () => {
  const PAGE = MEMORY_MERKLE_PAGE_NODES;

  it('stores a run across a page boundary in both pages, and refuses a conflict on either side', () => {
    const nodes = new MemoryMerkleNodes();
    nodes.putBatch(runOfWrites(2, PAGE - 3, 6, (k) => k + 1));
    expect(nodes.count).toBe(6);
    for (let k = 0; k < 6; k++) expect(nodes.getNodeSync(2, PAGE - 3 + k)).toEqual(new Uint8Array(32).fill(k + 1));
    expect(() => nodes.getNodeSync(2, PAGE - 4)).toThrow(expect.objectContaining({ code: 'MERKLE_NODE_MISSING' }));
    expect(() => nodes.getNodeSync(2, PAGE + 3)).toThrow(expect.objectContaining({ code: 'MERKLE_NODE_MISSING' }));
    expect(() => nodes.getNodeSync(1, PAGE)).toThrow(expect.objectContaining({ code: 'MERKLE_NODE_MISSING' }));
    // The same nodes again (and one new one on each side): idempotent, only the new ones count.
    nodes.putBatch(runOfWrites(2, PAGE - 4, 8, (k) => k));
    expect(nodes.count).toBe(8);
    expect(nodes.getNodeSync(2, PAGE - 4)).toEqual(new Uint8Array(32).fill(0));
    expect(nodes.getNodeSync(2, PAGE + 3)).toEqual(new Uint8Array(32).fill(7));
    // A different hash at a stored address, on either side of the boundary, is refused.
    expect(() => nodes.putBatch(runOfWrites(2, PAGE - 1, 1, () => 99))).toThrow(expect.objectContaining({ code: 'MERKLE_NODE_CONFLICT' }));
    expect(() => nodes.put(2, PAGE, new Uint8Array(32).fill(99))).toThrow(expect.objectContaining({ code: 'MERKLE_NODE_CONFLICT' }));
    expect(nodes.getNodeSync(2, PAGE)).toEqual(new Uint8Array(32).fill(4));
  });

  it('keeps every node while a page grows from its first size to a full page', () => {
    const nodes = new MemoryMerkleNodes();
    const slots = [0, MEMORY_MERKLE_FIRST_PAGE_NODES - 1, MEMORY_MERKLE_FIRST_PAGE_NODES, 3 * MEMORY_MERKLE_FIRST_PAGE_NODES + 7, PAGE - 1];
    slots.forEach((slot, k) => {
      nodes.put(4, 5 * PAGE + slot, new Uint8Array(32).fill(k + 1));
      // Everything stored before this write is still there after the page grew for it.
      for (let j = 0; j <= k; j++) expect(nodes.getNodeSync(4, 5 * PAGE + (slots[j] as number))).toEqual(new Uint8Array(32).fill(j + 1));
    });
    expect(nodes.count).toBe(slots.length);
    expect(() => nodes.getNodeSync(4, 5 * PAGE + 1)).toThrow(expect.objectContaining({ code: 'MERKLE_NODE_MISSING' }));
  });

  it('keeps a small tree small: a few nodes on many levels do not take a full page each', () => {
    const stores: MemoryMerkleNodes[] = [];
    const before = process.memoryUsage().arrayBuffers;
    for (let s = 0; s < 20; s++) {
      const nodes = new MemoryMerkleNodes();
      for (let level = 0; level < 20; level++) nodes.put(level, 3, new Uint8Array(32).fill(level));
      stores.push(nodes);
    }
    // Full pages would be 20 x 20 x 2.1 MiB = 825 MiB; first-size pages are 20 x 20 x 33 KiB = 13 MiB.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(100 * 1024 * 1024);
    expect(stores.every((nodes) => nodes.count === 20)).toBe(true);
  });

  it('takes a run longer than a page, a far sparse index, and refuses bad addresses in a batch', () => {
    const nodes = new MemoryMerkleNodes();
    const length = 2 * PAGE + 5;
    nodes.putBatch(runOfWrites(0, 7, length, (k) => k & 0xff));
    expect(nodes.count).toBe(length);
    for (const index of [7, PAGE - 1, PAGE, 2 * PAGE - 1, 2 * PAGE, length + 6]) expect(nodes.getNodeSync(0, index)).toEqual(new Uint8Array(32).fill((index - 7) & 0xff));
    const far = 2 ** 40 + 3;
    nodes.putBatch(runOfWrites(0, far, 2, () => 0xab));
    expect(nodes.getNodeSync(0, far + 1)).toEqual(new Uint8Array(32).fill(0xab));
    expect(nodes.count).toBe(length + 2);
    for (const [level, first] of [[0, Number.NaN], [0, -1], [0, 1.5], [54, 0]] as const) {
      expect(() => nodes.putBatch(runOfWrites(level, first, 3, () => 1))).toThrow(expect.objectContaining({ code: 'MERKLE_NODE_ADDRESS' }));
    }
    expect(nodes.count).toBe(length + 2);
  });
});

/** Appends `leaves` with appendMany on a log resumed at `start` leaves (one thread or `on`), in batches of `sizes`. */
function batched(prefix: readonly Uint8Array[], leaves: readonly Uint8Array[], sizes: readonly number[], on?: MerkleSubtreePool) {
  const log = MerkleLog.fromFrontier(prefix.length, (() => {
    const seed = MerkleLog.empty();
    if (prefix.length > 0) seed.appendMany(prefix);
    return seed.frontier();
  })());
  const nodes = new MemoryMerkleNodes();
  const writes: MerkleNodeWrite[] = [];
  const packed: string[] = [];
  let at = 0;
  for (const size of sizes) {
    const batch = log.appendMany(leaves.slice(at, at + size), on);
    at += size;
    nodes.putBatch(batch.writes);
    writes.push(...nodeWritesOf(batch.writes));
    packed.push(`${batch.writes.count}:${toHex(batch.writes.levels.subarray(0, batch.writes.count))}:${Array.from(batch.writes.indices.subarray(0, batch.writes.count)).join(',')}`);
  }
  return { log, nodes, writes, packed };
}

describe('MerkleSubtreePool', () => {
  it('gives the one-thread log, writes and frontier, for random starting sizes and batch sizes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 3 }), fc.constantFrom(pool, pool3), (start, sizes, on) => {
        const total = sizes.reduce((a, b) => a + b, 0);
        const prefix = Array.from({ length: start }, (_, i) => leafBytes(i, 48));
        const leaves = Array.from({ length: total }, (_, i) => leafBytes(start + i, (start + i) % 300));
        const single = batched(prefix, leaves, sizes);
        const parallel = batched(prefix, leaves, sizes, on);
        expect(parallel.packed).toEqual(single.packed);
        expect(shown(parallel.writes)).toEqual(shown(single.writes));
        expect(parallel.log.size).toBe(start + total);
        expect(toHex(parallel.log.root())).toBe(toHex(single.log.root()));
        expect(parallel.log.frontier().map(toHex)).toEqual(single.log.frontier().map(toHex));
      }),
      { numRuns: 15 },
    );
  });

  it('matches one-by-one appends node for node and the RFC reference root, from a non-aligned start', () => {
    const start = 1001;
    const prefix = Array.from({ length: start }, (_, i) => leafBytes(i, 256));
    const leaves = Array.from({ length: 4099 }, (_, i) => leafBytes(start + i, 256));
    const expected = oneByOne(prefix, leaves);
    const parallel = batched(prefix, leaves, [4099], pool);
    expect(shown(parallel.writes)).toEqual(shown(expected.writes));
    expect(parallel.nodes.count).toBe(expected.writes.length);
    for (const write of expected.writes) expect(toHex(parallel.nodes.getNodeSync(write.level, write.index))).toBe(toHex(write.hash));
    expect(toHex(parallel.log.root())).toBe(toHex(expected.log.root()));
    expect(toHex(parallel.log.root())).toBe(toHex(ReferenceTree.fromEntries([...prefix, ...leaves]).root(start + leaves.length)));
  });

  it('leaves a batch below SUBTREE_POOL_MIN_LEAVES to the calling thread, and the result is the same', () => {
    const leaves = Array.from({ length: SUBTREE_POOL_MIN_LEAVES - 1 }, (_, i) => leafBytes(i, 256));
    const log = MerkleLog.empty();
    expect(pool.hashBatch(leaves, { firstLeafIndex: 0, leafCount: leaves.length, first: [0], count: [leaves.length], offset: [0], total: leaves.length }, new Uint8Array(54 * 32))).toBeUndefined();
    const batch = log.appendMany(leaves, pool);
    expect(shown(nodeWritesOf(batch.writes))).toEqual(shown(nodeWritesOf(MerkleLog.empty().appendMany(leaves).writes)));
  });

  it('returns writes the caller owns: the next batch does not change them', () => {
    const leaves = Array.from({ length: 8192 }, (_, i) => leafBytes(i, 100));
    const log = MerkleLog.empty();
    const first = log.appendMany(leaves.slice(0, 4096), pool);
    const before = toHex(first.writes.hashes);
    log.appendMany(leaves.slice(4096), pool);
    expect(toHex(first.writes.hashes)).toBe(before);
    expect(first.writes.hashes.buffer).toBeInstanceOf(ArrayBuffer);
  });

  it('fails calls once closed, with a coded error and the log unchanged', async () => {
    const own = new MerkleSubtreePool(1);
    const leaves = Array.from({ length: 2048 }, (_, i) => leafBytes(i, 32));
    const log = MerkleLog.empty();
    log.appendMany(leaves, own);
    const root = toHex(log.root());
    await own.close();
    expect(() => log.appendMany(leaves, own)).toThrow(expect.objectContaining({ code: 'MERKLE_POOL_CLOSED' }));
    expect(log.size).toBe(2048);
    expect(toHex(log.root())).toBe(root);
  });
});
