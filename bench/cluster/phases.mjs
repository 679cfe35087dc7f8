// The measurements of the cluster bench, one function per kind of run: closed loop at C clients and
// open loop at an offered rate, against a tradeledger network or an etcd cluster, each returning
// one result row with the node-side figures of the same window (blocks, block sizes from /metrics;
// CPU and peak RSS per process from /proc).
//
// Owns: sizing and signing the load of a run, the per-run bookkeeping. Must never: sign while a run
// is measured (everything is signed before the clock starts).
import { DocumentFactory, loadSigners, probeEachKind, setupStory } from './documents.mjs';
import { Network } from './network.mjs';
import { SignPool } from './sign-pool.mjs';
import { closedLoop, HttpTarget, openLoop } from './loadgen.mjs';
import { ProcessSampler } from './processes.mjs';
import { classifyEtcdPut, etcdPutBodies } from '../thirdparty/etcd.mjs';

/** tradeledger's answer to POST /v1/tx?wait=commit: committed-valid is ok; everything else by code. */
export function classifyTxAnswer({ status, text }) {
  if (status === 200) {
    const body = JSON.parse(text);
    if (body.result?.ok === true) return { ok: true };
    return { ok: false, code: body.result?.code ?? 'NO_RESULT' };
  }
  if (status === 202) return { ok: false, code: 'COMMIT_TIMEOUT' };
  try {
    return { ok: false, code: JSON.parse(text).error?.code ?? `HTTP_${status}` };
  } catch {
    return { ok: false, code: `HTTP_${status}` };
  }
}

export function tradeledgerTarget(network) {
  return new HttpTarget(
    network.nodes.map((n) => n.apiUrl),
    // A commit not seen in 10 s is answered 202 pending and counted as COMMIT_TIMEOUT.
    { path: '/v1/tx?wait=commit&timeoutMs=10000', headers: { 'content-type': 'application/octet-stream' }, classify: classifyTxAnswer },
  );
}

