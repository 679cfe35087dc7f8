// RFC 9162 leaf hashes, SHA-256(0x00 ‖ leaf bytes), computed on worker threads for a batch of
// leaves. Leaves are independent, so a batch splits into parts hashed in parallel; the interior
// hashes depend on each other in order and stay with the log on the calling thread
// (`MerkleLog.appendLeafHashes`). This is the shape of a node's block path, where the threads that
// check a block's signatures can hash its leaves alongside.
//
// Owns: packing leaves for workers and putting their digests back in order. Must never: touch the
// log's state, or answer a digest it did not compute (a dead worker fails the call).
//
// Limits: at most LEAF_POOL_MAX_WORKERS workers; MERKLE_APPEND_BATCH_MAX_LEAVES leaves and
// LEAF_POOL_MAX_BATCH_BYTES bytes of leaves per call.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { assert, LedgerError } from './errors.js';
import { MERKLE_APPEND_BATCH_MAX_LEAVES } from './merkle-log.js';
import { MERKLE_HASH_BYTES } from './merkle-proof.js';

export const LEAF_POOL_MAX_WORKERS = 16;
/** Bytes of leaves one call may pack (each part is a copy handed to a worker). */
export const LEAF_POOL_MAX_BATCH_BYTES = 256 * 1024 * 1024;
/** A part smaller than this is not worth a message to a worker. */
const PART_MIN_LEAVES = 256;

