// The state machine's writes, pinned: every byte the example story writes, then a block of eight
// certificates like the cluster benchmark's (a lot number on every goods line), summed up by the
// chained state root (each block's root hashes all of its keys and values and the previous root).
// Applied the way a follower applies (each transaction once) and the way a leader does (admission
// first, then the block, on the same decoded transactions): both must write what is pinned here.
// Any change to a stored byte fails this test; a deliberate change to the state format updates
// the pin (and makes a new chain).
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes.js';
import { applyBlock } from '../../src/state/apply.js';
import type { TxResult } from '../../src/store.js';
import type { DecodedTx } from '../../src/tx.js';
import { readExample, readManifest } from '../documents/example-files.js';
import { CHAIN_ID, EXAMPLE_TIME_MS, TestChain } from './harness.js';

const PINNED_STATE_ROOT = '8d975f54997be970367198871820a81faba420949cad7c591a7fb2a915f40d33';
const CERTIFICATE_LOTS = 8;

async function runStory(applies: 'follower' | 'leader'): Promise<{ stateRootHex: string; results: TxResult[] }> {
  const chain = await TestChain.fromExampleGenesis();
  const results: TxResult[] = [];
  const commit = async (txs: readonly DecodedTx[]): Promise<void> => {
    if (applies === 'leader') await applyBlock(chain.store, { chainId: CHAIN_ID, height: chain.height + 1, timestampMs: EXAMPLE_TIME_MS }, txs, chain.options);
    results.push(...(await chain.block(txs)));
  };
  for (const submission of readManifest().submissions) {
    const tx = chain.sign(submission.signer, submission.kind, chain.resolve(readExample(submission.file)));
    await commit([tx]);
    chain.ids[submission.name] = tx.idHex;
  }
  const certificate = readExample('certificate-of-origin.json') as { goods: Array<{ description: string }> };
  const lots = Array.from({ length: CERTIFICATE_LOTS }, (_, lot) =>
    chain.sign('producer', 'certificate-of-origin', { ...certificate, goods: certificate.goods.map((good, line) => ({ ...good, description: `${good.description}, lot ${lot}-${line + 1}` })) }),
  );
  await commit(lots);
  return { stateRootHex: toHex(chain.stateRoot), results };
}

describe('the state machine writes', () => {
  it('the pinned bytes for the example story and a block of certificates, applied once per transaction', async () => {
    const { stateRootHex, results } = await runStory('follower');
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.length).toBe(readManifest().submissions.length + CERTIFICATE_LOTS);
    expect(stateRootHex).toBe(PINNED_STATE_ROOT);
  });

  it('the same bytes when every transaction was applied before (a leader admitting it) on the same decoded object', async () => {
    const { stateRootHex, results } = await runStory('leader');
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(stateRootHex).toBe(PINNED_STATE_ROOT);
  });
});
