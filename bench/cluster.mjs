#!/usr/bin/env node
// `pnpm bench:cluster`: tradeledger as a network of real node processes on loopback, loaded with
// signed trade documents, side by side with a 3-member etcd cluster driven by the same load
// generator in the same run. Prints a table, writes bench/results/cluster-<date>.json (top level:
// `ratioVsEtcd` = tradeledger's best committed tx/s over the client sweep ÷ etcd's best puts/s over
// the same sweep, 3 nodes each; `p99AtThousandMs` = tradeledger's p99 commit latency at 1,000 tx/s
// offered) and, for a full run, the SVG charts the README embeds (bench/results/cluster-*.svg).
//
//   node bench/cluster.mjs [--quick] [--nodes 1,3,5] [--clients 16,64,256] [--rates 250,500,1000,2000]
//                          [--duration s] [--warmup s] [--cutting 64:1,256:5,...] [--sweep-rate 100] [--no-etcd]
//                          [--scale [count]] [--profile] [--verify-workers n] [--charts-from <json>]
//
// Every process it starts (nodes, etcd members) is stopped at the end, on an error and on Ctrl-C.
// See README "Cluster benchmark" for what each figure means.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { barChart, lineChart } from './cluster/charts.mjs';
import { CONFIG_DEFAULTS } from '@tradeledger/node';
import { EtcdRunner, withLoadedNetwork } from './cluster/phases.mjs';
import { stopAllChildren } from './cluster/processes.mjs';
import { runProfile } from './cluster/profile.mjs';
import { runScale } from './cluster/scale.mjs';
import { EtcdCluster, findEtcd } from './thirdparty/etcd.mjs';
import { machine } from './lib/measure.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const USAGE = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((line) => line.startsWith('//   node bench') || line.startsWith('//                 ')).map((line) => line.slice(3)).join('\n');
const FLAGS = new Set(['quick', 'nodes', 'clients', 'rates', 'duration', 'warmup', 'cutting', 'sweep-rate', 'no-etcd', 'scale', 'profile', 'verify-workers', 'charts-from']);
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(`usage:\n${USAGE}`);
  process.exit(0);
}
// An unknown flag must not start a run that overwrites the results of the last one.
const unknown = argv.filter((a) => a.startsWith('-') && !FLAGS.has(a.replace(/^--/, '')));
if (unknown.length > 0) {
  console.error(`bench:cluster: unknown option ${unknown.join(', ')}\nusage:\n${USAGE}`);
  process.exit(2);
}
const flag = (name) => argv.includes(`--${name}`);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = argv[i + 1];
  return value === undefined || value.startsWith('--') ? fallback : value;
};
const numbers = (text) => text.split(',').map((v) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`expected positive numbers separated by commas, got ${JSON.stringify(text)}`);
  return n;
});

const quick = flag('quick');
const settings = {
  quick,
  nodes: numbers(option('nodes', quick ? '3' : '1,3,5')),
  clients: numbers(option('clients', quick ? '16,64,256' : '16,64,256')),
  rates: numbers(option('rates', quick ? '100,250,1000' : '100,250,500,1000,2000')),
  warmupMs: Number(option('warmup', quick ? 1 : 2)) * 1000,
  durationMs: Number(option('duration', quick ? 4 : 8)) * 1000,
  sweepRate: Number(option('sweep-rate', '100')),
  // Besides the node's default (CONFIG_DEFAULTS.blockCutting, measured by the main runs).
  cutting: option('cutting', quick ? '' : '64:1,256:5,4096:50')
    .split(',')
    .filter((p) => p !== '')
    .map((p) => {
      const [maxTxs, maxWaitMs] = p.split(':').map(Number);
      if (!Number.isInteger(maxTxs) || !Number.isInteger(maxWaitMs)) throw new Error(`--cutting: expected maxTxs:maxWaitMs pairs, got ${JSON.stringify(p)}`);
      return { maxTxs, maxWaitMs };
    }),
  etcd: !flag('no-etcd'),
  scale: flag('scale') ? Number(option('scale', '1000000')) : undefined,
  profile: flag('profile'),
  verifyWorkers: option('verify-workers', undefined) === undefined ? undefined : Number(option('verify-workers')),
};
const timing = { warmupMs: settings.warmupMs, durationMs: settings.durationMs };
/** Producer organizations added to the examples' six so every client of the largest sweep owns a signer. */
const BENCH_PRODUCERS = Math.max(32, Math.ceil((Math.max(...settings.clients) - 48) / 8) + 4);
const primaryNodes = settings.nodes.includes(3) ? 3 : settings.nodes[0];

