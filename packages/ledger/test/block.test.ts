import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeCanonical } from '../src/canonical-msgpack.js';
import { createBlock, decodeBlock, decodeHeader, encodeHeader, type BlockHeader, type DecodedBlock } from '../src/block.js';
import { buildBlock, buildGenesis, chainTip, executeBlock, verifyBlock, verifyGenesis, type ChainTip } from '../src/block-verify.js';
import { toHex } from '../src/bytes.js';
import { publicKeyFromSeed, sign } from '../src/ed25519.js';
import { MemoryStore } from '../src/memory-store.js';
import { MerkleLog, leafHashOf } from '../src/merkle-log.js';
import { recordingStateMachine as sm } from '../src/testing/ledger-state-machine.js';
import { signingHashOf, signTx, type DecodedTx } from '../src/tx.js';
import { inlineVerifier } from '../src/verify-pool.js';

const CHAIN = 'block-test';
const nodeSeed = new Uint8Array(32).fill(11);
const nodeKey = publicKeyFromSeed(nodeSeed);
const otherSeed = new Uint8Array(32).fill(12);
const clientSeed = new Uint8Array(32).fill(13);
const clientKey = publicKeyFromSeed(clientSeed);
const authorizeProposer = (header: BlockHeader) => (toHex(header.proposer) === toHex(nodeKey) ? { ok: true as const } : { ok: false as const, reason: 'not the leader' });

function tx(nonce: number, chainId = CHAIN): DecodedTx {
  return signTx({ version: 1, chainId, kind: 'note', payload: { nonce, text: 'certificate of origin' }, signer: clientKey, nonce, timestamp: 1_700_000_000_000 + nonce }, clientSeed);
}

/** A well-formed transaction naming the client as signer but signed with another key. */
function wronglySigned(nonce: number): Uint8Array {
  const { signature: _ignored, ...unsigned } = tx(nonce).tx;
  return encodeCanonical({ ...unsigned, signature: sign(otherSeed, signingHashOf(unsigned)) });
}

async function genesisStore() {
  const store = new MemoryStore();
  const genesis = buildGenesis(sm, { chainId: CHAIN, timestamp: 1_700_000_000_000, config: { nodeKeys: [toHex(nodeKey)] } });
  await store.commitBlock(genesis.commit);
  return { store, genesis, tip: chainTip(genesis.commit.head, CHAIN) };
}

/** A block over arbitrary tx bytes whose roots are what an honest proposer would compute. */
async function honestBlockOver(store: MemoryStore, tip: ChainTip, txBytes: Uint8Array[], overrides: Partial<BlockHeader> = {}, seed: Uint8Array = nodeSeed): Promise<DecodedBlock> {
  const blockLog = MerkleLog.empty();
  const globalLog = MerkleLog.fromFrontier(tip.logSize, [...tip.frontier]);
  for (const bytes of txBytes) {
    blockLog.appendLeafHash(leafHashOf(bytes));
    globalLog.appendLeafHash(leafHashOf(bytes));
  }
  // State root over the transactions that decode and verify, exactly as verifiers apply them.
  const applicable: DecodedTx[] = [];
  const { decodeTx, verifyTxSignature } = await import('../src/tx.js');
  for (const bytes of txBytes) {
    try {
      const decoded = decodeTx(bytes);
      if (verifyTxSignature(decoded)) applicable.push(decoded);
    } catch {
      // not applicable: recorded as invalid by verifiers
    }
  }
  const applied = await sm.apply(store, { chainId: CHAIN, height: tip.height + 1, timestampMs: tip.timestamp + 1 }, applicable);
  return createBlock(
    { chainId: CHAIN, height: tip.height + 1, prevHash: tip.blockHash, txRoot: blockLog.root(), logSize: globalLog.size, logRoot: globalLog.root(), stateRoot: sm.nextStateRoot(tip.stateRoot, applied.writes), timestamp: tip.timestamp + 1, term: 1, ...overrides },
    txBytes,
    seed,
    publicKeyFromSeed(seed),
  );
}

