// Random sizes up to 10^6: one log of a million leaves, built once for this file, against a direct
// computation that shares no code with src/merkle-log.ts (leaf hashes and perfect levels computed
// here with node:crypto, the RFC recursion from test/reference).

import { hash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toHex } from '../src/bytes.js';
import { MemoryMerkleNodes, MerkleLog } from '../src/merkle-log.js';
import { consistencyProofToJSON, inclusionProofToJSON, parseProof, verifyConsistency, verifyInclusion, type ConsistencyProof, type InclusionProof } from '../src/merkle-proof.js';
import { ReferenceTree } from './reference/merkle-reference.js';

const LEAVES = 1_000_000;
const SEED = 9162;
const hexList = (list: readonly Uint8Array[]): string[] => list.map(toHex);

function entry(i: number): Uint8Array {
  const bytes = new Uint8Array(12);
  new DataView(bytes.buffer).setFloat64(0, i * 7919 + 0.5);
  new DataView(bytes.buffer).setUint32(8, i);
  return bytes;
}

const log = MerkleLog.empty();
const nodes = new MemoryMerkleNodes();
let reference: ReferenceTree;

beforeAll(() => {
  // Direct computation: leaf hashes, then each perfect level by pairing the one below.
  const levels: Uint8Array[][] = [[]];
  const leaves = levels[0] as Uint8Array[];
  const leafInput = new Uint8Array(13);
  for (let i = 0; i < LEAVES; i++) {
    leafInput.set(entry(i), 1);
    leaves.push(hash('sha256', leafInput, 'buffer'));
  }
  const pairInput = new Uint8Array(65);
  pairInput[0] = 1;
  for (let level = 1; ; level++) {
    const below = levels[level - 1] as Uint8Array[];
    if (below.length < 2) break;
    const row: Uint8Array[] = [];
    for (let j = 0; j + 1 < below.length; j += 2) {
      pairInput.set(below[j] as Uint8Array, 1);
      pairInput.set(below[j + 1] as Uint8Array, 33);
      row.push(hash('sha256', pairInput, 'buffer'));
    }
    levels.push(row);
  }
  reference = new ReferenceTree(leaves, (level, index) => {
    const hash = levels[level]?.[index];
    if (hash === undefined) throw new Error(`no perfect node (${level}, ${index})`);
    return hash;
  });
  // The leaf hashes come from the direct computation (leafHashOf is checked in merkle-log.test.ts);
  // appending them still exercises every interior hash, node write and the frontier.
  for (let i = 0; i < LEAVES; i++) nodes.putAll(log.appendLeafHash(leaves[i] as Uint8Array).writes);
}, 120_000);

describe('a log of 10^6 leaves', () => {
  it('has the directly computed root and stores every perfect subtree once', async () => {
    expect(log.size).toBe(LEAVES);
    expect(toHex(log.root())).toBe(toHex(reference.root(LEAVES)));
    // 10^6 leaves have 2 * 10^6 - popcount(10^6) perfect subtrees.
    expect(nodes.count).toBe(2 * LEAVES - 7);
    expect(toHex(await log.rootAt(nodes, LEAVES - 1))).toBe(toHex(reference.root(LEAVES - 1)));
  });

  it('inclusion proofs at random (index, size) equal the reference, verify and survive JSON', async () => {
    const pair = fc.integer({ min: 1, max: LEAVES }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.constant(n)));
    await fc.assert(
      fc.asyncProperty(pair, async ([i, n]) => {
        const proof = await log.inclusionProof(nodes, i, n);
        expect(toHex(proof.rootHash)).toBe(toHex(reference.root(n)));
        expect(toHex(proof.leafHash)).toBe(toHex(reference.mth(i, i + 1)));
        expect(hexList(proof.auditPath)).toEqual(hexList(reference.path(i, n)));
        expect(verifyInclusion(proof).ok).toBe(true);
        expect(verifyInclusion(parseProof(inclusionProofToJSON(proof)) as InclusionProof).ok).toBe(true);
      }),
      { seed: SEED, numRuns: 12 },
    );
  });

  it('consistency proofs at random (m, n) equal the reference and verify', async () => {
    const pair = fc.integer({ min: 2, max: LEAVES }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n - 1 }), fc.constant(n)));
    await fc.assert(
      fc.asyncProperty(pair, async ([m, n]) => {
        const proof = await log.consistencyProof(nodes, m, n);
        expect(toHex(proof.firstRoot)).toBe(toHex(reference.root(m)));
        expect(toHex(proof.secondRoot)).toBe(toHex(reference.root(n)));
        expect(hexList(proof.proof)).toEqual(hexList(reference.proof(m, n)));
        expect(verifyConsistency(proof).ok).toBe(true);
        expect(verifyConsistency(parseProof(consistencyProofToJSON(proof)) as ConsistencyProof).ok).toBe(true);
      }),
      { seed: SEED, numRuns: 12 },
    );
  });

  it('the edges: first and last leaf of the full log, sizes around powers of two', async () => {
    for (const [i, n] of [[0, LEAVES], [LEAVES - 1, LEAVES], [524_287, 524_288], [524_288, 524_289], [1, 2]] as const) {
      const proof = await log.inclusionProof(nodes, i, n);
      expect(hexList(proof.auditPath)).toEqual(hexList(reference.path(i, n)));
      expect(verifyInclusion(proof).ok).toBe(true);
    }
    for (const [m, n] of [[1, LEAVES], [524_288, LEAVES], [LEAVES - 1, LEAVES], [524_287, 524_289]] as const) {
      const proof = await log.consistencyProof(nodes, m, n);
      expect(hexList(proof.proof)).toEqual(hexList(reference.proof(m, n)));
      expect(verifyConsistency(proof).ok).toBe(true);
    }
  });
});
