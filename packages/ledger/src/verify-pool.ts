// Batch Ed25519 verification spread over worker threads: for blocks large enough to gain from it,
// and for callers whose own thread is the scarce resource (a leader admitting transactions), which
// send even small batches to the workers (`minParallelItems`).
//
// The strict RFC 8032 rules that OpenSSL does not enforce by itself (canonical S, canonical and
// non-small-order A and R, lengths) are checked on the calling thread by `strictPrecheck`, which
// is cheap byte arithmetic; workers run only OpenSSL's verify with one cached KeyObject per key.
// A batch therefore gets exactly the answers of ed25519.ts's `verify`, item by item.
//
// Limits: at most VERIFY_POOL_MAX_WORKERS workers, VERIFY_BATCH_MAX_ITEMS items per call, and
// VERIFY_WORKER_KEY_CACHE_MAX cached keys per worker. A worker that dies fails the batches it held
// (the pool replaces it); the pool never answers "valid" for an item it did not check.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { VERIFY_BATCH_MAX_ITEMS, VERIFY_PARALLEL_MIN_ITEMS, VERIFY_POOL_MAX_WORKERS, VERIFY_WORKER_KEY_CACHE_MAX } from './constants.js';
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, strictPrecheck, verify } from './ed25519.js';
import { assert, LedgerError } from './errors.js';

