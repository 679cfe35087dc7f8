// A deterministic cluster simulation: N Raft nodes in one process over a seeded network, with
// crashes that lose unpersisted state, partitions (symmetric and asymmetric), drops, duplicates,
// reordering, tick-rate skew, slow disks, compaction with snapshot catch-up, membership changes,
// leader transfers and ReadIndex reads, all while faults happen. Safety is checked after every
// event; after the faults heal, a leader must emerge and a new proposal must be committed
// within livenessBound() time units (each node ticks 0.5 to 1.5 times per unit).
// Everything derives from the seed.

import type { ConfChange, Message, NodeId, Prng, UnsafeTestingFlags } from '../../src/index.js';
import { ConsensusError, createPrng, MemoryRaftStorage, randomInt, randomUnit } from '../../src/index.js';
import { SafetyChecker, SimViolation } from './checker.js';
import type { HostOptions } from './host.js';
import { SimHost } from './host.js';
import { SimNetwork } from './network.js';

export interface SimOptions {
  readonly seed: number;
  /** Time units with faults. */
  readonly chaosSteps?: number;
  /** Time units after healing in which liveness must show. */
  readonly healSteps?: number;
  readonly unsafe?: UnsafeTestingFlags;
  /** Fixes the cluster size instead of drawing 3, 5 or 7 from the seed. */
  readonly nodes?: number;
  /** Overrides drawn per-seed settings (tests of one feature). */
  readonly overrides?: Partial<HostOptions>;
  /** Called after every time unit (debugging a seed). */
  readonly onStep?: (sim: Simulation, phase: 'chaos' | 'heal') => void;
}

export interface SimResult {
  readonly seed: number;
  readonly violation: SimViolation | null;
  readonly steps: number;
  readonly stats: {
    nodes: number;
    committed: number;
    acked: number;
    leadersElected: number;
    crashes: number;
    confChanges: number;
    snapshotsFetched: number;
    reads: number;
    transfers: number;
    messages: number;
    healedAt: number;
    liveAfterTicks: number;
    livenessBound: number;
  };
}

export const ELECTION_TICKS = 10;
/**
 * After healing, a leader is elected and a new proposal committed within this many time units
 * (each node ticks 0.5..1.5 times a unit): room for a CheckQuorum step-down, leases to expire,
 * and a few split pre-votes at the slowest tick rate...
 */
export const LIVENESS_BOUND_STEPS = 20 * ELECTION_TICKS;
/**
 * ...plus this many units per append window a lagging voter must catch up (after healing a
 * round trip takes at most 4 units): when the voter the quorum needs is N entries behind, at
 * maxEntriesPerAppend x maxInflightAppends entries per round trip.
 */
export const CATCH_UP_STEPS_PER_WINDOW = 4;

/** The liveness bound for a healed cluster whose most lagging log is `gapEntries` behind. */
export function livenessBound(gapEntries: number, options: Pick<HostOptions, 'maxEntriesPerAppend' | 'maxInflightAppends'>): number {
  return LIVENESS_BOUND_STEPS + CATCH_UP_STEPS_PER_WINDOW * Math.ceil(gapEntries / (options.maxEntriesPerAppend * options.maxInflightAppends));
}

/** Proposals a client keeps outstanding at a leader (uncommitted entries it adds to). */
export const PROPOSAL_WINDOW = 16;

const encoder = new TextEncoder();

function pick<T>(prng: Prng, items: readonly T[]): T {
  if (items.length === 0) throw new Error('pick from nothing');
  return items[randomInt(prng, items.length)] as T;
}

function chance(prng: Prng, p: number): boolean {
  return randomUnit(prng) < p;
}

export class Simulation {
  readonly prng: Prng;
  readonly network: SimNetwork;
  readonly checker = new SafetyChecker();
  readonly hosts = new Map<NodeId, SimHost>();
  readonly options: HostOptions;
  now = 0;
  readonly profile: 'mixed' | 'churn';
  /** The node the churn profile cut off from everyone, if any. */
  private isolated: NodeId | null = null;
  private nextNodeNumber: number;
  private nextProposal = 1;
  /** Proposals in flight per node: index -> key; acknowledged once that node applies them. */
  private readonly proposals = new Map<NodeId, Map<number, string>>();
  readonly acked: { index: number; key: string }[] = [];
  private readonly reads = new Map<string, { minIndex: number }>();
  private readSeq = 0;
  stats = { confChanges: 0, snapshotsFetched: 0, reads: 0, transfers: 0 };

