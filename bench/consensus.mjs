#!/usr/bin/env node
// Consensus core throughput: proposals committed per second of CPU in a simulated cluster (all
// nodes in this process, a lossless in-memory network, MemoryRaftStorage), so the figure is the
// cost of the Raft state machine itself: no disk, no sockets, no encoding. Prints a table and
// writes bench/results/consensus.json:
//   { "date", "machine", "results": [ { name, opsPerSec, baselineOpsPerSec, ratio, unit } ] }
// The baseline is a one-node cluster measured in the same run (no replication at all).
// Build first: `pnpm exec tsc -b && node bench/consensus.mjs` (`--quick` for a smoke run).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryRaftStorage, RawNode, createPrng } from '@tradeledger/consensus';
import { machine, median, row } from './lib/measure.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const PROPOSALS_PER_RUN = quick ? 2_000 : 100_000;
const RUNS = quick ? 3 : 7;
/** Proposals a client keeps outstanding at the leader. */
const WINDOW = 256;

function cluster(size) {
  const ids = Array.from({ length: size }, (_, i) => `n${i + 1}`);
  const nodes = ids.map((id, i) => {
    const storage = MemoryRaftStorage.bootstrap(ids);
    const node = new RawNode({ id, storage, prng: createPrng(i + 1), electionTicks: 10, heartbeatTicks: 1 });
    return { id, storage, node, applied: 0 };
  });
  return { nodes, byId: new Map(nodes.map((n) => [n.id, n])), queue: [] };
}

/** One host round: every node persists, sends and applies its Ready; then messages are delivered. */
function round(c) {
  let busy = false;
  for (const n of c.nodes) {
    if (!n.node.hasReady()) continue;
    busy = true;
    const ready = n.node.ready();
    if (ready.snapshot !== undefined) n.storage.applySnapshot(ready.snapshot);
    n.storage.append(ready.entries);
    if (ready.hardState !== undefined) n.storage.setHardState(ready.hardState);
    for (const m of ready.messages) c.queue.push(m);
    for (const e of ready.committedEntries) if (e.data.length > 0) n.applied++;
    n.node.advance();
  }
  const batch = c.queue;
  c.queue = [];
  for (const m of batch) c.byId.get(m.to).node.step(m);
  return busy || batch.length > 0;
}

function elect(c) {
  // Apply the bootstrap entries first: a node campaigns only once it knows the configuration.
  for (let i = 0; i < 10 && round(c); i++);
  c.nodes[0].node.campaign();
  for (let i = 0; i < 100 && round(c); i++);
  if (c.nodes[0].node.status().role !== 'leader') throw new Error('n1 did not become leader');
}

/** Proposes `count` payloads through the leader and runs until all are applied everywhere. */
function drive(size, count, payloadBytes) {
  const c = cluster(size);
  elect(c);
  const leader = c.nodes[0];
  const payload = new Uint8Array(payloadBytes).fill(7);
  let proposed = 0;
  const started = process.cpuUsage();
  while (c.nodes.some((n) => n.applied < count)) {
    const status = leader.node.status();
    const outstanding = proposed - leader.applied;
    for (let i = outstanding; i < WINDOW && proposed < count; i++) {
      leader.node.propose(payload);
      proposed++;
    }
    if (!round(c) && proposed === count && c.nodes.some((n) => n.applied < count)) {
      // Idle with work left: a heartbeat carries the last commit index to followers.
      leader.node.tick();
    }
    if (status.role !== 'leader') throw new Error('leadership lost in a lossless run');
  }
  const cpu = process.cpuUsage(started);
  return (count * 1e6) / (cpu.user + cpu.system);
}

function measure(size, payloadBytes) {
  drive(size, Math.max(500, PROPOSALS_PER_RUN >> 2), payloadBytes);
  const rates = [];
  for (let i = 0; i < RUNS; i++) rates.push(drive(size, PROPOSALS_PER_RUN, payloadBytes));
  return median(rates);
}

const info = machine();
const date = new Date().toISOString();
console.log(`tradeledger bench consensus — ${date}`);
console.log(`${info.cpu} × ${info.cores}, Node ${info.node}, ${info.platform}${quick ? ' (quick)' : ''}`);
console.log(`proposals committed and applied on every node, per CPU second; window ${WINDOW}; median of ${RUNS} runs\n`);

// Warm the JIT on every shape before measuring anything.
for (const size of [1, 3, 5]) drive(size, PROPOSALS_PER_RUN, 256);

const results = [];
for (const payloadBytes of [256, 16 * 1024]) {
  const baseline = measure(1, payloadBytes);
  for (const size of [3, 5]) {
    const rate = measure(size, payloadBytes);
    const r = row(`raft ${size} nodes, ${payloadBytes} B entries`, rate, baseline, 'proposals/s (CPU)');
    results.push(r);
    console.log(`${r.name.padEnd(34)} ${Math.round(rate).toLocaleString('en-US').padStart(10)} ${r.unit}   1-node baseline ${Math.round(baseline).toLocaleString('en-US').padStart(10)}  ${r.ratio.toFixed(2)}×`);
  }
}

const out = join(here, 'results', quick ? 'consensus-quick.json' : 'consensus.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ date, machine: info, results }, null, 2)}\n`);
console.log(`\nwrote ${out}`);
