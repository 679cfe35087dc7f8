import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../src/bytes.js';
import { LedgerError } from '../src/errors.js';
import { MemoryMerkleNodes, MerkleLog, interiorHash, leafHashOf, type MerkleNodeReader } from '../src/merkle-log.js';
import { emptyRootHash, portableInteriorHash, portableLeafHash, verifyConsistency, verifyInclusion } from '../src/merkle-proof.js';
import { ReferenceTree } from './reference/merkle-reference.js';

const hexList = (list: readonly Uint8Array[]): string[] => list.map(toHex);

function buildLog(entries: readonly Uint8Array[]): { log: MerkleLog; nodes: MemoryMerkleNodes } {
  const log = MerkleLog.empty();
  const nodes = new MemoryMerkleNodes();
  for (const entry of entries) nodes.putAll(log.appendLeaf(entry).writes);
  return { log, nodes };
}

// RFC 6962 / RFC 9162 known answers: the 8-leaf test set of certificate-transparency, as kept in
// transparency-dev/merkle testonly/constants.go (LeafInputs, NodeHashes, RootHashes) and
// proof/verify_test.go (inclusionProofs, consistencyProofs; there leaf numbers are 1-based).
const KAT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => fromHex(h, 'leaf'));
const KAT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const KAT_NODES: string[][] = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  ['d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
];
const KAT_INCLUSION = [
  { leafIndex: 0, treeSize: 8, path: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
  { leafIndex: 5, treeSize: 8, path: ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
  { leafIndex: 2, treeSize: 3, path: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  { leafIndex: 1, treeSize: 5, path: ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] },
  { leafIndex: 0, treeSize: 1, path: [] },
];
const KAT_CONSISTENCY = [
  { firstSize: 1, secondSize: 1, proof: [] },
  { firstSize: 1, secondSize: 8, proof: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
  { firstSize: 6, secondSize: 8, proof: ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
  { firstSize: 2, secondSize: 5, proof: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] },
  { firstSize: 6, secondSize: 7, proof: ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
];

describe('RFC 6962/9162 known answers (certificate-transparency 8-leaf set)', () => {
  it('gives the published root at every size 0..8, incrementally and from stored nodes', async () => {
    const log = MerkleLog.empty();
    const nodes = new MemoryMerkleNodes();
    expect(toHex(log.root())).toBe(KAT_ROOTS[0]);
    for (let i = 0; i < KAT_LEAVES.length; i++) {
      nodes.putAll(log.appendLeaf(KAT_LEAVES[i] as Uint8Array).writes);
      expect(toHex(log.root())).toBe(KAT_ROOTS[i + 1]);
    }
    for (let size = 0; size <= 8; size++) expect(toHex(await log.rootAt(nodes, size))).toBe(KAT_ROOTS[size]);
  });

  it('stores exactly the published perfect-subtree nodes', () => {
    const { nodes } = buildLog(KAT_LEAVES);
    expect(nodes.count).toBe(15);
    KAT_NODES.forEach((level, l) => level.forEach((hash, i) => expect(toHex(nodes.getNodeSync(l, i))).toBe(hash)));
  });

  it('builds the published inclusion and consistency proofs, which verify', async () => {
    const { log, nodes } = buildLog(KAT_LEAVES);
    for (const vector of KAT_INCLUSION) {
      const proof = await log.inclusionProof(nodes, vector.leafIndex, vector.treeSize);
      expect(hexList(proof.auditPath)).toEqual(vector.path);
      expect(toHex(proof.rootHash)).toBe(KAT_ROOTS[vector.treeSize]);
      expect(toHex(proof.leafHash)).toBe(KAT_NODES[0]?.[vector.leafIndex]);
      expect(verifyInclusion(proof)).toEqual({ ok: true, value: true });
    }
    for (const vector of KAT_CONSISTENCY) {
      const proof = await log.consistencyProof(nodes, vector.firstSize, vector.secondSize);
      expect(hexList(proof.proof)).toEqual(vector.proof);
      expect(toHex(proof.firstRoot)).toBe(KAT_ROOTS[vector.firstSize]);
      expect(toHex(proof.secondRoot)).toBe(KAT_ROOTS[vector.secondSize]);
      expect(verifyConsistency(proof)).toEqual({ ok: true, value: true });
    }
  });

  it('node:crypto and portable hashing agree', () => {
    for (const leaf of KAT_LEAVES) expect(toHex(leafHashOf(leaf))).toBe(toHex(portableLeafHash(leaf)));
    const a = fromHex(KAT_NODES[0]?.[0] as string, 'a');
    const b = fromHex(KAT_NODES[0]?.[1] as string, 'b');
    expect(toHex(interiorHash(a, b))).toBe(KAT_NODES[1]?.[0]);
    expect(toHex(portableInteriorHash(a, b))).toBe(KAT_NODES[1]?.[0]);
    expect(toHex(emptyRootHash())).toBe(KAT_ROOTS[0]);
    // Large leaves take the unshared-buffer path; the result must not depend on it.
    const big = new Uint8Array(100_000).map((_, i) => i % 251);
    expect(toHex(leafHashOf(big))).toBe(toHex(portableLeafHash(big)));
    expect(toHex(leafHashOf(KAT_LEAVES[7] as Uint8Array))).toBe(KAT_NODES[0]?.[7]);
  });
});

describe('MerkleLog against the naive RFC 9162 reference, every 0 < m <= n <= 128', () => {
  const SIZE = 128;
  const entries = Array.from({ length: SIZE }, (_, i) => utf8(`tx-${i}-${'x'.repeat(i % 7)}`));
  const reference = ReferenceTree.fromEntries(entries);
  const { log, nodes } = buildLog(entries);

  it('roots: incremental root(), rootAt() from stored nodes, and resume from the frontier', async () => {
    const incremental = MerkleLog.empty();
    expect(toHex(incremental.root())).toBe(toHex(reference.root(0)));
    for (let n = 1; n <= SIZE; n++) {
      const { leafHash, writes } = incremental.appendLeaf(entries[n - 1] as Uint8Array);
      expect(toHex(leafHash)).toBe(toHex(reference.mth(n - 1, n)));
      // Appending leaf n-1 completes exactly the perfect subtrees that end at leaf n.
      const expectedWrites: string[] = [];
      for (let level = 0; n % 2 ** level === 0; level++) {
        const index = n / 2 ** level - 1;
        expectedWrites.push(`${level}/${index}/${toHex(reference.mth(index * 2 ** level, (index + 1) * 2 ** level))}`);
      }
      expect(writes.map((w) => `${w.level}/${w.index}/${toHex(w.hash)}`)).toEqual(expectedWrites);
      expect(toHex(incremental.root())).toBe(toHex(reference.root(n)));
      expect(incremental.frontier()).toHaveLength(n.toString(2).replace(/0/g, '').length);
      const resumed = MerkleLog.fromFrontier(n, incremental.frontier());
      expect(toHex(resumed.root())).toBe(toHex(reference.root(n)));
      if (n < SIZE) {
        resumed.appendLeaf(entries[n] as Uint8Array);
        expect(toHex(resumed.root())).toBe(toHex(reference.root(n + 1)));
      }
    }
    for (let n = 0; n <= SIZE; n++) expect(toHex(await log.rootAt(nodes, n))).toBe(toHex(reference.root(n)));
  });

  it('inclusion proofs for every leaf of every size equal PATH(m, D[n]) and verify', async () => {
    let checked = 0;
    for (let n = 1; n <= SIZE; n++) {
      const root = toHex(reference.root(n));
      for (let m = 0; m < n; m++) {
        const proof = await log.inclusionProof(nodes, m, n);
        expect(hexList(proof.auditPath)).toEqual(hexList(reference.path(m, n)));
        expect(toHex(proof.leafHash)).toBe(toHex(reference.mth(m, m + 1)));
        expect(toHex(proof.rootHash)).toBe(root);
        expect(proof.leafIndex).toBe(m);
        expect(proof.treeSize).toBe(n);
        const verdict = verifyInclusion(proof);
        if (!verdict.ok) throw new Error(`(${m}, ${n}): ${verdict.error.message}`);
        checked++;
      }
    }
    expect(checked).toBe((SIZE * (SIZE + 1)) / 2);
  });

  it('consistency proofs for every 0 < m <= n equal PROOF(m, D[n]) and verify', async () => {
    let checked = 0;
    for (let n = 1; n <= SIZE; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = await log.consistencyProof(nodes, m, n);
        expect(hexList(proof.proof)).toEqual(m === n ? [] : hexList(reference.proof(m, n)));
        expect(toHex(proof.firstRoot)).toBe(toHex(reference.root(m)));
        expect(toHex(proof.secondRoot)).toBe(toHex(reference.root(n)));
        const verdict = verifyConsistency(proof);
        if (!verdict.ok) throw new Error(`(${m}, ${n}): ${verdict.error.message}`);
        checked++;
      }
    }
    expect(checked).toBe((SIZE * (SIZE + 1)) / 2);
  });

  it('consistency from the empty tree is the empty proof with the empty root', async () => {
    for (const n of [0, 1, 5, 128]) {
      const proof = await log.consistencyProof(nodes, 0, n);
      expect(proof.proof).toEqual([]);
      expect(toHex(proof.firstRoot)).toBe(KAT_ROOTS[0]);
      expect(toHex(proof.secondRoot)).toBe(toHex(reference.root(n)));
      expect(verifyConsistency(proof).ok).toBe(true);
    }
  });
});

describe('MerkleLog limits and failures', () => {
  const entries = Array.from({ length: 13 }, (_, i) => Uint8Array.of(i, i + 1));
  const { log, nodes } = buildLog(entries);

  it('rejects sizes and indices out of range with coded errors naming the field', async () => {
    await expect(log.rootAt(nodes, 14)).rejects.toMatchObject({ code: 'MERKLE_SIZE_OUT_OF_RANGE', field: 'size' });
    await expect(log.rootAt(nodes, -1)).rejects.toMatchObject({ code: 'MERKLE_SIZE_OUT_OF_RANGE' });
    await expect(log.rootAt(nodes, 1.5)).rejects.toMatchObject({ code: 'MERKLE_SIZE_OUT_OF_RANGE' });
    await expect(log.inclusionProof(nodes, 0, 14)).rejects.toMatchObject({ code: 'MERKLE_SIZE_OUT_OF_RANGE', field: 'treeSize' });
    await expect(log.inclusionProof(nodes, 5, 5)).rejects.toMatchObject({ code: 'MERKLE_INDEX_OUT_OF_RANGE', field: 'leafIndex' });
    await expect(log.inclusionProof(nodes, 0, 0)).rejects.toMatchObject({ code: 'MERKLE_INDEX_OUT_OF_RANGE' });
    await expect(log.inclusionProof(nodes, -1, 5)).rejects.toMatchObject({ code: 'MERKLE_INDEX_OUT_OF_RANGE' });
    await expect(log.consistencyProof(nodes, 6, 5)).rejects.toMatchObject({ code: 'MERKLE_SIZE_OUT_OF_RANGE', field: 'firstSize' });
    await expect(log.consistencyProof(nodes, 1, 14)).rejects.toMatchObject({ code: 'MERKLE_SIZE_OUT_OF_RANGE', field: 'secondSize' });
  });

  it('reports a node the store lacks as MERKLE_NODE_MISSING', async () => {
    const partial = new MemoryMerkleNodes();
    const other = MerkleLog.empty();
    for (const entry of entries) {
      for (const write of other.appendLeaf(entry).writes) if (!(write.level === 2 && write.index === 2)) partial.put(write.level, write.index, write.hash);
    }
    await expect(other.rootAt(partial, 12)).rejects.toMatchObject({ code: 'MERKLE_NODE_MISSING' });
    await expect(other.inclusionProof(partial, 0, 13)).rejects.toMatchObject({ code: 'MERKLE_NODE_MISSING' });
    // Nodes that do not involve the missing one still serve proofs.
    expect(verifyInclusion(await other.inclusionProof(partial, 0, 4)).ok).toBe(true);
  });

  it('refuses to hand out a proof built from a corrupted store', async () => {
    const corrupt: MerkleNodeReader = {
      async getNode(level, index) {
        const hash = await nodes.getNode(level, index);
        if (level === 1 && index === 0) hash[0] = (hash[0] as number) ^ 1;
        return hash;
      },
    };
    await expect(log.inclusionProof(corrupt, 3, 13)).rejects.toMatchObject({ code: 'MERKLE_STORE_INCONSISTENT' });
    await expect(log.consistencyProof(corrupt, 3, 13)).rejects.toMatchObject({ code: 'MERKLE_STORE_INCONSISTENT' });
    const short: MerkleNodeReader = { getNode: async () => new Uint8Array(31) };
    await expect(log.inclusionProof(short, 3, 13)).rejects.toMatchObject({ code: 'MERKLE_NODE_INVALID' });
  });

  it('validates a frontier before resuming from it', () => {
    const frontier = log.frontier();
    expect(frontier).toHaveLength(3); // 13 = 8 + 4 + 1
    expect(toHex(MerkleLog.fromFrontier(13, frontier).root())).toBe(toHex(log.root()));
    expect(() => MerkleLog.fromFrontier(12, frontier)).toThrow(expect.objectContaining({ code: 'MERKLE_FRONTIER_INVALID', field: 'frontier' }));
    expect(() => MerkleLog.fromFrontier(13, [frontier[0] as Uint8Array, frontier[1] as Uint8Array, new Uint8Array(31)])).toThrow(expect.objectContaining({ code: 'MERKLE_FRONTIER_INVALID', field: 'frontier[2]' }));
    expect(() => MerkleLog.fromFrontier(-1, [])).toThrow(expect.objectContaining({ code: 'MERKLE_SIZE_OUT_OF_RANGE' }));
    // The frontier is a copy: mutating it does not touch the log.
    const first = frontier[0] as Uint8Array;
    first[0] = (first[0] as number) ^ 0xff;
    expect(toHex(log.root())).toBe(toHex(MerkleLog.fromFrontier(13, log.frontier()).root()));
    expect(toHex(log.root())).not.toBe(toHex(MerkleLog.fromFrontier(13, frontier).root()));
  });

  it('appendLeafHash equals appendLeaf and rejects a wrong-length hash', () => {
    const a = MerkleLog.empty();
    const b = MerkleLog.empty();
    for (const entry of entries) {
      a.appendLeaf(entry);
      b.appendLeafHash(portableLeafHash(entry));
    }
    expect(toHex(b.root())).toBe(toHex(a.root()));
    expect(() => b.appendLeafHash(new Uint8Array(33))).toThrow(expect.objectContaining({ code: 'MERKLE_HASH_INVALID' }));
    expect(b.size).toBe(13);
  });

  it('root() returns a copy', () => {
    const root = log.root();
    root[0] = (root[0] as number) ^ 0xff;
    expect(toHex(log.root())).not.toBe(toHex(root));
  });
});

describe('MemoryMerkleNodes', () => {
  it('stores, returns copies, and refuses to overwrite a node with a different hash', async () => {
    const nodes = new MemoryMerkleNodes();
    const hash = new Uint8Array(32).fill(7);
    nodes.put(3, 5000, hash);
    nodes.put(3, 5000, hash.slice());
    expect(nodes.count).toBe(1);
    const read = await nodes.getNode(3, 5000);
    expect(toHex(read)).toBe(toHex(hash));
    read[0] = 0;
    expect(toHex(await nodes.getNode(3, 5000))).toBe(toHex(hash));
    expect(() => nodes.put(3, 5000, new Uint8Array(32))).toThrow(expect.objectContaining({ code: 'MERKLE_NODE_CONFLICT' }));
    await expect(nodes.getNode(3, 4999)).rejects.toMatchObject({ code: 'MERKLE_NODE_MISSING' });
    await expect(nodes.getNode(4, 0)).rejects.toBeInstanceOf(LedgerError);
    expect(() => nodes.put(54, 0, hash)).toThrow(expect.objectContaining({ code: 'MERKLE_NODE_ADDRESS', field: 'level' }));
    expect(() => nodes.put(0, -1, hash)).toThrow(expect.objectContaining({ code: 'MERKLE_NODE_ADDRESS', field: 'index' }));
    expect(() => nodes.put(0, 0, new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'MERKLE_HASH_INVALID' }));
  });
});
