// Three organizations' nodes as real processes on loopback (issue 5):
// - documents of every kind submitted through different nodes; every node reaches the same head
//   hash and state root;
// - the leader killed with SIGKILL under steady load: a new leader is elected, and every
//   transaction acknowledged as committed is on every node after the old leader restarts;
// - a follower stopped with SIGSTOP falls behind past the Raft log's retention, and after SIGCONT
//   catches up by block sync.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleSubmissions } from '@tradeledger/node';
import { Cluster, EXAMPLES_DIR, waitFor } from '../support/cluster.js';
import { attachmentTxs } from '../support/load.js';

const SIGNERS = ['customs', 'producer', 'importer'];
let cluster: Cluster;

beforeAll(async () => {
  cluster = await Cluster.create({ founders: SIGNERS, raft: { retainEntries: 16 } });
  await cluster.startAll(SIGNERS);
});
afterAll(async () => {
  await cluster?.stopAll();
  cluster?.remove();
});

async function leader(): Promise<string> {
  return waitFor('one leader', async () => {
    const statuses = await Promise.all(SIGNERS.map(async (s) => ({ s, st: await cluster.status(s).catch(() => undefined) })));
    const leaders = statuses.filter((x) => x.st?.role === 'leader');
    return leaders.length === 1 ? leaders[0]!.s : undefined;
  });
}

async function sameHeads(signers: readonly string[], atLeast = 0): Promise<{ headHash: string; height: number }> {
  return waitFor('equal heads', async () => {
    const statuses = await Promise.all(signers.map((s) => cluster.status(s)));
    const first = statuses[0]!;
    return first.height >= atLeast && statuses.every((st) => st.headHash === first.headHash) ? first : undefined;
  }, 60_000);
}

describe('a three-node network of processes', () => {
  it('orders documents of every kind submitted through different nodes to one head', async () => {
    await leader();
    const submissions = exampleSubmissions(EXAMPLES_DIR, { nowMs: Date.now(), stopBefore: 'key-rotate', chainId: cluster.genesis.chainId });
    const kinds = new Set(submissions.map((s) => s.kind));
    expect(kinds.size).toBeGreaterThanOrEqual(14);
    for (const [i, submission] of submissions.entries()) {
      const { status, body } = await cluster.submit(SIGNERS[i % 3]!, submission.tx.bytes);
      expect(status, `${submission.name}: ${JSON.stringify(body)}`).toBe(200);
      expect(body.result, submission.name).toEqual({ ok: true });
    }
    const head = await sameHeads(SIGNERS);
    const roots = await Promise.all(SIGNERS.map(async (s) => (await cluster.api<{ stateRoot: string; hash: string }>(s, '/v1/head')).body));
    expect(new Set(roots.map((r) => r.stateRoot)).size).toBe(1);
    expect(roots[0]!.hash).toBe(head.headHash);
  });

  it('loses nothing acknowledged when the leader is killed under load', async () => {
    const oldLeader = await leader();
    const followers = SIGNERS.filter((s) => s !== oldLeader);
    // Four clients, each signing as its own organization and sending its documents one after
    // another, as a client must (a signer's nonces increase: two clients sharing one signer would
    // make a retried document arrive after a later nonce and be refused as a replay).
    const lanes = ['retailer', 'importer', 'producer', 'broker'].map((signer) => attachmentTxs(cluster.genesis.chainId, signer, 30, 1000, 'kill'));
    const txs = lanes.flat();
    const acknowledged: string[] = [];
    let killed = false;
    const load = (async () => {
      let sent = 0;
      const worker = async (lane: typeof txs) => {
        for (const tx of lane) {
          const via = followers[sent++ % followers.length]!;
          const answer = await cluster.submit(via, tx.bytes).catch(() => undefined);
          if (answer?.status === 200 && answer.body.result?.ok === true) acknowledged.push(tx.idHex);
        }
      };
      await Promise.all(lanes.map((lane) => worker(lane)));
    })();
    await waitFor('some commits before the kill', () => acknowledged.length >= 20);
    await cluster.kill(oldLeader);
    killed = true;
    try {
      await load;
      expect(killed).toBe(true);
      const newLeader = await waitFor('a new leader', async () => {
        const statuses = await Promise.all(followers.map(async (s) => ({ s, st: await cluster.status(s) })));
        return statuses.find((x) => x.st.role === 'leader')?.s;
      });
      expect(newLeader).not.toBe(oldLeader);
      // Submissions that met the dead leader are answered LEADER_UNREACHABLE (503) and retried
      // by the client, so nearly all of them end up committed under the new leader.
      expect(acknowledged.length).toBeGreaterThan(100);
    } finally {
      // Whatever happened above, the next test starts with all three nodes running.
      await cluster.start(oldLeader);
    }
    await sameHeads(SIGNERS);
    for (const signer of SIGNERS) {
      for (const txId of acknowledged) {
        const { status } = await cluster.api(signer, `/v1/tx/${txId}`);
        expect(status, `${txId} on ${signer}`).toBe(200);
      }
    }
  });

  it('a follower stopped with SIGSTOP catches up by block sync after SIGCONT', async () => {
    const current = await leader();
    const stopped = SIGNERS.find((s) => s !== current)!;
    const via = SIGNERS.find((s) => s !== current && s !== stopped)!;
    cluster.signal(stopped, 'SIGSTOP');
    try {
      // Enough blocks that the Raft log (retaining 16 entries) no longer holds what it missed.
      const txs = attachmentTxs(cluster.genesis.chainId, 'rightsholder', 60, 5000, 'stop');
      for (const tx of txs) {
        const { status, body } = await cluster.submit(via, tx.bytes);
        expect(status, JSON.stringify(body)).toBe(200);
      }
    } finally {
      cluster.signal(stopped, 'SIGCONT');
    }
    const head = await sameHeads(SIGNERS);
    expect(head.height).toBeGreaterThan(60);
    const synced = ((await cluster.status(stopped)) as unknown as { blocksSynced: number }).blocksSynced;
    expect(synced, 'blocks the stopped follower fetched by block sync').toBeGreaterThan(0);
  });
});