export interface VerifyItem {
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

export interface VerifyBatchOptions {
  /**
   * Fewest items passing the strict prechecks that go to worker threads; a call with fewer is
   * verified on the calling thread. Default VERIFY_PARALLEL_MIN_ITEMS: a block's application waits
   * for its signatures, and below that a round trip to a worker costs more than it saves. A caller
   * whose thread is the bottleneck passes 1, trading latency for that thread's time. Verifiers
   * without threads ignore it.
   */
  readonly minParallelItems?: number;
}

export interface BatchVerifier {
  /** One answer per item, in order. Never throws for a bad signature or key; only for misuse. */
  verifyBatch(items: readonly VerifyItem[], options?: VerifyBatchOptions): Promise<boolean[]>;
  close(): Promise<void>;
}

/** Verifies on the calling thread: for small batches, tests, and hosts without threads. */
export const inlineVerifier: BatchVerifier = {
  async verifyBatch(items) {
    assert(items.length <= VERIFY_BATCH_MAX_ITEMS, `verifyBatch takes at most ${VERIFY_BATCH_MAX_ITEMS} items`);
    return items.map((item) => verify(item.publicKey, item.message, item.signature));
  },
  async close() {},
};

// The worker is plain JavaScript evaluated from this string, so it runs the same whether the
// package is loaded from its build or from sources under a test runner. It only wraps raw keys in
// SPKI DER and calls OpenSSL; the strict checks stay on the calling thread.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const KEY_CACHE_MAX = ${VERIFY_WORKER_KEY_CACHE_MAX};
const keys = new Map();
function keyObject(raw) {
  const id = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('hex');
  let key = keys.get(id);
  if (key === undefined) {
    if (keys.size >= KEY_CACHE_MAX) keys.delete(keys.keys().next().value);
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    keys.set(id, key);
  }
  return key;
}
parentPort.on('message', ({ id, keys: keyBytes, keyIndex, messages, messageOffsets, signatures, count }) => {
  const keyObjects = [];
  for (let k = 0; k * 32 < keyBytes.length; k++) {
    try { keyObjects.push(keyObject(keyBytes.subarray(k * 32, k * 32 + 32))); } catch { keyObjects.push(undefined); }
  }
  const results = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const key = keyObjects[keyIndex[i]];
    if (key === undefined) continue; // OpenSSL refused the key: every signature under it is invalid
    const message = messages.subarray(messageOffsets[i], messageOffsets[i + 1]);
    const signature = signatures.subarray(i * 64, i * 64 + 64);
    try { results[i] = verify(null, message, key, signature) ? 1 : 0; } catch { results[i] = 0; }
  }
  parentPort.postMessage({ id, results }, [results.buffer]);
});
`;

/** A part of one verifyBatch call, packed for a worker and waiting for its answers. */
interface Job {
  readonly packed: ReturnType<typeof packChunk>;
  resolve(results: Uint8Array): void;
  reject(error: Error): void;
}

interface PoolWorker {
  readonly worker: Worker;
  /** Jobs posted to this worker and not yet answered, by job id (at most JOBS_IN_FLIGHT_PER_WORKER). */
  readonly jobs: Map<number, Job>;
}

/**
 * Jobs a worker holds at once: one running and one queued behind it, so it never waits for a
 * round trip to the calling thread between two jobs, while the rest stay in the pool's queue for
 * whichever worker frees up first.
 */
const JOBS_IN_FLIGHT_PER_WORKER = 2;
/** Each call is cut into about this many parts per worker, so a slower worker gets fewer of them. */
const PARTS_PER_WORKER = 4;
/** Smallest part worth a message to a worker (each carries a few tens of microseconds of overhead). */
const PART_MIN_ITEMS = 32;

/** Packs a chunk of prechecked items into transferable arrays, keys deduplicated. */
function packChunk(items: readonly VerifyItem[]) {
  const keyIds = new Map<string, number>();
  const keyList: Uint8Array[] = [];
  const keyIndex = new Uint32Array(items.length);
  let messageBytes = 0;
  for (const item of items) messageBytes += item.message.length;
  const messages = new Uint8Array(messageBytes);
  const messageOffsets = new Uint32Array(items.length + 1);
  const signatures = new Uint8Array(items.length * ED25519_SIGNATURE_BYTES);
  let offset = 0;
  items.forEach((item, i) => {
    const id = Buffer.from(item.publicKey.buffer, item.publicKey.byteOffset, item.publicKey.byteLength).toString('latin1');
    let k = keyIds.get(id);
    if (k === undefined) {
      k = keyList.length;
      keyIds.set(id, k);
      keyList.push(item.publicKey);
    }
    keyIndex[i] = k;
    messages.set(item.message, offset);
    offset += item.message.length;
    messageOffsets[i + 1] = offset;
    signatures.set(item.signature, i * ED25519_SIGNATURE_BYTES);
  });
  const keys = new Uint8Array(keyList.length * ED25519_PUBLIC_KEY_BYTES);
  keyList.forEach((key, k) => keys.set(key, k * ED25519_PUBLIC_KEY_BYTES));
  return { keys, keyIndex, messages, messageOffsets, signatures, count: items.length };
}

/**
 * Ed25519 batch verification over worker threads. Each call is prechecked here, cut into parts,
 * and the parts queue in the pool; every worker pulls the next part when it has fewer than
 * JOBS_IN_FLIGHT_PER_WORKER, so the work follows the CPU time each worker actually gets (a
 * machine shared with other threads, including this one, still decoding a block). The queue holds
 * only parts of calls in progress: its size is bounded by the callers' items (at most
 * VERIFY_BATCH_MAX_ITEMS per call).
 */
export class WorkerVerifyPool implements BatchVerifier {
  private readonly workers: PoolWorker[] = [];
  private readonly queue: Job[] = [];
  private nextJobId = 1;
  private closed = false;

  /** `workerCount` defaults to the cores this process may use, capped at VERIFY_POOL_MAX_WORKERS. */
  constructor(readonly workerCount: number = Math.min(availableParallelism(), VERIFY_POOL_MAX_WORKERS)) {
    assert(Number.isInteger(workerCount) && workerCount >= 1 && workerCount <= VERIFY_POOL_MAX_WORKERS, `worker count must be 1..${VERIFY_POOL_MAX_WORKERS}`);
    for (let i = 0; i < workerCount; i++) this.workers.push(this.spawn());
  }

  private spawn(): PoolWorker {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    const entry: PoolWorker = { worker, jobs: new Map() };
    worker.on('message', ({ id, results }: { id: number; results: Uint8Array }) => {
      const job = entry.jobs.get(id);
      if (job === undefined) return;
      entry.jobs.delete(id);
      job.resolve(results);
      this.pump();
    });
    const failAll = (error: Error) => {
      for (const job of entry.jobs.values()) job.reject(new LedgerError('VERIFY_WORKER_FAILED', `signature worker failed: ${error.message}`, { cause: error }));
      entry.jobs.clear();
      const index = this.workers.indexOf(entry);
      if (index >= 0 && !this.closed) {
        this.workers[index] = this.spawn();
        this.pump();
      }
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => {
      if (!this.closed) failAll(new Error(`exited with code ${code}`));
    });
    // Idle workers must not keep a finished process alive.
    worker.unref();
    return entry;
  }

  /** Hands queued parts to workers with room, least loaded first. */
  private pump(): void {
    while (this.queue.length > 0) {
      let target: PoolWorker | undefined;
      for (const entry of this.workers) {
        if (entry.jobs.size < JOBS_IN_FLIGHT_PER_WORKER && (target === undefined || entry.jobs.size < target.jobs.size)) target = entry;
      }
      if (target === undefined) return;
      const job = this.queue.shift() as Job;
      const id = this.nextJobId++;
      target.jobs.set(id, job);
      assert(target.jobs.size <= JOBS_IN_FLIGHT_PER_WORKER, 'a worker holds at most JOBS_IN_FLIGHT_PER_WORKER jobs');
      target.worker.ref();
      const { packed } = job;
      target.worker.postMessage({ id, ...packed }, [packed.keys.buffer, packed.keyIndex.buffer, packed.messages.buffer, packed.messageOffsets.buffer, packed.signatures.buffer]);
    }
    for (const entry of this.workers) if (entry.jobs.size === 0) entry.worker.unref();
  }

  async verifyBatch(items: readonly VerifyItem[], options: VerifyBatchOptions = {}): Promise<boolean[]> {
    if (this.closed) throw new LedgerError('VERIFY_POOL_CLOSED', 'verifyBatch called on a closed pool');
    assert(items.length <= VERIFY_BATCH_MAX_ITEMS, `verifyBatch takes at most ${VERIFY_BATCH_MAX_ITEMS} items`);
    const minParallelItems = options.minParallelItems ?? VERIFY_PARALLEL_MIN_ITEMS;
    assert(Number.isSafeInteger(minParallelItems) && minParallelItems >= 1, `minParallelItems must be an integer >= 1, got ${minParallelItems}`);
    const results = new Array<boolean>(items.length).fill(false);
    // Items failing the strict rules are answered here and never reach a worker.
    const passing: number[] = [];
    items.forEach((item, i) => {
      if (strictPrecheck(item.publicKey, item.signature)) passing.push(i);
    });
    if (passing.length < minParallelItems) {
      for (const i of passing) {
        const item = items[i] as VerifyItem;
        results[i] = verify(item.publicKey, item.message, item.signature);
      }
      return results;
    }
    const partSize = Math.max(PART_MIN_ITEMS, Math.ceil(passing.length / (this.workers.length * PARTS_PER_WORKER)));
    const parts: Promise<void>[] = [];
    for (let from = 0; from < passing.length; from += partSize) {
      const indices = passing.slice(from, from + partSize);
      const packed = packChunk(indices.map((i) => items[i] as VerifyItem));
      parts.push(
        new Promise<Uint8Array>((resolve, reject) => {
          this.queue.push({ packed, resolve, reject });
        }).then((answers) => {
          assert(answers.length === indices.length, 'a worker answered a different number of items than it was given');
          indices.forEach((i, j) => {
            results[i] = answers[j] === 1;
          });
        }),
      );
    }
    this.pump();
    await Promise.all(parts);
    return results;
  }

  /** Stops the workers; calls still waiting fail with VERIFY_POOL_CLOSED. */
  async close(): Promise<void> {
    this.closed = true;
    const closedError = () => new LedgerError('VERIFY_POOL_CLOSED', 'the verification pool was closed before answering');
    for (const job of this.queue.splice(0)) job.reject(closedError());
    for (const entry of this.workers) {
      for (const job of entry.jobs.values()) job.reject(closedError());
      entry.jobs.clear();
    }
    await Promise.all(this.workers.map((entry) => entry.worker.terminate()));
    this.workers.length = 0;
  }
}
