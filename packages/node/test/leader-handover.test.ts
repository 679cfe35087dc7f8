// A leader that loses leadership hands what it holds to the next leader. Three nodes in one
// process cut a block only at 40 pending transactions; 39 wait in the leader's mempool when
// leadership moves to a follower. The new leader must receive those 39 (the fortieth, sent to it
// afterwards, fills the block), so every client waiting on any of the forty sees it committed;
// without the hand-over the new leader would hold one transaction and never cut.
import { describe, expect, it } from 'vitest';
import { attachmentTxs } from '../../../test/support/load.js';
import { startInProcessNetwork, nodeFixture, waitFor } from './support/example-network.js';

const SIGNERS = ['customs', 'producer', 'importer'] as const;
const BLOCK_TXS = 40;
const { root, nodes } = nodeFixture('tl-handover-');

describe('leadership hand-over', () => {
  it('passes the old leader’s pending transactions to the new leader, and every waiting client sees its commit', async () => {
    // Only a full block is cut: nothing leaves a mempool by time.
    const network = await startInProcessNetwork(SIGNERS, { root, chainId: 'tradeledger-handover', blockCutting: { maxTxs: BLOCK_TXS, maxBytes: 16 << 20, maxWaitMs: 600_000, maxInflightBlocks: 4 } });
    nodes.push(...network.nodes);
    const { genesis, ids } = network;
    const leader = await waitFor('a leader', () => nodes.find((n) => n.isLeader));
    const leaderIndex = nodes.indexOf(leader);
    const successor = nodes[(leaderIndex + 1) % nodes.length]!;
    const successorPeerId = ids[(leaderIndex + 1) % nodes.length]!.peerId;

    const txs = attachmentTxs(genesis.chainId, 'retailer', BLOCK_TXS, 1, 'handover');
    const held = txs.slice(0, BLOCK_TXS - 1);
    for (const tx of held) await leader.submit(tx.bytes);
    // Clients wait on the successor, which will not have seen these transactions itself.
    const waiting = held.map((tx) => successor.waitForCommit(tx.idHex, 15_000));
    expect((await leader.store.head())!.logSize).toBe(0);

    await leader.transferLeadership(successorPeerId);
    await waitFor('the successor leads', () => (successor.isLeader && !leader.isLeader ? true : undefined), 10_000);
    // The last transaction fills the block only if the other 39 reached the new leader.
    const last = txs[BLOCK_TXS - 1]!;
    await waitFor('the hand-over', async () => successor.submit(last.bytes).then(() => true).catch((error: { code?: string }) => (error.code === 'NO_LEADER' ? undefined : Promise.reject(error))), 10_000);
    const committed = await Promise.all([...waiting, successor.waitForCommit(last.idHex, 15_000)]);
    expect(committed.map((c) => c.result)).toEqual(txs.map(() => ({ ok: true })));
    expect(new Set(committed.map((c) => c.height)).size).toBe(1);
    await expect(leader.transferLeadership(successorPeerId)).rejects.toThrow();
  });
});
