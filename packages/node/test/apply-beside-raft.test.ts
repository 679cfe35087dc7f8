// Applying a block can take far longer than a Raft round (a large block, a slow disk). The Raft
// loop must keep answering meanwhile: here both followers take a second to write each block, ten
// times the election timeout of this network (20 ms ticks x 10). If they applied inside the Raft
// loop, their acknowledgements and heartbeat answers would wait for the write, the leader would
// lose its quorum (CheckQuorum) and step down; applied beside the loop, nothing changes leader.
import { describe, expect, it } from 'vitest';
import { LedgerError, toHex, type BlockCommit } from '@tradeledger/ledger';
import type { LedgerNode } from '../src/ledger-node.js';
import { attachmentTxs } from '../../../test/support/load.js';
import { startInProcessNetwork, nodeFixture, waitFor } from './support/example-network.js';

const { root, nodes } = nodeFixture('tl-apply-beside-');

describe('applying blocks beside the Raft loop', () => {
  it('keeps the leader when followers take ten election timeouts to write each block', async () => {
    const chainId = 'tradeledger-apply-beside';
    const network = await startInProcessNetwork(['customs', 'producer', 'importer'], { root, chainId, blockCutting: { maxTxs: 5, maxBytes: 16 << 20, maxWaitMs: 5, maxInflightBlocks: 4 } });
    nodes.push(...network.nodes);
    const leader = await waitFor('a leader', () => nodes.find((n) => n.isLeader));
    const followers = nodes.filter((n) => n !== leader);
    await waitFor('followers know the leader', () => (followers.every((f) => f.currentLeader === leader.peerId) ? true : undefined));
    const term = leader.status().term;
    for (const follower of followers) {
      const store = follower.store as unknown as { commitBlock: (commit: BlockCommit, ...rest: unknown[]) => Promise<void> };
      const write = store.commitBlock.bind(follower.store);
      store.commitBlock = async (commit, ...rest) => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        return write(commit, ...rest);
      };
    }
    const txs = attachmentTxs(chainId, 'retailer', 12, 1, 'slow-apply');
    for (const tx of txs) await leader.submit(tx.bytes);
    // The leader commits and applies with the followers' Raft logs, whatever their stores do.
    const committed = await Promise.all(txs.map((tx) => leader.waitForCommit(tx.idHex, 10_000)));
    expect(committed.every((c) => c.result.ok)).toBe(true);
    const head = (await leader.store.head())!;
    await waitFor('followers applied every block', async () => {
      const heads = await Promise.all(followers.map((f) => f.store.head()));
      return heads.every((h) => h !== undefined && toHex(h.blockHash) === toHex(head.blockHash)) ? true : undefined;
    }, 20_000);
    expect(leader.isLeader).toBe(true);
    expect(nodes.map((n) => n.status().term)).toEqual(nodes.map(() => term));
  });

  it('takes a node that halts out of Raft: it appends and acknowledges nothing more', async () => {
    const leader = await waitFor('a leader', () => nodes.find((n) => n.isLeader));
    const [victim, other] = nodes.filter((n) => n !== leader) as [LedgerNode, LedgerNode];
    const store = victim.store as unknown as { commitBlock: (commit: BlockCommit, ...rest: unknown[]) => Promise<void> };
    store.commitBlock = async () => {
      throw new LedgerError('STORE_WRITE_FAILED', 'the disk is gone (test)');
    };
    // A slow Raft log write, so messages keep arriving while the loop is busy when the node halts.
    const raftStorage = (victim as unknown as { raftStorage: { persist: (...args: unknown[]) => Promise<void> } }).raftStorage;
    const persist = raftStorage.persist.bind(raftStorage);
    raftStorage.persist = async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return persist(...args);
    };
    const chainId = 'tradeledger-apply-beside';
    const first = attachmentTxs(chainId, 'retailer', 3, 100, 'halt');
    for (const tx of first) await leader.submit(tx.bytes);
    await waitFor('the node halts', () => (victim.halted !== undefined ? true : undefined), 10_000);
    expect(victim.halted?.code).toBe('STORE_WRITE_FAILED');
    const lastIndex = victim.status().raftLastIndex;
    // The other two keep ordering; the halted node's Raft log does not move.
    const more = attachmentTxs(chainId, 'retailer', 6, 200, 'after-halt');
    for (const tx of more) await leader.submit(tx.bytes);
    await Promise.all(more.map((tx) => other.waitForCommit(tx.idHex, 10_000)));
    expect(leader.status().raftLastIndex).toBeGreaterThan(lastIndex);
    expect(victim.status().raftLastIndex).toBe(lastIndex);
    expect(victim.status().appliedIndex).toBeLessThan(lastIndex);
  });
});
