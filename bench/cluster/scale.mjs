// `--scale [count]`: tradeledger with a large ledger (1,000,000 transactions by default).
// - the committed rate with an empty ledger, then after `count` documents were committed (the same
//   closed-loop run both times), and their ratio;
// - restart to serving: a follower holding the ledger is stopped (SIGTERM) and started again; the
//   time until it prints its ready line (API up) and until it has caught up with the leader;
// - sync of a new node: a new organization (the examples' manufacturer) is added by governance
//   (org-add plus approvals of a majority of member organizations), its node started empty joins
//   as a Raft learner and fetches and verifies the whole ledger by block sync (the leader's Raft
//   log keeps only its last entries); the time until its head equals the leader's, in transactions
//   per second, next to the signature-verification limit measured in this process. (Emptying a
//   member's folder and restarting it would not do: Raft assumes a voter never loses what it
//   acknowledged, and the leader would keep treating it as up to date.)
//
// Owns: filling a network and the three scale measurements. Must never: count the fill itself as a
// measured rate (it is reported as what it is: a bulk load at full concurrency).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { approvalsRequired, publicKeyFromSeed, sign, signTx, verify } from '@tradeledger/ledger';
import { readExampleManifest, shiftExampleDates } from '@tradeledger/node';
import { EXAMPLES_DIR } from './network.mjs';
import { waitIdle, withLoadedNetwork } from './phases.mjs';

/** Transactions signed and sent per fill chunk (bounds the bench's memory: about 2 KiB each). */
const FILL_CHUNK_TXS = 50_000;

/** Ed25519 verifications per second on one core, node:crypto with a cached key (the nodes' hot path). */
function verifyRatePerCore() {
  const seed = new Uint8Array(32).fill(3);
  const key = publicKeyFromSeed(seed);
  const message = new Uint8Array(32).fill(1);
  const signature = sign(seed, message);
  for (let i = 0; i < 500; i++) verify(key, message, signature);
  const n = 5000;
  const started = performance.now();
  for (let i = 0; i < n; i++) if (!verify(key, message, signature)) throw new Error('verify failed');
  return n / ((performance.now() - started) / 1000);
}

async function fill(network, runner, pool, count, clients, say) {
  const signers = runner.signers.slice(0, clients);
  let sent = 0;
  let committed = 0;
  const started = performance.now();
  while (sent < count) {
    const chunk = Math.min(FILL_CHUNK_TXS, count - sent);
    const perLane = Math.ceil(chunk / signers.length);
    const signed = await pool.sign(signers.map((signer) => ({ signer, count: perLane })));
    // The fill goes to the leader, the shortest path (a follower forwards each document to it);
    // the fill is not what is measured.
    const leaderIndex = network.nodes.indexOf(await network.waitForLeader());
    const lanes = signers.map((signer, j) => ({ node: leaderIndex, items: signed[j], refill: () => [] }));
    // Each lane sends all of its items (no clock): a closed loop bounded by the items.
    const errors = {};
    await Promise.all(
      lanes.map(async (lane) => {
        for (const item of lane.items) {
          const outcome = await runner.target.send(lane.node, item.bytes);
          if (outcome.ok) committed++;
          else errors[outcome.code] = (errors[outcome.code] ?? 0) + 1;
        }
      }),
    );
    sent += perLane * signers.length;
    const elapsed = (performance.now() - started) / 1000;
    say(`  fill: ${committed.toLocaleString('en-US')} committed of ${sent.toLocaleString('en-US')} sent, ${Math.round(committed / elapsed)} tx/s overall (signing included)${Object.keys(errors).length > 0 ? `, errors ${JSON.stringify(errors)}` : ''}`);
  }
  return { sent, committed, seconds: (performance.now() - started) / 1000 };
}

const DAY_MS = 86_400_000;
/** The organization whose node joins in the sync measurement (examples/org-add.json adds it). */
const JOINER = 'manufacturer';

async function submitCommitted(network, node, tx, what) {
  const { status, body } = await network.api(node, '/v1/tx?wait=commit&timeoutMs=30000', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: tx.bytes });
  if (status !== 200 || body.result?.ok !== true) throw new Error(`${what}: HTTP ${status} ${JSON.stringify(body).slice(0, 400)}`);
}

/** org-add of the joiner's organization by the rights holder, approved by enough other members (one key each). */
async function addJoinerOrganization(network, leader) {
  const manifest = readExampleManifest(EXAMPLES_DIR);
  const days = Math.floor((Date.now() - Date.parse(manifest.timestamp)) / DAY_MS);
  const payload = shiftExampleDates(JSON.parse(readFileSync(join(EXAMPLES_DIR, 'org-add.json'), 'utf8')), days);
  // One key per member organization (its first): an organization approves once.
  const firstKeys = [];
  for (const signer of network.signers) if (!firstKeys.some((s) => s.orgName === signer.orgName)) firstKeys.push(signer);
  const signTxOf = (signer, kind, body) => signTx({ version: 1, chainId: network.chainId, kind, payload: body, signer: signer.publicKey, nonce: ++signer.nonce, timestamp: Date.now() }, signer.seed);
  const proposer = firstKeys.find((s) => s.orgName === 'rightsholder');
  const orgAdd = signTxOf(proposer, 'org-add', payload);
  await submitCommitted(network, leader, orgAdd, 'org-add');
  const required = approvalsRequired({ numerator: 1, denominator: 2 }, firstKeys.length);
  const approvers = firstKeys.filter((s) => s !== proposer).slice(0, required - 1);
  for (const approver of approvers) await submitCommitted(network, leader, signTxOf(approver, 'governance-approve', { proposal: orgAdd.idHex }), `approval by ${approver.orgName}`);
  return { approvals: approvers.length + 1, members: firstKeys.length };
}