  constructor(
    readonly seed: number,
    nodes: number | undefined,
    unsafe: UnsafeTestingFlags | undefined,
    overrides: Partial<HostOptions> = {},
  ) {
    this.prng = createPrng(seed);
    this.network = new SimNetwork(createPrng(this.prng.nextUint32()));
    // One seed in four runs the leader-churn profile: small clusters, one entry per append, and
    // fresh leaders cut off at once, so logs of several terms diverge (the Figure 8 shapes).
    this.profile = seed % 4 === 0 ? 'churn' : 'mixed';
    const churn = this.profile === 'churn';
    const size = nodes ?? (churn ? pick(this.prng, [3, 3, 5]) : pick(this.prng, [3, 3, 3, 5, 5, 7]));
    this.options = {
      electionTicks: ELECTION_TICKS,
      heartbeatTicks: pick(this.prng, [1, 2, 3]),
      preVote: chance(this.prng, 0.8),
      checkQuorum: chance(this.prng, 0.8),
      maxEntriesPerAppend: churn ? 1 : pick(this.prng, [1, 2, 8, 64]),
      maxInflightAppends: churn ? pick(this.prng, [1, 2]) : pick(this.prng, [1, 2, 4, 16]),
      parallelLeaderWrite: chance(this.prng, 0.5),
      ...(unsafe === undefined ? {} : { unsafe }),
      ...overrides,
    };
    const ids = Array.from({ length: size }, (_, i) => `n${i + 1}`);
    this.nextNodeNumber = size + 1;
    for (const id of ids) this.addHost(id, MemoryRaftStorage.bootstrap(ids));
    this.network.faults = {
      dropRate: pick(this.prng, [0, 0.01, 0.05, 0.15]),
      duplicateRate: pick(this.prng, [0, 0.02, 0.1]),
      maxExtraDelay: pick(this.prng, [0, 1, 3, 6]),
    };
  }

  private addHost(id: NodeId, storage: MemoryRaftStorage): SimHost {
    const host = new SimHost(id, storage, this.options, this.checker);
    host.tickRate = 0.6 + randomUnit(this.prng) * 0.8;
    host.readSink = (reads) => this.checkReadStates(reads);
    host.start(createPrng(this.prng.nextUint32()));
    this.hosts.set(id, host);
    this.proposals.set(id, new Map());
    return host;
  }

  leaders(): SimHost[] {
    const out: SimHost[] = [];
    for (const host of this.hosts.values()) if (host.node?.status().role === 'leader') out.push(host);
    return out;
  }

  /** The leader of the highest term, if any. */
  leader(): SimHost | undefined {
    let best: SimHost | undefined;
    let bestTerm = -1;
    for (const host of this.leaders()) {
      const term = (host.node as NonNullable<SimHost['node']>).status().term;
      if (term > bestTerm) {
        best = host;
        bestTerm = term;
      }
    }
    return best;
  }

  /** Members by the configuration of the most recent leader's view, else the founding one. */
  members(): NodeId[] {
    const leader = this.leader();
    if (leader?.node) {
      const conf = leader.node.confState();
      return [...conf.voters, ...conf.learners];
    }
    let best: { commit: number; ids: NodeId[] } = { commit: -1, ids: [] };
    for (const host of this.hosts.values()) {
      if (!host.node) continue;
      const status = host.node.status();
      if (status.applied > best.commit) best = { commit: status.applied, ids: [...status.confState.voters, ...status.confState.learners] };
    }
    return best.ids;
  }

  // ------------------------------------------------------------ client actions

  propose(host: SimHost): boolean {
    return this.proposeProbe(host) !== null;
  }

  /** Proposes at `host`; returns where the entry went, or null when the node refused. */
  proposeProbe(host: SimHost): { index: number; key: string } | null {
    const node = host.node;
    if (node === null || !host.idle()) return null;
    const payload = `p${this.nextProposal++}`;
    let placed: { index: number; key: string };
    try {
      const { index, term } = node.propose(encoder.encode(payload));
      placed = { index, key: `${term}/n/${payload}` };
    } catch (error) {
      if (!(error instanceof ConsensusError) || error.code === 'INVARIANT_BROKEN') throw error;
      return null;
    }
    (this.proposals.get(host.id) as Map<number, string>).set(placed.index, placed.key);
    host.check();
    return placed;
  }

