// Every child process the cluster bench starts (tradeledger nodes, etcd members), so that all of
// them are stopped at the end, on an error, and on SIGINT / SIGTERM of the bench itself; and the
// CPU time and memory of each, read from /proc/<pid>/stat and /proc/<pid>/status.
//
// Owns: spawning, tracking and stopping children; sampling their /proc figures. Must never: signal
// a process it did not start (only pids in `children`).
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';

/** Every live child, by pid. */
const children = new Map();
/** Temporary folders to delete when the bench is interrupted (normal runs delete their own). */
const folders = new Set();

export function removeOnExit(dir) {
  folders.add(dir);
}
let exitHooked = false;

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on every Linux this runs on). */
const CLOCK_TICKS_PER_SEC = 100;
/** How long a child gets between SIGTERM and SIGKILL. */
const STOP_GRACE_MS = 8_000;

function hookExit() {
  if (exitHooked) return;
  exitHooked = true;
  const killAll = () => {
    for (const child of children.values()) {
      try {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      } catch {
        // already gone: nothing to stop
      }
    }
  };
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      process.stderr.write(`\n${signal}: stopping ${children.size} child process(es)\n`);
      void stopAllChildren().finally(() => {
        for (const dir of folders) rmSync(dir, { recursive: true, force: true });
        process.exit(130);
      });
    });
  }
}

/** Spawns `command args` with piped output and tracks it until it exits. */
export function spawnTracked(command, args, options = {}) {
  hookExit();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  children.set(child.pid, child);
  child.log = '';
  const keep = (chunk) => {
    child.log = (child.log + chunk.toString()).slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', () => children.delete(child.pid));
  return child;
}

/** Resolves when `child` prints `marker` on stdout (or stderr when `stream` says so); rejects on exit or timeout. */
export function waitForOutput(child, marker, { timeoutMs = 30_000, stream = 'stdout', what = 'process' } = {}) {
  return new Promise((resolve, reject) => {
    let seen = '';
    const source = stream === 'stdout' ? child.stdout : child.stderr;
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${what} did not print ${JSON.stringify(marker)} within ${timeoutMs} ms: ${child.log.slice(-1500)}`));
    }, timeoutMs);
    const onData = (chunk) => {
      seen = (seen + chunk.toString()).slice(-10_000);
      if (seen.includes(marker)) {
        cleanup();
        resolve(seen);
      }
    };
    const onExit = (code, signal) => {
      cleanup();
      reject(new Error(`${what} exited (${code ?? signal}) before printing ${JSON.stringify(marker)}: ${child.log.slice(-1500)}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      source.off('data', onData);
      child.off('exit', onExit);
    };
    source.on('data', onData);
    child.once('exit', onExit);
  });
}

/** SIGTERM, then SIGKILL after the grace period; resolves when the child has exited. */
export async function stopChild(child, graceMs = STOP_GRACE_MS) {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGCONT');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function stopAllChildren() {
  await Promise.all([...children.values()].map((child) => stopChild(child)));
}

/** CPU seconds the whole machine was busy (every process, not only ours: shows interference). */
export function machineBusySeconds() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const ticks = line.split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
  const busy = ticks.slice(0, 8).reduce((sum, v) => sum + v, 0) - (ticks[3] ?? 0) - (ticks[4] ?? 0);
  return busy / CLOCK_TICKS_PER_SEC;
}

/** CPU seconds (user + system, all threads) a process has used so far, or undefined once it is gone. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / CLOCK_TICKS_PER_SEC;
  } catch {
    return undefined;
  }
}

/** Resident set size now and its peak since start (or since the last `resetPeakRss`), in MiB. */
export function memoryMiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * Samples CPU and RSS of the given processes over one phase: CPU as the difference of
 * /proc/<pid>/stat at start and stop (so in cores: seconds of CPU per second of wall time), peak
 * RSS as the largest VmRSS seen every `intervalMs` (VmHWM is the peak since process start, which
 * would carry an earlier phase's peak into this one).
 */
export class ProcessSampler {
  constructor(processes, intervalMs = 200) {
    this.processes = processes; // [{ name, pid }]
    this.startedMs = performance.now();
    this.startCpu = new Map(processes.map((p) => [p.pid, cpuSeconds(p.pid) ?? 0]));
    this.selfCpuStart = process.cpuUsage();
    this.machineStart = machineBusySeconds();
    this.peak = new Map(processes.map((p) => [p.pid, memoryMiB(p.pid)?.rssMiB ?? 0]));
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample() {
    for (const p of this.processes) {
      const rss = memoryMiB(p.pid)?.rssMiB;
      if (rss !== undefined && rss > (this.peak.get(p.pid) ?? 0)) this.peak.set(p.pid, rss);
    }
  }

  /** Per process: CPU cores used on average and peak RSS over the phase; and this bench process's own CPU. */
  stop() {
    clearInterval(this.timer);
    this.sample();
    const wallSec = (performance.now() - this.startedMs) / 1000;
    const processes = this.processes.map((p) => {
      const cpu = cpuSeconds(p.pid);
      return {
        name: p.name,
        pid: p.pid,
        cpuCores: cpu === undefined ? null : (cpu - (this.startCpu.get(p.pid) ?? 0)) / wallSec,
        peakRssMiB: this.peak.get(p.pid) ?? null,
      };
    });
    const self = process.cpuUsage(this.selfCpuStart);
    return { wallSec, processes, loadGeneratorCpuCores: (self.user + self.system) / 1e6 / wallSec, machineBusyCores: (machineBusySeconds() - this.machineStart) / wallSec };
  }
}

/**
 * A free loopback port below the kernel's ephemeral range (32768 and up), so that outgoing
 * connections of other processes cannot take it between this check and the child's bind.
 */
const handedOut = new Set();
export async function freePort() {
  for (let attempt = 0; attempt < 500; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port)) continue;
    const free = await new Promise((resolve) => {
      const server = createServer();
      server.unref();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port found in 20000-32000');
}
