// verifyBlock hands signatures to the verifier chunk by chunk while it decodes: the verdict of each
// position, and the order of block-level errors, must be what one call after full decoding gave.
import { afterAll, describe, expect, it } from 'vitest';
import { createBlock, decodeBlock, type DecodedBlock } from '../src/block.js';
import { buildGenesis, chainTip, verifyBlock, type ChainTip } from '../src/block-verify.js';
import { encodeCanonical } from '../src/canonical-msgpack.js';
import { VERIFY_PARALLEL_MIN_ITEMS } from '../src/constants.js';
import { publicKeyFromSeed, sign } from '../src/ed25519.js';
import { MerkleLog, leafHashOf } from '../src/merkle-log.js';
import { recordingStateMachine as sm } from '../src/testing/ledger-state-machine.js';
import { toHex } from '../src/bytes.js';
import { sha256 } from '../src/hash.js';
import { decodeTx, signingHashOf, signTx, verifyTxSignature } from '../src/tx.js';
import { inlineVerifier, WorkerVerifyPool, type BatchVerifier } from '../src/verify-pool.js';

const CHAIN = 'pipeline-test';
const nodeSeed = new Uint8Array(32).fill(21);
const nodeKey = publicKeyFromSeed(nodeSeed);
const clientSeed = new Uint8Array(32).fill(22);
const clientKey = publicKeyFromSeed(clientSeed);
const otherSeed = new Uint8Array(32).fill(23);
const authorizeProposer = () => ({ ok: true as const });

const genesis = buildGenesis(sm, { chainId: CHAIN, timestamp: 1_700_000_000_000, config: { nodeKeys: [toHex(nodeKey)] } });
const tip: ChainTip = chainTip(genesis.commit.head, CHAIN);
const pool = new WorkerVerifyPool(2);
afterAll(() => pool.close());

function goodTx(nonce: number): Uint8Array {
  return signTx({ version: 1, chainId: CHAIN, kind: 'note', payload: { nonce }, signer: clientKey, nonce, timestamp: 1_700_000_000_000 + nonce }, clientSeed).bytes;
}

function badlySignedTx(nonce: number): Uint8Array {
  const unsigned = { version: 1 as const, chainId: CHAIN, kind: 'note', payload: { nonce }, signer: clientKey, nonce, timestamp: 1_700_000_000_000 + nonce };
  return encodeCanonical({ ...unsigned, signature: sign(otherSeed, signingHashOf(unsigned)) });
}

/** A block with honest roots over `txs`, signed by `seed` (the node's key unless told). */
function blockOver(txs: Uint8Array[], seed = nodeSeed, txRoot?: Uint8Array): DecodedBlock {
  const blockLog = MerkleLog.empty();
  const globalLog = MerkleLog.fromFrontier(tip.logSize, [...tip.frontier]);
  for (const bytes of txs) {
    blockLog.appendLeafHash(leafHashOf(bytes));
    globalLog.appendLeafHash(leafHashOf(bytes));
  }
  const header = { chainId: CHAIN, height: 1, prevHash: tip.blockHash, txRoot: txRoot ?? blockLog.root(), logSize: globalLog.size, logRoot: globalLog.root(), stateRoot: new Uint8Array(32), timestamp: tip.timestamp + 1, term: 1 };
  const block = createBlock(header, txs, nodeSeed, nodeKey);
  if (seed === nodeSeed) return decodeBlock(block.bytes);
  // Same header bytes, signature by another key: the proposer's signature does not verify.
  return decodeBlock(encodeCanonical({ header: block.headerBytes, signature: sign(seed, new Uint8Array(32)), txs: block.txs }));
}

/** What each position must end as, computed one transaction at a time without verifyBlock. */
function expectedResults(txs: Uint8Array[]): string[] {
  return txs.map((bytes) => {
    try {
      return verifyTxSignature(decodeTx(bytes)) ? 'ok' : 'TX_SIGNATURE_INVALID';
    } catch (error) {
      return (error as { code: string }).code;
    }
  });
}

describe('verifyBlock over chunked verification', () => {
  it('gives every position its own verdict across chunk boundaries, with a pool and inline', async () => {
    const count = 9 * VERIFY_PARALLEL_MIN_ITEMS + 3;
    const txs = Array.from({ length: count }, (_, i) => goodTx(i));
    // Around the first chunk (the header plus 63 transactions), the later ones, and the last.
    for (const at of [0, 62, 63, 64, 65, 318, 319, 320, 321, count - 1]) txs[at] = at % 2 === 0 ? badlySignedTx(10_000 + at) : Uint8Array.of(0x92, 1);
    txs[200] = encodeCanonical({ not: 'a transaction' });
    const expected = expectedResults(txs);
    expect(expected.filter((r) => r === 'TX_SIGNATURE_INVALID')).toHaveLength(6);
    expect(expected.filter((r) => r !== 'ok' && r !== 'TX_SIGNATURE_INVALID')).toHaveLength(5);
    const block = blockOver(txs);
    for (const verifier of [pool, inlineVerifier]) {
      const verified = await verifyBlock(block, tip, { authorizeProposer, verifier });
      expect(verified.txs.map((t) => (t.decoded === undefined ? (t.result.ok ? 'ok' : t.result.code) : 'ok'))).toEqual(expected);
      expect(verified.txIds.map(toHex)).toEqual(txs.map((bytes, i) => (verified.txs[i]?.decoded?.idHex ?? toHex(sha256(bytes)))));
      expect(verified.logSize).toBe(count);
    }
  });

  it('reports a bad proposer signature before a wrong txRoot, however many chunks there are', async () => {
    const txs = Array.from({ length: 5 * VERIFY_PARALLEL_MIN_ITEMS }, (_, i) => goodTx(i));
    await expect(verifyBlock(blockOver(txs, otherSeed), tip, { authorizeProposer, verifier: pool })).rejects.toMatchObject({ code: 'BLOCK_SIGNATURE_INVALID' });
    await expect(verifyBlock(blockOver(txs, nodeSeed, new Uint8Array(32).fill(9)), tip, { authorizeProposer, verifier: pool })).rejects.toMatchObject({ code: 'BLOCK_TX_ROOT' });
  });

  it('passes on a verifier failure (thrown or rejected, in any chunk) as the verifyBlock error', async () => {
    // The header and 64 * 10 transactions go out in four calls: 64, 256, 256 and 65 items.
    const txs = Array.from({ length: 10 * VERIFY_PARALLEL_MIN_ITEMS }, (_, i) => goodTx(i));
    const block = blockOver(txs);
    let calls = 0;
    const throwsOnThird: BatchVerifier = {
      verifyBatch(items) {
        calls++;
        if (calls === 3) throw new Error('verifier broke');
        return inlineVerifier.verifyBatch(items);
      },
      close: async () => {},
    };
    await expect(verifyBlock(block, tip, { authorizeProposer, verifier: throwsOnThird })).rejects.toThrow('verifier broke');
    expect(calls).toBe(4);
    const shortAnswers: BatchVerifier = { verifyBatch: async (items) => items.slice(1).map(() => true), close: async () => {} };
    await expect(verifyBlock(block, tip, { authorizeProposer, verifier: shortAnswers })).rejects.toMatchObject({ code: 'ASSERTION_FAILED' });
  });
});
