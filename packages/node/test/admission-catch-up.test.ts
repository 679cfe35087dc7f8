// A client that waited for its document's commit on a follower may cite it at once, through that
// follower, before the leader has applied the block: a follower can finish applying first (the
// leader was slower on a loaded machine). The leader's pre-validation must not refuse the citation
// as REF_NOT_FOUND while its own commit index already covers the cited document. Here the leader
// takes 800 ms to write each block, so the follower always applies first.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { publicKeyFromSeed, signTx, type BlockCommit, type DecodedTx } from '@tradeledger/ledger';
import { exampleSigningSeed } from '../src/examples.js';
import { PREVALIDATE_CATCH_UP_MAX_MS } from '../src/constants.js';
import { startInProcessNetwork, nodeFixture, waitFor } from './support/example-network.js';

const { root, nodes } = nodeFixture('tl-catch-up-');
const chainId = 'tradeledger-catch-up';
const LEADER_WRITE_DELAY_MS = 800;

/** An attachment record by the example retailer that belongs to the documents `belongsTo`. */
function attachment(nonce: number, belongsTo: readonly string[]): DecodedTx {
  const seed = exampleSigningSeed('retailer');
  const sha256 = createHash('sha256').update(`catch-up ${nonce}`).digest('hex');
  return signTx({ version: 1, chainId, kind: 'attachment', payload: { sha256, mediaType: 'application/pdf', sizeBytes: 2048, title: `Product guide ${nonce}`, belongsTo: [...belongsTo] }, signer: publicKeyFromSeed(seed), nonce, timestamp: Date.now() }, seed);
}

describe('a leader behind its own commit index', () => {
  it('admits a document citing one a follower already applied, and still refuses a citation of nothing', async () => {
    const network = await startInProcessNetwork(['customs', 'producer', 'importer'], { root, chainId, blockCutting: { maxTxs: 8, maxBytes: 16 << 20, maxWaitMs: 5, maxInflightBlocks: 4 } });
    nodes.push(...network.nodes);
    const leader = await waitFor('a leader', () => nodes.find((n) => n.isLeader));
    const follower = nodes.find((n) => n !== leader)!;
    await waitFor('the follower knows the leader', () => (follower.currentLeader === leader.peerId ? true : undefined));
    const store = leader.store as unknown as { commitBlock: (commit: BlockCommit, ...rest: unknown[]) => Promise<void> };
    const write = store.commitBlock.bind(leader.store);
    store.commitBlock = async (commit, ...rest) => {
      await new Promise((resolve) => setTimeout(resolve, LEADER_WRITE_DELAY_MS));
      return write(commit, ...rest);
    };

    const cited = attachment(1, []);
    await follower.submit(cited.bytes);
    const seen = await follower.waitForCommit(cited.idHex, 10_000);
    expect(seen.result.ok).toBe(true);
    // The race this test is about: the client has its commit, the leader has not applied it.
    expect(await leader.store.getTxLocation(cited.id)).toBeUndefined();

    const citing = attachment(2, [cited.idHex]);
    const started = performance.now();
    await expect(follower.submit(citing.bytes)).resolves.toEqual({ txId: citing.idHex });
    expect(performance.now() - started).toBeLessThan(PREVALIDATE_CATCH_UP_MAX_MS + 1_000);
    const committed = await follower.waitForCommit(citing.idHex, 10_000);
    expect(committed.result.ok).toBe(true);

    // A citation of a document no node has is still refused, with its code, once the leader has
    // applied all it knows to be committed: the wait does not turn refusals into admissions.
    await waitFor('the leader applied the citing document', async () => ((await leader.store.getTxLocation(citing.id)) !== undefined ? true : undefined), 10_000);
    const dangling = attachment(3, [createHash('sha256').update('no such document').digest('hex')]);
    const refusedAt = performance.now();
    await expect(follower.submit(dangling.bytes)).rejects.toMatchObject({ code: 'REF_NOT_FOUND' });
    // Caught up, the leader judges at once: no catch-up wait for an ordinary refusal.
    expect(performance.now() - refusedAt).toBeLessThan(PREVALIDATE_CATCH_UP_MAX_MS / 2);
    expect(await leader.store.getTxLocation(dangling.id)).toBeUndefined();
  });
});