  private confChange(host: SimHost): void {
    const node = host.node;
    if (node === null || !host.idle()) return;
    const conf = node.confState();
    const options: ConfChange[] = [];
    if (conf.voters.length + conf.learners.length < 9) options.push({ type: 'addLearner', nodeId: `n${this.nextNodeNumber}` });
    for (const learner of conf.learners) options.push({ type: 'addVoter', nodeId: learner });
    if (conf.voters.length > 2) for (const voter of conf.voters) options.push({ type: 'removeNode', nodeId: voter });
    const change = pick(this.prng, options);
    try {
      node.proposeConfChange(change);
    } catch (error) {
      if (!(error instanceof ConsensusError) || error.code === 'INVARIANT_BROKEN') throw error;
      return;
    }
    this.stats.confChanges++;
    if (change.type === 'addLearner') {
      // The new member's host starts with an empty disk and learns everything from the log.
      this.nextNodeNumber++;
      this.addHost(change.nodeId, new MemoryRaftStorage());
    }
    host.check();
  }

  private readIndex(host: SimHost): void {
    const node = host.node;
    if (node === null || !host.idle()) return;
    const context = `${host.id}:r${this.readSeq++}`;
    try {
      node.readIndex(encoder.encode(context));
    } catch (error) {
      if (!(error instanceof ConsensusError) || error.code === 'INVARIANT_BROKEN') throw error;
      return;
    }
    // Linearizable: the answer must cover everything known committed now.
    this.reads.set(context, { minIndex: this.checker.committedLength() });
    host.check();
  }

  // ------------------------------------------------------------ the clock

  /** One time unit: ticks (with skew), deliveries, Ready processing, fetches. */
  step(options: { slowDisk: number; finishRate: number }): void {
    this.now++;
    for (const host of this.hosts.values()) {
      if (!host.idle()) continue;
      host.tickCredit += host.tickRate;
      while (host.tickCredit >= 1) {
        host.tickCredit -= 1;
        (host.node as NonNullable<SimHost['node']>).tick();
        host.check();
      }
    }
    const due = this.network.takeDue(this.now, (to) => {
      const host = this.hosts.get(to);
      return host === undefined || host.node === null || host.pending === null;
    });
    for (const message of due) this.deliver(message);
    for (const host of this.hosts.values()) {
      if (host.pending !== null) {
        if (chance(this.prng, options.finishRate)) this.sendAll(host.finishReady());
        host.check();
        this.noteApplied(host);
        continue;
      }
      if (!host.alive() || chance(this.prng, options.slowDisk)) continue;
      const leaderSplit = host.node?.status().role === 'leader' && chance(this.prng, 0.5);
      const { send } = host.takeReady(leaderSplit);
      this.sendAll(send);
      host.check();
      this.noteApplied(host);
    }
    for (const host of this.hosts.values()) {
      const fetch = host.fetch;
      if (fetch === null || !host.idle()) continue;
      if (fetch.at < 0) {
        host.fetch = { ...fetch, at: this.now + 1 + randomInt(this.prng, 5) };
        continue;
      }
      if (fetch.at > this.now) continue;
      const peer = this.hosts.get(fetch.from);
      if (peer === undefined || peer.node === null || this.network.isCut(fetch.from, host.id) || this.network.isCut(host.id, fetch.from)) {
        host.fetch = null;
        continue;
      }
      if (host.completeFetch(peer)) this.stats.snapshotsFetched++;
      host.check();
    }
  }

  private deliver(message: Message): void {
    const host = this.hosts.get(message.to);
    if (host === undefined || host.node === null) return;
    host.node.step(message);
    host.check();
  }

  private sendAll(messages: readonly Message[]): void {
    for (const message of messages) this.network.send(message, this.now);
  }

  /** Acknowledges proposals the proposing node has applied, and checks read states. */
  private noteApplied(host: SimHost): void {
    const mine = this.proposals.get(host.id) as Map<number, string>;
    if (mine.size > 0) {
      for (const [index, key] of mine) {
        if (index > host.appliedIndex()) continue;
        mine.delete(index);
        if (host.appliedKeys[index] === key) this.acked.push({ index, key });
      }
    }
  }

