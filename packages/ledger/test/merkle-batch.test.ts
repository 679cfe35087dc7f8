// Batch appends (appendMany, appendLeafHashes, putBatch) and worker-thread leaf hashing must give
// exactly the log, nodes and writes that appending the same leaves one by one gives.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes.js';
import { LedgerError } from '../src/errors.js';
import { LeafHashPool } from '../src/merkle-leaf-pool.js';
import { MERKLE_APPEND_BATCH_MAX_LEAVES, MemoryMerkleNodes, MerkleLog, leafHashOf, nodeWritesOf, type MerkleNodeWrite } from '../src/merkle-log.js';
import { ReferenceTree } from './reference/merkle-reference.js';

const pool = new LeafHashPool(2);
afterAll(() => pool.close());

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

describe('LeafHashPool', () => {
  it('answers SHA-256(0x00 ‖ leaf) for each leaf, in order, for random batches', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 1500 }), async (leaves) => {
        const packed = await pool.hashLeaves(leaves);
        expect(packed.length).toBe(leaves.length * 32);
        leaves.forEach((leaf, i) => expect(toHex(packed.subarray(i * 32, i * 32 + 32))).toBe(toHex(leafHashOf(leaf))));
      }),
      { numRuns: 25 },
    );
  });

  it('feeds appendLeafHashes to the same log as appendMany, with batches in flight together', async () => {
    const leaves = Array.from({ length: 5000 }, (_, i) => leafBytes(i, 256));
    const batches = [leaves.slice(0, 1234), leaves.slice(1234, 1235), leaves.slice(1235, 4000), leaves.slice(4000)];
    const hashed = await Promise.all(batches.map((batch) => pool.hashLeaves(batch)));
    const parallel = MerkleLog.empty();
    const writes: MerkleNodeWrite[] = [];
    for (const packed of hashed) writes.push(...nodeWritesOf(parallel.appendLeafHashes(packed).writes));
    const single = MerkleLog.empty();
    const singleWrites = nodeWritesOf(single.appendMany(leaves).writes);
    expect(shown(writes)).toEqual(shown(singleWrites));
    expect(toHex(parallel.root())).toBe(toHex(single.root()));
  });

  it('refuses non-bytes and fails calls once closed', async () => {
    const own = new LeafHashPool(1);
    await expect(own.hashLeaves([new Uint8Array(3), 7 as unknown as Uint8Array])).rejects.toMatchObject({ code: 'MERKLE_LEAF_INVALID' });
    expect(toHex(await own.hashLeaves([new Uint8Array(0)]))).toBe(toHex(leafHashOf(new Uint8Array(0))));
    await own.close();
    await expect(own.hashLeaves([new Uint8Array(1)])).rejects.toMatchObject({ code: 'LEAF_POOL_CLOSED' });
  });
});
