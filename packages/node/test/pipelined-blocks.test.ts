// A leader builds each block on the blocks it has proposed but not yet applied. While its oldest
// proposal is being written to the store, a block cut on the later proposals must still see that
// proposal's writes: they are in neither the store nor (if it was dropped from the proposals too
// early) the overlay, and the block would carry a state root of a state that never existed.
//
// One node, one transaction per block. The test holds the Raft log write so that a certificate
// amendment (block h) and an attachment (block h + 1) are both proposed, then holds block h's
// store write and submits a second amendment of the same certificate: its block is cut while
// block h is being written, and reads the certificate's version, which only block h changed.
import { describe, expect, it } from 'vitest';
import { auditStore, getDocument, inlineVerifier, publicKeyFromSeed, signTx, tradeStateMachine, type BlockCommit } from '@tradeledger/ledger';
import { exampleSigningSeed, exampleSubmissions } from '../src/examples.js';
import { attachmentTxs } from '../../../test/support/load.js';
import { EXAMPLES_DIR, startInProcessNetwork, nodeFixture, waitFor } from './support/example-network.js';

const { root, nodes } = nodeFixture('tl-pipelined-');

/** A gate: `hold()` waits until `open()`; `held` resolves once something waits. */
function gate(): { hold: () => Promise<void>; open: () => void; held: Promise<void> } {
  let open!: () => void;
  let entered!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const held = new Promise<void>((resolve) => (entered = resolve));
  return {
    hold: () => {
      entered();
      return opened;
    },
    open,
    held,
  };
}

describe('pipelined blocks', () => {
  it('are built on the writes of a proposal still being written to the store', async () => {
    const chainId = 'tradeledger-pipelined';
    const network = await startInProcessNetwork(['customs'], { root, chainId, blockCutting: { maxTxs: 1, maxBytes: 16 << 20, maxWaitMs: 0, maxInflightBlocks: 8 } });
    nodes.push(...network.nodes);
    const node = await waitFor('a leader', () => nodes.find((n) => n.isLeader));
    const story = exampleSubmissions(EXAMPLES_DIR, { nowMs: Date.now(), stopBefore: 'broker-designation', chainId });
    for (const submission of story) {
      await node.submit(submission.tx.bytes);
      expect((await node.waitForCommit(submission.tx.idHex, 10_000)).result).toEqual({ ok: true });
    }
    const amend = story.find((s) => s.name === 'certificate-amend')!;
    const certificateId = story.find((s) => s.name === 'certificate-of-origin')!.tx.idHex;
    expect((await getDocument(node.store, certificateId))?.record.version).toBe(2);
    const seed = exampleSigningSeed('producer');
    const [amend1, amend2] = [1, 2].map((i) => signTx({ version: 1, chainId, kind: 'certificate-amend', payload: amend.tx.tx.payload, signer: publicKeyFromSeed(seed), nonce: amend.tx.tx.nonce + i, timestamp: Date.now() }, seed));
    const [attachment] = attachmentTxs(chainId, 'retailer', 1, 1000, 'pipelined');
    const internals = node as unknown as { proposals: Array<{ txIds: string[]; commit: BlockCommit }>; raftStorage: { persist: (...args: unknown[]) => Promise<void> } };
    const h = (await node.store.head())!.height + 1;

    // Hold the Raft log write until both blocks are proposed, so neither is applied before.
    const logWrite = gate();
    const persist = internals.raftStorage.persist.bind(internals.raftStorage);
    internals.raftStorage.persist = async (...args) => {
      await logWrite.hold();
      return persist(...args);
    };
    // Hold block h's store write once it has begun.
    const storeWrite = gate();
    const store = node.store as unknown as { commitBlock: (commit: BlockCommit, ...rest: unknown[]) => Promise<void> };
    const commitBlock = store.commitBlock.bind(node.store);
    store.commitBlock = async (commit, ...rest) => {
      if (commit.height === h) await storeWrite.hold();
      return commitBlock(commit, ...rest);
    };

    await node.submit(amend1!.bytes);
    await node.submit(attachment!.bytes);
    await waitFor('both blocks proposed', () => (internals.proposals.length === 2 ? true : undefined), 5_000, 5);
    expect(internals.proposals.map((p) => [p.commit.height, p.txIds])).toEqual([
      [h, [amend1!.idHex]],
      [h + 1, [attachment!.idHex]],
    ]);
    logWrite.open();
    await storeWrite.held;
    await node.submit(amend2!.bytes);
    await waitFor('the second amendment proposed', () => (internals.proposals.some((p) => p.txIds.includes(amend2!.idHex)) ? true : undefined), 5_000, 5);
    storeWrite.open();

    const results = await Promise.all([amend1!, attachment!, amend2!].map((tx) => node.waitForCommit(tx.idHex, 10_000)));
    expect(results.map((r) => [r.height, r.result])).toEqual([
      [h, { ok: true }],
      [h + 1, { ok: true }],
      [h + 2, { ok: true }],
    ]);
    expect((await getDocument(node.store, certificateId))?.record.version).toBe(4);
    // Re-executing the chain gives every block's state root: a block built on a state that never
    // existed is found here (a follower would have stopped at it).
    expect(await auditStore(node.store, { stateMachine: tradeStateMachine({ verifySignatures: false }), verifier: inlineVerifier })).toMatchObject({ ok: true });
  });
});