  /** A read index must cover every commit known when the read was asked. */
  checkReadStates(contexts: readonly { index: number; context: Uint8Array }[]): void {
    for (const read of contexts) {
      const context = new TextDecoder().decode(read.context);
      const asked = this.reads.get(context);
      if (asked === undefined) continue;
      this.reads.delete(context);
      this.stats.reads++;
      if (read.index < asked.minIndex) {
        throw new SimViolation('read-linearizability', `read ${context} got index ${read.index}, but ${asked.minIndex} was committed when it was asked`);
      }
    }
  }

  // ------------------------------------------------------------ faults

  chaos(): void {
    const prng = this.prng;
    const hosts = [...this.hosts.values()];
    const live = hosts.filter((h) => h.alive());
    const leader = this.leader();
    if (leader?.node && chance(prng, 0.35)) {
      // Clients keep a bounded window of outstanding proposals, as the node's mempool would.
      const status = leader.node.status();
      const burst = Math.min(1 + randomInt(prng, 3), PROPOSAL_WINDOW - (status.lastIndex - status.commit));
      for (let i = 0; i < burst; i++) this.propose(leader);
    }
    if (chance(prng, 0.05)) {
      const host = pick(prng, live.length > 0 ? live : hosts);
      this.readIndex(host);
    }
    if (live.length > 0 && chance(prng, 0.012)) {
      const victim = pick(prng, live);
      victim.crash();
      this.network.dropTo(victim.id);
    }
    for (const host of hosts) {
      if (!host.alive() && chance(prng, 0.06)) {
        host.start(createPrng(prng.nextUint32()));
        host.check();
      }
    }
    if (this.profile === 'churn') {
      this.churn();
    } else {
      if (chance(prng, 0.012)) this.partition();
      if (chance(prng, 0.02)) this.network.healAll();
    }
    // Crashes and restarts above may have changed who leads.
    const current = this.leader();
    if (current !== undefined && chance(prng, 0.012)) this.confChange(current);
    const transferFrom = this.leader();
    if (transferFrom?.node && transferFrom.idle() && chance(prng, 0.006)) {
      const voters = transferFrom.node.confState().voters.filter((v) => v !== transferFrom.id);
      if (voters.length > 0) {
        transferFrom.node.transferLeader(pick(prng, voters));
        this.stats.transfers++;
        transferFrom.check();
      }
    }
    for (const host of live) {
      if (host.idle() && chance(prng, 0.01)) {
        const node = host.node as NonNullable<SimHost['node']>;
        host.storage.compact(node.status().applied, node.confState());
      }
    }
    if (chance(prng, 0.01)) {
      const host = pick(prng, hosts);
      host.tickRate = 0.5 + randomUnit(prng);
    }
  }

  /** Cuts the newest leader off (often the moment it is elected), letting the last one back. */
  private churn(): void {
    const leader = this.leader();
    if (leader === undefined || leader.id === this.isolated || !chance(this.prng, 0.25)) return;
    this.network.healAll();
    this.isolated = leader.id;
    for (const other of this.hosts.keys()) {
      if (other === leader.id) continue;
      this.network.cutLink(leader.id, other);
      this.network.cutLink(other, leader.id);
    }
  }

  private partition(): void {
    const ids = [...this.hosts.keys()];
    this.network.healAll();
    if (chance(this.prng, 0.5)) {
      // Symmetric: two sides that cannot talk.
      const side = new Set(ids.filter(() => chance(this.prng, 0.5)));
      for (const a of ids) for (const b of ids) if (a !== b && side.has(a) !== side.has(b)) this.network.cutLink(a, b);
    } else {
      // Asymmetric: some directed links only.
      for (const a of ids) for (const b of ids) if (a !== b && chance(this.prng, 0.2)) this.network.cutLink(a, b);
    }
  }

  heal(): void {
    this.network.healAll();
    this.isolated = null;
    this.network.faults = { dropRate: 0, duplicateRate: 0, maxExtraDelay: 1 };
    for (const host of this.hosts.values()) {
      if (!host.alive()) {
        host.start(createPrng(this.prng.nextUint32()));
        host.check();
      }
    }
  }
}

/**
 * Runs one seed: chaos, then heal, then liveness. Returns the first violation (or null).
 * The caller prints the replay command for a failing seed.
 */
