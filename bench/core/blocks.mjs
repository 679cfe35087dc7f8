// Block verification over worker threads and LevelDB block commits with sync.
//   block-verify          signature checks per second while validating a block of 4,096 signed
//                         transactions from its bytes, as a node does for each committed block
//                         (decodeBlock, then verifyBlock: decode every transaction, every
//                         signature over worker threads, txRoot, logRoot);
//                         baseline: cores × single-thread node:crypto verifications/s with a
//                         cached KeyObject, measured here.
//   leveldb-block-commit  blocks of 256 transactions committed per second with sync (block bytes,
//                         index, Merkle nodes, state, head in one batch); baseline: one synced
//                         LevelDB put of the same block bytes per second.
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { buildBlock, buildGenesis, chainTip, decodeBlock, MemoryStore, publicKeyFromSeed, signTx, toHex, verifyBlock, WorkerVerifyPool } from '@tradeledger/ledger';
import { recordingStateMachine } from '@tradeledger/ledger/testing';
import { LevelStore } from '@tradeledger/node';
import { measureRate, row } from '../lib/measure.mjs';

const CHAIN_ID = 'bench-core';
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function seed(i) {
  const s = new Uint8Array(32);
  s[0] = i + 1;
  s[31] = 0x5a;
  return s;
}

async function makeChain(txCount, signerCount) {
  const nodeSeed = seed(200);
  const nodeKey = publicKeyFromSeed(nodeSeed);
  const store = new MemoryStore();
  const genesis = buildGenesis(recordingStateMachine, { chainId: CHAIN_ID, timestamp: 1_700_000_000_000, config: { nodeKeys: [toHex(nodeKey)] } });
  await store.commitBlock(genesis.commit);
  const signers = Array.from({ length: signerCount }, (_, i) => ({ seed: seed(i), key: publicKeyFromSeed(seed(i)) }));
  const txs = [];
  for (let i = 0; i < txCount; i++) {
    const signer = signers[i % signerCount];
    const nonce = Math.floor(i / signerCount);
    txs.push(signTx({ version: 1, chainId: CHAIN_ID, kind: 'note', payload: { i, body: 'x'.repeat(1200) }, signer: signer.key, nonce, timestamp: 1_700_000_000_000 + i }, signer.seed));
  }
  const tip = chainTip(genesis.commit.head, CHAIN_ID);
  const { block } = await buildBlock(store, recordingStateMachine, { tip, txs, timestamp: 1_700_000_001_000, term: 1, proposerSeed: nodeSeed, proposerPublicKey: nodeKey });
  return { block, tip, nodeKey };
}

async function blockVerify(quick) {
  const txCount = quick ? 1024 : 4096;
  const { block, tip } = await makeChain(txCount, 8);
  const pool = new WorkerVerifyPool();
  const authorizeProposer = () => ({ ok: true });
  const checks = txCount + 1;
  const rate = await measureRate(
    async (iterations) => {
      for (let i = 0; i < iterations; i++) {
        const verified = await verifyBlock(decodeBlock(block.bytes), tip, { authorizeProposer, verifier: pool });
        if (verified.txs.some((tx) => tx.decoded === undefined)) throw new Error('block-verify: an honest transaction was refused');
      }
      return iterations * checks;
    },
    { iterations: 1, runs: quick ? 3 : 5, warmupIterations: 1 },
  );
  await pool.close();

  // Baseline: one thread, raw node:crypto, one cached KeyObject.
  const rawSeed = seed(0);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, rawSeed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  const message = Buffer.alloc(32, 1);
  const signature = nodeSign(null, message, privateKey);
  const single = await measureRate(
    (iterations) => {
      for (let i = 0; i < iterations; i++) if (!nodeVerify(null, message, publicKey, signature)) throw new Error('baseline verify failed');
    },
    { iterations: quick ? 2000 : 8000, runs: quick ? 3 : 5 },
  );
  const cores = availableParallelism();
  return row(`block-verify (${txCount} txs)`, rate, single * cores, `sig checks/s (${cores} cores)`);
}

async function levelCommit(quick) {
  const dir = mkdtempSync(join(tmpdir(), 'tl-bench-level-'));
  try {
    const txPerBlock = 256;
    const blocks = quick ? 20 : 60;
    const nodeSeed = seed(200);
    const nodeKey = publicKeyFromSeed(nodeSeed);
    const client = { seed: seed(1), key: publicKeyFromSeed(seed(1)) };
    const store = await LevelStore.open(join(dir, 'store'));
    const genesis = buildGenesis(recordingStateMachine, { chainId: CHAIN_ID, timestamp: 1_700_000_000_000, config: { nodeKeys: [toHex(nodeKey)] } });
    await store.commitBlock(genesis.commit);
    // Build the commits ahead so only the synced write is timed.
    const shadow = new MemoryStore();
    await shadow.commitBlock(genesis.commit);
    let head = genesis.commit.head;
    const commits = [];
    let nonce = 0;
    for (let b = 0; b < blocks * 6; b++) {
      const txs = [];
      for (let i = 0; i < txPerBlock; i++, nonce++) {
        txs.push(signTx({ version: 1, chainId: CHAIN_ID, kind: 'note', payload: { nonce }, signer: client.key, nonce, timestamp: 1_700_000_000_000 + nonce }, client.seed));
      }
      const { commit } = await buildBlock(shadow, recordingStateMachine, { tip: chainTip(head, CHAIN_ID), txs, timestamp: head.timestamp + 1, term: 1, proposerSeed: nodeSeed, proposerPublicKey: nodeKey });
      await shadow.commitBlock(commit);
      commits.push(commit);
      head = commit.head;
    }
    let next = 0;
    const rate = await measureRate(
      async (iterations) => {
        for (let i = 0; i < iterations; i++) await store.commitBlock(commits[next++]);
      },
      { iterations: blocks, runs: 5, warmupIterations: blocks },
    );
    await store.close();

    const raw = new Level(join(dir, 'raw'), { keyEncoding: 'utf8', valueEncoding: 'view' });
    const bytes = commits[0].blockBytes;
    let k = 0;
    const baseline = await measureRate(
      async (iterations) => {
        for (let i = 0; i < iterations; i++) await raw.put(`b/${k++}`, bytes, { sync: true });
      },
      { iterations: blocks, runs: 5 },
    );
    await raw.close();
    return row(`leveldb-block-commit (${txPerBlock} txs)`, rate, baseline, 'blocks/s (synced)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run({ quick = false } = {}) {
  return [await blockVerify(quick), await levelCommit(quick)];
}
