// The RFC 9162 Merkle log: appending and proofs at a million leaves.
//   merkle-append              ONE THREAD. 1,000,000 leaves of 256 bytes appended with the batch API
//                              (MerkleLog.appendMany, 4,096 leaves a call: a block), every completed
//                              node persisted in memory (MemoryMerkleNodes.putBatch), counted as
//                              SHA-256 computations per second (leaf and interior hashes); baseline:
//                              node:crypto one-shot crypto.hash('sha256', buf65) in a tight loop,
//                              exactly as the issue names it (default output: a hex string),
//                              measured here before and after the append runs, averaged.
//   merkle-append-one-by-one   ONE THREAD. The same with appendLeaf + putAll per leaf.
//   merkle-append-N-threads    the same million leaves and 4,096-leaf appendMany calls, each batch
//                              hashed by a MerkleSubtreePool: N - 1 worker threads and the calling
//                              thread each fill whole aligned subtrees (leaf and interior hashes)
//                              straight into shared memory; SHA-256/s counted the same way over
//                              wall time, against the same SINGLE-THREAD baseline. It uses N
//                              threads, the baseline one: the name and the unit say so.
//   merkle-append-vs-digest-bytes  the same append figure against crypto.hash('sha256', buf65,
//                              'buffer'), the one-shot call that hands back the digest as bytes
//                              (what a log must store). On Node 20 that call allocates a backing
//                              store per digest and runs at about a third of the string form, so
//                              both baselines are shown rather than the kinder one alone.
//   inclusion-proof-build      MerkleLog.inclusionProof at random (index, size) in the 10^6 log,
//                              reads from MemoryMerkleNodes, self-check included.
//   inclusion-proof-verify     verifyInclusion (portable @noble SHA-256: what a light client runs).
//   consistency-proof-build    MerkleLog.consistencyProof at random (m, n).
//   consistency-proof-verify   verifyConsistency (portable).
// Proof rows have no baseline; the target is under 1 ms per proof, shown in the unit.
import { hash } from 'node:crypto';
import { MemoryMerkleNodes, MerkleLog, MerkleSubtreePool, verifyConsistency, verifyInclusion } from '@tradeledger/ledger';
import { measureRate, row } from '../lib/measure.mjs';

const LEAF_BYTES = 256;
const DISTINCT_LEAVES = 1024;

function makeLeaves() {
  const leaves = [];
  for (let i = 0; i < DISTINCT_LEAVES; i++) {
    const leaf = new Uint8Array(LEAF_BYTES);
    for (let j = 0; j < LEAF_BYTES; j++) leaf[j] = (i * 31 + j * 7) & 0xff;
    leaves.push(leaf);
  }
  return leaves;
}

const BATCH_LEAVES = 4096;

function batchOf(leaves, from, count) {
  const batch = new Array(count);
  for (let j = 0; j < count; j++) batch[j] = leaves[(from + j) % DISTINCT_LEAVES];
  return batch;
}

/**
 * Appends `count` leaves in 4,096-leaf batches to a fresh log, persisting every write, hashed on
 * this thread alone or with `pool`'s workers; returns the SHA-256 count.
 */
function appendBatches(count, leaves, pool) {
  const log = MerkleLog.empty();
  const nodes = new MemoryMerkleNodes();
  let hashes = 0;
  for (let from = 0; from < count; from += BATCH_LEAVES) {
    const { writes } = log.appendMany(batchOf(leaves, from, Math.min(BATCH_LEAVES, count - from)), pool);
    nodes.putBatch(writes);
    hashes += writes.count; // the leaf hashes plus one interior hash per completed node
  }
  return { log, nodes, hashes };
}

/** Appends `count` leaves one by one to a fresh log, persisting every write; returns the SHA-256 count. */
function appendLeaves(count, leaves) {
  const log = MerkleLog.empty();
  const nodes = new MemoryMerkleNodes();
  let hashes = 0;
  for (let i = 0; i < count; i++) {
    const { writes } = log.appendLeaf(leaves[i % DISTINCT_LEAVES]);
    nodes.putAll(writes);
    hashes += writes.length; // the leaf hash plus one interior hash per completed node
  }
  return { log, nodes, hashes };
}

const BASELINE_INPUT = Buffer.alloc(65, 0x5a);

/** crypto.hash('sha256', buf65): the baseline, default (hex string) output. */
function baselineRate(iterations) {
  return measureRate(
    (n) => {
      for (let i = 0; i < n; i++) hash('sha256', BASELINE_INPUT);
      return n;
    },
    { iterations, runs: 5 },
  );
}

/** crypto.hash('sha256', buf65, 'buffer'): the digest as bytes. */
function bytesBaselineRate(iterations) {
  return measureRate(
    (n) => {
      for (let i = 0; i < n; i++) hash('sha256', BASELINE_INPUT, 'buffer');
      return n;
    },
    { iterations, runs: 5 },
  );
}

