// A fourth organization's node joins through governance (issue 5): the organization is added by
// an `org-add` proposal approved by a majority of member organizations; the leader then adds its
// node as a Raft learner, the node syncs the ledger, and is promoted to voter once caught up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleSubmissions } from '@tradeledger/node';
import { Cluster, EXAMPLES_DIR, waitFor } from '../support/cluster.js';

const FOUNDERS = ['customs', 'producer', 'importer'];
let cluster: Cluster;

beforeAll(async () => {
  cluster = await Cluster.create({ founders: FOUNDERS, extra: ['manufacturer'] });
  await cluster.startAll(FOUNDERS);
});
afterAll(async () => {
  await cluster?.stopAll();
  cluster?.remove();
});

describe('membership through governance', () => {
  it('adds a new organization’s node as a learner, syncs it, and makes it a voter', async () => {
    const all = exampleSubmissions(EXAMPLES_DIR, { nowMs: Date.now(), chainId: cluster.genesis.chainId });
    const story = all.slice(0, all.findIndex((s) => s.name === 'license'));
    expect(story.map((s) => s.kind)).toEqual(['right', 'org-add', 'governance-approve', 'governance-approve', 'governance-approve']);
    for (const submission of story) {
      const { status, body } = await cluster.submit('customs', submission.tx.bytes);
      expect(status, `${submission.name}: ${JSON.stringify(body)}`).toBe(200);
      expect(body.result, submission.name).toEqual({ ok: true });
    }
    const newcomer = cluster.node('manufacturer');
    await cluster.start('manufacturer');
    const promoted = await waitFor(
      'the new node as a voter',
      async () => {
        const statuses = await Promise.all(FOUNDERS.map((s) => cluster.status(s)));
        const leader = statuses.find((st) => st.role === 'leader');
        return leader !== undefined && leader.voters.includes(newcomer.peerId) ? leader : undefined;
      },
      60_000,
    );
    expect(promoted.voters).toHaveLength(4);
    expect(promoted.learners).toEqual([]);
    // The newcomer holds the same ledger and takes part in ordering new documents.
    const license = all.find((s) => s.name === 'license')!;
    const { status, body } = await cluster.submit('manufacturer', license.tx.bytes);
    expect(status, JSON.stringify(body)).toBe(200);
    await waitFor('the same head everywhere', async () => {
      const statuses = await Promise.all([...FOUNDERS, 'manufacturer'].map((s) => cluster.status(s)));
      return statuses.every((st) => st.headHash === statuses[0]!.headHash && st.height > 0) ? true : undefined;
    }, 30_000);
  });
});
