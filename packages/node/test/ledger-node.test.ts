// Three ledger nodes in one process on loopback: they elect a leader, order the example story
// submitted through different nodes, and end with the same head hash and state root. They run
// with a signature worker each, as in production, so the leader checks admissions on it.
import { describe, expect, it } from 'vitest';
import { decodeBlock, encodeCanonical, MerkleLog, sign, signingHashOf, toHex, trustedMembershipFromGenesis, verifyCertifiedHead, verifyInclusionAgainstHead } from '@tradeledger/ledger';
import { exampleSubmissions } from '../src/examples.js';
import { EXAMPLES_DIR, startInProcessNetwork, nodeFixture, waitFor } from './support/example-network.js';

const SIGNERS = ['customs', 'producer', 'importer'] as const;
const { root, nodes } = nodeFixture('tl-node-');

describe('a three-node network in one process', () => {
  it('orders the example story and every node ends with the same head and state root', async () => {
    const network = await startInProcessNetwork(SIGNERS, { root, chainId: 'tradeledger-test', blockCutting: { maxTxs: 64, maxBytes: 1 << 20, maxWaitMs: 5, maxInflightBlocks: 4 }, verifyWorkers: 1 });
    nodes.push(...network.nodes);
    const { genesis } = network;
    const leader = await waitFor('a leader', () => nodes.find((n) => n.isLeader));
    expect(nodes.filter((n) => n.isLeader)).toHaveLength(1);

    const submissions = exampleSubmissions(EXAMPLES_DIR, { nowMs: Date.now(), stopBefore: 'license-revoke', chainId: genesis.chainId });
    expect(submissions.length).toBeGreaterThan(15);
    for (const [i, submission] of submissions.entries()) {
      const via = nodes[i % nodes.length]!;
      const { txId } = await waitFor(`submission ${submission.name}`, async () => via.submit(submission.tx.bytes).catch((error: { code?: string }) => (error.code === 'NO_LEADER' ? undefined : Promise.reject(error))));
      expect(txId).toBe(submission.tx.idHex);
      const committed = await via.waitForCommit(txId, 10_000);
      expect(committed.result, `${submission.name} via ${i % nodes.length}`).toEqual({ ok: true });
    }
    // A forgery (another key's signature under a member's signer), at the leader and forwarded.
    const { signature: _signature, ...unsigned } = submissions.at(-1)!.tx.tx;
    const forged = encodeCanonical({ ...unsigned, nonce: unsigned.nonce + 1, signature: sign(new Uint8Array(32).fill(99), signingHashOf({ ...unsigned, nonce: unsigned.nonce + 1 })) });
    const follower = nodes.find((n) => !n.isLeader)!;
    for (const via of [leader, follower]) {
      await expect(via.submit(forged), via === leader ? 'at the leader' : 'forwarded').rejects.toMatchObject({ code: 'TX_SIGNATURE_INVALID', status: 400 });
    }
    const heads = await waitFor('equal heads', async () => {
      const all = await Promise.all(nodes.map((n) => n.store.head()));
      const last = submissions.at(-1)!.tx.id;
      const locations = await Promise.all(nodes.map((n) => n.store.getTxLocation(last)));
      return locations.every((l) => l !== undefined) && all.every((h) => h !== undefined && h.height === all[0]!.height) ? all : undefined;
    });
    expect(new Set(heads.map((h) => toHex(h!.blockHash))).size).toBe(1);
    expect(new Set(heads.map((h) => toHex(h!.stateRoot))).size).toBe(1);
    expect(heads[0]!.logSize).toBe(submissions.length);
    // Each node loaded its store's key filter once it ran (a deferred load, not left undone).
    for (const node of nodes) expect(await node.store.keyFilterLoaded()).toMatchObject({ complete: true });

    // Cosigned heads: every node certifies the final head with a quorum of organizations, and an
    // inclusion proof checks against it offline with the light client alone.
    const finalHeight = heads[0]!.height;
    const certified = await waitFor('certified heads', () => {
      const all = nodes.map((n) => n.cosigner.certifiedHead());
      return all.every((c) => c !== undefined && c.checkpoint.height === finalHeight) ? all : undefined;
    });
    const membership = trustedMembershipFromGenesis(genesis.config as Parameters<typeof trustedMembershipFromGenesis>[0]);
    expect(membership.threshold).toBe(2);
    const head = certified[0]!;
    expect(verifyCertifiedHead(head, membership).ok).toBe(true);
    const entry = submissions.find((s) => s.name === 'entry')!;
    const location = (await nodes[0]!.store.getTxLocation(entry.tx.id))!;
    const block = decodeBlock((await nodes[0]!.store.getBlock(location.height))!);
    const leafIndex = block.header.logSize - block.txs.length + location.position;
    const storeHead = (await nodes[0]!.store.head())!;
    const proof = await MerkleLog.fromFrontier(storeHead.logSize, storeHead.frontier).inclusionProof(nodes[0]!.store, leafIndex, head.checkpoint.logSize);
    expect(verifyInclusionAgainstHead({ membership, head, proof, leaf: { txBytes: entry.tx.bytes } })).toMatchObject({ verified: true });
    // A head signed by one organization only is not certified.
    const lonely = { ...head, signatures: head.signatures.slice(0, 1) };
    expect(verifyInclusionAgainstHead({ membership, head: lonely, proof })).toMatchObject({ verified: false });
  });
});
