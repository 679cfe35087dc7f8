// Batch Ed25519 verification spread over worker threads, for blocks large enough to gain from it.
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

export interface BatchVerifier {
  /** One answer per item, in order. Never throws for a bad signature or key; only for misuse. */
  verifyBatch(items: readonly VerifyItem[]): Promise<boolean[]>;
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
  const results = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const k = keyIndex[i];
    const key = keyObject(keyBytes.subarray(k * 32, k * 32 + 32));
    const message = messages.subarray(messageOffsets[i], messageOffsets[i + 1]);
    const signature = signatures.subarray(i * 64, i * 64 + 64);
    try { results[i] = verify(null, message, key, signature) ? 1 : 0; } catch { results[i] = 0; }
  }
  parentPort.postMessage({ id, results }, [results.buffer]);
});
`;

interface PendingJob {
  resolve(results: Uint8Array): void;
  reject(error: Error): void;
}

interface PoolWorker {
  worker: Worker;
  jobs: Map<number, PendingJob>;
}

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

export class WorkerVerifyPool implements BatchVerifier {
  private readonly workers: PoolWorker[] = [];
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
    });
    const failAll = (error: Error) => {
      for (const job of entry.jobs.values()) job.reject(new LedgerError('VERIFY_WORKER_FAILED', `signature worker failed: ${error.message}`, { cause: error }));
      entry.jobs.clear();
      const index = this.workers.indexOf(entry);
      if (index >= 0 && !this.closed) this.workers[index] = this.spawn();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => {
      if (!this.closed) failAll(new Error(`exited with code ${code}`));
    });
    // Idle workers must not keep a finished process alive.
    worker.unref();
    return entry;
  }

  async verifyBatch(items: readonly VerifyItem[]): Promise<boolean[]> {
    if (this.closed) throw new LedgerError('VERIFY_POOL_CLOSED', 'verifyBatch called on a closed pool');
    assert(items.length <= VERIFY_BATCH_MAX_ITEMS, `verifyBatch takes at most ${VERIFY_BATCH_MAX_ITEMS} items`);
    const results = new Array<boolean>(items.length).fill(false);
    // Items failing the strict rules are answered here and never reach a worker.
    const passing: number[] = [];
    items.forEach((item, i) => {
      if (strictPrecheck(item.publicKey, item.signature)) passing.push(i);
    });
    if (passing.length < VERIFY_PARALLEL_MIN_ITEMS) {
      for (const i of passing) {
        const item = items[i] as VerifyItem;
        results[i] = verify(item.publicKey, item.message, item.signature);
      }
      return results;
    }
    const chunkSize = Math.ceil(passing.length / this.workers.length);
    const chunks: Promise<void>[] = [];
    for (let w = 0; w < this.workers.length; w++) {
      const indices = passing.slice(w * chunkSize, (w + 1) * chunkSize);
      if (indices.length === 0) continue;
      const packed = packChunk(indices.map((i) => items[i] as VerifyItem));
      const entry = this.workers[w] as PoolWorker;
      const id = this.nextJobId++;
      chunks.push(
        new Promise<Uint8Array>((resolve, reject) => {
          entry.jobs.set(id, { resolve, reject });
          entry.worker.ref();
          entry.worker.postMessage({ id, ...packed }, [packed.keys.buffer, packed.keyIndex.buffer, packed.messages.buffer, packed.messageOffsets.buffer, packed.signatures.buffer]);
        }).then((answers) => {
          if (entry.jobs.size === 0) entry.worker.unref();
          assert(answers.length === indices.length, 'a worker answered a different number of items than it was given');
          indices.forEach((i, j) => {
            results[i] = answers[j] === 1;
          });
        }),
      );
    }
    await Promise.all(chunks);
    return results;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((entry) => entry.worker.terminate()));
    this.workers.length = 0;
  }
}