const info = machine();
const date = new Date().toISOString();
const say = (line = '') => process.stdout.write(`${line}\n`);
say(`tradeledger bench:cluster — ${date}`);
say(`${info.cpu} × ${info.cores}, Node ${info.node}, ${info.platform}${quick ? ' (quick)' : ''}`);
say(`phases of ${settings.warmupMs / 1000} s warm-up + ${settings.durationMs / 1000} s measured; nodes ${settings.nodes.join('/')}, clients ${settings.clients.join('/')}, offered ${settings.rates.join('/')} tx/s\n`);

const fmtInt = (v) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : Math.round(v).toLocaleString('en-US'));
const fmtMs = (v) => (v === null || v === undefined ? '—' : v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US'));
const HEADER = `${'system'.padEnd(12)} ${'n'.padStart(2)} ${'load'.padEnd(18)} ${'ok/s'.padStart(7)} ${'p50'.padStart(6)} ${'p95'.padStart(6)} ${'p99'.padStart(6)} ${'max'.padStart(6)} ${'blk/s'.padStart(6)} ${'tx/blk'.padStart(6)} ${'cpu (cores) / peak RSS MiB per process'.padEnd(40)} errors`;
function printRow(row) {
  const load = row.mode === 'closed' ? `closed C=${row.clients}${row.via === 'leader' ? ' →L' : ''}` : `open ${row.offeredPerSec}/s`;
  const label = row.cutting === undefined ? load : `${load} ${row.cutting.maxTxs}:${row.cutting.maxWaitMs}`;
  const procs = row.processes.map((p) => `${p.cpuCores === null ? '—' : p.cpuCores.toFixed(2)}/${fmtInt(p.peakRssMiB)}`).join(' ');
  const errors = [...Object.entries(row.errors).map(([code, n]) => `${code}×${n}`), ...(row.elections > 0 ? [`(elections: ${row.elections})`] : [])].join(' ');
  if (row.restartedBefore !== undefined) say(`${''.padEnd(16)}(network restarted before this run: the previous run had not drained)`);
  say(`${row.system.padEnd(12)} ${String(row.nodes).padStart(2)} ${label.padEnd(18)} ${fmtInt(row.committedPerSec).padStart(7)} ${fmtMs(row.latencyMs.p50).padStart(6)} ${fmtMs(row.latencyMs.p95).padStart(6)} ${fmtMs(row.latencyMs.p99).padStart(6)} ${fmtMs(row.latencyMs.max).padStart(6)} ${(row.blocksPerSec === undefined ? '—' : row.blocksPerSec.toFixed(0)).padStart(6)} ${(row.meanBlockTxs === undefined || row.meanBlockTxs === null ? '—' : row.meanBlockTxs.toFixed(1)).padStart(6)} ${procs.padEnd(40)} ${errors}${row.refills > 0 ? ` (signed during run: ${row.refills}×64)` : ''}  [client ${row.loadGeneratorCpuCores.toFixed(2)}, other processes ${row.otherCores?.toFixed(2) ?? '—'} cores]`);
}

const rows = [];
const record = (row) => {
  rows.push(row);
  printRow(row);
  return row;
};

function withNetwork(nodes, extra, body) {
  const extraConfig = settings.verifyWorkers === undefined ? undefined : { verifyWorkers: settings.verifyWorkers };
  return withLoadedNetwork({ nodes, benchProducers: BENCH_PRODUCERS, label: `n${nodes}`, extraConfig, ...extra }, { timing, say }, body);
}

const result = {
  date,
  machine: info,
  settings: { ...settings, benchProducers: BENCH_PRODUCERS, primaryNodes },
  ratioVsEtcd: null,
  p99AtThousandMs: null,
  tradeledgerBestCommittedPerSec: null,
  etcdBestPutsPerSec: null,
  txSizesBytes: null,
  meanTxBytes: null,
  etcd: null,
  rows,
  scale: null,
  profile: null,
};

async function main() {
  if (settings.profile) {
    result.profile = await runProfile({ benchProducers: BENCH_PRODUCERS, timing, clients: Math.max(...settings.clients), say, withNetwork });
    return;
  }
  if (settings.scale !== undefined) {
    // The scale run is long (the fill alone is count ÷ committed rate): it runs on its own.
    result.scale = await runScale({ count: settings.scale, benchProducers: BENCH_PRODUCERS, timing, clients: Math.max(...settings.clients), say, verifyWorkers: settings.verifyWorkers });
    return;
  }
  let meanTxBytes = 1500;
  // The primary network: client sweep, offered-rate sweep, block-cutting sweep.
  say(HEADER);
  await withNetwork(primaryNodes, {}, async ({ network, runner, sizes }) => {
    result.txSizesBytes = sizes;
    for (const clients of settings.clients) record(await runner.closed(clients));
    // The same top concurrency with every client on the leader: what forwarding through followers costs.
    record(await runner.closed(Math.max(...settings.clients), {}, { via: 'leader' }));
    for (const rate of settings.rates) record(await runner.open(rate));
    for (const cutting of settings.cutting) {
      network.setBlockCutting({ maxTxs: cutting.maxTxs, maxWaitMs: cutting.maxWaitMs });
      await network.stopAll();
      await network.startAll();
      record(await runner.closed(Math.max(...settings.clients), { cutting }));
      record(await runner.open(settings.sweepRate, { cutting }));
    }
  });
  // Mean size of the load's transactions as the clients sent them (the etcd values' size).
  const mix = { 'certificate-of-origin': 6, license: 1, entry: 1 };
  meanTxBytes = Math.round(Object.entries(mix).reduce((sum, [kind, w]) => sum + (result.txSizesBytes[kind] ?? 0) * w, 0) / 8);
  result.meanTxBytes = meanTxBytes;

  for (const nodes of settings.nodes.filter((n) => n !== primaryNodes)) {
    await withNetwork(nodes, {}, async ({ runner }) => {
      record(await runner.closed(Math.max(...settings.clients)));
      record(await runner.open(settings.sweepRate));
    });
  }

  if (settings.etcd) {
    const etcd = findEtcd();
    if (etcd === undefined) say('\netcd: no etcd binary (apt-get install -y etcd-server); the side-by-side runs are skipped');
    else {
      result.etcd = { version: etcd.version, bin: etcd.bin, members: 3, valueBytes: meanTxBytes };
      const cluster = await EtcdCluster.start(etcd.bin, 3);
      const runner = new EtcdRunner({ cluster, valueBytes: meanTxBytes, timing });
      try {
        for (const clients of settings.clients) record(await runner.closed(clients));
        for (const rate of settings.rates) record(await runner.open(rate));
      } finally {
        runner.close();
        await cluster.stop();
      }
    }
  }
}

function summarize() {
  const best = (system) => {
    const values = rows.filter((r) => r.system === system && r.mode === 'closed' && r.nodes === 3 && r.cutting === undefined && r.via === undefined && settings.clients.includes(r.clients)).map((r) => r.committedPerSec);
    return values.length === 0 ? null : Math.max(...values);
  };
  result.tradeledgerBestCommittedPerSec = best('tradeledger');
  result.etcdBestPutsPerSec = best('etcd');
  if (result.tradeledgerBestCommittedPerSec !== null && result.etcdBestPutsPerSec !== null) result.ratioVsEtcd = result.tradeledgerBestCommittedPerSec / result.etcdBestPutsPerSec;
  const atThousand = rows.find((r) => r.system === 'tradeledger' && r.mode === 'open' && r.nodes === 3 && r.offeredPerSec === 1000 && r.cutting === undefined);
  result.p99AtThousandMs = atThousand?.latencyMs.p99 ?? null;
}

function charts(runDate = date) {
  const open = (system, nodes = 3) => rows.filter((r) => r.system === system && r.mode === 'open' && r.nodes === nodes && r.cutting === undefined);
  const tl = open('tradeledger');
  const et = open('etcd');
  const xTicks = [...settings.rates];
  const subtitle = `${info.cores} cores, Node ${info.node}, ${runDate.slice(0, 10)}; ${settings.durationMs / 1000} s per point after ${settings.warmupMs / 1000} s warm-up`;
  const files = {};
  files['cluster-throughput.svg'] = lineChart({
    title: 'Committed per second vs offered load (3 nodes / members)',
    subtitle,
    xLabel: 'offered load (requests/s, open loop)',
    yLabel: 'committed per second (answered in the window)',
    xTicks,
    xCategorical: true,
    series: [
      { name: 'offered (ideal)', points: xTicks.map((x) => [x, x]), dashed: true, color: '#999', noMarkers: true },
      { name: 'tradeledger tx/s', points: tl.map((r) => [r.offeredPerSec, r.committedPerSec]) },
      ...(et.length > 0 ? [{ name: 'etcd puts/s', points: et.map((r) => [r.offeredPerSec, r.committedPerSec]) }] : []),
    ],
  });
  files['cluster-latency.svg'] = lineChart({
    title: 'Commit latency vs offered load (from scheduled send time)',
    subtitle,
    xLabel: 'offered load (requests/s, open loop)',
    yLabel: 'latency (ms, log scale)',
    yLog: true,
    xTicks,
    xCategorical: true,
    series: [
      { name: 'tradeledger p50', points: tl.map((r) => [r.offeredPerSec, r.latencyMs.p50]), color: '#9ecae1' },
      { name: 'tradeledger p95', points: tl.map((r) => [r.offeredPerSec, r.latencyMs.p95]), color: '#4292c6' },
      { name: 'tradeledger p99', points: tl.map((r) => [r.offeredPerSec, r.latencyMs.p99]), color: '#08519c' },
      ...(et.length > 0
        ? [
            { name: 'etcd p50', points: et.map((r) => [r.offeredPerSec, r.latencyMs.p50]), color: '#fcae91', dashed: true },
            { name: 'etcd p99', points: et.map((r) => [r.offeredPerSec, r.latencyMs.p99]), color: '#cb181d', dashed: true },
          ]
        : []),
    ],
  });
  const nodeCounts = [...new Set(rows.filter((r) => r.system === 'tradeledger' && r.cutting === undefined).map((r) => r.nodes))].sort((a, b) => a - b);
  const maxClients = Math.max(...settings.clients);
  const tlRow = (pred) => rows.find((r) => r.system === 'tradeledger' && r.via === undefined && pred(r));
  files['cluster-nodes.svg'] = barChart({
    title: 'tradeledger network size: 1, 3 and 5 nodes',
    subtitle,
    groups: nodeCounts.map((n) => `${n} node${n === 1 ? '' : 's'}`),
    panels: [
      {
        yLabel: 'committed tx/s',
        series: [
          { name: `closed loop, C=${maxClients}: committed tx/s`, values: nodeCounts.map((n) => tlRow((r) => r.mode === 'closed' && r.nodes === n && r.clients === maxClients && r.cutting === undefined)?.committedPerSec ?? null) },
          { name: `open loop, ${settings.sweepRate} tx/s offered: committed tx/s`, values: nodeCounts.map((n) => tlRow((r) => r.mode === 'open' && r.nodes === n && r.offeredPerSec === settings.sweepRate && r.cutting === undefined)?.committedPerSec ?? null) },
        ],
      },
      {
        yLabel: 'commit latency (ms)',
        series: [
          { name: `open loop, ${settings.sweepRate} tx/s offered: p50 ms`, values: nodeCounts.map((n) => tlRow((r) => r.mode === 'open' && r.nodes === n && r.offeredPerSec === settings.sweepRate && r.cutting === undefined)?.latencyMs.p50 ?? null) },
          { name: `open loop, ${settings.sweepRate} tx/s offered: p99 ms`, values: nodeCounts.map((n) => tlRow((r) => r.mode === 'open' && r.nodes === n && r.offeredPerSec === settings.sweepRate && r.cutting === undefined)?.latencyMs.p99 ?? null) },
        ],
      },
    ],
  });
  const cut = rows.filter((r) => r.cutting !== undefined);
  if (cut.length > 0) {
    // The node's default limits are the main runs' (3 nodes, spread clients): one more point.
    const defaults = { maxTxs: CONFIG_DEFAULTS.blockCutting.maxTxs, maxWaitMs: CONFIG_DEFAULTS.blockCutting.maxWaitMs };
    const points = [...settings.cutting, defaults].sort((a, b) => a.maxTxs - b.maxTxs || a.maxWaitMs - b.maxWaitMs);
    const at = (mode, c) =>
      c === defaults
        ? rows.find((r) => r.system === 'tradeledger' && r.nodes === 3 && r.cutting === undefined && r.via === undefined && r.mode === mode && (mode === 'closed' ? r.clients === maxClients : r.offeredPerSec === settings.sweepRate))
        : cut.find((r) => r.mode === mode && r.cutting.maxTxs === c.maxTxs && r.cutting.maxWaitMs === c.maxWaitMs);
    files['cluster-cutting.svg'] = barChart({
      title: 'Block cutting limits: maxTxs / maxWaitMs (* the default), 3 nodes',
      subtitle,
      groups: points.map((c) => `${c.maxTxs}/${c.maxWaitMs}${c === defaults ? '*' : ''}`),
      panels: [
        { yLabel: 'committed tx/s', series: [{ name: `closed loop, C=${maxClients}: committed tx/s`, values: points.map((c) => at('closed', c)?.committedPerSec ?? null) }] },
        {
          yLabel: 'commit latency (ms)',
          series: [
            { name: `open loop, ${settings.sweepRate} tx/s offered: p50 ms`, values: points.map((c) => at('open', c)?.latencyMs.p50 ?? null) },
            { name: `open loop, ${settings.sweepRate} tx/s offered: p99 ms`, values: points.map((c) => at('open', c)?.latencyMs.p99 ?? null) },
          ],
        },
      ],
    });
  }
  return files;
}

const chartsFrom = option('charts-from', undefined);
if (chartsFrom !== undefined) {
  // Redraw the charts of an earlier run from its JSON (no processes are started).
  const saved = JSON.parse(readFileSync(chartsFrom, 'utf8'));
  Object.assign(settings, saved.settings);
  rows.push(...saved.rows);
  for (const [name, svg] of Object.entries(charts(saved.date))) {
    writeFileSync(join(here, 'results', name), svg);
    say(`wrote ${join(here, 'results', name)}`);
  }
  process.exit(0);
}

let failed;
try {
  await main();
} catch (error) {
  failed = error;
  process.stderr.write(`\nbench:cluster failed: ${error.stack ?? error}\n`);
} finally {
  await stopAllChildren();
}
summarize();
say('');
if (result.ratioVsEtcd !== null) say(`ratio vs etcd (best committed tx/s over C=${settings.clients.join('/')} ÷ best etcd puts/s, 3 nodes each): ${fmtInt(result.tradeledgerBestCommittedPerSec)} ÷ ${fmtInt(result.etcdBestPutsPerSec)} = ${result.ratioVsEtcd.toFixed(2)}`);
if (result.p99AtThousandMs !== null) say(`p99 commit latency at 1,000 tx/s offered: ${fmtMs(result.p99AtThousandMs)} ms`);
const resultsDir = join(here, 'results');
mkdirSync(resultsDir, { recursive: true });
const tag = settings.profile ? 'profile' : settings.scale !== undefined ? `scale${quick ? '-quick' : ''}` : quick ? 'quick' : undefined;
const out = join(resultsDir, `cluster-${date.slice(0, 10)}${tag === undefined ? '' : `-${tag}`}.json`);
if (failed === undefined || rows.length > 0) {
  writeFileSync(out, `${JSON.stringify({ ...result, ...(failed === undefined ? {} : { error: String(failed.message ?? failed) }) }, null, 2)}\n`);
  say(`wrote ${out}`);
}
if (!quick && !settings.profile && settings.scale === undefined && failed === undefined && rows.length > 0) {
  for (const [name, svg] of Object.entries(charts())) {
    writeFileSync(join(resultsDir, name), svg);
    say(`wrote ${join(resultsDir, name)}`);
  }
}
process.exit(failed === undefined ? 0 : 1);
