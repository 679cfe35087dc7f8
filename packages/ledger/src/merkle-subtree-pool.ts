// Batch appends to the RFC 9162 log hashed on worker threads and the calling thread together.
//
// A batch's nodes are packed level by level (merkle-levels.ts). Cut into aligned perfect subtrees
// of 2^L leaves, every node at levels 0..L belongs to exactly one subtree and depends on nothing
// outside it. Each worker takes a contiguous run of whole subtrees and fills their leaf hashes and
// interior nodes straight into the batch's packed buffer, a SharedArrayBuffer; the calling thread
// meanwhile hashes the rest of the batch (the unaligned leaves at both ends and its own share of
// subtrees), then waits, then hashes the levels above L (a few nodes). The leaves reach the
// workers through one shared buffer per pool (0x00 ‖ leaf, back to back), copied once by the
// calling thread; per batch, a worker gets one small message and answers through an Atomics flag.
// No digest crosses a message and nothing is copied back: the packed buffer is the batch's writes.
//
// Owns: the workers, the shared input buffer and the split of a batch. Must never: touch the log's
// state (MerkleLog commits the result), or return a buffer a worker has not finished: a worker
// that fails or does not answer within POOL_WAIT_MAX_MS fails the append (MERKLE_WORKER_FAILED).
//
// Limits: at most SUBTREE_POOL_MAX_WORKERS workers; the input buffer holds one batch's worker
// leaves (at most SUBTREE_POOL_MAX_INPUT_BYTES, larger batches are hashed on the calling thread).

import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { assert, LedgerError } from './errors.js';
import { hashInteriorLevels, hashInteriorRange, hashLeafRange, type MerkleBatchLayout } from './merkle-levels.js';
import { MERKLE_HASH_BYTES } from './merkle-proof.js';

export const SUBTREE_POOL_MAX_WORKERS = 16;
/** Below this many leaves a batch is hashed on the calling thread alone: a message round trip costs more. */
export const SUBTREE_POOL_MIN_LEAVES = 1024;
/** The shared input buffer never grows past this; a batch whose worker leaves need more is hashed on the calling thread. */
export const SUBTREE_POOL_MAX_INPUT_BYTES = 512 * 1024 * 1024;
/** Smallest subtree handed to a thread. */
const SUBTREE_MIN_LEAVES = 64;
/**
 * How long the calling thread waits for a worker before failing the append. A healthy worker
 * hashes a full batch (2^20 leaves) in about a second; this only bounds a dead or stuck one.
 */
const POOL_WAIT_MAX_MS = 120_000;

// Each worker owns CONTROL_STRIDE int32 slots of one shared control array: the job sequence number
// the calling thread bumps (and notifies) to start a job, the answer the worker stores (seq when
// done, -seq when failed, so an answer to an earlier, abandoned job is never taken for the current
// one), a stop flag, the generation of the shared buffers the job uses, and the job itself.
const CONTROL_SEQ = 0;
const CONTROL_ANSWER = 1;
const CONTROL_STOP = 2;
const CONTROL_BUFFERS = 3;
const CONTROL_LEAF_FROM = 4;
const CONTROL_LEAF_COUNT = 5;
const CONTROL_LEVELS = 6;
const CONTROL_LEVEL_AT = 7;
/** A batch has at most 2^20 leaves, so a subtree at most 21 levels (0..20). */
const MAX_SUBTREE_LEVELS = 21;
const CONTROL_STRIDE = 32;
assert(CONTROL_LEVEL_AT + MAX_SUBTREE_LEVELS <= CONTROL_STRIDE, 'the control block holds a job');