/** A deterministic generator: benchmark inputs are the same on every run. */
function lcg(seed) {
  let state = seed >>> 0;
  return (bound) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 2 ** 32) * bound);
  };
}

function perProofUnit(opsPerSec) {
  return `proofs/s (${(1000 / opsPerSec).toFixed(3)} ms/proof)`;
}

export async function run({ quick = false } = {}) {
  const leafCount = quick ? 100_000 : 1_000_000;
  const leaves = makeLeaves();

  const baselineBefore = await baselineRate(2 * leafCount);
  const bytesBaselineBefore = await bytesBaselineRate(2 * leafCount);
  const appendRate = await measureRate((count) => appendBatches(count, leaves).hashes, {
    iterations: leafCount,
    runs: quick ? 3 : 5,
    warmupIterations: leafCount >> 2,
  });
  const oneByOneRate = await measureRate((count) => appendLeaves(count, leaves).hashes, {
    iterations: leafCount,
    runs: quick ? 3 : 5,
    warmupIterations: leafCount >> 2,
  });
  const pool = new MerkleSubtreePool();
  const parallelRate = await measureRate((count) => appendBatches(count, leaves, pool).hashes, {
    iterations: leafCount,
    runs: quick ? 3 : 5,
    warmupIterations: leafCount >> 2,
  });
  const threads = pool.threadCount;
  const baseline = (baselineBefore + (await baselineRate(2 * leafCount))) / 2;
  const bytesBaseline = (bytesBaselineBefore + (await bytesBaselineRate(2 * leafCount))) / 2;

  const { log, nodes } = appendBatches(leafCount, leaves);
  const check = appendLeaves(leafCount, leaves).log.root();
  const checkParallel = appendBatches(leafCount, leaves, pool).log.root();
  await pool.close();
  if (Buffer.compare(log.root(), check) !== 0 || Buffer.compare(checkParallel, check) !== 0) throw new Error('merkle-append: the batch, one-by-one and parallel logs disagree');
  const proofCount = quick ? 500 : 2000;
  const next = lcg(9162);
  const inclusionInputs = [];
  const consistencyInputs = [];
  for (let k = 0; k < proofCount; k++) {
    const size = 1 + next(leafCount);
    inclusionInputs.push([next(size), size]);
    const second = 2 + next(leafCount - 1);
    consistencyInputs.push([1 + next(second - 1), second]);
  }

  const inclusionBuild = await measureRate(
    async (n) => {
      for (let k = 0; k < n; k++) {
        const [index, size] = inclusionInputs[k % proofCount];
        await log.inclusionProof(nodes, index, size);
      }
      return n;
    },
    { iterations: proofCount },
  );
  const consistencyBuild = await measureRate(
    async (n) => {
      for (let k = 0; k < n; k++) {
        const [first, second] = consistencyInputs[k % proofCount];
        await log.consistencyProof(nodes, first, second);
      }
      return n;
    },
    { iterations: proofCount },
  );

  const inclusionProofs = await Promise.all(inclusionInputs.map(([index, size]) => log.inclusionProof(nodes, index, size)));
  const consistencyProofs = await Promise.all(consistencyInputs.map(([first, second]) => log.consistencyProof(nodes, first, second)));
  const inclusionVerify = await measureRate(
    (n) => {
      for (let k = 0; k < n; k++) {
        if (!verifyInclusion(inclusionProofs[k % proofCount]).ok) throw new Error(`inclusion proof ${k} did not verify`);
      }
      return n;
    },
    { iterations: proofCount },
  );
  const consistencyVerify = await measureRate(
    (n) => {
      for (let k = 0; k < n; k++) {
        if (!verifyConsistency(consistencyProofs[k % proofCount]).ok) throw new Error(`consistency proof ${k} did not verify`);
      }
      return n;
    },
    { iterations: proofCount },
  );

  return [
    row('merkle-append', appendRate, baseline, `SHA-256/s, 1 thread (${leafCount.toLocaleString('en-US')} × ${LEAF_BYTES} B leaves, appendMany)`),
    row('merkle-append-one-by-one', oneByOneRate, baseline, 'SHA-256/s, 1 thread (appendLeaf per leaf)'),
    row(`merkle-append-${threads}-threads`, parallelRate, baseline, `SHA-256/s, ${threads} threads (${threads - 1} workers + caller; baseline: 1 thread)`),
    row('merkle-append-vs-digest-bytes', appendRate, bytesBaseline, 'SHA-256/s, 1 thread (baseline: crypto.hash → Buffer)'),
    row('inclusion-proof-build', inclusionBuild, null, perProofUnit(inclusionBuild)),
    row('inclusion-proof-verify', inclusionVerify, null, perProofUnit(inclusionVerify)),
    row('consistency-proof-build', consistencyBuild, null, perProofUnit(consistencyBuild)),
    row('consistency-proof-verify', consistencyVerify, null, perProofUnit(consistencyVerify)),
  ];
}