async function waitForHeight(network, node, height, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await network.status(node).catch(() => undefined);
    if (status !== undefined && status.height >= height) return status;
    if (Date.now() > deadline) throw new Error(`${node.name} did not reach height ${height} within ${timeoutMs} ms (at ${status?.height})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function runScale({ count, benchProducers, timing, clients, say, verifyWorkers }) {
  say(`\nscale: ${count.toLocaleString('en-US')} transactions in the ledger (3 nodes)`);
  const networkOptions = { nodes: 3, benchProducers, label: 'scale', joiners: [JOINER], extraConfig: verifyWorkers === undefined ? undefined : { verifyWorkers } };
  return withLoadedNetwork(networkOptions, { timing, say }, async ({ network, runner, pool }) => {
    // Each size is measured twice: clients spread over the nodes (followers forward to the
    // leader), and every client on the leader (the fill's path).
    const empty = await runner.closed(clients);
    const emptyLeader = await runner.closed(clients, {}, { via: 'leader' });
    say(`  empty ledger: closed loop C=${clients}: ${Math.round(empty.committedPerSec)} tx/s, p99 ${Math.round(empty.latencyMs.p99)} ms; all to the leader ${Math.round(emptyLeader.committedPerSec)} tx/s`);
    const filled = await fill(network, runner, pool, count, clients, say);
    await waitIdle(network);
    const head = await network.waitForEqualHeads();
    const counters = await network.counters(network.nodes[0]);
    const ledgerTxs = counters.txsOk + counters.txsInvalid;
    const full = await runner.closed(clients);
    const fullLeader = await runner.closed(clients, {}, { via: 'leader' });
    say(`  ledger of ${ledgerTxs.toLocaleString('en-US')} txs (height ${head.height}): closed loop C=${clients}: ${Math.round(full.committedPerSec)} tx/s, p99 ${Math.round(full.latencyMs.p99)} ms — ${(full.committedPerSec / empty.committedPerSec).toFixed(2)}× the empty-ledger rate; all to the leader ${Math.round(fullLeader.committedPerSec)} tx/s — ${(fullLeader.committedPerSec / emptyLeader.committedPerSec).toFixed(2)}×`);

    // Restart to serving: a follower, stopped cleanly and started again.
    const leader = await network.waitForLeader();
    const follower = network.nodes.find((n) => n !== leader);
    await waitIdle(network);
    const heightBefore = (await network.status(leader)).height;
    await network.stop(follower);
    const restartStarted = performance.now();
    const readyMs = await network.start(follower);
    await waitForHeight(network, follower, heightBefore, 120_000);
    const caughtUpMs = performance.now() - restartStarted;
    say(`  restart of a follower holding the ledger: ready (API serving) after ${Math.round(readyMs)} ms, at the leader's head after ${Math.round(caughtUpMs)} ms`);

    // A new node: a new organization's node, added by governance, syncs the whole ledger.
    const governance = await addJoinerOrganization(network, await network.waitForLeader());
    const joiner = network.joiners[0];
    const target = (await network.status(leader)).height;
    const syncStarted = performance.now();
    await network.start(joiner);
    await waitForHeight(network, joiner, target, 3_600_000);
    const syncSec = (performance.now() - syncStarted) / 1000;
    const joinerStatus = await network.status(joiner);
    const joinerCounters = await network.counters(joiner);
    const syncedTxs = joinerCounters.txsOk + joinerCounters.txsInvalid;
    say(`  ${JOINER}'s node joined through governance (${governance.approvals} of ${governance.members} member organizations approved); synced ${joinerStatus.blocksSynced} blocks by block sync`);
    const syncRate = syncedTxs / syncSec;
    const perCore = verifyRatePerCore();
    const cores = (await import('node:os')).availableParallelism();
    const verificationLimit = (cores * perCore) / 3;
    say(`  new node sync: ${syncedTxs.toLocaleString('en-US')} txs in ${syncSec.toFixed(1)} s = ${Math.round(syncRate)} tx/s (${((syncRate / verificationLimit) * 100).toFixed(0)}% of the verification limit ${Math.round(verificationLimit)} tx/s = ${cores} cores × ${Math.round(perCore)} verifications/s ÷ 3 nodes)`);
    return {
      count,
      ledgerTxs,
      height: head.height,
      fill: filled,
      emptyCommittedPerSec: empty.committedPerSec,
      fullCommittedPerSec: full.committedPerSec,
      fullOverEmpty: full.committedPerSec / empty.committedPerSec,
      fullOverEmptyViaLeader: fullLeader.committedPerSec / emptyLeader.committedPerSec,
      empty,
      full,
      emptyLeader,
      fullLeader,
      restart: { readyMs, caughtUpMs },
      sync: { blocksSynced: joinerStatus.blocksSynced, txs: syncedTxs, seconds: syncSec, txsPerSec: syncRate, verifyPerCorePerSec: perCore, verificationLimitTxsPerSec: verificationLimit, shareOfLimit: syncRate / verificationLimit },
    };
  });
}
