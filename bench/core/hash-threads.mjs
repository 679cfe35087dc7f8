// Does node:crypto's one-shot SHA-256 scale over threads? The Merkle rows hash with it, and the
// subtree pool (merkle-append-N-threads) assumes that N threads hash about N times as much.
//   sha256-65B-N-threads   N worker threads calling crypto.hash('sha256', 65 bytes) in a tight loop
//                          at the same time, all their hashes over the wall time from the common
//                          start to the last thread's end; baseline: the same loop on ONE worker
//                          thread alone, measured in the same run. Ideal ratio: N.
//   sha256-1MiB-N-threads  the same with 1 MiB inputs: one call per MiB, so whatever a call costs
//                          besides hashing is spread over a million bytes.
// On Node 20 (OpenSSL 3.0.x) every digest call takes OpenSSL's library-context read locks and
// bumps the shared digest's reference count, so short hashes on N threads cost about what they
// cost on one, while long ones scale (see README, "Performance").
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { median, row } from '../lib/measure.mjs';

// Each worker warms up, says it is ready, waits on the shared flag, hashes, and reports its end.
const WORKER_SOURCE = `
const { hash } = require('node:crypto');
const { parentPort, workerData } = require('node:worker_threads');
const { flag, size, iterations } = workerData;
const input = Buffer.alloc(size, 0x5a);
for (let i = 0; i < Math.max(1, iterations >> 3); i++) hash('sha256', input);
parentPort.postMessage('ready');
Atomics.wait(flag, 0, 0);
for (let i = 0; i < iterations; i++) hash('sha256', input);
parentPort.postMessage(performance.timeOrigin + performance.now());
`;

/**
 * One worker's two answers: ready (warmed up, waiting for the flag) and its end time. Both reject
 * if the worker fails or exits first, whichever of them the caller is awaiting at that moment.
 */
function answersOf(worker) {
  const answers = {};
  answers.ready = new Promise((resolve, reject) => Object.assign(answers, { onReady: resolve, failReady: reject }));
  answers.end = new Promise((resolve, reject) => Object.assign(answers, { onEnd: resolve, failEnd: reject }));
  // Rejections that nobody awaits (a worker failing after the run) must not end the process.
  answers.ready.catch(() => undefined);
  answers.end.catch(() => undefined);
  worker.on('message', (message) => (message === 'ready' ? answers.onReady() : answers.onEnd(message)));
  const fail = (error) => {
    answers.failReady(error);
    answers.failEnd(error);
  };
  worker.on('error', (error) => fail(new Error(`hash-threads: a worker failed: ${error.message}`)));
  worker.on('exit', (code) => fail(new Error(`hash-threads: a worker exited with code ${code} before it answered`)));
  return answers;
}

/** Hashes per second of `threads` workers hashing `size`-byte inputs at once (one run). */
async function togetherRate(threads, size, iterations) {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const workers = Array.from({ length: threads }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: { flag, size, iterations } }));
  try {
    const answers = workers.map(answersOf);
    await Promise.all(answers.map((a) => a.ready));
    const startedMs = performance.timeOrigin + performance.now();
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    const ends = await Promise.all(answers.map((a) => a.end));
    return (threads * iterations * 1000) / (Math.max(...ends) - startedMs);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

export async function run({ quick = false } = {}) {
  const threads = Math.max(2, availableParallelism());
  const runs = quick ? 3 : 5;
  const rows = [];
  for (const [label, size, iterations] of [['65B', 65, quick ? 200_000 : 1_000_000], ['1MiB', 1 << 20, quick ? 200 : 1_000]]) {
    // A pair first that is not counted: the process's first workers ran up to 40% slower here.
    await togetherRate(1, size, iterations);
    await togetherRate(threads, size, iterations);
    // Alternated, so a machine that slows down mid-run hurts both figures alike.
    const one = [];
    const together = [];
    for (let run = 0; run < runs; run++) {
      one.push(await togetherRate(1, size, iterations));
      together.push(await togetherRate(threads, size, iterations));
    }
    rows.push(row(`sha256-${label}-${threads}-threads`, median(together), median(one), `SHA-256/s, ${threads} threads at once (baseline: 1 thread; ideal ${threads}.00×)`));
  }
  return rows;
}
