// A client that waited for its document's commit on a follower may cite it at once, through that
// follower, before the leader has applied the block: a follower can finish applying first (the
// leader was slower on a loaded machine). The follower sends its applied index with the forwarded
// batch, and the leader judges the batch only once it has applied as much, so the citation is not
// refused as REF_NOT_FOUND. Here the leader's block writes wait on a gate the test opens, so the
// follower always applies first; the same for a new leader that took over before it applied what
// its followers have.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { publicKeyFromSeed, signTx, type BlockCommit, type DecodedTx } from '@tradeledger/ledger';
import type { LedgerNode } from '../src/ledger-node.js';
import { exampleSigningSeed } from '../src/examples.js';
import { FORWARD_CATCH_UP_MAX_MS } from '../src/constants.js';
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
/** Per node: what its block writes wait for (absent: nothing). */
const gates = new Map<LedgerNode, { opened: Promise<void>; open: () => void }>();
/** From now on `node`'s block writes wait until openGate(node). */
function closeGate(node: LedgerNode): void {
  if (!gates.has(node)) {
    const store = node.store as unknown as { commitBlock: (commit: BlockCommit, ...rest: unknown[]) => Promise<void> };
    const write = store.commitBlock.bind(node.store);
    store.commitBlock = async (commit, ...rest) => {
      await gates.get(node)?.opened;
      return write(commit, ...rest);
    };
  }
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  gates.set(node, { opened, open });
}
const openGate = (node: LedgerNode): void => gates.get(node)?.open();

/** Commits `cited` through the follower, whose client sees it applied while `lagging` has not. */
async function committedOnFollowerOnly(cited: DecodedTx, lagging: LedgerNode = leader): Promise<void> {
  await follower.submit(cited.bytes);
  expect((await follower.waitForCommit(cited.idHex, 10_000)).result.ok).toBe(true);
  expect(await lagging.store.getTxLocation(cited.id)).toBeUndefined();
}

/**
 * Submits `citing` through `via` and checks that its verdict waits while `lagging`'s block writes
 * are held, then that it is admitted and committed once they are released.
 */
async function heldUntilApplied(via: LedgerNode, lagging: LedgerNode, citing: DecodedTx): Promise<void> {
  let settled = false;
  const admitted = outcome(via.submit(citing.bytes)).finally(() => (settled = true));
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(settled).toBe(false);
  openGate(lagging);
  expect(await admitted).toEqual({ txId: citing.idHex });
  expect((await via.waitForCommit(citing.idHex, 10_000)).result.ok).toBe(true);
}

describe('a leader behind its own commit index', () => {
  it('waits to judge a citation of a document its follower already applied, and admits it once caught up', async () => {
    const network = await startInProcessNetwork(['customs', 'producer', 'importer'], { root, chainId, blockCutting: { maxTxs: 8, maxBytes: 16 << 20, maxWaitMs: 5, maxInflightBlocks: 4 } });
    nodes.push(...network.nodes);
    leader = await waitFor('a leader', () => nodes.find((n) => n.isLeader));
    follower = nodes.find((n) => n !== leader)!;
    await waitFor('the follower knows the leader', () => (follower.currentLeader === leader.peerId ? true : undefined));
    const term = leader.status().term;

    closeGate(leader);
    const cited = attachment(1, []);
    await committedOnFollowerOnly(cited);
    const citing = attachment(2, [cited.idHex]);
    // The leader holds its verdict while its block write waits, and admits the citation once it
    // has applied the cited document.
    await heldUntilApplied(follower, leader, citing);
    expect(leader.isLeader).toBe(true);
    expect(leader.status().term).toBe(term);

    // Not behind the follower, the leader judges at once: a citation of nothing is refused with its code.
    await waitFor('the leader applied the citing document', async () => ((await leader.store.getTxLocation(citing.id)) !== undefined ? true : undefined), 10_000);
    const dangling = attachment(3, [createHash('sha256').update('no such document').digest('hex')]);
    const refusedAt = performance.now();
    expect(await outcome(follower.submit(dangling.bytes))).toBe('REF_NOT_FOUND');
    expect(performance.now() - refusedAt).toBeLessThan(FORWARD_CATCH_UP_MAX_MS / 2);
  });

  it('judges a forwarded batch after FORWARD_CATCH_UP_MAX_MS when the leader cannot catch up', async () => {
    closeGate(leader);
    try {
      const cited = attachment(4, []);
      await committedOnFollowerOnly(cited);
      // The leader's block write does not come: the batch is judged at the limit, on what it has.
      const startedAt = performance.now();
      expect(await outcome(follower.submit(attachment(5, [cited.idHex]).bytes))).toBe('REF_NOT_FOUND');
      const waitedMs = performance.now() - startedAt;
      expect(waitedMs).toBeGreaterThanOrEqual(FORWARD_CATCH_UP_MAX_MS - 50);
      expect(waitedMs).toBeLessThan(FORWARD_CATCH_UP_MAX_MS + 2_000);
    } finally {
      openGate(leader);
    }
  });

  it('holds the verdict of a new leader that has not applied what its followers have, until it has', async () => {
    const next = nodes.find((n) => n !== leader && n !== follower)!;
    await waitFor('every node applied everything so far', async () => {
      const heights = await Promise.all(nodes.map(async (n) => (await n.store.head())?.height));
      return heights.every((h) => h === heights[0]) ? true : undefined;
    });
    closeGate(next);
    const cited = attachment(8, []);
    await committedOnFollowerOnly(cited, next);
    const term = leader.status().term;
    await leader.transferLeadership(next.peerId);
    await waitFor('the lagging node leads', () => (next.isLeader && next.status().term > term && follower.currentLeader === next.peerId ? true : undefined));
    expect(await next.store.getTxLocation(cited.id)).toBeUndefined();
    await heldUntilApplied(follower, next, attachment(9, [cited.idHex]));
    leader = next;
  });

  it('a leader that stops while a batch waits answers NODE_STOPPING (retry later), and the next leader admits the citation', async () => {
    await waitFor('the follower knows the leader', () => (follower.currentLeader === leader.peerId ? true : undefined));
    closeGate(leader);
    const cited = attachment(10, []);
    await committedOnFollowerOnly(cited);
    const citing = attachment(11, [cited.idHex]);
    const answered = outcome(follower.submit(citing.bytes));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stoppedAt = performance.now();
    const stopping = leader.stop();
    // Not a stale REF_NOT_FOUND but a 503 to retry, and at once rather than at the wait's limit.
    expect(await answered).toBe('NODE_STOPPING');
    expect(performance.now() - stoppedAt).toBeLessThan(FORWARD_CATCH_UP_MAX_MS / 2);
    openGate(leader);
    await stopping;
    // Retried as a client does, the next leader (which has applied the cited document) admits it.
    const stopped = leader;
    await waitFor('a new leader', () => (follower.currentLeader !== null && follower.currentLeader !== stopped.peerId ? true : undefined));
    expect(await outcome(follower.submit(citing.bytes))).toEqual({ txId: citing.idHex });
    expect((await follower.waitForCommit(citing.idHex, 10_000)).result.ok).toBe(true);
  });
});