// Plain JavaScript evaluated from a string, so it runs the same from the build or from sources
// under a test runner. The leaves arrive laid out as 0x00 ‖ leaf, back to back, so each hash input
// is a view with no copy; digests go out as latin1 strings copied into one array (see merkle-log.ts
// for why not the Buffer form).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { hash } = require('node:crypto');
parentPort.on('message', ({ id, bytes, offsets, count }) => {
  const out = new Uint8Array(count * ${MERKLE_HASH_BYTES});
  for (let i = 0; i < count; i++) {
    const text = hash('sha256', bytes.subarray(offsets[i], offsets[i + 1]), 'binary');
    const at = i * ${MERKLE_HASH_BYTES};
    for (let j = 0; j < ${MERKLE_HASH_BYTES}; j++) out[at + j] = text.charCodeAt(j);
  }
  parentPort.postMessage({ id, out }, [out.buffer]);
});
`;

interface Part {
  readonly first: number;
  readonly count: number;
  resolve(out: Uint8Array): void;
  reject(error: Error): void;
}

interface PoolWorker {
  readonly worker: Worker;
  readonly parts: Map<number, Part>;
  /** Leaves posted to this worker and not yet answered. */
  pendingLeaves: number;
}

/** Packs leaves [first, first + count) as 0x00 ‖ leaf, back to back, with the start of each. */
function packPart(leaves: readonly Uint8Array[], first: number, count: number): { bytes: Uint8Array<ArrayBuffer>; offsets: Uint32Array<ArrayBuffer> } {
  let total = 0;
  for (let i = first; i < first + count; i++) total += (leaves[i] as Uint8Array).length + 1;
  const bytes = new Uint8Array(total);
  const offsets = new Uint32Array(count + 1);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const leaf = leaves[first + i] as Uint8Array;
    offsets[i] = at;
    bytes[at] = 0x00;
    bytes.set(leaf, at + 1);
    at += leaf.length + 1;
  }
  offsets[count] = at;
  assert(at === total, 'packPart: every leaf was copied once');
  return { bytes, offsets };
}

export class LeafHashPool {
  readonly #workers: PoolWorker[] = [];
  #nextId = 1;
  #closed = false;

  /** `workerCount` defaults to the cores this process may use, capped at LEAF_POOL_MAX_WORKERS. */
  constructor(readonly workerCount: number = Math.min(availableParallelism(), LEAF_POOL_MAX_WORKERS)) {
    assert(Number.isInteger(workerCount) && workerCount >= 1 && workerCount <= LEAF_POOL_MAX_WORKERS, `leaf hash pool: worker count must be 1..${LEAF_POOL_MAX_WORKERS}`);
    for (let i = 0; i < workerCount; i++) this.#workers.push(this.#spawn());
  }

  #spawn(): PoolWorker {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    const entry: PoolWorker = { worker, parts: new Map(), pendingLeaves: 0 };
    worker.on('message', ({ id, out }: { id: number; out: Uint8Array }) => {
      const part = entry.parts.get(id);
      if (part === undefined) return;
      entry.parts.delete(id);
      entry.pendingLeaves -= part.count;
      if (entry.parts.size === 0) worker.unref();
      part.resolve(out);
    });
    const failAll = (error: Error): void => {
      for (const part of entry.parts.values()) part.reject(new LedgerError('LEAF_WORKER_FAILED', `leaf hash worker failed: ${error.message}`, { cause: error }));
      entry.parts.clear();
      entry.pendingLeaves = 0;
      const index = this.#workers.indexOf(entry);
      if (index >= 0 && !this.#closed) this.#workers[index] = this.#spawn();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => {
      if (!this.#closed) failAll(new Error(`exited with code ${code}`));
    });
    // Idle workers must not keep a finished process alive.
    worker.unref();
    return entry;
  }

  /**
   * SHA-256(0x00 ‖ leaf) of each leaf, packed 32 bytes per leaf in order: the input
   * `MerkleLog.appendLeafHashes` takes. The leaves are copied; the caller may reuse them at once.
   */
  async hashLeaves(leaves: readonly Uint8Array[]): Promise<Uint8Array> {
    if (this.#closed) throw new LedgerError('LEAF_POOL_CLOSED', 'hashLeaves called on a closed pool');
    if (leaves.length > MERKLE_APPEND_BATCH_MAX_LEAVES) {
      throw new LedgerError('MERKLE_BATCH_TOO_LARGE', `leaves: ${leaves.length} exceeds the batch limit of ${MERKLE_APPEND_BATCH_MAX_LEAVES}`, { field: 'leaves' });
    }
    let totalBytes = 0;
    for (let i = 0; i < leaves.length; i++) {
      const leaf = leaves[i];
      if (!(leaf instanceof Uint8Array)) throw new LedgerError('MERKLE_LEAF_INVALID', `leaves[${i}]: expected bytes`, { field: `leaves[${i}]` });
      totalBytes += leaf.length + 1;
    }
    if (totalBytes > LEAF_POOL_MAX_BATCH_BYTES) {
      throw new LedgerError('MERKLE_BATCH_TOO_LARGE', `leaves: ${totalBytes} bytes exceeds the batch limit of ${LEAF_POOL_MAX_BATCH_BYTES}`, { field: 'leaves' });
    }
    const result = new Uint8Array(leaves.length * MERKLE_HASH_BYTES);
    if (leaves.length === 0) return result;
    const partLeaves = Math.max(PART_MIN_LEAVES, Math.ceil(leaves.length / this.#workers.length));
    const parts: Promise<void>[] = [];
    for (let first = 0; first < leaves.length; first += partLeaves) {
      const count = Math.min(partLeaves, leaves.length - first);
      parts.push(this.#post(leaves, first, count).then((out) => {
        assert(out.length === count * MERKLE_HASH_BYTES, 'a leaf hash worker answered 32 bytes per leaf');
        result.set(out, first * MERKLE_HASH_BYTES);
      }));
    }
    await Promise.all(parts);
    return result;
  }

  #post(leaves: readonly Uint8Array[], first: number, count: number): Promise<Uint8Array> {
    let target = this.#workers[0] as PoolWorker;
    for (const entry of this.#workers) if (entry.pendingLeaves < target.pendingLeaves) target = entry;
    const { bytes, offsets } = packPart(leaves, first, count);
    const id = this.#nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      target.parts.set(id, { first, count, resolve, reject });
      target.pendingLeaves += count;
      target.worker.ref();
      target.worker.postMessage({ id, bytes, offsets, count }, [bytes.buffer, offsets.buffer]);
    });
  }

  /** Stops the workers; calls still waiting fail with LEAF_POOL_CLOSED. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const entry of this.#workers) {
      for (const part of entry.parts.values()) part.reject(new LedgerError('LEAF_POOL_CLOSED', 'the leaf hash pool was closed before answering'));
      entry.parts.clear();
    }
    await Promise.all(this.#workers.map((entry) => entry.worker.terminate()));
    this.#workers.length = 0;
  }
}
