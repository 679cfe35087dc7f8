// `--profile`: where a node's time goes under load. Starts the network with `node --cpu-prof` on
// every node process (each thread, including the signature-check workers, writes its own
// .cpuprofile when the process exits cleanly), runs one closed-loop run, stops the nodes, and sums
// each profile's self time by function and by area (consensus, ledger, node, libp2p, LevelDB, Node
// internals, GC, idle).
//
// Owns: reading .cpuprofile files. Must never: be part of a measured run (profiling slows nodes).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Areas in the order they are tested: the first pattern that matches a frame's URL names its area. */
const AREAS = [
  ['ledger', /packages\/ledger\/dist|@tradeledger\/ledger/],
  ['consensus', /packages\/consensus\/dist|@tradeledger\/consensus/],
  ['node (host)', /packages\/node\/dist|@tradeledger\/node/],
  ['libp2p + noise + yamux', /@libp2p|libp2p|@chainsafe|it-|uint8arraylist|multiformats|@multiformats|race-signal|p-queue|abortable|progress-events/],
  ['LevelDB (level, classic-level)', /classic-level|abstract-level|level-transcoder|maybe-combine-errors|module-error/],
  ['msgpackr', /msgpackr/],
  ['zod (document schemas)', /zod/],
  ['@noble', /@noble/],
  ['pino (logs)', /pino|sonic-boom|thread-stream/],
  ['prom-client (metrics)', /prom-client/],
  ['Node.js internals (net, http, streams, crypto, timers)', /^node:|^internal\//],
  ['other dependencies', /node_modules/],
];

function areaOf(node) {
  const { functionName, url } = node.callFrame;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'V8 (program: compile, IC, runtime)';
  if (url === '') return 'native (builtins, C++: crypto, zlib, JSON, fs)';
  for (const [name, pattern] of AREAS) if (pattern.test(url)) return name;
  return 'other';
}

/**
 * Self time per function and per area of one .cpuprofile, in milliseconds, counting only samples
 * inside `window` ({ fromUs, toUs } on the monotonic clock that profiles and process.hrtime share)
 * so start-up and shutdown do not dilute the loaded run. Also the inclusive time of this
 * repository's functions (samples whose stack holds the function: where the time goes, by step).
 */
export function summarizeProfile(profile, window = { fromUs: -Infinity, toUs: Infinity }) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const selfUs = new Map();
  const deltas = profile.timeDeltas;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += deltas[i] ?? 0;
    if (t < window.fromUs || t > window.toUs) continue;
    // A sample's time is the gap to the next sample: the time spent in this stack.
    const us = deltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + us);
  }
  const functions = new Map();
  const inclusive = new Map();
  const areas = new Map();
  let totalUs = 0;
  let idleUs = 0;
  const label = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^.*\/(node_modules\/|packages\/)/, '$1').replace(/^node_modules\/\.pnpm\/[^/]+\/node_modules\//, '');
    return `${functionName || '(anonymous)'} ${file}${file === '' ? '' : `:${lineNumber + 1}`}`;
  };
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const area = areaOf(node);
    totalUs += us;
    if (area === 'idle') {
      idleUs += us;
      continue;
    }
    areas.set(area, (areas.get(area) ?? 0) + us);
    functions.set(label(node), (functions.get(label(node)) ?? 0) + us);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur);
      if (!/packages\/(ledger|consensus|node)\/dist/.test(frame.callFrame.url)) continue;
      const key = label(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const busyUs = totalUs - idleUs;
  const sorted = (map) => [...map.entries()].sort((a, b) => b[1] - a[1]);
  const share = ([name, us]) => ({ name, ms: us / 1000, shareOfBusy: busyUs === 0 ? 0 : us / busyUs });
  return {
    wallMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    areas: sorted(areas).map(share),
    topFunctions: sorted(functions).slice(0, 25).map(share),
    inclusive: sorted(inclusive).slice(0, 30).map(share),
  };
}

export async function runProfile({ timing, clients, say, withNetwork }) {
  const dir = mkdtempSync(join(tmpdir(), 'tl-bench-prof-'));
  const nodeArgs = ['--cpu-prof', '--cpu-prof-dir', dir];
  let leaderPid;
  const pids = new Map();
  let row;
  let window;
  await withNetwork(3, { nodeArgs }, async ({ network, runner }) => {
    const leader = await network.waitForLeader();
    leaderPid = leader.process.pid;
    for (const node of network.nodes) pids.set(node.process.pid, node.name);
    row = await runner.closed(clients);
    window = row.windowUs;
    say(`profiled run: closed loop C=${clients}: ${Math.round(row.committedPerSec)} tx/s committed (profiling slows the nodes; this figure is not comparable); per node CPU ${row.processes.map((p) => `${p.name} ${p.cpuCores.toFixed(2)}`).join(', ')} cores`);
  });
  // Files are CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the main thread.
  const profiles = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((file) => {
      const [, , , pid, thread] = file.split('.');
      return { file, pid: Number(pid), thread: Number(thread) };
    });
  const report = [];
  for (const p of profiles) {
    const node = pids.get(p.pid) ?? `pid ${p.pid}`;
    const role = p.pid === leaderPid ? 'leader' : 'follower';
    const summary = summarizeProfile(JSON.parse(readFileSync(join(dir, p.file), 'utf8')), window);
    report.push({ node, role, thread: p.thread === 0 ? 'main' : `worker ${p.thread}`, file: join(dir, p.file), ...summary });
  }
  report.sort((a, b) => (a.role === b.role ? b.busyMs - a.busyMs : a.role === 'leader' ? -1 : 1));
  for (const r of report) {
    if (r.busyMs < 100) continue;
    say(`\n${r.node} (${r.role}), ${r.thread} thread: busy ${Math.round(r.busyMs)} ms of ${Math.round(r.wallMs)} ms measured (${((r.busyMs / r.wallMs) * 100).toFixed(0)}%), ${(r.busyMs / row.committed).toFixed(2)} ms per committed tx`);
    for (const a of r.areas.slice(0, 10)) say(`  ${(a.shareOfBusy * 100).toFixed(1).padStart(5)}%  ${a.name}`);
    say('  top functions (self time):');
    for (const f of r.topFunctions.slice(0, 15)) say(`  ${(f.shareOfBusy * 100).toFixed(1).padStart(5)}%  ${f.name}`);
    if (r.inclusive.length > 0) say('  this repository\'s functions, inclusive (synchronous part: what they and their callees ran):');
    for (const f of r.inclusive.slice(0, 20)) say(`  ${(f.shareOfBusy * 100).toFixed(1).padStart(5)}%  ${f.name}`);
  }
  say(`\nprofiles kept in ${dir} (open them in Chrome DevTools → Performance, or speedscope)`);
  return { clients, committedPerSec: row?.committedPerSec ?? null, dir, threads: report.map(({ file, ...rest }) => ({ file, ...rest, topFunctions: rest.topFunctions.slice(0, 25) })) };
}