// Plain JavaScript evaluated from a string, so it runs the same from the build or from sources
// under a test runner. The worker sleeps in Atomics.wait between jobs (no message, no event-loop
// turn per job); new shared buffers arrive on its port, read synchronously when the job's buffer
// generation is newer than its own. The loops are merkle-levels.ts's over one thread's subtrees:
// leaf hashes from the shared input (each input a view, no copy), then each level from the one
// below; digests as latin1 strings copied into the shared output (see merkle-levels.ts for why).
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { hash } = require('node:crypto');
const H = ${MERKLE_HASH_BYTES};
const { control, base, port } = workerData;
const pair = new Uint8Array(1 + 2 * H);
pair[0] = 1;
let generation = 0, input, offsets, out;
let seen = 0;
for (;;) {
  Atomics.wait(control, base + ${CONTROL_SEQ}, seen);
  seen = Atomics.load(control, base + ${CONTROL_SEQ});
  if (Atomics.load(control, base + ${CONTROL_STOP}) === 1) break;
  let answer = seen;
  try {
    const wanted = control[base + ${CONTROL_BUFFERS}];
    while (generation !== wanted) {
      const received = receiveMessageOnPort(port);
      if (received === undefined) throw new Error('buffers of generation ' + wanted + ' never arrived');
      ({ generation, input, offsets, out } = received.message);
    }
    const leafFrom = control[base + ${CONTROL_LEAF_FROM}];
    const leafCount = control[base + ${CONTROL_LEAF_COUNT}];
    const levels = control[base + ${CONTROL_LEVELS}];
    let at = control[base + ${CONTROL_LEVEL_AT}];
    for (let k = leafFrom; k < leafFrom + leafCount; k++, at += H) {
      const text = hash('sha256', input.subarray(offsets[k], offsets[k + 1]), 'binary');
      for (let j = 0; j < H; j++) out[at + j] = text.charCodeAt(j);
    }
    for (let level = 1, nodes = leafCount >> 1; level < levels; level++, nodes >>= 1) {
      let from = control[base + ${CONTROL_LEVEL_AT} + level - 1];
      let to = control[base + ${CONTROL_LEVEL_AT} + level];
      for (let p = 0; p < nodes; p++, from += 2 * H, to += H) {
        pair.set(out.subarray(from, from + 2 * H), 1);
        const text = hash('sha256', pair, 'binary');
        for (let j = 0; j < H; j++) out[to + j] = text.charCodeAt(j);
      }
    }
  } catch {
    answer = -seen;
  }
  Atomics.store(control, base + ${CONTROL_ANSWER}, answer);
  Atomics.notify(control, base + ${CONTROL_ANSWER});
}
port.close();
`;

interface PoolWorker {
  readonly worker: Worker;
  readonly port: MessagePort;
  /** Buffer generation last sent on `port`. */
  generation: number;
  alive: boolean;
}

/** Largest power of two <= n (n >= 1). */
function floorPowerOfTwo(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

/**
 * Worker threads for `MerkleLog.appendMany(leaves, pool)`. One pool may serve any number of logs;
 * a call is synchronous (the calling thread hashes its share, then blocks until the workers are
 * done), so calls never overlap.
 */
export class MerkleSubtreePool {
  readonly #workers: PoolWorker[] = [];
  readonly #control: Int32Array;
  /** The shared buffers and their generation (bumped whenever one is replaced by a larger one). */
  #generation = 1;
  #input = new Uint8Array(new SharedArrayBuffer(64 * 1024));
  #offsets = new Uint32Array(new SharedArrayBuffer(4 * 1024));
  #out = new Uint8Array(new SharedArrayBuffer(64 * 1024));
  #seq = 0;
  #closed = false;

  /**
   * `workerCount` defaults to one less than the cores this process may use (the calling thread
   * hashes too), at least one, capped at SUBTREE_POOL_MAX_WORKERS.
   */
  constructor(readonly workerCount: number = Math.min(Math.max(1, availableParallelism() - 1), SUBTREE_POOL_MAX_WORKERS)) {
    assert(Number.isInteger(workerCount) && workerCount >= 1 && workerCount <= SUBTREE_POOL_MAX_WORKERS, `subtree pool: worker count must be 1..${SUBTREE_POOL_MAX_WORKERS}`);
    this.#control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_STRIDE * workerCount));
    for (let w = 0; w < workerCount; w++) this.#workers.push(this.#spawn(w));
  }

  /** Threads that hash a batch: the workers and the calling thread. */
  get threadCount(): number {
    return this.workerCount + 1;
  }

  #spawn(w: number): PoolWorker {
    const base = w * CONTROL_STRIDE;
    // A fresh worker starts from sequence 0 and no buffers.
    Atomics.store(this.#control, base + CONTROL_SEQ, 0);
    Atomics.store(this.#control, base + CONTROL_STOP, 0);
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { control: this.#control, base, port: port2 }, transferList: [port2] });
    const entry: PoolWorker = { worker, port: port1, generation: 0, alive: true };
    const dead = (): void => {
      if (!entry.alive) return;
      entry.alive = false;
      port1.close();
      if (!this.#closed && this.#workers[w] === entry) this.#workers[w] = this.#spawn(w);
    };
    worker.on('error', dead);
    worker.on('exit', dead);
    // Workers sleep in Atomics.wait between jobs; they must not keep a finished process alive.
    worker.unref();
    port1.unref();
    return entry;
  }

  /** Makes the shared buffers at least this large (a new generation if any grows). */
  #reserve(inputBytes: number, leaves: number, outBytes: number): void {
    let grown = false;
    if (inputBytes > this.#input.length) {
      this.#input = new Uint8Array(new SharedArrayBuffer(Math.max(inputBytes, 2 * this.#input.length)));
      grown = true;
    }
    if (leaves + 1 > this.#offsets.length) {
      this.#offsets = new Uint32Array(new SharedArrayBuffer(4 * Math.max(leaves + 1, 2 * this.#offsets.length)));
      grown = true;
    }
    if (outBytes > this.#out.length) {
      this.#out = new Uint8Array(new SharedArrayBuffer(Math.max(outBytes, 2 * this.#out.length)));
      grown = true;
    }
    if (grown) this.#generation++;
  }

  /**
   * Hashes every node of a batch, packed as `layout` says, into a fresh (unshared) buffer, or
   * returns undefined when the batch is too small (or too large) to gain, for the caller to hash
   * alone. `frontier` is the log's frontier before the batch (read only). For MerkleLog.appendMany.
   */
  hashBatch(leaves: readonly Uint8Array[], layout: MerkleBatchLayout, frontier: Uint8Array): Uint8Array | undefined {
    if (this.#closed) throw new LedgerError('MERKLE_POOL_CLOSED', 'hashBatch called on a closed subtree pool');
    const { firstLeafIndex, leafCount } = layout;
    assert(leaves.length === leafCount, 'hashBatch: one leaf per layout leaf');
    if (leafCount < SUBTREE_POOL_MIN_LEAVES) return undefined;
    const threads = this.threadCount;
    const end = firstLeafIndex + leafCount;
    // Subtrees of 2^L leaves, aligned: the largest size giving every thread at least one.
    let size = floorPowerOfTwo(Math.floor(leafCount / threads));
    let alignedFrom = 0;
    let subtrees = 0;
    for (; size >= SUBTREE_MIN_LEAVES; size /= 2) {
      alignedFrom = Math.ceil(firstLeafIndex / size) * size;
      subtrees = Math.floor((end - alignedFrom) / size);
      if (subtrees >= threads) break;
    }
    if (size < SUBTREE_MIN_LEAVES) return undefined;
    const topLevel = Math.log2(size);
    assert(Number.isInteger(topLevel) && topLevel < layout.count.length && topLevel < MAX_SUBTREE_LEVELS, 'hashBatch: the subtree level is a level of the batch');
    // The calling thread takes the leaves outside the aligned run plus enough whole subtrees at
    // its right end for an even share; the workers split the rest, in order.
    const outside = leafCount - subtrees * size;
    const callerSubtrees = Math.max(0, Math.min(subtrees - this.workerCount, Math.round((leafCount / threads - outside) / size)));
    const workerSubtrees = subtrees - callerSubtrees;
    const workersFrom = alignedFrom;
    const workersTo = alignedFrom + workerSubtrees * size;
    const workerLeaves = workersTo - workersFrom;
    const localFrom = workersFrom - firstLeafIndex;
    let inputBytes = 0;
    for (let k = 0; k < workerLeaves; k++) inputBytes += (leaves[localFrom + k] as Uint8Array).length + 1;
    if (inputBytes > SUBTREE_POOL_MAX_INPUT_BYTES) return undefined;
    const outBytes = layout.total * MERKLE_HASH_BYTES;
    this.#reserve(inputBytes, workerLeaves, outBytes);
    const input = this.#input;
    const offsets = this.#offsets;
    const hashes = this.#out.subarray(0, outBytes);
    const control = this.#control;

    // Per worker: copy its leaves into the shared input (0x00 ‖ leaf, back to back), write its job
    // into its control block and wake it; it starts while the next worker's leaves are copied.
    const posted: number[] = [];
    const seq = this.#nextSeq();
    const perWorker = Math.floor(workerSubtrees / this.workerCount);
    const extra = workerSubtrees % this.workerCount;
    let at = 0;
    for (let w = 0, subtree = 0; w < this.workerCount; w++) {
      const own = perWorker + (w < extra ? 1 : 0);
      if (own === 0) continue;
      const leafFrom = subtree * size;
      const count = own * size;
      for (let k = leafFrom; k < leafFrom + count; k++) {
        const leaf = leaves[localFrom + k] as Uint8Array;
        offsets[k] = at;
        input[at] = 0x00;
        input.set(leaf, at + 1);
        at += leaf.length + 1;
      }
      offsets[leafFrom + count] = at;
      const entry = this.#workers[w] as PoolWorker;
      if (!entry.alive) throw new LedgerError('MERKLE_WORKER_FAILED', `subtree worker ${w} has exited; retry the append`);
      if (entry.generation !== this.#generation) {
        entry.port.postMessage({ generation: this.#generation, input, offsets, out: this.#out });
        entry.generation = this.#generation;
      }
      const base = w * CONTROL_STRIDE;
      control[base + CONTROL_BUFFERS] = this.#generation;
      control[base + CONTROL_LEAF_FROM] = leafFrom;
      control[base + CONTROL_LEAF_COUNT] = count;
      control[base + CONTROL_LEVELS] = topLevel + 1;
      // Byte position of this worker's first node at each level 0..L.
      for (let level = 0, scale = 1; level <= topLevel; level++, scale *= 2) {
        control[base + CONTROL_LEVEL_AT + level] = ((layout.offset[level] as number) + (workersFrom + leafFrom) / scale - (layout.first[level] as number)) * MERKLE_HASH_BYTES;
      }
      Atomics.store(control, base + CONTROL_SEQ, seq);
      Atomics.notify(control, base + CONTROL_SEQ);
      posted.push(w);
      subtree += own;
    }
    assert(at === inputBytes, 'hashBatch: every worker leaf was copied once');

    // This thread's share: levels 0..L outside the workers' run, then (after the workers) the rest.
    hashLeafRange(leaves, 0, localFrom, hashes);
    hashLeafRange(leaves, localFrom + workerLeaves, leafCount, hashes);
    for (let level = 1, scale = 2; level <= topLevel; level++, scale *= 2) {
      const first = layout.first[level] as number;
      const last = first + (layout.count[level] as number);
      hashInteriorRange(hashes, layout, level, first, workersFrom / scale, frontier);
      hashInteriorRange(hashes, layout, level, workersTo / scale, last, frontier);
    }
    for (const w of posted) this.#await(w, seq);
    hashInteriorLevels(hashes, layout, frontier, topLevel + 1);
    // The caller owns the result; the shared buffer is the next batch's.
    return hashes.slice();
  }

  #nextSeq(): number {
    this.#seq = this.#seq >= 0x7fff_ffff ? 1 : this.#seq + 1;
    return this.#seq;
  }

  /** Blocks until worker `w` answers job `seq`; throws MERKLE_WORKER_FAILED if it fails or never does. */
  #await(w: number, seq: number): void {
    const control = this.#control;
    const slot = w * CONTROL_STRIDE + CONTROL_ANSWER;
    for (;;) {
      const value = Atomics.load(control, slot);
      if (value === seq) return;
      if (value === -seq) throw new LedgerError('MERKLE_WORKER_FAILED', `subtree worker ${w} failed while hashing its share of a batch`);
      // Any other value is an earlier job's answer: wait for it to change.
      if (Atomics.wait(control, slot, value, POOL_WAIT_MAX_MS) === 'timed-out') {
        throw new LedgerError('MERKLE_WORKER_FAILED', `subtree worker ${w} did not answer within ${POOL_WAIT_MAX_MS} ms`);
      }
    }
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const control = this.#control;
    for (let w = 0; w < this.#workers.length; w++) {
      const base = w * CONTROL_STRIDE;
      Atomics.store(control, base + CONTROL_STOP, 1);
      Atomics.add(control, base + CONTROL_SEQ, 1);
      Atomics.notify(control, base + CONTROL_SEQ);
    }
    await Promise.all(this.#workers.map((entry) => entry.worker.terminate()));
    this.#workers.length = 0;
  }
}