/** Waits until no node holds pending transactions (the previous run has drained). */
export async function waitIdle(network, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const statuses = await Promise.all(network.nodes.map((n) => network.status(n).catch(() => undefined)));
    if (statuses.every((s) => s !== undefined && s.mempool.txs === 0)) return;
    if (Date.now() > deadline) throw new Error(`mempools not empty after ${timeoutMs} ms: ${JSON.stringify(statuses.map((s) => s?.mempool))}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function blockFigures(before, after, wallSec) {
  const blocks = after.blocks - before.blocks;
  const txs = after.txsOk + after.txsInvalid - (before.txsOk + before.txsInvalid);
  return {
    blocksPerSec: blocks / wallSec,
    meanBlockTxs: blocks === 0 ? null : txs / blocks,
    meanBlockBytes: blocks === 0 ? null : (after.blockBytes - before.blockBytes) / blocks,
    invalidTxs: after.txsInvalid - before.txsInvalid,
  };
}

/** A node's counters, retried: an overloaded node may drop a connection now and then. */
async function countersOf(network, node) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await network.counters(node);
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** Elections started on any node (a leader change under load shows up here). */
async function elections(network) {
  const all = await Promise.all(network.nodes.map((n) => countersOf(network, n)));
  return all.reduce((sum, c) => sum + c.elections, 0);
}

/** Runs `body` with node counters and process figures taken around it. */
async function measured(network, processes, body) {
  const before = network === undefined ? undefined : await countersOf(network, network.nodes[0]);
  const electionsBefore = network === undefined ? undefined : await elections(network);
  const sampler = new ProcessSampler(processes);
  const result = await body();
  const usage = sampler.stop();
  const after = network === undefined ? undefined : await countersOf(network, network.nodes[0]);
  return {
    ...result,
    ...(before === undefined ? {} : { ...blockFigures(before, after, usage.wallSec), elections: (await elections(network)) - electionsBefore }),
    processes: usage.processes,
    loadGeneratorCpuCores: usage.loadGeneratorCpuCores,
    machineBusyCores: usage.machineBusyCores,
    // CPU the machine spent on processes other than the measured ones and this bench (other
    // users of the machine): a run with much of it measured a contended machine.
    otherCores: Math.max(0, usage.machineBusyCores - usage.loadGeneratorCpuCores - usage.processes.reduce((sum, p) => sum + (p.cpuCores ?? 0), 0)),
  };
}

export class TradeledgerRunner {
  constructor({ network, pool, factory, timing, log }) {
    this.network = network;
    this.pool = pool;
    this.factory = factory;
    this.timing = timing; // { warmupMs, durationMs }
    this.log = log;
    this.signers = loadSigners(network.signers);
    this.target = tradeledgerTarget(network);
    /** Best committed rate seen so far: sizes the next closed-loop run's pre-signed load. */
    this.rateEstimate = 3000;
  }

  /**
   * Waits for the previous run to drain. A network that does not drain (an overloaded leader that
   * stopped cutting blocks) is restarted, which empties the mempools, so that the next run starts
   * from a working network; the row says so (`restartedBefore`) and the log line names the cause.
   */
  async ready() {
    try {
      await waitIdle(this.network);
      return {};
    } catch (error) {
      this.log(`  ${error.message.slice(0, 300)}: restarting the network before the next run`);
      await this.network.stopAll();
      await this.network.startAll();
      await waitIdle(this.network);
      return { restartedBefore: error.message.slice(0, 300) };
    }
  }

  /** `via: 'leader'` sends every client to the leader (no forwarding); by default client j uses node j mod n, as organizations would. */
  async closed(clients, extra = {}, { via = 'all' } = {}) {
    if (clients > this.signers.length) throw new Error(`${clients} clients need ${clients} signers; the network has ${this.signers.length}`);
    const { warmupMs, durationMs } = this.timing;
    const perLane = Math.ceil((this.rateEstimate * 1.4 * (warmupMs + durationMs)) / 1000 / clients) + 16;
    const lanesSigners = this.signers.slice(0, clients);
    const signed = await this.pool.sign(lanesSigners.map((signer) => ({ signer, count: perLane })));
    const restarted = await this.ready();
    const leaderIndex = via === 'leader' ? this.network.nodes.indexOf(await this.network.waitForLeader()) : -1;
    const lanes = lanesSigners.map((signer, j) => ({ node: via === 'leader' ? leaderIndex : j % this.network.nodes.length, items: signed[j], refill: (count) => this.factory.sign(signer, count) }));
    const row = await measured(this.network, this.network.processes(), () => closedLoop(this.target, lanes, { warmupMs, durationMs }));
    this.rateEstimate = Math.max(this.rateEstimate, row.committedPerSec);
    return { system: 'tradeledger', nodes: this.network.nodes.length, mode: 'closed', clients, ...(via === 'leader' ? { via } : {}), ...extra, ...restarted, ...row };
  }

  async open(ratePerSec, extra = {}) {
    const { warmupMs, durationMs } = this.timing;
    const total = Math.ceil((ratePerSec * (warmupMs + durationMs)) / 1000);
    const signers = this.signers;
    const perSigner = Math.ceil(total / signers.length);
    const signed = await this.pool.sign(signers.map((signer) => ({ signer, count: perSigner })));
    // Request i is signer (i mod S)'s next transaction, sent to that signer's node: a signer's
    // transactions go out in nonce order, S / rate seconds apart.
    const items = new Array(total);
    for (let i = 0; i < total; i++) {
      const s = i % signers.length;
      items[i] = { node: s % this.network.nodes.length, bytes: signed[s][Math.floor(i / signers.length)].bytes };
    }
    const restarted = await this.ready();
    const row = await measured(this.network, this.network.processes(), () => openLoop(this.target, items, { ratePerSec, warmupMs }));
    return { system: 'tradeledger', nodes: this.network.nodes.length, mode: 'open', ...extra, ...restarted, ...row };
  }

  close() {
    this.target.close();
  }
}

export class EtcdRunner {
  constructor({ cluster, valueBytes, timing }) {
    this.cluster = cluster;
    this.valueBytes = valueBytes;
    this.timing = timing;
    this.target = new HttpTarget(cluster.urls, { path: '/v3/kv/put', headers: { 'content-type': 'application/json' }, classify: classifyEtcdPut });
    this.rateEstimate = 3000;
    this.runs = 0;
  }

  async closed(clients) {
    const { warmupMs, durationMs } = this.timing;
    const perLane = Math.ceil((this.rateEstimate * 1.4 * (warmupMs + durationMs)) / 1000 / clients) + 16;
    const run = this.runs++;
    const lanes = Array.from({ length: clients }, (_, j) => {
      let refills = 0;
      return { node: j % this.cluster.size, items: etcdPutBodies(perLane, this.valueBytes, `bench/r${run}/c${j}`).map((bytes) => ({ bytes })), refill: (count) => etcdPutBodies(count, this.valueBytes, `bench/r${run}/c${j}/x${refills++}`).map((bytes) => ({ bytes })) };
    });
    const row = await measured(undefined, this.cluster.processes(), () => closedLoop(this.target, lanes, { warmupMs, durationMs }));
    this.rateEstimate = Math.max(this.rateEstimate, row.committedPerSec);
    return { system: 'etcd', nodes: this.cluster.size, mode: 'closed', clients, ...row };
  }

  async open(ratePerSec) {
    const { warmupMs, durationMs } = this.timing;
    const total = Math.ceil((ratePerSec * (warmupMs + durationMs)) / 1000);
    const run = this.runs++;
    const items = etcdPutBodies(total, this.valueBytes, `bench/r${run}`).map((bytes, i) => ({ node: i % this.cluster.size, bytes }));
    const row = await measured(undefined, this.cluster.processes(), () => openLoop(this.target, items, { ratePerSec, warmupMs }));
    return { system: 'etcd', nodes: this.cluster.size, mode: 'open', ...row };
  }

  close() {
    this.target.close();
  }
}

/**
 * Creates a network (Network.create options), starts it, submits the example story, and hands
 * `body` a runner with its documents and signing pool ready and the measured size of each kind;
 * stops and removes everything afterwards, whatever `body` does.
 */
export async function withLoadedNetwork(networkOptions, { timing, say }, body) {
  const network = await Network.create(networkOptions);
  let pool;
  let runner;
  try {
    await network.startAll();
    const ids = await setupStory(network);
    const nowMs = Date.now();
    const factory = new DocumentFactory({ chainId: network.chainId, ids, nowMs });
    pool = new SignPool({ chainId: network.chainId, ids, nowMs });
    runner = new TradeledgerRunner({ network, pool, factory, timing, log: say });
    const sizes = await probeEachKind(network, factory, runner.signers);
    return await body({ network, runner, pool, sizes });
  } finally {
    runner?.close();
    await pool?.close();
    await network.stopAll();
    network.remove();
  }
}
