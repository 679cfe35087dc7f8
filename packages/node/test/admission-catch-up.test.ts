// A client that waited for its document's commit on a follower may cite it at once, through that
// follower, before the leader has applied the block: a follower can finish applying first (the
// leader was slower on a loaded machine). The leader's pre-validation must not refuse the citation
// as REF_NOT_FOUND while its own commit index already covers the cited document. Here the leader's
// block writes wait on a gate the test opens, so the follower always applies first.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { publicKeyFromSeed, signTx, type BlockCommit, type DecodedTx } from '@tradeledger/ledger';
import type { LedgerNode } from '../src/ledger-node.js';
import { exampleSigningSeed } from '../src/examples.js';
import { PREVALIDATE_CATCH_UP_MAX_MS } from '../src/constants.js';
import { startInProcessNetwork, nodeFixture, waitFor } from './support/example-network.js';

const { root, nodes } = nodeFixture('tl-catch-up-');
const chainId = 'tradeledger-catch-up';

/** An attachment record by the example retailer that belongs to the documents `belongsTo`. */
function attachment(nonce: number, belongsTo: readonly string[], label = 'catch-up'): DecodedTx {
  const seed = exampleSigningSeed('retailer');
  const sha256 = createHash('sha256').update(`${label} ${nonce}`).digest('hex');
  return signTx({ version: 1, chainId, kind: 'attachment', payload: { sha256, mediaType: 'application/pdf', sizeBytes: 2048, title: `Product guide ${label} ${nonce}`, belongsTo: [...belongsTo] }, signer: publicKeyFromSeed(seed), nonce, timestamp: Date.now() }, seed);
}

/** Settles with the value, or with the error's code. */
const outcome = (promise: Promise<unknown>): Promise<unknown> => promise.then((value) => value, (error: { code?: string }) => error.code ?? error);

let leader: LedgerNode;
let follower: LedgerNode;
let openGate: () => void = () => undefined;
let gate: Promise<void> = Promise.resolve();
/** From now on the leader's block writes wait until openGate(). */
const closeGate = (): void => {
  gate = new Promise((resolve) => (openGate = resolve));
};

/** Commits `cited` through the follower, whose client sees it applied while the leader has not. */
async function committedOnFollowerOnly(cited: DecodedTx): Promise<void> {
  await follower.submit(cited.bytes);
  expect((await follower.waitForCommit(cited.idHex, 10_000)).result.ok).toBe(true);
  expect(await leader.store.getTxLocation(cited.id)).toBeUndefined();
}

describe('a leader behind its own commit index', () => {
  it('waits to judge a citation of a document its follower already applied, and admits it once caught up', async () => {
    const network = await startInProcessNetwork(['customs', 'producer', 'importer'], { root, chainId, blockCutting: { maxTxs: 8, maxBytes: 16 << 20, maxWaitMs: 5, maxInflightBlocks: 4 } });
    nodes.push(...network.nodes);
    leader = await waitFor('a leader', () => nodes.find((n) => n.isLeader));
    follower = nodes.find((n) => n !== leader)!;
    await waitFor('the follower knows the leader', () => (follower.currentLeader === leader.peerId ? true : undefined));
    const term = leader.status().term;
    const store = leader.store as unknown as { commitBlock: (commit: BlockCommit, ...rest: unknown[]) => Promise<void> };
    const write = store.commitBlock.bind(leader.store);
    store.commitBlock = async (commit, ...rest) => {
      await gate;
      return write(commit, ...rest);
    };

    closeGate();
    const cited = attachment(1, []);
    await committedOnFollowerOnly(cited);
    const citing = attachment(2, [cited.idHex]);
    let settled = false;
    const admitted = outcome(follower.submit(citing.bytes)).finally(() => (settled = true));
    // The leader holds its verdict while its block write waits...
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    // ...and admits the citation once it has applied the cited document.
    openGate();
    expect(await admitted).toEqual({ txId: citing.idHex });
    expect((await follower.waitForCommit(citing.idHex, 10_000)).result.ok).toBe(true);
    expect(leader.isLeader).toBe(true);
    expect(leader.status().term).toBe(term);

    // Caught up, a citation of a document no node has is refused at once, with its code.
    await waitFor('the leader applied the citing document', async () => ((await leader.store.getTxLocation(citing.id)) !== undefined ? true : undefined), 10_000);
    const dangling = attachment(3, [createHash('sha256').update('no such document').digest('hex')]);
    const refusedAt = performance.now();
    expect(await outcome(follower.submit(dangling.bytes))).toBe('REF_NOT_FOUND');
    expect(performance.now() - refusedAt).toBeLessThan(PREVALIDATE_CATCH_UP_MAX_MS / 2);
  });

  it('refuses after PREVALIDATE_CATCH_UP_MAX_MS when the leader cannot catch up, and never waits for a refusal no block can lift', async () => {
    closeGate();
    try {
      const cited = attachment(4, []);
      await committedOnFollowerOnly(cited);
      // A replayed nonce is final whatever the leader applies next: answered without waiting.
      const replayAt = performance.now();
      expect(await outcome(follower.submit(attachment(1, [], 'replay').bytes))).toBe('NONCE_REPLAY');
      expect(performance.now() - replayAt).toBeLessThan(PREVALIDATE_CATCH_UP_MAX_MS / 2);
      // The citation waits for the leader's block write, which does not come: refused at the limit.
      const startedAt = performance.now();
      expect(await outcome(follower.submit(attachment(5, [cited.idHex]).bytes))).toBe('REF_NOT_FOUND');
      const waitedMs = performance.now() - startedAt;
      expect(waitedMs).toBeGreaterThanOrEqual(PREVALIDATE_CATCH_UP_MAX_MS - 50);
      expect(waitedMs).toBeLessThan(PREVALIDATE_CATCH_UP_MAX_MS + 2_000);
    } finally {
      openGate();
    }
  });

  it('answers NODE_STOPPING, not a stale refusal, when the leader stops while it waits', async () => {
    closeGate();
    const cited = attachment(6, []);
    await committedOnFollowerOnly(cited);
    const waiting = outcome(leader.submit(attachment(7, [cited.idHex]).bytes));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stoppedAt = performance.now();
    const stopping = leader.stop();
    expect(await waiting).toBe('NODE_STOPPING');
    expect(performance.now() - stoppedAt).toBeLessThan(PREVALIDATE_CATCH_UP_MAX_MS / 2);
    openGate();
    await stopping;
  });
});