export function runSimulation(options: SimOptions): SimResult {
  const chaosSteps = options.chaosSteps ?? 300;
  const sim = new Simulation(options.seed, options.nodes, options.unsafe, options.overrides);
  let violation: SimViolation | null = null;
  let healedAt = -1;
  let liveAfterTicks = -1;
  let bound = LIVENESS_BOUND_STEPS;
  try {
    const slowDisk = pick(sim.prng, [0, 0.1, 0.3]);
    for (let i = 0; i < chaosSteps; i++) {
      sim.chaos();
      sim.step({ slowDisk, finishRate: 0.6 });
      options.onStep?.(sim, 'chaos');
    }
    sim.heal();
    healedAt = sim.now;
    const lastIndexes = [...sim.hosts.values()].map((h) => h.node?.status().lastIndex ?? 0);
    bound = livenessBound(Math.max(...lastIndexes) - Math.min(...lastIndexes), sim.options);
    const healSteps = options.healSteps ?? bound + 50;
    // A probe goes to each new leader (highest term): a stale leader that nobody tells about the
    // newer term (no PreVote, no CheckQuorum, and it was removed) may hold an earlier probe forever.
    const probes: { index: number; key: string; proposer: NodeId; term: number }[] = [];
    for (let i = 0; i < healSteps && liveAfterTicks < 0; i++) {
      const leader = sim.leader();
      const last = probes[probes.length - 1];
      const term = leader?.node?.status().term ?? 0;
      if (leader !== undefined && (last === undefined || last.proposer !== leader.id || last.term !== term)) {
        const placed = sim.proposeProbe(leader);
        if (placed !== null) probes.push({ ...placed, proposer: leader.id, term });
      }
      sim.step({ slowDisk: 0, finishRate: 1 });
      options.onStep?.(sim, 'heal');
      if (probes.some((probe) => probeCommitted(sim, probe))) liveAfterTicks = sim.now - healedAt;
    }
    if (liveAfterTicks < 0 || liveAfterTicks > bound) {
      throw new SimViolation('liveness', `no leader and committed proposal within ${bound} steps after healing at ${healedAt} (members ${sim.members().join(',')}, leaders ${sim.leaders().map((h) => h.id).join(',')})`);
    }
    finalChecks(sim);
  } catch (error) {
    if (error instanceof SimViolation) violation = error;
    else if (error instanceof ConsensusError && error.code === 'INVARIANT_BROKEN') violation = new SimViolation('assertion', error.message);
    else throw error;
  }
  const hosts = [...sim.hosts.values()];
  return {
    seed: options.seed,
    violation,
    steps: sim.now,
    stats: {
      nodes: hosts.length,
      committed: sim.checker.committedLength(),
      acked: sim.acked.length,
      leadersElected: sim.checker.leaderCount(),
      crashes: hosts.reduce((n, h) => n + h.crashes, 0),
      confChanges: sim.stats.confChanges,
      snapshotsFetched: sim.stats.snapshotsFetched,
      reads: sim.stats.reads,
      transfers: sim.stats.transfers,
      messages: sim.network.sent,
      healedAt,
      liveAfterTicks,
      livenessBound: bound,
    },
  };
}

/** The probe proposal is committed (in the one history) and applied by its proposer. */
function probeCommitted(sim: Simulation, probe: { index: number; key: string; proposer: NodeId }): boolean {
  const term = Number(probe.key.slice(0, probe.key.indexOf('/')));
  if (sim.checker.historyTerm[probe.index] !== term) return false;
  return sim.hosts.get(probe.proposer)?.appliedKeys[probe.index] === probe.key;
}

/** Every acknowledged proposal is in the history, and in every member that applied that far. */
function finalChecks(sim: Simulation): void {
  const members = sim.members();
  for (const { index, key } of sim.acked) {
    if (sim.checker.historyKey[index] !== key) throw new SimViolation('acked-lost', `acknowledged ${key} at ${index} is ${sim.checker.historyKey[index]} in the history`);
    for (const id of members) {
      const host = sim.hosts.get(id) as SimHost;
      if (host.appliedIndex() >= index && host.appliedKeys[index] !== key) {
        throw new SimViolation('acked-lost', `acknowledged ${key} at ${index} is ${host.appliedKeys[index]} on ${id}`);
      }
    }
  }
}
