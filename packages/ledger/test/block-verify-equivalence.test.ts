// The worker-thread path of verifyBlock must answer exactly what the single-thread path answers:
// the same verdict per position, ids, Merkle writes, roots and frontier for a valid block, and the
// same error for a tampered one. The log it builds must be the one appending each leaf one by one
// on top of the tip gives.
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes.js';
import { createBlock, decodeBlock, type DecodedBlock } from '../src/block.js';
import { buildGenesis, chainTip, verifyBlock, type ChainTip, type VerifiedBlock } from '../src/block-verify.js';
import { encodeCanonical } from '../src/canonical-msgpack.js';
import { publicKeyFromSeed, sign } from '../src/ed25519.js';
import { MerkleLog, type MerkleNodeWrite } from '../src/merkle-log.js';
import { MerkleSubtreePool, SUBTREE_POOL_MIN_LEAVES } from '../src/merkle-subtree-pool.js';
import { recordingStateMachine as sm } from '../src/testing/ledger-state-machine.js';
import { signTx } from '../src/tx.js';
import { inlineVerifier, WorkerVerifyPool } from '../src/verify-pool.js';

const CHAIN = 'equivalence-test';
const nodeSeed = new Uint8Array(32).fill(31);
const nodeKey = publicKeyFromSeed(nodeSeed);
const signers = [32, 33, 34].map((b) => {
  const seed = new Uint8Array(32).fill(b);
  return { seed, key: publicKeyFromSeed(seed) };
});
const authorizeProposer = () => ({ ok: true as const });
const pool = new WorkerVerifyPool(2);
afterAll(() => pool.close());

// A tip with a log that already holds 13 leaves, so the block's writes complete older subtrees.
const genesis = buildGenesis(sm, { chainId: CHAIN, timestamp: 1_700_000_000_000, config: { nodeKeys: [toHex(nodeKey)] } });
const earlier = MerkleLog.empty();
for (let i = 0; i < 13; i++) earlier.appendLeaf(Uint8Array.of(i));
const tip: ChainTip = chainTip({ ...genesis.commit.head, logSize: earlier.size, logRoot: earlier.root(), frontier: earlier.frontier() }, CHAIN);

function tx(i: number): Uint8Array {
  const signer = signers[i % signers.length] as (typeof signers)[number];
  return signTx({ version: 1, chainId: CHAIN, kind: 'note', payload: { i, body: 'y'.repeat(i % 50) }, signer: signer.key, nonce: i, timestamp: 1_700_000_000_000 + i }, signer.seed).bytes;
}

/** Writes, root and frontier of appending `txs` one leaf at a time on top of the tip's log. */
function referenceLog(txs: readonly Uint8Array[]): { writes: MerkleNodeWrite[]; root: Uint8Array; frontier: Uint8Array[]; txRoot: Uint8Array } {
  const global = MerkleLog.fromFrontier(tip.logSize, tip.frontier);
  const own = MerkleLog.empty();
  const writes: MerkleNodeWrite[] = [];
  for (const bytes of txs) {
    writes.push(...global.appendLeaf(bytes).writes);
    own.appendLeaf(bytes);
  }
  return { writes, root: global.root(), frontier: global.frontier(), txRoot: own.root() };
}

function blockOver(txs: Uint8Array[], tamper: { logRoot?: Uint8Array; signer?: Uint8Array } = {}): DecodedBlock {
  const log = referenceLog(txs);
  const header = { chainId: CHAIN, height: 1, prevHash: tip.blockHash, txRoot: log.txRoot, logSize: tip.logSize + txs.length, logRoot: tamper.logRoot ?? log.root, stateRoot: new Uint8Array(32), timestamp: tip.timestamp + 1, term: 1 };
  const block = createBlock(header, txs, nodeSeed, nodeKey);
  if (tamper.signer === undefined) return decodeBlock(block.bytes);
  return decodeBlock(encodeCanonical({ header: block.headerBytes, signature: sign(tamper.signer, new Uint8Array(32)), txs: block.txs }));
}

/** Everything a verified block says, as plain comparable values. */
function summary(verified: VerifiedBlock) {
  return {
    verdicts: verified.txs.map((t) => (t.decoded !== undefined ? `ok:${t.decoded.idHex}` : t.result.ok ? 'ok' : t.result.code)),
    txIds: verified.txIds.map(toHex),
    writes: verified.merkleWrites.map((w) => `${w.level}/${w.index}/${toHex(w.hash)}`),
    logRoot: toHex(verified.logRoot),
    logSize: verified.logSize,
    frontier: verified.frontier.map(toHex),
  };
}