describe('block encoding', () => {
  it('round-trips a signed block byte for byte and hashes the header bytes', async () => {
    const { store, tip } = await genesisStore();
    const { block } = await buildBlock(store, sm, { tip, txs: [tx(0), tx(1)], timestamp: tip.timestamp + 5, term: 3, proposerSeed: nodeSeed, proposerPublicKey: nodeKey });
    const decoded = decodeBlock(block.bytes);
    expect(decoded.bytes).toEqual(block.bytes);
    expect(decoded.hashHex).toBe(block.hashHex);
    expect(decoded.header.height).toBe(1);
    expect(decoded.header.term).toBe(3);
    expect(decoded.txs.map(toHex)).toEqual([tx(0), tx(1)].map((t) => toHex(t.bytes)));
    expect(toHex(encodeHeader(decodeHeader(decoded.headerBytes)))).toBe(toHex(decoded.headerBytes));
  });

  it('rejects unknown, missing and mistyped fields, trailing bytes and oversize blocks with codes', async () => {
    const { store, tip } = await genesisStore();
    const { block } = await buildBlock(store, sm, { tip, txs: [tx(0)], timestamp: tip.timestamp + 5, term: 1, proposerSeed: nodeSeed, proposerPublicKey: nodeKey });
    const { headerBytes, signature, txs } = block;
    expect(() => decodeBlock(encodeCanonical({ header: headerBytes, signature, txs, extra: 1 }))).toThrow(expect.objectContaining({ code: 'BLOCK_UNKNOWN_FIELD' }));
    expect(() => decodeBlock(encodeCanonical({ header: headerBytes, signature }))).toThrow(expect.objectContaining({ code: 'BLOCK_MISSING_FIELD' }));
    expect(() => decodeBlock(encodeCanonical({ header: headerBytes, signature: 'sig', txs }))).toThrow(expect.objectContaining({ code: 'BLOCK_FIELD_TYPE' }));
    expect(() => decodeBlock(encodeCanonical({ header: headerBytes, signature, txs: ['not bytes'] }))).toThrow(expect.objectContaining({ code: 'BLOCK_FIELD_TYPE' }));
    expect(() => decodeBlock(new Uint8Array([...block.bytes, 0]))).toThrow(expect.objectContaining({ code: expect.stringMatching(/TRAILING|MALFORMED|NONCANONICAL/) }));
    expect(() => decodeBlock(block.bytes, { maxBytes: 100 })).toThrow(expect.objectContaining({ code: 'BLOCK_TOO_LARGE' }));
    const header = { ...decodeHeader(headerBytes) } as Record<string, unknown>;
    expect(() => decodeBlock(encodeCanonical({ header: encodeCanonical({ ...header, height: -1 }), signature, txs }))).toThrow(expect.objectContaining({ code: 'BLOCK_FIELD_TYPE' }));
    expect(() => decodeBlock(encodeCanonical({ header: encodeCanonical({ ...header, config: { x: 1 } }), signature, txs }))).toThrow(expect.objectContaining({ code: 'BLOCK_GENESIS' }));
  });

  it('never throws anything but a coded error on random bytes or a mutated block', async () => {
    const { store, tip } = await genesisStore();
    const { block } = await buildBlock(store, sm, { tip, txs: [tx(0), tx(1)], timestamp: tip.timestamp + 5, term: 1, proposerSeed: nodeSeed, proposerPublicKey: nodeKey });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.tuple(fc.nat(block.bytes.length - 1), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
        const mutated = block.bytes.slice();
        mutated[i] = (mutated[i] as number) ^ x;
        return mutated;
      })), (bytes) => {
        try {
          decodeBlock(bytes);
        } catch (error) {
          expect(error).toMatchObject({ code: expect.stringMatching(/^[A-Z][A-Z0-9_]+$/) });
        }
      }),
    );
  });
});

describe('genesis', () => {
  it('is rebuilt byte for byte from the configuration it carries, and pinned by its hash', async () => {
    const { genesis } = await genesisStore();
    const decoded = decodeBlock(genesis.block.bytes);
    expect(verifyGenesis(sm, decoded, genesis.block.hash).head.stateRoot).toEqual(genesis.commit.head.stateRoot);
    const other = buildGenesis(sm, { chainId: CHAIN, timestamp: 1_700_000_000_000, config: { nodeKeys: [toHex(publicKeyFromSeed(otherSeed))] } });
    expect(() => verifyGenesis(sm, decodeBlock(other.block.bytes), genesis.block.hash)).toThrow(expect.objectContaining({ code: 'BLOCK_GENESIS' }));
    expect(() => buildGenesis(sm, { chainId: CHAIN, timestamp: 0, config: { nodeKeys: [] } })).toThrow(expect.objectContaining({ code: 'GENESIS_INVALID' }));
  });
});

