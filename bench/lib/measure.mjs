// Shared measurement helpers for bench scripts: warm-up, repeated runs and medians, so every
// figure in bench/results is a median of several runs taken after the JIT has settled.

import { cpus } from 'node:os';

/** Median of numbers (the mean of the middle two for an even count). */
export function median(values) {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs `body(iterations)` once to warm up, then `runs` times, and returns the median rate in
 * operations per second. `body` performs `iterations` operations and may return a different
 * operation count (for example the number of hashes it computed).
 */
export async function measureRate(body, { iterations, runs = 5, warmupIterations = Math.max(1, iterations >> 2) }) {
  await body(warmupIterations);
  const rates = [];
  for (let run = 0; run < runs; run++) {
    const started = process.hrtime.bigint();
    const counted = await body(iterations);
    const elapsedNs = Number(process.hrtime.bigint() - started);
    const operations = typeof counted === 'number' ? counted : iterations;
    rates.push((operations * 1e9) / elapsedNs);
  }
  return median(rates);
}

/** Median latency in milliseconds of `runs` calls of an (async) function, after `warmup` calls. */
export async function measureLatencyMs(fn, { runs = 200, warmup = 20 } = {}) {
  for (let i = 0; i < warmup; i++) await fn(i);
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await fn(i);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(samples);
}

/** One row of a benchmark table: the figure, the baseline measured in the same run, and the ratio. */
export function row(name, opsPerSec, baselineOpsPerSec, unit) {
  const ratio = baselineOpsPerSec === null ? null : opsPerSec / baselineOpsPerSec;
  return { name, opsPerSec, baselineOpsPerSec, ratio, unit };
}

export function machine() {
  const cpuList = cpus();
  return {
    cpu: cpuList[0]?.model ?? 'unknown',
    cores: cpuList.length,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}