async function outcome(block: DecodedBlock, verifier: typeof pool | typeof inlineVerifier, merklePool?: MerkleSubtreePool): Promise<unknown> {
  try {
    return summary(await verifyBlock(block, tip, merklePool === undefined ? { authorizeProposer, verifier } : { authorizeProposer, verifier, merklePool }));
  } catch (error) {
    return { error: (error as { code?: string }).code ?? String(error) };
  }
}

describe('verifyBlock: worker pool and single thread agree', () => {
  const txs = Array.from({ length: 700 }, (_, i) => tx(i));

  it('on a valid block, and both match the one-by-one log', async () => {
    const block = blockOver(txs);
    const inline = await outcome(block, inlineVerifier);
    expect(await outcome(block, pool)).toEqual(inline);
    const log = referenceLog(txs);
    expect(inline).toMatchObject({
      writes: log.writes.map((w) => `${w.level}/${w.index}/${toHex(w.hash)}`),
      logRoot: toHex(log.root),
      logSize: tip.logSize + 700,
      frontier: log.frontier.map(toHex),
    });
    expect((inline as { verdicts: string[] }).verdicts.every((v) => v.startsWith('ok:'))).toBe(true);
  });

  it('on blocks with tampered transactions, roots and signatures', async () => {
    const flipped = (bytes: Uint8Array, at: number): Uint8Array => {
      const copy = bytes.slice();
      copy[at] = (copy[at] as number) ^ 0x01;
      return copy;
    };
    const variants: Array<[string, DecodedBlock]> = [];
    // A byte flipped in a signature (near the end), in the payload (middle), and in a map header.
    const bad = [...txs];
    bad[3] = flipped(txs[3] as Uint8Array, (txs[3] as Uint8Array).length - 60);
    bad[64] = flipped(txs[64] as Uint8Array, 40);
    bad[65] = flipped(txs[65] as Uint8Array, 0);
    bad[699] = Uint8Array.of(0xc1);
    variants.push(['tampered transactions', blockOver(bad)]);
    variants.push(['wrong logRoot', blockOver(txs, { logRoot: new Uint8Array(32).fill(5) })]);
    variants.push(['bad header signature', blockOver(txs, { signer: (signers[0] as (typeof signers)[number]).seed })]);
    for (const [name, block] of variants) {
      const inline = await outcome(block, inlineVerifier);
      expect({ name, result: await outcome(block, pool) }).toEqual({ name, result: inline });
    }
    const tampered = (await outcome(variants[0]?.[1] as DecodedBlock, inlineVerifier)) as { verdicts: string[] };
    expect(tampered.verdicts.filter((v) => !v.startsWith('ok:')).length).toBe(4);
    expect(tampered.verdicts[3]).toBe('TX_SIGNATURE_INVALID');
    expect(await outcome(variants[1]?.[1] as DecodedBlock, inlineVerifier)).toEqual({ error: 'BLOCK_LOG_ROOT' });
    expect(await outcome(variants[2]?.[1] as DecodedBlock, inlineVerifier)).toEqual({ error: 'BLOCK_SIGNATURE_INVALID' });
  });

  it('with a Merkle subtree pool on a block large enough for it, on valid and tampered blocks', async () => {
    const merklePool = new MerkleSubtreePool(1);
    try {
      const many = Array.from({ length: SUBTREE_POOL_MIN_LEAVES + 300 }, (_, i) => tx(i));
      const bad = [...many];
      bad[5] = Uint8Array.of(0xc1);
      for (const block of [blockOver(many), blockOver(bad), blockOver(many, { logRoot: new Uint8Array(32).fill(9) })]) {
        const inline = await outcome(block, inlineVerifier);
        expect(await outcome(block, pool, merklePool)).toEqual(inline);
      }
      const log = referenceLog(many);
      expect(await outcome(blockOver(many), pool, merklePool)).toMatchObject({ writes: log.writes.map((w) => `${w.level}/${w.index}/${toHex(w.hash)}`), logRoot: toHex(log.root) });
    } finally {
      await merklePool.close();
    }
  });
});