describe('verifyBlock and executeBlock', () => {
  it('accept an honest block and produce the commit the proposer computed', async () => {
    const { store, tip } = await genesisStore();
    const built = await buildBlock(store, sm, { tip, txs: [tx(0), tx(1), tx(2)], timestamp: tip.timestamp + 5, term: 1, proposerSeed: nodeSeed, proposerPublicKey: nodeKey });
    const verified = await verifyBlock(decodeBlock(built.block.bytes), tip, { authorizeProposer });
    const commit = await executeBlock(store, verified, tip, sm);
    expect(toHex(commit.head.stateRoot)).toBe(toHex(built.commit.head.stateRoot));
    expect(toHex(commit.head.logRoot)).toBe(toHex(built.commit.head.logRoot));
    expect(commit.head.logSize).toBe(3);
    expect(commit.txIndex.map((e) => e.position)).toEqual([0, 1, 2]);
    expect(commit.merkleWrites.length).toBe(built.commit.merkleWrites.length);
  });

  it('stops on a wrong chain, height, link, timestamp, proposer, signature or root', async () => {
    const { store, tip } = await genesisStore();
    const cases: Array<[string, Partial<BlockHeader>, Uint8Array?]> = [
      ['BLOCK_CHAIN_ID', { chainId: 'other-chain' }],
      ['BLOCK_HEIGHT', { height: 2 }],
      ['BLOCK_PREV_HASH', { prevHash: new Uint8Array(32).fill(1) }],
      ['BLOCK_TIMESTAMP', { timestamp: tip.timestamp - 1 }],
      ['BLOCK_TX_ROOT', { txRoot: new Uint8Array(32).fill(2) }],
      ['BLOCK_LOG_SIZE', { logSize: 5 }],
      ['BLOCK_LOG_ROOT', { logRoot: new Uint8Array(32).fill(3) }],
      ['BLOCK_PROPOSER', {}, otherSeed],
    ];
    for (const [code, overrides, seed] of cases) {
      const block = await honestBlockOver(store, tip, [tx(0).bytes], overrides, seed ?? nodeSeed);
      await expect(verifyBlock(decodeBlock(block.bytes), tip, { authorizeProposer }), code).rejects.toMatchObject({ code });
    }
    const forgedSignature = await honestBlockOver(store, tip, [tx(0).bytes]);
    const sig = forgedSignature.signature.slice();
    sig[10] = (sig[10] as number) ^ 1;
    const tampered = decodeBlock(encodeCanonical({ header: forgedSignature.headerBytes, signature: sig, txs: forgedSignature.txs }));
    await expect(verifyBlock(tampered, tip, { authorizeProposer })).rejects.toMatchObject({ code: 'BLOCK_SIGNATURE_INVALID' });
    const wrongState = await honestBlockOver(store, tip, [tx(0).bytes], { stateRoot: new Uint8Array(32).fill(4) });
    const verified = await verifyBlock(decodeBlock(wrongState.bytes), tip, { authorizeProposer });
    await expect(executeBlock(store, verified, tip, sm)).rejects.toMatchObject({ code: 'BLOCK_STATE_ROOT' });
  });

  it('records undecodable, badly signed, replayed and duplicate transactions as invalid without effect', async () => {
    const { store, tip } = await genesisStore();
    const good = tx(0);
    // Claims the client as signer but is signed with another key.
    const badSignature = wronglySigned(7);
    const garbage = Uint8Array.of(1, 2, 3);
    const block = await honestBlockOver(store, tip, [good.bytes, badSignature, garbage, good.bytes, tx(0, 'other-chain').bytes, tx(1).bytes]);
    const verified = await verifyBlock(decodeBlock(block.bytes), tip, { authorizeProposer });
    const commit = await executeBlock(store, verified, tip, sm);
    const resultAt = (position: number) => commit.txIndex.find((e) => e.position === position)?.result;
    expect(resultAt(0)).toEqual({ ok: true });
    expect(resultAt(1)).toEqual({ ok: false, code: 'TX_SIGNATURE_INVALID' });
    expect(resultAt(2)).toMatchObject({ ok: false });
    expect(resultAt(3)).toBeUndefined();
    expect(commit.txIndex.filter((e) => toHex(e.txId) === good.idHex)).toHaveLength(1);
    expect(commit.head.logSize).toBe(6);
    await store.commitBlock(commit);
    expect(await store.getTxLocation(good.id)).toEqual({ height: 1, position: 0, result: { ok: true } });
  });

  it('worker-pool and inline verification give the same block verdicts', async () => {
    const { WorkerVerifyPool } = await import('../src/verify-pool.js');
    const pool = new WorkerVerifyPool(2);
    try {
      const { store, tip } = await genesisStore();
      const txs = Array.from({ length: 300 }, (_, i) => tx(i).bytes);
      for (const i of [5, 77, 299]) {
        txs[i] = wronglySigned(10_000 + i);
      }
      const block = await honestBlockOver(store, tip, txs);
      const a = await verifyBlock(decodeBlock(block.bytes), tip, { authorizeProposer, verifier: pool });
      const b = await verifyBlock(decodeBlock(block.bytes), tip, { authorizeProposer, verifier: inlineVerifier });
      const verdicts = (v: typeof a) => v.txs.map((t) => (t.decoded === undefined ? t.result : { ok: true }));
      expect(verdicts(a)).toEqual(verdicts(b));
      expect(verdicts(a).filter((r) => !r.ok)).toHaveLength(3);
    } finally {
      await pool.close();
    }
  });
});
